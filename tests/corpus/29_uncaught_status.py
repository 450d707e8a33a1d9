# An uncaught exception from nested calls: traceback to stderr, atexit runs, status 1.
import atexit
import sys

def goodbye(name):
    print("goodbye", name)
atexit.register(goodbye, "world")

def parse_number(text):
    return int(text)

def parse_all(items):
    result = []
    for item in items:
        result.append(parse_number(item))
    return result

print(parse_all(["1", "2"]))
sys.stdout.write("partial line without newline")
parse_all(["3", "four", "5"])
