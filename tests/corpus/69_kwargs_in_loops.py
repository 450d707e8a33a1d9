# Keyword arguments, *args/**kwargs forwarding and unpacking inside hot loops.
def target(a, b=0, *rest, c=1, **kw):
    return a + b + len(rest) + c + len(kw)

def forward(*args, **kwargs):
    return target(*args, **kwargs)

def run(n):
    total = 0
    opts = {"c": 2, "extra": 1}
    for i in range(n):
        total += target(i, c=3)
        total += target(a=i, b=1)
        total += forward(i, 2, 3, 4, **opts)
        total += forward(*(i, i), c=i)
        x, *ys = (i, i + 1, i + 2)
        total += x + len(ys)
        d = dict(k=i, **{"m": 1})
        total += d["k"] + d["m"]
    return total
print(run(1500))
try:
    for i in range(100):
        if i == 99:
            target(1, a=2)
except TypeError as e:
    print("TypeError:", e)
