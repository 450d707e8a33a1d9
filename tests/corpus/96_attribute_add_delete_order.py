"""Attributes added, deleted and re-added in a hot loop on fresh instances: the
specialized stores must keep 3.11's insertion order (vars() order) exactly."""

class P:
    def __init__(self):
        self.a = 1
def f(n):
    t = 0
    for i in range(n):
        p = P()
        p.b = i
        p.c = i * 2
        t += p.b + p.c + p.a
        del p.b
        p.b = 5
        t += len(vars(p)) + list(vars(p))[-1].__len__()
    return t, vars(p)
print(f(2000))


class Q:
    def __init__(self, first):
        if first:
            self.x = 1
        self.y = 2


def g(n):
    out = []
    for i in range(n):
        q = Q(i % 3 == 0)          # two layouts of one type: x missing on most
        q.x = i
        q.z = -i
        if i % 5 == 0:
            del q.y
        out.append(tuple(vars(q)))
    return sorted(set(out)), len(out)


print(g(600))
