# __getattr__, __getattribute__, descriptors, __set_name__, __init_subclass__, class decorators.
class Typed:
    def __set_name__(self, owner, name):
        self.name = "_" + name
    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.name, None)
    def __set__(self, obj, value):
        if not isinstance(value, int):
            raise TypeError("%s must be int" % self.name[1:])
        setattr(obj, self.name, value)

class Registry:
    registered = []
    def __init_subclass__(cls, tag="none", **kw):
        super().__init_subclass__(**kw)
        Registry.registered.append((cls.__name__, tag))

def add_repr(cls):
    cls.__repr__ = lambda self: "<%s %s>" % (cls.__name__, sorted(vars(self).items()))
    return cls

@add_repr
class Item(Registry, tag="item"):
    size = Typed()
    def __init__(self, size):
        self.size = size

class Other(Registry):
    pass

it = Item(3)
print(it.size, it, Registry.registered, type(Item.__dict__["size"]).__name__)
try:
    it.size = "big"
except TypeError as e:
    print("TypeError:", e)

class Proxy:
    def __init__(self, target):
        self._target = target
    def __getattr__(self, name):
        return "proxied " + name + " -> " + str(getattr(self._target, name, "?"))

class Logged:
    def __getattribute__(self, name):
        if name.startswith("secret"):
            raise AttributeError("no secrets: " + name)
        return object.__getattribute__(self, name)
    visible = 1

p = Proxy(it)
print(p.size, p.nothing)
lg = Logged()
print(lg.visible)
try:
    lg.secret_key
except AttributeError as e:
    print("AttributeError:", e)
class Cached:
    calls = 0
    @property
    def value(self):
        Cached.calls += 1
        return 42
c = Cached()
total = 0
for _ in range(100):
    total += c.value
print(total, Cached.calls)
import functools
class Lazy:
    @functools.cached_property
    def heavy(self):
        print("computing once")
        return [1, 2, 3]
l = Lazy()
print(l.heavy, l.heavy)
