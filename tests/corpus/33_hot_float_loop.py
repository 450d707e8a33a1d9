# Float loops, floats appearing in the middle of an int loop, and int/float mixing.
import math

def integrate(n):
    h = 1.0 / n
    s = 0.0
    for i in range(n):
        x = (i + 0.5) * h
        s += 4.0 / (1.0 + x * x)
    return s * h

def type_switch(n):
    acc = 0
    for i in range(n):
        if i == n // 2:
            acc = acc + 0.5        # from here on acc is a float
        acc += i
    return acc

def mixed_list(values):
    total = 0
    for v in values:
        total += v * 2
    return total

def newton_sqrt(a):
    x = a
    for _ in range(30):
        x = 0.5 * (x + a / x)
    return x

print("%.12f" % integrate(5000))
print(type_switch(4000), type(type_switch(10)).__name__)
print(mixed_list([1, 2, 3.5, 4, 2**70, -1.25]))
print(newton_sqrt(2.0), math.sqrt(2.0), newton_sqrt(1e10))
vals = []
x = 1.0
for i in range(1000):
    x = x * 1.5
    if x > 1e300:
        x = x * 1e10
        vals.append((i, x))
        break
print(vals, float("inf") > 1e308, math.isnan(float("nan")))
f = 0.0
for i in range(2000):
    f += 0.1
print(f, round(f, 6), f == 200.0)
