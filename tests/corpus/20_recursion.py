# Recursion: deep but legal, mutual recursion, and RecursionError caught.
import sys

def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)

def is_even(n):
    return True if n == 0 else is_odd(n - 1)

def is_odd(n):
    return False if n == 0 else is_even(n - 1)

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

print(fact(30), is_even(100), is_odd(7), fib(16))
print(len(str(fact(400))))

depth = 0
def dive():
    global depth
    depth += 1
    dive()

try:
    dive()
except RecursionError as e:
    print("RecursionError:", e)
    print("depth reached", depth)

def dive_loop(n):
    for i in range(1):
        return dive_loop(n + 1)
try:
    dive_loop(0)
except RecursionError as e:
    print("RecursionError again:", e)

sys.setrecursionlimit(200)
depth = 0
try:
    dive()
except RecursionError:
    print("with limit 200, depth", depth)
sys.setrecursionlimit(1000)
def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))
print(ackermann(2, 3))
