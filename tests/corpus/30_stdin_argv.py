# cpjit-args: alpha "beta gamma" --flag=1
# Reads stdin line by line and shows sys.argv.
import sys
import os

print(sys.argv[1:], os.path.basename(sys.argv[0]), sys.argv[0] == "30_stdin_argv.py")
print(os.path.basename(__file__), os.path.isabs(__file__), __name__)
print(sys.path[0] == os.path.dirname(os.path.realpath(__file__)))
total = 0
lines = 0
for line in sys.stdin:
    lines += 1
    total += sum(int(tok) for tok in line.split())
print("lines", lines, "total", total)
print(repr(sys.stdin.read()), input.__name__)
try:
    input()
except EOFError as e:
    print("EOFError", e)
print(__loader__.__class__.__name__, __spec__, __cached__, __package__, __doc__)
print(type(__builtins__).__name__)
