"""What ``cpjit exec`` imports before the program's first trace (docs/performance.md,
"Start-up"). Structural checks in a child process, never timings."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent

# Not needed until a trace is compiled, disassembled or a tool runs.
NOT_AT_START = ("cpjit.jit", "cpjit.jit_plan", "cpjit.jit_memory", "cpjit.jit_relocations",
                "cpjit.jit_disasm", "cpjit.jit_frames", "capstone", "elftools", "pycparser",
                "cpjit.bench", "cpjit.stencil_build.build", "cpjit.stencil_build.compile",
                "cffi", "argparse", "subprocess", "signal", "sysconfig")


def cpjit_exec(args, cwd=REPO, env_extra=None):
    env = dict(os.environ)
    env.pop("CPJIT_STATS", None)
    env.pop("CPJIT_STATS_FILE", None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "cpjit", "exec", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_run_without_traces_imports_no_backend_or_tool():
    probe = "import sys, json; print(json.dumps(sorted(sys.modules)))"
    result = cpjit_exec(["-c", probe])
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert "cpjit.optimizer" in loaded          # tier 2 is set up, only not the backend
    assert sorted(loaded & set(NOT_AT_START)) == []


HOT_LOOP = """\
import sys
before = set(sys.modules)
total = 0
for i in range(3000):
    total += i
print(total)
new = sorted(set(sys.modules) - before)
print("imported while the program ran:", [m for m in new if not m.startswith("cpjit.")])
print("cpjit.jit loaded:", "cpjit.jit" in new)
"""


def test_the_first_compile_imports_only_cpjit_modules(tmp_path):
    """cpjit.jit is imported mid-program by the first compile: anything it needs from
    outside cpjit must already be there (cpjit.startup.JIT_EXTERNAL_MODULES), or the
    script's directory (sys.path[0] once the program runs) could shadow it. Here a
    shadowing platform.py would say so."""
    program = tmp_path / "program"
    program.mkdir()
    (program / "platform.py").write_text("print('the program directory shadowed platform')\n")
    (program / "hot.py").write_text(HOT_LOOP)
    stats = tmp_path / "stats.json"
    result = cpjit_exec(["--tier2=jit", str(program / "hot.py")], cwd=tmp_path,
                        env_extra={"CPJIT_STATS_FILE": str(stats)})
    assert result.returncode == 0, result.stderr
    optimizer = json.loads(stats.read_text())["cpjit_stats"]["optimizer"]
    if optimizer.get("engine") != "jit":
        pytest.skip("no JIT here (no stencil table): %s" % optimizer.get("jit_fallbacks"))
    assert optimizer["jit_compiled"] >= 1, optimizer["jit_fallbacks"]
    assert result.stdout.splitlines() == [
        str(sum(range(3000))),
        "imported while the program ran: []",
        "cpjit.jit loaded: True",
    ]


def test_no_jit_mode_imports_no_backend():
    probe = "import sys, json; print(json.dumps(sorted(sys.modules)))"
    result = cpjit_exec(["--no-jit", "-c", probe])
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert sorted(loaded & set(NOT_AT_START + ("cpjit.stencil_build.cache",))) == []


def test_config_behaves_like_the_dataclass_it_was():
    from cpjit.config import Config
    cfg = Config(tier2="off", backedge_threshold=3)
    assert cfg == Config(tier2="off", backedge_threshold=3) != Config()
    assert repr(Config()) == (
        "Config(tier1='loops', tier2='jit', stats='', stats_file='', stats_dispatches=True, "
        "backedge_threshold=16, side_exit_threshold=64, uops_optimize=True, lltrace=0)")
    assert Config("all").tier1 == "all"
    with pytest.raises(TypeError):
        Config(tier3="x")
    with pytest.raises(TypeError):
        hash(cfg)


def test_input_files_in_pathlib_order():
    """The digest's file list (scanned with os.scandir) is the one sorted(Path.rglob())
    gives, so digests do not depend on how the files are listed."""
    from cpjit.stencil_build import cache, paths
    expected = []
    stencils = paths.stencils_dir()
    for path in sorted(stencils.rglob("*")):
        if path.is_file() and path.suffix in (".c", ".h"):
            expected.append((str(path.relative_to(stencils)), str(path)))
    package = REPO / "cpjit"
    for sub in ("uops", "stencil_build"):
        for path in sorted((package / sub).glob("*.py")):
            if path.name != "expansion.py":
                expected.append((str(path.relative_to(package)), str(path)))
    for include in paths.python_include_dirs():
        root = pathlib.Path(include)
        for path in sorted(root.rglob("*.h")):
            expected.append((str(path.relative_to(root)), str(path)))
    assert [(name, path) for name, path, _ in cache._input_files()] == expected


def test_python_build_facts_are_sysconfig_s_and_remembered(tmp_path, monkeypatch):
    import sysconfig
    from cpjit.stencil_build import paths
    from cpjit.stencil_build.target import X86_64_LINUX, host_target
    expected = (sysconfig.get_config_var("SOABI"),
                list(dict.fromkeys([sysconfig.get_paths()["include"],
                                    sysconfig.get_paths()["platinclude"]])))
    monkeypatch.setenv("CPJIT_STENCIL_CACHE", str(tmp_path))
    monkeypatch.setattr(paths, "_facts", [])
    assert paths.python_build_facts() == expected                 # asked sysconfig
    record = tmp_path / paths._FACTS_FILE
    assert record.exists()
    monkeypatch.setattr(paths, "_facts", [])
    monkeypatch.setattr(paths, "_facts_from_sysconfig", lambda: 1 / 0)
    assert paths.python_build_facts() == expected                 # read back, no sysconfig
    # a record of another interpreter is not believed
    record.write_text(record.read_text().replace(sys.executable, "/elsewhere/python"))
    monkeypatch.setattr(paths, "_facts", [])
    with pytest.raises(ZeroDivisionError):
        paths.python_build_facts()
    if sysconfig.get_platform() == "linux-x86_64":
        assert host_target() is X86_64_LINUX


def test_without_cffi_the_jit_falls_back_before_the_program(tmp_path):
    """The backend's outside dependencies are imported inside make_jit_engine's fallback:
    a missing _cffi_backend gives the interpreter engine, as a failed backend import did."""
    (tmp_path / "hot.py").write_text("t = 0\nfor i in range(3000):\n    t += i\nprint(t)\n")
    stats = tmp_path / "stats.json"
    launcher = ("import sys, runpy\n"
                "sys.modules['_cffi_backend'] = None\n"
                "sys.argv = ['cpjit', 'exec', '--tier2=jit', %r]\n"
                "runpy.run_module('cpjit', run_name='__main__')\n" % str(tmp_path / "hot.py"))
    env = dict(os.environ, PYTHONPATH=str(REPO), CPJIT_STATS_FILE=str(stats))
    result = subprocess.run([sys.executable, "-c", launcher], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, "%d\n" % sum(range(3000)), "")
    optimizer = json.loads(stats.read_text())["cpjit_stats"]["optimizer"]
    assert optimizer["engine"] == "interp" and optimizer["jit_unavailable"] == 1
    assert "_cffi_backend" in " ".join(optimizer["jit_fallbacks"])
