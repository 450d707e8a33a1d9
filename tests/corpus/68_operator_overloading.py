# Operator overloading in hot loops: __add__/__radd__/__iadd__, NotImplemented, rich compares.
class Money:
    __slots__ = ("cents",)
    def __init__(self, cents):
        self.cents = cents
    def __add__(self, other):
        if isinstance(other, Money):
            return Money(self.cents + other.cents)
        if isinstance(other, int):
            return Money(self.cents + other)
        return NotImplemented
    def __radd__(self, other):
        return self.__add__(other)
    def __mul__(self, k):
        return Money(self.cents * k)
    def __eq__(self, other):
        return isinstance(other, Money) and self.cents == other.cents
    def __lt__(self, other):
        return self.cents < other.cents
    def __repr__(self):
        return "Money(%d)" % self.cents

class Acc:
    def __init__(self):
        self.n = 0
    def __iadd__(self, v):
        self.n += v
        return self

def run(n):
    total = Money(0)
    acc = Acc()
    smaller = 0
    for i in range(n):
        total = total + Money(i) * 2
        total = 1 + total
        acc += i
        if Money(i) < Money(n // 2):
            smaller += 1
    return total, acc.n, smaller, sum([Money(1), Money(2)], Money(0)), Money(3) == Money(3)

print(run(2000))
try:
    Money(1) + "x"
except TypeError as e:
    print("TypeError:", e)
def small_ints(n):
    same = 0
    for i in range(n):
        a = i - 100
        b = i - 100
        if a is b:          # CPython caches -5..256
            same += 1
    return same
print(small_ints(600))
