"""Specialized attribute and global access in traces: operands and reference bodies.

CPython counterparts: ``LOAD_ATTR_INSTANCE_VALUE``, ``LOAD_ATTR_SLOT``,
``STORE_ATTR_INSTANCE_VALUE``, ``STORE_ATTR_SLOT`` (``_Py_Specialize_LoadAttr`` /
``_Py_Specialize_StoreAttr``), ``LOAD_GLOBAL_MODULE`` / ``LOAD_GLOBAL_BUILTIN``
(``_Py_Specialize_LoadGlobal``), as 3.12+ split them into uops: a type-version guard
then the access.

Tier 1's profile names the form (``LOAD_ATTR_SLOT``, ...) and records the type, its
version, the member descriptor or the index the name had in the instance dict / the
globals. When a trace is projected, ``operand_for`` turns that into the 64-bit operand
the stencils in ``stencils/uops/tier2_attrs.c`` read, re-checking what can have changed
since the profile was taken; when it cannot vouch for one, the instruction stays generic.
The reference uop interpreter runs the same uops with the bodies below.
"""

from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import ctypes
import types

from cpjit.interpreter import objlayout
from cpjit.uop_interpreter import HAS_DEOPT, HAS_EXIT, uop

# PyMemberDescrObject.d_member (after PyDescr_COMMON) and PyMemberDef's fields.
_DESCR_MEMBER = 40
_MEMBER_TYPE = 8
_MEMBER_OFFSET = 16
_MEMBER_FLAGS = 24
_T_OBJECT_EX = 16
_READONLY = 1
_TPFLAGS_MANAGED_DICT = 1 << 4
# Keys versions cpjit assigns (CPython 3.11 counts its own up from 2; see
# _assign_keys_version).
_OWN_KEYS_VERSION_BASE = 0xC0000000
_next_keys_version = [_OWN_KEYS_VERSION_BASE]

_c_void_p = ctypes.c_void_p
_c_int = ctypes.c_int
_c_ssize_t = ctypes.c_ssize_t
_c_uint = ctypes.c_uint


def slot_offset(descr, store):
    """The object offset of a ``__slots__`` member (``PyMemberDef.offset``), or None
    when the descriptor is not a plain object slot (as ``_Py_Specialize_LoadAttr``)."""
    if type(descr) is not types.MemberDescriptorType:
        return None
    member = _c_void_p.from_address(id(descr) + _DESCR_MEMBER).value
    if not member or _c_int.from_address(member + _MEMBER_TYPE).value != _T_OBJECT_EX:
        return None
    if store and _c_int.from_address(member + _MEMBER_FLAGS).value & _READONLY:
        return None
    offset = _c_ssize_t.from_address(member + _MEMBER_OFFSET).value
    return offset if offset > 0 else None


# PyHeapTypeObject (3.11, x86-64): ht_name, ht_slots, ht_qualname, ht_cached_keys follow
# PyTypeObject and the method suites; checked against ht_name / ht_qualname at first use.
_HT_NAME = 848
_HT_QUALNAME = 864
_HT_CACHED_KEYS = 872
# PyDictKeysObject: dk_log2_index_bytes, dk_kind, dk_nentries, then indices and entries.
_DK_LOG2_INDEX_BYTES = 9
_DK_KIND = 10
_DK_NENTRIES = 24
_DK_INDICES = 32
_UNICODE_ENTRY_SIZE = 16        # PyDictUnicodeEntry: me_key, me_value
_layout_checked = []


def _heap_type_layout_ok():
    """The offsets above match this interpreter (checked once on a fresh class)."""
    if not _layout_checked:
        probe = type("_CpjitLayoutProbe", (), {"__qualname__": "_cpjit.LayoutProbe"})
        ok = (type.__basicsize__ == 904 and
              _c_void_p.from_address(id(probe) + _HT_NAME).value == id(probe.__name__) and
              _c_void_p.from_address(id(probe) + _HT_QUALNAME).value == id(probe.__qualname__))
        _layout_checked.append(ok)
    return _layout_checked[0]


def shared_keys_index(tp, name):
    """The index of ``name`` in the type's shared instance keys (``ht_cached_keys``),
    what ``_PyDictKeys_StringLookup`` returns for 3.11's specializer; None if absent."""
    if not (tp.__flags__ & _TPFLAGS_MANAGED_DICT) or not _heap_type_layout_ok():
        return None
    keys = _c_void_p.from_address(id(tp) + _HT_CACHED_KEYS).value
    if not keys or ctypes.c_uint8.from_address(keys + _DK_KIND).value == 0:
        return None          # no shared keys, or not str-only (DICT_KEYS_GENERAL)
    entries = keys + _DK_INDICES + (1 << ctypes.c_uint8.from_address(
        keys + _DK_LOG2_INDEX_BYTES).value)
    for index in range(_c_ssize_t.from_address(keys + _DK_NENTRIES).value):
        key = _c_void_p.from_address(entries + index * _UNICODE_ENTRY_SIZE).value
        if key == id(name):
            return index
        if key and ctypes.cast(key, ctypes.py_object).value == name:
            return index
    return None


