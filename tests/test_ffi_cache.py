"""cffi declarations generated once as an out-of-line ABI module (cpjit/ffi_cache.py)."""

import cffi

from cpjit import ffi_cache
from cpjit.stencil_build.paths import abi_header_text

DECLS = """
    typedef struct { long a; char b; void *c; } probe_t;
    int abs(int);
"""


def test_generated_module_matches_in_process_parsing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CPJIT_STENCIL_CACHE", str(tmp_path))
    ffi = ffi_cache.load_ffi("probe", DECLS)
    generated = [p.name for p in tmp_path.glob("_cpjit_cffi_probe_*.py")]
    assert len(generated) == 1
    assert capsys.readouterr().out == ""          # cffi's "generating ..." is swallowed
    parsed = cffi.FFI()
    parsed.cdef(DECLS)
    assert ffi.sizeof("probe_t") == parsed.sizeof("probe_t")
    assert ffi.offsetof("probe_t", "c") == parsed.offsetof("probe_t", "c")
    assert ffi.dlopen(None).abs(-5) == 5
    # the second load imports the module: same file, nothing new written
    again = ffi_cache.load_ffi("probe", DECLS)
    assert again.sizeof("probe_t") == ffi.sizeof("probe_t")
    assert [p.name for p in tmp_path.glob("_cpjit_cffi_probe_*.py")] == generated


def test_a_broken_cached_module_falls_back_to_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("CPJIT_STENCIL_CACHE", str(tmp_path))
    ffi_cache.load_ffi("probe", DECLS)
    (path,) = tmp_path.glob("_cpjit_cffi_probe_*.py")
    path.write_text("raise ImportError('corrupt')\n")
    ffi = ffi_cache.load_ffi("probe", DECLS)
    assert ffi.sizeof("probe_t") == 24


def test_the_abi_header_loads_through_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CPJIT_STENCIL_CACHE", str(tmp_path))
    ffi = ffi_cache.load_ffi("abi", abi_header_text())
    assert ffi.sizeof("_cpjit_state") > 0
    assert ffi.dlopen(None).CPJIT_EXIT_DYNAMIC == 5
