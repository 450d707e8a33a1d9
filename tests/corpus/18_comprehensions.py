# List/set/dict comprehensions, generator expressions, nesting, walrus, scopes.
squares = [i * i for i in range(10)]
evens = {i for i in range(20) if i % 2 == 0}
pairs = {i: chr(65 + i) for i in range(5)}
nested = [(a, b) for a in range(3) for b in range(a) if a + b > 1]
matrix = [[r * 3 + c for c in range(3)] for r in range(3)]
transposed = [[row[i] for row in matrix] for i in range(3)]
print(squares, sorted(evens), pairs, nested, transposed)
print(sum(x for x in range(100) if x % 3 == 0), max((len(w), w) for w in ["aa", "b", "ccc"]))
gen = (c.upper() for c in "abc")
print(next(gen), list(gen))
data = [1, 5, 2, 8, 3]
print([y for x in data if (y := x * 2) > 5], y)
k = 10
print([k + j for j in range(3)], {v: [w for w in range(v)] for v in range(3)})
class Scope:
    base = 100
    values = [base + 1]
    try:
        more = [base + i for i in range(2)]
    except NameError as e:
        more = str(e)
print(Scope.values, Scope.more)
flat = [x for row in matrix for x in row if x % 2]
print(flat, [[x, x] for x in "ab"], {(x, y) for x in range(2) for y in range(2)} == {(0, 0), (0, 1), (1, 0), (1, 1)})
words = "the quick brown fox jumps over the lazy dog".split()
freq = {}
for w in words:
    freq[w] = freq.get(w, 0) + 1
print(sorted(freq.items(), key=lambda kv: (-kv[1], kv[0])))
print(list(zip(*[(1, "a"), (2, "b")])), dict(zip("abc", range(3))), list(enumerate("xy", start=5)))
