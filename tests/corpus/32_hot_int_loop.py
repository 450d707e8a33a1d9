# Hot integer loops, with small ints overflowing into big ints mid-loop.
def sum_range(n):
    total = 0
    for i in range(n):
        total += i
    return total

def powers(n):
    x = 1
    for i in range(n):
        x = x * 3 + i
    return x

def mixed_ops(n):
    a, b = 1, 0
    for i in range(n):
        a = (a * 31 + i) % 1000003
        b ^= a << (i % 7)
        if a & 1:
            b -= i
        else:
            b += a // 3
    return a, b

def fact_loop(n):
    r = 1
    i = 2
    while i <= n:
        r *= i
        i += 1
    return r

def grow_past_word(n):
    v = 2**62 - 5
    out = []
    for i in range(n):
        v += 1
        out.append(v.bit_length())
    return out

print(sum_range(20000))
print(powers(100) % 10**12)
print(mixed_ops(5000))
print(len(str(fact_loop(300))))
print(grow_past_word(10))
neg = 0
for k in range(-500, 500):
    neg += k * k * (-1 if k % 2 else 1)
print(neg)
print(sum_range(3), sum_range(0))
