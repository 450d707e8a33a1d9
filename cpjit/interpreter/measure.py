"""Tier-1 speed against CPython on a few loops: instructions per second.

``python -m cpjit.interpreter.measure``. The instruction count of each workload is
CPython's own (counted once with ``f_trace_opcodes``); the rate is that count divided by
the wall time of one run, natively and in tier 1.
"""

import sys
import time

from cpjit import config

WORKLOADS = {
    "int_loop": """
def work(n):
    total = 0
    for i in range(n):
        total += i * 2 % 7
    return total
""",
    "while_branches": """
def work(n):
    i = 0
    acc = 0
    while i < n:
        if i & 1:
            acc += i
        else:
            acc -= 1
        i += 1
    return acc
""",
    "calls_and_attrs": """
class P:
    def __init__(self, x):
        self.x = x
def get(p):
    return p.x
def work(n):
    p = P(3)
    s = 0
    for i in range(n):
        s += get(p) + len((i,))
    return s
""",
    "lists_and_dicts": """
def work(n):
    d = {}
    l = []
    for i in range(n):
        l.append(i)
        d[i & 255] = l[-1]
    return len(d) + sum(l)
""",
}


def _count_instructions(func, arg):
    count = [0]

    def tracer(frame, event, _arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            count[0] += 1
        return tracer
    sys.settrace(tracer)
    try:
        func(arg)
    finally:
        sys.settrace(None)
    return count[0]


def measure(n=200000, policy="all"):
    """{name: (instructions, native seconds, tier-1 seconds)}."""
    from cpjit.interpreter import run_function
    old = config.current.tier1
    config.current.tier1 = policy
    results = {}
    try:
        for name, src in WORKLOADS.items():
            ns = {"__name__": "bench_" + name}
            exec(compile(src, "<bench %s>" % name, "exec"), ns)
            work = ns["work"]
            instructions = _count_instructions(work, n)
            t0 = time.perf_counter()
            expected = work(n)
            native = time.perf_counter() - t0
            t0 = time.perf_counter()
            got = run_function(work, (n,))
            tier1 = time.perf_counter() - t0
            assert got == expected, (name, got, expected)
            results[name] = (instructions, native, tier1)
    finally:
        config.current.tier1 = old
    return results


def main(argv=None):
    n = int((argv or sys.argv[1:] or ["200000"])[0])
    print("%-18s %12s %14s %14s %8s" % ("workload", "instructions", "CPython ins/s",
                                        "tier-1 ins/s", "slowdown"))
    for name, (count, native, tier1) in measure(n).items():
        print("%-18s %12d %14.3g %14.3g %7.1fx" % (name, count, count / native,
                                                   count / tier1, tier1 / native))
    return 0


if __name__ == "__main__":
    sys.exit(main())
