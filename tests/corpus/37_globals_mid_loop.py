# Globals and builtins reassigned while a loop is hot: every iteration must see the change.
import builtins

SCALE = 1

def scaled(n):
    total = 0
    for i in range(n):
        if i == n // 2:
            global SCALE
            SCALE = 10
        total += i * SCALE
    return total

print(scaled(4000))
def helper(x):
    return x + 1

def use_helper(n):
    global helper
    total = 0
    for i in range(n):
        if i == 1000:
            helper = lambda x: x * 2
        total += helper(i)
    return total
print(use_helper(3000))
real_len = builtins.len
def count_lens(n):
    total = 0
    for i in range(n):
        if i == 500:
            builtins.len = lambda obj: 100
        if i == 1500:
            builtins.len = real_len
        total += len("ab")
    return total
print(count_lens(2000))
def shadow_builtin(n):
    total = 0
    for i in range(n):
        if i == 700:
            globals()["abs"] = lambda v: 0
        total += abs(-i)
    del globals()["abs"]
    return total
print(shadow_builtin(1500), abs(-3))
counter = 0
def bump(n):
    global counter
    for i in range(n):
        counter += 1
        if i == 100:
            del counter
            counter = 1000
    return counter
print(bump(2000))
def missing_global(n):
    total = 0
    for i in range(n):
        if i == 300:
            del globals()["VANISHING"]
        try:
            total += VANISHING
        except NameError as e:
            return total, str(e)
    return total
VANISHING = 2
print(missing_global(1000))
