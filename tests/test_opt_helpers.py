"""Shared helpers for the tier-2 tests (our version of test_capi/test_opt.py's setup)."""

import contextlib
import textwrap

from cpjit import config as _config
from cpjit import optimizer


@contextlib.contextmanager
def tier2(mode="interp", backedge=16, side_exit=64, opt=None, uops_optimize=True,
          per_uop_stats=True):
    """Run tier 1 with the uop optimizer (or ``opt``) installed; restore everything after.
    The stats count exits by uop too (as with ``--stats``) unless ``per_uop_stats`` is
    False."""
    saved_cfg = _config.current
    cfg = _config.Config()
    cfg.tier2 = mode
    cfg.backedge_threshold = backedge
    cfg.side_exit_threshold = side_exit
    cfg.uops_optimize = uops_optimize
    _config.current = cfg
    saved_state = optimizer._state.config, optimizer._state.engine
    optimizer._state.config = cfg
    optimizer._state.engine = optimizer.make_engine(cfg)
    optimizer._state.stats = type(optimizer._state.stats)()
    optimizer._state.stats.per_uop = per_uop_stats
    installed = optimizer.set_optimizer(opt if opt is not None else optimizer.UOpOptimizer())
    try:
        yield installed
    finally:
        optimizer.invalidate_all()
        optimizer.set_optimizer(None)
        optimizer._state.config, optimizer._state.engine = saved_state
        _config.current = saved_cfg


def run_source(source, name="<tier2-test>"):
    """Execute module source in tier 1; returns its globals."""
    from cpjit.interpreter import ceval
    g = {"__name__": "__tier2_test__"}
    ceval.exec_code(compile(textwrap.dedent(source), name, "exec"), g)
    return g


def call(func, *args):
    """Call a Python function in tier 1 (so its loops can get executors)."""
    from cpjit.interpreter import ceval
    return ceval.run_function(func, args)


def uop_names(executor):
    return [executor[i][0] for i in range(len(executor))]


def first_executor(func):
    executors = optimizer.get_executors(func)
    return executors[0] if executors else None


# A recursion to the limit through Python calls made from traced loops at every level;
# both engines must raise RecursionError exactly where CPython does.
RECURSION_THROUGH_TRACED_LOOPS = """
    import sys
    sys.setrecursionlimit(300)

    def leaf(n):
        return n + 1

    def step(n):
        return leaf(n)

    depth = 0

    def dive(n):
        global depth
        depth += 1
        t = 0
        for i in range(30):
            t = step(t)
        return dive(n + 1) + t

    try:
        dive(0)
    except RecursionError as e:
        print("RecursionError", e, depth)

    def dive2(n):
        t = 0
        for i in range(20):
            t = step(t)
        if n == 0:
            return t
        return dive2(n - 1) + t

    print(dive2(200))
    dive2(400)
"""
