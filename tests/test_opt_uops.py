"""Tier-2 uop tables: expansions, Python bodies and the C definitions agree."""

from cpjit import uop_interpreter as uint
from cpjit.uops import expansion as exp


def _expansion_uops():
    names = set()
    for table in (exp.GENERIC, exp.SPECIALIZED):
        for seq in table.values():
            for name, source in seq or ():
                names.add(exp.UOP_REPLACEMENTS.get(name, name) if source == exp.REPLACED
                          else name)
    return names


def test_every_expanded_uop_has_a_python_body():
    missing = sorted(n for n in _expansion_uops() if n not in uint.UOP_DEFS)
    assert missing == []


def test_projection_uops_have_python_bodies():
    for name in ("_START_EXECUTOR", "_CHECK_VALIDITY_AND_SET_IP", "_TO_BOOL",
                 "_GUARD_IS_TRUE_POP", "_GUARD_IS_FALSE_POP", "_GUARD_IS_NONE_POP",
                 "_GUARD_IS_NOT_NONE_POP", "_GUARD_IS_TRUE", "_GUARD_IS_FALSE",
                 "_CHECK_PERIODIC", "_JUMP_TO_TOP", "_TIER2_RESUME_CHECK", "_RETURN_VALUE",
                 "_EXIT_TRACE", "_DEOPT", "_ERROR_POP_N", "_DYNAMIC_EXIT",
                 "_ITER_CHECK_RANGE", "_GUARD_NOT_EXHAUSTED_RANGE", "_ITER_NEXT_RANGE"):
        assert name in uint.UOP_DEFS, name


def _passthrough(info, oparg):
    """Slots an op leaves in place: the common prefix of its inputs and outputs."""
    kept = 0
    for a, b in zip(info.inputs, info.outputs):
        if a.name != b.name or a.size != b.size:
            break
        kept += a.count(oparg)
    return kept


def test_error_pop_counts_match_c_definitions():
    """_ERROR_POP_N pops the Python body's inputs; the C body must take as many."""
    from cpjit.uops import UOPS
    mismatched = []
    for name, d in uint.UOP_DEFS.items():
        info = UOPS.get(name)
        if info is None or not d.flags & uint.HAS_ERROR or d.flags & uint.ERROR_NO_POP:
            continue
        for oparg in (1, 2, 3, 5):
            c_pops = info.num_popped(oparg) - _passthrough(info, oparg)
            if c_pops != d.num_popped(oparg):
                mismatched.append((name, oparg, c_pops, d.num_popped(oparg)))
    assert mismatched == []


def test_branch_guard_table_is_complete():
    for kind in ("TRUE", "FALSE", "NONE", "NOT_NONE"):
        for likely in (True, False):
            assert exp.BRANCH_TO_GUARD[(kind, likely)] in uint.UOP_DEFS
