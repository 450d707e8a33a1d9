# Hot loops running inside except/finally/with blocks and class bodies.
import contextlib

def in_except(n):
    try:
        raise ValueError("outer")
    except ValueError as e:
        s = 0
        for i in range(n):
            s += i
        return s, str(e)

def in_finally(n):
    out = []
    try:
        return "try"
    finally:
        for i in range(n):
            if i % 500 == 0:
                out.append(i)
        print("finally loop", out)

@contextlib.contextmanager
def tag(name):
    yield name

def in_with(n):
    with tag("t") as t:
        s = ""
        for i in range(n):
            if i % 100 == 0:
                s += t
    return s

class Table:
    rows = []
    for i in range(300):
        if i % 50 == 0:
            rows.append(i)
    del i

def break_out_of_with(n):
    for i in range(n):
        with tag(i):
            if i == 700:
                break
    return i

def exc_info_in_loop(n):
    import sys
    names = set()
    for i in range(n):
        try:
            if i % 2:
                raise KeyError(i)
        except KeyError:
            names.add(sys.exc_info()[0].__name__)
        names.add(str(sys.exc_info()[0]))
    return sorted(names)

print(in_except(3000), in_finally(2000), in_with(1000), Table.rows, break_out_of_with(1000))
print(exc_info_in_loop(1000))
