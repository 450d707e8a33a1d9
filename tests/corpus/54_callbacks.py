# Tier-1 functions called back from native code: sort keys, map/filter, __eq__ in dicts, __lt__.
class Rec:
    def __init__(self, name, score):
        self.name = name
        self.score = score
    def __lt__(self, other):
        return (self.score, self.name) < (other.score, other.name)
    def __eq__(self, other):
        return self.name == other.name
    def __hash__(self):
        return len(self.name)
    def __repr__(self):
        return self.name

recs = [Rec("r%d" % i, (i * 37) % 11) for i in range(30)]
print(sorted(recs)[:6], max(recs), min(recs, key=lambda r: (-r.score, r.name)))
print(list(map(lambda r: r.score * 2, recs))[:8], list(filter(lambda r: r.score > 8, recs)))
d = {}
for r in recs:
    d[r] = d.get(r, 0) + 1
print(len(d), sorted(d.values()))
def key_fn(s):
    total = 0
    for ch in s:
        total += ord(ch)
    return total
print(sorted(["abc", "zz", "a", "mmmm", "b"], key=key_fn))
import functools
def cmp(a, b):
    return (a > b) - (a < b)
print(sorted([5, 2, 9, 1], key=functools.cmp_to_key(cmp)))
print(any(x > 5 for x in range(10)), all(x < 5 for x in range(3)), sum(map(key_fn, ["ab", "cd"])))
def raising_key(v):
    if v == 3:
        raise ValueError("bad key %d" % v)
    return v
try:
    sorted([1, 2, 3, 4], key=raising_key)
except ValueError as e:
    print("ValueError from key:", e)
