"""Integer loops: a prime sieve, Collatz chain lengths and a gcd table.

Checks itself: the sieve agrees with trial division on a prefix, the Collatz
record holder is re-verified step by step, and the gcd sum matches the
totient-based identity sum_{i,j<=n} gcd(i,j) = sum_d phi-weighted counts.
"""

import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


def sieve(limit):
    is_prime = [True] * (limit + 1)
    is_prime[0] = is_prime[1] = False
    i = 2
    while i * i <= limit:
        if is_prime[i]:
            j = i * i
            while j <= limit:
                is_prime[j] = False
                j += i
        i += 1
    return is_prime


def is_prime_by_division(n):
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    return True


def collatz_length(n):
    steps = 0
    while n != 1:
        if n & 1:
            n = 3 * n + 1
        else:
            n >>= 1
        steps += 1
    return steps


def gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def gcd_sum_direct(n):
    total = 0
    for i in range(1, n + 1):
        for j in range(1, n + 1):
            total += gcd(i, j)
    return total


def gcd_sum_by_totient(n):
    # sum_{i,j<=n} gcd(i,j) = sum_d phi(d) * floor(n/d)^2
    phi = list(range(n + 1))
    for p in range(2, n + 1):
        if phi[p] == p:
            for k in range(p, n + 1, p):
                phi[k] -= phi[k] // p
    return sum(phi[d] * (n // d) ** 2 for d in range(1, n + 1))


def main():
    scale = bench_scale()
    limit = max(1000, int(1_000_000 * scale))
    primes = sieve(limit)
    count = sum(primes)
    for n in range(min(2000, limit + 1)):
        assert primes[n] == is_prime_by_division(n), n

    collatz_limit = max(1000, int(200_000 * scale))
    best, best_len = 1, 0
    for n in range(1, collatz_limit):
        length = collatz_length(n)
        if length > best_len:
            best, best_len = n, length
    assert collatz_length(best) == best_len

    gcd_n = max(20, int(320 * scale ** 0.5))
    direct = gcd_sum_direct(gcd_n)
    assert direct == gcd_sum_by_totient(gcd_n), (direct, gcd_n)

    print("primes below %d: %d" % (limit + 1, count))
    print("longest Collatz chain below %d: %d (%d steps)" % (collatz_limit, best, best_len))
    print("gcd sum for n=%d: %d" % (gcd_n, direct))


if __name__ == "__main__":
    main()
