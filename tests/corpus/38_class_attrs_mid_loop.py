# Class attributes, methods and instance types changed while a loop is hot.
class Shape:
    sides = 4
    def area(self):
        return 1

class Tri(Shape):
    sides = 3

def count_sides(objs, n):
    total = 0
    for i in range(n):
        if i == n // 3:
            Shape.sides = 40
        if i == 2 * n // 3:
            Tri.sides = 30
        total += objs[i % len(objs)].sides
    return total

print(count_sides([Shape(), Tri()], 3000))
def method_swap(n):
    s = Shape()
    total = 0
    for i in range(n):
        if i == 1000:
            Shape.area = lambda self: 7
        total += s.area()
    return total
print(method_swap(2000))
class P:
    def __init__(self, v):
        self.v = v
def polymorphic(n):
    items = [P(1), P(2.5), P("x"), P(3)]
    out = []
    for i in range(n):
        v = items[i % 4].v
        out.append(v * 2)
    return out[-4:], len(out)
print(polymorphic(2000))
def instance_dict_changes(n):
    p = P(1)
    total = 0
    for i in range(n):
        if i == 400:
            p.extra = 5
        if i == 800:
            del p.v
            p.v = 10
        if i == 1200:
            p.__class__ = type("Q", (P,), {"v": property(lambda self: -1)})
        total += p.v
    return total
print(instance_dict_changes(1600))
class Counter:
    count = 0
def class_counter(n):
    for i in range(n):
        Counter.count += 1
    return Counter.count
print(class_counter(2500))
class Slot:
    __slots__ = ("a",)
def slots(n):
    s = Slot()
    s.a = 0
    for i in range(n):
        s.a += i
    return s.a
print(slots(3000))
