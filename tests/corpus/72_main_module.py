# The __main__ module as other code sees it: import __main__, pickle of __main__ classes.
import sys
import pickle
import __main__

class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __repr__(self):
        return "Point(%r, %r)" % (self.x, self.y)

def helper():
    return "helper"

print(__main__ is sys.modules["__main__"], __main__.__dict__ is globals())
print(__main__.helper(), __main__.Point.__module__, __name__)
p = pickle.loads(pickle.dumps([Point(1, 2), helper]))
print(p[0], p[1] is helper, p[1]())
print(sorted(k for k in vars(__main__) if k.startswith("__")))
import copy, dataclasses
@dataclasses.dataclass
class D:
    v: int
print(copy.deepcopy(D(3)), D.__module__)
