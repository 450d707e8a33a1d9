# except*, ExceptionGroup splitting, nesting, re-raise of unhandled parts.
import traceback

def raiser():
    raise ExceptionGroup("many", [ValueError(1), TypeError(2), ValueError(3), KeyError(4)])

try:
    try:
        raiser()
    except* ValueError as eg:
        print("values:", [repr(e) for e in eg.exceptions])
    except* TypeError as eg:
        print("types:", [repr(e) for e in eg.exceptions])
except ExceptionGroup as rest:
    print("rest:", repr(rest), [repr(e) for e in rest.exceptions])

try:
    raise ValueError("naked")
except* ValueError as eg:
    print("naked wrapped:", type(eg).__name__, repr(eg.exceptions))

try:
    try:
        raise ExceptionGroup("outer", [ValueError("a"), ExceptionGroup("inner", [TypeError("b"), ValueError("c")])])
    except* ValueError as eg:
        print("nested values:", repr(eg))
        raise RuntimeError("while handling")
except ExceptionGroup as final:
    print("final:", repr(final))
    print("".join(traceback.format_exception(final)))

def all_handled():
    try:
        raise ExceptionGroup("g", [OSError("o"), OSError("p")])
    except* OSError as eg:
        count = len(eg.exceptions)
    return count
print(all_handled())
eg = ExceptionGroup("split me", [ValueError(1), TypeError(2)])
match, rest = eg.split(ValueError)
print(repr(match), repr(rest), repr(eg.subgroup(lambda e: isinstance(e, TypeError))))
try:
    raise BaseExceptionGroup("base", [KeyboardInterrupt()])
except* KeyboardInterrupt:
    print("caught keyboard interrupt group")
try:
    try:
        raise ExceptionGroup("eg", [ValueError()])
    except* ValueError:
        raise
except ExceptionGroup as e:
    print("bare raise in except*:", repr(e))
