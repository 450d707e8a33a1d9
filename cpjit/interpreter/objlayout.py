"""Fields of 3.11 C structs that Python does not expose, read through ctypes.

CPython counterparts: ``tp_version_tag`` (Include/cpython/object.h), ``func_version``
(Include/cpython/funcobject.h), ``dk_version`` / ``ma_version_tag`` (pycore_dict.h),
``recursion_remaining`` (Include/cpython/pystate.h). Offsets are for x86-64 / 3.11 and are
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

_c_uint = ctypes.c_uint
_c_int = ctypes.c_int
_c_void_p = ctypes.c_void_p
_c_uint64 = ctypes.c_uint64


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
    if not ok:
        raise RuntimeError("cpjit: this CPython's object layout is not the 3.11 x86-64 one")


_self_check()
assert types.FunctionType  # the struct read by func_version
