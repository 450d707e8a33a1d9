"""Fannkuch: for every permutation of 1..n, count the prefix reversals needed
to bring 1 to the front; report the maximum and a signed checksum.

Permutations are enumerated in lexicographic order with an in-place
next-permutation step. Checks itself: the maximum flip count matches the
known sequence (OEIS A000375) and the number of permutations visited is n!.
"""

import math
import os
import sys

# A000375: maximum number of flips over all permutations of n elements.
MAX_FLIPS = {1: 0, 2: 1, 3: 2, 4: 4, 5: 7, 6: 10, 7: 16, 8: 22, 9: 30, 10: 38, 11: 51}


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


def count_flips(perm):
    p = perm[:]
    flips = 0
    first = p[0]
    while first != 0:
        # reverse p[0..first]
        lo, hi = 0, first
        while lo < hi:
            p[lo], p[hi] = p[hi], p[lo]
            lo += 1
            hi -= 1
        flips += 1
        first = p[0]
    return flips


def next_permutation(p):
    """Rearrange p into the next permutation in lexicographic order; False at the end."""
    i = len(p) - 2
    while i >= 0 and p[i] >= p[i + 1]:
        i -= 1
    if i < 0:
        return False
    j = len(p) - 1
    while p[j] <= p[i]:
        j -= 1
    p[i], p[j] = p[j], p[i]
    p[i + 1:] = p[:i:-1]
    return True


def fannkuch(n):
    perm = list(range(n))
    best = 0
    checksum = 0
    visited = 0
    while True:
        flips = count_flips(perm)
        if flips > best:
            best = flips
        checksum += flips if visited % 2 == 0 else -flips
        visited += 1
        if not next_permutation(perm):
            break
    return best, checksum, visited


def main():
    scale = bench_scale()
    # Each step of n multiplies the work by about n: map the scale onto n.
    n = 9
    if scale < 1:
        n = max(5, 9 + int(math.floor(math.log(scale, 9))))
    elif scale >= 9:
        n = 10
    # Between the sizes n! gives, repeat the largest one to fill the time.
    repeats = max(1, int(2 * scale)) if n == 9 else 1
    for _ in range(repeats):
        best, checksum, visited = fannkuch(n)
    assert visited == math.factorial(n), visited
    assert best == MAX_FLIPS[n], (n, best)
    print("n=%d max flips %d checksum %d" % (n, best, checksum))


if __name__ == "__main__":
    main()
