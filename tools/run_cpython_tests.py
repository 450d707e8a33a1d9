#!/usr/bin/env python3
"""Run modules of CPython's installed ``test`` package under cpjit's tier 1 and tabulate.

Each module runs as ``python -m cpjit exec --tier1=all [mode] run_cpython_tests.py
--driver tier1 test_xxx``: the driver (below) runs the test module's top-level code and
every test method, setUp and tearDown in tier 1, and with ``--tier1=all`` tier 1 takes
every call it can from there, so the test bodies are interpreted by cpjit. The reference
is the same driver under plain python (``--driver native``). The same module also runs under plain python, so the table shows both. The
counts come from unittest's summary (``Ran N tests``, ``FAILED (failures=.., errors=..)``)
and the first failing test's report is kept for each module.

    python3 tools/run_cpython_tests.py                    # the default module list
    python3 tools/run_cpython_tests.py test_grammar test_raise --jobs 2 --markdown out.md
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULT_MODULES = [
    "test_grammar", "test_opcodes", "test_scope", "test_exceptions", "test_class",
    "test_unpack", "test_int", "test_float", "test_list", "test_dict", "test_set",
    "test_with", "test_contextlib", "test_raise", "test_keywordonlyarg", "test_patma",
    "test_exception_group", "test_super",
]

MODES = {
    "no-jit": ["--no-jit"],
    "tier2-interp": ["--tier2=interp"],
    "tier2-jit": ["--tier2=jit"],
}


class ModuleResult:
    """unittest's verdict on one module under one interpreter."""

    def __init__(self, module, runner, status, ran, failures, errors, skipped,
                 expected_failures, unexpected_successes, seconds, first_problem, timed_out):
        self.module = module
        self.runner = runner
        self.status = status
        self.ran = ran
        self.failures = failures
        self.errors = errors
        self.skipped = skipped
        self.expected_failures = expected_failures
        self.unexpected_successes = unexpected_successes
        self.seconds = seconds
        self.first_problem = first_problem
        self.timed_out = timed_out

    @property
    def passed(self):
        if self.ran is None:
            return None
        return (self.ran - self.failures - self.errors - self.skipped
                - self.expected_failures - self.unexpected_successes)

    @property
    def ok(self):
        """Everything it ran passed (skips allowed) and the process said so."""
        return (not self.timed_out and self.ran is not None and self.status == 0
                and self.failures == 0 and self.errors == 0)

    def as_dict(self):
        d = dict(vars(self))
        d["passed"] = self.passed
        d["ok"] = self.ok
        return d


_SUMMARY = re.compile(rb"^(OK|FAILED)(?: \((.*)\))?\s*$", re.M)
_RAN = re.compile(rb"^Ran (\d+) tests? in ", re.M)
_PROBLEM = re.compile(rb"^(?:=+\n)((?:ERROR|FAIL|UNEXPECTED SUCCESS): .*?)(?=^=+\n|^-{10,}\nRan |\Z)",
                      re.M | re.S)


def parse_unittest_output(stderr):
    """(ran, counts dict, first problem text) from unittest's text-runner output."""
    ran_match = _RAN.search(stderr)
    ran = int(ran_match.group(1)) if ran_match else None
    counts = {"failures": 0, "errors": 0, "skipped": 0, "expected failures": 0,
              "unexpected successes": 0}
    summary = None
    for summary in _SUMMARY.finditer(stderr):
        pass
    if summary is not None and summary.group(2):
        for part in summary.group(2).decode().split(","):
            key, _, value = part.strip().partition("=")
            if key in counts and value.isdigit():
                counts[key] = int(value)
    first = _PROBLEM.search(stderr)
    first_problem = first.group(1).decode("utf-8", "replace").strip() if first else ""
    return ran, counts, first_problem


def problem_headlines(stderr):
    """Every 'FAIL: test (...)' / 'ERROR: test (...)' line of unittest's report."""
    return [m.group(1).decode("utf-8", "replace") for m in
            re.finditer(rb"^=+\n((?:ERROR|FAIL|UNEXPECTED SUCCESS): [^\n]*)", stderr, re.M)]


def child_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPJIT_")}
    extra = env.get("PYTHONPATH")
    env["PYTHONPATH"] = REPO_ROOT + (os.pathsep + extra if extra else "")
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_module(module, runner, mode, timeout):
    """Run ``test.<module>`` under python ("python") or cpjit ("cpjit")."""
    if runner == "python":
        argv = [sys.executable, os.path.abspath(__file__), "--driver", "native", module]
    else:
        argv = ([sys.executable, "-m", "cpjit", "exec", "--tier1=all"] + MODES[mode]
                + [os.path.abspath(__file__), "--driver", "tier1", module])
    started = time.perf_counter()
    timed_out = False
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=child_environment(),
                              timeout=timeout, cwd=REPO_ROOT)
        status, stderr = proc.returncode, proc.stderr + proc.stdout
    except subprocess.TimeoutExpired as exc:
        timed_out = True
        status = None
        stderr = (exc.stderr or b"") + (exc.stdout or b"")
    seconds = time.perf_counter() - started
    ran, counts, first_problem = parse_unittest_output(stderr)
    if ran is None and not first_problem:
        # The module did not get as far as unittest's summary: keep the end of stderr.
        first_problem = stderr[-3000:].decode("utf-8", "replace").strip()
    result = ModuleResult(module, runner, status, ran, counts["failures"], counts["errors"],
                          counts["skipped"], counts["expected failures"],
                          counts["unexpected successes"], seconds, first_problem, timed_out)
    result.problems = problem_headlines(stderr)
    return result


