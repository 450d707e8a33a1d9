# import, from-import, import * (with and without __all__), aliases, submodules, errors.
import sys
import os.path as osp
import collections.abc
from helper_shapes import *
from helper_star import *
import helper_shapes as hs
from helper_shapes import Square as Sq, area_sum

print(PUBLIC_CONSTANT, Square(3).area(), area_sum([Square(1), Sq(2)]))
print(alpha, beta, delta(4))
for name in ["_private", "not_exported", "_gamma", "area_sum"]:
    print(name, name in globals())
print(hs.not_exported, hs._private, osp.basename("/a/b.txt"), isinstance([], collections.abc.Sequence))
print("helper_shapes" in sys.modules, hs.__name__, osp.basename(hs.__file__))
try:
    import no_such_module_here
except ImportError as e:
    print(type(e).__name__, e, e.name)
try:
    from helper_shapes import does_not_exist
except ImportError as e:
    print(type(e).__name__, str(e).split(" (")[0])
def local_import():
    import json
    from math import sqrt, floor as fl
    return json.dumps({"k": sqrt(16)}), fl(2.7)
print(local_import())
def star_in_class():
    class K:
        from helper_star import alpha, beta
    return K.alpha, K.beta
print(star_in_class())
mod = __import__("helper_star")
print(mod.delta(1), __name__)
