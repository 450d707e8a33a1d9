# sys.exit(3) from inside nested calls; finally blocks and atexit still run.
import sys
import atexit

atexit.register(print, "atexit handler")

def deep(n):
    if n == 0:
        try:
            sys.exit(3)
        finally:
            print("finally in deep")
    deep(n - 1)

print("before exit")
for i in range(3):
    print("loop", i)
deep(4)
print("not reached")
