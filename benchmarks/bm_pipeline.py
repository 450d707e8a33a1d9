"""A generator and comprehension pipeline: numbers flow through chained
generators (filter, map, windowed sums, grouping), list/dict/set
comprehensions and builtins (sum, zip, enumerate, sorted, any, all).

Checks itself: every stage is recomputed with a closed form or a plain
loop and compared.
"""

import itertools
import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


def numbers(n):
    i = 0
    while i < n:
        yield i
        i += 1


def odd_squares(source):
    for x in source:
        if x % 2:
            yield x * x


def windowed_sums(source, width):
    window = []
    total = 0
    for x in source:
        window.append(x)
        total += x
        if len(window) > width:
            total -= window.pop(0)
        if len(window) == width:
            yield total


def chunked(source, size):
    chunk = []
    for x in source:
        chunk.append(x)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def main():
    scale = bench_scale()
    n = max(1000, int(1_500_000 * scale))

    # Stage 1: sum of odd squares below n, against the closed form.
    total = sum(odd_squares(numbers(n)))
    m = n // 2  # odd numbers 1, 3, ..., 2m-1
    assert total == m * (2 * m - 1) * (2 * m + 1) // 3, total

    # Stage 2: windowed sums of 0..n-1 (width 4) are 4i + 6.
    count = 0
    for i, s in enumerate(windowed_sums(numbers(n), 4)):
        assert s == 4 * i + 6
        count += 1
    assert count == n - 3

    # Stage 3: comprehensions grouping by residue.
    groups = {r: [x for x in range(r, n, 7)] for r in range(7)}
    assert sum(len(v) for v in groups.values()) == n
    sums = {r: sum(v) for r, v in groups.items()}
    assert sum(sums.values()) == n * (n - 1) // 2
    digits = {d for x in range(0, n, 13) for d in str(x)}
    assert digits <= set("0123456789")

    # Stage 4: chunks, zip and sorted.
    chunk_sums = [sum(c) for c in chunked(numbers(n), 100)]
    assert sum(chunk_sums) == n * (n - 1) // 2
    # Consecutive full chunks of 100 differ by 100 * 100; only the last may be short.
    steps = sorted(((b - a, i) for i, (a, b) in enumerate(zip(chunk_sums, chunk_sums[1:]))),
                   reverse=True)
    assert sum(1 for d, _ in steps if d == 10000) >= len(steps) - 1

    # Stage 5: itertools and any/all over generator expressions.
    accumulated = list(itertools.accumulate(x % 10 for x in range(n)))
    assert accumulated[-1] == sum(x % 10 for x in range(n))
    assert all(b >= a for a, b in zip(accumulated, accumulated[1:]))
    assert not any(x < 0 for x in accumulated)
    print("n=%d odd-square sum %d, chunks %d, digits %s" % (n, total, len(chunk_sums),
                                                       "".join(sorted(digits))))


if __name__ == "__main__":
    main()
