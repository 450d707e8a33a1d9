"""The reference tier-2 interpreter (CPython: the tier-2 loop in ``Python/ceval.c``).

It runs the very uop traces that the JIT compiles, in Python, on tier-1 frames
(``--tier2=interp``), so an optimizer bug can be told from a backend bug.  Each uop
is a Python function ``impl(frame, inst, state)`` that works on ``frame.localsplus``
and ``frame.stack``; it returns None to fall through to the next uop, a trace index to
jump to (a failed guard returns ``inst.jump_target``), or ``EXIT`` for the stubs that
leave the trace.  A uop that raises jumps to its ``_ERROR_POP_N`` stub.

Uops pop their inputs only once they cannot fail any more, so ``_ERROR_POP_N`` pops
exactly the failing uop's inputs, as CPython's error stubs do.

This module also holds the tier-2 uop metadata that the optimizer needs (flags and
the number of inputs), next to the code it describes.
"""

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import builtins as _builtins
import functools
from dis import opname as _OPNAME
import operator
import os
import sys
import types
from time import perf_counter as _perf_counter

from cpjit.uops import expansion as _exp

_CPJIT_DIR = os.path.dirname(os.path.abspath(__file__))

EXIT = -1     # returned by the exit stubs

HAS_EXIT = 1
HAS_DEOPT = 2
HAS_ERROR = 4
ERROR_NO_POP = 8


class UopDef:
    """One tier-2 uop: name, flags, inputs popped on error, Python body."""

    __slots__ = ("name", "flags", "pops", "impl")

    def __init__(self, name, flags, pops, impl):
        self.name = name
        self.flags = flags
        self.pops = pops
        self.impl = impl

    def num_popped(self, oparg):
        """``_PyUop_num_popped``."""
        return self.pops(oparg) if callable(self.pops) else self.pops


UOP_DEFS = {}


def uop(name, flags=0, pops=0):
    """Register a uop body (the Python twin of an ``op(...)`` in the DSL)."""
    def register(fn):
        UOP_DEFS[name] = UopDef(name, flags, pops, fn)
        return fn
    return register


def _null():
    try:
        from cpjit.interpreter.frame import NULL
        return NULL
    except ImportError:     # tier 1 not importable: a private sentinel keeps tests honest
        return _PrivateNull


class _PrivateNull:
    pass


def _frames_above_unavailable(f, entry):
    return 0


try:     # bound here, not imported at the exit: this runs at the recursion limit
    from cpjit.interpreter.frame import frames_above as _frames_above
except ImportError:     # tier 1 not importable: no tier-1 frames to count
    _frames_above = _frames_above_unavailable


NULL = _null()

# ---------------------------------------------------------------- trace bookkeeping


@uop("_NOP")
def _nop(f, inst, st):
    return None


@uop("_START_EXECUTOR")
def _start_executor(f, inst, st):
    return None


@uop("_CHECK_VALIDITY", HAS_DEOPT)
def _check_validity(f, inst, st):
    if not st.executor.valid:
        return inst.jump_target


@uop("_SET_IP")
def _set_ip(f, inst, st):
    f.lasti = inst.target * 2


@uop("_CHECK_VALIDITY_AND_SET_IP", HAS_DEOPT)
def _check_validity_and_set_ip(f, inst, st):
    # frame.lasti is written only when tier 1 can see it (exits and errors), so this
    # is just the validity check here.
    if not st.executor.valid:
        return inst.jump_target


@uop("_TIER2_RESUME_CHECK", HAS_DEOPT)
def _tier2_resume_check(f, inst, st):
    if not st.executor.valid or st.tracing():
        return inst.jump_target
    if f.info.warmup:       # a RESUME tier 1 does not see counts towards quickening
        _warmup_tick(f.info)


@uop("_CHECK_PERIODIC", HAS_ERROR | ERROR_NO_POP)
def _check_periodic(f, inst, st):
    # Signals: the host interpreter runs Python-level signal handlers between its own
    # bytecodes, so a KeyboardInterrupt surfaces here or in a neighbouring uop; what the
    # periodic check adds is the hook tier 1 may provide for its own pending work.
    hook = st.periodic_hook
    if hook is not None:
        hook()
    if inst.oparg and f.info.warmup:    # a JUMP_BACKWARD (oparg 1) counts towards quickening
        _warmup_tick(f.info)


@uop("_JUMP_TO_TOP")
def _jump_to_top(f, inst, st):
    return inst.jump_target


@uop("_EXIT_TRACE")
def _exit_trace(f, inst, st):
    return EXIT


@uop("_DEOPT")
def _deopt(f, inst, st):
    return EXIT


@uop("_DYNAMIC_EXIT")
def _dynamic_exit(f, inst, st):
    return EXIT


@uop("_ERROR_POP_N")
def _error_pop_n(f, inst, st):
    return EXIT


# ---------------------------------------------------------------- locals, constants, stack


def _unbound_local(code, index):
    name = code._varname_from_oparg(index)
    return UnboundLocalError(
        "cannot access local variable '%s' where it is not associated with a value" % name)


@uop("_LOAD_FAST", HAS_ERROR | ERROR_NO_POP)
def _load_fast(f, inst, st):
    value = f.localsplus[inst.oparg]
    if value is NULL:
        raise _unbound_local(f.code, inst.oparg)
    f.stack.append(value)


@uop("_LOAD_FAST_CHECK", HAS_DEOPT)
def _load_fast_check(f, inst, st):
    # An unbound local: tier 1 raises UnboundLocalError (exact message and traceback).
    value = f.localsplus[inst.oparg]
    if value is NULL:
        return inst.jump_target
    f.stack.append(value)


@uop("_STORE_FAST", pops=1)
def _store_fast(f, inst, st):
    f.localsplus[inst.oparg] = f.stack.pop()


@uop("_DELETE_FAST", HAS_ERROR | ERROR_NO_POP)
def _delete_fast(f, inst, st):
    if f.localsplus[inst.oparg] is NULL:
        raise _unbound_local(f.code, inst.oparg)
    f.localsplus[inst.oparg] = NULL


@uop("_LOAD_CONST")
def _load_const(f, inst, st):
    f.stack.append(f.code.co_consts[inst.oparg])


@uop("_LOAD_CONST_INLINE")
def _load_const_inline(f, inst, st):
    f.stack.append(inst.operand)


@uop("_POP_TOP", pops=1)
def _pop_top(f, inst, st):
    f.stack.pop()


@uop("_PUSH_NULL")
def _push_null(f, inst, st):
    f.stack.append(NULL)


@uop("_COPY")
def _copy(f, inst, st):
    f.stack.append(f.stack[-inst.oparg])


@uop("_SWAP")
def _swap(f, inst, st):
    s = f.stack
    n = inst.oparg
    s[-1], s[-n] = s[-n], s[-1]


@uop("_LOAD_ASSERTION_ERROR")
def _load_assertion_error(f, inst, st):
    f.stack.append(AssertionError)


# ---------------------------------------------------------------- cells


def _unbound_deref(code, index):
    name = code._varname_from_oparg(index)
    if name in code.co_cellvars:
        return _unbound_local(code, index)
    return NameError("cannot access free variable '%s' where it is not associated with a "
                     "value in enclosing scope" % name, name=name)


@uop("_LOAD_CLOSURE")
def _load_closure(f, inst, st):
    f.stack.append(f.localsplus[inst.oparg])


@uop("_LOAD_DEREF", HAS_ERROR | ERROR_NO_POP)
def _load_deref(f, inst, st):
    try:
        value = f.localsplus[inst.oparg].cell_contents
    except ValueError:
        value = NULL
    if value is NULL:
        raise _unbound_deref(f.code, inst.oparg)
    f.stack.append(value)


@uop("_STORE_DEREF", pops=1)
def _store_deref(f, inst, st):
    f.localsplus[inst.oparg].cell_contents = f.stack.pop()


