"""Spectral norm of the infinite matrix a(i, j) = 1 / ((i+j)(i+j+1)/2 + i + 1).

Power iteration on A^T A with plain lists. Checks itself: the estimate lies
within the known bounds of the limit (about 1.2742241) for the chosen size,
and the iteration has converged (two successive estimates agree).
"""

import math
import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


def entry(i, j):
    s = i + j
    return 1.0 / (s * (s + 1) // 2 + i + 1)


def times(u):
    n = len(u)
    return [sum(entry(i, j) * u[j] for j in range(n)) for i in range(n)]


def times_transposed(u):
    n = len(u)
    result = []
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += entry(j, i) * u[j]
        result.append(acc)
    return result


def times_ata(u):
    return times_transposed(times(u))


def estimate(n, rounds):
    u = [1.0] * n
    history = []
    for _ in range(rounds):
        v = times_ata(u)
        u = times_ata(v)
        vbv = sum(a * b for a, b in zip(u, v))
        vv = sum(b * b for b in v)
        history.append(math.sqrt(vbv / vv))
    return history


def main():
    scale = bench_scale()
    n = max(20, int(400 * scale ** 0.5))
    history = estimate(n, 10)
    result = history[-1]
    assert abs(history[-1] - history[-2]) < 1e-9, history[-2:]
    assert 1.2700 < result < 1.2743, result
    print("n=%d spectral norm %.9f" % (n, result))


if __name__ == "__main__":
    main()
