"""Tier 2: hot loops become uop traces and executors (CPython: ``Python/optimizer.c``).

The functions here keep optimizer.c's names and order: ``_PyOptimizer_Optimize``,
``translate_bytecode_to_trace``, ``prepare_for_execution``, ``make_executor_from_uops``,
the counter optimizer, and the executor management at the end (bloom filter,
dependencies, invalidation).

Differences from CPython that come from running 3.11 bytecode in a Python tier 1:

- Targets are tier-1 *byte offsets* (``frame.lasti`` units), which is what the JIT's
  ``UopInstruction.target`` carries; CPython counts code units.
- Tier 1 asks for an optimization at a hot ``JUMP_BACKWARD`` at ``src`` that jumps to
  ``start``; the trace starts at ``start`` (the loop head) and the executor is installed
  at ``src`` (as ENTER_EXECUTOR), so entering it *is* taking the back edge.
- 3.11 has no dict watchers and no function-version table: an executor keeps the
  objects its trace rests on (functions and their code, globals and builtins it read,
  types) and checks them on entry and in ``is_valid()``; ``invalidate_dependency``
  invalidates through the bloom filter as CPython does.
"""

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import os as _os
import sys
import weakref
from time import perf_counter as _perf_counter

from cpjit.uops import expansion as exp
from cpjit import uop_interpreter as uint
from cpjit import stats as _stats
from cpjit import specialize_attrs as _attrs
from cpjit import opt_native_profile as _native_profile

# The limits of pycore_optimizer.h / optimizer.c.
UOP_MAX_TRACE_LENGTH = 800
TRACE_STACK_SIZE = 5
CONFIDENCE_RANGE = 1000
CONFIDENCE_CUTOFF = 333
MAX_CHAIN_DEPTH = 4
# A hard bound on how long a chain of side traces may grow (cpjit's own: CPython relies
# on the progress-making side trace inserted in the bytecode; when no such trace can be
# reused, an exit this deep goes back to tier 1 instead of growing the chain).
MAX_CHAIN_LENGTH = 2 * MAX_CHAIN_DEPTH
MAX_EXECUTORS_SIZE = 256

BLOOM_FILTER_WORDS = 8      # 256 bits
BLOOM_K = 6
BLOOM_SEED = 20221211
PYHASH_MULTIPLIER = 1000003
_MASK64 = (1 << 64) - 1

OPNAME = exp.OPNAME
ENTER_EXECUTOR = 255
EXTENDED_ARG = exp.OPMAP["EXTENDED_ARG"]
CACHE = exp.OPMAP["CACHE"]

# Uops whose operand is a Python object the machine code sees as a pointer.
POINTER_OPERAND_UOPS = frozenset(["_LOAD_CONST", "_LOAD_CONST_INLINE", "_START_EXECUTOR"])


def _tier1():
    import cpjit.interpreter.profile as profile
    return profile


# ----------------------------------------------------------------------------- records

class UopInstruction:
    """One uop of a trace while it is built and run (``_PyUOpInstruction``).

    ``error_ip`` is where an error of this uop is reported (it differs from ``target``
    only for the PRECALL/CALL after KW_NAMES, whose exits re-run the KW_NAMES).
    ``impl`` and ``index`` are filled in by ``make_executor_from_uops``. The operand may
    be a Python object here; the JIT engine lowers each record to ``cpjit.jit.UopInstruction``
    (operand as a 64-bit value, the form the stencils' holes take) when it compiles.
    """

    __slots__ = ("name", "oparg", "target", "operand", "jump_target", "error_target",
                 "exit_index", "error_ip", "impl", "index", "format")

    def __init__(self, name, oparg=0, operand=0, target=0, error_ip=None):
        self.name = name
        self.oparg = oparg
        self.operand = operand
        self.target = target
        self.jump_target = 0
        self.error_target = 0
        self.exit_index = 0
        self.error_ip = target if error_ip is None else error_ip
        self.impl = None
        self.index = 0
        self.format = "target"

    def copy(self):
        new = UopInstruction(self.name, self.oparg, self.operand, self.target, self.error_ip)
        new.jump_target = self.jump_target
        new.error_target = self.error_target
        new.exit_index = self.exit_index
        new.format = self.format
        return new

    def __repr__(self):
        text = "%s (%d, target=%d" % (self.name, self.oparg, self.target)
        if self.format == "jump":
            text += ", jump_target=%d" % self.jump_target
        if self.operand not in (0, None):
            text += ", operand=%s" % uint._short(self.operand)
        if uint.uop_flags(self.name) & uint.HAS_ERROR:
            text += ", error_target=%d" % self.error_target
        return text + ")"


class ExitData:
    """A side exit (``_PyExitData``): target, temperature, the linked side executor."""

    __slots__ = ("target", "temperature", "executor", "index", "owner", "guard_at_target",
                 "after_periodic")

    def __init__(self, target, index, owner, threshold):
        self.target = target
        self.index = index
        self.owner = owner
        self.executor = None
        # Some guard of the instruction at ``target`` itself jumps here (a type guard:
        # re-running that instruction specialized would fail the same way).
        self.guard_at_target = False
        # The trace's own closing exit, right after a back edge's _CHECK_PERIODIC: the
        # only exit that machine code may link straight to the loop executor there.
        self.after_periodic = False
        self.temperature = [max(threshold, 1) - 1, 0]   # backoff: value, exponent

    def __repr__(self):
        return "<exit %d to offset %d%s>" % (
            self.index, self.target, " linked" if self.executor is not None else "")


# ----------------------------------------------------------------------------- bloom filter

def address_to_hash(obj):
    """``address_to_hash``: FNV-like hash of the object's address."""
    uhash = BLOOM_SEED
    addr = id(obj)
    for _ in range(8):
        uhash ^= addr & 255
        uhash = (uhash * PYHASH_MULTIPLIER) & _MASK64
        addr >>= 8
    return uhash


class BloomFilter:
    """``_PyBloomFilter``: 256 bits, K=6 bits per object."""

    __slots__ = ("bits",)

    def __init__(self):
        self.bits = [0] * BLOOM_FILTER_WORDS

    def add(self, obj):
        """``_Py_BloomFilter_Add``."""
        h = address_to_hash(obj)
        for _ in range(BLOOM_K):
            bit = h & 255
            self.bits[bit >> 5] |= 1 << (bit & 31)
            h >>= 8

    def may_contain(self, hashes):
        """``bloom_filter_may_contain``: every bit of ``hashes`` is set here."""
        return all((mine & theirs) == theirs for mine, theirs in zip(self.bits, hashes.bits))


# ----------------------------------------------------------------------------- executors

class Executor:
    """``_PyExecutorObject``: a trace, its exits, its dependencies and vm_data."""

    def __init__(self, trace, exits, dependencies, watches, optimizer):
        self.trace = trace
        self.exits = exits
        self.bloom = dependencies
        self.watches = watches            # what is checked on entry (see _Watches)
        self.optimizer = optimizer
        self.valid = True
        self.linked = False
        self.original_opcode = 0
        self.original_oparg = 0
        self.code_offset = None           # byte offset of the ENTER_EXECUTOR, if inserted
        self.code = None                  # the code object it is inserted in
        self.info = None
        self.chain_depth = 0
        self.chain_length = 0             # side traces from the loop's trace to this one
        self.anchor_key = None            # (id(code), offset) when a reusable side trace
        self.anchor_code = None
        self.jit_code = None
        self.start_offset = trace[0].target if trace else 0

    # -- the Python-visible API of uop_executor ---------------------------------------
    def is_valid(self):
        """``is_valid``: also re-checks the watched dependencies (3.11 has no watchers)."""
        if self.valid and not self.watches.still_hold():
            invalidate_executor(self, "dependency changed")
        return self.valid

    def get_opcode(self):
        """``get_opcode``: the instruction ENTER_EXECUTOR replaced."""
        return self.original_opcode

    def get_oparg(self):
        """``get_oparg``."""
        return self.original_oparg

    def get_jit_code(self):
        """``get_jit_code``: the machine code bytes, or None when not compiled."""
        if self.jit_code is None:
            return None
        return self.jit_code.code_bytes()

    def __len__(self):
        return len(self.trace)

    def __getitem__(self, index):
        if index < 0 or index >= len(self.trace):
            raise IndexError(index)
        inst = self.trace[index]
        return (inst.name, inst.oparg, inst.target, inst.operand)

    def __iter__(self):
        return (self[i] for i in range(len(self.trace)))

    def __repr__(self):
        return "<uop_executor %d uops at offset %s%s>" % (
            len(self.trace), self.code_offset, "" if self.valid else " (invalid)")

    # -- ENTER_EXECUTOR -----------------------------------------------------------------
    def execute(self, frame):
        """ENTER_EXECUTOR: run on ``frame``; returns ``(frame, next_offset)``."""
        return _state.engine.execute(self, frame)


class CounterExecutor(Executor):
    """The counting executor of the counter optimizer (``_PyCounterExecutor_Type``)."""

    def execute(self, frame):
        self.optimizer.count += 1
        return frame, self.trace[-1].target


# ----------------------------------------------------------------------------- watches

class _Watches:
    """The assumptions of one trace that 3.11 cannot watch for us, checked on demand."""

    __slots__ = ("functions", "globals_", "types")

    def __init__(self):
        self.functions = []     # (function, code object it had)
        self.globals_ = []      # (namespace dict, name, value read, or _ABSENT)
        self.types = []         # (type, tp_version_tag)

    def still_hold(self):
        for func, code in self.functions:
            if func.__code__ is not code:
                return False
        for namespace, name, value in self.globals_:
            if namespace.get(name, _ABSENT) is not value:
                return False
        if self.types:
            from cpjit.interpreter.objlayout import type_version
            for tp, version in self.types:
                if type_version(tp) != version:
                    return False
        return True


_ABSENT = object()


# ----------------------------------------------------------------------------- global state

class _OptimizerState:
    """The interpreter-wide tier-2 state (``interp->optimizer``, ``executor_list_head``)."""

    def __init__(self):
        self.optimizer = None
        self.executors = []               # every linked executor (``link_executor``)
        # Progress-making side traces by (id(code), byte offset): what CPython finds as
        # the ENTER_EXECUTOR it inserted at the exit's target (see side_exit_optimize).
        self.side_anchors = {}
        # Traces made for hot _DYNAMIC_EXITs by (id(code), byte offset) (CPython inserts
        # them in the code at the exit's place): found there by later dynamic exits.
        self.dynamic_targets = {}
        self.config = None
        self.engine = None
        self.stats = _stats.Tier2Stats()


_state = _OptimizerState()


def _config():
    if _state.config is not None:
        return _state.config
    import cpjit.config as config
    return config.current