@uop("_DELETE_DEREF", HAS_ERROR | ERROR_NO_POP)
def _delete_deref(f, inst, st):
    cell = f.localsplus[inst.oparg]
    try:
        cell.cell_contents
    except ValueError:
        cell = None
    if cell is None:
        raise _unbound_deref(f.code, inst.oparg)
    del cell.cell_contents


# ---------------------------------------------------------------- names and globals

_MISSING = object()


def _name_error(name):
    return NameError("name '%.200s' is not defined" % name, name=name)


def _lookup_global(f, name):
    g, b = f.globals, f.builtins
    if type(g) is dict and type(b) is dict:
        value = g.get(name, _MISSING)
        if value is _MISSING:
            value = b.get(name, _MISSING)
        return value
    value = _getitem_or_missing(g, name)
    if value is _MISSING:
        value = _getitem_or_missing(b, name)
    return value


def _getitem_or_missing(mapping, key):
    if type(mapping) is dict:
        return mapping.get(key, _MISSING)
    try:
        return mapping[key]
    except KeyError:
        pass
    return _MISSING


@uop("_LOAD_GLOBAL", HAS_ERROR | ERROR_NO_POP)
def _load_global(f, inst, st):
    name = f.code.co_names[inst.oparg >> 1]
    value = _lookup_global(f, name)
    if value is _MISSING:
        raise _name_error(name)
    if inst.oparg & 1:
        f.stack.append(NULL)
    f.stack.append(value)


@uop("_LOAD_NAME", HAS_ERROR | ERROR_NO_POP)
def _load_name(f, inst, st):
    name = f.code.co_names[inst.oparg]
    if f.locals is None:
        raise SystemError("no locals when loading %r" % (name,))
    value = _getitem_or_missing(f.locals, name)
    if value is _MISSING:
        value = _lookup_global(f, name)
        if value is _MISSING:
            raise _name_error(name)
    f.stack.append(value)


@uop("_STORE_NAME", HAS_ERROR, pops=1)
def _store_name(f, inst, st):
    name = f.code.co_names[inst.oparg]
    if f.locals is None:
        raise SystemError("no locals found when storing %r" % (name,))
    f.locals[name] = f.stack[-1]
    f.stack.pop()


@uop("_DELETE_NAME", HAS_ERROR | ERROR_NO_POP)
def _delete_name(f, inst, st):
    name = f.code.co_names[inst.oparg]
    if f.locals is None:
        raise SystemError("no locals when deleting %r" % (name,))
    missing = False
    try:
        del f.locals[name]
    except KeyError:
        missing = True
    if missing:
        raise _name_error(name)


@uop("_STORE_GLOBAL", HAS_ERROR, pops=1)
def _store_global(f, inst, st):
    f.globals[f.code.co_names[inst.oparg]] = f.stack[-1]
    f.stack.pop()


@uop("_DELETE_GLOBAL", HAS_ERROR | ERROR_NO_POP)
def _delete_global(f, inst, st):
    name = f.code.co_names[inst.oparg]
    missing = False
    try:
        del f.globals[name]
    except KeyError:
        missing = True
    if missing:
        raise _name_error(name)


# ---------------------------------------------------------------- attributes


@uop("_LOAD_ATTR", HAS_ERROR, pops=1)
def _load_attr(f, inst, st):
    s = f.stack
    s[-1] = getattr(*(s[-1], f.code.co_names[inst.oparg]))


@uop("_LOAD_METHOD", HAS_ERROR, pops=1)
def _load_method(f, inst, st):
    # 3.11 pushes (method, self) or (NULL, attribute); the bound form is equivalent
    # for PRECALL/CALL, and needs no descriptor lookup by hand.
    s = f.stack
    attr = getattr(*(s[-1], f.code.co_names[inst.oparg]))
    s[-1] = NULL
    s.append(attr)


@uop("_STORE_ATTR", HAS_ERROR, pops=2)
def _store_attr(f, inst, st):
    s = f.stack
    setattr(*(s[-1], f.code.co_names[inst.oparg], s[-2]))
    del s[-2:]


@uop("_DELETE_ATTR", HAS_ERROR, pops=1)
def _delete_attr(f, inst, st):
    delattr(f.stack[-1], f.code.co_names[inst.oparg])
    f.stack.pop()


# ---------------------------------------------------------------- operators

_BINARY_OPS = [operator.add, operator.and_, operator.floordiv, operator.lshift,
               operator.matmul, operator.mul, operator.mod, operator.or_, pow,
               operator.rshift, operator.sub, operator.truediv, operator.xor,
               operator.iadd, operator.iand, operator.ifloordiv, operator.ilshift,
               operator.imatmul, operator.imul, operator.imod, operator.ior, operator.ipow,
               operator.irshift, operator.isub, operator.itruediv, operator.ixor]
assert len(_BINARY_OPS) == len(_exp.BINARY_OP_NAMES)

_COMPARE_OPS = [operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge]


@uop("_BINARY_OP", HAS_ERROR, pops=2)
def _binary_op(f, inst, st):
    s = f.stack
    s[-2:] = [_BINARY_OPS[inst.oparg](*s[-2:])]       # (a checked call: see _PLAIN_TYPES)


@uop("_COMPARE_OP", HAS_ERROR, pops=2)
def _compare_op(f, inst, st):
    s = f.stack
    s[-2:] = [_COMPARE_OPS[inst.oparg](*s[-2:])]


@uop("_IS_OP", pops=2)
def _is_op(f, inst, st):
    s = f.stack
    s[-2:] = [(s[-2] is s[-1]) ^ bool(inst.oparg)]


@uop("_CONTAINS_OP", HAS_ERROR, pops=2)
def _contains_op(f, inst, st):
    s = f.stack
    s[-2:] = [(s[-2] in s[-1]) ^ bool(inst.oparg)]


@uop("_UNARY_POSITIVE", HAS_ERROR, pops=1)
def _unary_positive(f, inst, st):
    f.stack[-1] = +f.stack[-1]


@uop("_UNARY_NEGATIVE", HAS_ERROR, pops=1)
def _unary_negative(f, inst, st):
    f.stack[-1] = -f.stack[-1]


@uop("_UNARY_INVERT", HAS_ERROR, pops=1)
def _unary_invert(f, inst, st):
    f.stack[-1] = ~f.stack[-1]


@uop("_UNARY_NOT", HAS_ERROR, pops=1)
def _unary_not(f, inst, st):
    f.stack[-1] = not f.stack[-1]


# Specialized arithmetic: the guards exit, the operations cannot fail for the
# guarded types except where Python itself raises (overflow of float ops does not).

# As the stencils (core.c): an exact int that is *compact* in 3.11 (one 30-bit digit,
# |v| < 2**30); a big int fails the guard in both engines, so they take the same exits.
_COMPACT = 1 << 30


@uop("_GUARD_BOTH_INT", HAS_EXIT)
def _guard_both_int(f, inst, st):
    s = f.stack
    left, right = s[-2], s[-1]
    if type(left) is not int or type(right) is not int or \
            not -_COMPACT < left < _COMPACT or not -_COMPACT < right < _COMPACT:
        return inst.jump_target


@uop("_GUARD_BOTH_FLOAT", HAS_EXIT)
def _guard_both_float(f, inst, st):
    s = f.stack
    if type(s[-1]) is not float or type(s[-2]) is not float:
        return inst.jump_target


@uop("_GUARD_BOTH_UNICODE", HAS_EXIT)
def _guard_both_unicode(f, inst, st):
    s = f.stack
    if type(s[-1]) is not str or type(s[-2]) is not str:
        return inst.jump_target


@uop("_GUARD_TOS_INT", HAS_EXIT)
def _guard_tos_int(f, inst, st):
    value = f.stack[-1]
    if type(value) is not int or not -_COMPACT < value < _COMPACT:
        return inst.jump_target


@uop("_GUARD_NOS_LIST", HAS_EXIT)
def _guard_nos_list(f, inst, st):
    if type(f.stack[-2]) is not list:
        return inst.jump_target


