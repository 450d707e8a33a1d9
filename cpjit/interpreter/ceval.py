"""Tier 1: CPython 3.11 bytecode run by a Python loop (the counterpart of Python/ceval.c).

Dispatch is a table: every code object gets a pre-decoded array with one entry per code
unit, ``(handler, arg, next_index)``; the loop is ``h, a, n = dispatch[i]; i = h(f, a, n)``.
A handler returns the index of the next instruction, or -1 when the frame changes (a
call pushed a tier-1 frame, or a frame returned); ``frame.switch`` then names the frame to
run. Exceptions raised by handlers are unwound here with the code's exception table.
"""

# Our functions keep CPython's builtins even if the guest replaces one (builtins.len = ...).
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)
from cpjit._hostbuiltins import HOST as _HOST_BUILTINS

import builtins as _builtins_module
import operator
import sys
import threading
import types

from cpjit import config

from . import excstate, objlayout
from . import profile as prof
from .codegen_cache import CodegenCache
from . import traceback as tbmod
from .frame import NULL, ExitWithError, Frame
from .opcodes311 import (
    CACHE_ENTRIES, CO_NATIVE_ONLY, COMPARE_OPS, CONDITIONAL_BACK_EDGES, ENTER_EXECUTOR,
    NB_OPS, OPMAP, OPNAME,
    TPFLAGS_MAPPING, TPFLAGS_SEQUENCE, jump_target,
)

_FunctionType = types.FunctionType
_MethodType = types.MethodType
_CellType = types.CellType
_get_handled = excstate.get_handled
_set_handled = excstate.set_handled
_next = next
_type = type
_precall = prof.tier1_precall
_PLAIN_PRECALL = prof.UNQUICKENED
_ADAPTIVE_ONE = prof.ADAPTIVE_ONE


class InternalError(SystemError):
    """Tier 1 met something it does not implement (never a silently wrong result)."""


class _Unwind(BaseException):
    """Handlers raise this to unwind ``exc`` exactly as CPython's RERAISE or an executor's
    error exit do: without a new implicit context and, for RERAISE, without a new
    traceback entry.
    """

    def __init__(self, exc, add_tb, frame=None, index=None, lasti=None):
        self.exc = exc
        self.add_tb = add_tb
        self.frame = frame
        self.index = index
        self.lasti = lasti        # RERAISE with oparg: the frame's lasti becomes this


# =========================================================================================
# The optimizer hook (``_PyOptimizer_Optimize`` and the default no-op optimizer).

class NoOptimizer:
    """The optimizer in force until tier 2 is on: never creates an executor."""

    def optimize(self, frame, start, src, chain_depth=0):
        return 0


_optimizer = NoOptimizer()


def set_optimizer(opt):
    """Install ``opt`` (None = the no-op optimizer); returns the previous one."""
    global _optimizer
    old = _optimizer
    _optimizer = NoOptimizer() if opt is None else opt
    return old


def get_optimizer():
    """The optimizer that hot back edges call."""
    return _optimizer


# =========================================================================================
# Error helpers, with CPython's messages.

def _name_error(name):
    """``format_exc_check_arg(NameError, NAME_ERROR_MSG)``: the message and ``.name``."""
    exc = NameError("name '%.200s' is not defined" % name)
    exc.name = name
    return exc


def _unbound_local(name):
    return UnboundLocalError(
        "cannot access local variable '%s' where it is not associated with a value" % name)


def _unbound_deref(info, index):
    """``format_exc_unbound``: a cell of this code vs a free variable of an enclosing one."""
    name = info.localsplus_names[index]
    if index < info.nlocalsplus - info.nfree:
        return _unbound_local(name)
    return NameError("cannot access free variable '%s' where it is not associated with a "
                     "value in enclosing scope" % name)


def _type_name(obj):
    return type(obj).__name__


def _function_str(func):
    """``_PyObject_FunctionStr``: ``qualname()`` with the module when not builtins."""
    try:
        qualname = func.__qualname__
    except Exception:
        return str(func)
    module = getattr(func, "__module__", None)
    if module is not None and module != "builtins":
        return "%s.%s()" % (module, qualname)
    return "%s()" % qualname


# =========================================================================================
# Instruction handlers. Signature: handler(frame, arg, next_index) -> next index.
# ``arg`` is prepared once per instruction by the matching ``_prep_*`` function.

def op_NOP(f, a, n):
    return n


def op_POP_TOP(f, a, n):
    f.stack.pop()
    return n


def op_PUSH_NULL(f, a, n):
    f.stack.append(NULL)
    return n


def op_COPY(f, a, n):
    st = f.stack
    st.append(st[-a])
    return n


def op_SWAP(f, a, n):
    st = f.stack
    st[-1], st[-a] = st[-a], st[-1]
    return n


def op_LOAD_CONST(f, a, n):
    f.stack.append(a)
    return n


def op_LOAD_FAST(f, a, n):
    v = f.localsplus[a]
    if v is NULL:
        raise _unbound_local(f.info.localsplus_names[a])
    f.stack.append(v)
    return n


def op_STORE_FAST(f, a, n):
    f.localsplus[a] = f.stack.pop()
    return n


def op_DELETE_FAST(f, a, n):
    lp = f.localsplus
    if lp[a] is NULL:
        raise _unbound_local(f.info.localsplus_names[a])
    lp[a] = NULL
    return n


def _unary(fn):
    def op(f, a, n):
        st = f.stack
        st[-1] = fn(st[-1])
        return n
    op.__name__ = "op_" + fn.__name__
    return op


op_UNARY_POSITIVE = _unary(operator.pos)
op_UNARY_NEGATIVE = _unary(operator.neg)
op_UNARY_NOT = _unary(operator.not_)
op_UNARY_INVERT = _unary(operator.invert)



# BINARY_OP and COMPARE_OP get one handler per operator, written with the operator itself:
# the host's own BINARY_OP/COMPARE_OP then does the work (same C code as
# operator.add & co., with no extra C call: that matters at the recursion limit, where
# CPython's specialized int/float forms make no recursion check).
_BINARY_TEMPLATE = """
def op_BINARY_OP_{name}(f, a, n):
    st = f.stack
    r = st.pop()
    l = st[-1]
    if type(l) is not a.key or type(r) is not a.key2:
        if _observe_binary_op(a, l, r):
            st.append(r)                 # again, as the twin giving the slack back
            return a.offset // 2
    {compute}
    return n
"""


# Handlers generated from templates below are compiled once per version of this file
# (cpjit/interpreter/codegen_cache.py); saved at the end of the module.
_codegen = CodegenCache("ceval", __file__)


def _make_operator_handlers(template, observe, ops, prefix="op_BINARY_OP_"):
    """One handler per operator; each also gets an unprofiled twin (``_megamorphic``
    attribute) that a site switches to when it goes megamorphic."""
    handlers = []
    namespace = {**_HOST_BUILTINS, "_observe_binary_op": observe,
                 "__builtins__": __builtins__}
    for name, symbol, inplace in ops:
        if inplace:
            compute = "l {0}= r\n    st[-1] = l".format(symbol)
        else:
            compute = "st[-1] = l {0} r".format(symbol)
        # compiled under this file's name: their frames are the interpreter's, stripped
        # from guest tracebacks like every handler's
        source = template.format(name=name, compute=compute)
        exec(_codegen.compile(source), namespace)
        handler = namespace[prefix + name]
        exec(_codegen.compile("unprofiled\0" + source,
                              lambda: _unprofiled_source(source)), namespace)
        _MEGAMORPHIC[handler] = namespace[prefix + name]
        handlers.append(handler)
    return handlers


def _unprofiled_source(source):
    """``source`` of a handler without its profiling check (the ``if`` whose body calls an
    observe function)."""
    lines = source.splitlines()
    out = []
    skip_deeper_than = None
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if skip_deeper_than is not None:
            if line.strip() and indent > skip_deeper_than:
                continue
            skip_deeper_than = None
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.lstrip().startswith("if ") and "observe" in nxt:
            skip_deeper_than = indent
            continue
        out.append(line)
    return "\n".join(out) + "\n"


# profiled handler -> the same handler without profiling (for megamorphic sites)
_MEGAMORPHIC = {}


_BINARY_HANDLERS = _make_operator_handlers(
    _BINARY_TEMPLATE, prof.observe_binary_op,
    [(name, symbol.rstrip("="), symbol.endswith("=") and symbol not in ("==",))
     for name, symbol in __import__("dis")._nb_ops])
_COMPARE_HANDLERS = _make_operator_handlers(
    _BINARY_TEMPLATE.replace("BINARY_OP_", "COMPARE_OP_"), prof.observe_compare_op,
    [(name, symbol, False) for name, symbol in zip(
        ("LT", "LE", "EQ", "NE", "GT", "GE"), COMPARE_OPS)], "op_COMPARE_OP_")


def op_IS_OP(f, a, n):
    st = f.stack
    r = st.pop()
    st[-1] = (st[-1] is not r) if a else (st[-1] is r)
    return n


def op_CONTAINS_OP(f, a, n):
    st = f.stack
    r = st.pop()
    l = st[-1]
    if type(l) is not a.key or type(r) is not a.key2:
        if prof.observe_contains_op(a, l, r):
            st.append(r)                 # again, as the twin giving the slack back
            return a.offset // 2
    st[-1] = l in r
    return n


def op_NOT_CONTAINS_OP(f, a, n):
    """CONTAINS_OP with oparg 1 (``not in``): its own handler, as BINARY_OP's operators."""
    st = f.stack
    r = st.pop()
    l = st[-1]
    if type(l) is not a.key or type(r) is not a.key2:
        if prof.observe_contains_op(a, l, r):
            st.append(r)                 # again, as the twin giving the slack back
            return a.offset // 2
    st[-1] = l not in r
    return n


def op_BINARY_SUBSCR(f, a, n):
    st = f.stack
    sub = st.pop()
    c = st[-1]
    if type(c) is not a.key or type(sub) is not a.key2:
        if prof.observe_binary_subscr(a, c, sub):
            st.append(sub)               # again, as the twin giving the slack back
            return a.offset // 2
    st[-1] = c[sub]
    return n


def op_STORE_SUBSCR(f, a, n):
    st = f.stack
    sub = st.pop()
    c = st.pop()
    v = st.pop()
    if type(c) is not a.key or type(sub) is not a.key2:
        if prof.observe_store_subscr(a, c, sub):
            st.extend((v, c, sub))       # again, as the twin giving the slack back
            return a.offset // 2
    c[sub] = v
    return n


def op_DELETE_SUBSCR(f, a, n):
    st = f.stack
    sub = st.pop()
    _delitem_one_level_down(st.pop(), sub)
    return n


def _delitem_one_level_down(c, sub):
    """``del c[sub]`` one host frame below its handler: see _giving_back_twin."""
    del c[sub]


def op_GET_LEN(f, a, n):
    st = f.stack
    st.append(len(st[-1]))
    return n


def op_BUILD_TUPLE(f, a, n):
    st = f.stack
    if a:
        t = tuple(st[-a:])
        del st[-a:]
    else:
        t = ()
    st.append(t)
    return n


def op_BUILD_LIST(f, a, n):
    st = f.stack
    if a:
        t = st[-a:]
        del st[-a:]
    else:
        t = []
    st.append(t)
    return n


def op_BUILD_SET(f, a, n):
    st = f.stack
    s = set()
    if a:
        for item in st[-a:]:
            s.add(item)
        del st[-a:]
    st.append(s)
    return n


def op_BUILD_MAP(f, a, n):
    st = f.stack
    if a:
        items = st[-2 * a:]
        del st[-2 * a:]
        st.append(_dict_one_level_down(items))
    else:
        st.append({})
    return n


def _dict_one_level_down(items):
    """``_PyDict_FromItems`` one host frame below its handler (the keys' ``__hash__`` and
    ``__eq__`` run at CPython's count: see _giving_back_twin)."""
    d = {}
    for i in range(0, len(items), 2):
        d[items[i]] = items[i + 1]
    return d


