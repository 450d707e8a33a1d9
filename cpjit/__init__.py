"""cpjit: a copy-and-patch JIT for CPython 3.11 bytecode, written in Python."""

import sys as _sys

__version__ = "0.1.0"

SUPPORTED_PYTHON = (3, 11)


class UnsupportedPythonError(RuntimeError):
    """Raised when cpjit is imported on a Python other than the one it targets."""


def _check_python_version():
    if _sys.version_info[:2] != SUPPORTED_PYTHON:
        raise UnsupportedPythonError(
            "cpjit runs CPython %d.%d bytecode and needs CPython %d.%d; "
            "this is Python %d.%d.%d (%s)"
            % (*SUPPORTED_PYTHON, *SUPPORTED_PYTHON, *_sys.version_info[:3],
               _sys.executable)
        )
    if _sys.implementation.name != "cpython":
        raise UnsupportedPythonError(
            "cpjit needs CPython; this is %s" % _sys.implementation.name)


_check_python_version()


# The tier-2 API at package level, as CPython exposes it in _testinternalcapi / sys._jit.
# Imported lazily so that ``import cpjit`` stays cheap for ``cpjit exec``.
_OPTIMIZER_API = ("get_executor", "get_executors", "set_optimizer", "get_optimizer",
                  "invalidate_dependency", "invalidate_all", "get_counter_optimizer")


def __getattr__(name):
    if name in _OPTIMIZER_API:
        from cpjit import optimizer
        return getattr(optimizer, name)
    raise AttributeError("module 'cpjit' has no attribute %r" % name)
