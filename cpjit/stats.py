"""Tier-2 counters for ``--stats`` / ``--stats=json`` (CPython: ``Python/specialize.c``'s
``_Py_PrintSpecializationStats`` optimization section, ``OPT_STAT_INC``, ``OPT_HIST``).

``cpjit exec --stats`` prints what ``cpjit.optimizer.get_stats()`` returns (or writes it
to ``$CPJIT_STATS_FILE`` as JSON, for the benchmark runner).  Keys: docs/tier2.md.
"""

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

def _bucket(n):
    """Power-of-two histogram bucket (``OPT_HIST``): the smallest 2**k >= n."""
    b = 1
    while b < n:
        b <<= 1
    return b


# The exit kinds counted per uop (keys "deopt by uop", "side by uop", ...).
EXIT_KINDS_BY_UOP = ("deopt", "side", "error", "dynamic")


class Tier2Stats:
    """The optimizer's and executors' counters."""

    def __init__(self):
        self.counters = {}
        self.unsupported_opcodes = {}
        self.histograms = {}
        self.exits = {"side": 0, "deopt": 0, "error": 0, "dynamic": 0, "periodic": 0}
        # Exits by the uop that took them ("deopt by uop": {"_GUARD_BOTH_INT": 12, ...}),
        # counted only when stats are on (``install``): the engines look the uop up at
        # the exit, off the hot path (cpjit.optimizer.exit_uop_name).
        self.per_uop = False
        self.exits_by_uop = {kind: {} for kind in EXIT_KINDS_BY_UOP}
        self.executions = 0
        self.uops_interp = 0      # uops run by the reference interpreter
        self.uops_jit = 0         # uops run as machine code (counted per trace entry)
        self.jit_code_bytes = 0
        self.jit_fallbacks = {}
        self.times = {"time_projection_s": 0.0, "time_optimization_s": 0.0,
                      "time_stitching_s": 0.0, "time_tier2_interp_s": 0.0,
                      "time_machine_code_s": 0.0}
        self.uops_compiled = 0

    def add_time(self, key, seconds):
        self.times[key] += seconds

    def inc(self, key, n=1):
        self.counters[key] = self.counters.get(key, 0) + n

    def unsupported(self, opname):
        """``OPT_UNSUPPORTED_OPCODE``."""
        self.unsupported_opcodes[opname] = self.unsupported_opcodes.get(opname, 0) + 1

    def hist(self, name, value):
        h = self.histograms.setdefault(name, {})
        b = _bucket(value)
        h[b] = h.get(b, 0) + 1

    def exit_taken(self, kind):
        self.exits[kind] = self.exits.get(kind, 0) + 1

    def exit_by_uop(self, kind, uop_name):
        """One exit of ``kind`` taken by ``uop_name`` (only called when ``per_uop``)."""
        counts = self.exits_by_uop[kind]
        counts[uop_name] = counts.get(uop_name, 0) + 1

    def jit_fallback(self, reason):
        self.jit_fallbacks[reason] = self.jit_fallbacks.get(reason, 0) + 1

    def as_dict(self, opt_state=None):
        out = {name: self.counters.get(name, 0) for name in (
            "attempts", "traces_created", "trace_too_short", "trace_too_long",
            "inner_loop", "recursive_call", "low_confidence", "trace_stack_overflow",
            "trace_stack_underflow", "executors_created", "executors_invalidated",
            "side_traces", "jit_compiled", "jit_unavailable")}
        for key, value in self.counters.items():
            out.setdefault(key, value)
        out["unsupported_opcodes"] = dict(sorted(self.unsupported_opcodes.items()))
        out["trace_length_hist"] = {str(k): v for k, v in
                                    sorted(self.histograms.get("trace_length", {}).items())}
        out["optimized_trace_length_hist"] = {
            str(k): v for k, v in sorted(self.histograms.get("optimized_trace_length",
                                                             {}).items())}
        out["exits"] = dict(self.exits)
        for kind, counts in self.exits_by_uop.items():
            out["%s by uop" % kind] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        out["executions"] = self.executions
        out["uops_interp"] = self.uops_interp
        out["uops_jit"] = self.uops_jit
        total = self.uops_interp + self.uops_jit
        out["uops_machine_code_share"] = (self.uops_jit / total) if total else 0.0
        out["jit_code_bytes"] = self.jit_code_bytes
        out["jit_fallbacks"] = dict(self.jit_fallbacks)
        out["uops_compiled"] = self.uops_compiled
        out["side_traces_created"] = out["side_traces"]
        out["machine_code_bytes"] = self.jit_code_bytes
        out.update(self.times)
        if opt_state is not None:
            out["executors_live"] = len(opt_state.executors)
            out["engine"] = getattr(opt_state.engine, "name", None)
        return out


def install(stats, config):
    """Stats on (``--stats``, ``CPJIT_STATS``, ``CPJIT_STATS_FILE``): the per-uop exit
    counts are kept too.  ``cpjit exec`` prints / writes what
    ``cpjit.optimizer.get_stats()`` returns when the program ends."""
    stats.per_uop = bool(getattr(config, "stats", "") or getattr(config, "stats_file", ""))
    return stats
