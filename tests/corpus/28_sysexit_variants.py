# SystemExit caught and inspected, then raised with None.
import sys
for code in [0, 5, "text", None, (1, 2)]:
    try:
        sys.exit(code)
    except SystemExit as e:
        print(repr(e.code), repr(e.args))
try:
    exit(7)
except SystemExit as e:
    print("builtin exit", e.code)
try:
    raise SystemExit
except SystemExit as e:
    print("bare", e.code)
print("leaving via SystemExit(None)")
raise SystemExit(None)