@uop("_GUARD_NOS_TUPLE", HAS_EXIT)
def _guard_nos_tuple(f, inst, st):
    if type(f.stack[-2]) is not tuple:
        return inst.jump_target


@uop("_GUARD_NOS_DICT", HAS_EXIT)
def _guard_nos_dict(f, inst, st):
    if type(f.stack[-2]) is not dict:
        return inst.jump_target


def _int_binop(fn):
    def body(f, inst, st):
        s = f.stack
        s[-2:] = [fn(s[-2], s[-1])]
    return body


uop("_BINARY_OP_ADD_INT", pops=2)(_int_binop(operator.add))
uop("_BINARY_OP_SUBTRACT_INT", pops=2)(_int_binop(operator.sub))
uop("_BINARY_OP_MULTIPLY_INT", pops=2)(_int_binop(operator.mul))
uop("_BINARY_OP_ADD_FLOAT", pops=2)(_int_binop(operator.add))
uop("_BINARY_OP_SUBTRACT_FLOAT", pops=2)(_int_binop(operator.sub))
uop("_BINARY_OP_MULTIPLY_FLOAT", pops=2)(_int_binop(operator.mul))
uop("_BINARY_OP_ADD_UNICODE", HAS_ERROR, pops=2)(_int_binop(operator.add))


def _compare(f, inst, st):
    s = f.stack
    s[-2:] = [_COMPARE_OPS[inst.oparg](s[-2], s[-1])]


uop("_COMPARE_OP_INT", pops=2)(_compare)
uop("_COMPARE_OP_FLOAT", pops=2)(_compare)
uop("_COMPARE_OP_STR", pops=2)(_compare)


# ---------------------------------------------------------------- branches

def _truth(value, st):
    if value is True:
        return True
    if value is False:
        return False
    cell = st.rcell
    if cell is None or type(value) in _PLAIN_TYPES:
        return bool(value)      # may raise: the guard's error path pops the value
    # __bool__/__len__ may be guest code: it runs one host frame below the uop body, at
    # CPython's count (as tier 1's giving-back handlers)
    return bool(value)


# Builtin types whose truth value never runs Python code.
_PLAIN_TYPES = frozenset((int, float, complex, bool, str, bytes, type(None)))


@uop("_GUARD_IS_TRUE_POP", HAS_EXIT | HAS_ERROR, pops=1)
def _guard_is_true_pop(f, inst, st):
    flag = _truth(f.stack[-1], st)
    f.stack.pop()
    if not flag:
        return inst.jump_target


@uop("_GUARD_IS_FALSE_POP", HAS_EXIT | HAS_ERROR, pops=1)
def _guard_is_false_pop(f, inst, st):
    flag = _truth(f.stack[-1], st)
    f.stack.pop()
    if flag:
        return inst.jump_target


@uop("_GUARD_IS_NONE_POP", HAS_EXIT, pops=1)
def _guard_is_none_pop(f, inst, st):
    if f.stack.pop() is not None:
        return inst.jump_target


@uop("_GUARD_IS_NOT_NONE_POP", HAS_EXIT, pops=1)
def _guard_is_not_none_pop(f, inst, st):
    if f.stack.pop() is None:
        return inst.jump_target


@uop("_TO_BOOL", HAS_ERROR, pops=1)
def _to_bool(f, inst, st):
    s = f.stack
    value = s[-1]
    if value is not True and value is not False:
        s[-1] = _truth(value, st)


@uop("_TO_BOOL_BOOL", HAS_EXIT)
def _to_bool_bool(f, inst, st):
    if type(f.stack[-1]) is not bool:
        return inst.jump_target


# JUMP_IF_{TRUE,FALSE}_OR_POP: a guard that leaves the value (its exit re-runs the
# instruction in tier 1), then the projection adds _POP_TOP on the fall-through path.
@uop("_GUARD_IS_TRUE", HAS_DEOPT | HAS_ERROR | ERROR_NO_POP)
def _guard_is_true(f, inst, st):
    if not _truth(f.stack[-1], st):
        return inst.jump_target


@uop("_GUARD_IS_FALSE", HAS_DEOPT | HAS_ERROR | ERROR_NO_POP)
def _guard_is_false(f, inst, st):
    if _truth(f.stack[-1], st):
        return inst.jump_target


# ---------------------------------------------------------------- iteration


@uop("_GET_ITER", HAS_ERROR, pops=1)
def _get_iter(f, inst, st):
    f.stack[-1] = iter(*f.stack[-1:])


_EXHAUSTED = object()


@uop("_FOR_ITER_TIER_TWO", HAS_EXIT | HAS_ERROR | ERROR_NO_POP)
def _for_iter_tier_two(f, inst, st):
    s = f.stack
    value = next(*(s[-1], _EXHAUSTED))
    if value is _EXHAUSTED:
        # 3.11's FOR_ITER pops the iterator when it is exhausted and jumps past the
        # loop; the exit target is that jump's target.
        s.pop()
        return inst.jump_target
    s.append(value)


_RANGE_ITERATOR = type(iter(range(0)))


@uop("_ITER_CHECK_RANGE", HAS_EXIT)
def _iter_check_range(f, inst, st):
    if type(f.stack[-1]) is not _RANGE_ITERATOR:
        return inst.jump_target


@uop("_GUARD_NOT_EXHAUSTED_RANGE", HAS_EXIT)
def _guard_not_exhausted_range(f, inst, st):
    # Exhausted: exit *at* the FOR_ITER with the iterator still there; tier 1 pops it.
    if not f.stack[-1].__length_hint__():
        return inst.jump_target


@uop("_ITER_NEXT_RANGE")
def _iter_next_range(f, inst, st):
    s = f.stack
    s.append(next(s[-1]))


@uop("_GET_LEN", HAS_ERROR)
def _get_len(f, inst, st):
    f.stack.append(len(f.stack[-1]))


# ---------------------------------------------------------------- containers


@uop("_BINARY_SUBSCR", HAS_ERROR, pops=2)
def _binary_subscr(f, inst, st):
    s = f.stack
    s[-2:] = [s[-2][s[-1]]]


@uop("_BINARY_SUBSCR_LIST_INT", HAS_ERROR, pops=2)
def _binary_subscr_list_int(f, inst, st):
    s = f.stack
    s[-2:] = [s[-2][s[-1]]]


uop("_BINARY_SUBSCR_TUPLE_INT", HAS_ERROR, pops=2)(_binary_subscr_list_int)
uop("_BINARY_SUBSCR_DICT", HAS_ERROR, pops=2)(_binary_subscr_list_int)


@uop("_STORE_SUBSCR", HAS_ERROR, pops=3)
def _store_subscr(f, inst, st):
    s = f.stack
    s[-2][s[-1]] = s[-3]
    del s[-3:]


uop("_STORE_SUBSCR_LIST_INT", HAS_ERROR, pops=3)(_store_subscr)
uop("_STORE_SUBSCR_DICT", HAS_ERROR, pops=3)(_store_subscr)


@uop("_DELETE_SUBSCR", HAS_ERROR, pops=2)
def _delete_subscr(f, inst, st):
    s = f.stack
    del s[-2][s[-1]]
    del s[-2:]


@uop("_BUILD_TUPLE", pops=lambda n: n)
def _build_tuple(f, inst, st):
    s = f.stack
    n = inst.oparg
    if n:
        s[-n:] = [tuple(s[-n:])]
    else:
        s.append(())


@uop("_BUILD_LIST", pops=lambda n: n)
def _build_list(f, inst, st):
    s = f.stack
    n = inst.oparg
    if n:
        s[-n:] = [s[-n:]]
    else:
        s.append([])


@uop("_LIST_TO_TUPLE", pops=1)
def _list_to_tuple(f, inst, st):
    f.stack[-1] = tuple(f.stack[-1])


@uop("_BUILD_SET", HAS_ERROR, pops=lambda n: n)
def _build_set(f, inst, st):
    s = f.stack
    n = inst.oparg
    result = set()
    for item in (s[-n:] if n else ()):
        result.add(item)
    if n:
        s[-n:] = [result]
    else:
        s.append(result)