def op_BUILD_CONST_KEY_MAP(f, a, n):
    st = f.stack
    keys = st.pop()
    d = {}
    if a:
        values = st[-a:]
        del st[-a:]
        for k, v in zip(keys, values):
            d[k] = v
    st.append(d)
    return n


def op_BUILD_STRING(f, a, n):
    st = f.stack
    if a:
        s = "".join(st[-a:])
        del st[-a:]
    else:
        s = ""
    st.append(s)
    return n


def op_BUILD_SLICE(f, a, n):
    st = f.stack
    if a == 3:
        step = st.pop()
        stop = st.pop()
        st[-1] = slice(st[-1], stop, step)
    else:
        stop = st.pop()
        st[-1] = slice(st[-1], stop)
    return n


def op_LIST_TO_TUPLE(f, a, n):
    st = f.stack
    st[-1] = tuple(st[-1])
    return n


def op_LIST_APPEND(f, a, n):
    st = f.stack
    v = st.pop()
    st[-a].append(v)
    return n


def op_SET_ADD(f, a, n):
    st = f.stack
    v = st.pop()
    st[-a].add(v)
    return n


def op_MAP_ADD(f, a, n):
    st = f.stack
    v = st.pop()
    k = st.pop()
    if type(k) in _HASH_WITHOUT_PYTHON:
        st[-a][k] = v
    else:
        _setitem_one_level_down(st[-a], k, v)
    return n


# keys whose hash and equality are C code with no Python callbacks
_HASH_WITHOUT_PYTHON = frozenset((int, str, float, bytes, bool, type(None)))


def _setitem_one_level_down(d, k, v):
    """``d[k] = v`` one host frame below its handler (``k.__hash__``/``__eq__`` at
    CPython's count: see _giving_back_twin)."""
    d[k] = v


def _is_iterable(obj):
    t = type(obj)
    return getattr(t, "__iter__", None) is not None or getattr(t, "__getitem__", None) is not None


def op_LIST_EXTEND(f, a, n):
    st = f.stack
    it = st.pop()
    lst = st[-a]
    if type(it) is not list and type(it) is not tuple and not _is_iterable(it):
        raise TypeError("Value after * must be an iterable, not %.200s" % _type_name(it))
    lst.extend(it)
    return n


def op_SET_UPDATE(f, a, n):
    st = f.stack
    it = st.pop()
    st[-a].update(it)
    return n


def op_DICT_UPDATE(f, a, n):
    st = f.stack
    update = st.pop()
    d = st[-a]
    if type(update) is not dict and getattr(type(update), "keys", None) is None:
        raise TypeError("'%.200s' object is not a mapping" % _type_name(update))
    d.update(update)
    return n


def op_DICT_MERGE(f, a, n):
    """``_PyDict_MergeEx(dict, update, 2)`` with ``format_kwargs_error``'s messages."""
    st = f.stack
    update = st.pop()
    d = st[-a]
    func = st[-a - 2]
    if type(update) is not dict and getattr(type(update), "keys", None) is None:
        raise TypeError("%s argument after ** must be a mapping, not %.200s"
                        % (_function_str(func), _type_name(update)))
    _merge_one_level_down(d, update, func)
    return n


def _merge_one_level_down(d, update, func):
    """DICT_MERGE's loop one host frame below its handler: a mapping's ``keys()`` and
    ``__getitem__`` (and the keys' ``__hash__``) run at CPython's count (see
    _giving_back_twin)."""
    keys = update.keys()
    for k in keys:
        if k in d:
            if type(k) is str:
                raise TypeError("%s got multiple values for keyword argument '%s'"
                                % (_function_str(func), k))
            raise TypeError("%s keywords must be strings" % _function_str(func))
        d[k] = update[k]


def op_LOAD_ASSERTION_ERROR(f, a, n):
    f.stack.append(AssertionError)
    return n


def op_LOAD_BUILD_CLASS(f, a, n):
    b = f.builtins
    if type(b) is dict:
        bc = b.get("__build_class__", NULL)
    else:
        try:
            bc = b["__build_class__"]
        except KeyError:
            bc = NULL
    if bc is NULL:
        raise NameError("__build_class__ not found")
    f.stack.append(bc)
    return n


def op_PRINT_EXPR(f, a, n):
    v = f.stack.pop()
    hook = getattr(sys, "displayhook", None)
    if hook is None:
        raise RuntimeError("lost sys.displayhook")
    hook(v)
    return n


def op_FORMAT_VALUE(f, a, n):
    st = f.stack
    spec = st.pop() if a & 4 else None
    v = st[-1]
    if spec is None and not a & 3:
        t = type(v)
        if t is not str:
            # (builtin numbers are formatted right here; anything else, containers
            # included (their elements' __repr__), one host frame down)
            st[-1] = f"{v}" if t in _FORMAT_WITHOUT_PYTHON else _format_one_level_down(v, 0, None)
        return n
    st[-1] = _format_one_level_down(v, a & 3, spec)
    return n


_FORMAT_WITHOUT_PYTHON = frozenset((int, float, complex, bool, type(None)))


def _format_one_level_down(v, conv, spec):
    """FORMAT_VALUE one host frame below its handler (see _giving_back_twin), done by the
    host's own FORMAT_VALUE: PyObject_Str/Repr/ASCII and PyObject_Format with the
    recursion checks CPython's make (no builtin call, whose check would depend on the
    host's quickening)."""
    if spec is None:
        if conv == 0:
            return f"{v}"
        if conv == 1:
            return f"{v!s}"
        return f"{v!r}" if conv == 2 else f"{v!a}"
    if conv == 0:
        return f"{v:{spec}}"
    if conv == 1:
        return f"{v!s:{spec}}"
    return f"{v!r:{spec}}" if conv == 2 else f"{v!a:{spec}}"


def op_GET_ITER(f, a, n):
    st = f.stack
    v = st[-1]
    st[-1] = _iter_one_level_down(v) if type(v).__flags__ & _HEAPTYPE else iter(v)
    return n


_HEAPTYPE = prof._HEAPTYPE


def _iter_one_level_down(v):
    """``iter(v)`` of a Python class one host frame below its handler (its ``__iter__``
    runs at CPython's count: see _giving_back_twin)."""
    return iter(v)


def op_FOR_ITER(f, a, n):
    target, site = a
    st = f.stack
    it = st[-1]
    if site.key is not type(it):
        if prof.observe_for_iter(site, it):
            return site.offset // 2      # again, as the twin giving the slack back
    v = _next(it, NULL)
    if v is NULL:
        st.pop()
        return target
    st.append(v)
    return n


# --- jumps ---------------------------------------------------------------------------------

def op_JUMP_FORWARD(f, a, n):
    return a


def op_JUMP_BACKWARD_NO_INTERRUPT(f, a, n):
    return a


def op_JUMP_BACKWARD(f, a, n):
    target, counter, offset = a
    if counter[0]:
        counter[0] -= 1
        return target
    return _hot_backedge(f, target, counter, offset, n)


# 3.11 quickens a code object on its 8th RESUME/JUMP_BACKWARD (``_PyCode_Warmup``): from
# then on its PRECALLs specialize, which decides the recursion checks of native calls
# (prof.PrecallSite). Until then RESUME and JUMP_BACKWARD count (``info.warmup``); once the
# code is quickened their entries go back to the plain handlers, so the count costs
# nothing in hot code (as RESUME_QUICK / JUMP_BACKWARD_QUICK in CPython).

def op_RESUME_WARMUP(f, a, n):
    """RESUME of code not yet quickened: ``_PyCode_Warmup``."""
    a.warmup += 1
    if not a.warmup:
        _quicken_roomy(f, a)
    return n


def op_JUMP_BACKWARD_WARMUP(f, a, n):
    """JUMP_BACKWARD of code not yet quickened: ``_PyCode_Warmup``, then the back edge
    (op_JUMP_BACKWARD's body: no extra host call, which could fail at the recursion limit)."""
    (target, counter, offset), info = a
    info.warmup += 1
    if not info.warmup:
        _quicken_roomy(f, info)
    if counter[0]:
        counter[0] -= 1
        return target
    return _hot_backedge(f, target, counter, offset, n)


def _quicken_roomy(f, info):
    """``_quicken`` with room for it even at the guest's recursion limit."""
    cell = f.rcell
    cell.value += _HEADROOM
    try:
        _quicken(info)
    finally:
        cell.value -= _HEADROOM


def _quicken(info):
    """``_PyCode_Quicken``: PRECALLs become adaptive; warm-up entries go back to plain."""
    info.warmup = 0
    for pc in info.precall_sites.values():
        pc.quicken()
    dispatch = info.dispatch
    if dispatch is None:
        return
    for i, (h, arg, nxt) in enumerate(dispatch):
        if h is op_RESUME_WARMUP:
            dispatch[i] = (op_NOP, arg, nxt)
        elif h is op_JUMP_BACKWARD_WARMUP:
            dispatch[i] = (op_JUMP_BACKWARD, arg[0], nxt)


def _warm_entry(info, entry):
    """The warm-up twin of a RESUME / JUMP_BACKWARD entry while the code is not quickened."""
    h, arg, nxt = entry
    if info.warmup == 0:
        return entry
    if h is op_NOP:
        return (op_RESUME_WARMUP, info, nxt)
    return (op_JUMP_BACKWARD_WARMUP, (arg, info), nxt)


