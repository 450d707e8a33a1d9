"""Builtins that look at the caller's frame, answered for tier-1 frames.

Called from tier-1 code, ``locals()``, ``sys._getframe()``, zero-argument ``super()`` and
friends would see the host interpreter's frames. The CALL handler checks the callable's
identity against ``INTERCEPTS`` and calls the guest-aware version here instead.
CPython counterparts: ``builtin_locals`` / ``PyEval_GetLocals`` / ``PyFrame_FastToLocals``
(bltinmodule.c, frameobject.c), ``super_init_without_args`` (typeobject.c),
``sys__getframe`` (sysmodule.c), ``setup_context`` (_warnings.c), ``builtin___build_class__``.
"""

# Our functions keep CPython's builtins even if the guest replaces one (builtins.len = ...).
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import builtins
import sys
import types
import warnings

from cpjit import config

from .frame import NULL
from .opcodes311 import CO_NATIVE_ONLY

INTERCEPTS = {}


def _intercept(obj):
    def register(fn):
        INTERCEPTS[id(obj)] = (obj, fn)
        return fn
    return register


def _no_kwargs(name, kwnames):
    if kwnames:
        raise TypeError("%s() takes no keyword arguments" % name)


def live_jit_frame(f):
    """``(localsplus values, lasti)`` while tier-1 frame ``f``'s locals are in machine code
    (a callback that a builtin calls from a trace: the trampoline moved them to a C
    frame), else None."""
    jit = sys.modules.get("cpjit.jit")      # not imported: nothing runs as machine code
    if jit is not None and jit._ACTIVE:
        return jit.live_frame(f)
    return None


def _live_localsplus(f):
    """``f.localsplus``, or the live values while ``f`` runs as machine code."""
    live = live_jit_frame(f)
    return f.localsplus if live is None else live[0]


def frame_locals(f):
    """``PyFrame_FastToLocalsWithError``: the namespace, or a dict of the fast locals."""
    if f.locals is not None:
        return f.locals
    d = f.locals_snapshot
    if d is None:
        d = f.locals_snapshot = {}
    names = f.info.localsplus_names
    ncells_start = f.info.nlocals
    lp = _live_localsplus(f)
    code = f.code
    cellnames = set(code.co_cellvars) | set(code.co_freevars)
    for i, name in enumerate(names):
        v = lp[i]
        if name in cellnames and type(v) is types.CellType:
            try:
                v = v.cell_contents
            except ValueError:
                v = NULL
        elif i >= ncells_start and type(v) is not types.CellType and v is not NULL:
            pass
        if v is NULL:
            d.pop(name, None)
        else:
            d[name] = v
    return d


@_intercept(builtins.locals)
def _locals(f, args, kwnames, n, index):
    _no_kwargs("locals", kwnames)
    if args:
        raise TypeError("locals() takes no arguments (%d given)" % len(args))
    return frame_locals(f)


@_intercept(builtins.globals)
def _globals(f, args, kwnames, n, index):
    _no_kwargs("globals", kwnames)
    if args:
        raise TypeError("globals() takes no arguments (%d given)" % len(args))
    return f.globals


@_intercept(builtins.vars)
def _vars(f, args, kwnames, n, index):
    if args or kwnames:
        return vars(*args, **_kw(args, kwnames))
    return frame_locals(f)


def _kw(args, kwnames):
    if not kwnames:
        return {}
    nk = len(kwnames)
    kw = dict(zip(kwnames, args[-nk:]))
    del args[-nk:]
    return kw


@_intercept(builtins.dir)
def _dir(f, args, kwnames, n, index):
    if args or kwnames:
        kw = _kw(args, kwnames)
        return dir(*args, **kw)
    names = list(frame_locals(f).keys())
    names.sort()
    return names


def _eval_or_exec(fn, name):
    def handler(f, args, kwnames, n, index):
        kw = _kw(args, kwnames)
        if "globals" not in kw and "locals" not in kw:
            if len(args) == 1:
                return fn(args[0], f.globals, frame_locals(f), **kw)
            if len(args) == 2 and args[1] is None:
                return fn(args[0], f.globals, frame_locals(f), **kw)
            if len(args) == 3 and args[1] is None:
                return fn(args[0], f.globals,
                          frame_locals(f) if args[2] is None else args[2], **kw)
        return fn(*args, **kw)
    handler.__name__ = "_" + name
    INTERCEPTS[id(fn)] = (fn, handler)


_eval_or_exec(builtins.eval, "eval")
_eval_or_exec(builtins.exec, "exec")


