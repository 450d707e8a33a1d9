# An uncaught exception with explicit and implicit chaining; 3.11 position markers.
import atexit
atexit.register(lambda: print("atexit after the traceback"))

class Config:
    def __init__(self):
        self.values = {"a": 1}

    def lookup(self, key):
        return self.values[key] * 2 + 1

def parse(cfg, keys):
    out = []
    for k in keys:
        out.append(cfg.lookup(k))
    return out

def load():
    cfg = Config()
    try:
        return parse(cfg, ["a", "b"])
    except KeyError as e:
        raise ValueError("config incomplete: " + str(e)) from e

def main():
    try:
        load()
    except ValueError:
        x = None
        return x.attribute

print("start")
main()