@uop("_BUILD_MAP", HAS_ERROR, pops=lambda n: 2 * n)
def _build_map(f, inst, st):
    s = f.stack
    n = 2 * inst.oparg
    items = s[-n:] if n else []
    result = {}
    for i in range(0, n, 2):
        result[items[i]] = items[i + 1]
    if n:
        s[-n:] = [result]
    else:
        s.append(result)


@uop("_BUILD_CONST_KEY_MAP", HAS_ERROR, pops=lambda n: n + 1)
def _build_const_key_map(f, inst, st):
    s = f.stack
    n = inst.oparg
    keys = s[-1]
    values = s[-1 - n:-1]
    result = {}
    for key, value in zip(keys, values):
        result[key] = value
    s[-1 - n:] = [result]


@uop("_BUILD_STRING", pops=lambda n: n)
def _build_string(f, inst, st):
    s = f.stack
    n = inst.oparg
    if n:
        s[-n:] = ["".join(s[-n:])]
    else:
        s.append("")


@uop("_BUILD_SLICE", pops=lambda n: n)
def _build_slice(f, inst, st):
    s = f.stack
    n = inst.oparg
    s[-n:] = [slice(*s[-n:])]


@uop("_LIST_APPEND", pops=1)
def _list_append(f, inst, st):
    s = f.stack
    s[-1 - inst.oparg].append(s[-1])
    s.pop()


@uop("_SET_ADD", HAS_ERROR, pops=1)
def _set_add(f, inst, st):
    s = f.stack
    s[-1 - inst.oparg].add(s[-1])
    s.pop()


@uop("_MAP_ADD", HAS_ERROR, pops=2)
def _map_add(f, inst, st):
    s = f.stack
    s[-2 - inst.oparg][s[-2]] = s[-1]
    del s[-2:]


_UNPACKERS = {}


def _unpacker_source(statement):
    """A function whose body is the real UNPACK_SEQUENCE/UNPACK_EX (exact messages)."""
    fn = _UNPACKERS.get(statement)
    if fn is None:
        namespace = {}
        # The file name lies in cpjit's directory so that the traceback strip drops it.
        exec(compile("def unpack(seq):\n    %s\n    return _r\n" % statement,
                     os.path.join(_CPJIT_DIR, "<unpack>"), "exec"), namespace)
        fn = _UNPACKERS[statement] = namespace["unpack"]
    return fn


@uop("_UNPACK_SEQUENCE", HAS_ERROR, pops=1)
def _unpack_sequence(f, inst, st):
    s = f.stack
    n = inst.oparg
    seq = s[-1]
    if type(seq) in (tuple, list) and len(seq) == n:
        items = seq
    else:
        # The unpacker runs one host frame below this body, as tier 1's slow path does
        # (an __iter__ it calls sees CPython's recursion count), so it is looked up
        # here rather than in a helper (two frames down).
        unpacker = _UNPACKERS.get(_unpack_statement(n))
        if unpacker is None:
            unpacker = _unpacker_source(_unpack_statement(n))
        items = unpacker(seq)
    s[-1:] = items[::-1]


def _unpack_statement(n):
    """The unpacker's statement for ``n`` targets."""
    if n == 0:
        return "[] = seq; _r = ()"
    names = ", ".join("a%d" % i for i in range(n))
    return "%s, = seq; _r = (%s,)" % (names, names)


@uop("_UNPACK_EX", HAS_ERROR, pops=1)
def _unpack_ex(f, inst, st):
    before, after = inst.oparg & 0xFF, inst.oparg >> 8
    names = ["a%d" % i for i in range(before)] + ["*m"] + ["b%d" % i for i in range(after)]
    result = ["a%d" % i for i in range(before)] + ["m"] + ["b%d" % i for i in range(after)]
    items = _unpacker_source("%s, = seq; _r = (%s,)" % (", ".join(names), ", ".join(result)))(
        f.stack[-1])
    f.stack[-1:] = items[::-1]


@uop("_GUARD_TOS_TUPLE_LEN", HAS_EXIT)
def _guard_tos_tuple_len(f, inst, st):
    seq = f.stack[-1]
    if type(seq) is not tuple or len(seq) != inst.oparg:
        return inst.jump_target


@uop("_GUARD_TOS_LIST_LEN", HAS_EXIT)
def _guard_tos_list_len(f, inst, st):
    seq = f.stack[-1]
    if type(seq) is not list or len(seq) != inst.oparg:
        return inst.jump_target


@uop("_UNPACK_SEQUENCE_TWO_TUPLE", pops=1)
def _unpack_sequence_two_tuple(f, inst, st):
    s = f.stack
    seq = s[-1]
    s[-1:] = seq[::-1]


uop("_UNPACK_SEQUENCE_TUPLE", pops=1)(_unpack_sequence_two_tuple)
uop("_UNPACK_SEQUENCE_LIST", pops=1)(_unpack_sequence_two_tuple)


# ---------------------------------------------------------------- strings

_CONVERSIONS = {1: str, 2: repr, 3: ascii}


@uop("_FORMAT_VALUE", HAS_ERROR, pops=lambda oparg: 2 if oparg & 4 else 1)
def _format_value(f, inst, st):
    s = f.stack
    oparg = inst.oparg
    if oparg & 4:
        spec, value = s[-1], s[-2]
    else:
        spec, value = "", s[-1]
    conversion = _CONVERSIONS.get(oparg & 3)
    if conversion is not None:
        value = conversion(*(value,))
    if not (type(value) is str and spec == ""):
        value = format(*(value, spec))
    if oparg & 4:
        s[-2:] = [value]
    else:
        s[-1] = value


# ---------------------------------------------------------------- functions and calls


@uop("_MAKE_FUNCTION", HAS_ERROR,
     pops=lambda oparg: 1 + bin(oparg & 0xF).count("1"))
def _make_function(f, inst, st):
    s = f.stack
    oparg = inst.oparg
    code = s[-1]
    i = -2
    closure = annotations = kwdefaults = defaults = None
    if oparg & 8:
        closure = s[i]
        i -= 1
    if oparg & 4:
        annotations = s[i]
        i -= 1
    if oparg & 2:
        kwdefaults = s[i]
        i -= 1
    if oparg & 1:
        defaults = s[i]
        i -= 1
    func = types.FunctionType(code, f.globals, None, defaults, closure)
    if kwdefaults is not None:
        func.__kwdefaults__ = kwdefaults
    if annotations is not None:
        if isinstance(annotations, tuple):
            annotations = dict(zip(annotations[::2], annotations[1::2]))
        func.__annotations__ = annotations
    s[i + 1:] = [func]


@uop("_KW_NAMES")
def _kw_names(f, inst, st):
    st.kwnames = f.code.co_consts[inst.oparg]


@uop("_PRECALL")
def _precall(f, inst, st):
    # 3.11 PRECALL: a bound method with NULL below it becomes (function, self).
    s = f.stack
    n = inst.oparg
    if s[-n - 2] is NULL:
        bound = s[-n - 1]
        if type(bound) is types.MethodType:
            s[-n - 2] = bound.__func__
            s[-n - 1] = bound.__self__


