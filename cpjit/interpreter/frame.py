"""Tier-1 frames: the counterpart of CPython's ``_PyInterpreterFrame`` (Include/internal/pycore_frame.h)."""

# Our functions keep CPython's builtins even if the guest replaces one (builtins.len = ...).
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)


class _NullType:
    """The C NULL that 3.11 keeps in stack slots and unbound locals (a unique sentinel)."""

    __slots__ = ()

    def __repr__(self):
        return "NULL"

    def __reduce__(self):
        return "NULL"


NULL = _NullType()


class Frame:
    """One activation of a code object running in tier 1 (``_PyInterpreterFrame``).

    ``lasti`` is kept up to date lazily: it is exact whenever tier 1 hands the frame to
    someone else (optimizer, executor, introspection, traceback), not after every
    instruction.
    """

    __slots__ = (
        "code", "func", "globals", "builtins", "locals", "localsplus", "stack",
        "lasti", "back", "info",
        # private to the interpreter loop
        "dispatch",      # pre-decoded instruction array (handler, arg, next index)
        "ip",            # instruction index to resume at when this frame runs again
        "kwnames",       # tuple set by KW_NAMES for the next CALL
        "switch",        # the frame to run next after a call or return
        "retval",        # the value returned by the entry frame
        "is_entry",      # exec_code's frame: returning from it leaves the loop
        "host_back",     # entry frames: the host frame that called into tier 1
        "locals_snapshot",  # functions: the dict locals() returns (as f_locals in CPython)
        "rcell",         # ctypes alias of this thread's tstate->recursion_remaining
    )

    def __init__(self, code, func, globals, builtins, locals, info, localsplus=None):
        self.code = code
        self.func = func
        self.globals = globals
        self.builtins = builtins
        self.locals = locals
        self.localsplus = [NULL] * info.nlocalsplus if localsplus is None else localsplus
        self.stack = []
        self.lasti = 0
        self.back = None
        self.info = info
        self.dispatch = info.dispatch
        self.ip = 0
        self.kwnames = None
        self.switch = None
        self.retval = None
        self.is_entry = False
        self.host_back = None
        self.locals_snapshot = None
        self.rcell = None

    @property
    def lineno(self):
        """The line of the instruction at ``lasti`` (``PyFrame_GetLineNumber``)."""
        return self.info.line_of(self.lasti // 2)

    def __repr__(self):
        return "<tier-1 frame of %s at offset %d>" % (self.code.co_qualname, self.lasti)


def frames_above(frame, entry):
    """How many frames ``frame`` lies above ``entry`` on its ``back`` chain (0 when
    ``entry`` is not below it): frames an executor's exits rebuilt above the frame it was
    entered with, which count against the recursion limit."""
    n = 0
    while frame is not entry and frame is not None:
        frame = frame.back
        n += 1
    return n if frame is entry else 0


class ExitWithError(Exception):
    """Raised by an executor whose error exit happened in an inlined frame.

    ``frame`` is the innermost tier-1 frame (its ``back`` chain reaches the frame the
    executor was entered with) and ``exc`` the exception; tier 1 unwinds from there.
    A plain exception raised by ``execute`` means the entry frame itself.
    """

    def __init__(self, frame, exc):
        super().__init__(frame, exc)
        self.frame = frame
        self.exc = exc
