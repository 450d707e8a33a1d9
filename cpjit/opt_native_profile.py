"""Profile entries read from CPython's own inline caches, for instructions tier 1 never
profiled (CPython counterpart: the specialized instruction and its cache that
``translate_bytecode_to_trace`` reads in the bytecode it projects).

Under the default tier-1 policy loop-free functions run natively, so the functions a
trace inlines (``Vec.dot``, ``Vec.__add__``, ...) have no tier-1 profile and their
attribute loads and arithmetic became generic uops (``_LOAD_ATTR``, ``_BINARY_OP``):
a C call each in machine code.  CPython has been running those functions and has
specialized them in place (``code._co_code_adaptive``): the specialized opcode names
the form, and for attribute access the cache holds the type version (and the slot
offset).  The entries made here have the shape tier 1's profile gives
(``cpjit/interpreter/profile.py``), and the projection checks them the same way
(``specialize_attrs.specialize_in_trace``: the type still has that version, a generic
``tp_getattro``, a plain object slot); the uops' guards check them at run time.
"""

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import dis as _dis
import types as _types
import weakref as _weakref

from cpjit.interpreter import objlayout
from cpjit.interpreter import profile as _profile

_ALL_OPNAME = _dis._all_opname

# Native forms whose opcode alone says everything the expansion needs.  Not the
# BINARY_OP_*_INT forms: 3.11 specializes them for ints of any size, where the uops'
# _GUARD_BOTH_INT wants compact ones (an LCG's 64-bit state failed it at every step:
# bm_scheduler, bm_constraint); COMPARE_OP_INT_JUMP deopts for big ints in 3.11 too.
_FORM_ONLY = frozenset([
    "BINARY_OP_ADD_FLOAT", "BINARY_OP_SUBTRACT_FLOAT", "BINARY_OP_MULTIPLY_FLOAT",
    "BINARY_OP_ADD_UNICODE", "COMPARE_OP_INT_JUMP", "COMPARE_OP_FLOAT_JUMP",
    "COMPARE_OP_STR_JUMP", "BINARY_SUBSCR_LIST_INT", "BINARY_SUBSCR_TUPLE_INT",
    "BINARY_SUBSCR_DICT", "STORE_SUBSCR_LIST_INT", "STORE_SUBSCR_DICT",
    "UNPACK_SEQUENCE_TWO_TUPLE", "UNPACK_SEQUENCE_TUPLE", "UNPACK_SEQUENCE_LIST",
    "LOAD_GLOBAL_MODULE", "LOAD_GLOBAL_BUILTIN",
])

# Attribute forms: _PyAttrCache (counter, version[2], index) follows the instruction.
_ATTRIBUTE_FORMS = frozenset([
    "LOAD_ATTR_SLOT", "STORE_ATTR_SLOT", "LOAD_ATTR_INSTANCE_VALUE",
    "STORE_ATTR_INSTANCE_VALUE",
])


def native_entry(code, func, offset, oparg):
    """A tier-1-shaped profile entry for the instruction at byte ``offset`` of ``code``
    (``oparg``: its argument, EXTENDED_ARG folded in)
    from CPython's inline cache, or None (not quickened by CPython, a form the
    projection would not specialize, or a type this cannot name).  ``func`` is the
    function whose code it is (its globals name the candidate classes), or None."""
    if objlayout.code_warmup(code) != 0:
        return None                   # CPython has not quickened it: no cache to read
    raw = code._co_code_adaptive
    if offset + 1 >= len(raw):
        return None
    form = _ALL_OPNAME[raw[offset]]
    if form in _FORM_ONLY:
        return {"form": form}
    if form not in _ATTRIBUTE_FORMS or func is None:
        return None
    version = _unit(raw, offset + 4) | (_unit(raw, offset + 6) << 16)
    tp = _class_with_version(func.__globals__, version)
    if tp is None:
        return None
    entry = {"form": form, "type": tp, "type_version": version}
    if form.endswith("_SLOT"):
        if not 0 <= oparg < len(code.co_names):
            return None
        descr = _profile._lookup_in_mro(tp, code.co_names[oparg])
        if type(descr) is not _types.MemberDescriptorType:
            return None
        entry["descr"] = descr
    return entry


def _unit(raw, at):
    """The 16-bit code unit at byte ``at`` (native byte order: little-endian here)."""
    return raw[at] | (raw[at + 1] << 8)


def _class_with_version(namespace, version):
    """The class among ``namespace``'s values (a module's classes: the receivers of the
    methods it defines) whose ``tp_version_tag`` is ``version``, or None."""
    if not version or type(namespace) is not dict:
        return None
    cached = _classes_by_version.get(version)
    if cached is not None and objlayout.type_version(cached) == version:
        return cached
    for value in list(namespace.values()):
        # (type(), not isinstance(): a guest's __class__ property must not run)
        if issubclass(type(value), type) and objlayout.type_version(value) == version:
            _classes_by_version[version] = value
            return value
    return None


# tp_version_tag -> the class found with it (checked again at each use: versions are
# never reused by another class, but a class's own version changes when it is modified).
_classes_by_version = _weakref.WeakValueDictionary()