@_intercept(super)
def _super(f, args, kwnames, n, index):
    """``super_init_without_args`` for a tier-1 frame; with arguments, the real super."""
    if args or kwnames:
        return super(*args, **_kw(args, kwnames))
    code = f.code
    if code.co_argcount == 0:
        raise RuntimeError("super(): no arguments")
    first = f.localsplus[0]
    if type(first) is types.CellType and code.co_varnames and \
            code.co_varnames[0] in code.co_cellvars:
        try:
            first = first.cell_contents
        except ValueError:
            first = NULL
    if first is NULL:
        raise RuntimeError("super(): arg[0] deleted")
    names = f.info.localsplus_names
    try:
        i = names.index("__class__", f.info.nlocalsplus - f.info.nfree)
    except ValueError:
        raise RuntimeError("super(): __class__ cell not found") from None
    cell = f.localsplus[i]
    if type(cell) is not types.CellType:
        raise RuntimeError("super(): bad __class__ cell")
    try:
        cls = cell.cell_contents
    except ValueError:
        cls = NULL
    if cls is NULL:
        raise RuntimeError("super(): empty __class__ cell")
    if not isinstance(cls, type):
        raise RuntimeError("super(): __class__ is not a type (%s)" % type(cls).__name__)
    return super(cls, first)


