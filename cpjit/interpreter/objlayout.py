"""Fields of 3.11 C structs that Python does not expose, read through ctypes.

CPython counterparts: ``tp_version_tag`` (Include/cpython/object.h), ``func_version``
(Include/cpython/funcobject.h), ``dk_version`` / ``ma_version_tag`` (pycore_dict.h),
``recursion_remaining`` (Include/cpython/pystate.h), ``co_warmup`` (Include/cpython/code.h),
``ml_flags`` of builtin functions and method descriptors (methodobject.h, descrobject.h),
``tp_new`` / ``tp_vectorcall``. Offsets are for x86-64 / 3.11 and are
checked once at import against values Python does expose.
"""

# Our functions keep CPython's builtins even if the guest replaces one (builtins.len = ...).
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import ctypes
import types

_TP_BASE = 256
_TP_VERSION_TAG = 384
_FUNC_CODE = 48
_FUNC_VERSION = 128
_DICT_VERSION = 24
_DICT_KEYS = 32
_DK_VERSION = 12
_TS_RECURSION_REMAINING = 32
_TS_RECURSION_LIMIT = 36
_TP_GETATTRO = 144
_TP_NEW = 312
_TP_VECTORCALL = 400
_CODE_FLAGS = 48
_CODE_WARMUP = 52
_CFUNC_METHOD_DEF = 16      # PyCFunctionObject.m_ml
_DESCR_METHOD_DEF = 40      # PyMethodDescrObject.d_method
_ML_FLAGS = 16              # PyMethodDef.ml_flags

_c_uint = ctypes.c_uint
_c_int = ctypes.c_int
_c_void_p = ctypes.c_void_p
_c_uint64 = ctypes.c_uint64
_c_short = ctypes.c_short


def type_version(tp):
    """``tp->tp_version_tag`` (0 = not assigned yet)."""
    return _c_uint.from_address(id(tp) + _TP_VERSION_TAG).value


def func_version(func):
    """``func->func_version`` (0 = not assigned yet: 3.11 assigns it when it specializes)."""
    return _c_uint.from_address(id(func) + _FUNC_VERSION).value


def dict_version(d):
    """``ma_version_tag``: changes on every mutation of the dict."""
    return _c_uint64.from_address(id(d) + _DICT_VERSION).value


def dict_keys_version(d):
    """``ma_keys->dk_version`` (0 = not assigned yet)."""
    keys = _c_void_p.from_address(id(d) + _DICT_KEYS).value
    return _c_uint.from_address(keys + _DK_VERSION).value if keys else 0


def code_warmup(code):
    """``code->co_warmup``: -8 when new, counted up by RESUME and JUMP_BACKWARD; 0 once
    CPython quickened the code (``_PyCode_Warmup``)."""
    return _c_short.from_address(id(code) + _CODE_WARMUP).value


def cfunction_flags(func):
    """``PyCFunction_GET_FLAGS``: ``m_ml->ml_flags`` of a builtin function or method."""
    ml = _c_void_p.from_address(id(func) + _CFUNC_METHOD_DEF).value
    return _c_int.from_address(ml + _ML_FLAGS).value


def method_descriptor_flags(descr):
    """``descr->d_method->ml_flags`` of a method descriptor (``list.append``)."""
    ml = _c_void_p.from_address(id(descr) + _DESCR_METHOD_DEF).value
    return _c_int.from_address(ml + _ML_FLAGS).value


def type_has_vectorcall(tp):
    """``tp->tp_vectorcall != NULL``."""
    return _c_void_p.from_address(id(tp) + _TP_VECTORCALL).value is not None


def type_getattro_is_generic(tp):
    """``tp->tp_getattro == PyObject_GenericGetAttr`` (what ``_PyObject_GetMethod`` needs)."""
    return (_c_void_p.from_address(id(tp) + _TP_GETATTRO).value
            == _c_void_p.from_address(id(object) + _TP_GETATTRO).value)


def type_new_is_object_new(tp):
    """``tp->tp_new == PyBaseObject_Type.tp_new``."""
    return (_c_void_p.from_address(id(tp) + _TP_NEW).value
            == _c_void_p.from_address(id(object) + _TP_NEW).value)


_pythonapi = ctypes.pythonapi
_pythonapi.PyThreadState_Get.restype = ctypes.c_void_p
_pythonapi.PyThreadState_Get.argtypes = []


def recursion_remaining_cell():
    """A ctypes int aliasing this thread's ``tstate->recursion_remaining``."""
    return _c_int.from_address(_pythonapi.PyThreadState_Get() + _TS_RECURSION_REMAINING)


def recursion_limit_cell():
    """A ctypes int aliasing this thread's ``tstate->recursion_limit``."""
    return _c_int.from_address(_pythonapi.PyThreadState_Get() + _TS_RECURSION_LIMIT)


def _self_check():
    import sys

    class _Probe:
        pass

    def _probe():
        pass

    ok = (_c_void_p.from_address(id(_Probe) + _TP_BASE).value == id(object)
          and _c_void_p.from_address(id(_probe) + _FUNC_CODE).value == id(_probe.__code__))
    ts = _pythonapi.PyThreadState_Get()
    ok = ok and _c_int.from_address(ts + _TS_RECURSION_LIMIT).value == sys.getrecursionlimit()
    fresh = compile("pass", "<probe>", "exec")
    ok = ok and _c_int.from_address(id(fresh) + _CODE_FLAGS).value == fresh.co_flags
    ok = ok and code_warmup(fresh) == -8
    ok = ok and cfunction_flags(len) == 0x08 and method_descriptor_flags(list.append) == 0x08
    ok = ok and type_new_is_object_new(_Probe) and not type_new_is_object_new(dict)
    ok = ok and type_has_vectorcall(list) and not type_has_vectorcall(_Probe)
    ok = ok and type_getattro_is_generic(dict) and not type_getattro_is_generic(types.ModuleType)
    if not ok:
        raise RuntimeError("cpjit: this CPython's object layout is not the 3.11 x86-64 one")


_self_check()
assert types.FunctionType  # the struct read by func_version
