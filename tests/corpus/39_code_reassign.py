# A function's __code__ and __defaults__ replaced while a loop calls it.
def f(x):
    return x + 1

def g(x):
    return x * 100

def loop(n):
    total = 0
    for i in range(n):
        if i == n // 2:
            f.__code__ = g.__code__
        total += f(i)
    return total
print(loop(3000))
def h(x, y=1):
    return x + y
def defaults_loop(n):
    total = 0
    for i in range(n):
        if i == 1000:
            h.__defaults__ = (50,)
        total += h(i)
    return total
print(defaults_loop(2000))
def self_modifying(n):
    total = 0
    for i in range(n):
        total += i
        if i == 500:
            self_modifying.__code__ = (lambda n: -1).__code__
    return total
print(self_modifying(1000), self_modifying(1000))
def make(k):
    def inner(x):
        return x * k
    return inner
a, b = make(2), make(3)
def closure_swap(n):
    total = 0
    for i in range(n):
        if i == 700:
            a.__code__ = b.__code__
        total += a(i)
    return total
print(closure_swap(1500))
