# f-strings: conversions, format specs, nesting, self-documenting expressions.
name = "world"
pi = 3.14159265
n = 255
items = ["a", "b"]
print(f"hello {name}!")
print(f"{name!r} {name!s} {name!a} {'é'!a}")
print(f"{pi:.3f} {pi:10.2f}| {pi:<10.1f}| {n:#x} {n:08b} {n:,} {1234567.891:,.2f}")
width, prec = 12, 4
print(f"{pi:{width}.{prec}f}|{name:>{width}}|{name:^{width}}|")
print(f"{name=} {pi=:.2f} {n + 1=}")
print(f"{items} {items[0]} {len(items)} {', '.join(items)}")
print(f"{{literal}} {n:{'x'}} {f'{n}'}")
print(f"{3.0:g} {1e20:e} {0.5:%} {-5:+d} { 42 }")
class P:
    def __format__(self, spec):
        return "P<" + spec + ">"
    def __repr__(self):
        return "Prepr"
    def __str__(self):
        return "Pstr"
print(f"{P()} {P():abc} {P()!r} {P()!s}")
print("%s %d %.2f %r %x" % ("s", 3, 2.5, "r", 255), "{} {:>5} {name}".format(1, 2, name="n"))
parts = []
for i in range(5):
    parts.append(f"{i}:{i * i:03d}")
print(" ".join(parts))
try:
    f"{n:z}"
except ValueError as e:
    print("ValueError:", e)
