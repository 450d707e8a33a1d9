"""Run modules of CPython's regression tests through tier 1.

``python -m cpjit.interpreter.regrtest [--tier1=all|loops] [--skip=NAME ...] [-v] test_grammar ...``

The module's source runs under ``exec_code``; every function defined in its TestCase
classes is replaced by a wrapper that runs it with ``run_function``, so the test bodies
(and, with ``--tier1=all``, whatever they call from tier-1 code) run in tier 1.
"""

import functools
import importlib.util
import io
import sys
import types
import unittest

from cpjit import config


def _wrap(fn):
    from cpjit.interpreter import run_function

    @functools.wraps(fn)
    def tier1_test_method(*args, **kwargs):
        return run_function(fn, args, kwargs)
    return tier1_test_method


def _without(suite, skip):
    out = unittest.TestSuite()
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            out.addTest(_without(test, skip))
        elif test.id().rsplit(".", 1)[-1] not in skip:
            out.addTest(test)
    return out


def run_module(name, skip=(), verbose=False):
    """Load ``test.<name>`` through tier 1 and run it; returns the unittest result."""
    from cpjit.interpreter import exec_code
    fullname = name if name.startswith("test.") else "test." + name
    spec = importlib.util.find_spec(fullname)
    mod = types.ModuleType(fullname)
    mod.__file__, mod.__spec__, mod.__loader__ = spec.origin, spec, spec.loader
    if spec.submodule_search_locations is not None:
        mod.__path__ = list(spec.submodule_search_locations)
        mod.__package__ = fullname
    else:
        mod.__package__ = fullname.rpartition(".")[0]
    sys.modules[fullname] = mod
    with open(spec.origin, encoding="utf-8") as f:
        source = f.read()
    exec_code(compile(source, spec.origin, "exec"), mod.__dict__)
    for value in list(vars(mod).values()):
        if isinstance(value, type) and issubclass(value, unittest.TestCase) \
                and value.__module__ == fullname:
            for attr, fn in list(vars(value).items()):
                if type(fn) is types.FunctionType and not fn.__code__.co_flags & 0x3a0:
                    setattr(value, attr, _wrap(fn))
    suite = _without(unittest.TestLoader().loadTestsFromModule(mod), set(skip))
    stream = sys.stderr if verbose else io.StringIO()
    return unittest.TextTestRunner(stream=stream, verbosity=2 if verbose else 0).run(suite)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    skip = [a.split("=", 1)[1] for a in argv if a.startswith("--skip=")]
    verbose = "-v" in argv
    for a in argv:
        if a.startswith("--tier1="):
            config.current.tier1 = a.split("=", 1)[1]
    names = [a for a in argv if not a.startswith("-")]
    failed = 0
    for name in names:
        res = run_module(name, skip, verbose)
        bad = len(res.failures) + len(res.errors)
        failed += bad
        print("%-24s run %4d  failures %2d  errors %2d  skipped %2d"
              % (name, res.testsRun, len(res.failures), len(res.errors), len(res.skipped)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
