"""A small program with hot loops: cpjit traces and compiles them.

Run it with ``cpjit exec examples/sum_loop.py`` and compare with ``python examples/sum_loop.py``.
"""


def sum_of_squares(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def mean(values):
    s = 0.0
    for v in values:
        s += v
    return s / len(values)


def collatz_steps(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


print("sum of squares below 100000:", sum_of_squares(100_000))
print("mean of 0.5 .. 999.5:", mean([i + 0.5 for i in range(1000)]))
print("longest Collatz chain below 3000:",
      max(range(1, 3000), key=collatz_steps))
