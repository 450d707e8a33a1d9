# Calls inside hot loops: Python functions, builtins, methods, lambdas, keyword calls.
class Vec:
    __slots__ = ("x", "y")
    def __init__(self, x, y):
        self.x = x
        self.y = y
    def add(self, other):
        return Vec(self.x + other.x, self.y + other.y)
    def dot(self, other):
        return self.x * other.x + self.y * other.y

def square(v):
    return v * v

def kw(a, b=1, *, c=2):
    return a + b * c

def run(n):
    acc = Vec(0, 0)
    total = 0
    f = lambda q: q + 1
    for i in range(n):
        acc = acc.add(Vec(i, -i))
        total += square(i % 13) + abs(-i) + len("abc") + f(i) + kw(i, c=3) + kw(i, 2)
        total += max(i, 5) + min(i, 5)
        total += acc.dot(Vec(1, 1))
    return total, acc.x, acc.y

print(run(3000))
words = []
for i in range(500):
    words.append(str(i).zfill(4))
print(len(words), words[-1], "".join(words).count("9"))
def recursive_in_loop(n):
    def depth(k):
        return 0 if k == 0 else 1 + depth(k - 1)
    return sum(depth(i % 20) for i in range(n))
print(recursive_in_loop(300))
def method_cache(n):
    items = []
    append = items.append
    for i in range(n):
        append(i)
        items.append(-i)
    return sum(items), len(items)
print(method_cache(2000))
def varargs(*a, **k):
    return len(a) + len(k)
s = 0
for i in range(1000):
    s += varargs(i, i, x=i) + varargs(*(i,), **{"y": i})
print(s)
