"""``cpjit exec``: run a script, ``-m module`` or ``-c code`` exactly as ``python`` would.

CPython counterpart: ``Modules/main.c`` (``pymain_run_python``, ``pymain_run_file``,
``pymain_run_command``, ``pymain_run_module``) and ``Python/pythonrun.c``
(``_PyRun_SimpleFileObject``, ``_PyErr_PrintEx``, ``handle_system_exit``).

The program's module code runs in tier 1 (``cpjit.interpreter.exec_code``); tier 2 is
switched on through ``cpjit.optimizer.enable(config)`` when the mode asks for it. What the
program sees (``sys.argv``, ``sys.path[0]``, the ``__main__`` module and its dunders) and
what the user sees (stdout, stderr, tracebacks, exit status) are python's. The deliberate
differences are listed in ``docs/usage.md``.

Imports are kept lazy: a ``cpjit exec`` run pays only for what it uses.
"""

import _signal   # signal.py's enums cost ~0.5 ms at each start; the C module is enough
import atexit
import os
import sys

from cpjit import config as _config

# What the exit path uses once the program has run, bound now: a program may delete or
# replace builtins (``del builtins.type``), and python's own exit path, written in C,
# would not notice. (atexit and _signal are built-in modules, free to import here.)
_type, _id, _set, _zip, _isinstance, _getattr = type, id, set, zip, isinstance, getattr
_sorted, _open, _Exception, _BaseException = sorted, open, Exception, BaseException
_SystemExit, _KeyboardInterrupt, _BaseExceptionGroup = (SystemExit, KeyboardInterrupt,
                                                        BaseExceptionGroup)
_BUILTINS = __builtins__ if _type(__builtins__) is dict else __builtins__.__dict__
_ORIGINAL_BUILTINS = dict(_BUILTINS)


def _call_with_original_builtins(fn):
    """Run ``fn`` (library code such as json) with the builtins as they were at start-up,
    then give the program's builtins back exactly as it left them."""
    programs = dict(_BUILTINS)
    _BUILTINS.update(_ORIGINAL_BUILTINS)
    try:
        return fn()
    finally:
        _BUILTINS.clear()
        _BUILTINS.update(programs)

HELP = """\
usage: cpjit exec [options] (script.py | -m module | -c code | -) [args...]

Run a Python 3.11 program under cpjit. The program sees exactly what `python script.py`
(or `python -m module`, `python -c code`) would show it: sys.argv, sys.path[0], __main__,
stdin/stdout/stderr, atexit, exit status and tracebacks.

options (before the program; everything after it belongs to the program):
  --no-jit                   tier 1 only (no traces, no machine code)
  --tier2=interp|jit         run traces in the reference uop interpreter, or as machine
                             code (default: jit)
  --tier1=loops|reach|all    which calls tier 1 takes: the script's module code and
                             functions containing a loop (default); also functions
                             that call such functions, a few calls deep (reach); or
                             every call it can (all)
  --stats[=text|json]        print counters to stderr when the program ends (after
                             its atexit handlers); CPJIT_STATS_FILE=path writes the
                             JSON object to that file instead
  --backedge-threshold N     back edges before a loop is optimized (>= 1; default %d)
  --side-exit-threshold N    exits before a side exit gets its own trace (>= 1; default %d)
  -h, --help                 show this help

environment (the command line wins over it):
  CPJIT_NO_JIT=1             same as --no-jit
  CPJIT_TIER2=off|interp|jit same as --tier2 (off = --no-jit)
  CPJIT_TIER1=loops|reach|all  same as --tier1
  CPJIT_STATS=1|text|json    same as --stats
  CPJIT_BACKEDGE_THRESHOLD   same as --backedge-threshold
  CPJIT_SIDE_EXIT_THRESHOLD  same as --side-exit-threshold
  CPJIT_STATS_DISPATCHES=0   with stats, do not count tier 1's dispatches (~6 %% faster)
  CPJIT_UOPS_OPTIMIZE=0      turn the trace analysis passes off
  CPJIT_LLTRACE=1..4         print traces as they are projected and optimized
""" % (_config.DEFAULT_BACKEDGE_THRESHOLD, _config.DEFAULT_SIDE_EXIT_THRESHOLD)


