"""The stencil table: full build (once per session), digest skip, --force,
corrupt/stale tables rebuilt, missing toolchain, CMake."""

import ctypes
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from cpjit.stencil_build import cache, load_stencils
from cpjit.stencil_build.build import main
from cpjit.stencil_build.errors import BuildError
from cpjit.stencil_build.stencils import TRAMPOLINE, HoleValue, StencilTable
from cpjit.stencil_build.target import X86_64_LINUX
from cpjit.uops import UOPS

REPO = pathlib.Path(__file__).resolve().parent.parent
SMALL = "_NOP,_LOAD_FAST_1,_BINARY_OP_ADD_INT"


@pytest.fixture(scope="session")
def table():
    """The real table (built at most once: cached on disk, locked across workers)."""
    try:
        return load_stencils()
    except BuildError as error:
        pytest.skip("cannot build stencils here: %s" % error)


def test_full_table_has_every_uop_and_only_patchable_holes(table):
    assert set(table.stencils) == set(UOPS) | {TRAMPOLINE}
    assert table.target == "x86_64-linux-gnu" and "clang" in table.toolchain
    for stencil in table.stencils.values():
        for hole in stencil.holes + stencil.data_holes:
            assert hole.kind in X86_64_LINUX.supported_relocations, (stencil.name, hole)
            assert (hole.symbol is not None) == (hole.value is HoleValue.ZERO)
            area = stencil.code if hole in stencil.holes else stencil.data
            assert 0 <= hole.offset <= len(area) - 4
    # the plumbing uops that leave the trace never fall through
    assert table.stencils["_NOP"].code == b""
    assert table.fallthrough_bytes_removed() > 0
    # value holes are present where the metadata says
    opargs = {n for n, s in table.stencils.items() if any(h.value is HoleValue.OPARG for h in s.holes)}
    assert "_COMPARE_OP_INT" in opargs and "_LOAD_FAST_3" not in opargs
    exit_trace = table.stencils["_EXIT_TRACE"]
    assert {HoleValue.EXECUTOR, HoleValue.EXIT_INDEX, HoleValue.TARGET} <= {h.value for h in exit_trace.holes}


def test_range_iterator_layout_matches_the_3_11_struct():
    """cpjit_uop_support.h hard-codes Objects/rangeobject.c's rangeiterobject."""
    it = iter(range(5, 100, 3))
    next(it)
    fields = (ctypes.c_long * 4).from_address(id(it) + 16)   # after PyObject_HEAD
    assert list(fields) == [1, 5, 3, 32]                        # index, start, step, len


def run_main(*args):
    return main(list(args))


def test_digest_skip_force_and_corrupt_table(tmp_path, capsys):
    assert run_main("--only", SMALL, "--cache-dir", str(tmp_path), "--jobs", "2") == 0
    first = capsys.readouterr().out
    assert "4 stencils" in first and "wrote" in first
    path = cache.table_path(X86_64_LINUX, tmp_path)
    stamp = path.stat().st_mtime_ns

    assert run_main("--only", SMALL, "--cache-dir", str(tmp_path)) == 0
    assert "up to date" in capsys.readouterr().out
    assert path.stat().st_mtime_ns == stamp

    assert run_main("--only", SMALL, "--cache-dir", str(tmp_path), "--force") == 0
    assert "wrote" in capsys.readouterr().out

    # corrupt the payload: detected by checksum, never loaded, rebuilt
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(cache.StaleTable, match="corrupt"):
        cache.read_table(path, cache.inputs_digest(X86_64_LINUX, SMALL.split(",")))
    assert run_main("--only", SMALL, "--cache-dir", str(tmp_path)) == 0
    assert "wrote" in capsys.readouterr().out
    table = cache.read_table(path, cache.inputs_digest(X86_64_LINUX, SMALL.split(",")))
    assert set(table.stencils) == {TRAMPOLINE, *SMALL.split(",")}

    # garbage and truncation are refused too
    for damage in (b"garbage", path.read_bytes()[:100]):
        path.write_bytes(damage)
        with pytest.raises(cache.StaleTable):
            cache.read_table(path, cache.inputs_digest(X86_64_LINUX, SMALL.split(",")))


def test_only_needs_a_separate_cache_dir(capsys):
    assert run_main("--only", "_NOP") == 2
    assert "--only needs --cache-dir" in capsys.readouterr().err


