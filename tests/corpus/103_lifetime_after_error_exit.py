"""Object lifetimes around exceptions raised inside a hot loop and caught in it: when
the function returns, its locals die at once (reference counting, no cycle), so a
__del__ prints before the caller's next line.  An error exit from a trace must not leave
a reference cycle (traceback -> frame -> locals) that keeps the frame's values alive
until the cyclic collector runs."""


class Noisy:
    def __init__(self, v):
        self.v = v

    def __del__(self):
        print("del", self.v)


def errors_caught_in_loop(n):
    acc = 0
    nz = None
    for i in range(n):
        try:
            nz = Noisy(i) if i % 25 == 24 else nz
            acc += 10 // (i % 4)
        except ZeroDivisionError:
            pass
    return acc


for n in (20, 100, 100):
    print("result", errors_caught_in_loop(n))
    print("after the call", n)
print("end")
