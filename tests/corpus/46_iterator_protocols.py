# User-defined iterators and containers in for loops: __iter__/__next__, __getitem__, __contains__.
class Countdown:
    def __init__(self, n):
        self.n = n
    def __iter__(self):
        return self
    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n

class Seq:
    def __getitem__(self, i):
        if i >= 5:
            raise IndexError
        return i * i

class Bag:
    def __init__(self, items):
        self.items = items
    def __iter__(self):
        yield from self.items
    def __contains__(self, x):
        return x in self.items
    def __len__(self):
        return len(self.items)

total = 0
for v in Countdown(2000):
    total += v
print(total, list(Seq()), 9 in Seq(), 7 in Seq())
b = Bag([1, 2, 3])
print(list(b), 2 in b, 5 in b, len(b), sorted(b, reverse=True), sum(b))
a, b2, c = Countdown(3)
print(a, b2, c)
print(list(zip(Countdown(3), Seq())), dict.fromkeys(Countdown(2)), [*Countdown(2), *Seq()])
class BadIter:
    def __iter__(self):
        return 42
try:
    for _ in BadIter():
        pass
except TypeError as e:
    print("TypeError:", e)
try:
    for _ in 3:
        pass
except TypeError as e:
    print("TypeError:", e)
it = iter([1, 2, 3])
print(next(it), list(it), next(it, "default"))
sentinel_calls = iter(Countdown(5).__next__, 1)
print(list(sentinel_calls))
