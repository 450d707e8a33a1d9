"""cffi declarations parsed once, not at every start.

``cffi.FFI().cdef(text)`` runs pycparser over the declarations, and importing pycparser
builds its lexer and parser: ~55 ms of every ``cpjit exec`` start for libc's four
functions (cpjit.jit_memory) and cpjit_abi.h (cpjit.jit). cffi's out-of-line ABI mode
(``set_source(name, None)``) writes the parsed declarations as a small Python module that
only needs ``_cffi_backend``: ``load_ffi`` generates that module once per declaration
text and cffi version, in the stencil cache directory, and imports it afterwards. Any
failure (read-only cache, a module from another cffi) falls back to parsing in process.
"""

from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import contextlib
import hashlib
import io
import importlib.util
import os

import _cffi_backend


def _parse(cdef_text):
    import cffi
    ffi = cffi.FFI()
    ffi.cdef(cdef_text)
    return ffi


def _module_file(name, cdef_text):
    """The generated module's name and path for ``cdef_text`` (one per text and cffi)."""
    key = hashlib.sha256(("%s\0%s\0%s" % (name, _cffi_backend.__version__, cdef_text))
                         .encode()).hexdigest()[:20]
    module_name = "_cpjit_cffi_%s_%s" % (name, key)
    from cpjit.stencil_build.paths import cache_dir
    return module_name, os.path.join(str(cache_dir()), module_name + ".py")


def is_cached(name, cdef_text=None):
    """Whether ``load_ffi(name, cdef_text)`` will import a generated module rather than
    run cffi's parser; without ``cdef_text``: whether any text of ``name`` was generated.
    (cpjit.run asks before the program starts, see preload_jit_dependencies.)"""
    try:
        if cdef_text is not None:
            return os.path.exists(_module_file(name, cdef_text)[1])
        directory = os.path.dirname(_module_file(name, "")[1])
        prefix = "_cpjit_cffi_%s_" % name
        return any(entry.startswith(prefix) and entry.endswith(".py")
                   for entry in os.listdir(directory))
    except Exception:
        return False


def load_ffi(name, cdef_text):
    """An FFI object with ``cdef_text`` declared (``dlopen``, ``new``, ``cast``,
    ``typeof``, ``offsetof``... as ``cffi.FFI`` has them)."""
    try:
        module_name, path = _module_file(name, cdef_text)
        if not os.path.exists(path):
            import cffi
            builder = cffi.FFI()
            builder.cdef(cdef_text)
            builder.set_source(module_name, None)
            tmp = "%s.%d.tmp" % (path, os.getpid())
            # cffi says "generating <file>" on stdout: the program's stdout is not ours
            with contextlib.redirect_stdout(io.StringIO()):
                builder.emit_python_code(tmp)
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.ffi
    except Exception:     # no cache, a stale or foreign module: parse here, as before
        return _parse(cdef_text)