class UsageError(Exception):
    """A bad ``cpjit exec`` command line (status 2, like python's own usage errors)."""


# ---------------------------------------------------------------------------------------
# Command line


class Invocation:
    """What to run: ``kind`` is 'file', 'module', 'command' or 'stdin'; ``target`` names it."""

    def __init__(self, kind, target, args):
        self.kind = kind
        self.target = target
        self.args = args


def _take_value(argv, i, option):
    """The value of ``--option=value`` or ``--option value`` starting at ``argv[i]``."""
    arg = argv[i]
    if arg.startswith(option + "="):
        return arg[len(option) + 1:], i + 1
    if i + 1 >= len(argv):
        raise UsageError("option %s needs a value" % option)
    return argv[i + 1], i + 2


def _threshold(option, raw):
    try:
        value = int(raw)
    except ValueError:
        raise UsageError("%s must be an integer, not %r" % (option, raw)) from None
    if value < 1:
        raise UsageError("%s must be at least 1, not %d" % (option, value))
    return value


def parse_args(argv, cfg):
    """Parse ``cpjit exec`` options into ``cfg``; return the Invocation (or None for --help)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-h", "--help"):
            return None
        if arg == "--no-jit":
            cfg.tier2 = "off"
            i += 1
        elif arg == "--tier2" or arg.startswith("--tier2="):
            value, i = _take_value(argv, i, "--tier2")
            if value not in _config.TIER2_MODES:
                raise UsageError("--tier2 must be one of %s, not %r"
                                 % (", ".join(_config.TIER2_MODES), value))
            cfg.tier2 = value
        elif arg == "--tier1" or arg.startswith("--tier1="):
            value, i = _take_value(argv, i, "--tier1")
            if value not in _config.TIER1_POLICIES:
                raise UsageError("--tier1 must be one of %s, not %r"
                                 % (", ".join(_config.TIER1_POLICIES), value))
            cfg.tier1 = value
        elif arg == "--stats":
            cfg.stats = "text"
            i += 1
        elif arg.startswith("--stats="):
            value = arg[len("--stats="):]
            if value not in ("text", "json"):
                raise UsageError("--stats must be 'text' or 'json', not %r" % value)
            cfg.stats = value
            i += 1
        elif arg == "--backedge-threshold" or arg.startswith("--backedge-threshold="):
            value, i = _take_value(argv, i, "--backedge-threshold")
            cfg.backedge_threshold = _threshold("--backedge-threshold", value)
        elif arg == "--side-exit-threshold" or arg.startswith("--side-exit-threshold="):
            value, i = _take_value(argv, i, "--side-exit-threshold")
            cfg.side_exit_threshold = _threshold("--side-exit-threshold", value)
        elif arg == "--":
            if i + 1 >= len(argv):
                raise UsageError("no program given after --")
            return Invocation("file", argv[i + 1], argv[i + 2:])
        elif arg[:2] in ("-m", "-c"):
            # python accepts both "-m mod" and "-mmod" (and "-c code", "-ccode").
            kind = "module" if arg[:2] == "-m" else "command"
            if arg not in ("-m", "-c"):
                return Invocation(kind, arg[2:], argv[i + 1:])
            if i + 1 >= len(argv):
                raise UsageError("Argument expected for the %s option" % arg)
            return Invocation(kind, argv[i + 1], argv[i + 2:])
        elif arg == "-":
            return Invocation("stdin", "-", argv[i + 1:])
        elif arg.startswith("-"):
            raise UsageError("unknown option %r" % arg)
        else:
            return Invocation("file", arg, argv[i + 1:])
    raise UsageError("no program given (script.py, -m module, -c code or -)")


# ---------------------------------------------------------------------------------------
# The engines


def load_tier1():
    """Return tier 1's ``exec_code(code, globals, locals=None)``; never a silent fallback."""
    from cpjit import interpreter
    exec_code = getattr(interpreter, "exec_code", None)
    if exec_code is None:
        raise ImportError("cpjit.interpreter has no exec_code(): tier 1 is not available")
    return exec_code


