# Generators and coroutines run natively; they are created and driven from tier-1 code.
def countdown(n):
    while n > 0:
        yield n
        n -= 1
    return "done"

def delegator():
    result = yield from countdown(3)
    yield "countdown said " + result

print(list(delegator()))
def echo():
    received = []
    try:
        while True:
            v = yield len(received)
            received.append(v)
    except GeneratorExit:
        print("closed with", received)
    finally:
        print("echo finally")
g = echo()
print(next(g), g.send("a"), g.send("b"))
g.close()
def thrower():
    try:
        yield 1
    except ValueError as e:
        yield "caught " + str(e)
t = thrower()
print(next(t), t.throw(ValueError("boom")))
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b
import itertools
print(list(itertools.islice(fib(), 15)))
total = 0
for v in countdown(1000):
    total += v
print(total)
it = countdown(2)
print(next(it), next(it))
try:
    next(it)
except StopIteration as e:
    print("StopIteration value:", e.value)
def gen_raises():
    yield 1
    raise KeyError("from generator")
try:
    for v in gen_raises():
        print("got", v)
except KeyError as e:
    print("KeyError:", e)
async def coro(x):
    return x * 2
c = coro(21)
try:
    c.send(None)
except StopIteration as e:
    print("coroutine result", e.value)
async def agen():
    for i in range(3):
        yield i
async def consume():
    return [i async for i in agen()]
cc = consume()
try:
    cc.send(None)
except StopIteration as e:
    print("async gen result", e.value)
def pipeline():
    nums = (i for i in range(20))
    odd = (n for n in nums if n % 2)
    sq = (n * n for n in odd)
    return sum(sq)
print(pipeline())
def bad_stop():
    yield 1
    raise StopIteration
try:
    list(bad_stop())
except RuntimeError as e:
    print("RuntimeError:", e)
