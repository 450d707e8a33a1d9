"""``cpjit bench``: the benchmark suite under CPython and under cpjit, side by side.

CPython counterpart: none in CPython itself; this plays the role pyperformance plays
for CPython's JIT work (a runner that compares one build against another), written
from scratch for cpjit.

Every run is a fresh subprocess. Runs are interleaved (CPython, mode 1, mode 2, ...,
CPython, mode 1, ...) so that a slow drift of the machine affects every mode alike.
Each run's wall time is measured around the child, its peak RSS comes from
``os.wait4`` on the child's pid (in a small launcher process, see ``Launcher``), and
cpjit's own counters come from its ``--stats=json`` output (see docs/performance.md for
the JSON contract).

A cpjit run whose stdout or exit status differs from CPython's is a FAILURE and is
never timed as a success; a mode that cannot run at all is reported as not available.
"""

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile

# The cpjit modes the runner knows: name -> the ``cpjit exec`` options that select it.
MODES = {
    "tier1": ["--no-jit"],
    "tier2-interp": ["--tier2=interp"],
    "jit": ["--tier2=jit"],
    # not run by default: the jit with tier 1's "reach" call policy (docs/tier1.md)
    "jit-reach": ["--tier2=jit", "--tier1=reach"],
}
DEFAULT_MODES = ("tier1", "tier2-interp", "jit")
BASELINE = "cpython"

# Statuses of one (benchmark, mode) cell.
OK = "ok"
FAILED = "FAILED"            # output or exit status differs from CPython's
TIMEOUT = "timeout"
UNAVAILABLE = "not available"
BASELINE_ERROR = "cpython error"   # the benchmark itself fails under CPython

# Counter names read from the ``--stats=json`` object (see docs/performance.md).
TIME_KEYS = ("time_tier1_s", "time_tier2_interp_s", "time_machine_code_s",
             "time_projection_s", "time_optimization_s", "time_stitching_s")
COUNT_KEYS = ("traces_created", "side_traces_created", "uops_compiled", "machine_code_bytes",
              "uops_machine_code_share")
COMPILE_KEYS = ("time_projection_s", "time_optimization_s", "time_stitching_s")

# A program with a hot loop: enough back edges for any sane threshold.
PROBE_PROGRAM = """\
def work(n):
    total = 0
    for i in range(n):
        if i % 3:
            total += i * 2
        else:
            total -= 1
    return total
print(work(3000), work(3000))
"""

JSON_FORMAT_VERSION = 1


# ---------------------------------------------------------------------------------------
# Running one child


class RunResult:
    """One subprocess run: what it printed, how it ended, what it cost."""

    def __init__(self, stdout, stderr, exit_status, wall_s, max_rss_kb, timed_out, stats):
        self.stdout = stdout
        self.stderr = stderr
        self.exit_status = exit_status
        self.wall_s = wall_s
        self.max_rss_kb = max_rss_kb
        self.timed_out = timed_out
        self.stats = stats


# The process that starts every benchmark run. Linux counts the peak RSS of the process
# a child was forked (or vforked) from into the child's ru_maxrss, so children started
# by the runner itself would all report at least the runner's own peak. A small
# launcher (python -S, about 9 MB, less than any Python program it starts) does the
# spawning, timing, timeout and os.wait4, and reports each run as one JSON line.
LAUNCHER_SOURCE = r"""
import json, os, signal, sys, time

child = 0
timed_out = False

def on_alarm(signum, frame):
    global timed_out
    if child:
        timed_out = True
        try:
            os.killpg(child, signal.SIGKILL)
        except ProcessLookupError:
            pass

def on_stop(signum, frame):
    raise SystemExit(1)

signal.signal(signal.SIGALRM, on_alarm)
signal.signal(signal.SIGTERM, on_stop)
signal.signal(signal.SIGINT, on_stop)
devnull = os.open(os.devnull, os.O_RDONLY)
try:
    for line in sys.stdin:
        job = json.loads(line)
        out = os.open(job["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        actions = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, out, 1),
                   (os.POSIX_SPAWN_DUP2, err, 2)]
        timed_out = False
        start = time.perf_counter()
        try:
            child = os.posix_spawnp(job["argv"][0], job["argv"], job["env"],
                                    file_actions=actions, setsid=True)
        except OSError as exc:
            os.close(out)
            os.close(err)
            sys.stdout.write(json.dumps({"spawn_error": str(exc)}) + "\n")
            sys.stdout.flush()
            continue
        signal.setitimer(signal.ITIMER_REAL, job["timeout"])
        _, status, usage = os.wait4(child, 0)
        wall = time.perf_counter() - start
        child = 0
        signal.setitimer(signal.ITIMER_REAL, 0)
        os.close(out)
        os.close(err)
        sys.stdout.write(json.dumps({
            "exit_status": os.waitstatus_to_exitcode(status), "wall_s": wall,
            "max_rss_kb": usage.ru_maxrss, "timed_out": timed_out}) + "\n")
        sys.stdout.flush()
finally:
    if child:   # stopped mid-run: take the running benchmark down too
        try:
            os.killpg(child, signal.SIGKILL)
            os.waitpid(child, 0)
        except OSError:
            pass
"""