@uop("_CALL", HAS_DEOPT | HAS_ERROR, pops=lambda n: n + 2)
def _call(f, inst, st):
    s = f.stack
    n = inst.oparg
    if s[-n - 2] is NULL:
        func = s[-n - 1]
        args = s[-n:] if n else []
    else:
        func = s[-n - 2]
        args = s[-n - 1:]
    if (type(func) is types.FunctionType and _is_own_function(func)) or \
            _needs_tier1_call(func, n):
        # As the _CALL stencil: a Python function is called natively (CPython runs it,
        # as tier 1 runs the functions its policy leaves native), but cpjit's own (the
        # frame hooks installed as sys._getframe & co.) and the callables that read
        # their caller's frame (locals(), super(), ...) are tier 1's.
        return inst.jump_target
    kwnames = st.kwnames
    cell = st.rcell
    if cell is None:
        slack = 0
    else:
        # As tier 1's CALL: the emulated 3.11 PRECALL of this site decides whether the
        # native callee sees one level less than this body has (the generic path's
        # recursion check, ceval._SLACK) or the body's count (a check-free specialized
        # form). Uop bodies run with a tier-1 handler's count.
        # (the emulation is the engine's work: room for it at the recursion limit)
        self_or_null = NULL if s[-n - 2] is NULL else s[-n - 1]
        cell.value += RECURSION_HEADROOM
        try:
            slack = _native_call_slack(f, inst.error_ip, func, self_or_null, args, kwnames)
        finally:
            cell.value -= RECURSION_HEADROOM
        cell.value -= slack
    try:
        if kwnames:
            st.kwnames = None
            k = len(kwnames)
            result = func(*args[:-k], **dict(zip(kwnames, args[-k:])))
        else:
            result = func(*args)
    finally:
        if slack:
            cell.value += slack
    s[-n - 2:] = [result]


def _is_own_function(func):
    """``cpjit_is_own_function`` (tier2_support.h): defined in a cpjit module."""
    module = func.__module__
    return type(module) is str and (module == "cpjit" or module.startswith("cpjit."))


def _native_call_slack(f, call_offset, func, self_or_null, args, kwnames):
    """``ceval.native_call_slack`` (imported on first use: tier 1 imports this module)."""
    # The fast path of tier 1's CALL (ceval.op_CALL): the site's specialized form holds
    # for this callable, so the emulation would return the same slack and change nothing.
    pc = f.info.precall_sites.get(call_offset)
    if pc is not None:
        ct = type(func)
        if (ct is pc.hit_type and (pc.hit_self is None or (
                type(func.__self__) is pc.hit_self
                and (pc.hit_name is None or func.__name__ == pc.hit_name)))) \
                or func is pc.hit:
            return pc.slack
    if not _CEVAL:
        _load_ceval()
    return _CEVAL[0](f, call_offset, func, self_or_null, args, kwnames)


def _warmup_tick(info):
    """``ceval.warmup_tick``: a RESUME or JUMP_BACKWARD run in a trace (``_PyCode_Warmup``)."""
    if not _CEVAL:
        _load_ceval()
    _CEVAL[1](info)


# [native_call_slack, warmup_tick, operation_can_call_python] from tier 1
_CEVAL = []


def _load_ceval():
    from cpjit.interpreter.ceval import native_call_slack, warmup_tick, \
        operation_can_call_python
    _CEVAL[:] = [native_call_slack, warmup_tick, operation_can_call_python]


_INTERCEPTS = []


def _needs_tier1_call(func, nargs):
    """Tier 1 answers these for its own frames (``cpjit.interpreter.introspect``)."""
    if func is super or (func is type and nargs == 3):
        return True
    if nargs and (func is vars or func is dir):
        return False         # vars(x), dir(x): tier 1 calls them as they are
    if not _INTERCEPTS:
        try:
            from cpjit.interpreter.introspect import INTERCEPTS
        except ImportError:
            INTERCEPTS = {}
        _INTERCEPTS.append(INTERCEPTS)
    hit = _INTERCEPTS[0].get(id(func))
    return hit is not None and hit[0] is func


@uop("_GUARD_CALLABLE_LIST_APPEND", HAS_EXIT)
def _guard_callable_list_append(f, inst, st):
    s = f.stack
    bound = s[-2]
    if s[-3] is NULL:
        if not (type(bound) is types.BuiltinMethodType and bound.__name__ == "append"
                and type(bound.__self__) is list):
            return inst.jump_target
    elif not (s[-3] is _LIST_APPEND_DESCR and type(bound) is list):
        return inst.jump_target


_LIST_APPEND_DESCR = list.append


@uop("_CALL_LIST_APPEND", pops=3)
def _call_list_append(f, inst, st):
    s = f.stack
    if s[-3] is NULL:
        s[-2].__self__.append(s[-1])
    else:
        s[-2].append(s[-1])
    s[-3:] = [None]


@uop("_GUARD_CALLABLE_LEN", HAS_EXIT)
def _guard_callable_len(f, inst, st):
    s = f.stack
    if s[-3] is not NULL or s[-2] is not len:
        return inst.jump_target


# len() and isinstance() can call Python code (__len__, __instancecheck__): as _CALL, the
# callee gets the count of the site's emulated 3.11 PRECALL form, and the call is the
# generic one (``func(*args)``: always checked, unlike a call the host may specialize).

@uop("_CALL_LEN", HAS_ERROR, pops=3)
def _call_len(f, inst, st):
    s = f.stack
    cell = st.rcell
    if cell is None:
        s[-3:] = [len(s[-1])]
        return
    args = s[-1:]
    cell.value += RECURSION_HEADROOM
    try:
        slack = _native_call_slack(f, inst.error_ip, len, NULL, args, None)
    finally:
        cell.value -= RECURSION_HEADROOM
    cell.value -= slack
    try:
        result = len(*args)
    finally:
        cell.value += slack
    s[-3:] = [result]


@uop("_GUARD_CALLABLE_ISINSTANCE", HAS_EXIT)
def _guard_callable_isinstance(f, inst, st):
    s = f.stack
    if s[-4] is not NULL or s[-3] is not isinstance:
        return inst.jump_target


@uop("_CALL_ISINSTANCE", HAS_ERROR, pops=4)
def _call_isinstance(f, inst, st):
    s = f.stack
    cell = st.rcell
    if cell is None:
        s[-4:] = [isinstance(s[-2], s[-1])]
        return
    args = s[-2:]
    cell.value += RECURSION_HEADROOM
    try:
        slack = _native_call_slack(f, inst.error_ip, isinstance, NULL, args, None)
    finally:
        cell.value -= RECURSION_HEADROOM
    cell.value -= slack
    try:
        result = isinstance(*args)
    finally:
        cell.value += slack
    s[-4:] = [result]


# Inlined Python calls.  The operand of _CHECK_FUNCTION_EXACT_ARGS is the function the
# trace was projected through; the guard holds for exactly that function with the same
# code object (a reassigned __code__ fails it, besides invalidating the executor).

@uop("_CHECK_FUNCTION_EXACT_ARGS", HAS_EXIT)
def _check_function_exact_args(f, inst, st):
    s = f.stack
    n = inst.oparg
    func, code = inst.operand
    if s[-n - 2] is NULL:
        callee = s[-n - 1]
        argc = n
    else:
        callee = s[-n - 2]
        argc = n + 1
    if callee is not func or func.__code__ is not code or code.co_argcount != argc \
            or st.kwnames:
        return inst.jump_target


# CALL_PY_WITH_DEFAULTS (3.11): the profiled function, with the same code object, called
# with between co_argcount - len(__defaults__) and co_argcount positional arguments and
# no keyword names (the defaults are read when the frame is made, as 3.11 does).
@uop("_CHECK_FUNCTION_DEFAULTS_ARGS", HAS_EXIT)
def _check_function_defaults_args(f, inst, st):
    s = f.stack
    n = inst.oparg
    func, code = inst.operand
    if s[-n - 2] is NULL:
        callee = s[-n - 1]
        argc = n
    else:
        callee = s[-n - 2]
        argc = n + 1
    if callee is not func or func.__code__ is not code or st.kwnames:
        return inst.jump_target
    defaults = func.__defaults__
    if argc > code.co_argcount or argc < code.co_argcount - (len(defaults) if defaults else 0):
        return inst.jump_target


# Any other call of the profiled function (keyword arguments, keyword-only parameters):
# the function and its code; _INIT_CALL_PY_GENERAL binds the arguments.
@uop("_CHECK_FUNCTION_GENERAL", HAS_EXIT)
def _check_function_general(f, inst, st):
    s = f.stack
    n = inst.oparg
    func, code = inst.operand
    callee = s[-n - 1] if s[-n - 2] is NULL else s[-n - 2]
    if callee is not func or func.__code__ is not code:
        return inst.jump_target


