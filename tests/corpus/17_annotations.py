# Module, class and function annotations (SETUP_ANNOTATIONS), annotated assignments.
x: int = 3
y: "forward"
z: list[int] = [1, 2]
print(__annotations__)

class C:
    a: int
    b: str = "b"
    c: "C"
    def m(self, p: int, *args: str, q: float = 1.0, **kw: bool) -> "C":
        v: int = 5
        return v
print(C.__annotations__, C.b, C().m(1), C.m.__annotations__)
def f(n: int) -> int:
    total: int = 0
    for i in range(n):
        total += i
    return total
print(f(5), f.__annotations__)
import typing
T = typing.TypeVar("T")
def ident(v: T) -> T:
    return v
print(typing.get_type_hints(f), ident(3))
try:
    print(y)
except NameError as e:
    print("NameError:", e)
obj = type("O", (), {})()
obj.attr: int = 4
d = {}
d["k"]: str = "v"
print(obj.attr, d)
