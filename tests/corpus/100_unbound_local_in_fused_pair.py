"""UnboundLocalError raised by the second half of a pair CPython 3.11 fuses once the code
is quickened (LOAD_FAST__LOAD_FAST, STORE_FAST__LOAD_FAST, LOAD_CONST__LOAD_FAST): the
traceback points at the FIRST instruction of the pair (its position, even its line),
because the superinstruction never moves frame->prev_instr to the second half.  Before
quickening (fewer than 8 back edges and calls) each instruction reports itself."""

import traceback


def load_load(n):
    acc = 0
    x = 1
    for i in range(n):
        if i == 20:
            del x
        acc += x                 # LOAD_FAST acc; LOAD_FAST x
    return acc


def store_load_across_lines(n):
    z = 1
    for i in range(n):
        if i == 12:
            del z
        y = i                    # STORE_FAST y ...
        w = z                    # ... LOAD_FAST z: CPython reports the line above
    return w


def const_load(n):
    z = 1
    for i in range(n):
        if i == 30:
            del z
        w = 1 + z                # LOAD_CONST 1; LOAD_FAST z
    return w


def not_yet_quickened(n):
    z = 1
    for i in range(n):
        if i == 3:
            del z
        y = i
        w = z
    return w


for fn, n in ((load_load, 40), (store_load_across_lines, 20), (const_load, 50),
              (not_yet_quickened, 5)):
    try:
        fn(n)
    except UnboundLocalError:
        traceback.print_exc()
    print(fn.__name__, "done")
store_load_across_lines(30)
