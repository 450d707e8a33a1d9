"""How a call in a trace counts against the recursion limit, decided at projection.

CPython 3.11 reaches a builtin either through the generic path (``PyObject_Vectorcall``:
the vectorcall wrapper, or ``_PyObject_MakeTpCall``, checks the recursion limit) or,
once its code is quickened and the PRECALL specialized, through a specialized form;
several of those call the C function directly, without the check
(``profile.CHECK_FREE``).  A Python callback the builtin makes (``sorted(key=f)``,
``len(obj)`` with a Python ``__len__``) therefore gets one recursion level more in the
specialized form.  Tier 1 emulates 3.11's PRECALL caches per site
(``profile.PrecallSite``) and calls accordingly; the reference uop interpreter runs that
emulation at every call.  Machine code cannot, so the projection reads the emulated
cache once and picks what the trace does at the site (``call_form``):

- ``"check_free"``: the site is specialized to a check-free form and its last call hit
  it: a guard that the callable is the one that form holds for (``_GUARD_CALLABLE_IS``
  or ``_GUARD_CALLABLE_METHOD``, a side exit otherwise, so that tier 1 counts the miss),
  then ``_CALL_CHECK_FREE`` (or the trace's own specialized uop, ``_CALL_LEN``...).
- ``"generic"``: the generic ``_CALL``, which checks as 3.11's generic path does: the
  site is specialized to a form that checks too, or calls Python code (a frame either
  way), or its adaptive counter is backing off after a failed specialization.
- ``"stop"``: the trace ends before the call, where the emulation is about to change
  the site (code not quickened yet, a specialization attempt due) or has never stepped it
  (code CPython ran natively so far: its cache names no callable): tier 1 runs the call;
  the exit, once warm, gets a side trace projected from the new state.

What machine code does not do: count the adaptive counter down while it backs off (a
site whose specialization failed keeps failing for the same callable; only a later
change of callable could then specialize at another moment than in CPython); count
misses of a specialized form whose callee is Python code (the call is the same); and,
at a site specialized to a check-free form that holds for many builtins
(``PRECALL_NO_KW_BUILTIN_FAST``...) whose last call missed, it calls generically, so a
callback of a builtin that does hit the form there gets one level less than in CPython.

The module also holds the reference bodies of the three uops for ``--tier2=interp``
(importing it registers them): the guards as in C, ``_CALL_CHECK_FREE`` the uop
interpreter's ``_CALL``, which runs the emulation per call.
"""

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import types

from cpjit.uop_interpreter import HAS_EXIT, UOP_DEFS, UopDef, NULL, uop

CHECK_FREE_CALL = "_CALL_CHECK_FREE"
GUARD_IS = "_GUARD_CALLABLE_IS"
GUARD_METHOD = "_GUARD_CALLABLE_METHOD"

# The trace's own specialized call uops are check-free; each stands for one form.
SPECIALIZED_FORMS = {"PRECALL_NO_KW_LEN": "PRECALL_NO_KW_LEN",
                     "PRECALL_NO_KW_ISINSTANCE": "PRECALL_NO_KW_ISINSTANCE",
                     "PRECALL_NO_KW_LIST_APPEND": "PRECALL_NO_KW_LIST_APPEND"}

_PYTHON_FORMS = frozenset({"PRECALL_PYFUNC", "PRECALL_BOUND_METHOD"})
_MethodDescriptorType = type(list.append)
_BuiltinFunctionType = types.BuiltinFunctionType


def code_is_quickened(code):
    """``co_warmup == 0`` for 3.11 running this program: tier 1's emulated count, or
    CPython's own where the code also ran natively (a loop-free callee tier 1 calls
    natively warms up there; tier 1's count then follows CPython's).  Code that machine
    code runs does not warm up (its RESUME and JUMP_BACKWARD are not counted), so traces
    only run quickened code (``translate_bytecode_to_trace``)."""
    from cpjit.interpreter import ceval, objlayout, profile
    info = profile.get_code_info(code)
    if info.warmup == 0:
        return True
    if objlayout.code_warmup(code) != 0:
        return False
    ceval._quicken(info)
    return True


