"""cpjit: a copy-and-patch JIT for CPython 3.11 bytecode, written in Python."""

import sys as _sys

__version__ = "0.1.0"

SUPPORTED_PYTHON = (3, 11)


class UnsupportedPythonError(RuntimeError):
    """Raised when cpjit is imported on a Python other than the one it targets."""


def _invoked_as_command():
    """True while ``python -m cpjit`` or the ``cpjit`` console script is starting."""
    argv0 = _sys.argv[0] if _sys.argv else ""
    # runpy sets argv[0] to '-m' while it imports the package of ``python -m cpjit``
    return argv0 == "-m" or argv0.replace("\\", "/").rsplit("/", 1)[-1] in ("cpjit", "cpjit.exe")


def _check_python_version():
    """Refuse any Python but CPython 3.11: a clear error, never a crash later on."""
    problem = None
    if _sys.implementation.name != "cpython":
        problem = "needs CPython 3.11; this is %s" % _sys.implementation.name
    elif _sys.version_info[:2] != SUPPORTED_PYTHON:
        problem = ("needs CPython %d.%d (it runs CPython %d.%d bytecode); "
                   "this is Python %d.%d.%d (%s)"
                   % (*SUPPORTED_PYTHON, *SUPPORTED_PYTHON, *_sys.version_info[:3],
                      _sys.executable))
    if problem is None:
        return
    if _invoked_as_command():
        _sys.stderr.write("cpjit: %s\n" % problem)
        raise SystemExit(2)
    raise UnsupportedPythonError("cpjit " + problem)


_check_python_version()

# Before any program runs: cpjit's modules take their builtins from this snapshot.
from cpjit import _hostbuiltins  # noqa: E402,F401


# The tier-2 API at package level, as CPython exposes it in _testinternalcapi / sys._jit.
# Imported lazily so that ``import cpjit`` stays cheap for ``cpjit exec``.
_OPTIMIZER_API = ("get_executor", "get_executors", "set_optimizer", "get_optimizer",
                  "invalidate_dependency", "invalidate_all", "get_counter_optimizer")


def __getattr__(name):
    if name in _OPTIMIZER_API:
        from cpjit import optimizer
        return getattr(optimizer, name)
    raise AttributeError("module 'cpjit' has no attribute %r" % name)