class Launcher:
    """The runner's side of the launcher process (started on first use)."""

    def __init__(self, python):
        self.python = python
        self.proc = None

    def run(self, argv, env, timeout, stdout_path, stderr_path):
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([self.python, "-S", "-E", "-c", LAUNCHER_SOURCE],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True, bufsize=1)
        job = {"argv": argv, "env": env, "timeout": timeout,
               "stdout": stdout_path, "stderr": stderr_path}
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            reply = self.proc.stdout.readline()
        except BaseException:
            self.close()   # Ctrl-C or a broken pipe: the launcher kills the running child
            raise
        if not reply:
            raise RuntimeError("cpjit bench: the launcher process died (status %s)"
                               % self.proc.poll())
        reply = json.loads(reply)
        if "spawn_error" in reply:
            raise RuntimeError("cpjit bench: cannot start %s: %s" % (argv[0],
                                                                     reply["spawn_error"]))
        return reply

    def close(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.proc = None


def run_child(launcher, argv, env, timeout):
    """Run ``argv`` to completion: output, exit status, wall time, the child's own peak RSS."""
    with tempfile.TemporaryDirectory(prefix="cpjit-bench-") as tmp:
        out_path = os.path.join(tmp, "stdout")
        err_path = os.path.join(tmp, "stderr")
        stats_path = os.path.join(tmp, "stats.json")
        env = dict(env)
        if env.get("CPJIT_STATS"):
            env["CPJIT_STATS_FILE"] = stats_path
        reply = launcher.run(argv, env, timeout, out_path, err_path)
        with open(out_path, "rb") as f:
            stdout = f.read()
        with open(err_path, "rb") as f:
            stderr = f.read()
        stats_text = None
        if os.path.exists(stats_path):
            with open(stats_path, "rb") as f:
                stats_text = f.read()
        stats, stderr = extract_stats(stats_text, stderr)
        return RunResult(stdout, stderr, reply["exit_status"], reply["wall_s"],
                         reply["max_rss_kb"], reply["timed_out"], stats)


def extract_stats(file_bytes, stderr):
    """cpjit's ``--stats=json`` object, from the stats file and/or the stderr line.

    Returns (stats or None, stderr without the stats line). Each source may be wrapped as
    ``{"cpjit_stats": {...}}`` (what ``cpjit exec --stats=json`` prints) or bare; when
    both exist they are merged, the file's keys winning.
    """
    def unwrap(obj):
        if isinstance(obj, dict) and isinstance(obj.get("cpjit_stats"), dict):
            return obj["cpjit_stats"]
        return obj if isinstance(obj, dict) else None

    from_file = None
    if file_bytes:
        try:
            from_file = unwrap(json.loads(file_bytes.decode("utf-8", "replace")))
        except ValueError:
            from_file = None
    from_stderr = None
    lines = stderr.splitlines(keepends=True)
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if not line.startswith(b"{") or b"cpjit_stats" not in line:
            continue
        try:
            from_stderr = unwrap(json.loads(line.decode("utf-8", "replace")))
        except ValueError:
            continue
        if from_stderr is not None:
            stderr = b"".join(lines[:i] + lines[i + 1:])
            break
    if from_file is None and from_stderr is None:
        return None, stderr
    merged = dict(from_stderr or {})
    merged.update(from_file or {})
    return merged, stderr


# ---------------------------------------------------------------------------------------
# Reading the counters defensively


# Other names a counter is accepted under (what cpjit.stats emits today).
KEY_ALIASES = {
    "side_traces_created": ("side_traces",),
    "machine_code_bytes": ("jit_code_bytes",),
}


def find_number(stats, key):
    """``stats[key]`` (or an alias) if it is a number, at the top level or one level down."""
    if not isinstance(stats, dict):
        return None
    candidates = [stats] + [v for v in stats.values() if isinstance(v, dict)]
    for name in (key,) + KEY_ALIASES.get(key, ()):
        for d in candidates:
            value = d.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value
    return None


# The tier-2 engine each mode must really have run with (cpjit.optimizer's "engine").
EXPECTED_ENGINE = {"tier2-interp": "interp", "jit": "jit", "jit-reach": "jit"}


def find_value(stats, key):
    """``stats[key]`` of any type, at the top level or one level down, else None."""
    if not isinstance(stats, dict):
        return None
    for d in [stats] + [v for v in stats.values() if isinstance(v, dict)]:
        if key in d:
            return d[key]
    return None


def tier2_status(stats, mode):
    """(available, reason) for a tier-2 mode, judged from one run's stats."""
    if stats is None:
        return False, "no --stats=json output, so no tier-2 counters"
    active = stats.get("tier2_active")
    if active is False:
        return False, str(stats.get("tier2_unavailable") or "cpjit reports tier 2 inactive")
    if active is None and find_number(stats, "traces_created") is None:
        return False, "--stats=json has no tier-2 counters (no tier2_active, no traces_created)"
    engine = find_value(stats, "engine")
    expected = EXPECTED_ENGINE.get(mode)
    if isinstance(engine, str) and expected and engine != expected:
        return False, "cpjit ran tier 2 with the %r engine, not %r%s" % (
            engine, expected, " (the JIT could not be set up)"
            if find_number(stats, "jit_unavailable") else "")
    return True, ""


def summarize_counters(stats, wall_s):
    """The per-run counters the report shows; None for each one cpjit did not give."""
    counters = {key: find_number(stats, key) for key in TIME_KEYS + COUNT_KEYS}
    total = find_number(stats, "time_total_s") or wall_s
    counters["time_total_s"] = total
    compile_parts = [counters[k] for k in COMPILE_KEYS if counters[k] is not None]
    counters["time_compile_s"] = sum(compile_parts) if compile_parts else None
    uops = counters["uops_compiled"]
    if counters["time_compile_s"] is not None and uops:
        counters["compile_us_per_uop"] = counters["time_compile_s"] * 1e6 / uops
    else:
        counters["compile_us_per_uop"] = None
    shares = {}
    for label, key in (("tier1", "time_tier1_s"), ("tier2_interp", "time_tier2_interp_s"),
                       ("machine_code", "time_machine_code_s"), ("compile", "time_compile_s")):
        value = counters[key]
        shares[label] = (value / total) if (value is not None and total) else None
    counters["time_share"] = shares
    return counters


# ---------------------------------------------------------------------------------------
# The suite


def default_benchmark_dir():
    """``benchmarks/`` next to the ``cpjit`` package (the source tree)."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "benchmarks")


def discover(directory, filters):
    """[(name, path)] of ``bm_*.py`` in ``directory``, name = file stem without ``bm_``."""
    found = []
    for entry in sorted(os.listdir(directory)):
        if entry.startswith("bm_") and entry.endswith(".py"):
            name = entry[3:-3]
            if not filters or any(f in name for f in filters):
                found.append((name, os.path.join(directory, entry)))
    return found


def cpjit_environment(with_stats):
    """The environment of a cpjit child: our source tree importable, stats requested."""
    env = dict(os.environ)
    # Stats are asked for per run below; and never let cpjit exec's development-only
    # stand-in for tier 1 (builtins.exec) be measured as if it were tier 1.
    for key in [k for k in env if k.startswith("CPJIT_STATS")
                or k == "CPJIT_TEMPORARY_NATIVE_TIER1"]:
        del env[key]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if with_stats:
        env["CPJIT_STATS"] = "json"
        # Counting tier 1's dispatches costs it ~6 %: not in timed runs.
        env["CPJIT_STATS_DISPATCHES"] = "0"
    return env


def baseline_environment():
    env = dict(os.environ)
    for key in [k for k in env if k.startswith("CPJIT_")]:
        del env[key]
    return env


def describe_difference(reference, result):
    """Why a cpjit run does not count: a one-line reason, or None if it matches."""
    if result.timed_out:
        return None
    if result.exit_status != reference.exit_status:
        tail = last_line(result.stderr)
        return "exit status %d, CPython %d%s" % (
            result.exit_status, reference.exit_status, (": " + tail) if tail else "")
    if result.stdout != reference.stdout:
        ours = result.stdout.decode("utf-8", "replace").splitlines()
        theirs = reference.stdout.decode("utf-8", "replace").splitlines()
        for i in range(max(len(ours), len(theirs))):
            a = ours[i] if i < len(ours) else "<missing>"
            b = theirs[i] if i < len(theirs) else "<missing>"
            if a != b:
                return "stdout differs at line %d: %r, CPython %r" % (i + 1, a[:80], b[:80])
        return "stdout differs"
    return None


def last_line(data):
    lines = [l for l in data.decode("utf-8", "replace").splitlines() if l.strip()]
    return lines[-1].strip()[:160] if lines else ""


class Runner:
    """Runs the suite as the options ask and collects a JSON-ready report."""

    def __init__(self, options, log):
        self.options = options
        self.log = log
        self.python = options.python or sys.executable
        if options.cpjit:
            self.cpjit_command = shlex.split(options.cpjit)
        else:
            self.cpjit_command = [self.python, "-m", "cpjit", "exec"]
        self.launcher = Launcher(self.python)

    def baseline_argv(self, path):
        return [self.python, path, repr(self.options.scale)]

    def mode_options(self, mode):
        return MODES[mode] + list(self.options.exec_option)

    def mode_argv(self, mode, path, *args):
        return self.cpjit_command + self.mode_options(mode) + [path] + list(args)

    def probe_modes(self, modes):
        """Which modes run at all: each runs a small hot loop once (stats always on)."""
        report = {BASELINE: {"available": True, "options": [], "command": [self.python]}}
        with tempfile.TemporaryDirectory(prefix="cpjit-bench-probe-") as tmp:
            probe = os.path.join(tmp, "probe.py")
            with open(probe, "w") as f:
                f.write(PROBE_PROGRAM)
            reference = run_child(self.launcher, [self.python, probe], baseline_environment(),
                                  self.options.timeout)
            for mode in modes:
                entry = {"options": self.mode_options(mode),
                         "command": self.cpjit_command + self.mode_options(mode)}
                result = run_child(self.launcher, self.mode_argv(mode, probe), cpjit_environment(True),
                                   self.options.timeout)
                if result.timed_out:
                    available, reason = False, "probe program timed out"
                else:
                    reason = describe_difference(reference, result)
                    available = reason is None
                    if reason:
                        reason = "cpjit exec fails on a probe program: " + reason
                if available and mode != "tier1":
                    available, reason = tier2_status(result.stats, mode)
                entry["available"] = available
                if not available:
                    entry["reason"] = reason
                report[mode] = entry
                self.log("mode %-13s %s" % (mode, "available" if available
                                            else "NOT AVAILABLE: " + reason))
        return report

    def run_benchmark(self, name, path, modes):
        """Interleaved runs of one benchmark: {mode: cell}."""
        opts = self.options
        cells = {m: {"status": OK, "times_s": [], "max_rss_kb": [], "counters": []}
                 for m in [BASELINE] + modes}
        reference = None
        for run_index in range(opts.runs):
            for mode in [BASELINE] + modes:
                cell = cells[mode]
                if cell["status"] != OK:
                    continue
                if mode == BASELINE:
                    result = run_child(self.launcher, self.baseline_argv(path), baseline_environment(),
                                       opts.timeout)
                else:
                    if cells[BASELINE]["status"] != OK:
                        cell["status"] = BASELINE_ERROR
                        cell["reason"] = "no CPython reference: %s" % cells[BASELINE].get(
                            "reason", cells[BASELINE]["status"])
                        continue
                    result = run_child(self.launcher, self.mode_argv(mode, path, repr(opts.scale)),
                                       cpjit_environment(not opts.no_stats), opts.timeout)
                if result.timed_out:
                    cell["status"] = TIMEOUT
                    cell["reason"] = "run %d exceeded %g s" % (run_index + 1, opts.timeout)
                    self.log("  %-12s %-13s timeout" % (name, mode))
                    continue
                if mode == BASELINE:
                    if reference is None:
                        reference = result
                    if result.exit_status != 0:
                        cell["status"] = BASELINE_ERROR
                        cell["reason"] = "exit status %d: %s" % (
                            result.exit_status, last_line(result.stderr))
                        self.log("  %-12s %-13s CPYTHON ERROR %s" % (name, mode, cell["reason"]))
                        continue
                    if result.stdout != reference.stdout:
                        cell["status"] = BASELINE_ERROR
                        cell["reason"] = "CPython's own output differs between runs"
                        continue
                else:
                    reason = describe_difference(reference, result)
                    if reason is not None:
                        cell["status"] = FAILED
                        cell["reason"] = reason
                        self.log("  %-12s %-13s FAILED: %s" % (name, mode, reason))
                        continue
                    if mode != "tier1" and not opts.no_stats:
                        available, why = tier2_status(result.stats, mode)
                        if not available:
                            cell["status"] = UNAVAILABLE
                            cell["reason"] = why
                            continue
                    cell["counters"].append(summarize_counters(result.stats, result.wall_s))
                cell["times_s"].append(result.wall_s)
                cell["max_rss_kb"].append(result.max_rss_kb)
                self.log("  %-12s %-13s run %d: %.3f s" % (name, mode, run_index + 1,
                                                            result.wall_s))
        base_median = (statistics.median(cells[BASELINE]["times_s"])
                       if cells[BASELINE]["status"] == OK else None)
        for mode, cell in cells.items():
            finish_cell(cell, base_median)
        return cells

    def run(self):
        opts = self.options
        directory = opts.benchmarks or default_benchmark_dir()
        if not os.path.isdir(directory):
            raise SystemExit("cpjit bench: no benchmark directory %s (the suite lives in the "
                             "source tree; use --benchmarks DIR)" % directory)
        benchmarks = discover(directory, opts.filter)
        if not benchmarks:
            raise SystemExit("cpjit bench: no benchmark matches in %s" % directory)
        modes_report = self.probe_modes(opts.modes)
        available = [m for m in opts.modes if modes_report[m]["available"]]
        results = []
        for name, path in benchmarks:
            self.log("%s" % name)
            measured = self.run_benchmark(name, path, available)
            cells = {BASELINE: measured[BASELINE]}
            for mode in opts.modes:
                cells[mode] = measured.get(mode) or {
                    "status": UNAVAILABLE, "reason": modes_report[mode].get("reason", "")}
            results.append({"name": name, "path": path, "results": cells})
        return {
            "format_version": JSON_FORMAT_VERSION,
            "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%d %H:%M UTC"),
            "python": sys.version.split()[0],
            "python_executable": self.python,
            "machine": "%s %s, %d cores" % (platform.system(), platform.machine(),
                                           os.cpu_count() or 0),
            "scale": opts.scale,
            "runs": opts.runs,
            "timeout_s": opts.timeout,
            "stats_collected": not opts.no_stats,
            "modes": modes_report,
            "benchmarks": results,
            "geometric_mean_ratio": geometric_means(results, opts.modes),
        }


def finish_cell(cell, base_median):
    """Median, min, max, peak RSS, ratio to CPython and mean counters of a finished cell."""
    times = cell.get("times_s") or []
    if cell["status"] != OK or not times:
        cell.pop("counters", None)
        return
    cell["median_s"] = statistics.median(times)
    cell["min_s"] = min(times)
    cell["max_s"] = max(times)
    cell["peak_rss_kb"] = max(cell["max_rss_kb"])
    cell["ratio"] = cell["median_s"] / base_median if base_median else None
    runs = cell.pop("counters", [])
    if runs:
        cell["counters"] = average_counters(runs)


def average_counters(runs):
    """Mean of each counter over the runs that reported it (None if none did)."""
    merged = {}
    for key in runs[0]:
        if key == "time_share":
            merged[key] = {k: mean_or_none([r[key][k] for r in runs]) for k in runs[0][key]}
        else:
            merged[key] = mean_or_none([r[key] for r in runs])
    return merged


def mean_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def geometric_means(results, modes):
    """Per mode: geometric mean of the time ratios over the benchmarks that passed."""
    summary = {}
    for mode in modes:
        ratios = [b["results"][mode].get("ratio") for b in results
                  if b["results"][mode]["status"] == OK]
        ratios = [r for r in ratios if r]
        entry = {"benchmarks": len(ratios), "of": len(results)}
        entry["ratio"] = (math.exp(statistics.fmean(math.log(r) for r in ratios))
                          if ratios else None)
        summary[mode] = entry
    return summary


# ---------------------------------------------------------------------------------------
# Reporting


def fmt(value, spec, missing="-"):
    return missing if value is None else format(value, spec)


def format_table(report):
    """The human-readable report: timings, counters, geometric means."""
    lines = []
    lines.append("cpjit bench: scale %g, %d run(s) per mode, timeout %g s, Python %s, %s, %s"
                 % (report["scale"], report["runs"], report["timeout_s"], report["python"],
                    report["machine"], report["date_utc"]))
    lines.append("modes:")
    for mode, info in report["modes"].items():
        what = "baseline" if mode == BASELINE else " ".join(info["options"])
        state = "available" if info["available"] else "NOT AVAILABLE (%s)" % info.get("reason")
        lines.append("  %-13s %-16s %s" % (mode, what, state))
    lines.append("")
    header = ("%-14s %-13s %-14s %9s %19s %8s %9s"
              % ("benchmark", "mode", "status", "median s", "min-max s", "ratio", "peak MB"))
    lines.append(header)
    lines.append("-" * len(header))
    counter_rows = []
    for bench in report["benchmarks"]:
        first = True
        for mode, cell in bench["results"].items():
            name = bench["name"] if first else ""
            first = False
            if cell["status"] == OK:
                counters = cell.get("counters")
                note = ""
                if mode in EXPECTED_ENGINE and counters and counters["traces_created"] == 0:
                    note = "  (no traces: ran in tier 1)"
                lines.append("%-14s %-13s %-14s %9.3f %19s %8s %9.1f%s" % (
                    name, mode, cell["status"], cell["median_s"],
                    "%.3f-%.3f" % (cell["min_s"], cell["max_s"]),
                    fmt(cell.get("ratio"), ".2f") + "x", cell["peak_rss_kb"] / 1024, note))
                if (counters and mode != BASELINE
                        and any(counters[k] is not None for k in TIME_KEYS + COUNT_KEYS)):
                    counter_rows.append((bench["name"], mode, counters))
            else:
                reason = cell.get("reason", "")
                if cell["status"] == UNAVAILABLE and not report["modes"][mode]["available"]:
                    reason = "(see modes above)"
                lines.append("%-14s %-13s %-14s %s" % (name, mode, cell["status"], reason))
    if counter_rows:
        lines.append("")
        lines.append("cpjit counters (from --stats=json, mean over runs; '-' = not reported;"
                     " 'mc uops' = share of tier-2 uops run as machine code; tier1, t2-int,"
                     " mcode, compile = shares of the run's total time):")
        header = ("%-14s %-13s %7s %6s %7s %9s %9s %7s %7s %7s %8s %10s"
                  % ("benchmark", "mode", "traces", "side", "uops", "mc bytes", "mc uops",
                     "tier1", "t2-int", "mcode", "compile", "us/uop"))
        lines.append(header)
        lines.append("-" * len(header))
        for name, mode, c in counter_rows:
            share = c["time_share"]
            lines.append("%-14s %-13s %7s %6s %7s %9s %9s %7s %7s %7s %8s %10s" % (
                name, mode, fmt(c["traces_created"], ".0f"), fmt(c["side_traces_created"], ".0f"),
                fmt(c["uops_compiled"], ".0f"), fmt(c["machine_code_bytes"], ".0f"),
                fmt_share(c["uops_machine_code_share"]), fmt_share(share["tier1"]),
                fmt_share(share["tier2_interp"]),
                fmt_share(share["machine_code"]), fmt_share(share["compile"]),
                fmt(c["compile_us_per_uop"], ".1f")))
    lines.append("")
    lines.append("geometric mean of time ratios (cpjit / CPython; below 1 = faster than CPython):")
    for mode, entry in report["geometric_mean_ratio"].items():
        if not report["modes"][mode]["available"]:
            lines.append("  %-13s not available" % mode)
        elif entry["ratio"] is None:
            lines.append("  %-13s no benchmark passed (0 of %d)" % (mode, entry["of"]))
        else:
            lines.append("  %-13s %.2fx over %d of %d benchmarks" % (
                mode, entry["ratio"], entry["benchmarks"], entry["of"]))
    return "\n".join(lines) + "\n"


def fmt_share(value):
    return "-" if value is None else "%.0f%%" % (100 * value)


def matplotlib_missing():
    """None if matplotlib imports, else the message telling the user what to install."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ("cpjit bench: --plot needs matplotlib, which is not installed "
                "(pip install 'cpjit[plot]' or pip install matplotlib); "
                "the table and JSON do not need it")
    return None


