"""Run-time options of cpjit, from the command line and ``CPJIT_*`` variables.

CPython counterpart: the ``-X`` / ``PYTHON_*`` knobs read in ``Python/initconfig.c``
(``PYTHON_JIT``, ``PYTHON_UOPS_OPTIMIZE``, ``PYTHON_LLTRACE``).
"""

import dataclasses
import os

# Like JUMP_BACKWARD_INITIAL_VALUE / SIDE_EXIT_INITIAL_VALUE in pycore_backoff.h.
DEFAULT_BACKEDGE_THRESHOLD = 16
DEFAULT_SIDE_EXIT_THRESHOLD = 64

TIER1_POLICIES = ("loops", "reach", "all")
TIER2_MODES = ("off", "interp", "jit")


@dataclasses.dataclass
class Config:
    """Everything a run of cpjit can be told; one instance, ``cpjit.config.current``."""

    tier1: str = "loops"          # which calls tier 1 takes: "loops" (default), "reach", "all"
    tier2: str = "jit"            # "off" (--no-jit), "interp" (reference uop interpreter), "jit"
    stats: str = ""               # "" (off), "text" or "json"
    stats_file: str = ""          # CPJIT_STATS_FILE: write the --stats=json object here
    stats_dispatches: bool = True # with stats, count tier-1 dispatches (CPJIT_STATS_DISPATCHES=0:
                                  # don't; the count costs tier 1 about 6 %)
    backedge_threshold: int = DEFAULT_BACKEDGE_THRESHOLD
    side_exit_threshold: int = DEFAULT_SIDE_EXIT_THRESHOLD
    uops_optimize: bool = True    # CPJIT_UOPS_OPTIMIZE=0 turns the analysis passes off
    lltrace: int = 0              # CPJIT_LLTRACE=1..4

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
