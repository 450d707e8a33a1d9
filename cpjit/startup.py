"""What cpjit does before the program runs so that its later, lazy imports stay invisible.

CPython has no counterpart: its JIT is C, linked in. cpjit's backend (``cpjit.jit`` and
the ``cpjit.jit_*`` modules under it: stitching plans, executable memory, the cffi view
of the ABI) is imported by the first compile, so a run that makes no trace never pays
for it (docs/performance.md, "Start-up"). That import happens in the middle of the
program, where the program's directory is ``sys.path[0]`` (a ``platform.py`` there would
be imported instead of the standard one) and its trace hooks would see module code run.
So everything the backend needs from *outside* cpjit is imported here, before the
program starts, and the mid-program import only runs cpjit's own modules (found through
the package's ``__path__``, not ``sys.path``). tests/test_startup.py checks it.
"""

# What cpjit.jit and the modules under it import from outside cpjit and that a start
# has not imported already (the rest, ctypes, struct, threading..., tier 1 imports).
JIT_EXTERNAL_MODULES = ("_cffi_backend", "platform", "bisect")


def preload_jit_dependencies():
    """Make the backend's first import run nothing but cpjit's own modules.

    Called by ``cpjit.optimizer.make_jit_engine`` (inside its fallback: a missing
    ``_cffi_backend`` makes the run interpret its traces, as a failed backend import
    always did). If cffi's declarations have no generated module yet (first run after
    the ABI header changed), cffi's parser would run at the first compile: the backend
    is imported now instead, as cpjit always did.
    """
    from cpjit import ffi_cache
    from cpjit.stencil_build.paths import abi_header_text
    for name in JIT_EXTERNAL_MODULES:
        __import__(name)
    if not (ffi_cache.is_cached("abi", abi_header_text()) and ffi_cache.is_cached("libc")):
        import cpjit.jit
        cpjit.jit.abi()
