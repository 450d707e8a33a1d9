# dataclasses, enum, namedtuple, functools, itertools, collections, heapq, bisect, json.
import dataclasses, enum, functools, itertools, collections, heapq, bisect, json, fractions, decimal

@dataclasses.dataclass(order=True, frozen=True)
class Version:
    major: int
    minor: int = 0
    tags: tuple = ()

class Color(enum.Enum):
    RED = 1
    GREEN = 2
    BLUE = enum.auto()

class Flags(enum.IntFlag):
    A = 1
    B = 2

vs = sorted([Version(1, 2), Version(0, 9), Version(1, 0, ("rc",))])
print(vs, Version(1) == Version(1, 0), dataclasses.asdict(vs[0]), dataclasses.replace(vs[0], minor=5))
try:
    vs[0].major = 3
except dataclasses.FrozenInstanceError as e:
    print("frozen:", e)
print(list(Color), Color(2), Color["BLUE"].value, Flags.A | Flags.B, repr(Flags(3)))
Pt = collections.namedtuple("Pt", "x y")
p = Pt(1, y=2)
print(p, p._replace(x=5), p._asdict(), Pt._fields)

@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(80), fib.cache_info().hits > 0)
print(list(itertools.accumulate(range(6))), list(itertools.permutations("abc", 2))[:4],
      list(itertools.groupby("aabbbc")) and [(k, len(list(g))) for k, g in itertools.groupby("aabbbc")])
c = collections.Counter("mississippi")
print(c.most_common(3), collections.OrderedDict(a=1), collections.deque(range(5), maxlen=3))
dd = collections.defaultdict(list)
for w in ["apple", "avocado", "banana", "blueberry", "cherry"]:
    dd[w[0]].append(w)
print(dict(dd))
h = []
for v in [5, 1, 8, 3, 9, 2]:
    heapq.heappush(h, v)
print([heapq.heappop(h) for _ in range(len(h))], bisect.bisect([1, 3, 5, 7], 4))
print(json.dumps({"b": [1, 2.5, None, True], "a": "x"}, sort_keys=True), json.loads('{"k": [1, {"n": null}]}'))
print(fractions.Fraction(3, 4) + fractions.Fraction(1, 6), decimal.Decimal("1.1") + decimal.Decimal("2.2"))
print(functools.reduce(lambda a, b: a * b, range(1, 10)), sorted("banana", key=str.upper))
