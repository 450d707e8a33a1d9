# Cells, free variables, nonlocal, LOAD_CLASSDEREF, closures created in loops.
def counter():
    n = 0
    def inc(step=1):
        nonlocal n
        n += step
        return n
    def get():
        return n
    return inc, get

inc, get = counter()
for _ in range(5):
    inc()
inc(10)
print(get(), inc.__closure__[0].cell_contents, inc.__code__.co_freevars)
fns = [lambda: i for i in range(3)]
print([fn() for fn in fns])
fns = [lambda i=i: i for i in range(3)]
print([fn() for fn in fns])
def outer():
    x = "outer-x"
    class C:
        y = x            # LOAD_CLASSDEREF: x is free in the class body
        z = y + "!"
        def m(self):
            return x     # the function's free x, not the class attribute
    return C
C = outer()
print(C.y, C.z, C().m())
def make_adders():
    adders = []
    for k in range(4):
        def add(v, k=k):
            return v + k
        adders.append(add)
    return adders
print([a(100) for a in make_adders()])
def deep():
    a = 1
    def l1():
        b = 2
        def l2():
            c = 3
            def l3():
                return a + b + c
            return l3
        return l2
    return l1
print(deep()()()())
def del_cell():
    v = 1
    def reader():
        return v
    del v
    try:
        reader()
    except NameError as e:
        print("NameError:", e)
    v = 2
    return reader()
print(del_cell())
def shared():
    total = 0
    def add(k):
        nonlocal total
        total += k
    for i in range(100):
        add(i)
    return total
print(shared())
x = "global-x"
def uses_global():
    return x
def shadow():
    x = "local"
    def inner():
        global x
        return x
    return inner()
print(uses_global(), shadow())
