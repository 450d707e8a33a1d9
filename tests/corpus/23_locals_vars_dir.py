# locals(), globals(), vars(), dir(), eval/exec without namespaces.
def f(a, b):
    c = a * b
    l = locals()
    return sorted(l.items())

print(f(2, 3))
def dir_in_function(x):
    y = 1
    return dir()
print(dir_in_function(0))
g_before = set(globals())
exec("new_global = 5")
print(new_global, sorted(set(globals()) - g_before))
def eval_locals(n):
    m = n + 1
    return eval("n * m"), eval("n + m")
print(eval_locals(4))
def exec_locals():
    z = 10
    exec("z = 20; w = 30")
    loc = locals()
    return z, loc.get("w")
print(exec_locals())
class C:
    a = 1
    b = a + 1
    keys = sorted(k for k in locals() if not k.startswith("__"))
    names = sorted(dir())
print(C.keys, [n for n in C.names if not n.startswith("__")])
print(sorted(k for k in vars() if not k.startswith("__")) == sorted(k for k in globals() if not k.startswith("__")))
print([k for k in dir() if not k.startswith("__")][:6])
def modify_globals():
    globals()["made_here"] = "yes"
modify_globals()
print(made_here)
ns = {}
exec("def h(q):\n    return q + 1\nr = h(1)", ns)
print(ns["r"], eval("r + 1", ns))
x_outer = "outer"
def eval_global():
    return eval("x_outer")
print(eval_global())
def closure_locals():
    free = 1
    def inner():
        own = 2
        return sorted(locals().items()), free
    return inner()
print(closure_locals())
print(vars(C)["a"], "C" in vars())
