"""List-based matrix multiply: integer and float matrices as lists of lists,
multiplied with the textbook triple loop and with a transposed-row variant.

Checks itself: the two variants agree exactly on integers; Freivalds' check
A(Bx) == (AB)x holds for several vectors; float results match the integer
ones scaled; and (AB)^T == B^T A^T.
"""

import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


def make_matrix(rows, cols, seed):
    m = []
    for _ in range(rows):
        row = []
        for _ in range(cols):
            seed = (seed * 16807) % 2147483647
            row.append(seed % 19 - 9)
        m.append(row)
    return m, seed


def multiply_naive(a, b):
    n, k, m = len(a), len(b), len(b[0])
    result = [[0] * m for _ in range(n)]
    for i in range(n):
        row = result[i]
        ai = a[i]
        for p in range(k):
            aip = ai[p]
            bp = b[p]
            for j in range(m):
                row[j] += aip * bp[j]
    return result


def transpose(m):
    return [list(col) for col in zip(*m)]


def multiply_transposed(a, b):
    bt = transpose(b)
    return [[sum(x * y for x, y in zip(row, col)) for col in bt] for row in a]


def mat_vec(m, v):
    return [sum(x * y for x, y in zip(row, v)) for row in m]


def main():
    scale = bench_scale()
    n = max(8, int(160 * scale ** (1 / 3)))
    a, seed = make_matrix(n, n, 42)
    b, seed = make_matrix(n, n, seed)
    ab = multiply_naive(a, b)
    assert ab == multiply_transposed(a, b)
    for k in range(3):
        x = [(i * 7 + k) % 11 - 5 for i in range(n)]
        assert mat_vec(a, mat_vec(b, x)) == mat_vec(ab, x)
    assert transpose(ab) == multiply_naive(transpose(b), transpose(a))
    af = [[v * 0.5 for v in row] for row in a]
    bf = [[v * 0.25 for v in row] for row in b]
    abf = multiply_naive(af, bf)
    assert all(abf[i][j] == ab[i][j] * 0.125 for i in range(n) for j in range(n))
    trace = sum(ab[i][i] for i in range(n))
    print("n=%d trace %d corner %d" % (n, trace, ab[n - 1][0]))


if __name__ == "__main__":
    main()
