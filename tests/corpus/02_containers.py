# BUILD_*, LIST_EXTEND/DICT_MERGE/SET_UPDATE, unpacking, slicing, subscripts.
a = [1, 2, 3]
b = (4, 5)
s = {6, 7}
d = {"k": 1, "j": 2}
print([*a, *b, *sorted(s)], (*a, 0), sorted({*a, *s}), {**d, "z": 3, **{"k": 9}})
print([], (), {}, set(), [[]], ((),), {1: {2: {}}})
x, y, z = a
print(x, y, z)
first, *middle, last = range(10)
print(first, middle, last)
(p, q), [r, t] = (1, 2), [3, 4]
print(p, q, r, t)
*init, tail = "hello"
print(init, tail)
try:
    u, v = [1, 2, 3]
except ValueError as e:
    print("ValueError:", e)
try:
    u, v, w = [1, 2]
except ValueError as e:
    print("ValueError:", e)
try:
    m, *n, o = [1]
except ValueError as e:
    print("ValueError:", e)
lst = list(range(20))
print(lst[2:8], lst[::-3], lst[-5:], lst[:3], lst[1:-1:4])
lst[2:5] = ["a", "b"]
del lst[10:12]
lst[0] = "zero"
del lst[1]
print(lst)
dd = {}
dd["x"] = 1
dd[(1, 2)] = "tuple"
dd[3.0] = "float"
del dd["x"]
print(dd, dd.get(3), dd.setdefault("n", []), dd)
lst2 = [0] * 5
for i in range(5):
    lst2[i] += i * i
print(lst2)
try:
    print([1][5])
except IndexError as e:
    print("IndexError:", e)
try:
    print({}["missing"])
except KeyError as e:
    print("KeyError:", e)
t = (1, [2, 3])
t[1].append(4)
print(t)
try:
    t[0] += 1
except TypeError as e:
    print("TypeError:", e)
print(b"abc"[1], bytearray(b"xy")[0:1], "str"[::-1], memoryview(b"mv")[1])
ss = {1, 2, 3}
ss |= {4}
ss -= {1}
ss &= {2, 3, 4, 5}
ss ^= {9}
print(sorted(ss), frozenset([1, 2]) | {3})
