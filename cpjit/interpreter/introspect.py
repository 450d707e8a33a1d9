"""Builtins that look at the caller's frame, answered for tier-1 frames.

Called from tier-1 code, ``locals()``, ``sys._getframe()``, zero-argument ``super()`` and
friends would see the host interpreter's frames. The CALL handler checks the callable's
identity against ``INTERCEPTS`` and calls the guest-aware version here instead.
CPython counterparts: ``builtin_locals`` / ``PyEval_GetLocals`` / ``PyFrame_FastToLocals``
(bltinmodule.c, frameobject.c), ``super_init_without_args`` (typeobject.c),
``sys__getframe`` (sysmodule.c), ``setup_context`` (_warnings.c), ``builtin___build_class__``.
"""

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


def frame_locals(f):
    """``PyFrame_FastToLocalsWithError``: the namespace, or a dict of the fast locals."""
    if f.locals is not None:
        return f.locals
    d = f.locals_snapshot
    if d is None:
        d = f.locals_snapshot = {}
    names = f.info.localsplus_names
    ncells_start = f.info.nlocals
    lp = f.localsplus
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

    __slots__ = ("_frame",)

    def __init__(self, frame):
        self._frame = frame

    f_code = property(lambda self: self._frame.code)
    f_globals = property(lambda self: self._frame.globals)
    f_builtins = property(lambda self: self._frame.builtins)
    f_locals = property(lambda self: frame_locals(self._frame))
    f_lasti = property(lambda self: self._frame.lasti)
    f_lineno = property(lambda self: self._frame.lineno)
    f_trace = None

    @property
    def f_back(self):
        return _frame_back(self._frame)

    def clear(self):
        pass

    def __repr__(self):
        f = self._frame
        return "<frame at 0x%x, file %r, line %d, code %s>" % (
            id(self), f.code.co_filename, f.lineno, f.code.co_name)


def _frame_back(f):
    if f.back is not None:
        return FrameProxy(f.back)
    return f.host_back


def guest_frame(f, depth):
    """The frame ``depth`` levels above tier-1 frame ``f`` (0 = ``f``), or None."""
    while depth > 0:
        if f.back is None:
            host = f.host_back
            depth -= 1
            while depth > 0 and host is not None:
                host = host.f_back
                depth -= 1
            return host
        f = f.back
        depth -= 1
    return FrameProxy(f)


@_intercept(sys._getframe)
def _getframe(f, args, kwnames, n, index):
    _no_kwargs("_getframe", kwnames)
    depth = args[0] if args else 0
    if len(args) > 1:
        raise TypeError("_getframe expected at most 1 argument, got %d" % len(args))
    depth = depth.__index__() if type(depth) is not int else depth
    fr = guest_frame(f, depth) if depth >= 0 else FrameProxy(f)
    if fr is None:
        raise ValueError("call stack is not deep enough")
    return fr


@_intercept(warnings.warn)
def _warn(f, args, kwnames, n, index):
    """``warnings.warn`` with the guest's frames for ``stacklevel`` (``setup_context``)."""
    kw = _kw(args, kwnames)
    names = ("message", "category", "stacklevel", "source")
    params = dict(zip(names, args))
    for k, v in kw.items():
        if k not in names:
            raise TypeError("warn() got an unexpected keyword argument '%s'" % k)
        params[k] = v
    message = params["message"]
    category = params.get("category")
    stacklevel = params.get("stacklevel", 1)
    source = params.get("source")
    if isinstance(message, Warning):
        category = type(message)
    if category is None:
        category = UserWarning
    if not (isinstance(category, type) and issubclass(category, Warning)):
        raise TypeError("category must be a Warning subclass, not '%s'"
                        % type(category).__name__)
    fr = guest_frame(f, stacklevel - 1) if stacklevel >= 1 else FrameProxy(f)
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
    warnings.warn_explicit(message, category, filename, lineno, module, registry,
                           globals_, source)
    return None


def _currentframe(f, args, kwnames, n, index):
    if args or kwnames:
        raise TypeError("currentframe() takes 0 positional arguments but %d were given"
                        % len(args))
    return FrameProxy(f)


def register_inspect(module):
    """Intercept ``inspect.currentframe`` (called when ``inspect`` is imported)."""
    fn = getattr(module, "currentframe", None)
    if fn is not None:
        INTERCEPTS[id(fn)] = (fn, _currentframe)


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
