# Structural pattern matching: literals, captures, sequences, mappings, classes, guards, or.
from dataclasses import dataclass

@dataclass
class Point:
    x: int
    y: int

class Circle:
    __match_args__ = ("r",)
    def __init__(self, r):
        self.r = r
    def __repr__(self):
        return "Circle(%r)" % self.r

def describe(obj):
    match obj:
        case 0 | 1 as small:
            return "small int %d" % small
        case True:
            return "never: 1 matched first"
        case None:
            return "None"
        case "hello":
            return "greeting"
        case int(n) if n < 0:
            return "negative %d" % n
        case float() | complex():
            return "inexact number"
        case [x]:
            return "one element %r" % (x,)
        case [x, y, *rest] if not rest:
            return "pair %r %r" % (x, y)
        case [first, *_, last]:
            return "seq %r..%r" % (first, last)
        case {"type": "user", "name": str(name), **extra}:
            return "user %s extra=%r" % (name, sorted(extra))
        case {"type": t}:
            return "typed %s" % t
        case Point(x=0, y=0):
            return "origin"
        case Point(x=px, y=py) if px == py:
            return "diagonal %d" % px
        case Point(px, py):
            return "point %d,%d" % (px, py)
        case Circle(r):
            return "circle %r" % r
        case str() as s:
            return "string of %d" % len(s)
        case _:
            return "other " + type(obj).__name__

tests = [0, 1, True, None, "hello", -4, 2.5, 3j, [9], (1, 2), [1, 2, 3, 4], "xyz",
         {"type": "user", "name": "ann", "age": 3}, {"type": "robot"}, Point(0, 0),
         Point(2, 2), Point(1, 5), Circle(1.5), {1, 2}, b"bytes", 42]
for t in tests:
    print(repr(t), "->", describe(t))

def command(cmd):
    match cmd.split():
        case ["go", ("north" | "south") as direction]:
            return "going " + direction
        case ["take", *items]:
            return "taking " + ",".join(items)
        case []:
            return "empty"
        case _:
            return "unknown"
for c in ["go north", "go west", "take a b c", "", "dance"]:
    print(command(c))
try:
    match Point(1, 2):
        case Point(1, 2, 3):
            pass
except TypeError as e:
    print("TypeError:", e)
