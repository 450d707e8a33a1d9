"""An exception raised in a callee and caught by the caller's loop: once the caller
returns, what its locals held dies at once (no reference cycle through the caught
exception's traceback and the frames it names)."""


class Noisy:
    def __init__(self, v):
        self.v = v

    def __del__(self):
        print("del", self.v)


def divide(a, b):
    return a // b


def error_in_callee(n):
    acc = 0
    holder = None
    for i in range(n):
        try:
            holder = Noisy(i) if i % 30 == 29 else holder
            acc += divide(100, i % 5)
        except ZeroDivisionError:
            acc += 1
    return acc


for n in (20, 100, 100):
    print("result", error_in_callee(n))
    print("after the call", n)
print("end")
