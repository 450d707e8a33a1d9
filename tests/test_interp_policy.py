"""The tier-1 call policies: which functions tier 1 takes (loops, reach, all)."""

import json
import sys
import textwrap

import pytest

from cpjit.interpreter.policy import ReachesLoop, code_has_loop
from test_differential import CORPUS, PYTHON, mismatch_report, run, run_python


def _module(src):
    g = {"__name__": "m"}
    exec(textwrap.dedent(src), g)
    return g


SRC = """
def looping(n):
    t = 0
    for i in range(n):
        t += i
    return t

def while_loop(n):
    while n > 0:
        n -= 1
    return n

def plain(x):
    return x + 1

def calls_looping(n):
    return looping(n) + 1

def calls_calls_looping(n):
    return calls_looping(n)

def level3(n):
    return calls_calls_looping(n)

def level4(n):
    return level3(n)

def with_comprehension(n):
    return [i for i in range(n)]

def calls_plain(x):
    return plain(x)

def recursive_plain(x):
    return recursive_plain(x - 1) if x else 0

class Runner:
    def run(self, n):
        total = 0
        for i in range(n):
            total += i
        return total

def calls_a_method(r):
    return r.run(3)

def calls_unknown(f):
    return f(3)
"""


def test_code_has_loop_sees_back_edges_only():
    g = _module(SRC)
    assert code_has_loop(g["looping"].__code__)
    assert code_has_loop(g["while_loop"].__code__)
    assert not code_has_loop(g["plain"].__code__)
    assert not code_has_loop(g["calls_looping"].__code__)


@pytest.mark.parametrize("name, expected", [
    ("looping", True), ("while_loop", True), ("plain", False),
    ("calls_looping", True), ("calls_calls_looping", True), ("level3", True),
    ("level4", False),                  # deeper than REACH_DEPTH calls
    ("with_comprehension", True),       # the comprehension's code loops
    ("calls_plain", False), ("recursive_plain", False),
    ("calls_a_method", True),           # r.run: a method of a module class that loops
    ("calls_unknown", False),           # a parameter: nothing to follow
])
def test_reaches_loop(name, expected):
    g = _module(SRC)
    reaches = ReachesLoop()
    func = g[name]
    assert reaches(func.__code__, func.__globals__) is expected
    # remembered per code object
    assert reaches(func.__code__, func.__globals__) is expected


PROGRAM = """
def simulate(n):
    total = 0
    for i in range(n):
        total += i * i
    return total

def main():
    print(simulate(3000))

main()
"""


def _stats(tmp_path, policy):
    stats_path = tmp_path / ("stats-%s.json" % policy)
    result = run([PYTHON, "-m", "cpjit", "exec", "--tier1=" + policy, "--stats=json",
                  "-c", PROGRAM], CORPUS, extra_env={"CPJIT_STATS_FILE": str(stats_path)})
    expected = run_python(["-c", PROGRAM], CORPUS)
    assert not mismatch_report(expected, result)
    return json.loads(stats_path.read_text())["cpjit_stats"]


def test_reach_policy_traces_a_loop_below_a_loop_free_main(tmp_path):
    """Under "loops" main() runs natively and so does simulate(): no trace. "reach"
    takes main() because it calls simulate(), which loops: simulate's loop is traced."""
    assert _stats(tmp_path, "loops")["optimizer"]["traces_created"] == 0
    reach = _stats(tmp_path, "reach")
    assert reach["tier1_policy"] == "reach"
    assert reach["optimizer"]["traces_created"] >= 1


def test_bad_policy_is_a_usage_error():
    result = run([PYTHON, "-m", "cpjit", "exec", "--tier1=most", "-c", "pass"], CORPUS)
    assert result.status == 2
    assert b"loops, reach, all" in result.stderr
