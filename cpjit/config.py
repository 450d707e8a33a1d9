"""Run-time options of cpjit, from the command line and ``CPJIT_*`` variables.

CPython counterpart: the ``-X`` / ``PYTHON_*`` knobs read in ``Python/initconfig.c``
(``PYTHON_JIT``, ``PYTHON_UOPS_OPTIMIZE``, ``PYTHON_LLTRACE``).
"""

import os

# Like JUMP_BACKWARD_INITIAL_VALUE / SIDE_EXIT_INITIAL_VALUE in pycore_backoff.h.
DEFAULT_BACKEDGE_THRESHOLD = 16
DEFAULT_SIDE_EXIT_THRESHOLD = 64

TIER1_POLICIES = ("loops", "reach", "all")
TIER2_MODES = ("off", "interp", "jit")

# (field, default); the comments say what each field means. A plain class, not a
# dataclass: importing dataclasses (and inspect under it) costs ~5 ms of a start.
_FIELDS = (
    ("tier1", "loops"),          # which calls tier 1 takes: "loops" (default), "reach", "all"
    ("tier2", "jit"),            # "off" (--no-jit), "interp" (reference uop interpreter), "jit"
    ("stats", ""),               # "" (off), "text" or "json"
    ("stats_file", ""),          # CPJIT_STATS_FILE: write the --stats=json object here
    ("stats_dispatches", True),  # with stats, count tier-1 dispatches (CPJIT_STATS_DISPATCHES=0:
                                 # don't; the count costs tier 1 about 6 %)
    ("backedge_threshold", DEFAULT_BACKEDGE_THRESHOLD),
    ("side_exit_threshold", DEFAULT_SIDE_EXIT_THRESHOLD),
    ("uops_optimize", True),     # CPJIT_UOPS_OPTIMIZE=0 turns the analysis passes off
    ("lltrace", 0),              # CPJIT_LLTRACE=1..4
)


class Config:
    """Everything a run of cpjit can be told; one instance, ``cpjit.config.current``.

    Keyword (or positional, in the order of ``_FIELDS``) arguments set fields; the
    rest keep their defaults. Compares and prints like the dataclass it was.
    """

    __match_args__ = tuple(name for name, _ in _FIELDS)

    def __init__(self, *args, **kwargs):
        if len(args) > len(_FIELDS):
            raise TypeError("Config takes at most %d positional arguments" % len(_FIELDS))
        for (name, default), value in zip(_FIELDS, args):
            if name in kwargs:
                raise TypeError("Config got multiple values for argument %r" % name)
            kwargs[name] = value
        for name, default in _FIELDS:
            setattr(self, name, kwargs.pop(name, default))
        if kwargs:
            raise TypeError("Config got an unexpected keyword argument %r" % next(iter(kwargs)))

    def __repr__(self):
        return "Config(%s)" % ", ".join("%s=%r" % (name, getattr(self, name))
                                        for name, _ in _FIELDS)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name, _ in _FIELDS)

    __hash__ = None     # mutable, like an eq=True dataclass

    @classmethod
    def from_environ(cls, environ=None):
        """Read the ``CPJIT_*`` variables; bad values raise ValueError naming the variable."""
        env = os.environ if environ is None else environ
        cfg = cls()

        def get_int(name, minimum):
            raw = env.get(name)
            if raw is None or raw == "":
                return None
            try:
                value = int(raw)
            except ValueError:
                raise ValueError("%s must be an integer, not %r" % (name, raw)) from None
            if value < minimum:
                raise ValueError("%s must be at least %d, not %d" % (name, minimum, value))
            return value

        def get_choice(name, choices):
            raw = env.get(name)
            if raw is None or raw == "":
                return None
            if raw not in choices:
                raise ValueError("%s must be one of %s, not %r" % (name, ", ".join(choices), raw))
            return raw

        value = get_int("CPJIT_BACKEDGE_THRESHOLD", 1)
        if value is not None:
            cfg.backedge_threshold = value
        value = get_int("CPJIT_SIDE_EXIT_THRESHOLD", 1)
        if value is not None:
            cfg.side_exit_threshold = value
        value = get_int("CPJIT_UOPS_OPTIMIZE", 0)
        if value is not None:
            cfg.uops_optimize = bool(value)
        value = get_int("CPJIT_STATS_DISPATCHES", 0)
        if value is not None:
            cfg.stats_dispatches = bool(value)
        value = get_int("CPJIT_LLTRACE", 0)
        if value is not None:
            cfg.lltrace = value
        value = get_choice("CPJIT_TIER1", TIER1_POLICIES)
        if value is not None:
            cfg.tier1 = value
        value = get_choice("CPJIT_TIER2", TIER2_MODES)
        if value is not None:
            cfg.tier2 = value
        if env.get("CPJIT_NO_JIT", "") not in ("", "0"):
            cfg.tier2 = "off"
        cfg.stats_file = env.get("CPJIT_STATS_FILE", "")
        value = get_choice("CPJIT_STATS", ("", "0", "1", "text", "json"))
        if value in ("1", "text"):
            cfg.stats = "text"
        elif value == "json":
            cfg.stats = "json"
        return cfg


# The configuration in force. ``cpjit exec`` replaces it with the environment's and the
# command line's before running anything; library users may set fields directly.
current = Config()
