# if/elif/else, while/else, for/else, break/continue, conditional expressions, short circuits.
def classify(n):
    if n < 0:
        return "neg"
    elif n == 0:
        return "zero"
    elif n % 2:
        return "odd"
    else:
        return "even"

print([classify(i) for i in range(-2, 5)])
i = 0
while i < 10:
    i += 1
    if i == 3:
        continue
    if i == 8:
        break
    print("while", i)
else:
    print("not reached")
for j in range(3):
    pass
else:
    print("for-else ran", j)
for j in range(10):
    if j == 4:
        print("break at", j)
        break
else:
    print("not reached")
n = 0
while n < 3:
    n += 1
else:
    print("while-else ran", n)
calls = []
def t(v):
    calls.append(v)
    return v
print(t(0) and t(1), t(2) or t(3), t(0) or t(None) or t(""), not t([]))
print(calls)
x = 5
print("big" if x > 3 else "small", "a" if x < 0 else "b" if x < 10 else "c")
k = 0
for a in range(3):
    for b in range(3):
        if b == a:
            continue
        if a + b == 3:
            break
        k += a * 10 + b
print("nested", k)
count = 0
while True:
    count += 1
    if count >= 7:
        break
print("count", count)
if (w := len("walrus")) > 3:
    print("walrus", w)
