"""Frames machine code hands back to Python when it exits inside an inlined call
(CPython counterpart: the frame-rebuilding half of _PyOptimizer / deopt through
_PUSH_FRAME, where tier 1 simply continues in the pushed _PyInterpreterFrame).

When an exit happens with `state->exit_frame` not the entry frame, the trampoline
writes the entry frame back into the tier-1 lists as usual and leaves the chain
exit_frame -> previous -> ... (up to, not including, the entry frame) to Python:
each `_cpjit_frame` owns references (its locals and stack slots, and f_code ..
f_locals when `owns_refs`) and was allocated with PyMem_Malloc.  `take_inlined_frames`
moves those references into Python lists (no refcount change, as the trampoline's
write-back) and frees the C frames.
"""

import ctypes
import dataclasses
import struct

_py_decref = ctypes.pythonapi.Py_DecRef
_py_decref.argtypes = [ctypes.c_void_p]
_py_decref.restype = None
_pymem_free = ctypes.pythonapi.PyMem_Free
_pymem_free.argtypes = [ctypes.c_void_p]
_pymem_free.restype = None


@dataclasses.dataclass
class InlinedFrame:
    """One frame pushed by machine code, as Python objects (mirrors _cpjit_frame)."""

    code: object
    func: object
    globals: object
    builtins: object
    locals: object
    instr_offset: int
    localsplus: list      # nlocalsplus entries (C NULL -> the NULL sentinel)
    stack: list           # the value stack at the exit (C NULL -> the NULL sentinel)
    caller_lasti: int = 0  # the calling frame's CALL offset (its tier-1 lasti) ...
    caller_ip: int = 0     # ... and the instruction index it resumes at (its ip)


def _unpack_words(buffer, count):
    """``count`` native 64-bit words (pointers) from ``buffer``."""
    return struct.unpack("=%dQ" % count, buffer)


def _take(address, null, owned=True):
    """The object at `address` (None for 0 -> `null`), taking over one reference."""
    if not address:
        return null
    obj = ctypes.cast(address, ctypes.py_object).value     # a new reference...
    if owned:
        _py_decref(address)                                  # ...replaces the C one
    return obj


def read_live_frame(frame, null, ffi):
    """(local slot values, instr_offset) of a running C frame, or None when `frame` is
    NULL (the trampoline is not inside the trace: the tier-1 lists hold the values).
    The values are borrowed from the frame, which keeps its own references (new Python
    references are made); C NULL becomes `null`.  instr_offset is the instruction the
    trace last recorded (_SET_IP: exact at every uop that may call out)."""
    address = int(ffi.cast("uintptr_t", frame))
    if not address:
        return None
    n = frame.nlocalsplus
    slots = _unpack_words(ffi.buffer(ffi.cast("char *", frame.localsplus), n * 8),
                          n) if n else ()
    return [_take(p, null, owned=False) for p in slots], frame.instr_offset


def read_live_inlined_frames(state, null, ffi):
    """The frames machine code has pushed above the entry frame while it runs (inlined
    calls), outermost first, as InlinedFrame snapshots (borrowed values, new Python
    references; stack left empty): state->current_frame down to state->entry_frame.
    [] when the trace is in its entry frame or not running."""
    entry = int(ffi.cast("uintptr_t", state.entry_frame))
    frame = state.current_frame
    result = []
    while entry:
        address = int(ffi.cast("uintptr_t", frame))
        if not address or address == entry:
            break
        values, instr_offset = read_live_frame(frame, null, ffi)
        code, func, globals_, builtins, locals_ = (
            _take(int(ffi.cast("uintptr_t", p)), None, owned=False) for p in (
                frame.f_code, frame.f_func, frame.f_globals, frame.f_builtins,
                frame.f_locals))
        result.append(InlinedFrame(code, func, globals_, builtins, locals_, instr_offset,
                                   values, [], frame.caller_lasti, frame.caller_ip))
        frame = frame.previous
    result.reverse()
    return result


def take_inlined_frames(record, null, ffi):
    """Move the frames above the entry frame into InlinedFrames, outermost first,
    and free them.  `record` is the ExitRecord; [] when the exit is in the entry frame."""
    address = record.frame
    chain = []
    while address:
        frame = ffi.cast("_cpjit_frame *", address)
        chain.append((address, frame))
        address = int(ffi.cast("uintptr_t", frame.previous))
    result = []
    innermost = True
    for address, frame in chain:             # innermost first
        depth = record.stack_depth if innermost else frame.stacktop
        innermost = False
        n = frame.nlocalsplus
        # One read of the whole slot array (a cffi access per slot cost ~1 µs each).
        count = n + depth
        slots = _unpack_words(ffi.buffer(ffi.cast("char *", frame.localsplus), count * 8),
                              count) if count else ()
        owned = bool(frame.owns_refs)
        header = [int(ffi.cast("uintptr_t", p)) for p in (
            frame.f_code, frame.f_func, frame.f_globals, frame.f_builtins, frame.f_locals)]
        code, func, globals_, builtins, locals_ = (
            _take(p, None, owned) for p in header)
        values = [_take(p, null) for p in slots]
        result.append(InlinedFrame(code, func, globals_, builtins, locals_,
                                   frame.instr_offset, values[:n], values[n:],
                                   frame.caller_lasti, frame.caller_ip))
        _pymem_free(address)
    result.reverse()
    return result


def rebuild_tier1_frames(inlined, entry):
    """Tier-1 Frames for the InlinedFrames above `entry` (outermost first); returns the
    innermost.  Each caller gets the lasti/ip its CALL saved, as the reference's
    _SAVE_RETURN_OFFSET / _PUSH_FRAME leave them (cpjit.uop_interpreter)."""
    from cpjit.interpreter.ceval import code_info
    from cpjit.interpreter.frame import Frame
    caller = entry
    for inf in inlined:
        caller.lasti = inf.caller_lasti
        caller.ip = inf.caller_ip
        callee = Frame(inf.code, inf.func, inf.globals, inf.builtins, None,
                       code_info(inf.code), localsplus=inf.localsplus)
        callee.stack = inf.stack
        callee.lasti = inf.instr_offset
        callee.back = caller
        caller = callee
    return caller
