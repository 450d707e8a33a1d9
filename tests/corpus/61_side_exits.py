# Loops whose guards fail often: alternating types, branchy bodies, hot side exits.
def alternating(n):
    values = [1, 2.5, 3, 4.25, True, 10**20]
    total = 0
    for i in range(n):
        total += values[i % len(values)] * 2
    return total

def branchy(n):
    a = b = c = 0
    for i in range(n):
        if i % 3 == 0:
            a += 1
        elif i % 5 == 0:
            b += i
        else:
            c -= 1
        if i & 16:
            a ^= i
    return a, b, c

def phase_change(n):
    x = 0
    for i in range(n):
        if i < n // 2:
            x += i          # ints
        else:
            x += i / 2      # floats from the middle on
    return x

def rare_path(n):
    hits = []
    for i in range(n):
        if i % 997 == 996:
            hits.append(str(i))
    return hits

def nested_hot_inner(n):
    total = 0
    for i in range(n):
        j = 0
        while j < 50:
            total += j * i
            j += 1
    return total

print(alternating(3000))
print(branchy(5000))
print(phase_change(4000))
print(rare_path(5000))
print(nested_hot_inner(80))
