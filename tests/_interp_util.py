"""Helpers for the tier-1 tests: run source natively and in tier 1, capture what it did."""

import contextlib
import io
import subprocess
import sys
import textwrap

from cpjit import config
from cpjit.interpreter import exec_code

# Source of ``room()``: how many Python frames still fit on top of its caller. The
# recursion tests compare it, at chosen points, with what python gives.
ROOM_PROBE = '''
def room():
    n = 0
    def dive():
        nonlocal n
        n += 1
        dive()
    try:
        dive()
    except RecursionError:
        pass
    return n
'''


def _outcome(run, src, filename):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            run(compile(src, filename, "exec"), {"__name__": "__main__"})
            exc = None
        except BaseException as e:  # noqa: BLE001 - comparing what escapes
            exc = "%s: %s" % (type(e).__name__, e)
    return out.getvalue(), exc


def native(src, filename="<test>"):
    return _outcome(exec, textwrap.dedent(src), filename)


def tier1(src, policy="all", filename="<test>"):
    old = config.current.tier1
    config.current.tier1 = policy
    try:
        return _outcome(exec_code, textwrap.dedent(src), filename)
    finally:
        config.current.tier1 = old


RUNNER = r'''
import sys
from cpjit.interpreter import exec_code, guest_traceback
from cpjit import config
config.current.tier1 = sys.argv[1]
path = sys.argv[2]
sys.argv = sys.argv[2:]
src = open(path).read()
g = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
try:
    exec_code(compile(src, path, "exec"), g, depth=1)
except SystemExit:
    raise
except BaseException as e:
    e.__traceback__ = guest_traceback(e.__traceback__)
    sys.excepthook(type(e), e, e.__traceback__)
    sys.exit(1)
'''


def run_both(path, policy="all"):
    """(native, tier 1) CompletedProcess of a script file, for byte-for-byte comparison."""
    a = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    b = subprocess.run([sys.executable, "-c", RUNNER, policy, str(path)],
                       capture_output=True, text=True, timeout=120)
    return a, b


def run_program(tmp_path, source, cpjit_args=None, env_extra=None):
    """Write ``source`` to ``tmp_path/prog.py`` and run it under python (``cpjit_args``
    None) or ``python -m cpjit exec --stats=json *cpjit_args``, with cpjit's environment
    knobs cleared, then ``env_extra``: ``((status, stdout, stderr), optimizer stats or
    None)``."""
    import json
    import os
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=root)
    for name in ("CPJIT_STATS", "CPJIT_BACKEDGE_THRESHOLD", "CPJIT_SIDE_EXIT_THRESHOLD",
                 "CPJIT_TIER1"):
        env.pop(name, None)
    env.update(env_extra or {})
    stats = tmp_path / "stats.json"
    if cpjit_args is None:
        argv = [sys.executable, str(path)]
    else:
        env["CPJIT_STATS_FILE"] = str(stats)
        argv = [sys.executable, "-m", "cpjit", "exec", "--stats=json", *cpjit_args, str(path)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    result = (proc.returncode, proc.stdout, proc.stderr)
    if cpjit_args is None:
        return result, None
    return result, json.loads(stats.read_text())["cpjit_stats"]["optimizer"]
