"""C code that looks a builtin up in the *calling frame's* builtins (_PyEval_GetBuiltin:
list/str/tuple iterators' __reduce__ fetch `iter`, reversed's fetches `reversed`), called
from a function that contains a loop. A key whose __eq__ runs during that lookup proves
which dict was searched: python searches the program's builtins."""
import builtins

builtins_dict = builtins.__dict__
orig_iter = iter
lookups = []


class Key:
    """Hashes like the name; its __eq__ records that the lookup reached it."""

    def __init__(self, name):
        self.name = name

    def __hash__(self):
        return hash(self.name)

    def __eq__(self, other):
        lookups.append(other)
        return other == self.name


def reduce_with_watched_iter(item):
    it = iter(item)
    del builtins_dict["iter"]
    builtins_dict[Key("iter")] = orig_iter
    try:
        return it.__reduce__()
    finally:
        for k in list(builtins_dict):
            if type(k) is Key:
                del builtins_dict[k]
        builtins_dict["iter"] = orig_iter


results = []
for i in range(5):
    results.append(reduce_with_watched_iter([1, 2, 3])[0] is orig_iter)
print(results, lookups)
