"""``sys.settrace`` / ``sys.setprofile`` that keep cpjit's own frames out of the guest's hooks.

Tier 1 runs the guest's code in Python functions of cpjit (the dispatch loop, one
function per opcode, tier 2's run loop). A trace or profile function the guest installs
with the real ``sys.settrace``/``sys.setprofile`` would get a ``call``/``return``/``c_call``
event for every one of them, which python never shows. The guest's hook is wrapped in a
filter that drops the events of cpjit's frames (see ``_is_host``) (and, for a trace function, does not
trace them locally); ``sys.gettrace``/``sys.getprofile`` give the guest's own function
back. CPython counterparts: ``sys_settrace``/``sys_setprofile``/``sys_gettrace``/
``sys_getprofile`` (sysmodule.c). Events of tier-1 frames are not produced at all
(docs/tier1.md).
"""

# Our functions keep CPython's builtins even if the guest replaces one.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import sys

_PKG = __file__.rsplit("/", 2)[0] + "/"
# Tier 1's modules that call the guest's imports and callables.
_GUEST_CALLERS = (_PKG + "interpreter/ceval.py", _PKG + "interpreter/introspect.py")
# Where cffi lives, found without importing it (~1.2 ms of every start otherwise).
_CFFI = __import__("importlib.util").util.find_spec("cffi").origin.rsplit("/", 1)[0] + "/"


def _is_host(frame):
    """A frame of cpjit, or a library frame tier 2 / the JIT runs for itself: the
    import machinery of a function-level ``from cpjit import x`` and cffi's Python
    helpers (``ffi.cast``), called directly by cpjit's own code (not by tier 1's dispatch,
    which calls the guest's own imports and callables, whose events python shows too)."""
    filename = frame.f_code.co_filename
    if filename.startswith(_PKG):
        return True
    if filename.startswith("<frozen importlib") or filename.startswith(_CFFI):
        back = frame.f_back
        while back is not None and (back.f_code.co_filename.startswith("<frozen importlib")
                                    or back.f_code.co_filename.startswith(_CFFI)):
            back = back.f_back
        if back is not None:
            caller = back.f_code.co_filename
            return caller.startswith(_PKG) and caller not in _GUEST_CALLERS
    return False

_real_settrace = sys.settrace
_real_setprofile = sys.setprofile
_real_gettrace = sys.gettrace
_real_getprofile = sys.getprofile


def _guest_filter(hook):
    """The trace or profile function installed for the guest's ``hook``: it never
    sees cpjit's own frames (the same filter serves both events' kinds)."""
    def cpjit_hook_filter(frame, event, arg):
        if _is_host(frame):
            return None
        return hook(frame, event, arg)
    cpjit_hook_filter.guest_hook = hook
    return cpjit_hook_filter


_FILTER_CODE = _guest_filter(None).__code__


def _unwrapped(hook):
    if getattr(hook, "__code__", None) is _FILTER_CODE:
        return hook.guest_hook
    return hook


def guest_settrace(function):
    """``sys.settrace``: the guest's trace function never sees cpjit's frames."""
    _real_settrace(None if function is None else _guest_filter(function))


def guest_setprofile(function):
    """``sys.setprofile``: the guest's profile function never sees cpjit's frames."""
    _real_setprofile(None if function is None else _guest_filter(function))


def guest_gettrace():
    """``sys.gettrace``: the function the guest installed."""
    return _unwrapped(_real_gettrace())


def guest_getprofile():
    """``sys.getprofile``: the function the guest installed."""
    return _unwrapped(_real_getprofile())


def install():
    """Replace the four ``sys`` functions (done once, by ``install_guest_frame_hooks``)."""
    sys.settrace = guest_settrace
    sys.setprofile = guest_setprofile
    sys.gettrace = guest_gettrace
    sys.getprofile = guest_getprofile
