# atexit: LIFO order, arguments, unregister, output flushed at exit.
import atexit
import sys

def handler(tag, *, suffix=""):
    print("handler", tag, suffix)

atexit.register(handler, "first")
atexit.register(handler, "second", suffix="!")
def dropped():
    print("never")
atexit.register(dropped)
atexit.unregister(dropped)
@atexit.register
def decorated():
    print("decorated runs first")
    sys.stdout.write("no newline at the very end")
print("main program done", end=" ")