def enable_tier2(cfg, stats):
    """Switch tier 2 on when the mode asks for it (CPython: ``_PyOptimizer_NewUOpOptimizer``).

    If tier 2 is not there yet, tier 1 runs alone; that is only reported through
    ``--stats`` because stderr must stay python's.
    """
    stats["tier2_requested"] = cfg.tier2
    stats["tier2_active"] = False
    if cfg.tier2 == "off":
        return
    try:
        from cpjit import optimizer
    except ModuleNotFoundError as exc:
        if exc.name != "cpjit.optimizer":
            raise  # tier 2 is there but broken: that is a bug to see, not a mode to skip
        stats["tier2_unavailable"] = "no cpjit.optimizer module"
        return
    enable = getattr(optimizer, "enable", None)
    if enable is None:
        stats["tier2_unavailable"] = "cpjit.optimizer has no enable()"
        return
    enable(cfg)
    stats["tier2_active"] = True


# ---------------------------------------------------------------------------------------
# __main__, sys.argv, sys.path[0]


def fresh_main_module():
    """A new ``__main__`` in sys.modules, as ``pylifecycle.c:add_main_module`` makes it."""
    import types
    import builtins
    import importlib.machinery
    main = types.ModuleType("__main__")
    main.__dict__.update({
        "__annotations__": {},
        "__builtins__": builtins,
        "__loader__": importlib.machinery.BuiltinImporter,
    })
    # ModuleType() already set __name__, __doc__, __package__ and __spec__ (None).
    sys.modules["__main__"] = main
    return main


def set_sys_path0(value):
    """Replace the launcher's sys.path[0] (``python -m cpjit``'s cwd or cpjit's bin dir)."""
    if sys.path:
        sys.path[0] = value
    else:
        sys.path.insert(0, value)


def report_cannot_open(path, exc):
    """python's ``pymain_run_file`` message for a script it cannot open; status 2."""
    # python names itself by argv[0] as it was invoked; so do we (see docs/usage.md).
    program = sys.orig_argv[0] if getattr(sys, "orig_argv", None) else sys.executable
    sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n"
                     % (program, path, exc.errno, exc.strerror))
    return 2


def absolute_script_path(path):
    """``config_run_filename_abspath``: cwd joined, not normalized (``./x.py`` stays)."""
    if os.path.isabs(path):
        return path
    return os.path.join(os.getcwd(), path)


# ---------------------------------------------------------------------------------------
# Uncaught exceptions


# Frames of files under this directory are cpjit's own (computed now, see _type above).
_CPJIT_DIRECTORY = os.path.dirname(os.path.abspath(__file__)) + os.sep


def hide_host_frames(exc, seen=None):
    """Drop cpjit's own frames from ``exc``'s traceback, its chain and its group members.

    The printed traceback must be python's byte for byte: the frames of ``cpjit exec``
    and of the tier-1 dispatch loop are the host's, not the program's.
    """
    if seen is None:
        seen = _set()
    if exc is None or _id(exc) in seen:
        return
    seen.add(_id(exc))
    prefix = _CPJIT_DIRECTORY
    kept = []
    tb = exc.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(prefix):
            kept.append(tb)
        tb = tb.tb_next
    for earlier, later in _zip(kept, kept[1:]):
        earlier.tb_next = later
    if kept:
        kept[-1].tb_next = None
    exc.__traceback__ = kept[0] if kept else None
    hide_host_frames(exc.__cause__, seen)
    hide_host_frames(exc.__context__, seen)
    if _isinstance(exc, _BaseExceptionGroup):
        for member in exc.exceptions:
            hide_host_frames(member, seen)


