"""Traceback entries for tier-1 frames (the counterpart of ``PyTraceBack_Here``).

A traceback entry needs a real frame object. For a tier-1 frame we run a stub: the
original code object with its body replaced by "raise at once", keeping file name, name,
first line, line table and position table, so the printed entry (line, source text and
3.11's ``^^^^`` markers, which come from ``tb_lasti``) is the one CPython prints.
"""

# Our functions keep CPython's builtins even if the guest replaces one (builtins.len = ...).
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import ctypes
import os
import threading
import types

from .opcodes311 import CACHE_ENTRIES, CO_NATIVE_ONLY, OPMAP

_HERE = os.path.dirname(os.path.abspath(__file__))
_NOP = OPMAP["NOP"]


_RAISER_NAME = "\x00cpjit-traceback-stub"


def _stub_code(info, lasti):
    """The raise-at-once twin of ``info.code`` for an exception at byte offset ``lasti``.

    The stub raises (a NameError from LOAD_GLOBAL of an impossible name) exactly at
    ``lasti``, so the stub frame's own ``f_lineno``/``f_lasti`` are the tier-1 frame's.
    A RESUME comes first: CPython gives no traceback entry to a frame that has not
    passed its first RESUME. Cached per (code, lasti).
    """
    stubs = info.stub
    if stubs is None:
        stubs = info.stub = {}
    stub = stubs.get(lasti)
    if stub is None:
        code = info.code
        at = max(lasti, 2)
        body = bytearray([OPMAP["RESUME"], 0]) + bytes([_NOP, 0]) * (at // 2 - 1)
        body += bytes([OPMAP["LOAD_GLOBAL"], 0]) + bytes(2 * CACHE_ENTRIES[OPMAP["LOAD_GLOBAL"]])
        if len(body) < len(code.co_code):
            body += bytes([_NOP, 0]) * ((len(code.co_code) - len(body)) // 2)
        flags = code.co_flags & ~(CO_NATIVE_ONLY | 0x04 | 0x08)
        stub = stubs[lasti] = code.replace(
            co_code=bytes(body), co_names=(_RAISER_NAME,), co_argcount=0,
            co_posonlyargcount=0, co_kwonlyargcount=0, co_flags=flags,
            co_exceptiontable=b"", co_stacksize=max(code.co_stacksize, 2))
    return stub


def _stub_runner():
    """Runs stubs from a generator: a finished frame keeps a link to the frame object of
    its caller (``f_back``), and a suspended generator's frame links to nothing, so the
    stub frames do not keep the interpreter's own frames (and their locals) alive."""
    result = None
    while True:
        fn = yield result
        result = None
        try:
            fn()
        except NameError as e:
            result = e.__traceback__.tb_next.tb_frame
        fn = None


_runners = threading.local()


def stub_frame(frame, lasti):
    """A real, finished frame object standing for tier-1 ``frame`` stopped at ``lasti``."""
    stub = _stub_code(frame.info, lasti)
    closure = tuple(types.CellType() for _ in stub.co_freevars) or None
    fn = types.FunctionType(stub, frame.globals, stub.co_name, None, closure)
    runner = getattr(_runners, "gen", None)
    if runner is None:
        runner = _runners.gen = _stub_runner()
        next(runner)
    try:
        result = runner.send(fn)
    except ValueError:          # re-entered (a signal handler raising mid-way): run directly
        try:
            fn()
        except NameError as e:
            return e.__traceback__.tb_next.tb_frame
        result = None
    if result is None:
        raise AssertionError("traceback stub did not raise")
    return result


def is_host_frame(pyframe):
    """True for frames of cpjit's interpreter itself (never part of a guest traceback)."""
    return os.path.dirname(pyframe.f_code.co_filename) == _HERE


_PKG = os.path.dirname(_HERE) + os.sep


def strip_host_entries(tb):
    """Drop the leading entries that belong to cpjit's own Python code (this loop, its
    handlers, a Python-level executor): a guest traceback goes from the guest frame
    straight to the guest code it called."""
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PKG):
        tb = tb.tb_next
    return tb


def add_entry(exc, frame, index, strip):
    """Prepend the entry of tier-1 ``frame`` failing at code unit ``index`` to ``exc``'s traceback."""
    tb = exc.__traceback__
    if strip:
        tb = strip_host_entries(tb)
    exc.__traceback__ = types.TracebackType(
        tb, stub_frame(frame, index * 2), index * 2, frame.info.line_of(index))


def settle_entry(exc, frame):
    """``frame`` is being left with ``exc``: if its traceback entry (the head) was made
    when the frame was elsewhere (it then ran handlers, cleanups, RERAISE), give the entry
    a stub frame stopped where the frame stopped. As in CPython, ``tb_lasti``/``tb_lineno``
    keep the raise point and ``tb_frame.f_lineno`` is where the frame ended."""
    tb = exc.__traceback__
    stubs = frame.info.stub
    if tb is None or not stubs:
        return
    sf = tb.tb_frame
    if stubs.get(sf.f_lasti) is not sf.f_code or sf.f_lasti == max(frame.lasti, 2):
        return
    exc.__traceback__ = types.TracebackType(
        tb.tb_next, stub_frame(frame, frame.lasti), tb.tb_lasti, tb.tb_lineno)


def guest_traceback(tb):
    """``tb`` without the leading entries of host frames (the caller, exec_code, the loop).

    For printing an exception that left ``exec_code``: CPython's traceback starts at the
    guest's module frame. The guest part starts right after the entry of the first
    ``raise_unchained`` (where tier 1 handed the exception to the host).
    """
    t = tb
    while t is not None:
        if t.tb_frame.f_code is raise_unchained.__code__:
            return t.tb_next
        t = t.tb_next
    return tb


_api = ctypes.pythonapi
_restore = _api.PyErr_Restore
_restore.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
_restore.restype = None
_incref = _api.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def raise_unchained(exc):
    """Raise ``exc`` as it is, like RERAISE: no implicit ``__context__`` from the handled exception.

    A Python ``raise exc`` would re-chain ``exc`` to whatever the host is handling.
    """
    tb = exc.__traceback__
    _incref(type(exc))
    _incref(exc)
    if tb is not None:
        _incref(tb)
    _restore(id(type(exc)), id(exc), id(tb) if tb is not None else None)
    raise SystemError("cpjit: PyErr_Restore did not raise")  # pragma: no cover
