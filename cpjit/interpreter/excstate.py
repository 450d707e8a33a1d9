"""The thread's handled exception (``tstate->exc_info``), shared by tier 1 and the host.

Tier 1 keeps CPython's handled exception in the host's own slot, so that native code
(``sys.exc_info()``, implicit chaining of exceptions raised in C or in natively run
functions) sees the guest's state. CPython counterpart: PUSH_EXC_INFO / POP_EXCEPT's
updates of ``exc_info->exc_value``; C API ``PyErr_SetHandledException`` (new in 3.11).
"""

# Our functions keep CPython's builtins even if the guest replaces one (builtins.len = ...).
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import ctypes
import sys

_set = ctypes.pythonapi.PyErr_SetHandledException
_set.argtypes = [ctypes.py_object]
_set.restype = None

get_handled = sys.exception


def set_handled(exc):
    """Make ``exc`` (or None) the handled exception, as POP_EXCEPT / PUSH_EXC_INFO do."""
    _set(exc)
