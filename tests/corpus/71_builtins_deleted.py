# The program deletes builtins, then fails: the uncaught-exception path must not need them.
import builtins
for name in ("zip", "id", "set", "isinstance", "getattr", "type", "sorted", "open", "len"):
    delattr(builtins, name)
raise ValueError("no builtins left")
