"""The reference body of ``_GUARD_CALLER`` (``stencils/uops/tier2_specialized.c``).

A side trace made for an exit inside an inlined call starts in the callee.  Its
projection can only go past the callee's ``RETURN_VALUE`` if it knows the callers (the
tier-1 frames rebuilt at the exit); the trace then returns into the caller it was
projected for, behind this guard.  CPython has no counterpart: there, tier 1 is fast
enough that a trace may simply end at such a return (``trace_stack_underflow``);
in cpjit every such end is a trip through Python (see docs/performance.md, "JIT: where
the time goes").

Importing this module registers the body with the reference uop interpreter (so that
``prepare_for_execution`` gives the uop its ``_EXIT_TRACE`` stub, in both engines): the
projection that emits ``_GUARD_CALLER`` must import it first.  A side exit, not a
deopt: a trace reached from several call sites (or recursion depths) fails the guard in
all but one, and the exit at the ``RETURN_VALUE`` then gets a trace of its own.
"""

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

from cpjit.uop_interpreter import HAS_EXIT, uop

GUARD_CALLER = "_GUARD_CALLER"


@uop(GUARD_CALLER, HAS_EXIT)
def guard_caller(f, inst, st):
    """Exit unless the frame below ``f`` was pushed by this run of the trace chain
    (``st.depth > 0``; machine code: ``frame->previous != NULL``) and is the caller the
    trace was projected for: code ``inst.operand``, its CALL at byte ``inst.oparg``."""
    caller = f.back
    if st.depth <= 0 or caller is None or caller.code is not inst.operand \
            or caller.lasti != inst.oparg:
        return inst.jump_target
    return None