def _dict_keys_address(d):
    return _c_void_p.from_address(id(d) + objlayout._DICT_KEYS).value


def _assign_keys_version(d):
    """The dict's keys version, assigned if it has none (``_PyDictKeys_GetVersionForCurrentState``,
    which 3.11 does not export). CPython zeroes ``dk_version`` whenever a key is added or
    removed, so a version that still holds means the same set of keys. Ours count down
    from 0xC0000000 + n, far from CPython's own counter, which starts at 2."""
    version = objlayout.dict_keys_version(d)
    if version:
        return version
    keys = _dict_keys_address(d)
    if not keys:
        return 0
    version = _next_keys_version[0]
    if version >= 0xFFFFFFFF:
        return 0
    _next_keys_version[0] = version + 1
    _c_uint.from_address(keys + objlayout._DK_VERSION).value = version
    return version


def _index_hint(d, name):
    """The name's position in the dict (its entry index unless keys were deleted: the
    stencils check the entry's key, so a wrong hint only deopts)."""
    if type(d) is not dict:
        return None
    for i, key in enumerate(d):
        if key is name or (type(key) is str and key == name):
            return i
    return None


def _instance_form_ok(entry, owner_type):
    """The profiled type still has the version tier 1 saw and a generic ``tp_getattro``
    (no ``__getattr__`` / ``__getattribute__`` of its own)."""
    if owner_type is None or not isinstance(owner_type, type):
        return False
    version = entry.get("type_version")
    return bool(version) and objlayout.type_version(owner_type) == version and \
        objlayout.type_getattro_is_generic(owner_type)


# PyTypeObject.tp_setattro (x86-64, 3.11): right after tp_getattro.
_TP_SETATTRO = 152


def _setattro_is_generic(tp):
    """``tp->tp_setattro == PyObject_GenericSetAttr``: ``_Py_Specialize_StoreAttr`` gives
    up on any other (a class with its own ``__setattr__``, SPEC_FAIL_OVERRIDDEN)."""
    return (_c_void_p.from_address(id(tp) + _TP_SETATTRO).value
            == _c_void_p.from_address(id(object) + _TP_SETATTRO).value)


def operand_for(form, key, entry, code, oparg, frame):
    """The operand of ``key`` for the specialized ``form`` (see ``SPECIALIZED_FORMS``),
    or None when it cannot be vouched for (the instruction then stays generic)."""
    if type(entry) is not dict:
        return None
    if key == "type_version":
        tp = entry.get("type")
        if not _instance_form_ok(entry, tp):
            return None
        if form.startswith("STORE") and not _setattro_is_generic(tp):
            return None      # a store must go through the class's own __setattr__
        return entry["type_version"]
    if key == "slot_offset":
        return slot_offset(entry.get("descr"), form.startswith("STORE"))
    if key == "instance_index":
        tp = entry.get("type")
        if not (_instance_form_ok(entry, tp) and tp.__flags__ & _TPFLAGS_MANAGED_DICT):
            return None
        index = shared_keys_index(tp, code.co_names[oparg])
        return index if index is not None and index < 30 else None
    if key == "global_index":
        globals_ = getattr(frame, "globals", None)
        return _index_hint(globals_, code.co_names[oparg >> 1])
    if key == "builtin_index_and_version":
        name = code.co_names[oparg >> 1]
        globals_ = getattr(frame, "globals", None)
        builtins_ = getattr(frame, "builtins", None)
        if type(globals_) is not dict or type(builtins_) is not dict or name in globals_:
            return None
        index = _index_hint(builtins_, name)
        version = _assign_keys_version(globals_)
        if index is None or not version:
            return None
        return (version << 32) | index
    return None


# form -> [(uop, operand key or None)]; the guard's operand is always "type_version".
SPECIALIZED_FORMS = {
    "LOAD_ATTR_SLOT": [("_GUARD_TYPE_VERSION", "type_version"),
                       ("_LOAD_ATTR_SLOT", "slot_offset")],
    "STORE_ATTR_SLOT": [("_GUARD_TYPE_VERSION", "type_version"),
                        ("_STORE_ATTR_SLOT", "slot_offset")],
    "LOAD_ATTR_INSTANCE_VALUE": [("_GUARD_TYPE_VERSION", "type_version"),
                                 ("_LOAD_ATTR_INSTANCE_VALUE", "instance_index")],
    "STORE_ATTR_INSTANCE_VALUE": [("_GUARD_TYPE_VERSION", "type_version"),
                                  ("_STORE_ATTR_INSTANCE_VALUE", "instance_index")],
    "LOAD_GLOBAL_MODULE": [("_LOAD_GLOBAL_MODULE", "global_index")],
    "LOAD_GLOBAL_BUILTIN": [("_LOAD_GLOBAL_BUILTIN", "builtin_index_and_version")],
}


class _Namespaces:
    """The globals and builtins a traced instruction runs with."""
    __slots__ = ("globals", "builtins")

    def __init__(self, globals_, builtins_):
        self.globals = globals_
        self.builtins = builtins_