def print_uncaught(exc):
    """``_PyErr_PrintEx``: set sys.last_*, call sys.excepthook, survive a broken hook."""
    hide_host_frames(exc)
    tb = exc.__traceback__
    sys.last_type, sys.last_value, sys.last_traceback = _type(exc), exc, tb
    hook = _getattr(sys, "excepthook", None)
    if hook is None:
        sys.stderr.write("sys.excepthook is missing\n")
        sys.__excepthook__(_type(exc), exc, tb)
        return
    try:
        hook(_type(exc), exc, tb)
    except _SystemExit:
        raise  # handle_system_exit: the hook asked to exit.
    except _BaseException as hook_exc:
        hide_host_frames(hook_exc)
        sys.stderr.flush()
        sys.stderr.write("Error in sys.excepthook:\n")
        sys.__excepthook__(_type(hook_exc), hook_exc, hook_exc.__traceback__)
        sys.stderr.write("\nOriginal exception was:\n")
        sys.__excepthook__(_type(exc), exc, tb)


def exit_by_sigint():
    """``exit_sigint`` in Modules/main.c: finish like Py_FinalizeEx, then die of SIGINT."""
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except _Exception:
            pass
    _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
    os.kill(os.getpid(), _signal.SIGINT)
    return 128 + _signal.SIGINT  # only if the signal did not kill us


# ---------------------------------------------------------------------------------------
# Running


def read_script(path):
    """The script's bytes, or the OSError python reports as "can't open file"."""
    with open(path, "rb") as f:
        return f.read()


def looks_like_pyc(path, data):
    """``maybe_pyc_file``: a .pyc suffix or the interpreter's magic number."""
    import importlib.util
    return path.endswith(".pyc") or data[:4] == importlib.util.MAGIC_NUMBER


def compile_main(source, filename):
    """Compile the program like ``_PyRun_SimpleFileObject``: no flags inherited from cpjit."""
    return compile(source, filename, "exec", dont_inherit=True)


def _accepts_depth(exec_code):
    code = getattr(exec_code, "__code__", None)
    return code is not None and "depth" in code.co_varnames[:code.co_argcount
                                                          + code.co_kwonlyargcount]


def run_code(exec_code, code, main_globals, depth=1):
    """``run_eval_code_obj``: run the module code in tier 1.

    ``depth`` is the frame depth python would run it at (1 for a script's module code,
    3 under runpy), so the recursion limit counts the program's frames, not cpjit's.
    """
    if _accepts_depth(exec_code):
        exec_code(code, main_globals, depth=depth)
    else:
        exec_code(code, main_globals)


def run_file(inv, exec_code):
    """``pymain_run_file`` + ``_PyRun_SimpleFileObject``."""
    path = inv.target
    if os.path.isdir(path) or _is_zipfile(path):
        return run_directory(inv, exec_code)
    abspath = absolute_script_path(path)
    try:
        data = read_script(path)
    except OSError as exc:
        return report_cannot_open(abspath, exc)
    sys.argv[:] = [path] + inv.args
    set_sys_path0(os.path.dirname(os.path.realpath(path)))
    main = fresh_main_module()
    d = main.__dict__
    import importlib.machinery
    d["__file__"] = abspath
    d["__cached__"] = None
    is_pyc = looks_like_pyc(path, data)
    loader_class = (importlib.machinery.SourcelessFileLoader if is_pyc
                    else importlib.machinery.SourceFileLoader)
    d["__loader__"] = loader_class("__main__", abspath)
    if is_pyc:
        import marshal
        return run_as_main(exec_code, lambda: marshal.loads(data[16:]), d)
    return run_as_main(exec_code, lambda: compile_main(data, abspath), d)


