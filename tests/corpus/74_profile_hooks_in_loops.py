"""sys.setprofile / sys.settrace installed and removed inside hot loops.

The hooks record only what python and every cpjit mode agree on: events of generator
frames (generators always run natively) and the file of any frame that is neither this
program nor the standard library's (cpjit's own frames must never reach a guest hook).
"""
import os
import sys

HERE = os.path.basename(__file__)
foreign = set()
gen_events = []


def note(frame, event):
    filename = frame.f_code.co_filename
    if os.path.basename(filename) != HERE and "python3" not in filename \
            and not filename.startswith("<frozen"):
        foreign.add((filename, frame.f_code.co_name))
    if frame.f_code.co_name.startswith("gen_"):
        gen_events.append((event, frame.f_code.co_name))


def profiler(frame, event, arg):
    note(frame, event)


def tracer(frame, event, arg):
    note(frame, event)
    return tracer


def gen_squares(n):
    for i in range(n):
        yield i * i


def leaf(x):
    return x + 1


def profiled_loop():
    total = 0
    for i in range(60):
        total += leaf(i)
        total += sum(gen_squares(3))
        if i == 20:
            sys.setprofile(profiler)
            print("getprofile is profiler:", sys.getprofile() is profiler)
        if i == 40:
            sys.setprofile(None)
            print("getprofile after removal:", sys.getprofile())
    return total


def traced_loop():
    total = 0
    for i in range(60):
        total += leaf(i)
        for v in gen_squares(2):
            total += v
        if i == 30:
            sys.settrace(tracer)
            print("gettrace is tracer:", sys.gettrace() is tracer)
        if i == 45:
            sys.settrace(None)
    return total


print(profiled_loop())
print(len(gen_events), gen_events[:4])
del gen_events[:]
print(traced_loop())
print(len(gen_events), gen_events[:4])
print("foreign frames seen by the hooks:", sorted(foreign))