def test_load_stencils_rebuilds_corrupt_or_stale_tables(table, tmp_path, monkeypatch):
    """load_stencils never returns a bad table: it rebuilds (build simulated here by
    writing the session's good table, to keep the test fast)."""
    from cpjit.stencil_build import build as build_module
    path = cache.table_path(X86_64_LINUX, tmp_path)
    inputs = cache.inputs_digest(X86_64_LINUX)
    calls = []

    def fake_build(target, table_file, cc=None, verbose=False):
        calls.append(table_file)
        cache.write_table(table, table_file, inputs)
        return table

    monkeypatch.setattr(build_module, "build_table", fake_build)
    monkeypatch.setattr(cache, "_loaded", {})
    cache.write_table(table, path, inputs)
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x55
    path.write_bytes(bytes(blob))
    loaded = load_stencils(cache_dir=tmp_path)
    assert calls == [path] and isinstance(loaded, StencilTable)
    assert cache.read_table(path, inputs).digest == table.digest   # the file was replaced

    # a table built from other inputs is stale
    cache.write_table(table, path, "0" * 64)
    monkeypatch.setattr(cache, "_loaded", {})
    with pytest.raises(cache.StaleTable, match="digest"):
        load_stencils(rebuild_if_needed=False, cache_dir=tmp_path)
    load_stencils(cache_dir=tmp_path)
    assert len(calls) == 2


def test_missing_toolchain_names_the_three_ways(tmp_path):
    """No --cc, no $CPJIT_CC, ziglang hidden, nothing on PATH: a clear error."""
    env = {k: v for k, v in os.environ.items() if k != "CPJIT_CC"}
    env["PATH"] = str(tmp_path)              # an empty directory
    env["PYTHONPATH"] = str(REPO)
    code = ("import sys; sys.modules['ziglang'] = None\n"
            "from cpjit.stencil_build.build import main\n"
            "sys.exit(main(['--cache-dir', %r]))" % str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert "no clang >= 19 found" in result.stderr
    for way in ("--cc", "CPJIT_CC", "ziglang", "clang-19"):
        assert way in result.stderr
    # an explicit compiler that is not clang is refused by name
    result = subprocess.run([sys.executable, "-m", "cpjit", "build-stencils", "--cc", "/bin/true",
                             "--cache-dir", str(tmp_path)], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1 and "--cc='/bin/true' is not a working clang" in result.stderr


@pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not installed")
def test_cmake_builds_the_table_and_exports_compile_commands(tmp_path):
    build = tmp_path / "build"
    cache_dir = tmp_path / "cache"
    configure = subprocess.run(
        ["cmake", "-S", str(REPO), "-B", str(build), "-DPython3_EXECUTABLE=" + sys.executable,
         "-DCPJIT_STENCIL_ARGS=--only=%s;--cache-dir=%s" % (SMALL, cache_dir)],
        capture_output=True, text=True, timeout=300)
    assert configure.returncode == 0, configure.stderr
    result = subprocess.run(["cmake", "--build", str(build)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stencils," in result.stdout
    table = cache.read_table(cache.table_path(X86_64_LINUX, cache_dir),
                             cache.inputs_digest(X86_64_LINUX, SMALL.split(",")))
    assert set(table.stencils) == {TRAMPOLINE, *SMALL.split(",")}
    import json
    commands = json.loads((build / "compile_commands.json").read_text())
    files = {pathlib.Path(entry["file"]).name for entry in commands}
    assert files == {"template.c", "trampoline.c"}
    assert all("-fpic" in entry["arguments"] for entry in commands)


def test_inputs_digest_memo_follows_file_changes(tmp_path, monkeypatch):
    """The remembered digest is only reused while every input keeps its size and mtime:
    a changed stencil source gives a new digest, and going back gives the old one."""
    import os
    import shutil
    from cpjit.stencil_build import paths
    stencils = tmp_path / "stencils"
    shutil.copytree(paths.stencils_dir(), stencils,
                    ignore=shutil.ignore_patterns("_generated"))
    monkeypatch.setattr(paths, "stencils_dir", lambda: stencils)
    monkeypatch.setenv("CPJIT_STENCIL_CACHE", str(tmp_path / "cache"))
    first = cache.inputs_digest(X86_64_LINUX)
    assert cache.inputs_digest(X86_64_LINUX) == first          # from the memo
    memo = cache.table_path(X86_64_LINUX).with_suffix(".inputs")
    assert memo.exists() and first in memo.read_text()
    source = stencils / "uops" / "core.c"
    original = source.read_bytes()
    source.write_bytes(original + b"\n/* changed */\n")
    changed = cache.inputs_digest(X86_64_LINUX)
    assert changed != first
    source.write_bytes(original)
    os.utime(source, ns=(1, 1))
    assert cache.inputs_digest(X86_64_LINUX) == first