# ----------------------------------------------------------------------------- optimizers

class Optimizer:
    """``_PyOptimizerObject``: the object tier 1 calls at hot back edges."""

    def optimize(self, frame, start, src, chain_depth=0):
        """The tier-1 hook: 1 if an executor was installed at ``src``, else 0."""
        return 1 if _PyOptimizer_Optimize(self, frame, start, src, chain_depth) else 0

    def optimize_trace(self, frame, start, src, progress_needed):
        """The ``optimize`` slot: an executor for the code at ``start``, or None."""
        return None


class NeverOptimizer(Optimizer):
    """``_PyOptimizer_Default`` (``never_optimize``)."""


class UOpOptimizer(Optimizer):
    """``_PyUOpOptimizer_Type``: projects traces (``uop_optimize``)."""

    def optimize_trace(self, frame, start, src, progress_needed):
        # The executor of a loop sits on its back edge (src), not at the trace's first
        # instruction: an exit there is progress already, so the first instruction may
        # keep its specialization.  Side traces (src None) must make progress.
        if src is not None and src != start:
            progress_needed = False
        return uop_optimize(self, frame, start, progress_needed)


class CounterOptimizer(Optimizer):
    """``_PyCounterOptimizer_Type``: an executor that counts back edges taken."""

    def __init__(self):
        self.count = 0

    def get_count(self):
        """``get_count``."""
        return self.count

    def optimize_trace(self, frame, start, src, progress_needed):
        """``counter_optimize``: only at a JUMP_BACKWARD."""
        if src is None:
            return None
        info = _tier1().get_code_info(frame.code)
        op, _arg = info.instructions[src // 2]
        if OPNAME[op] != "JUMP_BACKWARD":
            return None
        trace = [UopInstruction("_START_EXECUTOR", 0, 0, start),
                 UopInstruction("_LOAD_CONST_INLINE", 0, self, start),
                 UopInstruction("_INTERNAL_INCREMENT_OPT_COUNTER", 0, 0, start),
                 UopInstruction("_EXIT_TRACE", 0, 0, start)]
        trace[0].format = "jump"
        trace[0].jump_target = 3
        for i, inst in enumerate(trace):
            inst.index = i
        return CounterExecutor(trace, [], BloomFilter(), _Watches(), self)


def _PyOptimizer_Optimize(opt, frame, start, src, chain_depth, despecialize_first=False):
    """``_PyOptimizer_Optimize``: chain depth, progress, insertion at the instruction.

    ``despecialize_first`` (side traces only) asks for the first instruction's generic
    form whatever the chain depth; see ``side_exit_optimize``.
    """
    chain_depth %= MAX_CHAIN_DEPTH
    progress_needed = chain_depth == 0 or (despecialize_first and src is None)
    info = _tier1().get_code_info(frame.code)
    if progress_needed and src is not None and not has_space_for_executor(info, src):
        return None
    try:
        executor = opt.optimize_trace(frame, start, src, progress_needed)
    except Exception as error:
        # A bug in tier 2 must never reach the guest program: tier 1 goes on with the
        # loop, which is always correct. Counted in --stats; CPJIT_INTERNAL_ERRORS=raise
        # (used by cpjit's own tests) lets it propagate instead.
        if _RAISE_INTERNAL_ERRORS:
            raise
        _state.stats.inc("internal_error %s" % type(error).__name__)
        return None
    if executor is None:
        return None
    if progress_needed and src is not None:
        insert_executor(info, src, executor)
    executor.chain_depth = chain_depth
    return executor


# Read once: the guest may have broken os.environ's helpers (deleted builtins) by then.
_RAISE_INTERNAL_ERRORS = _os.environ.get("CPJIT_INTERNAL_ERRORS") == "raise"


def has_space_for_executor(info, offset):
    """``has_space_for_executor``."""
    if info.instructions[offset // 2][0] == ENTER_EXECUTOR:
        return True
    return len(info.executors) < MAX_EXECUTORS_SIZE


def insert_executor(info, offset, executor):
    """``insert_executor``: ENTER_EXECUTOR replaces the instruction at ``offset``."""
    op, arg = info.instructions[offset // 2]
    if op == ENTER_EXECUTOR:
        old = info.executors[arg]
        if old is not executor:
            executor_detach(old, restore=False)
    info.insert_executor(offset, executor)
    executor.code = info.code
    executor.info = info


def get_optimizer():
    """``_Py_GetOptimizer`` (None when the no-op optimizer is installed)."""
    opt = _state.optimizer
    return None if isinstance(opt, NeverOptimizer) else opt


def set_optimizer(opt):
    """``_Py_SetTier2Optimizer``: install ``opt`` in tier 1 (None: the no-op one)."""
    if opt is None:
        opt = NeverOptimizer()
    _state.optimizer = opt
    if _state.engine is None:
        _state.engine = make_engine(_config())
    try:
        import cpjit.interpreter.ceval as ceval
    except ImportError:       # tier 1 absent: the optimizer is only called directly
        return opt
    ceval.set_optimizer(opt)
    return opt


def get_counter_optimizer():
    """``_PyOptimizer_NewCounter``."""
    return CounterOptimizer()


def get_uop_optimizer():
    """``_PyOptimizer_NewUOpOptimizer``."""
    return UOpOptimizer()


def enable(config):
    """Switch tier 2 on as ``config.tier2`` says ("interp" or "jit"); called by cpjit exec."""
    # Import every tier-2 module now, before the program runs: a program may delete or
    # rebind builtins, and a module imported later would see its builtins, not ours.
    import cpjit.analysis as analysis  # noqa: F401
    import cpjit.dis as dis
    _state.config = config
    _state.engine = make_engine(config)
    _stats.install(_state.stats, config)
    set_optimizer(UOpOptimizer())


def make_engine(config):
    """The object that runs executors: the reference interpreter or the JIT."""
    if getattr(config, "tier2", "interp") == "jit":
        engine = make_jit_engine(_state)
        if engine is not None:
            return engine
        _state.stats.inc("jit_unavailable")
    return uint.InterpEngine(_state)


# ----------------------------------------------------------------------------- projection

def _instruction_at(info, index):
    instructions = info.instructions
    if 0 <= index < len(instructions):
        return instructions[index]
    return (None, 0)


def _branch_history(info, index):
    return info.branch_history.get(index * 2, 0) & 0xFFFF


def _profile_entry(info, index):
    return info.profile.get(index * 2)


def translate_bytecode_to_trace(frame, start, progress_needed, dependencies, watches):
    """``translate_bytecode_to_trace``: project the hot path from byte ``start`` into uops.

    Returns the uop list (ending in a terminator), or None when the trace would not be
    worth it (no instruction could be translated).
    """
    profile = _tier1()
    stats = _state.stats
    lltrace = _config().lltrace
    code = frame.code
    func = frame.func
    info = profile.get_code_info(code)
    initial_code = code
    initial_index = start // 2
    dependencies.add(code)
    index = initial_index
    trace = []
    max_length = UOP_MAX_TRACE_LENGTH - 2
    # A side trace made inside calls that machine code inlined knows their callers
    # (side_exit_optimize seeds them): it may return into them, behind _GUARD_CALLER.
    seed = _seeded_callers.get(id(frame), ())
    trace_stack = [caller[:3] for caller in seed]
    seeded = len(trace_stack)
    confidence = CONFIDENCE_RANGE
    jump_seen = False
    first = True
    exit_target = start          # where tier 1 resumes if the trace ends now
    kw_names_at = None           # byte offset of a KW_NAMES whose CALL is not done

    def add(name, oparg=0, operand=0, target=0, error_ip=None):
        trace.append(UopInstruction(name, oparg, operand, target, error_ip))
        if lltrace >= 3:
            print("    ADD_TO_TRACE: %r" % (trace[-1],), file=sys.stderr)

    def reserve(n):
        return len(trace) + n + 3 <= max_length

    supports = getattr(_state.engine, "supports", None)

    def lacks_stencil(names):
        """JIT mode: the first uop of ``names`` without machine code (the trace ends)."""
        if supports is None:
            return None
        for name in names:
            if not supports(name, oparg):
                stats.inc("no_stencil " + name)
                return name
        return None

    if lltrace >= 2:
        print("Optimizing %s (%s:%d) at byte offset %d" % (
            code.co_qualname, code.co_filename, code.co_firstlineno, start), file=sys.stderr)
    add("_START_EXECUTOR", 0, 0, start)
    reason = None
    while True:
        max_length -= 1           # room for a _DEOPT
        op, oparg = _instruction_at(info, index)
        if op is None:
            reason = "end of code"
            break
        if not first and index == initial_index and code is initial_code:
            add("_JUMP_TO_TOP", 0, 0, index * 2)
            break
        if op == EXTENDED_ARG:
            # The instruction it prefixes carries the full oparg (tier 1 folds it).
            index += 1
            op, oparg = _instruction_at(info, index)
            if op == EXTENDED_ARG or op is None:
                reason = "EXTENDED_ARG chain"
                break
        offset = index * 2
        exit_target = offset
        if op == ENTER_EXECUTOR:
            # Stitch: end here, the exit re-enters through the other executor.  When
            # that executor sits on a back edge, its JUMP_BACKWARD's periodic check is
            # done here, so that the exit can be linked straight to it.  On a
            # conditional back edge the check is done whichever way the jump goes (a
            # harmless extra check when it is not taken): the loop through the link
            # must not run without one.
            reason = "ENTER_EXECUTOR"
            other = info.executors[oparg]
            other_op = OPNAME[other.original_opcode]
            if other_op == "JUMP_BACKWARD" and not _call_checks().code_is_quickened(code):
                # that back edge counts towards 3.11's quickening: machine code must not
                # pass it (see the JUMP_BACKWARD case below)
                stats.inc("code_not_quickened")
                return None
            if (other_op == "JUMP_BACKWARD" or other_op.startswith("POP_JUMP_BACKWARD")) and \
                    (supports is None or supports("_CHECK_PERIODIC")):
                add("_CHECK_PERIODIC", 0, 0, offset)
                first = False
            break
        opname = OPNAME[op]
        if not reserve(2):
            reason = "trace too long"
            stats.inc("trace_too_long")
            break
        exit_ip = offset
        if opname in ("PRECALL", "CALL") and kw_names_at is not None:
            exit_ip = kw_names_at
        add("_CHECK_VALIDITY_AND_SET_IP", 0, offset, exit_ip)
        entry = _profile_entry(info, index)
        generic_only = first and progress_needed
        next_index = exp.next_instruction_index(index, opname, oparg)

        if opname in exp.POP_JUMPS:
            history = _branch_history(info, index)
            bitcount = bin(history).count("1")
            jump_likely = bitcount > 8
            if jump_likely:
                confidence = confidence * (bitcount + 2) // 20
            else:
                confidence = confidence * (18 - bitcount) // 20
            if lltrace >= 3:
                print("    %s: history=%04x bitcount=%d likely=%d confidence=%d" % (
                    opname, history, bitcount, jump_likely, confidence), file=sys.stderr)
            if confidence < CONFIDENCE_CUTOFF:
                stats.inc("low_confidence")
                trace.pop()      # nothing of this instruction has been done
                reason = "low confidence"
                break
            kind = exp.POP_JUMPS[opname]
            guard = exp.BRANCH_TO_GUARD[(kind, jump_likely)]
            jump_index = exp.jump_target_index(index, opname, oparg)
            if lacks_stencil(["_TO_BOOL", guard, "_CHECK_PERIODIC"]):
                stats.unsupported(opname)
                trace.pop()
                reason = "no machine code for %s" % opname
                break
            if kind in ("TRUE", "FALSE"):
                add("_TO_BOOL", 0, 0, offset)
            if jump_likely:
                add(guard, 0, 0, next_index * 2, error_ip=offset)
                if jump_index <= index:
                    # A conditional back edge (3.11 while loops end in one).
                    add("_CHECK_PERIODIC", 0, 0, offset)
                    index = jump_index
                    exit_target = index * 2
                    if not (index == initial_index and code is initial_code):
                        if jump_seen:
                            stats.inc("inner_loop")
                            reason = "inner loop"
                            break
                        jump_seen = True
                else:
                    index = jump_index
                    exit_target = index * 2
            else:
                add(guard, 0, 0, jump_index * 2, error_ip=offset)
                index = next_index
                exit_target = index * 2
            first = False
            continue

        if opname in ("JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP"):
            history = _branch_history(info, index)
            bitcount = bin(history).count("1")
            jump_likely = bitcount > 8
            confidence = confidence * ((bitcount + 2) if jump_likely else (18 - bitcount)) // 20
            if confidence < CONFIDENCE_CUTOFF:
                stats.inc("low_confidence")
                trace.pop()
                reason = "low confidence"
                break
            if lacks_stencil(["_GUARD_IS_TRUE", "_GUARD_IS_FALSE", "_POP_TOP"]):
                stats.unsupported(opname)
                trace.pop()
                reason = "no machine code for %s" % opname
                break
            jumps_if_true = opname == "JUMP_IF_TRUE_OR_POP"
            # The guards keep the value and deopt to this very instruction.
            wants_true = jumps_if_true == jump_likely
            add("_GUARD_IS_TRUE" if wants_true else "_GUARD_IS_FALSE", 0, 0, offset)
            if jump_likely:
                index = exp.jump_target_index(index, opname, oparg)
            else:
                add("_POP_TOP", 0, 0, offset)
                index = next_index
            exit_target = index * 2
            first = False
            continue

        if opname in ("JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT"):
            if opname == "JUMP_BACKWARD":
                if not _call_checks().code_is_quickened(code):
                    # 3.11 quickens code on its 8th RESUME / JUMP_BACKWARD, which machine
                    # code does not count: until then tier 1 runs this loop (a loop closed
                    # by a conditional back edge, which does not count, is traced).
                    # Callees: _plan_python_call.
                    stats.inc("code_not_quickened")
                    return None
                # oparg 1: 3.11's JUMP_BACKWARD counts towards quickening
                # (_PyCode_Warmup), its conditional twins do not
                add("_CHECK_PERIODIC", 1, 0, offset)
            index = exp.jump_target_index(index, opname, oparg)
            exit_target = index * 2
            if not (index == initial_index and code is initial_code):
                if jump_seen:
                    stats.inc("inner_loop")
                    reason = "inner loop"
                    break
                jump_seen = True
            first = False
            continue

        if opname == "JUMP_FORWARD":
            index = exp.jump_target_index(index, opname, oparg)
            exit_target = index * 2
            first = False
            continue

        if opname == "RESUME":
            if not _call_checks().code_is_quickened(code):
                # counts towards 3.11's quickening, as JUMP_BACKWARD (below)
                stats.inc("code_not_quickened")
                return None
            if lacks_stencil(["_TIER2_RESUME_CHECK"]):
                stats.unsupported(opname)
                trace.pop()
                break
            add("_TIER2_RESUME_CHECK", 0, 0, offset)
            index = next_index
            exit_target = index * 2
            first = False
            continue

        if opname == "RETURN_VALUE":
            if not trace_stack or lacks_stencil(["_RETURN_VALUE"]) or (
                    len(trace_stack) <= seeded and lacks_stencil(["_GUARD_CALLER"])):
                stats.inc("trace_stack_underflow" if not trace_stack else "no_machine_code")
                trace.pop()
                reason = "trace stack underflow"
                break
            operand = func if func is not None else code
            if len(trace_stack) <= seeded:
                # Returning into a caller this trace did not push: check it is that one.
                import cpjit.uops.caller_guard  # noqa: F401  (registers _GUARD_CALLER)
                seeded -= 1
                caller_code, _, _, call_offset = seed[seeded]
                add("_GUARD_CALLER", call_offset, caller_code, offset)
            code, func, index = trace_stack.pop()
            info = profile.get_code_info(code)
            add("_RETURN_VALUE", 0, operand, offset)
            exit_target = index * 2
            first = False
            continue

        if entry is None and not generic_only and func is not None:
            # Never run by tier 1 (a loop-free callee runs natively): CPython's own
            # specialization of it, if any (cpjit/opt_native_profile.py).
            entry = _native_profile.native_entry(code, func, offset, oparg)
            if entry is not None:
                stats.inc("native_profile_used")
        if entry is None and opname == "CALL" and not generic_only:
            entry = _unprofiled_call_profile(info, index, oparg, func, frame, code)
            if entry is not None:
                stats.inc("unprofiled_call_resolved")
        seq = exp.expand(opname, oparg, entry, generic_only=generic_only)
        if opname == "FOR_ITER" and seq is not None:
            seq = _for_iter_expansion(entry, generic_only) or seq
        if not generic_only and seq is not None:
            # attribute / global forms: operands checked now (cpjit/specialize_attrs.py)
            special = _attrs.specialize_in_trace(exp.specialized_name(entry), entry, code,
                                                 func, frame, oparg)
            if special is not None:
                seq = special
        if seq is None:
            stats.unsupported(opname)
            trace.pop()
            reason = "unsupported opcode %s" % opname
            break
        if supports is not None and lacks_stencil(
                [exp.UOP_REPLACEMENTS.get(u, u) if src == exp.REPLACED else u
                 for u, src in seq]) and seq is not exp.GENERIC.get(opname):
            # JIT mode: a specialized form without machine code falls back to the
            # generic one when that has it (e.g. a Python call: _PRECALL + _CALL).
            generic = exp.GENERIC.get(opname)
            if generic is not None:
                seq = generic
        if lacks_stencil([exp.UOP_REPLACEMENTS.get(u, u) if src == exp.REPLACED else u
                          for u, src in seq]):
            stats.unsupported(opname)
            trace.pop()
            reason = "no machine code for %s" % opname
            break
        if not reserve(len(seq) + 1):
            stats.inc("trace_too_long")
            trace.pop()
            reason = "trace too long"
            break
        if opname == "CALL" and not generic_only:
            form = exp.specialized_name(entry)
            if form == "CALL_PY_WITH_DEFAULTS":
                seq = _WITH_DEFAULTS_CALL
            elif form == "CALL" and _is_bindable_python_function(exp.profile_value(entry, "func")):
                seq = _GENERAL_CALL
            elif form == "CALL" and exp.profile_value(entry, _ALL_PY_EXACT):
                seq = _DYNAMIC_CALL
        if opname == "CALL" and not any(u == "_PUSH_FRAME" for u, _ in seq):
            seq = _recursion_checked_call(seq, code, index, oparg)
            if seq is None:
                stats.inc("call_site_unsettled")
                trace.pop()
                exit_target = exit_ip        # (a KW_NAMES before it runs again)
                if code is initial_code and exit_target == start:
                    first = True     # no progress: it would exit where it starts
                reason = "call site about to change its 3.11 form"
                break
        pushes_frame = any(u == "_PUSH_FRAME" for u, _ in seq)
        callee = None
        callee_code = None       # the code pushed when the profile kept it but not the function
        frame_exit = None        # what ends the trace right after the _PUSH_FRAME, if anything
        if pushes_frame or (generic_only and opname == "CALL"):
            seq, callee, frame_exit, callee_code = _plan_python_call(
                seq, opname, oparg, entry, code, frame if first else None,
                len(trace_stack), generic_only, stats, inside_inlined_calls=bool(seed),
                last_in_chain=_projected_chain_length.get(id(frame), 0) >= MAX_CHAIN_LENGTH)
            pushes_frame = any(u == "_PUSH_FRAME" for u, _ in seq)
            if lltrace >= 2 and frame_exit is not None:
                print("    call ends the trace in the callee: %s" % frame_exit, file=sys.stderr)
            if supports is not None and lacks_stencil(
                    [exp.UOP_REPLACEMENTS.get(u, u) if src == exp.REPLACED else u
                     for u, src in seq]):
                stats.unsupported(opname)
                trace.pop()
                reason = "no machine code for %s" % opname
                break
        for uop_name, source in seq:
            uop_oparg = oparg
            operand = 0
            target = exit_ip
            if source == exp.REPLACED:
                uop_name = exp.UOP_REPLACEMENTS[uop_name]
            elif source == exp.RETURN_OFFSET:
                uop_oparg = next_index
            elif isinstance(source, tuple) and source[0] == "profile":
                operand = exp.profile_value(entry, source[1])
            elif isinstance(source, tuple) and source[0] == "value":
                operand = source[1]
            if uop_name == "_LOAD_CONST":
                operand = code.co_consts[oparg]
            if uop_name in _FIXED_CALLEE_GUARDS:
                operand = (callee, callee.__code__)
            if uop_name == "_CHECK_PY_FUNCTION_EXACT_ARGS":
                operand = callee_code if callee_code is not None else 0
            if uop_name == "_PUSH_FRAME" and frame_exit is not None:
                # CPython's bail-outs that still push the frame: the trace ends in the
                # callee, at its first instruction (tier 1 or a trace goes on there).
                if callee is not None or callee_code is not None:
                    dependencies.add(callee.__code__ if callee is not None else callee_code)
                add(uop_name, uop_oparg, callee if callee is not None else callee_code,
                    target, error_ip=offset)
                if frame_exit == "_DYNAMIC_EXIT":
                    add("_DYNAMIC_EXIT", 0, 0, 0)
                else:
                    add("_EXIT_TRACE", 0, 0, 0)
                reason = "call: %s" % frame_exit
                break
            if uop_name == "_PUSH_FRAME":
                new_code = callee.__code__ if callee is not None else callee_code
                dependencies.add(new_code)
                if callee is not None:
                    dependencies.add(callee)
                    watches.functions.append((callee, new_code))
                trace_stack.append((code, func, next_index))
                add(uop_name, uop_oparg, callee if callee is not None else new_code, target,
                    error_ip=offset)
                code, func = new_code, callee
                info = profile.get_code_info(code)
                index = 0
                exit_target = 0
                if lltrace >= 2:
                    print("    continuing in %s (%s:%d)" % (
                        code.co_qualname, code.co_filename, code.co_firstlineno),
                        file=sys.stderr)
                break
            add(uop_name, uop_oparg, operand, target, error_ip=offset)
        else:
            _record_reads(opname, oparg, code, frame, watches, dependencies, entry)
            kw_names_at = offset if opname == "KW_NAMES" else (
                kw_names_at if opname == "PRECALL" else None)
            index = next_index
            exit_target = index * 2
        first = False
        if frame_exit is not None and pushes_frame:
            break                # the trace ended in the callee

    if lltrace >= 2 and reason:
        print("    trace ends: %s" % reason, file=sys.stderr)
    if first:
        stats.inc("trace_too_short")
        if lltrace >= 2:
            print("No trace for %s at byte offset %d (no progress)" % (
                initial_code.co_qualname, start), file=sys.stderr)
        return None
    if not uint.is_terminator(trace[-1].name):
        add("_EXIT_TRACE", 0, 0, exit_target)
    if lltrace >= 1:
        print("Created a proto-trace for %s (%s:%d) at byte offset %d -- length %d" % (
            initial_code.co_qualname, initial_code.co_filename, initial_code.co_firstlineno,
            start, len(trace)), file=sys.stderr)
    stats.hist("trace_length", len(trace))
    return trace


def _call_checks():
    import cpjit.uops.call_checks as call_checks   # (registers its uops' bodies)
    return call_checks


# The trace's specialized call uops (check-free, as 3.11's forms they stand for).
_CHECK_FREE_SPECIALIZED_CALLS = ("_CALL_LEN", "_CALL_ISINSTANCE", "_CALL_LIST_APPEND")


def _recursion_checked_call(seq, code, index, oparg):
    """A CALL's uops (no frame pushed) as they must count recursion: the check-free
    call behind its guard where 3.11's specialized form skips the check, the generic
    ``_CALL`` where 3.11 takes the generic path; None: end the trace before the call
    (cpjit/uops/call_checks.py)."""
    kind, guard = _call_checks().call_form(code, index, oparg)
    if kind == "stop":
        return None
    specialized = any(u in _CHECK_FREE_SPECIALIZED_CALLS for u, _ in seq)
    if kind == "generic":
        return exp.GENERIC["CALL"] if specialized else seq
    if specialized:
        return seq
    return [(guard[0], ("value", guard[1])), ("_CALL_CHECK_FREE", exp.FULL)]


# Code flags of functions tier 1 never runs in a frame of its own (CO_GENERATOR,
# CO_COROUTINE, CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR): cpjit runs them natively.
_CO_NATIVE_ONLY = 0x20 | 0x80 | 0x100 | 0x200

# A call whose callee is not inlined but whose frame is pushed: the dynamic guard,
# then the frame made as for CALL_PY_EXACT_ARGS (the trace ends in it).
_DYNAMIC_CALL = [("_CHECK_PY_FUNCTION_EXACT_ARGS", exp.FULL), ("_CHECK_STACK_SPACE", exp.FULL),
                 ("_INIT_CALL_PY_EXACT_ARGS", exp.FULL), ("_SAVE_RETURN_OFFSET", exp.RETURN_OFFSET),
                 ("_PUSH_FRAME", exp.FULL)]


# CALL_PY_WITH_DEFAULTS (3.11's specialization; the expansion table has no entry for
# it): inlined like CALL_PY_EXACT_ARGS, _INIT_CALL_PY_EXACT_ARGS filling the defaults.
_WITH_DEFAULTS_CALL = [("_CHECK_FUNCTION_DEFAULTS_ARGS", exp.FULL),
                       ("_CHECK_STACK_SPACE", exp.FULL),
                       ("_INIT_CALL_PY_EXACT_ARGS", exp.FULL),
                       ("_SAVE_RETURN_OFFSET", exp.RETURN_OFFSET), ("_PUSH_FRAME", exp.FULL)]


# Any other call of a Python function without *args or **kwargs (keyword arguments,
# keyword-only parameters; tier 1 profiles it as plain CALL): inlined too, the frame
# made by _INIT_CALL_PY_GENERAL (3.11's initialize_locals; it deopts where binding
# would fail, so tier 1 raises the TypeError).  CPython's tier 2 has _PY_FRAME_GENERAL.
_GENERAL_CALL = [("_CHECK_FUNCTION_GENERAL", exp.FULL), ("_CHECK_STACK_SPACE", exp.FULL),
                 ("_INIT_CALL_PY_GENERAL", exp.FULL),
                 ("_SAVE_RETURN_OFFSET", exp.RETURN_OFFSET), ("_PUSH_FRAME", exp.FULL)]

# The guards whose operand is (profiled function, its code object).
_FIXED_CALLEE_GUARDS = ("_CHECK_FUNCTION_EXACT_ARGS", "_CHECK_FUNCTION_DEFAULTS_ARGS",
                        "_CHECK_FUNCTION_GENERAL")


# A profile key for a call site that saw several callees, every one a Python function
# called with exact arguments (a polymorphic site has no single "func"): its frame is
# pushed behind _CHECK_PY_FUNCTION_EXACT_ARGS and the trace ends in it, _DYNAMIC_EXIT.
# Tier 1 (cpjit/interpreter/profile.py) does not record it yet: today a site with more
# than 4 callees loses its profile and stays the generic _CALL.
_ALL_PY_EXACT = "all_callees_py_exact"


def _is_bindable_python_function(func):
    """A function _INIT_CALL_PY_GENERAL can make a frame for (no *args, **kwargs; not
    a generator or coroutine, which tier 1 runs natively)."""
    return type(func) is _FunctionType and not func.__code__.co_flags & (
        0x04 | 0x08 | _CO_NATIVE_ONLY)


def _plan_python_call(seq, opname, oparg, entry, code, frame, depth, generic_only, stats,
                      inside_inlined_calls=False, last_in_chain=False):
    """The ``_PUSH_FRAME`` cases of ``translate_bytecode_to_trace``: ``(uops, callee,
    frame_exit, callee_code)``; ``frame_exit`` is None when the callee is inlined (or no
    frame is pushed), else the uop that ends the trace right after ``_PUSH_FRAME``;
    ``callee_code`` is the code pushed when the profile kept it but not the function.

    As CPython: a recursive call, or a callee whose ``__code__`` changed since it was
    profiled, pushes the frame and ends with ``_EXIT_TRACE`` at the callee's start (a
    side trace can follow it there); a callee the trace cannot know (the profile lost
    it, or the call site is polymorphic) pushes the frame behind a guard that holds for
    any Python function with exact arguments and ends with ``_DYNAMIC_EXIT``.  A full
    trace stack (CPython gives the trace up) pushes the known callee's frame and ends
    with ``_EXIT_TRACE`` there, as a recursive call does.  When the profile kept the
    callee's code but the function is gone (tier 1 holds callees weakly: a function
    made anew on each iteration), the code is inlined (or pushed, for the bail-outs)
    behind ``_CHECK_PY_FUNCTION_EXACT_ARGS`` with that code as operand, as CPython's
    projection uses the code it finds by function version.  A generator or coroutine
    function keeps the generic call: tier 1 runs those natively (a call only makes the
    generator object, no frame runs it).
    """
    if seq is _DYNAMIC_CALL:
        stats.inc("dynamic_call")
        return seq, None, "_DYNAMIC_EXIT", None
    callee = exp.profile_value(entry, "func")
    profiled = exp.specialized_name(entry) in ("CALL_PY_EXACT_ARGS", "CALL_PY_WITH_DEFAULTS") or (
        exp.specialized_name(entry) == "CALL" and seq is _GENERAL_CALL)
    if generic_only:
        # The first instruction of a trace that must make progress: de-specialized, as
        # CPython's projection does (a side trace after the inlined call's guard failed,
        # a chain-depth-0 trace).  But tier 1 re-profiles a call at every exit, unlike
        # the guards of specialized arithmetic: when the profile's callee is the one on
        # the stack now (the site changed callee once), it is inlined as usual.  Another
        # Python function with exact arguments there means the site calls several (or
        # the profile gave up: megamorphic): push the frame dynamically rather than
        # leave every call to tier 1 (the generic _CALL deopts for Python functions).
        now = _callee_on_stack(frame, oparg)
        if now is None or not _is_exact_python_call(now[0], now[1]):
            return seq, None, None, None
        known = exp.profile_value(entry, "code")
        if not (profiled and now[0] is callee and known in (None, callee.__code__)):
            if exp.specialized_name(entry) == "CALL_PY_EXACT_ARGS" and \
                    now[0].__code__ is known:
                # Another function object with the profiled code (a closure made
                # again): the code is inlined behind a guard on the code.
                return _inline_by_code(known, code, depth, stats)
            if not inside_inlined_calls or last_in_chain:
                stats.inc("dynamic_call")
                return _DYNAMIC_CALL, None, "_DYNAMIC_EXIT", None
            # Inside calls machine code inlined, a dynamic exit strands every caller
            # in tier 1 (the trace found at the callee cannot return into frames it
            # did not push).  Inline the function on the stack instead, behind its
            # _CHECK_FUNCTION_EXACT_ARGS: a polymorphic site gets a side trace per
            # callee, chained on that guard's exits.  The last trace a chain may have
            # (MAX_CHAIN_LENGTH) still pushes dynamically: it takes any callee.
            entry = {"form": "CALL_PY_EXACT_ARGS", "func": now[0], "code": now[0].__code__}
            stats.inc("polymorphic_callee_inlined")
            callee = now[0]
            profiled = True
        if exp.specialized_name(entry) == "CALL_PY_WITH_DEFAULTS":
            seq = _WITH_DEFAULTS_CALL
        else:
            seq = exp.expand(opname, oparg, entry)
        if not any(u == "_PUSH_FRAME" for u, _ in seq or ()):
            return exp.GENERIC[opname], None, None, None
    elif not profiled:
        return seq, None, None, None
    if callee is None or type(callee) is not _FunctionType:
        if exp.specialized_name(entry) != "CALL_PY_EXACT_ARGS":
            return exp.GENERIC[opname], None, None, None
        known = exp.profile_value(entry, "code")
        if type(known) is type(code) and not known.co_flags & (0x04 | 0x08 | _CO_NATIVE_ONLY) \
                and not known.co_kwonlyargcount:
            return _inline_by_code(known, code, depth, stats)
        stats.inc("dynamic_call")
        return _DYNAMIC_CALL, None, "_DYNAMIC_EXIT", None
    new_code = callee.__code__
    if new_code.co_flags & _CO_NATIVE_ONLY:
        return exp.GENERIC[opname], None, None, None
    if new_code is code:
        stats.inc("recursive_call")
        return seq, callee, "_EXIT_TRACE", None
    profiled_code = exp.profile_value(entry, "code")
    if profiled_code is not None and profiled_code is not new_code:
        stats.inc("callee_code_changed")
        return seq, callee, "_EXIT_TRACE", None
    if depth >= TRACE_STACK_SIZE:
        stats.inc("trace_stack_overflow")
        return seq, callee, "_EXIT_TRACE", None
    if not _call_checks().code_is_quickened(new_code):
        # Machine code does not warm code up: tier 1 runs the callee until 3.11 would
        # have quickened it (its calls' recursion checks depend on it).
        stats.inc("callee_not_quickened")
        return seq, callee, "_EXIT_TRACE", None
    return seq, callee, None, None


def _inline_by_code(known, code, depth, stats):
    """``_plan_python_call`` for a callee known by its code only: the frame pushed behind
    ``_CHECK_PY_FUNCTION_EXACT_ARGS`` on that code, then inlined (or the trace ends in
    it: recursive call, full trace stack)."""
    if known is code:
        stats.inc("recursive_call")
        return _DYNAMIC_CALL, None, "_EXIT_TRACE", known
    if depth >= TRACE_STACK_SIZE:
        stats.inc("trace_stack_overflow")
        return _DYNAMIC_CALL, None, "_EXIT_TRACE", known
    if not _call_checks().code_is_quickened(known):
        stats.inc("callee_not_quickened")
        return _DYNAMIC_CALL, None, "_EXIT_TRACE", known
    stats.inc("callee_inlined_by_code")
    return _DYNAMIC_CALL, None, None, known


_FunctionType = type(_plan_python_call)


_SIMPLE_PUSHES = frozenset(exp.OPMAP[name] for name in (
    "LOAD_FAST", "LOAD_CONST", "LOAD_DEREF", "LOAD_CLOSURE"))
_LOAD_GLOBAL = exp.OPMAP["LOAD_GLOBAL"]
_PRECALL = exp.OPMAP["PRECALL"]
_CALL = exp.OPMAP["CALL"]


def _global_call_sites(info):
    """``{CALL index: global name}`` for calls written ``name(a, b, ...)`` with simple
    arguments (locals, constants, cells): ``LOAD_GLOBAL (NULL + name)``, the argument
    loads, ``PRECALL n``, ``CALL n``.  Memoized per code object."""
    sites = _global_call_sites_cache.get(info.code)
    if sites is not None:
        return sites
    sites = {}
    instructions = info.instructions
    names = info.code.co_names

    def step(i):
        op, arg = instructions[i]
        return exp.next_instruction_index(i, exp.OPNAME[op], arg)

    for i, (op, arg) in enumerate(instructions):
        if op != _LOAD_GLOBAL or not arg & 1:
            continue
        j = step(i)
        pushed = 0
        while j < len(instructions):
            op2, arg2 = instructions[j]
            if op2 == EXTENDED_ARG:
                j += 1
                continue
            if op2 in _SIMPLE_PUSHES or (op2 == _LOAD_GLOBAL and not arg2 & 1):
                pushed += 1
                j = step(j)
                continue
            if op2 == _PRECALL and arg2 == pushed:
                k = step(j)
                if k < len(instructions) and instructions[k] == (_CALL, pushed):
                    sites[k] = names[arg >> 1]
            break
    _global_call_sites_cache[info.code] = sites
    return sites


_global_call_sites_cache = weakref.WeakKeyDictionary()


def _unprofiled_call_profile(info, index, oparg, func, frame, code):
    """A profile entry for a CALL tier 1 never profiled, when its callee is a global
    Python function called with exact arguments (``leaf(n)``), or None.

    Under the default tier-1 policy loop-free functions run natively, so the call sites
    of a callee the trace inlines have no profile: without this the projection emitted
    the generic ``_CALL``, which deopts for a Python function on every iteration, and
    nothing ever re-projected the trace.  The global's current value stands in for
    tier 1's observation (what CPython's specializer would have recorded); the guard
    ``_CHECK_FUNCTION_EXACT_ARGS`` checks it at run time like any profiled callee.
    """
    name = _global_call_sites(info).get(index)
    if name is None:
        return None
    if func is not None:
        namespace, builtins_ = func.__globals__, func.__builtins__
    elif code is frame.code:
        namespace, builtins_ = frame.globals, frame.builtins
    else:
        return None
    if type(namespace) is not dict or type(builtins_) is not dict:
        return None
    # A lookup compares keys: only where no key is a guest object whose __eq__ could run.
    if not all(type(k) is str for k in namespace) or not all(type(k) is str for k in builtins_):
        return None
    callee = namespace.get(name, _ABSENT)
    if callee is _ABSENT:
        callee = builtins_.get(name)
    if not _is_exact_python_call(callee, oparg):
        return None
    return {"form": "CALL_PY_EXACT_ARGS", "func": callee, "code": callee.__code__}


def _callee_on_stack(frame, oparg):
    """``(callable, positional argument count)`` of the CALL about to run in ``frame``
    (a tier-1 frame stopped at it), or None."""
    if frame is None:
        return None
    stack = frame.stack
    if len(stack) < oparg + 2:
        return None
    if stack[-oparg - 2] is uint.NULL:
        return stack[-oparg - 1], oparg
    return stack[-oparg - 2], oparg + 1


def _is_exact_python_call(func, argc):
    """What ``_CHECK_PY_FUNCTION_EXACT_ARGS`` checks, known at projection time."""
    if type(func) is not _FunctionType:
        return False
    c = func.__code__
    return (c.co_argcount == argc and not c.co_kwonlyargcount
            and not c.co_flags & (0x04 | 0x08 | _CO_NATIVE_ONLY))


def _for_iter_expansion(entry, generic_only):
    """FOR_ITER over a range iterator, as 3.12's FOR_ITER_RANGE (3.11 has no such form)."""
    if generic_only or exp.specialized_name(entry) != "FOR_ITER_RANGE":
        return None
    return [("_ITER_CHECK_RANGE", exp.FULL), ("_ITER_JUMP_RANGE", exp.REPLACED),
            ("_ITER_NEXT_RANGE", exp.FULL)]


_STORE_GLOBAL_OPS = (exp.OPMAP["STORE_GLOBAL"], exp.OPMAP["DELETE_GLOBAL"])


def _stored_globals(code):
    """Names ``code`` assigns or deletes with STORE_GLOBAL / DELETE_GLOBAL."""
    names = _stored_globals_cache.get(code)
    if names is None:
        info = _tier1().get_code_info(code)
        names = frozenset(code.co_names[arg] for op, arg in info.instructions
                          if op in _STORE_GLOBAL_OPS)
        _stored_globals_cache[code] = names
    return names


_stored_globals_cache = weakref.WeakKeyDictionary()


def _watch_type(tp, watches, dependencies):
    """A class the trace relies on: changing it (its version tag) invalidates the trace."""
    from cpjit.interpreter.objlayout import type_version
    version = type_version(tp)
    dependencies.add(tp)
    if version and all(t is not tp for t, _ in watches.types):
        watches.types.append((tp, version))


def _record_reads(opname, oparg, code, frame, watches, dependencies, entry=None):
    """Remember the globals and classes a trace read, so that changing one invalidates it."""
    if opname in ("LOAD_ATTR", "LOAD_METHOD", "STORE_ATTR"):
        tp = exp.profile_value(entry, "type")
        if isinstance(tp, type):
            _watch_type(tp, watches, dependencies)
        return
    if opname != "LOAD_GLOBAL" or code is not frame.code:
        return
    name = code.co_names[oparg >> 1]
    if name in _stored_globals(code):
        # The code rebinds it itself (``global x; x += 1``): watching it would throw
        # the executor away at every entry; _LOAD_GLOBAL looks it up anyway.
        return
    g = frame.globals
    if type(g) is not dict:
        return
    value = g.get(name, _ABSENT)
    if isinstance(value, type):
        _watch_type(value, watches, dependencies)
    if value is not _ABSENT:
        watches.globals_.append((g, name, value))
        dependencies.add(g)
        return
    b = frame.builtins
    if type(b) is dict and name in b:
        watches.globals_.append((g, name, _ABSENT))
        watches.globals_.append((b, name, b[name]))
        dependencies.add(b)


# ----------------------------------------------------------------------------- executors

def count_exits(buffer):
    """``count_exits``: the _EXIT_TRACE and _DYNAMIC_EXIT stubs."""
    return sum(1 for inst in buffer if inst.name in ("_EXIT_TRACE", "_DYNAMIC_EXIT"))


def _make_exit(name, target):
    """``make_exit``."""
    return UopInstruction(name, 0, 0, target)


def prepare_for_execution(buffer):
    """``prepare_for_execution``: NOPs out, explicit exit / deopt / error stubs appended."""
    buffer = [inst for inst in buffer if inst.name != "_NOP"]
    length = len(buffer)
    current_jump_target = None
    current_exit_op = None
    current_jump = -1
    current_error_target = None
    current_popped = None
    current_error = -1
    for i in range(length):
        inst = buffer[i]
        d = uint.UOP_DEFS.get(inst.name)
        flags = d.flags if d is not None else 0
        target = inst.target
        if flags & (uint.HAS_EXIT | uint.HAS_DEOPT):
            exit_op = "_EXIT_TRACE" if flags & uint.HAS_EXIT else "_DEOPT"
            jump_target = target
            if inst.name in exp.FOR_ITER_TESTS and inst.name == "_FOR_ITER_TIER_TWO":
                # 3.11's FOR_ITER already popped the iterator: resume past the loop.
                jump_target = target + 2 + 2 * inst.oparg
            if jump_target != current_jump_target or exit_op != current_exit_op:
                buffer.append(_make_exit(exit_op, jump_target))
                current_exit_op = exit_op
                current_jump_target = jump_target
                current_jump = len(buffer) - 1
            inst.jump_target = current_jump
            inst.format = "jump"
        if flags & uint.HAS_ERROR:
            popped = 0 if flags & uint.ERROR_NO_POP else d.num_popped(inst.oparg)
            if inst.error_ip != current_error_target or popped != current_popped:
                stub = _make_exit("_ERROR_POP_N", inst.error_ip)
                stub.oparg = popped
                stub.operand = inst.error_ip
                buffer.append(stub)
                current_popped = popped
                current_error_target = inst.error_ip
                current_error = len(buffer) - 1
            inst.error_target = current_error
            if inst.format == "target":
                inst.format = "jump"
                inst.jump_target = 0
        if inst.name == "_JUMP_TO_TOP":
            inst.format = "jump"
            inst.jump_target = 1
    return buffer


def sanity_check(executor):
    """``sanity_check`` (debug builds in CPython): the trace's shape is what the runner expects."""
    trace = executor.trace
    assert trace[0].name == "_START_EXECUTOR", trace[0]
    ended = False
    i = 0
    for i, inst in enumerate(trace):
        assert inst.name in uint.UOP_DEFS, "unknown uop %s" % inst.name
        flags = uint.uop_flags(inst.name)
        if inst.format == "jump":
            assert 0 <= inst.jump_target < len(trace), inst
        else:
            assert not flags & (uint.HAS_EXIT | uint.HAS_DEOPT | uint.HAS_ERROR), inst
        if flags & uint.HAS_ERROR:
            assert 0 <= inst.error_target < len(trace), inst
            assert trace[inst.error_target].name == "_ERROR_POP_N", inst
        if uint.is_terminator(inst.name):
            ended = True
            break
    assert ended, "trace without a terminator"
    for inst in trace[i + 1:]:
        assert inst.name in ("_DEOPT", "_EXIT_TRACE", "_ERROR_POP_N"), inst
    for exit in executor.exits:
        assert exit.target >= 0


def make_executor_from_uops(buffer, dependencies, watches, optimizer):
    """``make_executor_from_uops``: exits allocated, operands and impls resolved."""
    threshold = _config().side_exit_threshold
    exits = []
    executor = Executor(buffer, exits, dependencies, watches, optimizer)
    for i, inst in enumerate(buffer):
        inst.index = i
        inst.impl = uint.UOP_DEFS[inst.name].impl
        if inst.name in ("_EXIT_TRACE", "_DYNAMIC_EXIT"):
            exit = ExitData(inst.target if inst.name == "_EXIT_TRACE" else 0,
                            len(exits), executor, threshold)
            exits.append(exit)
            inst.operand = exit
            inst.exit_index = exit.index
            exit.after_periodic = i > 0 and buffer[i - 1].name == "_CHECK_PERIODIC"
    for inst in buffer:
        if inst.format == "jump" and buffer[inst.jump_target].name == "_EXIT_TRACE" and \
                uint.uop_flags(inst.name) & uint.HAS_EXIT:
            stub = buffer[inst.jump_target]
            if (inst.error_ip if inst.error_ip is not None else inst.target) == stub.target:
                stub.operand.guard_at_target = True
    buffer[0].operand = executor
    executor.start_offset = buffer[0].target
    if _config().lltrace >= 2:
        print("Optimized trace (length %d):" % len(buffer), file=sys.stderr)
        for i, inst in enumerate(buffer):
            print("%4d OPTIMIZED: %r" % (i, inst), file=sys.stderr)
    sanity_check(executor)
    link_executor(executor)
    return executor


def uop_optimize(opt, frame, start, progress_needed):
    """``uop_optimize``: projection, analysis, stubs, executor (and machine code)."""
    stats = _state.stats
    if uint._tracing():
        # sys.settrace / sys.setprofile: no new executors while a tracer is installed.
        stats.inc("tracing_refused")
        return None
    stats.inc("attempts")
    dependencies = BloomFilter()
    watches = _Watches()
    t0 = _perf_counter()
    buffer = translate_bytecode_to_trace(frame, start, progress_needed, dependencies, watches)
    t1 = _perf_counter()
    stats.add_time("time_projection_s", t1 - t0)
    if buffer is None:
        return None
    stats.inc("traces_created")
    cfg = _config()
    if cfg.uops_optimize:
        import cpjit.analysis as analysis
        buffer = analysis.analyze_and_optimize(frame, buffer, dependencies)
        if not buffer:
            return None
    stats.hist("optimized_trace_length", _effective_trace_length(buffer))
    buffer = prepare_for_execution(buffer)
    executor = make_executor_from_uops(buffer, dependencies, watches, opt)
    stats.inc("executors_created")
    stats.uops_compiled += len(executor.trace)
    t2 = _perf_counter()
    stats.add_time("time_optimization_s", t2 - t1)
    _state.engine.compile(executor)
    stats.add_time("time_stitching_s", _perf_counter() - t2)
    return executor


def _effective_trace_length(buffer):
    """``effective_trace_length``: uops up to the terminator, NOPs not counted."""
    n = 0
    for inst in buffer:
        if inst.name != "_NOP":
            n += 1
        if uint.is_terminator(inst.name):
            break
    return n


# ----------------------------------------------------------------------------- management

def link_executor(executor):
    """``link_executor``: into the interpreter-wide list."""
    _state.executors.append(executor)
    executor.linked = True


def unlink_executor(executor):
    """``unlink_executor``."""
    if executor.linked:
        executor.linked = False
        try:
            _state.executors.remove(executor)
        except ValueError:
            pass


def executor_detach(executor, restore=True):
    """``_Py_ExecutorDetach``: the original instruction goes back into the code."""
    info = executor.info
    if info is not None and executor.code_offset is not None and restore:
        op, arg = info.instructions[executor.code_offset // 2]
        if op == ENTER_EXECUTOR and info.executors[arg] is executor:
            info.remove_executor(executor.code_offset)
    executor.info = None
    executor.code = None


def executor_clear(executor):
    """``executor_clear``: invalid, detached, exits unlinked, machine code freed."""
    if not executor.valid and not executor.linked:
        return
    executor.valid = False
    unlink_executor(executor)
    for exit in executor.exits:
        exit.executor = None
    executor_detach(executor)
    if executor.anchor_key is not None:
        if _state.side_anchors.get(executor.anchor_key) is executor:
            del _state.side_anchors[executor.anchor_key]
        executor.anchor_key = None
        executor.anchor_code = None
    key = getattr(executor, "dynamic_key", None)
    if key is not None:
        if _state.dynamic_targets.get(key, (None,))[0] is executor:
            del _state.dynamic_targets[key]
        executor.dynamic_key = None
    if executor.jit_code is not None:
        _state.engine.free(executor)


def invalidate_executor(executor, why=""):
    """Invalidate one executor (counted in the stats)."""
    if executor.valid:
        _state.stats.inc("executors_invalidated")
    executor_clear(executor)


def invalidate_dependency(obj):
    """``_Py_Executors_InvalidateDependency``: collect first, then clear."""
    hashes = BloomFilter()
    hashes.add(obj)
    doomed = [ex for ex in _state.executors if ex.bloom.may_contain(hashes)]
    for ex in doomed:
        invalidate_executor(ex, "dependency")


def invalidate_all():
    """``_Py_Executors_InvalidateAll``."""
    for ex in list(_state.executors):
        invalidate_executor(ex, "all")


def get_executor(func_or_code, offset):
    """``_Py_GetExecutor``: the executor at byte ``offset`` (ValueError if none)."""
    code = getattr(func_or_code, "__code__", func_or_code)
    return _tier1().get_code_info(code).get_executor(offset)


def get_executors(func_or_code):
    """Every executor installed in a function's code, in code order."""
    code = getattr(func_or_code, "__code__", func_or_code)
    info = _tier1().get_code_info(code)
    out = []
    for index, (op, arg) in enumerate(info.instructions):
        if op == ENTER_EXECUTOR:
            out.append(info.executors[arg])
    return out


def get_stats():
    """The tier-2 counters (``--stats``)."""
    count = getattr(_state.engine, "count_machine_code_uops", None)
    if count is not None:
        _state.stats.uops_jit = count()
    return _state.stats.as_dict(_state)


# id(innermost frame) -> its callers as (code, func, resume index, CALL offset),
# outermost first, while side_exit_optimize projects from that frame.
_seeded_callers = {}
# id(frame) -> the chain length of the side trace side_exit_optimize projects from it.
_projected_chain_length = {}


def _callers_of(frame, count):
    """The ``count`` tier-1 frames above ``frame``, outermost first, as seeds."""
    callers = []
    f = frame
    while len(callers) < min(count, TRACE_STACK_SIZE - 1) and f.back is not None:
        f = f.back
        callers.append((f.code, f.func, f.ip, f.lasti))
    callers.reverse()
    return callers


def side_exit_optimize(exit, frame, inlined=0):
    """A hot side exit: the executor it links to (``_EXIT_TRACE`` in tier 2), or None.

    As in CPython, a chain of side traces ends in one that must make progress (chain
    depth 0 modulo ``MAX_CHAIN_DEPTH``); CPython inserts that one in the bytecode at the
    exit's target, so every later exit there finds its ENTER_EXECUTOR and links to it
    instead of growing the chain.  cpjit installs executors on back edges only, so such
    traces are kept in ``side_anchors`` and found there.  Any side trace qualifies
    whose exits back to its own start all follow a periodic check
    (``_progresses_before_reentry``): reusing it can neither spin without progress nor
    without an eval-breaker check, so a chain often stops at its first trace.
    Two more cpjit-specific rules:

    - A guard of the target instruction itself failed (``exit.guard_at_target``): tier 1
      does not re-specialize after a tier-2 exit (and the machine-code guards are
      stricter than 3.11's specializations: compact ints), so the profile would choose
      the same failing guard again; the side trace starts with the generic form, as
      CPython's trace would after tier 1 de-specialized the instruction.
    - ``MAX_CHAIN_LENGTH`` bounds a chain that never finds a reusable trace: the exit
      then stays an exit to tier 1.
    """
    opt = _state.optimizer
    if opt is None or isinstance(opt, NeverOptimizer):
        return None
    owner = exit.owner
    # ``inlined``: the frames above ``frame`` that the running trace chain pushed (an
    # exit inside inlined calls); the side trace may return into them.  It is reused
    # only by exits with the same callers (its returns are guarded on them).
    callers = _callers_of(frame, inlined)
    key = (id(frame.code), exit.target)
    if callers:
        key += (tuple((id(c[0]), c[3]) for c in callers),)
    anchor = _state.side_anchors.get(key)
    if anchor is not None and anchor.valid and anchor.anchor_code is frame.code:
        exit.executor = anchor
        _state.stats.inc("side_traces_reused")
        return anchor
    length = getattr(owner, "chain_length", 0) + 1
    if length > MAX_CHAIN_LENGTH:
        _state.stats.inc("side_chain_too_long")
        return None
    if callers:
        _seeded_callers[id(frame)] = callers
    _projected_chain_length[id(frame)] = length
    try:
        executor = _PyOptimizer_Optimize(opt, frame, exit.target, None, owner.chain_depth + 1,
                                         despecialize_first=exit.guard_at_target)
    finally:
        _seeded_callers.pop(id(frame), None)
        _projected_chain_length.pop(id(frame), None)
    if executor is None:
        return None
    executor.chain_length = length
    if _progresses_before_reentry(executor):
        old = _state.side_anchors.get(key)
        if old is None or not old.valid:
            _state.side_anchors[key] = executor
            executor.anchor_key = key
            executor.anchor_code = frame.code      # keeps id(code) from being reused
    exit.executor = executor
    _state.stats.inc("side_traces")
    return executor


def dynamic_exit_executor(exit, frame):
    """``_DYNAMIC_EXIT`` (tier 2): the executor to go on with where ``frame`` stands
    (``frame.lasti``), or None to leave for tier 1 there.

    As CPython: an executor already at that place is entered; otherwise the exit's
    temperature counts, and a hot exit optimizes a new trace there (chain depth 0: it
    must make progress) that later dynamic exits to the same place find, but the exit
    itself is never linked to it (its target varies).  cpjit keeps such traces in
    ``dynamic_targets`` (and finds reusable side traces in ``side_anchors``), since it
    only inserts executors on back edges.
    """
    code = frame.code
    offset = frame.lasti
    found = uint.executor_at(frame, offset)
    if found is not None:
        return found
    key = (id(code), offset)
    hit = _state.dynamic_targets.get(key)
    if hit is not None and hit[0].valid and hit[1] is code:
        return hit[0]
    anchor = _state.side_anchors.get(key)
    if anchor is not None and anchor.valid and anchor.anchor_code is code:
        return anchor
    if not uint._exit_is_hot(exit):
        return None
    opt = _state.optimizer
    executor = None
    if opt is not None and not isinstance(opt, NeverOptimizer):
        executor = _PyOptimizer_Optimize(opt, frame, offset, None, 0)
    if executor is None:
        uint._restart_backoff(exit)
        return None
    exit.temperature = [max(_config().side_exit_threshold, 1) - 1, 0]
    _state.dynamic_targets[key] = (executor, code)     # the code keeps id(code) unique
    executor.dynamic_key = key
    _state.stats.inc("dynamic_traces")
    return executor


# Uops that leave only in rare states: an invalid executor (the validity checks) or
# a failed allocation (_INIT_CALL_PY_EXACT_ARGS in machine code).
_RARE_LEAVERS = frozenset(["_CHECK_VALIDITY_AND_SET_IP", "_CHECK_VALIDITY",
                           "_TIER2_RESUME_CHECK", "_INIT_CALL_PY_EXACT_ARGS"])
_STUB_OF_KIND = {"deopt": "_DEOPT", "error": "_ERROR_POP_N", "side": "_EXIT_TRACE",
                 "dynamic": "_DYNAMIC_EXIT"}


def exit_uop_name(executor, kind, stub=None, target=None):
    """Stats (``"deopt by uop"``, ...): the name of the uop that took an exit.

    ``stub`` is the index of the exit stub when the engine knows it (the reference
    interpreter, a machine-code side exit by its exit index); otherwise every stub of
    that kind at ``target`` (machine code's deopts and errors only report a target).
    The uop is the one whose jump (exits, deopts) or error target is that stub, or the
    stub itself when it ends the trace (a trace's closing ``_EXIT_TRACE``).  Neighbours
    leaving for the same place share a stub, as in CPython: then the uops that leave
    only in rare states (``_RARE_LEAVERS``: validity checks while the executor is valid,
    an allocation failure) are left out, and any uops left are named together,
    ``"_A|_B"``.  Called only when stats are on.
    """
    cache = executor.__dict__.setdefault("_exit_uop_names", {})
    key = (kind, stub, target)
    name = cache.get(key) if executor.valid else None
    if name is not None:
        return name
    trace = executor.trace
    stub_name = _STUB_OF_KIND[kind]
    if stub is not None:
        stubs = (stub,)
    else:
        stubs = tuple(i for i, inst in enumerate(trace)
                      if inst.name == stub_name and inst.target == target)
    names = []
    for inst in trace:
        if kind == "error":
            hit = inst.error_target in stubs and uint.uop_flags(inst.name) & uint.HAS_ERROR
        else:
            hit = (inst.format == "jump" and inst.jump_target in stubs
                   and inst.name != "_JUMP_TO_TOP"
                   and uint.uop_flags(inst.name) & (uint.HAS_EXIT | uint.HAS_DEOPT))
        if hit and inst.name not in names:
            names.append(inst.name)
    if len(names) > 1 and executor.valid:
        names = [n for n in names if n not in _RARE_LEAVERS] or names
    if names:
        name = "|".join(names)
    elif stubs and len(stubs) == 1:
        name = trace[stubs[0]].name      # the stub ends the trace itself
    else:
        name = stub_name
    if executor.valid:
        cache[key] = name
    return name


# Uops that do none of the program's work (a trace of only these makes no progress).
_NO_PROGRESS_UOPS = frozenset({"_CHECK_VALIDITY_AND_SET_IP", "_CHECK_PERIODIC", "_SET_IP",
                               "_CHECK_VALIDITY", "_NOP"})


def _progresses_before_reentry(executor):
    """Whether linking exits at the trace's own start back into it is safe: no side exit
    to that offset is taken before the trace's first periodic check (else a linked
    exit could spin in machine code with no eval-breaker check and no progress)."""
    trace = executor.trace
    start = executor.start_offset
    body = [inst.name for inst in trace[1:]]
    end = next((i for i, name in enumerate(body) if uint.is_terminator(name)), len(body))
    if not set(body[:end]) - _NO_PROGRESS_UOPS and end < len(body) and \
            body[end] == "_EXIT_TRACE" and trace[end + 1].target == start:
        # Only a periodic check and an exit to where it starts (a trace made at another
        # executor's ENTER_EXECUTOR): reused by an exit at that place it would be linked
        # to itself, and machine code would loop there without progress.
        return False
    for inst in trace[1:]:
        if inst.name == "_CHECK_PERIODIC":
            return True
        if inst.format == "jump" and inst.jump_target and \
                trace[inst.jump_target].name == "_EXIT_TRACE" and \
                trace[inst.jump_target].target == start:
            return False
        if uint.is_terminator(inst.name):
            return True
    return True


# ----------------------------------------------------------------------------- the JIT

class JitEngine:
    """Runs executors as machine code (``_PyJIT_Compile`` / ``_PyJIT_Free`` / entry).

    An executor whose trace uses a uop without a stencil, or whose stitching fails,
    runs in the reference interpreter instead (counted in ``jit_fallbacks``).  Hot side
    exits get side traces that are linked in the machine code: the ``_EXIT_TRACE``
    stencil of the exit jumps straight into the side trace's code.
    """

    name = "jit"

    def __init__(self, opt_state, table):
        self.opt_state = opt_state
        self.table = table
        self.interp = uint.InterpEngine(opt_state)
        self.by_address = {}
        self.uops_at_exits = 0       # estimated uops of the entries that left to tier 1
        self.uops_of_freed = 0       # loop and linked-exit uops of executors freed since
        self.live = []               # executors with machine code (their counters count)

    def supports(self, name, oparg=0):
        """Whether a uop can run as machine code (the projection ends a trace otherwise)."""
        import cpjit.uops as _cpjit_uops
        replicated_name = _cpjit_uops.replicated_name
        return name in self.table or replicated_name(name, oparg) in self.table

    def compile(self, executor):
        """``_PyJIT_Compile``: stitch the trace; on failure the trace stays interpreted."""
        # One host frame, not two, from tier 1's ENTER_EXECUTOR into this engine (as
        # the reference engine's): at the guest's recursion limit there is room for one.
        executor.execute = uint._bound_entry(self, executor)
        import cpjit.jit as jit
        import cpjit.uops as _cpjit_uops
        replicated_name = _cpjit_uops.replicated_name
        stats = self.opt_state.stats
        records = []
        for inst in executor.trace:
            name = replicated_name(inst.name, inst.oparg)
            if name not in self.table:
                name = inst.name
            if name not in self.table:
                stats.jit_fallback("no stencil for %s" % inst.name)
                return None
            records.append(jit.UopInstruction(
                name, inst.oparg, inst.target, _jit_operand(inst), inst.jump_target,
                inst.error_target, inst.exit_index))
        try:
            c_executor = jit.new_executor(len(executor.exits),
                                          [e.target for e in executor.exits])
            code = jit.compile_trace(records, c_executor, stencils=self.table)
        except Exception as exc:      # a stitching failure must not change the program
            stats.jit_fallback("compile failed: %s: %s" % (type(exc).__name__, str(exc)[:120]))
            return None
        executor.jit_code = code
        executor.c_executor = c_executor
        executor.linked_from = []
        self.by_address[_address(c_executor)] = executor
        self.live.append(executor)
        stats.inc("jit_compiled")
        stats.jit_code_bytes += code.size
        return code

    def free(self, executor):
        """``_PyJIT_Free``: unlink every exit that jumps here, then give the memory back."""
        code = executor.jit_code
        executor.jit_code = None
        c_executor = getattr(executor, "c_executor", None)
        if c_executor is not None:
            self.uops_of_freed += _counted_uops(executor)
            if executor in self.live:
                self.live.remove(executor)
            c_executor.valid = 0
            for i in range(len(executor.exits)):
                c_executor.exits[i].jit_code = _ffi_null()
            self.by_address.pop(_address(c_executor), None)
        for owner, index in getattr(executor, "linked_from", ()):
            oc = getattr(owner, "c_executor", None)
            if oc is not None:
                oc.exits[index].jit_code = _ffi_null()
        executor.linked_from = []
        if code is not None:
            code.free()

    def execute(self, executor, frame):
        """ENTER_EXECUTOR: run machine code until it leaves; side exits may link traces."""
        # (an attribute read, not getattr(): a builtin call may check the recursion
        # limit, and tier 1's JUMP_BACKWARD runs at the guest's limit with no room)
        try:
            cell = frame.rcell
        except AttributeError:
            cell = None
        if cell is None or executor.jit_code is None:
            return self._execute(executor, frame)
        # Room for the host calls on the way into machine code (validity checks, the
        # ctypes call, frame rebuilding) when the guest is near its recursion limit;
        # _CHECK_STACK_SPACE's threshold includes it (tier2_calls.c), so guest calls
        # still hit CPython's limit, in tier 1.
        cell.value += _JIT_RECURSION_HEADROOM
        try:
            return self._execute(executor, frame)
        finally:
            cell.value -= _JIT_RECURSION_HEADROOM

    def _execute(self, executor, frame):
        stats = self.opt_state.stats
        if executor.jit_code is None:
            return self.interp.execute(executor, frame)
        if uint._tracing():
            invalidate_all()
            return frame, executor.start_offset
        if not executor.is_valid():
            return frame, executor.start_offset
        stats.executions += 1
        return self._run_machine_code(executor, frame)

    def count_machine_code_uops(self):
        """Uops run as machine code, *estimated from counters* (machine code does not
        count uops): per executor, ``_JUMP_TO_TOP`` runs x the loop body's length, plus
        for every exit taken (to tier 1, or through a linked exit into a side trace)
        the uops from the trace's start up to the uop that exited."""
        return (self.uops_at_exits + self.uops_of_freed
                + sum(_counted_uops(ex) for ex in self.live))

    def _interpret_side_trace(self, side, f, entry):
        """A side trace without machine code, run by the reference interpreter with the
        guest's true recursion budget (the machine-code headroom taken back meanwhile)."""
        cell = getattr(entry, "rcell", None)
        if cell is None:
            return self.interp.execute(side, f)
        cell.value -= _JIT_RECURSION_HEADROOM
        try:
            return self.interp.execute(side, f)
        finally:
            cell.value += _JIT_RECURSION_HEADROOM

    def _run_machine_code(self, executor, frame):
        stats = self.opt_state.stats
        import cpjit.jit as jit
        import cpjit.jit_frames as jit_frames
        a = jit.abi()
        code = executor.jit_code
        f = frame
        while True:
            t0 = _perf_counter()
            # Frames rebuilt at earlier exits of this entry are not counted by tier 1
            # yet: machine code continuing above them counts them (recursion limit).
            record = code.run_frame(f) if f is frame else code.run_frame(f, entry=frame)
            inlined = 0
            stats.add_time("time_machine_code_s", _perf_counter() - t0)
            stats.inc("jit_entries")
            owner = self.by_address.get(record.executor)
            if owner is not None:
                self.uops_at_exits += _exit_position(owner, record.kind, record.target,
                                                     record.index, a) + 1
            if record.frame:
                # The exit is inside calls the machine code inlined: tier-1 frames for
                # them, as the reference interpreter's _PUSH_FRAME makes.
                taken = jit.take_inlined_frames(record)
                inlined = len(taken)         # frames above this run's entry frame
                f = jit_frames.rebuild_tier1_frames(taken, f)
            kind = record.kind
            if stats.per_uop and owner is not None:
                _count_machine_code_exit(stats, owner, record, a)
            if kind == a.EXIT_SIDE:
                stats.exit_taken("side")
                if owner is not None and 0 <= record.index < len(owner.exits):
                    exit = owner.exits[record.index]
                    side = exit.executor
                    if side is not None and not side.valid:
                        side = None
                    if side is None and exit.after_periodic:
                        # Stitched to the executor at the exit's target (the trace did
                        # that back edge's periodic check just before this exit).  Any
                        # other exit landing on a loop's back edge (a branch guard's)
                        # gets a side trace that does the check first: a direct link
                        # would let a loop spin in machine code with no eval breaker.
                        side = uint.executor_at(f, record.target)
                        if side is not None:
                            exit.executor = side
                    if side is None and uint._exit_is_hot(exit):
                        side = side_exit_optimize(exit, f, inlined)
                        if side is None:
                            uint._restart_backoff(exit)
                    if side is not None and side.valid:
                        if side.jit_code is not None:
                            owner.c_executor.exits[record.index].jit_code = \
                                _ffi_cast(side.jit_code.entry)
                            side.linked_from.append((owner, record.index))
                            code = side.jit_code
                            continue
                        f.lasti = record.target
                        resumed, offset = self._interpret_side_trace(side, f, frame)
                        if resumed is not frame:
                            uint._adopt_direct_callee(resumed, frame)
                        return resumed, offset
            elif kind == a.EXIT_ERROR:
                stats.exit_taken("error")
                f.lasti = record.target
                exc = record.exception
                if f is frame:
                    raise exc
                from cpjit.interpreter.frame import ExitWithError
                raise ExitWithError(f, exc)
            elif kind == a.EXIT_PERIODIC:
                stats.exit_taken("periodic")
            elif kind == a.EXIT_DYNAMIC:
                # Tier 1 goes on where the frame stands (the callee's first
                # instruction) unless a trace is there for it (dynamic_exit_executor).
                stats.exit_taken("dynamic")
                f.lasti = record.target
                if owner is not None and 0 <= record.index < len(owner.exits):
                    found = dynamic_exit_executor(owner.exits[record.index], f)
                    if found is not None and found.valid:
                        if found.jit_code is not None:
                            code = found.jit_code
                            continue
                        resumed, offset = self._interpret_side_trace(found, f, frame)
                        if resumed is not frame:
                            uint._adopt_direct_callee(resumed, frame)
                        return resumed, offset
            else:
                stats.exit_taken("deopt")
            f.lasti = record.target
            if f is not frame:
                uint._adopt_direct_callee(f, frame)
            return f, record.target


def _count_machine_code_exit(stats, owner, record, a):
    """Stats: a machine-code exit by the uop that took it (``exit_uop_name``)."""
    kind = record.kind
    if kind == a.EXIT_SIDE or kind == a.EXIT_DYNAMIC:
        name = "_EXIT_TRACE" if kind == a.EXIT_SIDE else "_DYNAMIC_EXIT"
        stubs = [i for i, inst in enumerate(owner.trace)
                 if inst.name == name and inst.exit_index == record.index]
        if not stubs:
            return
        kind_name = "side" if kind == a.EXIT_SIDE else "dynamic"
        stats.exit_by_uop(kind_name, exit_uop_name(owner, kind_name, stub=stubs[0]))
    elif kind == a.EXIT_DEOPT:
        stats.exit_by_uop("deopt", exit_uop_name(owner, "deopt", target=record.target))
    elif kind == a.EXIT_ERROR:
        stats.exit_by_uop("error", exit_uop_name(owner, "error", target=record.target))


# The uops that end a trace's main body (the exit stubs follow it).
_TERMINATORS = frozenset(["_JUMP_TO_TOP", "_EXIT_TRACE", "_DEOPT", "_ERROR_POP_N",
                          "_DYNAMIC_EXIT"])


def _loop_shape(executor):
    """(index of the loop's first uop, uops in the loop body) of a trace; (0, 0) when
    the trace has no _JUMP_TO_TOP."""
    shape = getattr(executor, "_loop_shape", None)
    if shape is None:
        shape = (0, 0)
        for i, inst in enumerate(executor.trace):
            if inst.name == "_JUMP_TO_TOP":
                shape = (inst.jump_target, i - inst.jump_target + 1)
                break
            if inst.name in _TERMINATORS:
                break
        executor._loop_shape = shape
    return shape


def _exit_position(executor, kind, target, index, a):
    """The index of the uop that most likely took this exit (the estimate of
    ``count_machine_code_uops``): for a side exit, the first uop whose jump goes to
    that exit's stub; otherwise the first uop, from the loop's top, of the instruction
    at ``target`` that can leave the trace.  Cached per executor."""
    cache = getattr(executor, "_exit_positions", None)
    if cache is None:
        cache = executor._exit_positions = {}
    key = (kind, target, index)
    pos = cache.get(key)
    if pos is not None:
        return pos
    trace = executor.trace
    body = []
    for i, inst in enumerate(trace):
        body.append(inst)
        if inst.name in _TERMINATORS:
            break
    pos = len(body) - 1
    if kind == a.EXIT_SIDE:
        stubs = [i for i, inst in enumerate(trace)
                 if inst.name == "_EXIT_TRACE" and inst.exit_index == index]
        for i, inst in enumerate(body):
            if stubs and inst.jump_target == stubs[0] and inst.name != "_JUMP_TO_TOP":
                pos = i
                break
    else:
        top = _loop_shape(executor)[0]
        leaves = [i for i, inst in enumerate(body) if inst.target == target
                  and (inst.jump_target or inst.error_target
                       or inst.name in ("_CHECK_PERIODIC", "_DYNAMIC_EXIT"))]
        later = [i for i in leaves if i >= top]
        if later or leaves:
            pos = (later or leaves)[0]
    cache[key] = pos
    return pos


def _counted_uops(executor):
    """Loop iterations and linked-exit hops of one executor, in uops (see
    ``JitEngine.count_machine_code_uops``)."""
    c_executor = getattr(executor, "c_executor", None)
    if c_executor is None:
        return 0
    import cpjit.jit as jit
    a = jit.abi()
    total = c_executor.iterations * _loop_shape(executor)[1]
    for i, exit in enumerate(executor.exits):
        hops = c_executor.exits[i].hops
        if hops:
            total += hops * (_exit_position(executor, a.EXIT_SIDE, exit.target, i, a) + 1)
    return total


# Kept equal to the extra room in _CHECK_STACK_SPACE's threshold (tier2_calls.c).
_JIT_RECURSION_HEADROOM = 50


def _jit_operand(inst):
    """The 64-bit operand machine code sees: objects by address, numbers as they are."""
    operand = inst.operand
    if inst.name in ("_EXIT_TRACE", "_DYNAMIC_EXIT"):
        return 0
    if inst.name in POINTER_OPERAND_UOPS:
        return id(operand)
    if type(operand) is int:
        return operand & _MASK64
    if operand is None:
        return 0
    return id(operand)


def _address(c_pointer):
    import cpjit.jit as jit
    return int(jit.abi().ffi.cast("uintptr_t", c_pointer))


def _ffi_null():
    import cpjit.jit as jit
    return jit.abi().ffi.NULL


def _ffi_cast(address):
    import cpjit.jit as jit
    return jit.abi().ffi.cast("void *", address)


_jit_table = []


def make_jit_engine(opt_state):
    """The JIT engine, or None when there is no usable stencil table (no toolchain, ...)."""
    if not _jit_table:
        try:
            import cpjit.stencil_build as _cpjit_stencil_build
            load_stencils = _cpjit_stencil_build.load_stencils
            table = load_stencils()
            table = getattr(table, "stencils", table)
            if "trampoline" not in table:
                raise RuntimeError("stencil table without a trampoline")
            # cpjit.jit (stitching, cffi) is imported by the first compile, so a run that
            # makes no trace does not pay for it; what it needs from outside cpjit is
            # imported now, before the program runs (cpjit/startup.py).
            import cpjit.startup as _cpjit_startup
            _cpjit_startup.preload_jit_dependencies()
            _jit_table.append(table)
        except Exception as exc:      # no clang, build failure, ...: interpret instead
            opt_state.stats.jit_fallback("no stencil table: %s: %s"
                                         % (type(exc).__name__, str(exc)[:200]))
            _jit_table.append(None)
    table = _jit_table[0]
    if table is None:
        return None
    return JitEngine(opt_state, table)
