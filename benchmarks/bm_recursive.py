"""Recursion: naive Fibonacci, Ackermann, binary trees built and walked
recursively, and a recursive-descent evaluator for arithmetic expressions.

Checks itself: Fibonacci against an iterative loop, Ackermann against its
closed forms for m <= 3, tree node counts against 2^(d+1) - 1, and the
evaluator against Python's own eval of the same expression.
"""

import math
import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def fib_loop(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


class Node:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left, self.right = left, right


def make_tree(depth):
    if depth == 0:
        return Node(None, None)
    return Node(make_tree(depth - 1), make_tree(depth - 1))


def count_nodes(node):
    if node.left is None:
        return 1
    return 1 + count_nodes(node.left) + count_nodes(node.right)


def make_expression(depth, seed):
    if depth == 0:
        return str(seed % 9 + 1), seed
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    left, seed = make_expression(depth - 1, seed)
    right, seed = make_expression(depth - 1, seed)
    return "(%s %s %s)" % (left, "+-*"[seed % 3], right), seed


def tokenize(text):
    return [ch for ch in text if ch != " "]


def parse_expr(tokens, pos):
    """expr := term (('+' | '-') term)*"""
    value, pos = parse_term(tokens, pos)
    while pos < len(tokens) and tokens[pos] in "+-":
        op = tokens[pos]
        rhs, pos = parse_term(tokens, pos + 1)
        value = value + rhs if op == "+" else value - rhs
    return value, pos


def parse_term(tokens, pos):
    """term := atom ('*' atom)*"""
    value, pos = parse_atom(tokens, pos)
    while pos < len(tokens) and tokens[pos] == "*":
        rhs, pos = parse_atom(tokens, pos + 1)
        value *= rhs
    return value, pos


def parse_atom(tokens, pos):
    if tokens[pos] == "(":
        value, pos = parse_expr(tokens, pos + 1)
        assert tokens[pos] == ")"
        return value, pos + 1
    return int(tokens[pos]), pos + 1


def main():
    scale = bench_scale()
    # fib's cost grows by the golden ratio per step: 2.08 steps per factor e.
    n = max(12, 32 + round(2.08 * math.log(scale)))
    value = fib(n)
    assert value == fib_loop(n)
    ack_n = max(2, min(6, int(6 * scale ** 0.25)))
    assert ackermann(2, ack_n * 10) == 2 * ack_n * 10 + 3
    assert ackermann(3, ack_n) == 2 ** (ack_n + 3) - 3
    depth = max(6, min(19, 17 + round(math.log2(scale))))
    tree = make_tree(depth)
    assert count_nodes(tree) == 2 ** (depth + 1) - 1
    expressions = max(2, int(300 * scale))
    total = 0
    seed = 1
    for _ in range(expressions):
        text, seed = make_expression(8, seed)
        result, end = parse_expr(tokenize(text), 0)
        assert end == len(tokenize(text))
        assert result == eval(text), text
        total += result
    print("fib(%d) = %d, ackermann(3, %d) ok, tree depth %d, expression total %d"
          % (n, value, ack_n, depth, total))


if __name__ == "__main__":
    main()