def call_form(code, call_index, oparg):
    """``(kind, guard)`` for the CALL at code unit ``call_index`` of ``code``: kind is
    ``"check_free"``, ``"generic"`` or ``"stop"`` (module docstring); guard is
    ``(uop name, operand)`` for ``"check_free"``, else None."""
    from cpjit.interpreter import ceval, profile
    if not code_is_quickened(code):
        # 3.11 runs the plain PRECALL (the generic path) until the code is quickened,
        # which tier 1 may do while a trace runs (a trace itself does not warm code up,
        # translate_bytecode_to_trace): tier 1 makes the call.
        return "stop", None
    info = profile.get_code_info(code)
    site = ceval._precall_site(info, call_index, oparg)
    if site.form is profile._UNREAD:
        site.read()
    form = site.form
    if form is profile.UNQUICKENED:
        return "stop", None
    if form is None:
        # PRECALL_ADAPTIVE: counting down after a failed specialization (a generic call
        # each time), or about to try (the next call may specialize)
        return ("generic", None) if site.counter >= profile.ADAPTIVE_ONE else ("stop", None)
    if form in _PYTHON_FORMS or form not in profile.CHECK_FREE:
        return "generic", None
    guard = _guard_for(site, form)
    if guard is None:
        if not site.emulated:
            # read from CPython's own cache (the code ran natively): one call in tier 1
            # names the callable
            return "stop", None
        # A check-free form whose callable the trace cannot name (the last call missed
        # a form that holds for many builtins): the generic call, one level off where
        # 3.11 hits that form (see the module docstring).
        return "generic", None
    return "check_free", guard


# Forms that hold for one builtin only: the guard is that builtin, hit or miss.
_SINGLE_CALLABLE_FORMS = {"PRECALL_NO_KW_LEN": len, "PRECALL_NO_KW_ISINSTANCE": isinstance,
                          "PRECALL_NO_KW_STR_1": str}


def _guard_for(site, form):
    """The guard uop that holds when the site's form hits (tier 1's fast path hits
    again); None when the trace cannot name the callable."""
    from cpjit.interpreter import profile
    if form == "PRECALL_NO_KW_LIST_APPEND":
        return GUARD_METHOD, list.append
    if form in _SINGLE_CALLABLE_FORMS:
        return GUARD_IS, _SINGLE_CALLABLE_FORMS[form]
    if not site.last_hit:
        return None
    if site.hit is not profile._NEVER:
        return GUARD_IS, site.hit
    if type(site.last_descr) is _MethodDescriptorType:
        # a method-descriptor form: that descriptor, self of exactly its class
        return GUARD_METHOD, site.last_descr
    if site.hit_type is _BuiltinFunctionType and site.hit_self is not None:
        name = site.hit_name if site.hit_name is not None else site.method_name
        if name is None:
            return None
        descr = _lookup(site.hit_self, name)
        if type(descr) is _MethodDescriptorType:
            return GUARD_METHOD, descr
    return None


def _lookup(tp, name):
    for klass in tp.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            return found
    return None


# ---- reference bodies (--tier2=interp) ------------------------------------------------

@uop(GUARD_IS, HAS_EXIT)
def guard_callable_is(f, inst, st):
    s = f.stack
    n = inst.oparg
    if s[-n - 2] is not NULL or s[-n - 1] is not inst.operand:
        return inst.jump_target
    return None


@uop(GUARD_METHOD, HAS_EXIT)
def guard_callable_method(f, inst, st):
    s = f.stack
    n = inst.oparg
    descr = inst.operand
    first, second = s[-n - 2], s[-n - 1]
    if first is not NULL:
        if first is not descr or type(second) is not descr.__objclass__:
            return inst.jump_target
        return None
    if type(second) is not _BuiltinFunctionType:
        return inst.jump_target
    owner = second.__self__
    if owner is None or type(owner) is not descr.__objclass__ or \
            second.__name__ != descr.__name__:
        return inst.jump_target
    return None


# The uop interpreter's _CALL runs tier 1's PRECALL emulation at each call: with the
# guard above it finds the check-free hit and gives the level back itself.
_generic = UOP_DEFS["_CALL"]
UOP_DEFS[CHECK_FREE_CALL] = UopDef(CHECK_FREE_CALL, _generic.flags, _generic.pops,
                                   _generic.impl)
