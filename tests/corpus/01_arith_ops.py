# Binary, in-place, unary and comparison operators on ints, floats, complex, bools.
import operator

values = [0, 1, -7, 13, 2**40, -(2**70), 3.5, -0.25, 1e300, 2 + 3j, True, False]
ops = ["+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@"]
results = []
for a in values:
    for b in values:
        for op in ops:
            try:
                if op == "+": r = a + b
                elif op == "-": r = a - b
                elif op == "*": r = a * b
                elif op == "/": r = a / b
                elif op == "//": r = a // b
                elif op == "%": r = a % b
                elif op == "**":
                    if isinstance(b, int) and abs(b) > 100:
                        continue
                    r = a ** b
                elif op == "<<":
                    if isinstance(b, int) and b > 100:
                        continue
                    r = a << b
                elif op == ">>": r = a >> b
                elif op == "&": r = a & b
                elif op == "|": r = a | b
                elif op == "^": r = a ^ b
                else: r = a @ b
                results.append(repr(r)[:40])
            except Exception as e:
                results.append(type(e).__name__ + ": " + str(e))
print(len(results))
for line in results[::7]:
    print(line)

x = 10
x += 5; x -= 3; x *= 4; x //= 5; x **= 3; x %= 1000; x <<= 2; x >>= 1; x &= 0xFF; x |= 0x100; x ^= 0x55
print("inplace", x)
f = 7.0
f /= 2; f += 0.5; f -= 1
print("float inplace", f)
print(-x, +x, ~x, not x, -f, +f, not 0.0)
print(1 < 2 < 3, 3 > 2 > 2, 1 == 1.0, 1 is 1, 1 != 2, "a" < "b" <= "b")
print(1 in [1, 2], 3 not in (1, 2), None is None, [] is not [])
print(operator.add(2, 3), divmod(17, 5), divmod(-17.5, 4), pow(3, 4, 5), abs(-3), round(2.675, 2))
print(True + True, True * 3.5, 7 // 2.0, -7 // 2, -7 % 3, 7.5 % -2)
print(2 ** -1, (-8) ** (1/3) if False else "skip", 10 ** 20, 0.1 + 0.2)
