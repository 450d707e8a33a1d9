"""cpjit tier 1: CPython 3.11 bytecode interpreted in Python, with profiling and back-edge
counters (the counterpart of Python/ceval.c + Python/specialize.c).

Public API: ``exec_code``, ``run_function``, ``set_optimizer`` / ``get_optimizer``,
``get_code_info``, ``guest_traceback``, ``Frame``, ``NULL``, ``get_stats``.
"""

from .frame import NULL, ExitWithError, Frame
from .profile import CodeInfo, get_code_info
from .ceval import (
    InternalError, NoOptimizer, exec_code, get_optimizer, run_function, set_optimizer,
)
from .traceback import guest_traceback
from . import objlayout
from . import ceval as _ceval


def get_stats():
    """Tier 1's counters for ``--stats``: the dispatches it ran (counted only with --stats)."""
    return {"tier1_dispatches": _ceval.dispatches_executed()}

__all__ = ["NULL", "Frame", "ExitWithError", "CodeInfo", "get_code_info", "InternalError",
           "NoOptimizer", "exec_code", "run_function", "set_optimizer", "get_optimizer",
           "guest_traceback", "get_stats"]