def specialize_in_trace(form, entry, code, func, frame, oparg):
    """For ``translate_bytecode_to_trace``: ``[(uop, ("value", operand))]`` for an
    attribute/global form, or None (the instruction stays as ``expand`` made it).
    ``func`` is the function whose code is being projected (an inlined callee), or None
    for the frame the trace starts in."""
    seq = SPECIALIZED_FORMS.get(form)
    if seq is None:
        return None
    if func is not None:
        builtins_ = getattr(func, "__builtins__", None)
        if type(builtins_) is types.ModuleType:
            builtins_ = vars(builtins_)
        where = _Namespaces(func.__globals__, builtins_)
    else:
        where = frame
    out = []
    for uop_name, key in seq:
        operand = operand_for(form, key, entry, code, oparg, where)
        if operand is None:
            return None
        out.append((uop_name, ("value", operand)))
    return out


# ------------------------------------------------------------------ reference bodies
# The same observable behaviour as the stencils: where a stencil deopts (the entry at
# the index no longer holds the name, the slot is empty), the body deopts too; values
# come from the C structures through the descriptor or the dict tier 1 would read.

def _deopt(inst):
    return inst.jump_target


@uop("_GUARD_TYPE_VERSION", HAS_EXIT)
def _guard_type_version(f, inst, st):
    if objlayout.type_version(type(f.stack[-1])) != inst.operand:
        return inst.jump_target


_slot_descrs = {}


def _slot_descr(tp, offset):
    """The member descriptor of ``tp`` at ``offset`` (cached per type version)."""
    key = (tp, objlayout.type_version(tp), offset)
    descr = _slot_descrs.get(key)
    if descr is None:
        for klass in tp.__mro__:
            for value in vars(klass).values():
                if type(value) is types.MemberDescriptorType and \
                        slot_offset(value, False) == offset:
                    descr = value
                    break
            if descr is not None:
                break
        _slot_descrs[key] = descr
    return descr


@uop("_LOAD_ATTR_SLOT", HAS_DEOPT, pops=1)
def _load_attr_slot(f, inst, st):
    s = f.stack
    owner = s[-1]
    descr = _slot_descr(type(owner), inst.operand)
    if descr is None:
        return inst.jump_target
    try:
        value = descr.__get__(owner, type(owner))
    except AttributeError:         # an empty slot: tier 1 raises it
        return inst.jump_target
    s[-1] = value


@uop("_STORE_ATTR_SLOT", 0, pops=2)
def _store_attr_slot(f, inst, st):
    s = f.stack
    owner = s[-1]
    descr = _slot_descr(type(owner), inst.operand)
    descr.__set__(owner, s[-2])
    del s[-2:]


def objlayout_instance_dict(owner):
    """The instance dict through the standard ``__dict__`` descriptor, else None."""
    for klass in type(owner).__mro__:
        descr = vars(klass).get("__dict__")
        if descr is not None:
            if type(descr) is not types.GetSetDescriptorType:
                return None
            d = descr.__get__(owner, type(owner))
            return d if type(d) is dict else None
    return None


# The two instance-value bodies are written out on purpose: a shared helper would put
# one more host frame under their dict lookups, and guest code reached from there (a
# key's __eq__) would hit the recursion limit one level early (corpus 73).
@uop("_LOAD_ATTR_INSTANCE_VALUE", HAS_DEOPT, pops=1)
def _load_attr_instance_value(f, inst, st):
    s = f.stack
    owner = s[-1]
    name = f.code.co_names[inst.oparg]
    if shared_keys_index(type(owner), name) != inst.operand:
        return inst.jump_target
    d = objlayout_instance_dict(owner)
    if d is None or name not in d:
        return inst.jump_target
    s[-1] = d[name]


@uop("_STORE_ATTR_INSTANCE_VALUE", HAS_DEOPT, pops=2)
def _store_attr_instance_value(f, inst, st):
    s = f.stack
    owner = s[-1]
    name = f.code.co_names[inst.oparg]
    if shared_keys_index(type(owner), name) != inst.operand:
        return inst.jump_target
    d = objlayout_instance_dict(owner)
    if d is None:
        return inst.jump_target
    d[name] = s[-2]
    del s[-2:]


def _null():
    from cpjit.uop_interpreter import NULL
    return NULL


@uop("_LOAD_GLOBAL_MODULE", HAS_DEOPT)
def _load_global_module(f, inst, st):
    name = f.code.co_names[inst.oparg >> 1]
    g = f.globals
    if type(g) is not dict or name not in g:     # a moved entry is found by the lookup
        return inst.jump_target
    if inst.oparg & 1:
        f.stack.append(_null())
    f.stack.append(g[name])


@uop("_LOAD_GLOBAL_BUILTIN", HAS_DEOPT)
def _load_global_builtin(f, inst, st):
    name = f.code.co_names[inst.oparg >> 1]
    g, b = f.globals, f.builtins
    if type(g) is not dict or type(b) is not dict or \
            objlayout.dict_keys_version(g) != inst.operand >> 32 or name not in b:
        return inst.jump_target
    if inst.oparg & 1:
        f.stack.append(_null())
    f.stack.append(b[name])