# The guard of a frame push whose callee is not known when the trace is made (a
# polymorphic call site, a callee the profile no longer holds): any Python function
# that tier 1 could run in a frame of its own with exactly these positional arguments
# (CPython's _CHECK_FUNCTION_EXACT_ARGS without the _CHECK_FUNCTION_VERSION before it).
# With a code object as operand, only a function with that code (the trace inlined it:
# CPython's _CHECK_FUNCTION_VERSION for a function the profile no longer holds).
# Generators and coroutines run natively in cpjit, so they fail it; so do functions
# with *args, **kwargs or keyword-only parameters, and calls with keyword names.
# CO_VARARGS | CO_VARKEYWORDS | CO_GENERATOR | CO_COROUTINE | CO_ITERABLE_COROUTINE |
# CO_ASYNC_GENERATOR
_CO_NOT_EXACT = 0x04 | 0x08 | 0x20 | 0x80 | 0x100 | 0x200


@uop("_CHECK_PY_FUNCTION_EXACT_ARGS", HAS_EXIT)
def _check_py_function_exact_args(f, inst, st):
    s = f.stack
    n = inst.oparg
    if s[-n - 2] is NULL:
        callee = s[-n - 1]
        argc = n
    else:
        callee = s[-n - 2]
        argc = n + 1
    if type(callee) is not types.FunctionType or st.kwnames:
        return inst.jump_target
    code = callee.__code__
    if code.co_argcount != argc or code.co_kwonlyargcount or code.co_flags & _CO_NOT_EXACT:
        return inst.jump_target
    if inst.operand and code is not inst.operand:
        # The trace inlined this code (the profile kept it, not the function).
        return inst.jump_target


@uop("_CHECK_STACK_SPACE", HAS_DEOPT)
def _check_stack_space(f, inst, st):
    # Tier 1 counts recursion in tstate->recursion_remaining; near the limit the call
    # is left to tier 1, which raises RecursionError exactly as CPython would.
    cell = st.rcell
    # (Uop bodies run with the count of a tier-1 handler in the innermost frame:
    # RECURSION_HEADROOM and the pushed frames are taken back while the uops run, see
    # InterpEngine._execute.)
    if cell is not None and cell.value <= 60:
        return inst.jump_target


# Extra recursion budget of the engine's own code while it runs an executor (see
# InterpEngine.execute).
RECURSION_HEADROOM = 50


@uop("_INIT_CALL_PY_EXACT_ARGS", pops=lambda n: n + 2)
def _init_call_py_exact_args(f, inst, st):
    s = f.stack
    n = inst.oparg
    if s[-n - 2] is NULL:
        func = s[-n - 1]
        args = s[-n:] if n else []
    else:
        func = s[-n - 2]
        args = s[-n - 1:]
    del s[-n - 2:]
    missing = func.__code__.co_argcount - len(args)
    if missing > 0:
        # CALL_PY_WITH_DEFAULTS: the last `missing` defaults fill the parameters left.
        defaults = func.__defaults__
        args = list(args) + list(defaults[len(defaults) - missing:])
    st.pending_frame = st.new_frame(func, args, f)


@uop("_INIT_CALL_PY_GENERAL", HAS_DEOPT, pops=lambda n: n + 2)
def _init_call_py_general(f, inst, st):
    # 3.11's initialize_locals for a function without *args or **kwargs; where binding
    # would fail, tier 1 makes the call (and raises CPython's TypeError).
    s = f.stack
    n = inst.oparg
    if s[-n - 2] is NULL:
        func = s[-n - 1]
        args = s[-n:] if n else []
    else:
        func = s[-n - 2]
        args = s[-n - 1:]
    slots = _bind_arguments(func, args, st.kwnames or ())
    if slots is None:
        return inst.jump_target
    del s[-n - 2:]
    st.kwnames = None
    st.pending_frame = st.new_frame(func, slots, f)


def _bind_arguments(func, args, kwnames):
    """The parameters' values (positional, keyword, defaults, keyword-only defaults),
    or None where CPython would raise a TypeError."""
    code = func.__code__
    if code.co_flags & 0x0C:
        return None
    argcount = code.co_argcount
    total = argcount + code.co_kwonlyargcount
    npos = len(args) - len(kwnames)
    if npos > argcount:
        return None
    slots = [NULL] * total
    slots[:npos] = args[:npos]
    names = code.co_varnames
    for name, value in zip(kwnames, args[npos:]):
        for i in range(code.co_posonlyargcount, total):
            if names[i] == name:
                break
        else:
            return None
        if slots[i] is not NULL:
            return None
        slots[i] = value
    defaults = func.__defaults__ or ()
    first_default = argcount - len(defaults)
    for i in range(npos, argcount):
        if slots[i] is NULL:
            if i < first_default:
                return None
            slots[i] = defaults[i - first_default]
    kwdefaults = func.__kwdefaults__
    for i in range(argcount, total):
        if slots[i] is NULL:
            if kwdefaults is None or names[i] not in kwdefaults:
                return None
            slots[i] = kwdefaults[names[i]]
    return slots


@uop("_SAVE_RETURN_OFFSET")
def _save_return_offset(f, inst, st):
    # oparg: the code unit the caller resumes at; tier 1 keeps it in frame.ip.
    f.ip = inst.oparg
    f.lasti = inst.error_ip


@uop("_PUSH_FRAME")
def _push_frame(f, inst, st):
    callee = st.pending_frame
    st.pending_frame = None
    callee.back = f
    st.frame = callee
    st.depth += 1
    cell = st.rcell
    if cell is not None:
        cell.value -= 1     # the callee's level, as tier 1's call takes it (see _execute)
    return inst.index + 1


@uop("_RETURN_VALUE", pops=1)
def _return_value(f, inst, st):
    value = f.stack.pop()
    caller = f.back
    st.frame = caller
    st.depth -= 1
    cell = st.rcell
    if cell is not None:
        cell.value += 1
    f.back = None
    caller.stack.append(value)
    return inst.index + 1


@uop("_COPY_FREE_VARS")
def _copy_free_vars(f, inst, st):
    closure = f.func.__closure__
    n = inst.oparg
    base = len(f.localsplus) - n
    for i in range(n):
        f.localsplus[base + i] = closure[i]


@uop("_MAKE_CELL")
def _make_cell(f, inst, st):
    value = f.localsplus[inst.oparg]
    f.localsplus[inst.oparg] = types.CellType() if value is NULL else types.CellType(value)


@uop("_INTERNAL_INCREMENT_OPT_COUNTER", pops=1)
def _internal_increment_opt_counter(f, inst, st):
    f.stack.pop().count += 1


# ---------------------------------------------------------------- recursion budget

# Host frames from InterpEngine.execute (excluded) to a uop's body (included):
# _timed_execute, _execute, run, the body.
_FRAMES_EXECUTE_TO_UOP = 4

# Host frames from tier 1's handler (excluded) to InterpEngine.execute (included) when
# the frames cannot be walked: op_ENTER_EXECUTOR -> Executor.execute -> here.
_DEFAULT_FRAMES_ABOVE_HANDLER = 1


def _host_frames_above_handler():
    """Python frames between the tier-1 handler that entered the executor and the
    caller of this function (included): ENTER_EXECUTOR is reached from tier 1's loop
    directly, or through the back-edge handler that has just optimized."""
    if not _TIER1_LOOP:
        _find_tier1_loop()
    loop_code, getframe = _TIER1_LOOP
    if loop_code is None:
        return _DEFAULT_FRAMES_ABOVE_HANDLER
    fr = getframe(2)     # the caller's caller
    n = 1
    while fr is not None and n < 30:
        if fr.f_code is loop_code:
            return n - 1
        fr = fr.f_back
        n += 1
    return _DEFAULT_FRAMES_ABOVE_HANDLER


_TIER1_LOOP = []     # [tier 1's loop code object or None, the real sys._getframe]