def run_as_main(exec_code, make_code, d):
    """Make the program's code (``make_code()``: compiling may raise SyntaxError) and run
    it in ``__main__``'s dict ``d``; the exit status, as ``pymain_run_file`` ends."""
    try:
        run_code(exec_code, make_code(), d)
    except _SystemExit:
        raise  # handle_system_exit runs before __file__ is removed
    except _BaseException as exc:
        error = exc
    else:
        _forget_file(d)
        return 0
    return finish_with_exception(error, d)


def _forget_file(d):
    # _PyRun_SimpleFileObject removes what it added once the script is over.
    d.pop("__file__", None)
    d.pop("__cached__", None)


def finish_with_exception(exc, d=None):
    """Print an uncaught exception as python does and pick the exit status.

    Called outside the ``except`` block that caught ``exc``: python calls the hook with
    no exception being handled, so an exception the hook raises has no ``__context__``.
    """
    unhandled_sigint = _type(exc) is _KeyboardInterrupt
    print_uncaught(exc)
    del exc
    if d is not None:
        _forget_file(d)
    if unhandled_sigint:
        return exit_by_sigint()
    return 1


def _is_zipfile(path):
    if not os.path.isfile(path) or path.endswith((".py", ".pyc")):
        return False
    import zipfile
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def run_command(inv, exec_code):
    """``pymain_run_command``: ``-c code`` runs as ``<string>`` with sys.path[0] == ''."""
    sys.argv[:] = ["-c"] + inv.args
    set_sys_path0("")
    main = fresh_main_module()
    try:
        code = compile_main(inv.target, "<string>")
        run_code(exec_code, code, main.__dict__)
    except _SystemExit:
        raise
    except _BaseException as exc:
        error = exc
    else:
        return 0
    return finish_with_exception(error)


def run_stdin(inv, exec_code):
    """``pymain_run_stdin`` for a non-interactive stdin: the program is read from it."""
    if sys.stdin is not None and sys.stdin.isatty():
        raise UsageError("the interactive prompt is not supported; give a program")
    sys.argv[:] = ["-"] + inv.args
    set_sys_path0("")
    main = fresh_main_module()
    d = main.__dict__
    # _PyRun_SimpleFileObject with "<stdin>": __file__ and __cached__ set, loader left alone.
    d["__file__"] = "<stdin>"
    d["__cached__"] = None
    source = sys.stdin.buffer.read()
    return run_as_main(exec_code, lambda: compile_main(source, "<stdin>"), d)


def _run_with_runpy(modname, alter_argv, exec_code):
    """Call runpy natively, as python does, with its ``exec`` routed into tier 1.

    runpy's own frames (``<frozen runpy>``) are then the ones python shows in tracebacks.
    """
    import runpy

    def exec_in_tier1(code, globals_, locals_=None):
        # runpy._run_code calls exec(code, run_globals) two frames below python's
        # pymain_run_module: the module code runs at depth 3.
        if locals_ is None:
            return run_code(exec_code, code, globals_, depth=3)
        return exec_code(code, globals_, locals_)
    runpy.exec = exec_in_tier1
    try:
        runpy._run_module_as_main(modname, alter_argv=alter_argv)
    finally:
        del runpy.exec


def _run_module_catching(modname, alter_argv, exec_code):
    """``pymain_run_module``: exceptions are printed, SystemExit propagates."""
    try:
        _run_with_runpy(modname, alter_argv, exec_code)
    except _SystemExit:
        raise
    except _BaseException as exc:
        error = exc
    else:
        return 0
    return finish_with_exception(error)


def run_module(inv, exec_code):
    """``python -m module``: sys.path[0] is the cwd, runpy finds and runs the module."""
    sys.argv[:] = ["-m"] + inv.args
    set_sys_path0(os.getcwd())
    fresh_main_module()
    return _run_module_catching(inv.target, True, exec_code)


