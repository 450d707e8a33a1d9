"""Resolve external symbols of stencils in the running process (CPython's jit.c
needs none of this: the linker binds them when python is built).

Python is built with --enable-shared, so the C API lives in libpython3.11.so,
which is in the global symbol namespace together with libc and libm: one
``dlsym(RTLD_DEFAULT, name)`` (``ctypes.CDLL(None)``) finds data and functions.
"""

# Guest programs may rebind or delete builtins (builtins.len = ...); cpjit's own code
# keeps the ones it saw at import, as tier 1 does.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import ctypes

_process = ctypes.CDLL(None)
_cache = {}


class UnresolvedSymbolError(LookupError):
    """A stencil refers to a symbol the running process does not define."""


def resolve_symbol(name):
    """Address of `name` in the process (dlsym); UnresolvedSymbolError if absent."""
    try:
        return _cache[name]
    except KeyError:
        pass
    try:
        # item access, not getattr: getattr refuses dunder-looking names
        function = _process[name]
    except AttributeError:
        raise UnresolvedSymbolError(
            "symbol %r is not defined in this process (looked in libpython, libc, libm "
            "and every loaded library)" % name) from None
    address = ctypes.cast(function, ctypes.c_void_p).value
    _cache[name] = address
    return address
