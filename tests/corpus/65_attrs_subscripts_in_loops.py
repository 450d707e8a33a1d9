# STORE_ATTR / STORE_SUBSCR / augmented assignment on attributes and items in hot loops.
class Particle:
    def __init__(self):
        self.x = 0.0
        self.v = 1.0

class SlotParticle:
    __slots__ = ("x", "v")
    def __init__(self):
        self.x = 0
        self.v = 3

def simulate(ps, steps):
    for _ in range(steps):
        for p in ps:
            p.x += p.v
            p.v *= 0.5 if p.x > 10 else 1
    return [round(p.x, 3) for p in ps]

def grid_update(n):
    g = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            g[i][j] += i * j
            g[j][i] -= 1
    return sum(map(sum, g))

def dict_counters(words):
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
        counts["total"] = counts.get("total", 0) + 1
    return sorted(counts.items())

def bytearray_fill(n):
    b = bytearray(n)
    for i in range(n):
        b[i] = (i * 7) % 256
    return sum(b), b[-3:]

print(simulate([Particle(), Particle(), SlotParticle()], 40))
print(grid_update(40))
print(dict_counters("a b c a b a d".split() * 50))
print(bytearray_fill(2000))
class Acc:
    total = 0
acc = Acc()
for i in range(2000):
    acc.total += i
    Acc.total -= 1
print(acc.total, Acc.total)