# ---------------------------------------------------------------------------------------
# The driver: what runs inside ``cpjit exec`` (or plain python, for the reference).
#
# Running ``-m unittest test.test_xxx`` under cpjit is not enough: tier 1 only sees the
# calls made from code it runs, and unittest reaches test methods through native code
# (type.__call__, TestSuite.__call__), so the test bodies would run natively. The driver
# therefore executes the test module's own code in tier 1 (``exec_code``) and routes
# every test method, setUp and tearDown through ``run_function``; with ``--tier1=all``
# whatever they call in Python follows them into tier 1.

_NATIVE_ONLY_FLAGS = 0x20 | 0x80 | 0x100 | 0x200


def _load_module_in_tier1(name, exec_code):
    """Import ``test.<name>`` with its top-level code run by ``exec_code``."""
    import importlib
    import importlib.util
    importlib.import_module("test")
    spec = importlib.util.find_spec("test." + name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    code = spec.loader.get_code(spec.name)
    try:
        exec_code(code, module.__dict__)
    except BaseException:
        sys.modules.pop(spec.name, None)
        raise
    return module


def _route_through(test, run_function):
    """Make ``test``'s test method, setUp and tearDown run in tier 1."""
    import functools
    import types
    for attr in (test._testMethodName, "setUp", "tearDown"):
        bound = getattr(test, attr, None)
        func = getattr(bound, "__func__", None)
        if not isinstance(func, types.FunctionType):
            continue
        if func.__code__.co_flags & _NATIVE_ONLY_FLAGS:
            continue

        def in_tier1(*args, __func=func, __self=test, **kwargs):
            return run_function(__func, (__self,) + args, kwargs or None)
        functools.update_wrapper(in_tier1, func)   # keeps __unittest_skip__ & co.
        setattr(test, attr, in_tier1)


def _iter_tests(suite):
    import unittest
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _iter_tests(test)
        else:
            yield test


def driver_main(engine, name):
    """Run one test module verbosely: natively, or with tier 1 taking the test code."""
    import unittest
    if engine == "tier1":
        from cpjit.interpreter import exec_code, run_function
        module = _load_module_in_tier1(name, exec_code)
    else:
        import importlib
        module = importlib.import_module("test." + name)
        run_function = None
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    if run_function is not None:
        for test in _iter_tests(suite):
            if isinstance(test, unittest.TestCase) and hasattr(test, "_testMethodName"):
                _route_through(test, run_function)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


def _cell(result):
    if result.timed_out:
        return "timeout (%.0fs)" % result.seconds
    if result.ran is None:
        return "crashed (status %s)" % result.status
    return "%d/%d pass, %d fail, %d err, %d skip" % (
        result.passed, result.ran, result.failures, result.errors, result.skipped)


def markdown_table(rows, mode):
    lines = ["| module | python | cpjit (--tier1=all, %s) | cpjit time | verdict |" % mode,
             "|---|---|---|---|---|"]
    for py, cp in rows:
        verdict = "PASS" if cp.ok else "FAIL"
        lines.append("| %s | %s | %s | %.1fs | %s |" % (
            cp.module, _cell(py) if py else "-", _cell(cp), cp.seconds, verdict))
    problems = [(cp.module, cp.first_problem) for _, cp in rows if not cp.ok and cp.first_problem]
    if problems:
        lines.append("")
        lines.append("First problem of each failing module:")
        by_module = {cp.module: cp for _, cp in rows}
        for module, text in problems:
            lines.append("")
            lines.append("### %s" % module)
            lines.extend("- " + headline for headline in by_module[module].problems)
            lines.append("")
            lines.append("```")
            lines.extend(text.splitlines()[:40])
            lines.append("```")
    return "\n".join(lines) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--driver"]:
        return driver_main(argv[1], argv[2])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="test modules (default: issue 3's list)")
    parser.add_argument("--mode", choices=sorted(MODES), default="no-jit")
    parser.add_argument("--jobs", type=int, default=1, help="modules run in parallel")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per module run")
    parser.add_argument("--no-python", action="store_true",
                        help="skip the reference runs under plain python")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--json", help="write the raw results to this file")
    args = parser.parse_args(argv)
    modules = args.modules or DEFAULT_MODULES

    jobs = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for module in modules:
            py = None if args.no_python else pool.submit(run_module, module, "python",
                                                         args.mode, args.timeout)
            cp = pool.submit(run_module, module, "cpjit", args.mode, args.timeout)
            jobs.append((py, cp))
        rows = []
        for py, cp in jobs:
            rows.append((py.result() if py else None, cp.result()))
            print("%-22s %s" % (rows[-1][1].module, _cell(rows[-1][1])), file=sys.stderr,
                  flush=True)
    table = markdown_table(rows, args.mode)
    sys.stdout.write(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"python": py.as_dict() if py else None, "cpjit": cp.as_dict()}
                       for py, cp in rows], f, indent=2)
    return 0 if all(cp.ok for _, cp in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