def _find_tier1_loop():
    try:
        import cpjit.interpreter.ceval as ceval
        loop_code = ceval._run.__code__
    except (ImportError, AttributeError):
        loop_code = None
    try:    # the interpreter's own sys._getframe (tier 1 replaces the public one)
        from cpjit.interpreter.introspect import _real_getframe as getframe
    except ImportError:
        getframe = sys._getframe
    _TIER1_LOOP[:] = [loop_code, getframe]


def uop_flags(name):
    """``_PyUop_Flags[name]`` (0 for an unknown uop)."""
    d = UOP_DEFS.get(name)
    return d.flags if d is not None else 0


def is_terminator(name):
    """``is_terminator``: the uops after which a trace cannot continue."""
    return name in ("_EXIT_TRACE", "_JUMP_TO_TOP", "_DYNAMIC_EXIT", "_DEOPT")


# ---------------------------------------------------------------- the loop

def strip_internal_traceback(tb):
    """Drop the leading traceback entries of cpjit's own Python frames."""
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_CPJIT_DIR):
        tb = tb.tb_next
    return tb


class ErrorExit(Exception):
    """Internal: carries an error out of ``run`` together with the innermost frame."""


def run(state, frame, executor, lltrace=0):
    """Run ``executor`` on ``frame`` until it leaves; returns ``(frame, inst)`` of the exit.

    ``inst`` is the stub that ended the run (_EXIT_TRACE, _DEOPT, _DYNAMIC_EXIT or
    _ERROR_POP_N).  Counts the uops it runs in ``state.uops_executed``.
    """
    state.executor = executor
    state.frame = frame
    trace = executor.trace
    pc = 1
    f = frame
    executed = 0
    while True:
        inst = trace[pc]
        executed += 1
        if lltrace >= 3:
            print("    uop %s (%d, target=%d, operand=%r) stack=%s" % (
                inst.name, inst.oparg, inst.target, _short(inst.operand),
                _short(f.stack) if lltrace >= 4 else len(f.stack)), file=sys.stderr)
        try:
            r = inst.impl(f, inst, state)
        except BaseException as exc:   # noqa: B902 -- KeyboardInterrupt exits the same way
            stub = trace[inst.error_target]
            state.uops_executed += executed
            state.error_uop = inst.name
            if stub.name == "_ERROR_POP_N":
                n = stub.oparg
                if n:
                    del f.stack[-n:]
                f.lasti = stub.operand
            else:
                # A uop that cannot fail was interrupted (a signal's KeyboardInterrupt
                # lands between any two host bytecodes): report it at its instruction.
                f.lasti = inst.error_ip
                inst = stub
            state.kwnames = None
            cell = state.rcell     # room for the host's own work (the uops' budget is low)
            if cell is not None:
                cell.value += state.native_debt
            try:
                exc.__traceback__ = strip_internal_traceback(exc.__traceback__)
            finally:
                if cell is not None:
                    cell.value -= state.native_debt
            state.error = exc
            return f, inst
        if r is None:
            pc += 1
            continue
        if r == EXIT:
            state.uops_executed += executed
            return f, inst
        pc = r
        f = state.frame


def _short(value):
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "..."


class RunState:
    """What one entry into tier 2 needs besides the frame (the ``tstate`` of a run)."""

    __slots__ = ("executor", "frame", "kwnames", "error", "uops_executed", "depth",
                 "pending_frame", "new_frame", "periodic_hook", "tracing", "rcell",
                 "native_debt", "error_uop")

    def __init__(self, new_frame, periodic_hook=None, rcell=None):
        self.executor = None
        self.frame = None
        self.kwnames = None
        self.error = None
        self.uops_executed = 0
        self.depth = 0
        self.pending_frame = None
        self.new_frame = new_frame
        self.periodic_hook = periodic_hook
        self.tracing = _tracing
        self.rcell = rcell      # tier 1's alias of tstate->recursion_remaining
        self.native_debt = 0    # recursion room taken back while uops run (execute)
        self.error_uop = None   # the name of the uop whose error ended the last run


def _tracing():
    return sys.gettrace() is not None or sys.getprofile() is not None


_ = _builtins


# ---------------------------------------------------------------- the engine

def _bound_entry(engine, executor):
    """``executor.execute`` as one host frame from tier 1's ENTER_EXECUTOR to
    ``engine.execute`` (Executor.execute adds a second): at the guest's recursion limit a
    tier-1 handler has room for exactly one, and the engine adds room right away."""
    return functools.partial(engine.execute, executor)    # (C: no frame, no check)


class InterpEngine:
    """Runs executors in this reference interpreter (``--tier2=interp``).

    Besides the uop loop it does what CPython's tier-2 exit paths do: side exits warm
    up and, when hot, get a side trace that the exit is linked to (the run continues
    into it without returning to tier 1); errors become exceptions with ``lasti`` at
    the failing instruction; exits from inlined calls hand tier 1 the innermost frame.
    """

    name = "interp"

    def __init__(self, opt_state):
        self.opt_state = opt_state
        _find_tier1_loop()     # now, not at the first run (guest code may break imports)

    def compile(self, executor):
        """Nothing to compile: the trace is run as it is. The executor's ``execute`` is
        bound straight to this engine's (see ``_bound_entry``)."""
        executor.execute = _bound_entry(self, executor)
        return None

    def free(self, executor):
        executor.jit_code = None

    def execute(self, executor, frame):
        """ENTER_EXECUTOR for the reference interpreter (timed for the stats)."""
        # (an attribute read, not getattr(): a builtin call checks the recursion limit,
        # and tier 1's handler may run at the guest's limit, where JUMP_BACKWARD has none)
        try:
            cell = frame.rcell
        except AttributeError:
            cell = None
        if cell is None:
            return self._timed_execute(executor, frame)
        # This engine's own host frames and calls (the timer, exits, side-trace
        # projection) are not guest frames: near the guest's recursion limit they get
        # room, as machine code does (optimizer._JIT_RECURSION_HEADROOM). While uops
        # run, the room is taken back less the host frames between tier 1's handler and
        # a uop body: a body sees the count a tier-1 handler would (guest code run
        # natively meets CPython's limit; _CHECK_STACK_SPACE leaves calls near it to
        # tier 1, which raises RecursionError as CPython does).
        cell.value += RECURSION_HEADROOM
        try:
            debt = RECURSION_HEADROOM - _host_frames_above_handler() - _FRAMES_EXECUTE_TO_UOP
            return self._timed_execute(executor, frame, debt)
        finally:
            cell.value -= RECURSION_HEADROOM

    def _timed_execute(self, executor, frame, native_debt=0):
        """``_execute``, timed for the stats."""
        t0 = _perf_counter()
        try:
            return self._execute(executor, frame, native_debt)
        finally:
            self.opt_state.stats.add_time("time_tier2_interp_s", _perf_counter() - t0)

    def _execute(self, executor, frame, native_debt=0):
        import cpjit.optimizer as optimizer
        stats = self.opt_state.stats
        if _tracing():
            # sys.settrace / sys.setprofile: tier 2 steps aside (CPython: invalidate all).
            optimizer.invalidate_all()
            return frame, executor.start_offset
        if not executor.is_valid():
            return frame, executor.start_offset
        state = RunState(_new_callee_frame, rcell=getattr(frame, "rcell", None))
        state.native_debt = native_debt
        state.kwnames = getattr(frame, "kwnames", None)
        lltrace = optimizer._config().lltrace
        stats.executions += 1
        current = executor
        f = frame
        run_entry = frame     # as machine code's entry frame: pushed frames are above it
        cell = state.rcell
        while True:
            if cell is None:
                f, stub = run(state, f, current, lltrace)
            else:
                # While uops run, the count is the innermost frame's (frames pushed and
                # left by the trace take and give back a level, as tier 1's calls and
                # returns); tier 1 gets it back as the entry frame's and accounts for
                # the frames it adopts at the exit itself.
                cell.value -= native_debt + state.depth
                try:
                    f, stub = run(state, f, current, lltrace)
                finally:
                    cell.value += native_debt + state.depth
            name = stub.name
            if stats.per_uop:
                _count_exit_uop(stats, optimizer, current, stub, state)
            if name == "_EXIT_TRACE":
                exit = stub.operand
                stats.exit_taken("side")
                linked = exit.executor
                if linked is not None and linked.valid:
                    if f.info.warmup:
                        _tick_entered_back_edge(f, stub.target)
                    current = linked
                    continue
                if linked is not None:
                    exit.executor = None
                stitched = executor_at(f, stub.target)
                if stitched is not None:
                    # The exit lands on another executor's ENTER_EXECUTOR: link to it.
                    exit.executor = stitched
                    if f.info.warmup:
                        _tick_entered_back_edge(f, stub.target)
                    current = stitched
                    continue
                if _exit_is_hot(exit):
                    side = optimizer.side_exit_optimize(exit, f, _frames_above(f, run_entry))
                    if side is not None:
                        current = side
                        continue
                    _restart_backoff(exit)
                offset = stub.target
            elif name == "_DEOPT":
                stats.exit_taken("deopt")
                offset = stub.target
            elif name == "_DYNAMIC_EXIT":
                # Tier 1 goes on wherever the frame stands (after a _PUSH_FRAME: the
                # callee's first instruction), unless a trace is there for it.
                stats.exit_taken("dynamic")
                offset = f.lasti
                found = optimizer.dynamic_exit_executor(stub.operand, f)
                if found is not None:
                    run_entry = f     # machine code enters that trace from Python, in f
                    current = found
                    continue
            else:      # _ERROR_POP_N
                stats.exit_taken("error")
                stats.uops_interp += state.uops_executed
                exc = state.error
                state.error = None
                _sync_kwnames(f, state)
                if f is frame:
                    raise exc
                from cpjit.interpreter.frame import ExitWithError
                raise ExitWithError(f, exc)
            stats.uops_interp += state.uops_executed
            f.lasti = offset
            _sync_kwnames(f, state)
            if f is not frame:
                _adopt_direct_callee(f, frame)
            return f, offset