def _hot_backedge(f, target, counter, offset, n):
    """The counter of a back edge reached zero: ask the optimizer (``_PyOptimizer_Optimize``)."""
    f.lasti = offset
    f.ip = target
    info = f.info
    # The optimizer and the counter bookkeeping are the interpreter's own calls, not the
    # guest's: at the recursion limit they must not raise RecursionError.
    cell = f.rcell
    cell.value += _HEADROOM
    try:
        installed = _optimizer.optimize(f, target * 2, offset, chain_depth=0)
        installed = installed and info.instructions[offset // 2][0] == ENTER_EXECUTOR
        if installed:
            counter[:] = prof.initial_backoff(config.current.backedge_threshold)
        else:
            prof.restart_backoff(counter)
    finally:
        cell.value -= _HEADROOM
    if installed:
        if info.warmup:
            # this JUMP_BACKWARD has counted towards quickening already; the
            # ENTER_EXECUTOR now in its place counts it again when run below
            info.warmup -= 1
        h, arg, nxt = info.dispatch[offset // 2]
        return h(f, arg, nxt)
    return target


def op_POP_JUMP_IF_FALSE(f, a, n):
    target, hist, offset = a
    v = f.stack.pop()
    if v is False or (v is not True and (
            not v if type(v) in _TRUTH_WITHOUT_PYTHON else _is_false_one_level_down(v))):
        hist[offset] = ((hist[offset] << 1) | 1) & 0xFFFF
        return target
    hist[offset] = (hist[offset] << 1) & 0xFFFF
    return n


def op_POP_JUMP_IF_TRUE(f, a, n):
    target, hist, offset = a
    v = f.stack.pop()
    if v is True or (v is not False and not (
            not v if type(v) in _TRUTH_WITHOUT_PYTHON else _is_false_one_level_down(v))):
        hist[offset] = ((hist[offset] << 1) | 1) & 0xFFFF
        return target
    hist[offset] = (hist[offset] << 1) & 0xFFFF
    return n


# Truth tests of values whose type's __bool__/__len__ is C code stay in the handler; any
# other value is tested one host frame down, at CPython's count (see _giving_back_twin).
_TRUTH_WITHOUT_PYTHON = frozenset((
    type(None), int, float, complex, str, bytes, bytearray, list, tuple, dict, set,
    frozenset, range))


def _is_false_one_level_down(v):
    """``not v`` (PyObject_IsTrue) one host frame below its handler."""
    return not v


def op_POP_JUMP_IF_NONE(f, a, n):
    target, hist, offset = a
    if f.stack.pop() is None:
        hist[offset] = ((hist[offset] << 1) | 1) & 0xFFFF
        return target
    hist[offset] = (hist[offset] << 1) & 0xFFFF
    return n


def op_POP_JUMP_IF_NOT_NONE(f, a, n):
    target, hist, offset = a
    if f.stack.pop() is not None:
        hist[offset] = ((hist[offset] << 1) | 1) & 0xFFFF
        return target
    hist[offset] = (hist[offset] << 1) & 0xFFFF
    return n


# The conditional back edges of `while cond:` loops count like JUMP_BACKWARD. When hot,
# the optimizer is called with start == src (the trace begins at the conditional jump,
# which the executor then evaluates itself): the value is still on the stack then. Only
# exact bools trigger it, so that no __bool__ runs twice.

def _backward_branch(test):
    def op(f, a, n):
        target, hist, offset, counter = a
        st = f.stack
        v = st[-1]
        if test(v):
            if counter[0]:
                counter[0] -= 1
            elif v is True or v is False or v is None:
                r = _hot_conditional_backedge(f, counter, offset)
                if r is not None:
                    return r
            st.pop()
            hist[offset] = ((hist[offset] << 1) | 1) & 0xFFFF
            return target
        st.pop()
        hist[offset] = (hist[offset] << 1) & 0xFFFF
        return n
    return op


op_POP_JUMP_BACKWARD_IF_TRUE = _backward_branch(lambda v: v is True or (v is not False and v))
op_POP_JUMP_BACKWARD_IF_FALSE = _backward_branch(lambda v: v is False or (v is not True and not v))
op_POP_JUMP_BACKWARD_IF_NONE = _backward_branch(lambda v: v is None)
op_POP_JUMP_BACKWARD_IF_NOT_NONE = _backward_branch(lambda v: v is not None)
for _op in (op_POP_JUMP_BACKWARD_IF_TRUE, op_POP_JUMP_BACKWARD_IF_FALSE,
            op_POP_JUMP_BACKWARD_IF_NONE, op_POP_JUMP_BACKWARD_IF_NOT_NONE):
    _op.__name__ = _op.__qualname__ = "op_POP_JUMP_BACKWARD_IF_" + {
        op_POP_JUMP_BACKWARD_IF_TRUE: "TRUE", op_POP_JUMP_BACKWARD_IF_FALSE: "FALSE",
        op_POP_JUMP_BACKWARD_IF_NONE: "NONE", op_POP_JUMP_BACKWARD_IF_NOT_NONE: "NOT_NONE"}[_op]


def _hot_conditional_backedge(f, counter, offset):
    """A hot `while` back edge: ``optimize(frame, src, src)``; if an executor was installed
    there, run it now (value still on the stack) and return where to go, else None."""
    f.lasti = offset
    f.ip = offset // 2
    installed = _optimizer.optimize(f, offset, offset, chain_depth=0)
    info = f.info
    if installed and info.instructions[offset // 2][0] == ENTER_EXECUTOR:
        counter[:] = prof.initial_backoff(config.current.backedge_threshold)
        h, arg, nxt = info.dispatch[offset // 2]
        return h(f, arg, nxt)
    prof.restart_backoff(counter)
    return None


def op_JUMP_IF_FALSE_OR_POP(f, a, n):
    target, hist, offset = a
    st = f.stack
    v = st[-1]
    if v is False or (v is not True and (
            not v if type(v) in _TRUTH_WITHOUT_PYTHON else _is_false_one_level_down(v))):
        hist[offset] = ((hist[offset] << 1) | 1) & 0xFFFF
        return target
    st.pop()
    hist[offset] = (hist[offset] << 1) & 0xFFFF
    return n


def op_JUMP_IF_TRUE_OR_POP(f, a, n):
    target, hist, offset = a
    st = f.stack
    v = st[-1]
    if v is True or (v is not False and not (
            not v if type(v) in _TRUTH_WITHOUT_PYTHON else _is_false_one_level_down(v))):
        hist[offset] = ((hist[offset] << 1) | 1) & 0xFFFF
        return target
    st.pop()
    hist[offset] = (hist[offset] << 1) & 0xFFFF
    return n


# --- names, globals, attributes -----------------------------------------------------------

def op_LOAD_GLOBAL(f, a, n):
    name, push_null, site = a
    g = f.globals
    if type(g) is dict:
        v = g.get(name, NULL)
        if v is NULL:
            b = f.builtins
            if type(b) is dict:
                v = b.get(name, NULL)
            else:
                v = _getitem_or_null(b, name)
            if v is NULL:
                raise _name_error(name)
    else:
        v = _getitem_or_null(g, name)
        if v is NULL:
            v = _getitem_or_null(f.builtins, name)
            if v is NULL:
                raise _name_error(name)
    if site.record is None and site.shapes == 0:
        prof.observe_load_global(site, g, f.builtins, name)
    st = f.stack
    if push_null:
        st.append(NULL)
    st.append(v)
    return n


def _getitem_or_null(mapping, key):
    """``PyObject_GetItem`` where KeyError means absent (any other error propagates)."""
    try:
        return mapping[key]
    except KeyError:
        return NULL


def op_STORE_GLOBAL(f, a, n):
    f.globals[a] = f.stack.pop()
    return n


def op_DELETE_GLOBAL(f, a, n):
    g = f.globals
    if a not in g:
        raise _name_error(a)
    del g[a]
    return n


def op_LOAD_NAME(f, a, n):
    loc = f.locals
    if loc is None:
        raise SystemError("no locals when loading %r" % a)
    if type(loc) is dict:
        v = loc.get(a, NULL)
    else:
        v = _getitem_or_null(loc, a)
    if v is NULL:
        g = f.globals
        v = g.get(a, NULL) if type(g) is dict else _getitem_or_null(g, a)
        if v is NULL:
            b = f.builtins
            v = b.get(a, NULL) if type(b) is dict else _getitem_or_null(b, a)
            if v is NULL:
                raise _name_error(a)
    f.stack.append(v)
    return n


def op_STORE_NAME(f, a, n):
    loc = f.locals
    if loc is None:
        raise SystemError("no locals found when storing %r" % a)
    loc[a] = f.stack.pop()
    return n


def op_DELETE_NAME(f, a, n):
    loc = f.locals
    if loc is None:
        raise SystemError("no locals when deleting %r" % a)
    if _delitem_missing(loc, a):
        raise _name_error(a)
    return n


def _delitem_missing(mapping, key):
    """Delete ``mapping[key]``; True when it was missing (KeyError)."""
    try:
        del mapping[key]
    except KeyError:
        return True
    return False


def op_LOAD_ATTR(f, a, n):
    name, site = a
    st = f.stack
    obj = st[-1]
    if site.key is not type(obj):
        if prof.observe_load_attr(site, obj):
            return site.offset // 2      # again, as the twin giving the slack back
    st[-1] = getattr(obj, name)
    return n


def op_STORE_ATTR(f, a, n):
    name, site = a
    st = f.stack
    obj = st.pop()
    v = st.pop()
    if site.key is not type(obj):
        if prof.observe_store_attr(site, obj):
            st.extend((v, obj))          # again, as the twin giving the slack back
            return site.offset // 2
    setattr(obj, name, v)
    return n


def op_DELETE_ATTR(f, a, n):
    _delattr_one_level_down(f.stack.pop(), a)
    return n


def _delattr_one_level_down(obj, name):
    """``delattr`` one host frame below its handler: see _giving_back_twin."""
    delattr(obj, name)


def op_LOAD_METHOD(f, a, n):
    name, site = a
    st = f.stack
    obj = st[-1]
    if site.key is not type(obj):
        if prof.observe_load_method(site, obj):
            return site.offset // 2      # again, as the twin giving the slack back
    v = getattr(obj, name)
    st[-1] = NULL
    st.append(v)
    return n


# --- cells ---------------------------------------------------------------------------------

def op_MAKE_CELL(f, a, n):
    lp = f.localsplus
    v = lp[a]
    lp[a] = _CellType() if v is NULL else _CellType(v)
    return n


def op_LOAD_CLOSURE(f, a, n):
    f.stack.append(f.localsplus[a])
    return n


def op_LOAD_DEREF(f, a, n):
    cell = f.localsplus[a]
    try:
        v = cell.cell_contents
    except ValueError:
        v = NULL
    if v is NULL:
        raise _unbound_deref(f.info, a)
    f.stack.append(v)
    return n


def op_LOAD_CLASSDEREF(f, a, n):
    name = f.info.localsplus_names[a]
    loc = f.locals
    v = loc.get(name, NULL) if type(loc) is dict else _getitem_or_null(loc, name)
    if v is NULL:
        try:
            v = f.localsplus[a].cell_contents
        except ValueError:
            v = NULL
        if v is NULL:
            raise _unbound_deref(f.info, a)
    f.stack.append(v)
    return n


def op_STORE_DEREF(f, a, n):
    f.localsplus[a].cell_contents = f.stack.pop()
    return n


def op_DELETE_DEREF(f, a, n):
    cell = f.localsplus[a]
    try:
        cell.cell_contents
    except ValueError:
        cell = None
    if cell is None:
        raise _unbound_deref(f.info, a)
    del cell.cell_contents
    return n


def op_COPY_FREE_VARS(f, a, n):
    closure = f.func.__closure__
    lp = f.localsplus
    base = len(lp) - a
    for i in range(a):
        lp[base + i] = closure[i]
    return n


# --- functions and calls -------------------------------------------------------------------

def op_MAKE_FUNCTION(f, a, n):
    st = f.stack
    code = st.pop()
    closure = st.pop() if a & 8 else None
    annotations = st.pop() if a & 4 else None
    kwdefaults = st.pop() if a & 2 else None
    defaults = st.pop() if a & 1 else None
    fn = _FunctionType(code, f.globals, None, defaults, closure)
    if kwdefaults is not None:
        fn.__kwdefaults__ = kwdefaults
    if annotations is not None:
        # 3.11 passes a flat (name, value, ...) tuple that the function turns into a dict
        # on first access; the dict is the same either way.
        fn.__annotations__ = dict(zip(annotations[::2], annotations[1::2]))
    st.append(fn)
    return n


def op_KW_NAMES(f, a, n):
    f.kwnames = a
    return n


def op_PRECALL(f, a, n):
    return n


def op_CALL(f, a, n):
    argc, site, index, pc = a
    st = f.stack
    kwnames = f.kwnames
    meth = st[-argc - 2]
    if meth is NULL:
        callable_ = st[-argc - 1]
        args = st[-argc:] if argc else []
    else:
        callable_ = meth
        args = st[-argc - 1:]
    del st[-argc - 2:]
    ct = type(callable_)
    # 3.11's PRECALL cache (quickening, specialization, misses): whether CPython would
    # call a builtin here without a recursion check (prof.precall).
    if (ct is pc.hit_type and (pc.hit_self is None or (
            type(callable_.__self__) is pc.hit_self
            and (pc.hit_name is None or callable_.__name__ == pc.hit_name)))) \
            or callable_ is pc.hit:
        slack = pc.slack
    elif pc.form is _PLAIN_PRECALL:
        slack = 1                               # code not quickened yet
    elif pc.form is None and pc.counter >= _ADAPTIVE_ONE:
        pc.counter -= _ADAPTIVE_ONE             # PRECALL_ADAPTIVE counting down
        slack = 1
    else:
        # (the emulation is the interpreter's work: room for it at the recursion limit)
        cell = f.rcell
        cell.value += _HEADROOM
        try:
            slack = _precall(pc, callable_, meth is not NULL, args, kwnames)
        finally:
            cell.value -= _HEADROOM
    if ct is _MethodType:
        # PRECALL_BOUND_METHOD: call the function with self prepended (slice assignment:
        # no C call, which would count against the recursion limit).
        args[0:0] = (callable_.__self__,)
        callable_ = callable_.__func__
        ct = type(callable_)
    if site.key is not (callable_.__code__ if ct is _FunctionType else ct):
        prof.observe_call(site, callable_, len(args), kwnames, meth is not NULL)
    if kwnames is not None:
        f.kwnames = None
    if ct is _FunctionType:
        cell = f.rcell
        if cell.value <= _SLACK:
            # At the limit, CPython's inlined call of a Python function fails like this.
            # (No C function may be called before: 3.11 counts C calls too. Even making
            # the exception object needs room on the host.)
            cell.value += _HEADROOM
            exc = RecursionError("maximum recursion depth exceeded")
            cell.value -= _HEADROOM
            raise exc
        code = callable_.__code__
        hit = _decisions.get(id(code))
        if hit is None or hit[0] is not code or config.current.tier1 is not _decisions_policy[0]:
            hit = _decide(code, callable_.__globals__)
        if hit[1] is not None:
            f.lasti = index * 2
            f.ip = n
            return _call_tier1(f, callable_, hit[1], args, kwnames)
    else:
        special = _INTERCEPTS.get(id(callable_))
        # (type(x) needs no interception, and its helper frames would fail at the
        # recursion limit where CPython's type(x) makes no check)
        if special is not None and special[0] is callable_ and (
                callable_ is not type or len(args) != 1 or kwnames):
            f.lasti = index * 2
            result = special[1](f, args, kwnames, n, index)
            if result is _SWITCHED:
                return -1
            st.append(result)
            return n
    # A native callee sees the recursion count CPython's would (see _SLACK): the host
    # calls it through the generic path, with the vectorcall wrapper's recursion check;
    # where CPython's specialized form skips that check (slack 0), the level stays.
    if slack:
        cell = f.rcell
        cell.value -= _SLACK
        try:
            if kwnames:
                nk = len(kwnames)
                res = callable_(*args[:-nk], **dict(zip(kwnames, args[-nk:])))
            else:
                res = callable_(*args)
        finally:
            cell.value += _SLACK
    elif kwnames:
        nk = len(kwnames)
        res = callable_(*args[:-nk], **dict(zip(kwnames, args[-nk:])))
    else:
        res = callable_(*args)
    st.append(res)
    return n


_SWITCHED = object()


def op_CALL_FUNCTION_EX(f, a, n):
    st = f.stack
    kwargs = st.pop() if a & 1 else None
    callargs = st.pop()
    func = st.pop()
    if kwargs is not None and type(kwargs) is not dict:
        d = {}
        if getattr(type(kwargs), "keys", None) is None:
            raise TypeError("%s argument after ** must be a mapping, not %.200s"
                            % (_function_str(func), _type_name(kwargs)))
        for k in kwargs.keys():
            if k in d:
                raise TypeError("%s got multiple values for keyword argument '%s'"
                                % (_function_str(func), k))
            d[k] = kwargs[k]
        kwargs = d
    if type(callargs) is not tuple:
        if not _is_iterable(callargs):
            raise TypeError("%s argument after * must be an iterable, not %.200s"
                            % (_function_str(func), _type_name(callargs)))
        callargs = tuple(callargs)
    st.pop()  # the NULL below the callable
    if type(func) is _MethodType and type(func.__func__) is _FunctionType:
        callargs = (func.__self__,) + callargs
        func = func.__func__
    if type(func) is _FunctionType:
        info = _tier1_info(func.__code__, func.__globals__)
        if info is not None:
            index = a >> 8
            f.lasti = index * 2
            f.ip = n
            if kwargs:
                kwnames = tuple(kwargs)
                args = list(callargs) + list(kwargs.values())
            else:
                kwnames = None
                args = list(callargs)
            return _call_tier1(f, func, info, args, kwnames)
    else:
        special = _INTERCEPTS.get(id(func))
        if special is not None and special[0] is func:
            index = a >> 8
            f.lasti = index * 2
            kwnames = tuple(kwargs) if kwargs else None
            args = list(callargs) + (list(kwargs.values()) if kwargs else [])
            result = special[1](f, args, kwnames, n, index)
            if result is _SWITCHED:
                return -1
            st.append(result)
            return n
    cell = f.rcell
    cell.value -= _SLACK
    try:
        res = func(*callargs, **kwargs) if kwargs else func(*callargs)
    finally:
        cell.value += _SLACK
    st.append(res)
    return n


def op_RETURN_VALUE(f, a, n):
    v = f.stack.pop()
    back = f.back
    if f.is_entry:
        f.retval = v
        f.switch = None
        return -1
    back.stack.append(v)
    f.switch = back
    return -1


# --- imports -------------------------------------------------------------------------------

def op_IMPORT_NAME(f, a, n):
    st = f.stack
    fromlist = st.pop()
    level = st[-1]
    b = f.builtins
    imp = b.get("__import__", NULL) if type(b) is dict else _getitem_or_null(b, "__import__")
    if imp is NULL:
        raise ImportError("__import__ not found")
    st[-1] = imp(a, f.globals, f.locals, fromlist, level)
    return n


def op_IMPORT_FROM(f, a, n):
    st = f.stack
    st.append(_import_from(st[-1], a))
    return n


def _import_from(module, name):
    """``import_from`` in ceval.c: the attribute, else the submodule in sys.modules."""
    v = getattr(module, name, NULL)
    if v is not NULL:
        return v
    pkgname = getattr(module, "__name__", NULL)
    if type(pkgname) is not str:
        raise ImportError("cannot import name '%s'" % name, name=None)
    fullname = "%s.%s" % (pkgname, name)
    v = sys.modules.get(fullname, NULL)
    if v is not NULL:
        return v
    pkgpath = getattr(module, "__file__", NULL)
    if type(pkgpath) is not str:
        pkgpath = NULL
    spec = getattr(module, "__spec__", None)
    initializing = bool(getattr(spec, "_initializing", False)) if spec is not None else False
    if initializing:
        msg = ("cannot import name %r from partially initialized module %r "
               "(most likely due to a circular import) (%s)"
               % (name, pkgname, pkgpath if pkgpath is not NULL else "unknown location"))
    elif pkgpath is NULL:
        msg = "cannot import name %r from %r (unknown location)" % (name, pkgname)
    else:
        msg = "cannot import name %r from %r (%s)" % (name, pkgname, pkgpath)
    raise ImportError(msg, name=pkgname, path=None if pkgpath is NULL else pkgpath)


def op_IMPORT_STAR(f, a, n):
    module = f.stack.pop()
    loc = f.locals
    if loc is None:
        raise SystemError("no locals found during 'import *'")
    all_names = getattr(module, "__all__", NULL)
    skip_leading_underscores = False
    if all_names is NULL:
        d = getattr(module, "__dict__", NULL)
        if d is NULL:
            raise ImportError("from-import-* object has no __dict__ and no __all__")
        all_names = list(d.keys())
        skip_leading_underscores = True
    modname = getattr(module, "__name__", "?")
    for name in all_names:
        if type(name) is not str and not isinstance(name, str):
            raise TypeError("%s in %s.%s must be str, not %.100s" % (
                "Key" if skip_leading_underscores else "Item", modname,
                "__dict__" if skip_leading_underscores else "__all__", _type_name(name)))
        if skip_leading_underscores and name.startswith("_"):
            continue
        loc[name] = getattr(module, name)
    return n


def op_SETUP_ANNOTATIONS(f, a, n):
    loc = f.locals
    if loc is None:
        raise SystemError("no locals found when setting up annotations")
    if type(loc) is dict:
        if "__annotations__" not in loc:
            loc["__annotations__"] = {}
    elif _getitem_or_null(loc, "__annotations__") is NULL:
        loc["__annotations__"] = {}
    return n


# --- exceptions ----------------------------------------------------------------------------

def op_PUSH_EXC_INFO(f, a, n):
    st = f.stack
    v = st[-1]
    st[-1] = _get_handled()
    st.append(v)
    _set_handled_roomy(f, v)
    return n


def op_POP_EXCEPT(f, a, n):
    _set_handled_roomy(f, f.stack.pop())
    return n


def _set_handled_roomy(f, v):
    """``_set_handled`` with room for the ctypes call even at the guest's recursion limit."""
    cell = f.rcell
    cell.value += _HEADROOM
    try:
        _set_handled(v)
    finally:
        cell.value -= _HEADROOM


def _valid_exc_type(t):
    return isinstance(t, type) and issubclass(t, BaseException)


def _check_except_type(right):
    if type(right) is tuple:
        ok = all(_valid_exc_type(t) for t in right)
    else:
        ok = _valid_exc_type(right)
    if not ok:
        raise TypeError("catching classes that do not inherit from BaseException is not allowed")


def _given_exception_matches(exc, right):
    """``PyErr_GivenExceptionMatches``: subclass test on the MRO, no ``__subclasscheck__``."""
    if type(right) is tuple:
        for t in right:
            if _given_exception_matches(exc, t):
                return True
        return False
    t = exc if isinstance(exc, type) else type(exc)
    if isinstance(t, type) and issubclass(t, BaseException) and isinstance(right, type) \
            and issubclass(right, BaseException):
        return right in t.__mro__
    return t is right


def op_CHECK_EXC_MATCH(f, a, n):
    st = f.stack
    right = st.pop()
    _check_except_type(right)
    st.append(_given_exception_matches(st[-1], right))
    return n


def op_CHECK_EG_MATCH(f, a, n):
    st = f.stack
    match_type = st.pop()
    _check_except_type(match_type)
    types_ = match_type if type(match_type) is tuple else (match_type,)
    for t in types_:
        if issubclass(t, BaseExceptionGroup):
            raise TypeError("catching ExceptionGroup with except* is not allowed. "
                            "Use except instead.")
    exc = st[-1]
    if exc is None:
        match, rest = None, None
    elif _given_exception_matches(exc, match_type):
        if isinstance(exc, BaseExceptionGroup):
            match, rest = exc, None
        else:
            match = BaseExceptionGroup("", (exc,))
            match.__traceback__ = exc.__traceback__
            rest = None
    elif isinstance(exc, BaseExceptionGroup):
        pair = exc.split(match_type)
        if type(pair) is not tuple:
            raise TypeError("%.200s.split must return a tuple, not %.200s"
                            % (_type_name(exc), _type_name(pair)))
        if len(pair) != 2:
            raise TypeError("%.200s.split must return a 2-tuple, got tuple of size %d"
                            % (_type_name(exc), len(pair)))
        match, rest = pair
    else:
        match, rest = None, exc
    if match is None:
        st.append(None)
    else:
        st[-1] = rest
        st.append(match)
        _set_handled_roomy(f, match)
    return n


def _leaf_ids(excs, out):
    for e in excs:
        if e is None:
            continue
        if isinstance(e, BaseExceptionGroup):
            _leaf_ids(e.exceptions, out)
        else:
            out.add(id(e))


def _same_metadata(e1, e2):
    return (getattr(e1, "__notes__", None) is getattr(e2, "__notes__", None)
            and e1.__traceback__ is e2.__traceback__ and e1.__cause__ is e2.__cause__
            and e1.__context__ is e2.__context__)


def prep_reraise_star(orig, excs):
    """``_PyExc_PrepReraiseStar``: what an ``except*`` block re-raises at its end."""
    if not excs:
        return None
    if not isinstance(orig, BaseExceptionGroup):
        return excs[0]
    raised, reraised = [], []
    for e in excs:
        if e is None:
            continue
        (reraised if _same_metadata(e, orig) else raised).append(e)
    ids = set()
    _leaf_ids(reraised, ids)
    reraised_eg = orig.split(lambda e: id(e) in ids)[0] if ids else None
    if not raised:
        return reraised_eg
    if reraised_eg is not None:
        raised.append(reraised_eg)
    if len(raised) > 1:
        return BaseExceptionGroup("", raised)
    return raised[0]


def op_PREP_RERAISE_STAR(f, a, n):
    st = f.stack
    excs = st.pop()
    st[-1] = prep_reraise_star(st[-1], excs)
    return n


def op_RERAISE(f, a, n):
    st = f.stack
    exc = st.pop()
    # with an oparg, the frame's lasti becomes the original one (the handler search
    # still starts here)
    raise _Unwind(exc, False, lasti=st[-a] * 2 if a else None)


def op_RAISE_VARARGS(f, a, n):
    st = f.stack
    if a == 0:
        exc = _get_handled()
        if exc is None:
            raise RuntimeError("No active exception to reraise")
        # do_raise's re-raise goes straight to exception_unwind: no new traceback entry
        raise _Unwind(exc, False)
    if a == 1:
        raise st.pop()
    cause = st.pop()
    exc = st.pop()
    raise exc from cause


def op_BEFORE_WITH(f, a, n):
    st = f.stack
    mgr = st[-1]
    enter = _lookup_special(mgr, "__enter__")
    if enter is NULL:
        raise TypeError("'%.200s' object does not support the context manager protocol"
                        % _type_name(mgr))
    exit_ = _lookup_special(mgr, "__exit__")
    if exit_ is NULL:
        raise TypeError("'%.200s' object does not support the context manager protocol "
                        "(missed __exit__ method)" % _type_name(mgr))
    st[-1] = exit_
    st.append(_call_one_level_down(enter))
    return n


def _call_one_level_down(fn):
    """``fn()`` (``__enter__``) one host frame below its handler: see _giving_back_twin."""
    return fn()


def _lookup_special(obj, name):
    """``_PyObject_LookupSpecial``: the type's attribute, bound to ``obj``."""
    t = type(obj)
    for klass in t.__mro__:
        d = klass.__dict__
        if name in d:
            attr = d[name]
            get = getattr(type(attr), "__get__", None)
            return attr if get is None else get(attr, obj, t)
    return NULL


def op_WITH_EXCEPT_START(f, a, n):
    st = f.stack
    val = st[-1]
    exit_func = st[-4]
    st.append(_exit_one_level_down(exit_func, val))
    return n


# --- pattern matching ----------------------------------------------------------------------

def _exit_one_level_down(exit_func, val):
    """``__exit__(type, value, traceback)`` one host frame below its handler."""
    return exit_func(type(val), val, val.__traceback__)


def op_MATCH_MAPPING(f, a, n):
    st = f.stack
    st.append(bool(type(st[-1]).__flags__ & TPFLAGS_MAPPING))
    return n


def op_MATCH_SEQUENCE(f, a, n):
    st = f.stack
    st.append(bool(type(st[-1]).__flags__ & TPFLAGS_SEQUENCE))
    return n


def op_MATCH_KEYS(f, a, n):
    st = f.stack
    keys = st[-1]
    subject = st[-2]
    st.append(_match_keys(subject, keys))
    return n


_DUMMY = object()


def _match_keys(subject, keys):
    """``match_keys`` in ceval.c: a tuple of the values, or None if a key is missing."""
    if not keys:
        return ()
    get = subject.get
    seen = set()
    values = []
    for k in keys:
        if k in seen:
            raise ValueError("mapping pattern checks duplicate key (%r)" % (k,))
        seen.add(k)
        v = get(k, _DUMMY)
        if v is _DUMMY:
            return None
        values.append(v)
    return tuple(values)


def op_MATCH_CLASS(f, a, n):
    st = f.stack
    names = st.pop()
    cls = st.pop()
    subject = st[-1]
    st[-1] = _match_class(subject, cls, a, names)   # the attributes, or None
    return n


_MATCH_SELF_TYPES = (bool, bytearray, bytes, dict, float, frozenset, int, list, set, str, tuple)


def _match_class_attr(subject, name, seen):
    if name in seen:
        raise TypeError("%s() got multiple sub-patterns for attribute %r"
                        % (seen[None], name))
    seen[name] = True
    return getattr(subject, name, NULL)


def _match_class(subject, cls, nargs, kwargs):
    """``match_class`` in ceval.c: the tuple of matched attributes, or None."""
    if not isinstance(cls, type):
        raise TypeError("called match pattern must be a type")
    if not isinstance(subject, cls):
        return None
    seen = {None: cls.__name__}
    attrs = []
    match_self = False
    if nargs:
        match_args = getattr(cls, "__match_args__", NULL)
        if match_args is not NULL:
            if type(match_args) is not tuple:
                raise TypeError("%s.__match_args__ must be a tuple (got %s)"
                                % (cls.__name__, _type_name(match_args)))
        else:
            match_args = ()
            match_self = any(issubclass(cls, t) and
                             t in cls.__mro__ for t in _MATCH_SELF_TYPES) and \
                _match_self_flag(cls)
        allowed = 1 if match_self else len(match_args)
        if allowed < nargs:
            raise TypeError("%s() accepts %d positional sub-pattern%s (%d given)"
                            % (cls.__name__, allowed, "" if allowed == 1 else "s", nargs))
        if match_self:
            attrs.append(subject)
        else:
            for i in range(nargs):
                name = match_args[i]
                if type(name) is not str:
                    raise TypeError("__match_args__ elements must be strings (got %s)"
                                    % _type_name(name))
                v = _match_class_attr(subject, name, seen)
                if v is NULL:
                    return None
                attrs.append(v)
    for name in kwargs:
        v = _match_class_attr(subject, name, seen)
        if v is NULL:
            return None
        attrs.append(v)
    return tuple(attrs)


def _match_self_flag(cls):
    """``Py_TPFLAGS_MATCH_SELF``: set on the builtins listed in PEP 634, inherited."""
    for t in cls.__mro__:
        if t in _MATCH_SELF_TYPES:
            return True
    return False


# --- unpacking -----------------------------------------------------------------------------

def op_UNPACK_SEQUENCE(f, a, n):
    count, site = a
    st = f.stack
    seq = st.pop()
    t = type(seq)
    if site.key is not t:
        prof.observe_unpack_sequence(site, seq)
    if (t is tuple or t is list) and len(seq) == count:
        st.extend(seq[::-1])
        return n
    items = _unpack_iterable(seq, count, -1)      # (one host frame down: see _giving_back_twin)
    st.extend(items[::-1])
    return n


def op_UNPACK_EX(f, a, n):
    before = a & 0xFF
    after = a >> 8
    st = f.stack
    items = _unpack_iterable(st.pop(), before, after)
    st.extend(items[::-1])
    return n


def _unpack_iterable(v, argcnt, argcntafter):
    """``unpack_iterable`` in ceval.c, with its messages."""
    if not _is_iterable(v):
        raise TypeError("cannot unpack non-iterable %.200s object" % _type_name(v))
    it = iter(v)
    out = []
    for i in range(argcnt):
        w = _next(it, NULL)
        if w is NULL:
            if argcntafter == -1:
                raise ValueError("not enough values to unpack (expected %d, got %d)"
                                 % (argcnt, i))
            raise ValueError("not enough values to unpack (expected at least %d, got %d)"
                             % (argcnt + argcntafter, i))
        out.append(w)
    if argcntafter == -1:
        w = _next(it, NULL)
        if w is NULL:
            return out
        raise ValueError("too many values to unpack (expected %d)" % argcnt)
    rest = list(it)
    if len(rest) < argcntafter:
        raise ValueError("not enough values to unpack (expected at least %d, got %d)"
                         % (argcnt + argcntafter, argcnt + len(rest)))
    if argcntafter:
        out.append(rest[:len(rest) - argcntafter])
        out.extend(rest[len(rest) - argcntafter:])
    else:
        out.append(rest)
    return out


def op_ENTER_EXECUTOR(f, a, n):
    """Run the executor installed here; it returns the frame and offset to resume at."""
    info, slot, index = a
    ex = info.executors[slot]
    if not getattr(ex, "valid", True):
        # An invalidated executor: the original instruction runs (with its counter).
        h, arg, nxt = _original_entry(info, index, ex)
        return h(f, arg, nxt)
    f.lasti = index * 2
    if info.warmup:
        # the JUMP_BACKWARD this replaces counts towards quickening (once per entry:
        # back edges taken inside the executor are not seen)
        info.warmup += 1
        if not info.warmup:
            _quicken_roomy(f, info)
    try:
        frame, offset = ex.execute(f)
    except ExitWithError as e:
        raise _Unwind(e.exc, True, e.frame, e.frame.lasti // 2)
    except BaseException as e:
        exc = e
    else:
        if frame is f:
            return offset // 2
        frame.ip = offset // 2
        f.switch = frame
        return -1
    raise _Unwind(exc, True, f, f.lasti // 2)


def _original_entry(info, index, ex):
    """The dispatch entry of the instruction an executor replaced."""
    saved = info.instructions[index]
    info.instructions[index] = (ex.original_opcode, ex.original_oparg)
    try:
        return make_dispatch_entry(info, index)
    finally:
        info.instructions[index] = saved


def op_unknown(f, a, n):
    raise InternalError("cpjit tier 1: unknown opcode %s (%d) at offset %d in %s"
                        % (OPNAME[a] if OPNAME[a] else "<%d>" % a, a, f.lasti,
                           f.code.co_qualname))


def op_native_only(f, a, n):
    raise InternalError("cpjit tier 1: opcode %s only appears in generator or coroutine "
                        "code, which runs natively" % OPNAME[a])


# =========================================================================================
# Pre-decoding: one (handler, arg, next) entry per code unit.

def _prep_plain(info, index, op, oparg):
    return oparg


def _prep_const(info, index, op, oparg):
    return info.code.co_consts[oparg]


def _prep_name(info, index, op, oparg):
    return info.code.co_names[oparg]


def _prep_jump(info, index, op, oparg):
    return jump_target(index, op, oparg)


def _prep_branch(info, index, op, oparg):
    return (jump_target(index, op, oparg), info.branch_history, index * 2)


def _prep_conditional_backedge(info, index, op, oparg):
    return _prep_branch(info, index, op, oparg) + _prep_backedge(info, index, op, oparg)[1:2]


def _prep_backedge(info, index, op, oparg):
    counter = info.backedge_counter.get(index * 2)
    if counter is None:
        counter = info.backedge_counter[index * 2] = prof.initial_backoff(
            config.current.backedge_threshold)
    return (jump_target(index, op, oparg), counter, index * 2)


def _site(info, index, generic, extra=None):
    return prof.Site(info, index * 2, generic, extra)


def _prep_binary_op(info, index, op, oparg):
    return _site(info, index, "BINARY_OP", NB_OPS[oparg])


def _prep_compare(info, index, op, oparg):
    return _site(info, index, "COMPARE_OP", COMPARE_OPS[oparg])


def _prep_subscr(info, index, op, oparg):
    return _site(info, index, OPNAME[op])


def _prep_for_iter(info, index, op, oparg):
    return (jump_target(index, op, oparg), _site(info, index, "FOR_ITER"))


def _prep_load_global(info, index, op, oparg):
    name = info.code.co_names[oparg >> 1]
    return (name, oparg & 1, _site(info, index, "LOAD_GLOBAL", name))


def _prep_attr(info, index, op, oparg):
    name = info.code.co_names[oparg]
    return (name, _site(info, index, OPNAME[op], name))


def _prep_unpack(info, index, op, oparg):
    return (oparg, _site(info, index, "UNPACK_SEQUENCE", oparg))


def _prep_contains(info, index, op, oparg):
    return _site(info, index, "CONTAINS_OP")


def _prep_call(info, index, op, oparg):
    return (oparg, _site(info, index, "CALL"), index, _precall_site(info, index, oparg))


def _precall_site(info, index, oparg):
    """The emulated 3.11 PRECALL cache of the CALL at ``index`` (kept if re-prepared).
    Cheap: this may run at the recursion limit (a first call decides the policy); what
    needs more is read on the emulation's first use (prof.tier1_precall)."""
    pc = info.precall_sites.get(index * 2)
    if pc is None:
        pc = info.precall_sites[index * 2] = prof.PrecallSite(oparg, info, index)
    return pc


def _prep_call_ex(info, index, op, oparg):
    return (oparg & 1) | (index << 8)


def _prep_op(info, index, op, oparg):
    return op


_TABLE = {}


def _per_oparg(f, a, n):
    """Placeholder in _TABLE: the handler depends on the oparg (BINARY_OP, COMPARE_OP)."""
    raise InternalError("cpjit tier 1: dispatch entry not specialized")


def _register():
    g = globals()
    preps = {
        "LOAD_CONST": _prep_const, "KW_NAMES": _prep_const,
        "STORE_NAME": _prep_name, "LOAD_NAME": _prep_name, "DELETE_NAME": _prep_name,
        "STORE_GLOBAL": _prep_name, "DELETE_GLOBAL": _prep_name, "DELETE_ATTR": _prep_name,
        "IMPORT_NAME": _prep_name, "IMPORT_FROM": _prep_name,
        "JUMP_FORWARD": _prep_jump, "JUMP_BACKWARD_NO_INTERRUPT": _prep_jump,
        "JUMP_BACKWARD": _prep_backedge,
        "BINARY_OP": _prep_binary_op, "COMPARE_OP": _prep_compare,
        "BINARY_SUBSCR": _prep_subscr, "STORE_SUBSCR": _prep_subscr,
        "FOR_ITER": _prep_for_iter, "LOAD_GLOBAL": _prep_load_global,
        "LOAD_ATTR": _prep_attr, "STORE_ATTR": _prep_attr, "LOAD_METHOD": _prep_attr,
        "UNPACK_SEQUENCE": _prep_unpack, "CALL": _prep_call,
        "CALL_FUNCTION_EX": _prep_call_ex, "CONTAINS_OP": _prep_contains,
    }
    branches = {
        "POP_JUMP_FORWARD_IF_FALSE": op_POP_JUMP_IF_FALSE,
        "POP_JUMP_FORWARD_IF_TRUE": op_POP_JUMP_IF_TRUE,
        "POP_JUMP_FORWARD_IF_NONE": op_POP_JUMP_IF_NONE,
        "POP_JUMP_FORWARD_IF_NOT_NONE": op_POP_JUMP_IF_NOT_NONE,
        "JUMP_IF_FALSE_OR_POP": op_JUMP_IF_FALSE_OR_POP,
        "JUMP_IF_TRUE_OR_POP": op_JUMP_IF_TRUE_OR_POP,
    }
    native_only = ("RETURN_GENERATOR", "YIELD_VALUE", "SEND", "ASYNC_GEN_WRAP",
                   "GET_AWAITABLE", "GET_AITER", "GET_ANEXT", "BEFORE_ASYNC_WITH",
                   "END_ASYNC_FOR", "GET_YIELD_FROM_ITER")
    for name, op in OPMAP.items():
        if name in ("BINARY_OP", "COMPARE_OP"):
            _TABLE[op] = (_per_oparg, preps[name])
        elif op in CONDITIONAL_BACK_EDGES:
            _TABLE[op] = (g["op_" + name], _prep_conditional_backedge)
        elif name in branches:
            _TABLE[op] = (branches[name], _prep_branch)
        elif name in native_only:
            _TABLE[op] = (op_native_only, _prep_op)
        elif name in ("RESUME", "EXTENDED_ARG", "CACHE"):
            _TABLE[op] = (op_NOP, _prep_plain)
        elif "op_" + name in g:
            _TABLE[op] = (g["op_" + name], preps.get(name, _prep_plain))


_register()


def _make_megamorphic_twins():
    namespace = globals()
    for handler in (op_BINARY_SUBSCR, op_STORE_SUBSCR, op_FOR_ITER, op_LOAD_ATTR,
                    op_STORE_ATTR, op_LOAD_METHOD, op_UNPACK_SEQUENCE, op_CALL,
                    op_CONTAINS_OP, op_NOT_CONTAINS_OP):
        def twin_source(handler=handler):
            import inspect
            import textwrap
            source = _unprofiled_source(textwrap.dedent(inspect.getsource(handler)))
            assert source.count("observe") == 0, handler.__name__
            source = source.replace("def %s(" % handler.__name__,
                                    "def %s_megamorphic(" % handler.__name__, 1)
            return "\n" * (handler.__code__.co_firstlineno - 1) + source
        # the cache is per version of this file, so the handler's name is key enough
        exec(_codegen.compile("megamorphic twin\0" + handler.__name__, twin_source),
             namespace)
        _MEGAMORPHIC[handler] = namespace[handler.__name__ + "_megamorphic"]


_make_megamorphic_twins()


def _site_went_megamorphic(site):
    """A site saw too many shapes: its instruction switches to the unprofiled handler
    (3.11 would leave the adaptive instruction in its generic form)."""
    info = site.info
    if info.dispatch is None:
        return
    index = site.offset // 2
    handler, arg, nxt = info.dispatch[index]
    twin = _MEGAMORPHIC.get(handler)
    if twin is not None:
        info.dispatch[index] = (twin, arg, nxt)


prof.Site.on_megamorphic = staticmethod(_site_went_megamorphic)


def make_dispatch_entry(info, index):
    """The (handler, arg, next index) tuple for the instruction at code unit ``index``."""
    op, oparg = info.instructions[index]
    if op == ENTER_EXECUTOR:
        return make_enter_executor_entry(info, index, oparg)
    nxt = index + 1 + CACHE_ENTRIES[op]
    entry = _TABLE.get(op)
    if entry is None:
        return (op_unknown, op, nxt)
    handler, prep = entry
    if handler is _per_oparg:
        handler = (_BINARY_HANDLERS if op == _BINARY_OP else _COMPARE_HANDLERS)[oparg]
    elif handler is op_CONTAINS_OP and oparg:
        handler = op_NOT_CONTAINS_OP
    if op == _RESUME or op == _JUMP_BACKWARD:
        return _warm_entry(info, (handler, prep(info, index, op, oparg), nxt))
    return (handler, prep(info, index, op, oparg), nxt)


_RESUME, _JUMP_BACKWARD = OPMAP["RESUME"], OPMAP["JUMP_BACKWARD"]


_BINARY_OP = OPMAP["BINARY_OP"]


def make_enter_executor_entry(info, index, slot):
    """ENTER_EXECUTOR's entry: runs ``info.executors[slot]``."""
    return (op_ENTER_EXECUTOR, (info, slot, index), index + 1 + CACHE_ENTRIES[OPMAP["JUMP_BACKWARD"]])


def build_dispatch(info):
    """Pre-decode ``info.code`` for the loop (once per code object), then fuse the pairs
    3.11 fuses into superinstructions (``_PyCode_Quicken``): the first entry of the pair
    does both; the second keeps its own entry, so a jump to it still works."""
    # where CPython's own count of this code stands (it may have run natively already)
    info.warmup = objlayout.code_warmup(info.code)
    dispatch = [make_dispatch_entry(info, i) for i in range(len(info.instructions))]
    instructions = info.instructions
    statements = {}
    for i in range(len(instructions) - 1):
        statement = _fuse_statement(info, dispatch, i)
        if statement is not None:
            statements[i] = statement
    for i in range(len(instructions) - 1):
        if i in statements or i + 1 in statements:
            continue      # a pair must not swallow the start of a fused statement
        pair = _SUPERINSTRUCTIONS.get((instructions[i][0], instructions[i + 1][0]))
        if pair is not None:
            dispatch[i] = (pair, (dispatch[i][1], dispatch[i + 1][1]), i + 2)
    for i, statement in statements.items():
        dispatch[i] = statement
    info.dispatch = dispatch
    return dispatch


# Superinstructions. If the second half would fail, only the first half runs (returning
# i + 1), so that the error is raised by the second instruction's own entry, at its own
# offset, exactly as without fusion.

def op_LOAD_FAST__LOAD_FAST(f, a, n):
    lp = f.localsplus
    v1 = lp[a[0]]
    v2 = lp[a[1]]
    if v1 is NULL or v2 is NULL:
        return op_LOAD_FAST(f, a[0], n - 1)
    st = f.stack
    st.append(v1)
    st.append(v2)
    return n


def op_LOAD_FAST__LOAD_CONST(f, a, n):
    v = f.localsplus[a[0]]
    if v is NULL:
        return op_LOAD_FAST(f, a[0], n - 1)
    st = f.stack
    st.append(v)
    st.append(a[1])
    return n


def op_LOAD_CONST__LOAD_FAST(f, a, n):
    v = f.localsplus[a[1]]
    st = f.stack
    st.append(a[0])
    if v is NULL:
        return n - 1
    st.append(v)
    return n


def op_STORE_FAST__LOAD_FAST(f, a, n):
    lp = f.localsplus
    lp[a[0]] = f.stack.pop()
    v = lp[a[1]]
    if v is NULL:
        return n - 1
    f.stack.append(v)
    return n


def op_STORE_FAST__STORE_FAST(f, a, n):
    lp = f.localsplus
    st = f.stack
    lp[a[0]] = st.pop()
    lp[a[1]] = st.pop()
    return n


# Longer fusions (beyond 3.11's pairs) for the commonest statement shapes:
#   x = a <op> b / x <op>= b       LOAD_FAST, LOAD_FAST|LOAD_CONST, BINARY_OP, STORE_FAST
#   if a <cmp> b: / while ...      LOAD_FAST, LOAD_FAST|LOAD_CONST, COMPARE_OP, POP_JUMP_*
# The operation's own error is raised at the operation's offset (as an _Unwind), an
# unbound local by the unfused entries; profiling uses the operation's own site.
_FUSED_BINARY_TEMPLATE = """
def fused_{name}_{kind}(f, a, n):
    i0, i1, site, store, op_index = a
    lp = f.localsplus
    l = lp[i0]
    if l is NULL:
        return op_LOAD_FAST(f, i0, op_index - 1)
    {load_r}
    if (type(l) is not site.key or type(r) is not site.key2) and site.shapes <= _MAX_SHAPES:
        if _observe_binary_op(site, l, r):
            return op_index - 2          # again, as the twin giving the slack back
    try:
        {compute}
    except BaseException as e:
        st = f.stack
        st.append(l)
        st.append(r)
        raise _Unwind(e, True, f, op_index)
    lp[store] = res
    return n
"""

_FUSED_COMPARE_TEMPLATE = """
def fused_{name}_{kind}_{sense}(f, a, n):
    i0, i1, site, hist, offset, target, op_index = a
    lp = f.localsplus
    l = lp[i0]
    if l is NULL:
        return op_LOAD_FAST(f, i0, op_index - 1)
    {load_r}
    if (type(l) is not site.key or type(r) is not site.key2) and site.shapes <= _MAX_SHAPES:
        if _observe_compare_op(site, l, r):
            return op_index - 2          # again, as the twin giving the slack back
    try:
        res = l {symbol} r
    except BaseException as e:
        st = f.stack
        st.append(l)
        st.append(r)
        raise _Unwind(e, True, f, op_index)
    if res is not True and res is not False:
        # the jump's own entry tests it (and raises a failing __bool__'s error there)
        f.stack.append(res)
        return offset // 2
    if res is {jump_on}:
        hist[offset] = ((hist[offset] << 1) | 1) & 0xFFFF
        return target
    hist[offset] = (hist[offset] << 1) & 0xFFFF
    return n
"""

_LOAD_R = {
    "fast": "r = lp[i1]\n    if r is NULL:\n        f.stack.append(l)\n        return op_index - 1",
    "const": "r = i1",
}


def _make_fused():
    namespace = {**_HOST_BUILTINS, "NULL": NULL, "op_LOAD_FAST": op_LOAD_FAST, "_Unwind": _Unwind,
                 "_MAX_SHAPES": prof.MAX_SHAPES, "_observe_binary_op": prof.observe_binary_op,
                 "_observe_compare_op": prof.observe_compare_op,
                 "__builtins__": __builtins__}
    binary, compare = {}, {}
    for oparg, (name, symbol) in enumerate(__import__("dis")._nb_ops):
        inplace = symbol.endswith("=")
        compute = ("l {0}= r\n        res = l" if inplace else "res = l {0} r").format(
            symbol.rstrip("="))
        for kind in ("fast", "const"):
            src = _FUSED_BINARY_TEMPLATE.format(name=name, kind=kind, load_r=_LOAD_R[kind],
                                                compute=compute)
            exec(_codegen.compile(src), namespace)
            binary[oparg, kind] = namespace["fused_%s_%s" % (name, kind)]
    for oparg, (name, symbol) in enumerate(zip(("LT", "LE", "EQ", "NE", "GT", "GE"),
                                               COMPARE_OPS)):
        for kind in ("fast", "const"):
            for sense, jump_on in (("true", "True"), ("false", "False")):
                src = _FUSED_COMPARE_TEMPLATE.format(
                    name=name, kind=kind, sense=sense, load_r=_LOAD_R[kind], symbol=symbol,
                    jump_on=jump_on)
                exec(_codegen.compile(src), namespace)
                compare[oparg, kind, sense] = namespace["fused_%s_%s_%s" % (name, kind, sense)]
    return binary, compare


_FUSED_BINARY, _FUSED_COMPARE = _make_fused()


# --- Operations that can run Python code: the recursion slack given back -----------------
#
# Handlers run _SLACK (1) recursion level above the frame CPython would run (so that the
# host's own work in a handler cannot fail at the limit). An operation whose C code calls
# a Python function (``a < b`` reaching ``slot_tp_richcompare``, a property, ``__iter__``,
# a generator's frame...) must run at CPython's count, or the callee gets one level more.
# The way back is one more host frame: a Python-to-Python call on the host takes exactly
# one level (its frame's recursion check) and gives it back when the frame is left, by a
# return or an exception, with no test and no ctypes access. The host work done below it
# (list pops, type tests) makes no recursion check, and the operation itself makes the
# checks CPython's would (same C function), so even at the limit the count is CPython's.
#
# Profiled instructions decide per site: the site's observe function (run only when the
# operand types change) asks prof.may_call_python, and a site that can call Python gets
# the handler's *giving-back twin* in its dispatch entry (and its fused statement's), so
# builtin-operand sites pay nothing. The handler that saw the new shape runs the
# instruction again, as the twin. Other instructions give the level back in their slow
# paths (``*_one_level_down`` helpers).

def _giving_back_twin(handler):
    """``handler`` run one host frame deeper: at CPython's recursion count."""
    def twin(f, a, n):
        return handler(f, a, n)
    twin.__name__ = twin.__qualname__ = handler.__name__ + "_giving_back"
    return twin


# handler -> its giving-back twin
_GIVING_BACK = {}


def _make_giving_back_twins():
    profiled = [*_BINARY_HANDLERS, *_COMPARE_HANDLERS, op_BINARY_SUBSCR, op_STORE_SUBSCR,
                op_FOR_ITER, op_LOAD_ATTR, op_STORE_ATTR, op_LOAD_METHOD, op_CONTAINS_OP,
                op_NOT_CONTAINS_OP]
    for handler in profiled:
        twin = _GIVING_BACK[handler] = _giving_back_twin(handler)
        unprofiled = _MEGAMORPHIC[handler]
        # a megamorphic site that can call Python keeps giving the level back
        _MEGAMORPHIC[twin] = _GIVING_BACK[unprofiled] = _giving_back_twin(unprofiled)
    for handler in (*_FUSED_BINARY.values(), *_FUSED_COMPARE.values()):
        _GIVING_BACK[handler] = _giving_back_twin(handler)


_make_giving_back_twins()


def _site_can_call_python(site):
    """prof.Site.on_callbacks: the site's instruction (and the fused statement that
    contains it) switches to its giving-back twin."""
    dispatch = site.info.dispatch
    if dispatch is None:
        return
    index = site.offset // 2
    for i in (index, index - 2):
        if not 0 <= i < len(dispatch):
            continue
        handler, arg, nxt = dispatch[i]
        if i != index and not (type(arg) is tuple and len(arg) > 2 and arg[2] is site):
            continue          # not the fused statement of this operation
        twin = _GIVING_BACK.get(handler)
        if twin is not None:
            dispatch[i] = (twin, arg, nxt)


prof.Site.on_callbacks = staticmethod(_site_can_call_python)
_GIVING_BACK_TWINS = frozenset(_GIVING_BACK.values())


def operation_can_call_python(info, offset):
    """For tier 2: whether tier 1 found that the profiled operation at byte ``offset`` can
    call Python code (its site runs the giving-back twin): a trace running it should run
    it at CPython's recursion count, one level below tier 1's handlers (``_SLACK``)."""
    dispatch = info.dispatch
    return dispatch is not None and dispatch[offset // 2][0] in _GIVING_BACK_TWINS
_LOAD_FAST, _LOAD_CONST, _STORE_FAST = OPMAP["LOAD_FAST"], OPMAP["LOAD_CONST"], OPMAP["STORE_FAST"]
_COMPARE_OP = OPMAP["COMPARE_OP"]
# (forward jumps only: a backward one is a counted back edge and keeps its own entry)
_JUMP_SENSE = {OPMAP[n]: ("true" if n.endswith("TRUE") else "false") for n in (
    "POP_JUMP_FORWARD_IF_TRUE", "POP_JUMP_FORWARD_IF_FALSE")}


def _fuse_statement(info, dispatch, i):
    """The fused entry for the statement starting at code unit ``i``, or None."""
    ins = info.instructions
    op0, a0 = ins[i]
    if op0 != _LOAD_FAST or i + 1 >= len(ins):
        return None
    op1, a1 = ins[i + 1]
    if op1 == _LOAD_FAST:
        kind, second = "fast", a1
    elif op1 == _LOAD_CONST:
        kind, second = "const", info.code.co_consts[a1]
    else:
        return None
    j = i + 2                                   # the operation
    if j >= len(ins):
        return None
    op2, a2 = ins[j]
    k = j + 1 + CACHE_ENTRIES[op2]              # what follows it
    if k >= len(ins):
        return None
    op3, a3 = ins[k]
    after = k + 1 + CACHE_ENTRIES[op3]
    if op2 == _BINARY_OP and op3 == _STORE_FAST:
        site = dispatch[j][1]
        return (_FUSED_BINARY[a2, kind], (a0, second, site, a3, j), after)
    if op2 == _COMPARE_OP and op3 in _JUMP_SENSE:
        site = dispatch[j][1]
        target, hist, offset = dispatch[k][1]
        return (_FUSED_COMPARE[a2, kind, _JUMP_SENSE[op3]],
                (a0, second, site, hist, offset, target, j), after)
    return None


_SUPERINSTRUCTIONS = {
    (OPMAP["LOAD_FAST"], OPMAP["LOAD_FAST"]): op_LOAD_FAST__LOAD_FAST,
    (OPMAP["LOAD_FAST"], OPMAP["LOAD_CONST"]): op_LOAD_FAST__LOAD_CONST,
    (OPMAP["LOAD_CONST"], OPMAP["LOAD_FAST"]): op_LOAD_CONST__LOAD_FAST,
    (OPMAP["STORE_FAST"], OPMAP["LOAD_FAST"]): op_STORE_FAST__LOAD_FAST,
    (OPMAP["STORE_FAST"], OPMAP["STORE_FAST"]): op_STORE_FAST__STORE_FAST,
}


def code_info(code):
    """``get_code_info`` with the dispatch array built."""
    info = prof.get_code_info(code)
    if info.dispatch is None:
        build_dispatch(info)
    return info


# =========================================================================================
# Which calls tier 1 takes (``cpjit.config.current.tier1``).

import os as _os
from . import policy as _policy
# cpjit's own functions (e.g. run_function called from guest code) always run natively.
_CPJIT_DIR = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))) + _os.sep
_decisions = {}
_decisions_policy = [None]


def _decide(code, globals_dict=None):
    """Decide (once per code object and policy) whether tier 1 runs ``code``:
    returns ``(code, CodeInfo or None)`` and caches it. ``globals_dict`` (the function's)
    lets the "reach" policy follow the names the code calls (policy.reaches_loop)."""
    policy = config.current.tier1
    if policy is not _decisions_policy[0]:
        _decisions.clear()
        _policy.reaches_loop.clear()
        _decisions_policy[0] = policy
    info = None
    if not code.co_flags & CO_NATIVE_ONLY and not code.co_filename.startswith(_CPJIT_DIR):
        if policy == "all":
            info = code_info(code)
        elif policy == "reach":
            if _policy.reaches_loop(code, globals_dict):
                info = code_info(code)
        else:
            candidate = code_info(code)
            if candidate.has_loop:
                info = candidate
    hit = _decisions[id(code)] = (code, info)
    return hit


def _tier1_info(code, globals_dict=None):
    """The CodeInfo if tier 1 runs ``code`` under the current policy, else None (native)."""
    hit = _decisions.get(id(code))
    if hit is None or hit[0] is not code or config.current.tier1 is not _decisions_policy[0]:
        hit = _decide(code, globals_dict)
    return hit[1]


# =========================================================================================
# Frames: making them, binding arguments (``_PyEvalFramePushAndInit``), the recursion count.

def _binder_code(info):
    """A code object with the same signature whose body returns its argument slots as a
    tuple: calling it natively binds arguments with CPython's own code and messages."""
    code = info.code
    nargs = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 4) + \
        bool(code.co_flags & 8)
    body = bytearray()
    for i in range(nargs):
        body += bytes([OPMAP["LOAD_FAST"], i])
    body += bytes([OPMAP["BUILD_TUPLE"], nargs, OPMAP["RETURN_VALUE"], 0])
    return code.replace(co_code=bytes(body), co_flags=code.co_flags & ~CO_NATIVE_ONLY,
                        co_exceptiontable=b"", co_stacksize=max(nargs, 1),
                        co_consts=(None,), co_linetable=b""), nargs


_binders = {}


def _bind_arguments(func, info, args, kwnames):
    entry = _binders.get(id(info))
    if entry is None or entry[0] is not info:
        entry = _binders[id(info)] = (info,) + _binder_code(info)
    code = entry[1]
    closure = func.__closure__
    binder = _FunctionType(code, func.__globals__, func.__name__, func.__defaults__, closure)
    binder.__kwdefaults__ = func.__kwdefaults__
    binder.__qualname__ = func.__qualname__
    if kwnames:
        nk = len(kwnames)
        return binder(*args[:-nk], **dict(zip(kwnames, args[-nk:])))
    return binder(*args)


def _make_function_frame(func, info, args, kwnames):
    """``_PyFrame_PushUnchecked`` + ``initialize_locals``."""
    if not kwnames and len(args) == info.exact_argc:
        return Frame(info.code, func, func.__globals__, func.__builtins__, None, info,
                     args + info.null_tail)
    new = Frame(info.code, func, func.__globals__, func.__builtins__, None, info)
    bound = _bind_arguments(func, info, args, kwnames)
    new.localsplus[:len(bound)] = bound
    return new





# Handlers run with one recursion level more than CPython's frame at the same depth
# would have: at the limit, a handler's own list.pop() or comparison (which CPython's
# specialized instructions do without a recursion check) must not fail. Native calls
# from CALL give the level back, so callees see CPython's count exactly.
_SLACK = 1

# Room for the interpreter's own helper calls (making a frame, binding arguments,
# traceback entries) when the guest is at the recursion limit: they are not guest frames.
_HEADROOM = 50


# For tier 2 (not used by it yet): the same emulation for the calls and back edges a
# trace runs, so that native calls from traces get CPython's recursion checks too.

def native_call_slack(frame, call_offset, callable_, self_or_null, args, kwnames):
    """One execution of the PRECALL before the CALL at byte ``call_offset`` of
    ``frame``'s code, as tier 1's CALL would step it (``callable_`` and ``self_or_null``
    as on the stack before PRECALL unpacks a bound method; ``args`` with self first when
    ``self_or_null`` is not NULL). Returns what a native call there must take from the
    recursion count before calling through the generic path: 0 where CPython's
    specialized form skips the check, else 1 (``_SLACK``)."""
    info = frame.info
    pc = info.precall_sites.get(call_offset)
    if pc is None:
        pc = _precall_site(info, call_offset // 2, info.instructions[call_offset // 2][1])
    cell = frame.rcell
    if cell is not None:
        cell.value += _HEADROOM
    try:
        return _precall(pc, callable_, self_or_null is not NULL, args, kwnames)
    finally:
        if cell is not None:
            cell.value -= _HEADROOM


def warmup_tick(info):
    """A RESUME or JUMP_BACKWARD that tier 1 did not run (``_PyCode_Warmup``): cheap to
    test first, ``if info.warmup: warmup_tick(info)``."""
    if info.warmup:
        info.warmup += 1
        if not info.warmup:
            _quicken(info)


def _call_tier1(f, func, info, args, kwnames):
    """Push a tier-1 frame for ``func`` above ``f`` (``_PyEvalFramePushAndInit``)."""
    cell = f.rcell
    remaining = cell.value
    if remaining > _HEADROOM:
        new = _make_function_frame(func, info, args, kwnames)
    else:
        # near the limit: the check, and room for the helpers themselves
        cell.value = remaining + _HEADROOM
        try:
            if remaining < _SLACK:      # (this helper itself took one level)
                raise RecursionError("maximum recursion depth exceeded")
            new = _make_function_frame(func, info, args, kwnames)
        finally:
            cell.value = remaining
    cell.value = remaining - 1
    new.back = f
    new.rcell = cell
    f.switch = new
    return -1


# =========================================================================================
# The loop (``_PyEval_EvalFrameDefault``) and exception unwinding.

def _account_switch(cell, old, new):
    """Recursion count for a switch between frames not directly linked (executor exits)."""
    hops = 0
    fr = new
    while fr is not None and fr is not old:
        fr = fr.back
        hops += 1
    if fr is old:
        cell.value -= hops
        return
    hops = 0
    fr = old
    while fr is not None and fr is not new:
        fr = fr.back
        hops += 1
    cell.value += hops


def _adopt(frame, cell):
    """Give frames made outside tier 1 (by an executor) what the loop needs."""
    while frame is not None and frame.rcell is None:
        frame.rcell = cell
        if frame.dispatch is None:
            frame.dispatch = code_info(frame.code).dispatch
        frame = frame.back


# Dispatches completed by tier 1, counted only with ``--stats`` (``count_dispatches``):
# None when off, so the plain loop pays a single test per frame switch. A dispatch is one
# instruction, or one superinstruction / fused statement (build_dispatch), which CPython's
# pystats also count once.
_counting = None


def count_dispatches(on=True):
    """Start (or stop) counting the dispatches tier 1 runs (``--stats``; CPython's pystats
    ``opcode[...].execution_count``)."""
    global _counting
    if on and _counting is None:
        _counting = [0]
    elif not on:
        _counting = None


def dispatches_executed():
    """Dispatches tier 1 has completed since counting started (None when it is off)."""
    return None if _counting is None else _counting[0]


def _run(entry):
    """Run tier-1 frames from ``entry`` until it returns; returns its value or raises."""
    f = entry
    cell = entry.rcell
    while True:
        dispatch = f.dispatch
        i = f.ip
        try:
            if _counting is None:
                while i >= 0:
                    h, a, n = dispatch[i]
                    i = h(f, a, n)
            else:
                # --stats: the same loop, counting the dispatches it completes (a local
                # counter, flushed when the loop is left, even by an exception).
                k = 0
                try:
                    while i >= 0:
                        h, a, n = dispatch[i]
                        i = h(f, a, n)
                        k += 1
                finally:
                    _counting[0] += k
        except _Unwind as u:
            exc = u.exc
            add_tb = u.add_tb
            strip = u.frame is not None      # executor errors: drop the executor's frames
            if u.frame is not None and u.frame is not f:
                _account_switch(cell, f, u.frame)
                _adopt(u.frame, cell)
                f = u.frame
            if u.index is not None:
                i = u.index
            lasti = u.lasti
        except BaseException as e:
            exc = e
            add_tb = True
            strip = True
            lasti = None
        else:
            nxt = f.switch
            if nxt is None:
                return f.retval
            f.switch = None
            if nxt is f.back:
                cell.value += 1          # a return: the callee's frame is gone
            elif nxt.back is not f:
                _account_switch(cell, f, nxt)     # an executor's exit in an inlined call
                _adopt(nxt, cell)
            f = nxt
            continue
        # --- exception_unwind (outside the host's except block, so that the handled
        # exception the host keeps is the guest's, not ``exc``) ---
        while True:
            f.lasti = i * 2 if lasti is None else lasti
            lasti = None
            if add_tb:
                cell.value += _HEADROOM
                try:
                    tbmod.add_entry(exc, f, i, strip)
                finally:
                    cell.value -= _HEADROOM
            handler = f.info.handlers[i] if 0 <= i < len(f.info.handlers) else None
            if handler is not None:
                target, depth, push_lasti = handler
                st = f.stack
                del st[depth:]
                if push_lasti:
                    # the frame's lasti (for RERAISE with oparg, the restored one), as
                    # CPython pushes frame->prev_instr
                    st.append(f.lasti // 2)
                st.append(exc)
                f.ip = target
                exc = None     # the loop must not keep the exception alive
                break
            # The frame is left: its traceback entry shows where it stopped (PEP 626).
            cell.value += _HEADROOM
            try:
                tbmod.settle_entry(exc, f)
            finally:
                cell.value -= _HEADROOM
            if f is entry:
                f.stack.clear()
                cell.value += _HEADROOM
                try:
                    tbmod.raise_unchained(exc)
                finally:
                    cell.value -= _HEADROOM
            cell.value += 1
            f.stack.clear()
            f = f.back      # (no local for it: it would keep the frame alive after it returns)
            i = f.lasti // 2
            add_tb = True
            strip = False


def exec_code(code, globals, locals=None, *, depth=None):
    """Execute a module-level (or class-body) code object in tier 1, like ``exec(code, globals, locals)``.

    ``depth``: the CPython frame depth the code would run at, for the recursion limit
    (1 for a script's ``__main__``). By default, as if the caller had called ``exec()``.
    Exceptions propagate with tier-1 frames as real traceback entries; leading entries of
    host frames (the caller, this function) can be dropped with ``guest_traceback``.
    """
    if type(code) is not types.CodeType:
        raise TypeError("exec_code() arg 1 must be a code object")
    if code.co_flags & CO_NATIVE_ONLY:
        raise InternalError("cpjit tier 1 does not run generator or coroutine code")
    if code.co_freevars:
        raise TypeError("code object passed to exec_code() may not contain free variables")
    if locals is None:
        locals = globals
    if "__builtins__" not in globals:
        # as builtin exec(): the builtins *dict* (PyEval_GetBuiltins)
        globals["__builtins__"] = _builtins_module.__dict__
    b = globals["__builtins__"]
    if type(b) is types.ModuleType:
        b = b.__dict__
    info = code_info(code)
    frame = Frame(code, None, globals, b, locals, info)
    frame.is_entry = True
    _introspect.install_guest_frame_hooks()
    return _run_entry(frame, depth)


def _run_entry(frame, depth):
    """Run an entry frame with the recursion count of ``depth`` (see exec_code)."""
    cell = objlayout.recursion_remaining_cell()
    frame.rcell = cell
    # The guest's view below the entry frame: nothing for a script (``depth`` given, as
    # CPython's __main__ has no Python caller), else the host caller of exec_code.
    frame.host_back = _introspect._real_getframe() if depth is None else None
    # Handlers run two host frames below this one (the loop, the handler). Make them see
    # the recursion count of a frame at guest depth ``depth`` (plus _SLACK). What the host
    # stack has consumed is read from the thread state itself: C-to-Python transitions
    # below us count too, so counting Python frames would not do.
    limit = sys.getrecursionlimit()
    if depth is None:
        # as if the caller of exec_code had called exec(): one level above the caller
        depth = (limit - cell.value) - 2 + 1
    delta = (limit - depth + _SLACK) - (cell.value - 2)
    limit_cell = objlayout.recursion_limit_cell()
    consumed = limit_cell.value - cell.value     # by the host stack up to here
    cell.value += delta
    try:
        return _run(frame)
    finally:
        # Back to the host's own count, exactly, even if the guest changed the limit
        # (sys.setrecursionlimit moves remaining with it) or frames were left pushed.
        cell.value = limit_cell.value - consumed


def run_function(func, args=(), kwargs=None):
    """Call a Python function in tier 1 (whatever the policy), like ``func(*args, **kwargs)``."""
    info = code_info(func.__code__)
    if func.__code__.co_flags & CO_NATIVE_ONLY:
        return func(*args, **(kwargs or {}))
    args = list(args)
    kwnames = None
    if kwargs:
        kwnames = tuple(kwargs)
        args.extend(kwargs.values())
    frame = _make_function_frame(func, info, args, kwnames)
    frame.is_entry = True
    _introspect.install_guest_frame_hooks()
    return _run_entry(frame, None)


from . import introspect as _introspect  # noqa: E402  (needs the names above)
from .introspect import INTERCEPTS as _INTERCEPTS  # noqa: E402


def run_class_body(f, func, info, ns, index):
    """Run a class body as a tier-1 frame above ``f`` (nested loop: class bodies do not
    recurse deeply); returns what the body returns (the ``__class__`` cell or None)."""
    body = Frame(info.code, func, func.__globals__, func.__builtins__, ns, info)
    body.is_entry = True
    body.back = f
    body.rcell = cell = f.rcell
    if cell.value <= _SLACK:
        raise RecursionError("maximum recursion depth exceeded")
    # Host frames between this handler and the nested loop's handlers: see _run_entry.
    cell.value += 3
    try:
        return _run(body)
    finally:
        cell.value -= 3


# --- The host's own call sites on the way to guest callbacks ------------------------------
#
# A few handlers reach a guest's Python code through a builtin called by the host
# (``getattr`` in LOAD_ATTR, ``next`` in FOR_ITER, ``iter``, ...). Whether that call makes
# a recursion check depends on the *host's* quickening of the handler: 3.11 calls a
# METH_FASTCALL builtin from a specialized PRECALL without the check, from an unquickened
# one through the checking vectorcall wrapper. CPython's own instructions call the C
# function directly (no check), so the host sites are quickened and specialized at import,
# with builtin operands: from the guest's first instruction on, the callee's count is
# CPython's. (Each site only ever calls the same builtin, so it never de-specializes.)

class _WarmFrame:
    __slots__ = ("stack",)


class _WarmObject:
    pass


def _warm_host_call_sites(rounds=64):
    """Run the handlers and helpers whose builtin calls lead to guest code, ``rounds``
    times each with builtin operands (3.11: quickened at the 8th call, a PRECALL
    specialized within a few more)."""
    info = types.SimpleNamespace(profile={}, dispatch=None)
    fr = _WarmFrame()
    obj = _WarmObject()
    obj.x = 1
    for _ in range(rounds):
        for load in (op_LOAD_ATTR, _MEGAMORPHIC[op_LOAD_ATTR],
                     op_LOAD_METHOD, _MEGAMORPHIC[op_LOAD_METHOD]):
            fr.stack = [obj]
            load(fr, ("x", prof.Site(info, 0, "LOAD_ATTR", "x")), 0)
        for store in (op_STORE_ATTR, _MEGAMORPHIC[op_STORE_ATTR]):
            fr.stack = [1, obj]
            store(fr, ("x", prof.Site(info, 0, "STORE_ATTR", "x")), 0)
        _delattr_one_level_down(obj, "x")
        obj.x = 1
        for for_iter in (op_FOR_ITER, _MEGAMORPHIC[op_FOR_ITER]):
            fr.stack = [iter((1,))]
            for_iter(fr, (0, prof.Site(info, 0, "FOR_ITER")), 0)
        _iter_one_level_down(())
        _unpack_iterable([1, 2], 2, -1)
        _unpack_iterable((1, 2, 3), 1, 1)
        _unpack_iterable((1, 2, 3), 1, 0)
    info.profile.clear()


_warm_host_call_sites()


_codegen.save()
