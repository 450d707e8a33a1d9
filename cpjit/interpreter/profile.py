"""Per-code side tables tier 2 reads: the counterpart of 3.11's inline caches and
specializer (Python/specialize.c) and of 3.12's branch counters / pycore_backoff.h.

Profiling sites are small mutable objects the dispatch array hands to the instruction
handlers; a handler calls ``site.observe(...)`` only when what it sees differs from what
the site last recorded, so the steady-state cost is one identity comparison.
"""

# Our functions keep CPython's builtins even if the guest replaces one (builtins.len = ...).
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import types
import weakref

from . import objlayout
from .frame import NULL
from .opcodes311 import OPMAP as OPMAP_, jump_target as _jump_target
from .opcodes311 import (
    COUNTED_BACK_EDGES,
    CACHE, CACHE_ENTRIES, CONDITIONAL_JUMPS, ENTER_EXECUTOR, JUMP_BACKWARD, NB_OPS,
    COMPARE_OPS, OPNAME, decode_instructions, parse_exception_table,
)

# A site that saw more than this many different shapes is megamorphic: generic form.
MAX_SHAPES = 4
MAX_BACKOFF = 12


class CodeInfo:
    """Everything tier 1 and tier 2 keep about one code object (its ``co_executors`` too)."""

    def __init__(self, code):
        self.code = code
        self.instructions = decode_instructions(code.co_code)
        self.nlocalsplus = (len(code.co_varnames) + len(code.co_cellvars)
                            + len(code.co_freevars))
        self.nlocals = len(code.co_varnames)
        # localsplus names in CPython's order: varnames, cells that are not args, freevars.
        self.localsplus_names = (list(code.co_varnames)
                                 + [c for c in code.co_cellvars if c not in code.co_varnames]
                                 + list(code.co_freevars))
        self.nlocalsplus = len(self.localsplus_names)
        # CALL_PY_EXACT_ARGS: positional arguments fill the first slots as they are
        simple = not code.co_flags & 0x0C and not code.co_kwonlyargcount
        self.exact_argc = code.co_argcount if simple else -1
        self.null_tail = [NULL] * (self.nlocalsplus - code.co_argcount)
        self.nfree = len(code.co_freevars)
        self.exception_table = parse_exception_table(code.co_exceptiontable)
        self.handlers = [None] * len(self.instructions)
        for start, end, target, depth, lasti in reversed(self.exception_table):
            for index in range(start, min(end, len(self.instructions))):
                self.handlers[index] = (target, depth, lasti)
        self._lines = None
        # a loop: an unconditional back edge, or the conditional one a 3.11 `while cond:`
        # ends with (POP_JUMP_BACKWARD_IF_*)
        self.has_loop = any(op in COUNTED_BACK_EDGES for op, _ in self.instructions)
        self.branch_history = {}
        self.profile = {}
        self.backedge_counter = {}
        self.executors = []
        self.dispatch = None          # built by ceval.build_dispatch on first run
        # 3.11's quickening, emulated (see PrecallSite): co_warmup, the PRECALL caches
        self.warmup = -QUICKENING_WARMUP_DELAY
        self.precall_sites = {}       # byte offset of the CALL -> PrecallSite
        self.load_method_calls = None  # CALL index -> LOAD_METHOD name (load_method_calls)
        self.stub = None              # traceback stub code (traceback.py)
        # 16 bits per conditional jump, newest outcome in bit 0; it starts as CPython's
        # cache does (_PyCode_Quicken: 0x5555, alternating), i.e. "no idea yet"
        for index, (op, _arg) in enumerate(self.instructions):
            if op in CONDITIONAL_JUMPS:
                self.branch_history[index * 2] = 0x5555

    def line_of(self, index):
        """Source line of the instruction at code unit ``index`` (``PyCode_Addr2Line``)."""
        lines = self._lines
        if lines is None:
            lines = self._lines = [-1] * len(self.instructions)
            for start, end, line in self.code.co_lines():
                for i in range(start // 2, min(end // 2, len(lines))):
                    lines[i] = -1 if line is None else line
        if 0 <= index < len(lines):
            return lines[index]
        return -1

    # -- executors (``insert_executor`` / ``get_executor`` in optimizer.c) --------------

    def insert_executor(self, offset, executor):
        """Install ``executor`` at the JUMP_BACKWARD at byte ``offset`` (as ENTER_EXECUTOR).

        The executor gets ``original_opcode`` / ``original_oparg`` / ``code_offset``; the
        oparg of ENTER_EXECUTOR indexes ``self.executors``.
        """
        index = offset // 2
        op, arg = self.instructions[index]
        if op == ENTER_EXECUTOR:
            old = self.executors[arg]
            executor.original_opcode = old.original_opcode
            executor.original_oparg = old.original_oparg
            slot = arg
            self.executors[slot] = executor
        else:
            executor.original_opcode = op
            executor.original_oparg = arg
            slot = len(self.executors)
            self.executors.append(executor)
        executor.code_offset = offset
        self.instructions[index] = (ENTER_EXECUTOR, slot)
        if self.dispatch is not None:
            from .ceval import make_enter_executor_entry
            self.dispatch[index] = make_enter_executor_entry(self, index, slot)
        return slot

    def get_executor(self, offset):
        """The executor installed at byte ``offset`` (``_Py_GetExecutor``)."""
        op, arg = self.instructions[offset // 2]
        if op != ENTER_EXECUTOR:
            raise ValueError("no executor at offset %d" % offset)
        return self.executors[arg]

    def remove_executor(self, offset):
        """Put the original instruction back at ``offset`` (the executor stays in the list)."""
        index = offset // 2
        op, arg = self.instructions[index]
        if op != ENTER_EXECUTOR:
            return
        ex = self.executors[arg]
        self.instructions[index] = (ex.original_opcode, ex.original_oparg)
        if self.dispatch is not None:
            from .ceval import make_dispatch_entry
            self.dispatch[index] = make_dispatch_entry(self, index)

    def specialized_instructions(self):
        """``[(offset, name)]`` with the specialized form tier 1 observed where it has one."""
        out = []
        for index, (op, _arg) in enumerate(self.instructions):
            if op == CACHE:
                continue
            rec = self.profile.get(index * 2)
            out.append((index * 2, rec["form"] if rec else OPNAME[op]))
        return out


_infos = {}


def get_code_info(code):
    """The ``CodeInfo`` of ``code`` (made on first use, kept for the process)."""
    info = _infos.get(id(code))
    if info is None or info.code is not code:
        info = _infos[id(code)] = CodeInfo(code)
    return info


# -- back-edge counters (pycore_backoff.h) -----------------------------------------------

def initial_backoff(threshold):
    """``[value, backoff]`` that triggers on the ``threshold``-th back edge."""
    value = max(threshold, 1) - 1
    return [value, min(max(value.bit_length(), 1), MAX_BACKOFF)]


def restart_backoff(counter):
    """After an optimization attempt failed: wait twice as long (``restart_backoff_counter``)."""
    backoff = min(counter[1] + 1, MAX_BACKOFF)
    counter[0] = (1 << backoff) - 1
    counter[1] = backoff


# -- profiling sites ------------------------------------------------------------------------

class Site:
    """One specializable instruction's record (its inline cache in 3.11).

    ``record`` is the dict published in ``CodeInfo.profile[offset]`` while the site is
    monomorphic; a megamorphic site removes it.
    """

    __slots__ = ("info", "offset", "generic", "key", "key2", "shapes", "record", "extra",
                 "callbacks")

    @staticmethod
    def on_megamorphic(site):
        """Set by the interpreter: switch the instruction to its unprofiled handler."""

    @staticmethod
    def on_callbacks(site):
        """Set by the interpreter: the site saw operands whose operation can run Python
        code (``may_call_python``); switch its handler to the twin that gives the
        handler's recursion slack back around the operation."""

    def __init__(self, info, offset, generic, extra=None):
        self.info = info
        self.offset = offset
        self.generic = generic
        self.key = None
        self.key2 = None          # two-operand sites: the right operand's type
        self.shapes = 0
        self.record = None
        self.extra = extra
        self.callbacks = False    # set once the site saw an operation that can call Python

    def publish(self, key, record):
        """Remember ``key`` as the last shape seen and publish ``record`` (or go megamorphic).
        A tuple key of two types fills ``key``/``key2`` (what the handlers compare).
        Returns True when this shape is the first that can make the site's operation run
        Python code (the handler then runs the instruction again as its twin)."""
        if type(key) is tuple and len(key) == 2:
            self.key, self.key2 = key
        else:
            self.key = key
        self.shapes += 1
        newly_calling = not self.callbacks and may_call_python(self, key, record)
        if newly_calling:
            self.callbacks = True
            self.on_callbacks(self)
        if self.shapes > MAX_SHAPES or record is None:
            self.info.profile.pop(self.offset, None)
            self.record = None
            if self.shapes > MAX_SHAPES:
                self.on_megamorphic(self)
            return newly_calling
        self.record = record
        self.info.profile[self.offset] = record
        return newly_calling


# -- operations that can run Python code ------------------------------------------------------
#
# Tier 1's handlers run one recursion level above CPython's frame (ceval._SLACK). An
# operation whose C code calls a Python function (a dunder method, a property, a
# generator's frame) must run with that level given back, or the callee gets one level
# more than under CPython. Deciding it per site, when the site records a new shape, keeps
# the builtin-operand paths free of any test.

_HEAPTYPE = 1 << 9                              # Py_TPFLAGS_HEAPTYPE: a class made by `class`
# builtin containers whose comparison compares their elements (which can be instances of
# Python classes); `in` compares elements of lists and tuples (sets and dicts only on a
# hash collision: not counted)
_ELEMENT_COMPARING = frozenset((list, tuple, dict))
_ELEMENT_SCANNING = frozenset((list, tuple))
# builtin iterators whose next() runs Python code (a generator's frame, a callback)
_CALLING_ITERATORS = frozenset((
    types.GeneratorType, map, filter, type(iter(int, 0)),
    __import__("itertools").starmap, __import__("itertools").takewhile,
    __import__("itertools").dropwhile, __import__("itertools").filterfalse,
    __import__("itertools").accumulate, __import__("itertools").groupby))
_ATTRIBUTE_SITES = ("LOAD_ATTR", "STORE_ATTR", "LOAD_METHOD")
_PLAIN_ATTRIBUTE_FORMS = frozenset((
    "LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR_WITH_HINT", "LOAD_ATTR_SLOT", "LOAD_ATTR_MODULE",
    "STORE_ATTR_INSTANCE_VALUE", "STORE_ATTR_WITH_HINT", "STORE_ATTR_SLOT",
    "LOAD_METHOD_MODULE", "LOAD_METHOD_NO_DICT", "LOAD_METHOD_WITH_VALUES"))
_GENERIC_GETATTRIBUTE = object.__getattribute__
_GENERIC_SETATTR = object.__setattr__


def _is_heap_type(tp):
    return type(tp) is not tuple and bool(tp.__flags__ & _HEAPTYPE)


def may_call_python(site, key, record):
    """Whether the operation of ``site`` can call Python code (``_may_call_python``); a
    type that cannot be classified counts as one that can."""
    try:
        return _may_call_python(site, key, record)
    except Exception:
        return True


def _may_call_python(site, key, record):
    """Whether the operation of ``site`` on operands of the types ``key`` (its new shape)
    can call Python code: a dunder method of a Python class (``slot_*`` in typeobject.c),
    a property or other Python descriptor, elements of compared containers, a generator."""
    generic = site.generic
    # (UNPACK_SEQUENCE: only its slow path, ceval._unpack_iterable, iterates, one host
    # frame down already)
    if generic in ("BINARY_OP", "BINARY_SUBSCR", "STORE_SUBSCR"):
        types_ = key if type(key) is tuple else (key,)
        return any(t is not None and t.__flags__ & _HEAPTYPE for t in types_)
    if generic == "COMPARE_OP":
        return any(t is not None and (t.__flags__ & _HEAPTYPE or t in _ELEMENT_COMPARING)
                   for t in key)
    if generic == "CONTAINS_OP":
        item, container = key
        return item is not None and bool(item.__flags__ & _HEAPTYPE) or \
            container is not None and (container.__flags__ & _HEAPTYPE != 0
                                       or container in _ELEMENT_SCANNING)
    if generic == "FOR_ITER":
        return key is not None and (key.__flags__ & _HEAPTYPE or key in _CALLING_ITERATORS)
    if generic in _ATTRIBUTE_SITES:
        if key is None:
            return False
        if _attribute_hooks(key, generic):
            return True
        if record is not None and record.get("form") in _PLAIN_ATTRIBUTE_FORMS:
            return False
        return _python_descriptor(key, site.extra)
    return False


def _attribute_hooks(tp, generic):
    """The type's attribute access itself is Python code (``slot_tp_getattr_hook``,
    ``slot_tp_setattro``)."""
    if generic == "STORE_ATTR":
        return tp.__setattr__ is not _GENERIC_SETATTR and tp.__flags__ & _HEAPTYPE != 0
    return (tp.__getattribute__ is not _GENERIC_GETATTRIBUTE and tp.__flags__ & _HEAPTYPE != 0) \
        or _lookup_in_mro(tp, "__getattr__") is not None


def _python_descriptor(tp, name):
    """The attribute is a descriptor whose ``__get__``/``__set__`` runs Python code."""
    descr = _lookup_in_mro(tp, name)
    dt = type(descr)
    return dt is property or bool(dt.__flags__ & _HEAPTYPE) and (
        _lookup_in_mro(dt, "__get__") is not None or _lookup_in_mro(dt, "__set__") is not None)


def _safe(observe):
    """Profiling must never change what the guest sees: an error while classifying a
    shape (a broken ``__eq__`` in a key, ...) makes the site generic instead of escaping."""
    def guarded(site, *args):
        try:
            return observe(site, *args)
        except Exception:
            return site.publish((None, None), None)
    guarded.__name__ = observe.__name__
    guarded.__doc__ = observe.__doc__
    return guarded


def _instance_dict(obj):
    """The instance ``__dict__`` when the type's descriptor for it is the standard one
    (never runs user code), else None."""
    descr = _lookup_in_mro(type(obj), "__dict__")
    if type(descr) is not types.GetSetDescriptorType:
        return None
    d = descr.__get__(obj, type(obj))
    return d if type(d) is dict else None


def _str_keys_only(d):
    """Looking a name up in a dict whose keys are all exact str compares no user objects
    (a user key's ``__eq__`` could run, and do anything)."""
    for k in d:
        if type(k) is not str:
            return False
    return True


def _type_record(form, tp, **more):
    rec = {"form": form, "type": tp, "type_version": objlayout.type_version(tp)}
    rec.update(more)
    return rec


_BINARY_FORMS = {
    ("NB_ADD", int): "BINARY_OP_ADD_INT", ("NB_SUBTRACT", int): "BINARY_OP_SUBTRACT_INT",
    ("NB_MULTIPLY", int): "BINARY_OP_MULTIPLY_INT",
    ("NB_ADD", float): "BINARY_OP_ADD_FLOAT", ("NB_SUBTRACT", float): "BINARY_OP_SUBTRACT_FLOAT",
    ("NB_MULTIPLY", float): "BINARY_OP_MULTIPLY_FLOAT",
    ("NB_ADD", str): "BINARY_OP_ADD_UNICODE", ("NB_INPLACE_ADD", str): "BINARY_OP_INPLACE_ADD_UNICODE",
    ("NB_INPLACE_ADD", int): "BINARY_OP_ADD_INT", ("NB_INPLACE_SUBTRACT", int): "BINARY_OP_SUBTRACT_INT",
    ("NB_INPLACE_MULTIPLY", int): "BINARY_OP_MULTIPLY_INT",
    ("NB_INPLACE_ADD", float): "BINARY_OP_ADD_FLOAT",
    ("NB_INPLACE_SUBTRACT", float): "BINARY_OP_SUBTRACT_FLOAT",
    ("NB_INPLACE_MULTIPLY", float): "BINARY_OP_MULTIPLY_FLOAT",
}


@_safe
def observe_binary_op(site, left, right):
    """BINARY_OP: the form ``_Py_Specialize_BinaryOp`` would choose, with both types."""
    lt, rt = type(left), type(right)
    form = _BINARY_FORMS.get((site.extra, lt)) if lt is rt else None
    return site.publish((lt, rt), {
        "form": form or "BINARY_OP", "type": lt, "right_type": rt,
        "type_version": objlayout.type_version(lt),
        "right_type_version": objlayout.type_version(rt), "nb_op": site.extra})


@_safe
def observe_compare_op(site, left, right):
    """COMPARE_OP: ``_Py_Specialize_CompareOp`` (3.11's *_JUMP forms)."""
    lt, rt = type(left), type(right)
    form = "COMPARE_OP"
    if lt is rt:
        if lt is int:
            form = "COMPARE_OP_INT_JUMP"
        elif lt is float:
            form = "COMPARE_OP_FLOAT_JUMP"
        elif lt is str and site.extra in ("==", "!="):
            form = "COMPARE_OP_STR_JUMP"
    return site.publish((lt, rt), {"form": form, "type": lt, "right_type": rt,
                            "type_version": objlayout.type_version(lt),
                            "right_type_version": objlayout.type_version(rt), "op": site.extra})


@_safe
def observe_binary_subscr(site, container, sub):
    """BINARY_SUBSCR: ``_Py_Specialize_BinarySubscr``."""
    ct, st = type(container), type(sub)
    form = "BINARY_SUBSCR"
    more = {}
    if ct is list and st is int:
        form = "BINARY_SUBSCR_LIST_INT"
    elif ct is tuple and st is int:
        form = "BINARY_SUBSCR_TUPLE_INT"
    elif ct is dict:
        form = "BINARY_SUBSCR_DICT"
    else:
        getitem = _lookup_in_mro(ct, "__getitem__")
        if type(getitem) is types.FunctionType:
            form = "BINARY_SUBSCR_GETITEM"
            more = {"func": getitem, "func_version": objlayout.func_version(getitem),
                    "code": getitem.__code__}
    return site.publish((ct, st), _type_record(form, ct, sub_type=st, **more))


@_safe
def observe_store_subscr(site, container, sub):
    """STORE_SUBSCR: ``_Py_Specialize_StoreSubscr``."""
    ct, st = type(container), type(sub)
    form = "STORE_SUBSCR"
    if ct is list and st is int:
        form = "STORE_SUBSCR_LIST_INT"
    elif ct is dict:
        form = "STORE_SUBSCR_DICT"
    return site.publish((ct, st), _type_record(form, ct, sub_type=st))


@_safe
def observe_unpack_sequence(site, seq):
    """UNPACK_SEQUENCE: ``_Py_Specialize_UnpackSequence``."""
    t = type(seq)
    form = "UNPACK_SEQUENCE"
    if t is tuple:
        form = "UNPACK_SEQUENCE_TWO_TUPLE" if site.extra == 2 else "UNPACK_SEQUENCE_TUPLE"
    elif t is list:
        form = "UNPACK_SEQUENCE_LIST"
    return site.publish(t, _type_record(form, t))


_ITER_FORMS = {type(iter(range(0))): "FOR_ITER_RANGE", type(iter([])): "FOR_ITER_LIST",
               type(iter(())): "FOR_ITER_TUPLE", types.GeneratorType: "FOR_ITER_GEN"}


@_safe
def observe_contains_op(site, item, container):
    """CONTAINS_OP (no specialized form in 3.11): only whether ``in`` can call Python."""
    return site.publish((type(item), type(container)), None)


@_safe
def observe_for_iter(site, it):
    """FOR_ITER: 3.12's forms (3.11 has none), named as ``_Py_Specialize_ForIter`` does."""
    t = type(it)
    return site.publish(t, _type_record(_ITER_FORMS.get(t, "FOR_ITER"), t))


def _lookup_in_mro(tp, name):
    """``_PyType_Lookup``: the attribute in the type's MRO dicts, without binding."""
    for klass in tp.__mro__:
        d = klass.__dict__
        if name in d:
            return d[name]
    return None


def _is_data_descriptor(attr):
    t = type(attr)
    return _lookup_in_mro(t, "__set__") is not None or _lookup_in_mro(t, "__delete__") is not None


def _attr_shape(obj, name, store):
    """The (form suffix, extra record fields) 3.11's attribute specializer would choose."""
    tp = type(obj)
    if tp is types.ModuleType:
        d = obj.__dict__
        if not _str_keys_only(d):
            return None, {}
        return "MODULE", {"keys_version": objlayout.dict_keys_version(d),
                          "index": list(d).index(name) if name in d else None}
    descr = _lookup_in_mro(tp, name)
    if type(descr) is types.MemberDescriptorType:
        return "SLOT", {"descr": descr}
    if descr is not None and _is_data_descriptor(descr):
        return None, {"descr": descr}
    d = _instance_dict(obj)
    if d is not None and _str_keys_only(d):
        keys = list(d)
        if name in d or store:
            index = keys.index(name) if name in d else len(keys)
            return ("INSTANCE_VALUE" if index < 30 else "WITH_HINT"), {
                "index": index, "keys_version": objlayout.dict_keys_version(d)}
    return None, {"descr": descr}


@_safe
def observe_load_attr(site, obj):
    """LOAD_ATTR: ``_Py_Specialize_LoadAttr``."""
    try:
        suffix, more = _attr_shape(obj, site.extra, False)
    except Exception:
        suffix, more = None, {}
    form = "LOAD_ATTR_" + suffix if suffix else "LOAD_ATTR"
    return site.publish(type(obj), _type_record(form, type(obj), **more))


@_safe
def observe_store_attr(site, obj):
    """STORE_ATTR: ``_Py_Specialize_StoreAttr``."""
    try:
        suffix, more = _attr_shape(obj, site.extra, True)
    except Exception:
        suffix, more = None, {}
    if suffix == "MODULE":
        suffix = None
    form = "STORE_ATTR_" + suffix if suffix else "STORE_ATTR"
    return site.publish(type(obj), _type_record(form, type(obj), **more))


@_safe
def observe_load_method(site, obj):
    """LOAD_METHOD: ``_Py_Specialize_LoadMethod``."""
    tp = type(obj)
    name = site.extra
    form = "LOAD_METHOD"
    more = {}
    if tp is types.ModuleType:
        form = "LOAD_METHOD_MODULE"
        more = {"keys_version": objlayout.dict_keys_version(obj.__dict__)}
    elif issubclass(tp, type):
        form = "LOAD_METHOD_CLASS"
        more = {"class_version": objlayout.type_version(obj)}
    else:
        descr = _lookup_in_mro(tp, name)
        if type(descr) in (types.FunctionType, types.MethodDescriptorType):
            more = {"descr": descr}
            d = _instance_dict(obj)
            if d is not None and not _str_keys_only(d):
                form = "LOAD_METHOD"
            elif d is None:
                form = "LOAD_METHOD_NO_DICT"
            elif name not in d:
                form = "LOAD_METHOD_WITH_VALUES"
                more["keys_version"] = objlayout.dict_keys_version(d)
    return site.publish(tp, _type_record(form, tp, **more))


@_safe
def observe_load_global(site, globals_, builtins, name):
    """LOAD_GLOBAL: ``_Py_Specialize_LoadGlobal`` (module or builtin, with keys versions)."""
    if type(globals_) is not dict or type(builtins) is not dict or \
            not _str_keys_only(globals_) or not _str_keys_only(builtins):
        rec = None
    elif name in globals_:
        rec = {"form": "LOAD_GLOBAL_MODULE", "index": list(globals_).index(name),
               "keys_version": objlayout.dict_keys_version(globals_)}
    elif name in builtins:
        rec = {"form": "LOAD_GLOBAL_BUILTIN", "index": list(builtins).index(name),
               "keys_version": objlayout.dict_keys_version(globals_),
               "builtins_keys_version": objlayout.dict_keys_version(builtins)}
    else:
        rec = None
    return site.publish(name, rec)


_len, _isinstance, _list_append = len, isinstance, list.append


@_safe
def observe_call(site, callable_, nargs, kwnames, bound):
    """CALL / PRECALL: ``_Py_Specialize_Call`` / ``_Py_Specialize_Precall``."""
    t = type(callable_)
    more = {"func": callable_, "nargs": nargs}
    form = "CALL"
    if t is types.FunctionType:
        code = callable_.__code__
        more.update(func_version=objlayout.func_version(callable_), code=code)
        simple = not kwnames and not (code.co_flags & 0x0C) and not code.co_kwonlyargcount
        if simple and nargs == code.co_argcount:
            form = "CALL_PY_EXACT_ARGS"
        elif simple and callable_.__defaults__ and \
                code.co_argcount - len(callable_.__defaults__) <= nargs < code.co_argcount:
            form = "CALL_PY_WITH_DEFAULTS"
        if bound:
            more["bound_method"] = True
    elif kwnames:
        if t is types.BuiltinFunctionType:
            form = "PRECALL_BUILTIN_FAST_WITH_KEYWORDS"
    elif callable_ is _len and nargs == 1:
        form = "PRECALL_NO_KW_LEN"
    elif callable_ is _isinstance and nargs == 2:
        form = "PRECALL_NO_KW_ISINSTANCE"
    elif callable_ is type and nargs == 1:
        form = "PRECALL_NO_KW_TYPE_1"
    elif callable_ is str and nargs == 1:
        form = "PRECALL_NO_KW_STR_1"
    elif callable_ is tuple and nargs == 1:
        form = "PRECALL_NO_KW_TUPLE_1"
    elif (callable_ is _list_append and bound and nargs == 2) or (
            t is types.BuiltinFunctionType and nargs == 1 and callable_.__name__ == "append"
            and type(callable_.__self__) is list):
        # ``xs.append(v)``: CPython's LOAD_METHOD leaves list.append and the list on the
        # stack (the form the trace's _LOAD_METHOD produces); tier 1 may hold the bound method.
        form = "PRECALL_NO_KW_LIST_APPEND"
    elif t is type:
        form = "PRECALL_BUILTIN_CLASS"
        more["type_version"] = objlayout.type_version(callable_)
    elif t is types.BuiltinFunctionType:
        form = "PRECALL_NO_KW_BUILTIN_O" if nargs == 1 else "PRECALL_NO_KW_BUILTIN_FAST"
    elif t is types.MethodType:
        form = "PRECALL_BOUND_METHOD"
    # The site must not keep the callee alive (3.11's cache holds a version, not the
    # function): functions are keyed by code and recorded through a weak reference.
    if t is types.FunctionType:
        more["func"] = weakref.ref(callable_)
        key = callable_.__code__
    else:
        if t is types.BuiltinFunctionType and getattr(callable_, "__self__", None) is not None \
                and not isinstance(callable_.__self__, types.ModuleType):
            more["func"] = None   # a bound builtin method: do not keep its self alive
        key = t
    return site.publish(key, {"form": form, "type": t, **more})



# -- 3.11 quickening and the PRECALL specializer, exactly (the recursion count needs it) ---
#
# Which code runs a call decides how many recursion checks it makes. 3.11's generic CALL
# reaches a builtin through its vectorcall wrapper, which checks the recursion limit
# (``_Py_EnterRecursiveCallTstate``); several *specialized* PRECALL forms call the C
# function directly and skip that check (see ``CHECK_FREE``). Tier 1 calls natives
# through the host's generic path, so it must know, per call, whether CPython would run a
# check-free form at that moment: that depends on quickening (``co_warmup``), the
# adaptive counter with its exponential backoff, and the miss counter. This emulates
# them exactly for PRECALL (rules and constants of specialize.c / pycore_code.h /
# ceval.c in 3.11, checked against the real caches by tests/test_interp_recursion_specialized.py).

QUICKENING_WARMUP_DELAY = 8
_BACKOFF_BITS = 4                       # ADAPTIVE_BACKOFF_BITS
_ONE = ADAPTIVE_ONE = 1 << _BACKOFF_BITS  # one count in an adaptive counter
_MAX_BACKOFF_VALUE = 16 - _BACKOFF_BITS
ADAPTIVE_COUNTER_START = (((1 << 5) - 1) << _BACKOFF_BITS) | 5   # adaptive_counter_start()
MISS_COUNTER_START = 53                 # miss_counter_start()

METH_VARARGS, METH_KEYWORDS, METH_NOARGS, METH_O = 0x01, 0x02, 0x04, 0x08
METH_FASTCALL, METH_METHOD = 0x80, 0x200
_CALL_FLAGS = METH_VARARGS | METH_FASTCALL | METH_NOARGS | METH_O | METH_KEYWORDS | METH_METHOD
_IMMUTABLETYPE = 1 << 8
_TYPE_SUBCLASS = 1 << 31

# The specialized forms that call the C function without a recursion check where the
# generic path (vectorcall wrapper, or _PyObject_MakeTpCall for str) makes one. METH_O and
# METH_NOARGS forms keep the check ("CPython promises to check all non-vectorcall
# calls"); the class forms call the same tp_vectorcall as the generic path.
CHECK_FREE = frozenset({
    "PRECALL_NO_KW_BUILTIN_FAST", "PRECALL_BUILTIN_FAST_WITH_KEYWORDS",
    "PRECALL_NO_KW_LEN", "PRECALL_NO_KW_ISINSTANCE", "PRECALL_NO_KW_STR_1",
    "PRECALL_NO_KW_LIST_APPEND", "PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST",
    "PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS",
})


def adaptive_counter_backoff(counter):
    """``adaptive_counter_backoff``: after a failed specialization, wait 2**backoff - 1."""
    backoff = min((counter & (_ONE - 1)) + 1, _MAX_BACKOFF_VALUE)
    return (((1 << backoff) - 1) << _BACKOFF_BITS) | backoff


class _Never:
    """Matches no callable and no type (a site with nothing cached)."""


_NEVER = _Never()
_UNQUICKENED = UNQUICKENED = "PRECALL"   # code not quickened: plain PRECALL, nothing counts
_UNREAD = "PRECALL (not read yet)"


class PrecallSite:
    """The inline cache of one 3.11 PRECALL: its current form and 16-bit counter.

    ``hit_type`` / ``hit`` let tier 1's CALL skip the emulation when the specialized form
    would hit again with no state change (a hit changes no counter in 3.11); ``slack`` is
    then what the call gives back to the recursion count (1: the generic path's check).
    """

    __slots__ = ("form", "counter", "hit_type", "hit", "hit_self", "hit_name", "slack",
                 "oparg", "pop_after", "method_name", "last_hit", "info", "index", "emulated",
                 "last_descr")

    def __init__(self, oparg, info=None, index=None, pop_after=False):
        self.oparg = oparg
        self.info = info                # for tier 1: the code's CodeInfo, the CALL's index
        self.index = index
        self.pop_after = pop_after      # the instruction after CALL is POP_TOP
        self.method_name = None         # the callable comes from LOAD_METHOD of this name
        # a PRECALL_* name, None = PRECALL_ADAPTIVE; _UNREAD: tier 1 reads the rest
        # (static facts, CPython's own cache if it quickened the code) on first use
        self.form = _UNREAD if info is not None else _UNQUICKENED
        self.counter = 0
        self.hit_type = self.hit = _NEVER
        self.hit_self = self.hit_name = None
        self.slack = 1
        self.last_hit = False
        self.emulated = False           # tier 1 has stepped this site (tier1_precall)
        self.last_descr = None          # the method descriptor of the last hit, if any

    def read(self):
        """Tier 1's site: the facts the emulation needs, and where CPython's count stands."""
        info, index = self.info, self.index
        ins = info.instructions     # (an executor only replaces a JUMP_BACKWARD: no POP_TOP)
        after = index + 1 + CACHE_ENTRIES[OPMAP_["CALL"]]
        self.pop_after = after < len(ins) and ins[after][0] == OPMAP_["POP_TOP"]
        methods = info.load_method_calls
        if methods is None:
            methods = info.load_method_calls = load_method_calls(info)
        self.method_name = methods.get(index)
        self.form = _UNQUICKENED
        if info.warmup == 0:
            # quickened: by tier 1 (PRECALL_ADAPTIVE, counter 0), or by CPython before
            # tier 1 ran the code (continue from its cache)
            state = native_precall_state(info.code, (index - 2) * 2)
            if state is None:
                self.quicken()
            else:
                self.form, self.counter = state

    def quicken(self):
        """``_PyCode_Quicken``: PRECALL_ADAPTIVE with a zero counter."""
        if self.form is _UNREAD:
            return                      # read() will see info.warmup == 0
        self.form = None
        self.counter = 0
        self.hit_type = self.hit = _NEVER
        self.hit_self = self.hit_name = None

    @property
    def opname(self):
        return "PRECALL_ADAPTIVE" if self.form is None else self.form


_list_append_descr = list.append
_BuiltinFunctionType = types.BuiltinFunctionType
_MethodDescriptorType = types.MethodDescriptorType
_FunctionType, _MethodType = types.FunctionType, types.MethodType


def _specialize_c_call(callable_, nargs, kwnames):
    """``specialize_c_call``: the form for a builtin function, or None (failure)."""
    flags = objlayout.cfunction_flags(callable_) & _CALL_FLAGS
    if flags == METH_O:
        if kwnames or nargs != 1:
            return None
        return "PRECALL_NO_KW_LEN" if callable_ is _len else "PRECALL_NO_KW_BUILTIN_O"
    if flags == METH_FASTCALL:
        if kwnames:
            return None
        if nargs == 2 and callable_ is _isinstance:
            return "PRECALL_NO_KW_ISINSTANCE"
        return "PRECALL_NO_KW_BUILTIN_FAST"
    if flags == METH_FASTCALL | METH_KEYWORDS:
        return "PRECALL_BUILTIN_FAST_WITH_KEYWORDS"
    return None


def _specialize_class_call(tp, nargs, kwnames, oparg):
    """``specialize_class_call``."""
    if objlayout.type_new_is_object_new(tp) or not tp.__flags__ & _IMMUTABLETYPE:
        return None
    if nargs == 1 and not kwnames and oparg == 1:
        if tp is str:
            return "PRECALL_NO_KW_STR_1"
        if tp is type:
            return "PRECALL_NO_KW_TYPE_1"
        if tp is tuple:
            return "PRECALL_NO_KW_TUPLE_1"
    return "PRECALL_BUILTIN_CLASS" if objlayout.type_has_vectorcall(tp) else None


def _specialize_method_descriptor(descr, nargs, kwnames, oparg, pop_after):
    """``specialize_method_descriptor``."""
    if kwnames:
        return None
    flags = objlayout.method_descriptor_flags(descr) & _CALL_FLAGS
    if flags == METH_NOARGS:
        return "PRECALL_NO_KW_METHOD_DESCRIPTOR_NOARGS" if nargs == 1 else None
    if flags == METH_O:
        if nargs != 2:
            return None
        if descr is _list_append_descr and oparg == 1 and pop_after:
            return "PRECALL_NO_KW_LIST_APPEND"
        return "PRECALL_NO_KW_METHOD_DESCRIPTOR_O"
    if flags == METH_FASTCALL:
        return "PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST"
    if flags == METH_FASTCALL | METH_KEYWORDS:
        return "PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS"
    return None


def specialize_precall(callable_, nargs, kwnames, oparg, pop_after):
    """``_Py_Specialize_Precall``: the specialized form's name, or None on failure.
    ``nargs`` counts self for a method call (``oparg + is_meth``)."""
    t = type(callable_)
    if t is _BuiltinFunctionType:
        return _specialize_c_call(callable_, nargs, kwnames)
    if t is _FunctionType:
        return "PRECALL_PYFUNC"
    if t.__flags__ & _TYPE_SUBCLASS:                   # PyType_Check
        return _specialize_class_call(callable_, nargs, kwnames, oparg)
    if t is _MethodDescriptorType:
        return _specialize_method_descriptor(callable_, nargs, kwnames, oparg, pop_after)
    if t is _MethodType:
        return "PRECALL_BOUND_METHOD"
    return None


def _descr_guard(flags, nargs=None):
    def guard(callable_, is_meth, args):
        return (type(callable_) is _MethodDescriptorType
                and (nargs is None or len(args) == nargs)
                and objlayout.method_descriptor_flags(callable_) == flags
                and len(args) > 0 and type(args[0]) is callable_.__objclass__)
    return guard


def _cfunc_guard(flags, nargs=None):
    def guard(callable_, is_meth, args):
        return (type(callable_) is _BuiltinFunctionType
                and (nargs is None or len(args) == nargs)
                and objlayout.cfunction_flags(callable_) == flags)
    return guard


# The DEOPT_IF conditions of each specialized form (exact flags, not masked ones: a
# classmethod like dict.fromkeys specializes but then misses every time, as in CPython).
_GUARDS = {
    "PRECALL_PYFUNC": lambda c, m, a: type(c) is _FunctionType,
    "PRECALL_BOUND_METHOD": lambda c, m, a: not m and type(c) is _MethodType,
    "PRECALL_BUILTIN_CLASS": lambda c, m, a: (type(c).__flags__ & _TYPE_SUBCLASS
                                              and objlayout.type_has_vectorcall(c)),
    "PRECALL_NO_KW_STR_1": lambda c, m, a: not m and c is str,
    "PRECALL_NO_KW_TYPE_1": lambda c, m, a: not m and c is type,
    "PRECALL_NO_KW_TUPLE_1": lambda c, m, a: not m and c is tuple,
    "PRECALL_NO_KW_BUILTIN_O": _cfunc_guard(METH_O, 1),
    "PRECALL_NO_KW_BUILTIN_FAST": _cfunc_guard(METH_FASTCALL),
    "PRECALL_BUILTIN_FAST_WITH_KEYWORDS": _cfunc_guard(METH_FASTCALL | METH_KEYWORDS),
    "PRECALL_NO_KW_LEN": lambda c, m, a: len(a) == 1 and c is _len,
    "PRECALL_NO_KW_ISINSTANCE": lambda c, m, a: len(a) == 2 and c is _isinstance,
    "PRECALL_NO_KW_LIST_APPEND": lambda c, m, a: (m and c is _list_append_descr
                                                 and isinstance(a[0], list)),
    "PRECALL_NO_KW_METHOD_DESCRIPTOR_O": _descr_guard(METH_O, 2),
    "PRECALL_NO_KW_METHOD_DESCRIPTOR_NOARGS": _descr_guard(METH_NOARGS, 1),
    "PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST": _descr_guard(METH_FASTCALL),
    "PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS": _descr_guard(METH_FASTCALL | METH_KEYWORDS),
}

# Forms whose guard depends only on the callable's identity (and on the site): a hit
# with the same callable is a hit again.
_IDENTITY_FORMS = frozenset({
    "PRECALL_BUILTIN_CLASS", "PRECALL_NO_KW_STR_1", "PRECALL_NO_KW_TYPE_1",
    "PRECALL_NO_KW_TUPLE_1", "PRECALL_NO_KW_BUILTIN_O", "PRECALL_NO_KW_BUILTIN_FAST",
    "PRECALL_BUILTIN_FAST_WITH_KEYWORDS", "PRECALL_NO_KW_LEN", "PRECALL_NO_KW_ISINSTANCE",
})
_ModuleType = types.ModuleType


def precall(site, callable_, is_meth, args, kwnames):
    """One execution of the PRECALL at ``site`` (adaptive, specialized or generic, as
    ceval.c): updates its cache and returns 0 when CPython's form would call the C
    function without a recursion check, else 1. ``args`` includes self for a method
    call (its length is ``oparg + is_meth``)."""
    form = site.form
    site.last_hit = False
    if form is _UNQUICKENED:
        return 1
    if form is None:                                  # PRECALL_ADAPTIVE
        counter = site.counter
        if counter >= _ONE:
            site.counter = counter - _ONE
            return 1
        try:
            form = specialize_precall(callable_, len(args), kwnames, site.oparg,
                                      site.pop_after)
        except Exception:
            form = None
        if form is None:
            # backoff, then the instruction runs again as PRECALL_ADAPTIVE: one count off
            site.counter = adaptive_counter_backoff(counter) - _ONE
            return 1
        site.form = form
        site.counter = MISS_COUNTER_START
    try:
        hit = _GUARDS[form](callable_, is_meth, args)
    except Exception:
        hit = False
    if hit:
        site.last_hit = True
        site.slack = slack = 0 if form in CHECK_FREE else 1
        return slack
    site.last_hit = False
    site.counter -= 1                                 # a miss (ceval.c's ``miss:``)
    if site.counter == 0:
        site.form = None
        site.counter = ADAPTIVE_COUNTER_START
    return 1


def native_precall_state(code, offset):
    """(form, counter) of the PRECALL at byte ``offset`` as CPython's own inline cache
    holds it now (the code may have run natively before tier 1 takes it), or None when
    CPython has not quickened the code."""
    if objlayout.code_warmup(code) != 0:
        return None
    raw = code._co_code_adaptive
    name = _ALL_OPNAME[raw[offset]]
    counter = raw[offset + 2] | (raw[offset + 3] << 8)
    if name == "PRECALL_ADAPTIVE" or name not in _GUARDS:
        return None, counter
    return name, counter


_ALL_OPNAME = __import__("dis")._all_opname


# -- tier 1's view of a call, turned into CPython's ------------------------------------------
#
# Tier 1's LOAD_METHOD pushes NULL and the bound attribute; CPython's pushes the unbound
# method and self when ``_PyObject_GetMethod`` finds a method descriptor on the type (the
# form PRECALL then specializes on: PRECALL_NO_KW_LIST_APPEND, ..._METHOD_DESCRIPTOR_*,
# PRECALL_PYFUNC). ``load_method_calls`` finds which CALLs take their callable from a
# LOAD_METHOD; ``tier1_precall`` rebuilds CPython's (callable, self) there.

_METHOD_DESCRIPTOR_FLAG = 1 << 17        # Py_TPFLAGS_METHOD_DESCRIPTOR


def _stack_depths(info):
    """Stack depth before each instruction (code unit index), as the compiler's stackdepth."""
    import dis as _dis
    ins = decode_instructions(info.code.co_code)      # (not info.instructions: executors)
    depth = [None] * len(ins)
    work = [(0, 0)]
    for start, end, target, d, lasti in info.exception_table:
        work.append((target, d + (1 if lasti else 0) + 1))
    jumps = set(_dis.hasjrel) | set(_dis.hasjabs)
    stop = {OPMAP_["RETURN_VALUE"], OPMAP_["RAISE_VARARGS"], OPMAP_["RERAISE"],
            OPMAP_["JUMP_FORWARD"], OPMAP_["JUMP_BACKWARD"],
            OPMAP_["JUMP_BACKWARD_NO_INTERRUPT"]}
    while work:
        i, d = work.pop()
        while 0 <= i < len(ins) and depth[i] is None:
            depth[i] = d
            op, arg = ins[i]
            nxt = i + 1 + CACHE_ENTRIES[op]
            if op == CACHE or op == OPMAP_["EXTENDED_ARG"]:
                i = i + 1
                continue
            if op in jumps:
                work.append((_jump_target(i, op, arg), d + _dis.stack_effect(op, arg, jump=True)))
            if op in stop:
                break
            d += _dis.stack_effect(op, arg, jump=False) if op in jumps else \
                _dis.stack_effect(op, arg if op >= _dis.HAVE_ARGUMENT else None)
            i = nxt
    return depth


def load_method_calls(info):
    """``{CALL index: method name}`` for the calls whose callable a LOAD_METHOD pushed."""
    ins = decode_instructions(info.code.co_code)
    if not any(op == OPMAP_["LOAD_METHOD"] for op, _ in ins):
        return {}
    try:
        depth = _stack_depths(info)
    except Exception:       # (never the guest's business: no method views then)
        return {}
    out = {}
    load_method, precall = OPMAP_["LOAD_METHOD"], OPMAP_["PRECALL"]
    for p, (op, oparg) in enumerate(ins):
        if op != precall or depth[p] is None:
            continue
        slot = depth[p] - oparg - 2          # the method-or-NULL slot of the call
        k = p - 1
        while k >= 0:
            dk = depth[k]
            if dk is not None and ins[k][0] != CACHE:
                if ins[k][0] == load_method and dk == slot + 1:
                    out[p + 2] = info.code.co_names[ins[k][1]]
                    break
                if dk <= slot:
                    break
            k -= 1
    return out


def _method_view(callable_, name):
    """(unbound method, self) when CPython's LOAD_METHOD would have pushed them for the
    bound attribute ``callable_`` tier 1 got, else None."""
    t = type(callable_)
    if t is _MethodType or t is _BuiltinFunctionType:
        obj = callable_.__self__
    else:
        return None
    if obj is None or type(obj) is _ModuleType:
        return None
    tp = type(obj)
    if not objlayout.type_getattro_is_generic(tp):
        return None
    descr = _lookup_in_mro(tp, name)
    if descr is None or not type(descr).__flags__ & _METHOD_DESCRIPTOR_FLAG:
        return None
    if t is _MethodType and callable_.__func__ is not descr:
        return None
    if t is _BuiltinFunctionType and (type(descr) is not _MethodDescriptorType
                                      or descr.__name__ != callable_.__name__):
        return None
    d = _instance_dict(obj)
    if d is not None and _str_keys_only(d) and name in d:
        return None                       # the instance attribute shadows the method
    return descr, obj


def tier1_precall(site, callable_, is_meth, args, kwnames):
    """``precall`` for a call as tier 1 holds it (a LOAD_METHOD left the bound attribute);
    also fills the site's fast-path cache for tier 1's CALL."""
    if site.form is _UNREAD:
        site.read()
    view_callable, view_args = callable_, args
    if site.method_name is not None and not is_meth:
        try:
            view = _method_view(callable_, site.method_name)
        except Exception:
            view = None
        if view is not None:
            view_callable, obj = view
            view_args = [obj] + args
            is_meth = True
    slack = precall(site, view_callable, is_meth, view_args, kwnames)
    site.emulated = True
    # (for tier 2's guard of a method-descriptor form: cpjit/uops/call_checks.py)
    site.last_descr = view_callable if site.last_hit and \
        type(view_callable) is _MethodDescriptorType else None
    form = site.form
    # The fast path of tier 1's CALL: what makes a later call the same hit.
    site.hit_type = site.hit = _NEVER
    site.hit_self = site.hit_name = None
    if form is None or form is _UNQUICKENED or not site.last_hit:
        return slack
    t = type(callable_)
    if form == "PRECALL_PYFUNC" or form == "PRECALL_BOUND_METHOD":
        site.hit_type = t               # (a bound method at a LOAD_METHOD site: PYFUNC)
    elif view_callable is not callable_:
        if t is _BuiltinFunctionType:   # a method descriptor's form: same type of self,
            site.hit_type = t           # same descriptor (the site names it), same guard
            site.hit_self = type(callable_.__self__)
    elif form in _IDENTITY_FORMS:
        obj = callable_.__self__ if t is _BuiltinFunctionType else None
        if obj is None or type(obj) is _ModuleType:
            site.hit = callable_
        else:
            # a bound builtin method: not kept (it would keep its object alive); the
            # same method of an object of the same type has the same flags
            site.hit_type = t
            site.hit_self = type(obj)
            site.hit_name = callable_.__name__
    return slack


def describe(info):
    """Human-readable dump of a CodeInfo's profile (for ``cpjit dis`` and debugging)."""
    lines = []
    for offset in sorted(info.profile):
        rec = info.profile[offset]
        lines.append("%6d %-36s %s" % (offset, rec["form"], OPNAME[info.instructions[offset // 2][0]]))
    return "\n".join(lines)


__all__ = ["CodeInfo", "get_code_info", "Site", "NB_OPS", "COMPARE_OPS", "CACHE_ENTRIES"]
