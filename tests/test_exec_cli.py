"""``cpjit exec`` as a command: -c, -m, stdin, directories, bad input, options.

Each case runs under python and under ``cpjit exec --no-jit`` (plus a few option
spellings) and compares stdout, stderr and exit status byte for byte.
"""

import os
import shutil
import sys

import pytest

from test_differential import (CORPUS, PYTHON, mismatch_report, run, run_cpjit,
                               run_python)


def assert_same(program_argv, cwd=CORPUS, stdin=b"", mode="no-jit"):
    expected = run_python(program_argv, cwd, stdin)
    actual = run_cpjit(mode, program_argv, cwd, stdin)
    report = mismatch_report(expected, actual)
    assert not report, report
    return actual


CASES = {
    "c-argv-and-path": ["-c", "import sys; print(sys.argv, repr(sys.path[0]), __name__)", "x", "-y"],
    "c-globals": ["-c", "print(sorted(k for k in globals()), __spec__, __package__, __doc__)"],
    "c-traceback": ["-c", "def f():\n    return 1/0\nf()"],
    "c-syntax-error": ["-c", "x = = 1"],
    "c-exit-code": ["-c", "import sys; print('out'); sys.exit(5)"],
    "c-exit-message": ["-c", "raise SystemExit('bye')"],
    "c-joined": ["-cprint('joined form')"],
    "c-hook-raises": ["-c", "import sys\nsys.excepthook = lambda *a: 1/0\nraise KeyError(3)"],
    "c-hook-missing": ["-c", "import sys\ndel sys.excepthook\nraise KeyError(3)"],
    "c-hook-exits": ["-c", "import sys\nsys.excepthook = lambda *a: sys.exit(7)\nraise KeyError(3)"],
    "c-last-traceback": ["-c", "import sys, atexit\n"
                         "atexit.register(lambda: print(sys.last_type.__name__, "
                         "sys.last_traceback.tb_frame.f_code.co_name))\n"
                         "def f():\n    raise ValueError\nf()"],
    "c-keyboard-interrupt": ["-c", "import atexit\natexit.register(print, 'bye')\n"
                             "print('x', end='')\nraise KeyboardInterrupt"],
    "c-thread-outlives-main": ["-c", "import threading, time\n"
                               "t = threading.Thread(target=lambda: (time.sleep(0.2), print('thread done')))\n"
                               "t.start()\nraise ValueError('main fails first')"],
    "c-exit-in-atexit": ["-c", "import atexit, sys\natexit.register(sys.exit, 9)\nprint('main')"],
    "m-module": ["-m", "helper_main_module", "a", "b"],
    "m-joined": ["-mhelper_main_module"],
    "m-raises": ["-m", "helper_main_module", "raise"],
    "m-exits": ["-m", "helper_main_module", "exit"],
    "m-package": ["-m", "helper_pkg", "arg"],
    "m-missing": ["-m", "no_such_module_anywhere"],
    "missing-file": ["does_not_exist.py"],
    "missing-file-abs": ["/nonexistent/dir/x.py", "arg"],
    "directory-without-main": ["helper_pkg/.."],
    "syntax-error-file": ["56_syntax_error.py"],
    "script-with-args": ["30_stdin_argv.py", "--flag", "-c", "-m"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_exec_like_python(case):
    assert_same(CASES[case])


def test_stdin_program():
    source = b"import sys\nprint(sys.argv, repr(sys.path[0]), __file__ if '__file__' in dir() else None)\n1/0\n"
    assert_same(["-", "arg"], stdin=source)


def test_script_through_symlink_and_relative_path(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "prog.py").write_text(
        "import sys, os\nprint(sys.path[0].endswith('real'), os.path.basename(__file__), sys.argv)\n"
        "import helper_here\n")
    (tmp_path / "real" / "helper_here.py").write_text("print('imported from the script dir')\n")
    os.symlink(tmp_path / "real" / "prog.py", tmp_path / "link.py")
    assert_same(["link.py"], cwd=tmp_path)
    assert_same(["./real/prog.py"], cwd=tmp_path)


def test_directory_with_main(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "__main__.py").write_text(
        "import sys, os\nprint(__name__, os.path.basename(sys.argv[0]), sys.path[0] == os.path.abspath('app'))\n")
    assert_same(["app"], cwd=tmp_path)


def test_pyc_script(tmp_path):
    import py_compile
    src = tmp_path / "compiled.py"
    src.write_text("import sys\nprint('from pyc', __name__, type(__loader__).__name__)\n")
    pyc = tmp_path / "compiled.pyc"
    py_compile.compile(str(src), cfile=str(pyc))
    src.unlink()
    assert_same(["compiled.pyc"], cwd=tmp_path)


@pytest.mark.parametrize("flags", [
    ["--no-jit", "--backedge-threshold", "1", "--side-exit-threshold", "1"],
    ["--tier2=interp", "--backedge-threshold=2", "--side-exit-threshold=2", "--tier1=all"],
    ["--tier2", "interp", "--tier1", "loops"],
    ["--", ],
])
def test_option_spellings(flags):
    expected = run_python(["32_hot_int_loop.py"], CORPUS)
    actual = run([PYTHON, "-m", "cpjit", "exec"] + flags + ["32_hot_int_loop.py"], CORPUS)
    report = mismatch_report(expected, actual)
    assert not report, report


def test_help_documents_every_option():
    result = run([PYTHON, "-m", "cpjit", "exec", "--help"], CORPUS)
    assert result.status == 0
    text = result.stdout.decode()
    for option in ["--no-jit", "--tier2=interp|jit", "--tier1=loops|reach|all", "--stats",
                   "--backedge-threshold", "--side-exit-threshold", "CPJIT_BACKEDGE_THRESHOLD",
                   "CPJIT_SIDE_EXIT_THRESHOLD", "CPJIT_STATS_FILE", "CPJIT_STATS_DISPATCHES",
                   "-m module", "-c code"]:
        assert option in text, option


@pytest.mark.parametrize("argv,message", [
    (["--tier2=fast", "x.py"], b"--tier2 must be one of off, interp, jit, not 'fast'"),
    (["--backedge-threshold", "0", "x.py"], b"--backedge-threshold must be at least 1"),
    (["--bogus", "x.py"], b"unknown option '--bogus'"),
    ([], b"no program given"),
    (["-m"], b"Argument expected for the -m option"),
])
def test_usage_errors(argv, message):
    result = run([PYTHON, "-m", "cpjit", "exec"] + argv, CORPUS)
    assert result.status == 2
    assert message in result.stderr
    assert result.stdout == b""


def test_bad_environment_value_is_reported():
    result = run([PYTHON, "-m", "cpjit", "exec", "-c", "pass"], CORPUS,
                 extra_env={"CPJIT_BACKEDGE_THRESHOLD": "soon"})
    assert result.status == 2
    assert b"CPJIT_BACKEDGE_THRESHOLD must be an integer, not 'soon'" in result.stderr


def test_stats_json_reports_the_mode_without_touching_stdout():
    result = run([PYTHON, "-m", "cpjit", "exec", "--no-jit", "--stats=json", "-c", "print('hi')"],
                 CORPUS)
    assert result.status == 0
    assert result.stdout == b"hi\n"
    import json
    line = result.stderr.decode().strip().splitlines()[-1]
    stats = json.loads(line)["cpjit_stats"]
    assert stats["tier2_requested"] == "off"
    assert stats["tier2_active"] is False
    assert stats["tier1_policy"] == "loops"


def test_console_script_entry_point(tmp_path):
    """The installed `cpjit` command (if on PATH) behaves like `python -m cpjit`."""
    exe = shutil.which("cpjit")
    if exe is None:
        pytest.skip("no cpjit console script on PATH (package not pip-installed)")
    result = run([exe, "exec", "--no-jit", "-c", "import sys; print(sys.argv, repr(sys.path[0]))", "z"],
                 tmp_path)
    assert (result.stdout, result.status) == (b"['-c', 'z'] ''\n", 0), result.stderr


def test_unsupported_python_version_is_a_clear_error():
    """cpjit/__main__.py refuses other versions; simulate one by faking version_info."""
    code = ("import sys, runpy; sys.version_info = (3, 12, 0, 'final', 0); "
            "sys.argv = ['cpjit', 'exec', '-c', 'pass']; runpy.run_module('cpjit', run_name='__main__')")
    result = run([PYTHON, "-c", code], CORPUS)
    assert result.status != 0
    assert b"needs CPython 3.11" in result.stderr
    assert b"this is Python 3.12.0" in result.stderr


def test_unsupported_python_from_the_command_line_has_no_traceback():
    """``python -m cpjit`` on another Python: one line on stderr, status 2 (no traceback)."""
    code = ("import sys, runpy; sys.version_info = (3, 12, 0, 'final', 0); "
            "sys.argv = ['-m', 'exec', '-c', 'pass']; runpy._run_module_as_main('cpjit')")
    result = run([PYTHON, "-c", code], CORPUS)
    assert result.status == 2
    assert result.stderr.startswith(b"cpjit: needs CPython 3.11"), result.stderr
    assert b"Traceback" not in result.stderr


def test_unsupported_python_on_import_raises_a_clear_exception():
    code = ("import sys; sys.version_info = (3, 12, 0, 'final', 0)\n"
            "try:\n    import cpjit\nexcept RuntimeError as e:\n    print(type(e).__name__, e)")
    result = run([PYTHON, "-c", code], CORPUS)
    assert result.stdout.startswith(b"UnsupportedPythonError cpjit needs CPython 3.11"), result


def test_no_silent_fallback_when_tier1_is_missing():
    """If tier 1 cannot be imported, cpjit exec fails; it never runs the program natively."""
    code = ("import sys; sys.modules['cpjit.interpreter'] = None\n"
            "from cpjit.run import main\n"
            "sys.exit(main(['--no-jit', '-c', 'print(\"the program ran\")']))")
    result = run([PYTHON, "-c", code], CORPUS)
    assert result.status != 0
    assert b"the program ran" not in result.stdout
    assert b"ImportError" in result.stderr or b"ModuleNotFoundError" in result.stderr


def test_stats_file_keeps_stderr_clean(tmp_path):
    stats_path = tmp_path / "stats.json"
    result = run([PYTHON, "-m", "cpjit", "exec", "--tier2=interp", "--stats=json",
                  "32_hot_int_loop.py"], CORPUS, extra_env={"CPJIT_STATS_FILE": str(stats_path)})
    expected = run_python(["32_hot_int_loop.py"], CORPUS)
    assert not mismatch_report(expected, result)
    import json
    stats = json.loads(stats_path.read_text())["cpjit_stats"]
    assert stats["tier2_requested"] == "interp"
    assert "time_total_s" in stats


WORK_SHARE_PROGRAM = """
def f(n):
    total = 0
    for i in range(n):
        total += i
    return total
print(f(20000))
"""


@pytest.mark.parametrize("mode", ["--no-jit", "--tier2=interp", "--tier2=jit"])
def test_stats_work_share_counts_tier1_dispatches_and_tier2_uops(tmp_path, mode):
    """--stats says where the instructions ran: tier-1 dispatches beside tier-2 uops
    converted to instructions, shares adding up to 1."""
    import json
    stats_path = tmp_path / "stats.json"
    result = run([PYTHON, "-m", "cpjit", "exec", mode, "--stats=json", "-c", WORK_SHARE_PROGRAM],
                 CORPUS, extra_env={"CPJIT_STATS_FILE": str(stats_path)})
    assert (result.stdout, result.status) == (b"199990000\n", 0), result.stderr
    stats = json.loads(stats_path.read_text())["cpjit_stats"]
    share = stats["work_share"]
    dispatches = stats["interpreter"]["tier1_dispatches"]
    assert share["tier1_dispatches"] == dispatches
    total = share["tier1_share"] + share["tier2_interp_share"] + share["machine_code_share"]
    assert abs(total - 1.0) < 1e-9
    if mode == "--no-jit":
        # 20000 iterations of a 7-instruction loop body (superinstructions count once)
        assert dispatches > 20000 * 4
        assert share["tier1_share"] == 1.0
    else:
        # the loop runs in tier 2 after a few back edges: tier 1 did a few hundred
        assert dispatches < 2000
        uops = share["tier2_uops_machine_code"] + share["tier2_uops_interp"]
        assert uops > 20000 * 5
        assert 1.0 < share["tier2_uops_per_instruction"] < 5.0
        key = "machine_code_share" if mode == "--tier2=jit" else "tier2_interp_share"
        assert share[key] > 0.9


def test_stats_dispatch_count_can_be_turned_off(tmp_path):
    import json
    stats_path = tmp_path / "stats.json"
    result = run([PYTHON, "-m", "cpjit", "exec", "--no-jit", "--stats=json", "-c", "print(1)"],
                 CORPUS, extra_env={"CPJIT_STATS_FILE": str(stats_path),
                                    "CPJIT_STATS_DISPATCHES": "0"})
    assert result.status == 0
    stats = json.loads(stats_path.read_text())["cpjit_stats"]
    assert stats["interpreter"]["tier1_dispatches"] is None
