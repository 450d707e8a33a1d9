# Errors raised by instructions inside hot loops, caught at different levels.
def index_errors(xs, n):
    caught = 0
    total = 0
    for i in range(n):
        try:
            total += xs[i % (len(xs) + 2)]
        except IndexError:
            caught += 1
    return total, caught

def attribute_errors(objs):
    names = []
    for o in objs:
        try:
            names.append(o.name)
        except AttributeError as e:
            names.append("<%s>" % type(e).__name__)
    return names

def type_errors(values):
    out = 0
    errors = []
    for v in values:
        try:
            out += v
        except TypeError as e:
            errors.append(str(e))
    return out, errors[:2], len(errors)

def outer_catch(n):
    try:
        for i in range(n):
            if i == n - 1:
                [].pop()
    except IndexError as e:
        return "outer caught: %s at %d" % (e, i)

def overflow(n):
    x = 1.5
    try:
        for i in range(n):
            x = x ** 2
    except OverflowError as e:
        return "OverflowError after %d: %s" % (i, e)

class Named:
    def __init__(self, name):
        self.name = name

print(index_errors([1, 2, 3], 3000))
print(attribute_errors([Named("a"), 1, Named("b"), None] * 300)[:6])
print(type_errors([1, 2, "x", 3.5, None] * 400))
print(outer_catch(2000), overflow(100))
def unbound_in_loop(n):
    for i in range(n):
        if i == n - 1:
            del i
            try:
                print(i)
            except UnboundLocalError as e:
                return str(e)
print(unbound_in_loop(1000))
