# Functions whose loops were traced, then their assumptions change between calls.
def weight(x):
    return x * 2

def total(xs):
    s = 0
    for x in xs:
        s += weight(x)
    return s

data = list(range(500))
print(total(data), total(data))
def weight(x):           # the global the trace read is rebound
    return x * 3
print(total(data))
class Account:
    rate = 2
    def interest(self, v):
        return v * self.rate

def accrue(acc, n):
    s = 0
    for i in range(n):
        s += acc.interest(i)
    return s

acc = Account()
print(accrue(acc, 1000))
Account.rate = 5
print(accrue(acc, 1000))
Account.interest = lambda self, v: -v
print(accrue(acc, 1000))
acc.interest = lambda v: 1           # instance attribute shadows the class's
print(accrue(acc, 1000))
def lookup(d, n):
    s = 0
    for i in range(n):
        s += d["k%d" % (i % 3)]
    return s
d = {"k0": 1, "k1": 2, "k2": 3}
print(lookup(d, 900))
d["k1"] = 100
d["new"] = 0
print(lookup(d, 900))
import builtins
def uses_abs(n):
    s = 0
    for i in range(-n, n):
        s += abs(i)
    return s
print(uses_abs(500))
builtins.abs = lambda v: 1
print(uses_abs(500))
del builtins.abs
try:
    uses_abs(1)
except NameError as e:
    print("NameError:", e)
