"""N-queens: count every placement of n non-attacking queens.

Two solvers that share nothing: a bitmask backtracker and a list-based one
that checks diagonals explicitly. Checks itself: both agree with each other
and with the known counts (OEIS A000170).
"""

import os
import sys

SOLUTIONS = {4: 2, 5: 10, 6: 4, 7: 40, 8: 92, 9: 352, 10: 724, 11: 2680, 12: 14200}


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


def count_bitmask(n):
    full = (1 << n) - 1

    def place(cols, diag1, diag2):
        if cols == full:
            return 1
        total = 0
        free = full & ~(cols | diag1 | diag2)
        while free:
            bit = free & -free
            free ^= bit
            total += place(cols | bit, ((diag1 | bit) << 1) & full, (diag2 | bit) >> 1)
        return total

    return place(0, 0, 0)


def count_lists(n):
    queens = []

    def safe(col):
        row = len(queens)
        for r, c in enumerate(queens):
            if c == col or abs(c - col) == row - r:
                return False
        return True

    def place():
        if len(queens) == n:
            return 1
        total = 0
        for col in range(n):
            if safe(col):
                queens.append(col)
                total += place()
                queens.pop()
        return total

    return place()


def main():
    scale = bench_scale()
    n = 11 if scale >= 1 else (9 if scale >= 0.3 else (8 if scale >= 0.05 else 6))
    big = 12 if scale >= 1 else n
    fast = count_bitmask(big)
    slow = count_lists(n)
    assert fast == SOLUTIONS[big], (big, fast)
    assert slow == SOLUTIONS[n], (n, slow)
    print("%d-queens: %d solutions (bitmask)" % (big, fast))
    print("%d-queens: %d solutions (lists)" % (n, slow))


if __name__ == "__main__":
    main()
