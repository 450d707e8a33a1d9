"""When a function returns, CPython 3.11 releases its locals in slot order (first local
first: _PyFrame_Clear walks localsplus forwards), so the __del__ of the first one runs
first.  Releasing them by dropping a list frees them last to first."""


class Noisy:
    def __init__(self, v):
        self.v = v

    def __del__(self):
        print("del", self.v)


def straight_line():
    a = Noisy("a")
    b = Noisy("b")
    c = Noisy("c")
    return 0


def after_a_hot_loop(n):
    first = None
    for i in range(n):
        first = Noisy(i) if i == n - 1 else first
    second = Noisy(-1)
    third = [Noisy(-2)]
    return 0


straight_line()
print("after straight_line")
after_a_hot_loop(100)
print("after after_a_hot_loop")