class FrameProxy:
    """What ``sys._getframe()`` returns for a tier-1 frame: the attributes of a frame
    object a user reads (not a ``types.FrameType``: that type cannot be instantiated)."""

    __slots__ = ("_frame", "_loop")

    # isinstance(x, types.FrameType) is True (isinstance consults __class__), so Python
    # code that checks for frames (inspect.stack(), traceback.print_stack()) accepts it.
    __class__ = property(lambda self: types.FrameType)

    def __init__(self, frame, loop=None):
        self._frame = frame
        self._loop = loop     # the host frame of the loop running ``frame``, if known

    @property
    def f_lasti(self):
        """Live, like a real frame's: while ``frame`` runs as machine code, the offset the
        trace last set; while it is the one its loop runs, the loop's instruction index;
        else ``frame.lasti`` (exact while it waits on a callee)."""
        live = live_jit_frame(self._frame)
        if live is not None:
            return live[1]
        loop = self._loop
        if loop is not None:
            loop_locals = loop.f_locals
            if loop_locals.get("f") is self._frame:
                i = loop_locals.get("i")
                if type(i) is int and i >= 0:
                    return i * 2
        return self._frame.lasti

    f_code = property(lambda self: self._frame.code)
    f_globals = property(lambda self: self._frame.globals)
    f_builtins = property(lambda self: self._frame.builtins)
    f_locals = property(lambda self: frame_locals(self._frame))
    f_lineno = property(lambda self: self._frame.info.line_of(self.f_lasti // 2))
    f_trace = None

    @property
    def f_back(self):
        f = self._frame
        if f.back is not None:
            return FrameProxy(f.back, self._loop)
        return _wrap(_guest_caller(f.host_back)) if f.host_back is not None else None

    def clear(self):
        pass

    def __repr__(self):
        f = self._frame
        return "<frame at 0x%x, file %r, line %d, code %s>" % (
            id(self), f.code.co_filename, self.f_lineno, f.code.co_name)


class HostFrameProxy:
    """A real frame whose callers include tier-1 frames: its ``f_back`` skips cpjit's
    own frames and goes through the tier-1 frames instead."""

    __slots__ = ("_real",)

    __class__ = property(lambda self: types.FrameType)

    def __init__(self, real):
        self._real = real

    f_code = property(lambda self: self._real.f_code)
    f_globals = property(lambda self: self._real.f_globals)
    f_builtins = property(lambda self: self._real.f_builtins)
    f_locals = property(lambda self: self._real.f_locals)
    f_lasti = property(lambda self: self._real.f_lasti)
    f_lineno = property(lambda self: self._real.f_lineno)
    f_trace = property(lambda self: self._real.f_trace)

    @property
    def f_back(self):
        return _wrap(_guest_caller(self._real))

    def clear(self):
        self._real.clear()

    def __repr__(self):
        return repr(self._real)


_real_getframe = sys._getframe
_PKG = __file__.rsplit("/", 2)[0] + "/"
_run_code = []


def _is_cpjit(code):
    return code.co_filename.startswith(_PKG)


def _guest_caller(real):
    """The guest-visible frame that called host frame ``real`` (None at the bottom)."""
    if not _run_code:
        from . import ceval
        _run_code.append(ceval._run.__code__)
    run_code = _run_code[0]
    fr = real.f_back
    while fr is not None:
        code = fr.f_code
        if code is run_code:
            # The loop's locals: ``f`` the running tier-1 frame, ``i`` the instruction it
            # is executing (``f.lasti`` is only kept exact at calls).
            tier1 = fr.f_locals.get("f")
            if tier1 is not None:
                return FrameProxy(tier1, fr)
        elif code is _jit_enter_code():
            inlined = _inlined_jit_frames(fr, run_code)
            if inlined is not None:
                return inlined
        elif code is _uop_run_code():
            inlined = _inlined_uop_frames(fr, run_code)
            if inlined is not None:
                return inlined
        elif not _is_cpjit(code):
            return fr
        fr = fr.f_back
    return None


def _jit_enter_code():
    """The code of the host function that runs machine code (None: the JIT is not loaded)."""
    jit = sys.modules.get("cpjit.jit")
    return None if jit is None else jit.JitCode._enter.__code__


def _uop_run_code():
    """The code of the reference uop interpreter's loop (None: it is not loaded)."""
    uint = sys.modules.get("cpjit.uop_interpreter")
    return None if uint is None else uint.run.__code__


def _inlined_uop_frames(run, run_code):
    """The innermost frame the reference uop interpreter pushed (``_PUSH_FRAME``) below
    host frame ``run`` (a running ``uop_interpreter.run``), as a FrameProxy: those are
    tier-1 frames whose ``back`` leads to the frame the trace was entered with. None
    when the trace is in its entry frame (the rest of the walk finds that one)."""
    state = run.f_locals.get("state")
    entry = run.f_locals.get("frame")
    # A side trace run after an exit inside an inlined call starts in a frame rebuilt
    # at that exit, which tier 1 has not adopted yet: the engine's entry frame
    # (``run_entry`` of its loop) is the one tier 1 knows.
    engine = run.f_back
    known = engine.f_locals.get("run_entry", entry) if engine is not None else entry
    current = getattr(state, "frame", None)
    if current is None or current is known:
        return None
    inst = run.f_locals.get("inst")
    if inst is not None and inst.target is not None:
        # the analysis passes drop most _SET_IPs; the running uop knows its instruction
        current.lasti = inst.target
    loop = run.f_back
    while loop is not None and loop.f_code is not run_code:
        loop = loop.f_back
    return FrameProxy(current, loop)


def _inlined_jit_frames(enter, run_code):
    """The innermost frame machine code inlined, below host frame ``enter`` (a running
    ``JitCode._enter``), as a FrameProxy whose ``f_back`` chain goes through the other
    inlined frames to the tier-1 frame the trace was entered with; None when the trace
    is in that frame (the rest of the walk finds it) or was not entered for a frame.
    The inlined frames are snapshots of the C frames, taken now."""
    jit = sys.modules["cpjit.jit"]
    state = enter.f_locals.get("state")
    caller = enter.f_back
    if state is None or caller is None or caller.f_code is not jit.JitCode.run_frame.__code__:
        return None
    inlined = jit.live_inlined_frames(state)
    entry = caller.f_locals.get("frame")
    if not inlined or entry is None:
        return None
    from .ceval import code_info
    from .frame import Frame
    loop = caller
    while loop is not None and loop.f_code is not run_code:
        loop = loop.f_back
    back = entry
    for snapshot in inlined:
        frame = Frame(snapshot.code, snapshot.func, snapshot.globals, snapshot.builtins,
                      snapshot.locals, code_info(snapshot.code), localsplus=snapshot.localsplus)
        frame.lasti = snapshot.instr_offset
        frame.back = back
        back = frame
    return FrameProxy(back, loop)


def _wrap(fr):
    """``fr`` itself if no tier-1 loop is among its callers, else a HostFrameProxy (whose
    ``f_back`` goes through the tier-1 frames)."""
    if fr is None or type(fr) is FrameProxy:
        return fr
    if not _run_code:
        _guest_caller(_real_getframe())
    run_code = _run_code[0]
    x = fr.f_back
    while x is not None:
        if x.f_code is run_code:
            return HostFrameProxy(fr)
        x = x.f_back
    return fr


def _guest_back(fr):
    if type(fr) is FrameProxy or type(fr) is HostFrameProxy:
        return fr.f_back
    return _wrap(_guest_caller(fr))


def _loop_frame():
    """The host frame of the innermost tier-1 loop (an intercept handler's caller's caller)."""
    if not _run_code:
        _guest_caller(_real_getframe())
    fr = _real_getframe(1)
    while fr is not None and fr.f_code is not _run_code[0]:
        fr = fr.f_back
    return fr


def guest_frame(f, depth):
    """The frame ``depth`` levels above tier-1 frame ``f`` (0 = ``f``), or None."""
    fr = FrameProxy(f, _loop_frame())
    while depth > 0 and fr is not None:
        fr = _guest_back(fr)
        depth -= 1
    return fr


_HERE = __file__.rsplit("/", 1)[0] + "/"


def _is_interpreter(code):
    """Code of tier 1 itself (a handler calling a builtin on the guest's behalf)."""
    return code.co_filename.startswith(_HERE)


def guest_getframe(depth=0):
    """``sys._getframe`` seeing tier-1 frames (installed as ``sys._getframe`` while tier 1 runs).

    Called by tier 1 on the guest's behalf: the guest's frames. Called by the rest of
    cpjit (host code, e.g. the JIT comparing frames): the real frames, unchanged."""
    depth = depth.__index__() if type(depth) is not int else depth
    fr = _real_getframe(1)
    code = fr.f_code
    if _is_interpreter(code):
        fr = _guest_caller(fr)
    elif _is_cpjit(code):
        return _real_getframe(depth + 1)
    else:
        fr = _wrap(fr)
    while depth > 0 and fr is not None:
        fr = _guest_back(fr)
        depth -= 1
    if fr is None:
        raise ValueError("call stack is not deep enough")
    return fr


@_intercept(sys._getframe)
def _getframe(f, args, kwnames, n, index):
    _no_kwargs("_getframe", kwnames)
    if len(args) > 1:
        raise TypeError("_getframe expected at most 1 argument, got %d" % len(args))
    depth = args[0] if args else 0
    depth = depth.__index__() if type(depth) is not int else depth
    fr = guest_frame(f, max(depth, 0))
    if fr is None:
        raise ValueError("call stack is not deep enough")
    return fr


INTERCEPTS[id(guest_getframe)] = (guest_getframe, _getframe)


def _is_internal_frame(fr):
    """``is_internal_frame`` in _warnings.c: importlib's bootstrap frames."""
    if fr is None:
        return False
    filename = fr.f_code.co_filename
    return "importlib" in filename and "_bootstrap" in filename


def _warn_at(fr, stacklevel, message, category, source):
    """``setup_context`` + ``warn_explicit`` from guest-visible frame ``fr`` (level 1)."""
    if isinstance(message, Warning):
        category = type(message)
    if category is None:
        category = UserWarning
    if not (isinstance(category, type) and issubclass(category, Warning)):
        raise TypeError("category must be a Warning subclass, not '%s'"
                        % type(category).__name__)
    if stacklevel <= 0 or _is_internal_frame(fr):
        while stacklevel > 1 and fr is not None:
            fr = _guest_back(fr)
            stacklevel -= 1
    else:
        while stacklevel > 1 and fr is not None:
            fr = _guest_back(fr)
            while fr is not None and _is_internal_frame(fr):
                fr = _guest_back(fr)
            stacklevel -= 1
    if fr is None:
        globals_ = sys.__dict__
        filename = "sys"
        lineno = 1
    else:
        globals_ = fr.f_globals
        filename = fr.f_code.co_filename
        lineno = fr.f_lineno
    module = globals_.get("__name__")
    if type(module) is not str:
        module = "<string>"
    registry = globals_.get("__warningregistry__")
    if registry is None:
        registry = globals_["__warningregistry__"] = {}
    _real_warn_explicit(message, category, filename, lineno, module, registry, globals_, source)


_real_warn = warnings.warn
_real_warn_explicit = warnings.warn_explicit


def guest_warn(message, category=None, stacklevel=1, source=None):
    """``warnings.warn`` seeing tier-1 frames (installed while tier 1 runs)."""
    fr = _real_getframe(1)
    code = fr.f_code
    if _is_interpreter(code):
        fr = _guest_caller(fr)
    elif _is_cpjit(code):
        return _real_warn(message, category, stacklevel + 1, source)
    else:
        fr = _wrap(fr)
    _warn_at(fr, stacklevel, message, category, source)


def _warn(f, args, kwnames, n, index):
    """``warnings.warn`` called from tier-1 code."""
    kw = _kw(args, kwnames)
    names = ("message", "category", "stacklevel", "source")
    if len(args) > 4:
        raise TypeError("warn() takes at most 4 arguments (%d given)" % len(args))
    params = dict(zip(names, args))
    for k, v in kw.items():
        if k not in names:
            raise TypeError("warn() got an unexpected keyword argument '%s'" % k)
        params[k] = v
    if "message" not in params:
        raise TypeError("warn() missing required argument 'message' (pos 1)")
    _warn_at(FrameProxy(f, _loop_frame()), params.get("stacklevel", 1), params["message"],
             params.get("category"), params.get("source"))


INTERCEPTS[id(_real_warn)] = (_real_warn, _warn)
INTERCEPTS[id(guest_warn)] = (guest_warn, _warn)

_installed = []


def install_guest_frame_hooks():
    """Make ``sys._getframe`` and ``warnings.warn`` see tier-1 frames for every caller
    (natively run library code too: ``collections.namedtuple``'s ``__module__``,
    ``logging``'s caller file and line, ``warnings.warn(stacklevel=2)``...).
    Idempotent; done by ``exec_code``. Outside tier 1 they answer as the originals."""
    if _installed:
        return
    _installed.append(True)
    sys._getframe = guest_getframe
    warnings.warn = guest_warn
    from . import tracehooks
    tracehooks.install()


def _currentframe(f, args, kwnames, n, index):
    if args or kwnames:
        raise TypeError("currentframe() takes 0 positional arguments but %d were given"
                        % len(args))
    return FrameProxy(f, _loop_frame())


# --- C functions that read the calling frame's globals --------------------------------

_TRAMPOLINE_SRC = "def _call_with_these_globals(fn, args, kwargs):\n    return fn(*args, **kwargs)\n"
_trampoline_code = compile(_TRAMPOLINE_SRC, __file__, "exec").co_consts[0]


def call_with_guest_globals(f, fn, args, kwargs):
    """Call ``fn`` from a (host) frame whose globals are tier-1 frame ``f``'s, for C code
    that reads ``PyEval_GetGlobals()`` (e.g. ``type(name, bases, ns)`` sets
    ``__module__`` from it)."""
    return types.FunctionType(_trampoline_code, f.globals)(fn, args, kwargs)


@_intercept(type)
def _type(f, args, kwnames, n, index):
    kw = _kw(args, kwnames)
    if len(args) == 3:
        return call_with_guest_globals(f, type, args, kw)
    return type(*args, **kw)


# --- class bodies -----------------------------------------------------------------------

@_intercept(builtins.__build_class__)
def _build_class(f, args, kwnames, n, index):
    """``builtin___build_class__`` with the class body run as a tier-1 frame."""
    from . import ceval
    kw = _kw(args, kwnames)
    if len(args) < 2:
        raise TypeError("__build_class__: not enough arguments")
    func, name = args[0], args[1]
    body_info = None
    if type(func) is types.FunctionType and not func.__code__.co_flags & CO_NATIVE_ONLY:
        code = func.__code__
        body_info = ceval.code_info(code)
        if config.current.tier1 != "all" and not body_info.has_loop:
            body_info = None
    if body_info is None:
        return builtins.__build_class__(*args, **kw)
    if not isinstance(name, str):
        raise TypeError("__build_class__: name is not a string")
    orig_bases = tuple(args[2:])
    bases = types.resolve_bases(orig_bases)
    meta = kw.pop("metaclass", NULL)
    if meta is NULL:
        meta = type(bases[0]) if bases else type
        is_class = True
    else:
        is_class = isinstance(meta, type)
    if is_class:
        meta = _calculate_meta(meta, bases)
    prepare = getattr(meta, "__prepare__", NULL)
    ns = {} if prepare is NULL else prepare(name, bases, **kw)
    if not hasattr(type(ns), "__getitem__") or not hasattr(type(ns), "keys") and \
            not isinstance(ns, dict):
        raise TypeError("%.200s.__prepare__() must return a mapping, not %.200s"
                        % (meta.__name__ if is_class else "<metaclass>", type(ns).__name__))
    cell = ceval.run_class_body(f, func, body_info, ns, index)
    if bases is not orig_bases and bases != orig_bases:
        ns["__orig_bases__"] = orig_bases
    cls = meta(name, bases, ns, **kw)
    if isinstance(cls, type) and type(cell) is types.CellType:
        try:
            cell_cls = cell.cell_contents
        except ValueError:
            cell_cls = NULL
        if cell_cls is not cls:
            if cell_cls is NULL:
                raise RuntimeError(
                    "__class__ not set defining %.200r as %.200r. Was __classcell__ "
                    "propagated to type.__new__?" % (name, cls))
            raise TypeError("__class__ set to %.200r defining %.200r as %.200r"
                            % (cell_cls, name, cls))
    return cls


def _calculate_meta(meta, bases):
    """``_PyType_CalculateMetaclass``."""
    winner = meta
    for base in bases:
        tmp = type(base)
        if issubclass(winner, tmp):
            continue
        if issubclass(tmp, winner):
            winner = tmp
            continue
        raise TypeError("metaclass conflict: the metaclass of a derived class must be a "
                        "(non-strict) subclass of the metaclasses of all its bases")
    return winner
