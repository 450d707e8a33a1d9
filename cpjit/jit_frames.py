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

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

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
    header_at, slots_at, fields_at = _frame_layout(ffi)
    address = record.frame
    result = []
    innermost = True
    while address:                           # innermost first
        # One read of the fixed fields, one of the slot array: a cffi access per field
        # and a ctypes.cast per object cost ~1 us each (an exit rebuilt ~2 frames).
        fields = _read_words(address + fields_at[0], fields_at[1])
        previous, instr_offset, stacktop, n, owns_refs, caller_lasti, caller_ip = (
            fields[i] for i in fields_at[2])
        depth = record.stack_depth if innermost else stacktop
        innermost = False
        count = n + depth
        slots = _read_words(address + slots_at, count) if count else ()
        header = _read_words(address + header_at, 5)
        code, func, globals_, builtins, locals_ = _objects_at(address + header_at, header,
                                                              None)
        values = _objects_at(address + slots_at, slots, null)
        # The Python references made above replace the C frame's own.
        if owns_refs:
            _release(header)
        _release(slots)
        result.append(InlinedFrame(code, func, globals_, builtins, locals_,
                                   instr_offset, values[:n], values[n:],
                                   caller_lasti, caller_ip))
        _pymem_free(address)
        address = previous
    result.reverse()
    return result


_PY_OBJECT = ctypes.py_object
_WORDS = ctypes.c_int64


def _read_words(address, count):
    """``count`` 64-bit words at ``address``, as Python ints (a pointer's is unsigned in
    practice: user-space addresses are below 2**63)."""
    return (_WORDS * count).from_address(address)[:]


def _objects_at(address, words, null):
    """New references to the objects of the pointer array at ``address`` whose contents
    are ``words``; a NULL pointer gives ``null``."""
    array = (_PY_OBJECT * len(words)).from_address(address)
    if 0 not in words:
        return array[:]
    return [array[i] if w else null for i, w in enumerate(words)]


def _release(words):
    for w in words:
        if w:
            _py_decref(w)


_layouts = {}


def _frame_layout(ffi):
    """(offset of f_code, offset of localsplus, (offset and count of the int64 fields
    from ``previous``, indexes of previous, instr_offset, stacktop, nlocalsplus,
    owns_refs, caller_lasti, caller_ip among them)) of ``_cpjit_frame``."""
    layout = _layouts.get(id(ffi))
    if layout is not None and layout[0] is ffi:
        return layout[1]

    def offset(field):
        return ffi.offsetof("_cpjit_frame", field)

    header_at = offset("f_code")
    for i, name in enumerate(("f_func", "f_globals", "f_builtins", "f_locals"), 1):
        if offset(name) != header_at + 8 * i:
            raise RuntimeError("_cpjit_frame: f_code .. f_locals are not contiguous")
    names = ("previous", "instr_offset", "stacktop", "nlocalsplus", "owns_refs",
             "caller_lasti", "caller_ip")
    first = offset("previous")
    slots_at = offset("localsplus")
    indexes = tuple((offset(name) - first) // 8 for name in names)
    result = (header_at, slots_at, (first, (slots_at - first) // 8, indexes))
    _layouts[id(ffi)] = (ffi, result)
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
