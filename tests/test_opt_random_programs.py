"""Random small programs (int arithmetic, branches, loops): CPython vs tier 2.

Hypothesis writes the programs; each runs natively and under tier 1 with traces made
after two back edges (and side traces after two exits), in the reference uop
interpreter and, when a stencil table is available, as machine code.  Results and
exceptions must be the same.
"""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cpjit import optimizer
from test_opt_helpers import call, run_source, tier2

VARS = ("a", "b", "t", "i")
TARGETS = ("a", "b", "t")


@st.composite
def expressions(draw, depth=0):
    if depth >= 2 or draw(st.booleans()):
        if draw(st.booleans()):
            return draw(st.sampled_from(VARS))
        return str(draw(st.integers(-20, 20)))
    op = draw(st.sampled_from(["+", "-", "*", "//", "%", "&", "|", "^"]))
    return "(%s %s %s)" % (draw(expressions(depth=depth + 1)), op,
                           draw(expressions(depth=depth + 1)))


@st.composite
def conditions(draw):
    op = draw(st.sampled_from(["<", "<=", "==", "!=", ">", ">="]))
    return "%s %s %s" % (draw(expressions(depth=1)), op, draw(expressions(depth=1)))


@st.composite
def statements(draw, depth=0):
    kind = draw(st.sampled_from(["assign", "assign", "aug", "if"] if depth < 2 else ["assign"]))
    if kind == "assign":
        return ["%s = %s" % (draw(st.sampled_from(TARGETS)), draw(expressions()))]
    if kind == "aug":
        return ["%s %s= %s" % (draw(st.sampled_from(TARGETS)),
                               draw(st.sampled_from(["+", "-", "*"])), draw(expressions()))]
    body = draw(st.lists(statements(depth=depth + 1), min_size=1, max_size=2))
    orelse = draw(st.lists(statements(depth=depth + 1), min_size=0, max_size=2))
    lines = ["if %s:" % draw(conditions())]
    lines += ["    " + line for block in body for line in block]
    if orelse:
        lines.append("else:")
        lines += ["    " + line for block in orelse for line in block]
    return lines


@st.composite
def programs(draw):
    body = draw(st.lists(statements(), min_size=1, max_size=4))
    n = draw(st.integers(0, 40))
    lines = ["def f(a, b):", "    t = 0", "    for i in range(%d):" % n]
    lines += ["        " + line for block in body for line in block]
    # Keep numbers small so that loops do not build huge ints.
    lines += ["        a %= 1000003", "        b %= 1000003", "        t %= 1000003"]
    lines.append("    return a, b, t")
    return "\n".join(lines) + "\n"


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as exc:       # the same exception type and message are expected
        return ("error", type(exc).__name__, str(exc))


def run_both(source, a, b, mode):
    namespace = {}
    exec(compile(source, "<random>", "exec"), namespace)
    expected = outcome(namespace["f"], a, b)
    with tier2(mode=mode, backedge=2, side_exit=2):
        if mode == "jit" and optimizer._state.engine.name != "jit":
            pytest.skip("no stencil table: the JIT is not available here")
        g = run_source(source, "<random>")
        got = outcome(lambda *args: call(g["f"], *args), a, b)
        again = outcome(lambda *args: call(g["f"], *args), a, b)   # through the executors
    assert got == expected, source
    assert again == expected, source


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(programs(), st.integers(-50, 50), st.integers(-50, 50))
def test_random_programs_interp(source, a, b):
    run_both(source, a, b, "interp")


@SETTINGS
@given(programs(), st.integers(-50, 50), st.integers(-50, 50))
def test_random_programs_jit(source, a, b):
    run_both(source, a, b, "jit")
