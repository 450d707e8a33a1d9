# Classes: inheritance, properties, class/static methods, __slots__, dunders, metaclasses.
class Meta(type):
    def __new__(mcls, name, bases, ns, **kw):
        ns["created_by"] = "Meta" + str(sorted(kw))
        return super().__new__(mcls, name, bases, ns)
    def __call__(cls, *a, **k):
        obj = super().__call__(*a, **k)
        obj.via_meta = True
        return obj

class Base(metaclass=Meta, flag=1):
    count = 0
    def __init__(self, v):
        self.v = v
        Base.count += 1
    @property
    def double(self):
        return self.v * 2
    @double.setter
    def double(self, value):
        self.v = value // 2
    @classmethod
    def make(cls, v):
        return cls(v)
    @staticmethod
    def helper(x):
        return x + 1
    def __repr__(self):
        return "%s(%r)" % (type(self).__name__, self.v)
    def __eq__(self, other):
        return isinstance(other, Base) and self.v == other.v
    def __hash__(self):
        return hash(self.v)
    def __lt__(self, other):
        return self.v < other.v
    def __add__(self, other):
        return type(self)(self.v + other.v)
    def __len__(self):
        return self.v
    def __bool__(self):
        return self.v != 0
    def __call__(self, x):
        return self.v * x
    def __getitem__(self, k):
        return (self.v, k)
    def __contains__(self, k):
        return k == self.v

class Child(Base):
    def __init__(self, v, extra="e"):
        super().__init__(v)
        self.extra = extra
    def __repr__(self):
        return "Child<" + super().__repr__() + ">"

b = Base(3)
c = Child.make(4)
print(b, c, b.double, Base.helper(1), c.created_by, c.via_meta, Base.count)
b.double = 10
print(b.v, b == Base(5), b != c, sorted([Child(3), Base(1), Child(2)]), b + c, len(c), bool(Base(0)))
print(b(7), b["key"], 5 in b, 6 in b, {b, Base(5)}, isinstance(c, Base), issubclass(Child, Base))
print(type(b).__name__, Child.__mro__, Child.__bases__, Child.__qualname__)

class Slotted:
    __slots__ = ("a", "b")
    def __init__(self):
        self.a = 1
s = Slotted()
try:
    s.c = 3
except AttributeError as e:
    print("AttributeError:", e)
try:
    print(s.b)
except AttributeError as e:
    print("AttributeError:", e)

class Dyn:
    pass
d = Dyn()
d.x = 1
setattr(d, "y", 2)
print(vars(d), getattr(d, "z", "default"), hasattr(d, "x"))
del d.x
print(vars(d))
Point = type("Point", (), {"x": 0, "norm": lambda self: abs(self.x)})
pt = Point()
pt.x = -5
print(pt.norm(), Point.__name__)
class Outer:
    class Inner:
        def where(self):
            return type(self).__qualname__
print(Outer.Inner().where())
