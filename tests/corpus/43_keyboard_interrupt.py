# An uncaught KeyboardInterrupt: traceback, atexit, then python dies of SIGINT.
import atexit
atexit.register(print, "atexit still runs")

def work():
    for i in range(100):
        if i == 50:
            raise KeyboardInterrupt
print("working", end=" ")
work()