def _tick_entered_back_edge(f, offset):
    """An exit linked to the executor at ``offset`` skips tier 1's ENTER_EXECUTOR: the
    JUMP_BACKWARD that executor replaced counts towards quickening here instead."""
    ex = executor_at(f, offset)
    if ex is not None and _OPNAME[ex.original_opcode] == "JUMP_BACKWARD":
        _warmup_tick(f.info)




_EXIT_KIND_OF_STUB = {"_EXIT_TRACE": "side", "_DEOPT": "deopt", "_DYNAMIC_EXIT": "dynamic",
                      "_ERROR_POP_N": "error"}


def _count_exit_uop(stats, optimizer, executor, stub, state):
    """Stats: the exit by the uop that took it (an error's uop is known exactly)."""
    kind = _EXIT_KIND_OF_STUB.get(stub.name)
    if kind is None:
        if state.error is None:
            return
        kind = "error"       # a signal interrupted a uop that cannot fail
    if kind == "error" and state.error_uop is not None:
        name = state.error_uop
    else:
        name = optimizer.exit_uop_name(executor, kind, stub=stub.index)
    stats.exit_by_uop(kind, name)


def executor_at(f, offset):
    """The valid executor installed at byte ``offset`` of ``f``'s code, if any."""
    instructions = f.info.instructions
    index = offset // 2
    if 0 <= index < len(instructions):
        op, arg = instructions[index]
        if op == 255:              # ENTER_EXECUTOR
            ex = f.info.executors[arg]
            if ex.valid:
                return ex
    return None


def _adopt_direct_callee(f, entry):
    """An exit one inlined call deep: count the callee's frame as tier 1 counts a push.

    Tier 1 accounts for (and adopts) the frames of deeper exits itself, but takes a
    direct callee of the entry frame for one it pushed (``_call_tier1``).
    """
    cell = getattr(entry, "rcell", None)
    if f.back is entry and cell is not None and getattr(f, "rcell", cell) is None:
        f.rcell = cell
        cell.value -= 1


def _sync_kwnames(f, state):
    if hasattr(f, "kwnames"):
        f.kwnames = state.kwnames


def _exit_is_hot(exit):
    """``_EXIT_TRACE``'s temperature: a backoff counter that triggers at zero."""
    t = exit.temperature
    if t[0] > 0:
        t[0] -= 1
        return False
    return True


def _restart_backoff(exit):
    """``restart_backoff_counter``: wait twice as long before trying again."""
    t = exit.temperature
    t[1] = min(t[1] + 1, 12)
    t[0] = (1 << t[1]) - 1


def _new_callee_frame(func, args, caller):
    """A tier-1 frame for an inlined call (``_PyFrame_PushUnchecked`` + args copied)."""
    from cpjit.interpreter.frame import Frame
    from cpjit.interpreter.ceval import code_info
    code = func.__code__
    info = code_info(code)
    callee = Frame(code, func, func.__globals__, func.__builtins__, None, info)
    callee.localsplus[:len(args)] = args
    return callee


def _merge_dsl_metadata():
    """Take the flags of the C definitions too (``stencils/uops/*.c``, ``cpjit.uops.UOPS``).

    The JIT runs the same trace records, so a stub a C body may jump to (an exit or an
    error target) must exist even where the Python body cannot fail.
    """
    try:
        import cpjit.uops as _cpjit_uops
        UOPS = _cpjit_uops.UOPS
    except Exception:         # no DSL files (or a broken one): Python metadata alone
        return
    for name, info in UOPS.items():
        d = UOP_DEFS.get(name)
        if d is None:
            continue
        if info.has("HAS_EXIT"):
            d.flags |= HAS_EXIT
        if info.has("HAS_DEOPT"):
            d.flags |= HAS_DEOPT
        if info.has("HAS_ERROR") and not d.flags & HAS_ERROR:
            d.flags |= HAS_ERROR
            if info.has("ERROR_NO_POP"):
                d.flags |= ERROR_NO_POP
            else:
                d.pops = _consumed_by(info)


def _consumed_by(info):
    """The inputs an op really consumes: not those it leaves in place (``(it -- it, x)``)."""
    def pops(oparg):
        kept = 0
        for a, b in zip(info.inputs, info.outputs):
            if a.name != b.name or a.size != b.size:
                break
            kept += a.count(oparg)
        return info.num_popped(oparg) - kept
    return pops


_merge_dsl_metadata()



# ---------------------------------------------------------------- operations calling Python
#
# A uop body runs with a tier-1 handler's recursion count, one level above CPython's
# frame (ceval._SLACK). A dunder method, property or generator that an operation calls
# must see CPython's count: bodies that reach it through a builtin call make that call
# the generic way (``fn(*args)``: one recursion check, whatever the host's own quickening
# of the call site), which takes the level; the bodies below do the operation in host
# bytecode, so they run one host frame further down when an operand is not of a plain
# builtin type (as tier 1's giving-back handlers, ceval._giving_back_twin).

def _giving_back(impl, n_operands):
    """``impl`` at CPython's count when one of its ``n_operands`` inputs may call Python."""
    def body(f, inst, st):
        cell = st.rcell
        if cell is not None:
            for value in f.stack[-n_operands:]:
                if type(value) not in _PLAIN_TYPES:
                    return impl(f, inst, st)        # one host frame down
            cell.value += 1                         # (this frame's level, given back)
            try:
                return impl(f, inst, st)
            finally:
                cell.value -= 1
        return impl(f, inst, st)
    body.__name__ = body.__qualname__ = impl.__name__ + "_giving_back"
    return body


for _name, _n in (("_CONTAINS_OP", 2), ("_UNARY_POSITIVE", 1), ("_UNARY_NEGATIVE", 1),
                  ("_UNARY_INVERT", 1), ("_BINARY_SUBSCR", 2), ("_STORE_SUBSCR", 3),
                  ("_DELETE_SUBSCR", 2)):
    UOP_DEFS[_name].impl = _giving_back(UOP_DEFS[_name].impl, _n)
del _name, _n
