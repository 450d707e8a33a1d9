"""Where a run's work went: tier 1 or tier 2 (machine code or the uop interpreter), for
``--stats`` (CPython's pystats put tier-1 ``execution_count`` beside tier 2's
``uops executed`` the same way).

Tier 1 counts dispatches (an instruction, or a superinstruction / fused statement, counted
once); tier 2 counts uops, and a bytecode instruction becomes several uops. To put both in
one unit, tier 2's uops are turned into instructions with the uops-per-instruction ratio
of the live traces (``uops_per_instruction``): an estimate, stated as such.
"""

from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

# A trace's body ends at its first unconditional terminator; the exit stubs follow it.
_TERMINATORS = ("_JUMP_TO_TOP", "_EXIT_TRACE", "_DYNAMIC_EXIT", "_DEOPT", "_ERROR_POP_N")


def uops_per_instruction(executors):
    """Uops per bytecode instruction over the bodies of ``executors``' traces (None without
    traces). Every uop carries the offset of the instruction it comes from, so a run of uops
    with one target is one instruction (the analysis passes may have removed the
    ``_CHECK_VALIDITY_AND_SET_IP`` that starts each one)."""
    uops = instructions = 0
    for executor in executors:
        previous = None
        for inst in executor.trace:
            uops += 1
            if inst.name in _TERMINATORS:
                break
            if inst.target != previous:
                instructions += 1
                previous = inst.target
    return uops / instructions if instructions else None


def work_share(tier1_dispatches, tier2, executors):
    """The ``work_share`` stats entry from tier 1's dispatch count, tier 2's counters (the
    dict ``cpjit.optimizer.get_stats()`` returns, or None) and the live executors."""
    uops_jit = uops_interp = 0
    if isinstance(tier2, dict):
        uops_jit = tier2.get("uops_jit", 0)
        uops_interp = tier2.get("uops_interp", 0)
    ratio = uops_per_instruction(executors)
    out = {"tier1_dispatches": tier1_dispatches,
           "tier2_uops_machine_code": uops_jit,
           "tier2_uops_interp": uops_interp,
           "tier2_uops_per_instruction": ratio}
    if tier1_dispatches is None:
        return out
    jit_instructions = uops_jit / ratio if ratio else 0.0
    interp_instructions = uops_interp / ratio if ratio else 0.0
    total = tier1_dispatches + jit_instructions + interp_instructions
    out["machine_code_share"] = jit_instructions / total if total else 0.0
    out["tier2_interp_share"] = interp_instructions / total if total else 0.0
    out["tier1_share"] = tier1_dispatches / total if total else 0.0
    return out
