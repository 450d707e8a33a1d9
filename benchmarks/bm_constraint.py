"""A constraint solver: a general finite-domain CSP engine (arc consistency,
then backtracking with minimum-remaining-values and forward checking)
applied to Sudoku puzzles and to graph colouring.

Puzzles are generated deterministically: a valid grid is shuffled by
symmetry-preserving moves, then cells are blanked. Checks itself: every
solution satisfies every constraint and agrees with the givens.
"""

import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


class Random:
    def __init__(self, seed):
        self.state = seed

    def below(self, bound):
        self.state = (self.state * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.state >> 8) % bound


class Problem:
    """Variables with finite domains and binary 'different' constraints."""

    def __init__(self):
        self.domains = {}
        self.neighbours = {}

    def add_variable(self, name, values):
        self.domains[name] = set(values)
        self.neighbours[name] = set()

    def add_different(self, a, b):
        if a != b:
            self.neighbours[a].add(b)
            self.neighbours[b].add(a)

    def revise(self, domains, a, b):
        """Drop values of a that leave b nothing (only happens when b is a singleton)."""
        db = domains[b]
        if len(db) == 1:
            (value,) = db
            if value in domains[a]:
                domains[a] = domains[a] - {value}
                return True
        return False

    def arc_consistency(self, domains):
        queue = [(a, b) for a in domains for b in self.neighbours[a]]
        while queue:
            a, b = queue.pop()
            if self.revise(domains, a, b):
                if not domains[a]:
                    return False
                for c in self.neighbours[a]:
                    if c != b:
                        queue.append((c, a))
        return True

    def solve(self):
        domains = {k: set(v) for k, v in self.domains.items()}
        if not self.arc_consistency(domains):
            return None
        self.nodes = 0
        return self.backtrack(domains)

    def backtrack(self, domains):
        self.nodes += 1
        unassigned = [v for v in domains if len(domains[v]) > 1]
        if not unassigned:
            return {v: next(iter(d)) for v, d in domains.items()}
        var = min(unassigned, key=lambda v: (len(domains[v]), v))
        for value in sorted(domains[var]):
            trial = dict(domains)
            trial[var] = {value}
            if self.arc_consistency(trial):
                result = self.backtrack(trial)
                if result is not None:
                    return result
        return None


def solved_grid(rng):
    base = [[(3 * (r % 3) + r // 3 + c) % 9 + 1 for c in range(9)] for r in range(9)]
    digits = list(range(1, 10))
    for i in range(8, 0, -1):
        j = rng.below(i + 1)
        digits[i], digits[j] = digits[j], digits[i]
    grid = [[digits[v - 1] for v in row] for row in base]
    for band in range(3):  # swap rows inside each band
        a, b = band * 3 + rng.below(3), band * 3 + rng.below(3)
        grid[a], grid[b] = grid[b], grid[a]
    grid = [list(col) for col in zip(*grid)]  # transpose, then swap columns likewise
    for band in range(3):
        a, b = band * 3 + rng.below(3), band * 3 + rng.below(3)
        grid[a], grid[b] = grid[b], grid[a]
    return grid


def sudoku_problem(givens):
    problem = Problem()
    for r in range(9):
        for c in range(9):
            g = givens[r][c]
            problem.add_variable((r, c), [g] if g else range(1, 10))
    for r in range(9):
        for c in range(9):
            for k in range(9):
                problem.add_different((r, c), (r, k))
                problem.add_different((r, c), (k, c))
                problem.add_different((r, c), (r // 3 * 3 + k // 3, c // 3 * 3 + k % 3))
    return problem


def colouring_problem(rng, nodes, colours):
    problem = Problem()
    for n in range(nodes):
        problem.add_variable(n, range(colours))
    for n in range(1, nodes):  # a random graph built around a colourable layering
        for _ in range(3):
            m = rng.below(n)
            if m % colours != n % colours:
                problem.add_different(n, m)
    return problem


def check(problem, solution):
    for var, value in solution.items():
        assert value in problem.domains[var], (var, value)
        for other in problem.neighbours[var]:
            assert solution[other] != value, (var, other)


def main():
    scale = bench_scale()
    rng = Random(7)
    puzzles = max(1, int(90 * scale))
    nodes_total = 0
    for _ in range(puzzles):
        grid = solved_grid(rng)
        givens = [[v if rng.below(100) < 30 else 0 for v in row] for row in grid]
        problem = sudoku_problem(givens)
        solution = problem.solve()
        assert solution is not None
        check(problem, solution)
        nodes_total += problem.nodes
    colouring = colouring_problem(rng, max(20, int(300 * scale)), 4)
    solution = colouring.solve()
    assert solution is not None
    check(colouring, solution)
    print("sudoku puzzles: %d, search nodes: %d" % (puzzles, nodes_total))
    print("graph colouring search nodes: %d" % colouring.nodes)


if __name__ == "__main__":
    main()
