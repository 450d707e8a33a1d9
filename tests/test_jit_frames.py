"""take_inlined_frames: C frames pushed by machine code become Python data, references
moved (not copied) and the C frames freed."""

import ctypes
import sys

from cpjit import jit
from cpjit.jit_frames import take_inlined_frames

_malloc = ctypes.pythonapi.PyMem_Malloc
_malloc.argtypes = [ctypes.c_size_t]
_malloc.restype = ctypes.c_void_p
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None

NULL = object()


def c_frame(ffi, previous, code, func, globals_, values, nlocalsplus, stacktop, lasti):
    """A _cpjit_frame as machine code would push it: owned references everywhere."""
    address = _malloc(ffi.sizeof("_cpjit_frame") + 8 * (len(values) + 4))
    frame = ffi.cast("_cpjit_frame *", address)
    frame.previous = ffi.cast("_cpjit_frame *", previous)
    for name, obj in (("f_code", code), ("f_func", func), ("f_globals", globals_),
                      ("f_builtins", None), ("f_locals", None)):
        if obj is None:
            setattr(frame, name, ffi.NULL)
        else:
            _incref(obj)
            setattr(frame, name, ffi.cast("PyObject *", id(obj)))
    frame.instr_offset = lasti
    frame.stacktop = stacktop
    frame.nlocalsplus = nlocalsplus
    frame.stack_capacity = 4
    frame.owns_refs = 1
    for i, obj in enumerate(values):
        if obj is None:
            frame.localsplus[i] = ffi.NULL
        else:
            _incref(obj)
            frame.localsplus[i] = ffi.cast("PyObject *", id(obj))
    return address


def test_inlined_frames_are_taken_outermost_first_with_references_moved():
    ffi = jit.abi().ffi

    def callee(x):
        return x

    a, b, c, d = object(), object(), object(), object()
    objects = (a, b, c, d, callee, callee.__code__, callee.__globals__)
    before = [sys.getrefcount(o) for o in objects]
    # outer: 1 local (a), stack [b] ; inner: 2 locals (c, unbound), stack [d, NULL]
    outer = c_frame(ffi, 0, callee.__code__, callee, callee.__globals__, [a, b], 1, 1, 10)
    inner = c_frame(ffi, outer, callee.__code__, callee, callee.__globals__,
                    [c, None, d, None], 2, 0, 20)
    record = jit.ExitRecord(1, 20, 2, 0, 0, inner)
    frames = jit.take_inlined_frames(record, NULL)
    assert [f.instr_offset for f in frames] == [10, 20]
    assert frames[0].localsplus == [a] and frames[0].stack == [b]
    assert frames[1].localsplus == [c, NULL] and frames[1].stack == [d, NULL]
    assert frames[1].code is callee.__code__ and frames[1].func is callee
    assert frames[1].globals is callee.__globals__
    assert frames[1].builtins is None and frames[1].locals is None     # C NULL header fields
    # each object: one reference in Python data instead of the C frame's
    held = [1, 1, 1, 1, 2, 2, 2]
    assert [sys.getrefcount(o) for o in objects] == [x + h for x, h in zip(before, held)]
    del frames
    assert [sys.getrefcount(o) for o in objects] == before


def test_exit_in_the_entry_frame_has_no_inlined_frames():
    record = jit.ExitRecord(1, 20, 2, 0, 0, 0)
    assert take_inlined_frames(record, NULL, jit.abi().ffi) == []
