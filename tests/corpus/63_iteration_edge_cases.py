# FOR_ITER edge cases: mutation during iteration, negative steps, early exits, exhaustion.
def append_while_iterating():
    xs = [1, 2, 3]
    seen = []
    for x in xs:
        seen.append(x)
        if len(xs) < 8:
            xs.append(x * 10)
    return seen

def remove_while_iterating():
    xs = list(range(10))
    for x in xs:
        if x % 2 == 0:
            xs.remove(x)
    return xs

def negative_steps():
    out = []
    for i in range(20, -20, -7):
        out.append(i)
    for i in range(0, 10, -1):
        out.append("never")
    return out

def big_range_break():
    for i in range(10**18, 10**18 + 10**6):
        if i % 1000 == 999:
            return i

def exhausted():
    it = iter(range(5))
    first = [x for x in it if x < 2]
    second = list(it)
    return first, second

def dict_changed():
    d = {i: i for i in range(5)}
    try:
        for k in d:
            d[k + 100] = 0
    except RuntimeError as e:
        return str(e)

def tuple_and_str():
    s = 0
    for ch in "abcdef" * 100:
        s += ord(ch)
    for t in ((1, 2), (3, 4)) * 200:
        s += t[0] - t[1]
    return s

def while_with_else(n):
    i = 0
    while i < n:
        if i == -1:
            break
        i += 1
    else:
        return "else ran at %d" % i

print(append_while_iterating(), remove_while_iterating(), negative_steps())
print(big_range_break(), exhausted(), dict_changed(), tuple_and_str(), while_with_else(3000))
