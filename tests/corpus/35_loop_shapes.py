# The loop shapes tier 2 traces: range, list, while, nested, enumerate/zip, dict, reversed.
def over_range(n):
    s = 0
    for i in range(3, n, 2):
        s += i
    return s

def over_list(xs):
    s = 0
    for x in xs:
        s += x
    return s

def over_tuple_strings(ts):
    out = []
    for t in ts:
        out.append(t[0] + str(len(t)))
    return "".join(out)

def while_loop(n):
    i, s = 0, 0
    while i < n:
        s += i * 2
        i += 1
    return s

def nested(n):
    s = 0
    for i in range(n):
        for j in range(i):
            s += i ^ j
    return s

def enum_zip(xs, ys):
    s = 0
    for i, (x, y) in enumerate(zip(xs, ys)):
        s += i * x - y
    return s

def dict_iter(d):
    s = 0
    for k, v in d.items():
        s += k * v
    for k in d:
        s -= k
    for v in d.values():
        s += v
    return s

def reversed_loop(xs):
    out = 0
    for x in reversed(xs):
        out = out * 3 + x
    return out % 1000007

def countdown_while(n):
    steps = 0
    while n:
        n -= 1
        steps += 1
        if steps > 10**6:
            break
    return steps

xs = list(range(3000))
print(over_range(10000), over_list(xs), over_tuple_strings(["ab", "c", "def"] * 200)[:30])
print(while_loop(5000), nested(120), enum_zip(xs, xs[::-1]))
print(dict_iter({i: i + 1 for i in range(2000)}), reversed_loop(xs), countdown_while(4000))
grid = [[(r * c) % 7 for c in range(40)] for r in range(40)]
best = 0
for row in grid:
    for v in row:
        if v > best:
            best = v
print(best, sum(map(sum, grid)))
s = 0
for ch in "the quick brown fox" * 50:
    if ch == " ":
        continue
    s += ord(ch)
print(s)
it = iter(range(100))
total = 0
for a in it:
    total += a + next(it)
print(total)