def run_directory(inv, exec_code):
    """A directory or zip file with ``__main__.py``: it goes first on sys.path."""
    sys.argv[:] = [inv.target] + inv.args
    set_sys_path0(absolute_script_path(inv.target))
    fresh_main_module()
    return _run_module_catching("__main__", False, exec_code)


RUNNERS = {
    "file": run_file,
    "module": run_module,
    "command": run_command,
    "stdin": run_stdin,
}


def collect_stats(stats):
    """The counters tier 1 and tier 2 expose (their ``get_stats()``), added to ``stats``."""
    for module_name in ("cpjit.interpreter", "cpjit.optimizer"):
        module = sys.modules.get(module_name)
        get_stats = _getattr(module, "get_stats", None) if module else None
        if get_stats is not None:
            try:
                stats[module_name.split(".")[1]] = get_stats()
            except _Exception as exc:  # a broken counter must not change the exit status
                stats[module_name.split(".")[1]] = "get_stats() failed: %r" % (exc,)
    tier1 = stats.get("interpreter")
    if isinstance(tier1, dict):
        from cpjit.work_share import work_share
        optimizer = sys.modules.get("cpjit.optimizer")
        state = _getattr(optimizer, "_state", None) if optimizer else None
        executors = _getattr(state, "executors", None) or []
        try:
            stats["work_share"] = work_share(tier1.get("tier1_dispatches"),
                                             stats.get("optimizer"), executors)
        except _Exception as exc:
            stats["work_share"] = "work_share() failed: %r" % (exc,)
    return stats


def report_stats_at_exit(cfg, stats):
    """Register the ``--stats`` report to run after every atexit handler of the program.

    atexit runs handlers last-registered-first, so registering before the program (and
    before tier 2 registers its own) makes this the very last word. With
    ``CPJIT_STATS_FILE`` the JSON goes to that file and stderr stays python's.
    """
    import json  # now: at exit the program may have broken what an import needs
    import time
    started = time.perf_counter()

    def report():
        _call_with_original_builtins(write_report)

    def write_report():
        stats["time_total_s"] = time.perf_counter() - started
        collect_stats(stats)
        if cfg.stats_file:
            try:
                with _open(cfg.stats_file, "w") as f:
                    json.dump({"cpjit_stats": stats}, f, default=repr, sort_keys=True)
            except OSError as exc:
                sys.stderr.write("cpjit: cannot write stats to %r: %s\n" % (cfg.stats_file, exc))
            return
        try:
            sys.stdout.flush()
        except _Exception:
            pass
        if cfg.stats == "json":
            sys.stderr.write(json.dumps({"cpjit_stats": stats}, default=repr, sort_keys=True))
            sys.stderr.write("\n")
        else:
            sys.stderr.write("cpjit stats:\n")
            for key in _sorted(stats):
                sys.stderr.write("  %s: %s\n" % (key, stats[key]))
        sys.stderr.flush()

    atexit.register(report)


def main(argv):
    """``cpjit exec ...``; returns the exit status (SystemExit from the program propagates)."""
    try:
        cfg = _config.Config.from_environ()
        inv = parse_args(argv, cfg)
    except (UsageError, ValueError) as exc:
        sys.stderr.write("cpjit exec: %s\nTry 'cpjit exec --help'.\n" % exc)
        return 2
    if inv is None:
        sys.stdout.write(HELP)
        return 0
    _config.current = cfg
    stats = {"tier1_policy": cfg.tier1,
             "backedge_threshold": cfg.backedge_threshold,
             "side_exit_threshold": cfg.side_exit_threshold}
    exec_code = load_tier1()
    if cfg.stats or cfg.stats_file:
        if cfg.stats_dispatches:
            from cpjit.interpreter import ceval
            ceval.count_dispatches()
        report_stats_at_exit(cfg, stats)
    enable_tier2(cfg, stats)
    try:
        return RUNNERS[inv.kind](inv, exec_code)
    except UsageError as exc:
        sys.stderr.write("cpjit exec: %s\n" % exc)
        return 2