MODE_COLOURS = {"tier1": "#4c72b0", "tier2-interp": "#dd8452", "jit": "#55a868",
                "jit-reach": "#8172b3"}


def plot(report, path):
    """A grouped bar chart of time ratios per benchmark and mode (log scale)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    modes = list(report["geometric_mean_ratio"])
    benchmarks = report["benchmarks"]
    names = [b["name"] for b in benchmarks] + ["geometric\nmean"]
    width = 0.8 / max(1, len(modes))
    fig, ax = plt.subplots(figsize=(min(16, 2 + 0.75 * len(names)), 5.5))
    shown = [1.0]
    legend = []
    any_untraced = False
    for k, mode in enumerate(modes):
        offset = (k - (len(modes) - 1) / 2) * width
        available = report["modes"][mode]["available"]
        xs, ys, problems, untraced = [], [], [], []
        for i, bench in enumerate(benchmarks):
            cell = bench["results"][mode]
            if cell["status"] == OK and cell.get("ratio"):
                xs.append(i + offset)
                ys.append(cell["ratio"])
                untraced.append(mode in EXPECTED_ENGINE and cell.get("counters") is not None
                                and cell["counters"]["traces_created"] == 0)
            elif available:
                problems.append((i + offset, cell["status"]))
        geo = report["geometric_mean_ratio"][mode]["ratio"]
        if geo:
            xs.append(len(benchmarks) + offset)
            ys.append(geo)
            untraced.append(False)
        colour = MODE_COLOURS.get(mode, "grey")
        if available:
            legend.append(Patch(color=colour, label=mode))
        else:
            legend.append(Patch(facecolor="white", edgecolor=colour, hatch="//",
                                label="%s (not available)" % mode))
        bars = ax.bar(xs, ys, width, color=colour)
        for bar, hatched in zip(bars, untraced):
            if hatched:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
                any_untraced = True
        shown.extend(ys)
        for bar, y in zip(bars, ys):
            ax.annotate("%.1f" % y if y >= 10 else "%.2f" % y,
                        (bar.get_x() + bar.get_width() / 2, y), ha="center", va="bottom",
                        fontsize=7)
        for x, status in problems:
            ax.annotate(status, (x, 1.0), ha="center", va="bottom", rotation=90, fontsize=7,
                        color="red")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_ylim(min(shown) / 1.6, max(shown) * 1.6)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: "%gx" % y))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.set_ylabel("time / CPython %s time (log scale; below 1 = faster)" % report["python"])
    ax.set_title("cpjit bench: scale %g, %d run(s) per mode, median wall time, %s"
                 % (report["scale"], report["runs"], report["date_utc"]), pad=24)
    if any_untraced:
        legend.append(Patch(facecolor="grey", edgecolor="white", hatch="//",
                            label="hatched: tier 2 made no trace (ran in tier 1)"))
    ax.legend(handles=legend, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=len(legend),
              fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------
# Command line


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="cpjit bench",
        description="Run the benchmark suite under CPython and under cpjit in each mode, "
                    "interleaved, and compare. A run whose stdout or exit status differs "
                    "from CPython's is a FAILURE; a mode that cannot run is 'not available'.")
    parser.add_argument("--filter", action="append", default=[], metavar="NAME",
                        help="only benchmarks whose name contains NAME (repeatable)")
    parser.add_argument("--runs", type=int, default=3, help="runs per benchmark and mode (3)")
    parser.add_argument("--json", metavar="FILE", help="write the report as JSON")
    parser.add_argument("--plot", metavar="FILE.png", help="bar chart of the ratios (matplotlib)")
    parser.add_argument("--modes", default=",".join(DEFAULT_MODES),
                        help="comma-separated cpjit modes among %s (default: %s); "
                             "CPython always runs as the baseline"
                             % (", ".join(MODES), ",".join(DEFAULT_MODES)))
    parser.add_argument("--scale", type=float, default=1.0,
                        help="problem size factor passed to each benchmark (1 = about 1 s "
                             "under CPython)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds before a run is killed and reported as timeout (300)")
    parser.add_argument("--benchmarks", metavar="DIR",
                        help="directory of bm_*.py programs (default: the repo's benchmarks/)")
    parser.add_argument("--python", metavar="EXE",
                        help="the CPython to compare with and run cpjit on (sys.executable)")
    parser.add_argument("--cpjit", metavar="COMMAND",
                        help="command that runs cpjit exec (default: PYTHON -m cpjit exec)")
    parser.add_argument("--exec-option", action="append", default=[], metavar="OPT",
                        help="an extra option for every 'cpjit exec' run, e.g. "
                             "--exec-option=--tier1=all (repeatable)")
    parser.add_argument("--no-stats", action="store_true",
                        help="do not ask cpjit for --stats=json counters in timed runs")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    options = parser.parse_args(argv)
    modes = [m.strip() for m in options.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error("unknown mode(s) %s; choose from %s" % (", ".join(unknown),
                                                            ", ".join(MODES)))
    options.modes = modes
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    if options.timeout <= 0 or options.scale <= 0:
        parser.error("--timeout and --scale must be positive")
    return options


def precompile_cpjit():
    """Write the bytecode caches of cpjit's own modules before timing, as an installed
    package has them: CPython's standard library is precompiled, and with
    ``PYTHONDONTWRITEBYTECODE`` (or a read-only tree) every cpjit run would otherwise
    compile cpjit's sources again (~0.08 s each time). Only ``__pycache__`` is written."""
    import compileall
    package = os.path.dirname(os.path.abspath(__file__))
    try:
        compileall.compile_dir(package, quiet=2)
    except OSError:
        pass


def main(argv):
    """``cpjit bench ...``: 0 if no benchmark FAILED, 1 otherwise (or if --plot could not be made)."""
    options = parse_args(argv)

    def log(message):
        if not options.quiet:
            sys.stderr.write(message + "\n")
            sys.stderr.flush()

    plot_problem = matplotlib_missing() if options.plot else None
    if plot_problem:
        log(plot_problem)
    precompile_cpjit()
    runner = Runner(options, log)
    try:
        report = runner.run()
    except KeyboardInterrupt:
        sys.stderr.write("cpjit bench: interrupted; no report\n")
        return 130
    finally:
        runner.launcher.close()
    sys.stdout.write(format_table(report))
    if options.json:
        with open(options.json, "w") as f:
            json.dump(report, f, indent=1, sort_keys=False)
            f.write("\n")
    status = 0
    if options.plot:
        if plot_problem:
            sys.stderr.write(plot_problem + "\n")
            status = 1
        else:
            plot(report, options.plot)
    bad = [b["name"] for b in report["benchmarks"]
           if any(c["status"] in (FAILED, BASELINE_ERROR) for c in b["results"].values())]
    if bad:
        sys.stderr.write("cpjit bench: FAILED: %s\n" % ", ".join(bad))
        status = 1
    return status
