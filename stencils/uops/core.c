// core.c -- uop definitions for int/float loops over range, plus the trace
// plumbing.  CPython counterpart: Python/bytecodes.c (the tier-2 ops).
//
// The DSL (parsed by cpjit/uops/parser.py; see docs/DESIGN.md):
//   [pure] [replicate(N)] op(_NAME, (inputs -- outputs)) { C body }
// Stack items are listed bottom first: `name`, `unused`, `name[expr]`,
// `name if (expr)`; an input `name/4` is the operand (uintptr_t name).
// Inputs are loaded into locals before the body; outputs are stored after it.
// Body macros: DEOPT_IF(cond), EXIT_IF(cond)  -> jump target (exit stub);
//   ERROR_IF(cond, label) -> error target, inputs popped (they must be dead:
//   decref'd or consumed); ERROR_NO_POP() -> error target, inputs kept;
//   DECREF_INPUTS(); SYNC_SP() pops the inputs at that point;
//   oparg, CURRENT_OPERAND(), CURRENT_TARGET(), CURRENT_EXIT_INDEX(),
//   CURRENT_EXECUTOR(); the exit macro CPJIT_EXIT_TO_TIER1(kind, target, index).
// 3.11 has no immortal objects: every PyObject * here owns a reference, and
// Py_True / Py_False / Py_None are counted like any other object.

// ---- locals, constants, stack shuffling ----------------------------------

op(_NOP, (--)) {
}

replicate(8) op(_LOAD_FAST, (-- value)) {
    value = GETLOCAL(oparg);
    Py_INCREF(value);
}

// An unbound local: deopt, so tier 1 raises UnboundLocalError with CPython's
// exact message and traceback.
op(_LOAD_FAST_CHECK, (-- value)) {
    value = GETLOCAL(oparg);
    DEOPT_IF(value == NULL);
    Py_INCREF(value);
}

replicate(8) op(_STORE_FAST, (value --)) {
    SETLOCAL(oparg, value);
}

// The constant object is the operand (a borrowed pointer kept alive by the
// executor, which holds the code object).
pure op(_LOAD_CONST, (-- value)) {
    value = (PyObject *)CURRENT_OPERAND();
    Py_INCREF(value);
}

pure op(_LOAD_CONST_INLINE, (-- value)) {
    value = (PyObject *)CURRENT_OPERAND();
    Py_INCREF(value);
}

pure op(_POP_TOP, (value --)) {
    Py_XDECREF(value);
}

pure op(_PUSH_NULL, (-- res)) {
    res = NULL;
}

pure op(_COPY, (bottom, unused[oparg-1] -- bottom, unused[oparg-1], top)) {
    top = bottom;
    Py_XINCREF(top);
}

pure op(_SWAP, (bottom, unused[oparg-2], top -- top, unused[oparg-2], bottom)) {
}

// ---- int ---------------------------------------------------------------------

op(_GUARD_BOTH_INT, (left, right -- left, right)) {
    EXIT_IF(!PyLong_CheckExact(left) || !cpjit_long_is_compact(left));
    EXIT_IF(!PyLong_CheckExact(right) || !cpjit_long_is_compact(right));
}

op(_GUARD_NOS_INT, (left, unused -- left, unused)) {
    EXIT_IF(!PyLong_CheckExact(left) || !cpjit_long_is_compact(left));
}

op(_GUARD_TOS_INT, (value -- value)) {
    EXIT_IF(!PyLong_CheckExact(value) || !cpjit_long_is_compact(value));
}

// Both operands are compact (|v| < 2**30): the exact result fits in a long.
pure op(_BINARY_OP_ADD_INT, (left, right -- res)) {
    long value = cpjit_compact_long_value(left) + cpjit_compact_long_value(right);
    res = PyLong_FromLong(value);
    if (res == NULL) {
        ERROR_NO_POP();     // inputs stay for the _ERROR_POP_N stub
    }
    DECREF_INPUTS();
}

pure op(_BINARY_OP_SUBTRACT_INT, (left, right -- res)) {
    long value = cpjit_compact_long_value(left) - cpjit_compact_long_value(right);
    res = PyLong_FromLong(value);
    if (res == NULL) {
        ERROR_NO_POP();     // inputs stay for the _ERROR_POP_N stub
    }
    DECREF_INPUTS();
}

pure op(_BINARY_OP_MULTIPLY_INT, (left, right -- res)) {
    long value = cpjit_compact_long_value(left) * cpjit_compact_long_value(right);
    res = PyLong_FromLong(value);
    if (res == NULL) {
        ERROR_NO_POP();     // inputs stay for the _ERROR_POP_N stub
    }
    DECREF_INPUTS();
}

// oparg is the 3.11 COMPARE_OP argument: Py_LT .. Py_GE.
pure op(_COMPARE_OP_INT, (left, right -- res)) {
    long a = cpjit_compact_long_value(left);
    long b = cpjit_compact_long_value(right);
    int cond;
    switch (oparg) {
        case Py_LT: cond = a < b; break;
        case Py_LE: cond = a <= b; break;
        case Py_EQ: cond = a == b; break;
        case Py_NE: cond = a != b; break;
        case Py_GT: cond = a > b; break;
        default: cond = a >= b; break;
    }
    DECREF_INPUTS();
    res = CPJIT_NEWREF_BOOL(cond);
}

// ---- float ---------------------------------------------------------------------

op(_GUARD_BOTH_FLOAT, (left, right -- left, right)) {
    EXIT_IF(!PyFloat_CheckExact(left));
    EXIT_IF(!PyFloat_CheckExact(right));
}

op(_GUARD_NOS_FLOAT, (left, unused -- left, unused)) {
    EXIT_IF(!PyFloat_CheckExact(left));
}

op(_GUARD_TOS_FLOAT, (value -- value)) {
    EXIT_IF(!PyFloat_CheckExact(value));
}

pure op(_BINARY_OP_ADD_FLOAT, (left, right -- res)) {
    double value = PyFloat_AS_DOUBLE(left) + PyFloat_AS_DOUBLE(right);
    res = PyFloat_FromDouble(value);
    if (res == NULL) {
        ERROR_NO_POP();     // inputs stay for the _ERROR_POP_N stub
    }
    DECREF_INPUTS();
}

pure op(_BINARY_OP_SUBTRACT_FLOAT, (left, right -- res)) {
    double value = PyFloat_AS_DOUBLE(left) - PyFloat_AS_DOUBLE(right);
    res = PyFloat_FromDouble(value);
    if (res == NULL) {
        ERROR_NO_POP();     // inputs stay for the _ERROR_POP_N stub
    }
    DECREF_INPUTS();
}

pure op(_BINARY_OP_MULTIPLY_FLOAT, (left, right -- res)) {
    double value = PyFloat_AS_DOUBLE(left) * PyFloat_AS_DOUBLE(right);
    res = PyFloat_FromDouble(value);
    if (res == NULL) {
        ERROR_NO_POP();     // inputs stay for the _ERROR_POP_N stub
    }
    DECREF_INPUTS();
}

pure op(_COMPARE_OP_FLOAT, (left, right -- res)) {
    double a = PyFloat_AS_DOUBLE(left);
    double b = PyFloat_AS_DOUBLE(right);
    int cond;
    switch (oparg) {
        case Py_LT: cond = a < b; break;
        case Py_LE: cond = a <= b; break;
        case Py_EQ: cond = a == b; break;
        case Py_NE: cond = a != b; break;
        case Py_GT: cond = a > b; break;
        default: cond = a >= b; break;
    }
    DECREF_INPUTS();
    res = CPJIT_NEWREF_BOOL(cond);
}

// ---- generic operators (any types; may raise) ------------------------------------

// oparg is the 3.11 BINARY_OP argument (NB_ADD .. NB_INPLACE_XOR).
op(_BINARY_OP, (lhs, rhs -- res)) {
    switch (oparg) {
        case NB_ADD: res = PyNumber_Add(lhs, rhs); break;
        case NB_AND: res = PyNumber_And(lhs, rhs); break;
        case NB_FLOOR_DIVIDE: res = PyNumber_FloorDivide(lhs, rhs); break;
        case NB_LSHIFT: res = PyNumber_Lshift(lhs, rhs); break;
        case NB_MATRIX_MULTIPLY: res = PyNumber_MatrixMultiply(lhs, rhs); break;
        case NB_MULTIPLY: res = PyNumber_Multiply(lhs, rhs); break;
        case NB_REMAINDER: res = PyNumber_Remainder(lhs, rhs); break;
        case NB_OR: res = PyNumber_Or(lhs, rhs); break;
        case NB_POWER: res = PyNumber_Power(lhs, rhs, Py_None); break;
        case NB_RSHIFT: res = PyNumber_Rshift(lhs, rhs); break;
        case NB_SUBTRACT: res = PyNumber_Subtract(lhs, rhs); break;
        case NB_TRUE_DIVIDE: res = PyNumber_TrueDivide(lhs, rhs); break;
        case NB_XOR: res = PyNumber_Xor(lhs, rhs); break;
        case NB_INPLACE_ADD: res = PyNumber_InPlaceAdd(lhs, rhs); break;
        case NB_INPLACE_AND: res = PyNumber_InPlaceAnd(lhs, rhs); break;
        case NB_INPLACE_FLOOR_DIVIDE: res = PyNumber_InPlaceFloorDivide(lhs, rhs); break;
        case NB_INPLACE_LSHIFT: res = PyNumber_InPlaceLshift(lhs, rhs); break;
        case NB_INPLACE_MATRIX_MULTIPLY: res = PyNumber_InPlaceMatrixMultiply(lhs, rhs); break;
        case NB_INPLACE_MULTIPLY: res = PyNumber_InPlaceMultiply(lhs, rhs); break;
        case NB_INPLACE_REMAINDER: res = PyNumber_InPlaceRemainder(lhs, rhs); break;
        case NB_INPLACE_OR: res = PyNumber_InPlaceOr(lhs, rhs); break;
        case NB_INPLACE_POWER: res = PyNumber_InPlacePower(lhs, rhs, Py_None); break;
        case NB_INPLACE_RSHIFT: res = PyNumber_InPlaceRshift(lhs, rhs); break;
        case NB_INPLACE_SUBTRACT: res = PyNumber_InPlaceSubtract(lhs, rhs); break;
        case NB_INPLACE_TRUE_DIVIDE: res = PyNumber_InPlaceTrueDivide(lhs, rhs); break;
        default: res = PyNumber_InPlaceXor(lhs, rhs); break;
    }
    // On error the inputs stay: the optimizer's _ERROR_POP_N stub releases
    // them (its oparg is the reference uop's num_popped).
    if (res == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

// oparg is the 3.11 COMPARE_OP argument: Py_LT .. Py_GE.
op(_COMPARE_OP, (left, right -- res)) {
    res = PyObject_RichCompare(left, right, oparg);
    if (res == NULL) {
        ERROR_NO_POP();     // inputs stay for the _ERROR_POP_N stub
    }
    DECREF_INPUTS();
}

// ---- truth and branches -----------------------------------------------------

// Any object -> exact bool (3.11 POP_JUMP_IF_* on a non-bool).
op(_TO_BOOL, (value -- res)) {
    int truth = PyObject_IsTrue(value);
    if (truth < 0) {
        ERROR_NO_POP();     // the value stays for the _ERROR_POP_N stub
    }
    DECREF_INPUTS();
    res = CPJIT_NEWREF_BOOL(truth);
}

op(_TO_BOOL_BOOL, (value -- value)) {
    EXIT_IF(!PyBool_Check(value));
}

// The flag must be an exact bool (put _TO_BOOL / _TO_BOOL_BOOL before).
// Popped on both paths, as 3.11's POP_JUMP_IF_TRUE/FALSE pop it.
op(_GUARD_IS_TRUE_POP, (flag --)) {
    int is_true = flag == Py_True;
    Py_DECREF(flag);
    SYNC_SP();
    EXIT_IF(!is_true);
}

op(_GUARD_IS_FALSE_POP, (flag --)) {
    int is_false = flag == Py_False;
    Py_DECREF(flag);
    SYNC_SP();
    EXIT_IF(!is_false);
}

op(_GUARD_IS_NONE_POP, (value --)) {
    int is_none = value == Py_None;
    Py_DECREF(value);
    SYNC_SP();
    EXIT_IF(!is_none);
}

op(_GUARD_IS_NOT_NONE_POP, (value --)) {
    int is_none = value == Py_None;
    Py_DECREF(value);
    SYNC_SP();
    EXIT_IF(is_none);
}

// ---- for x in range(...) (3.11 FOR_ITER over a range_iterator) ----------------

op(_ITER_CHECK_RANGE, (iter -- iter)) {
    EXIT_IF(Py_TYPE(iter) != &PyRangeIter_Type);
}

// Exhausted: exit *at* the FOR_ITER with the iterator still on the stack; tier 1
// then pops it and jumps past the loop, as FOR_ITER does.
op(_GUARD_NOT_EXHAUSTED_RANGE, (iter -- iter)) {
    cpjit_rangeiterobject *r = (cpjit_rangeiterobject *)iter;
    EXIT_IF(r->index >= r->len);
}

op(_ITER_NEXT_RANGE, (iter -- iter, next)) {
    cpjit_rangeiterobject *r = (cpjit_rangeiterobject *)iter;
    long value = (long)(r->start + (unsigned long)(r->index++) * r->step);
    next = PyLong_FromLong(value);
    ERROR_IF(next == NULL, error);
}

// ---- trace plumbing ---------------------------------------------------------

// Also forgets a KW_NAMES left over from an earlier run that exited before
// its CALL (the scratch slot tier2_support.h names CPJIT_KWNAMES).
op(_START_EXECUTOR, (--)) {
    state->current_executor = CURRENT_EXECUTOR();
    state->reserved[0] = 0;
}

op(_CHECK_VALIDITY, (--)) {
    DEOPT_IF(!CURRENT_EXECUTOR()->valid);
}

// The operand is the byte offset of the instruction now executing.
op(_SET_IP, (--)) {
    frame->instr_offset = (int64_t)CURRENT_OPERAND();
}

op(_CHECK_VALIDITY_AND_SET_IP, (--)) {
    DEOPT_IF(!CURRENT_EXECUTOR()->valid);
    frame->instr_offset = (int64_t)CURRENT_OPERAND();
}

// Back edge.  The eval breaker (one load) is set for signals, a thread asking
// for the GIL, pending calls and async exceptions.  Signals are handled here
// (KeyboardInterrupt becomes an error exit at this instruction); anything
// still pending afterwards exits to tier 1 (target: the JUMP_BACKWARD), whose
// host-level bytecode lets CPython drop the GIL / run pending calls.
op(_CHECK_PERIODIC, (--)) {
    if (UNLIKELY(*(volatile int *)state->eval_breaker)) {
        if (PyErr_CheckSignals() < 0) {
            ERROR_NO_POP();
        }
        if (*(volatile int *)state->eval_breaker) {
            CPJIT_EXIT_TO_TIER1(CPJIT_EXIT_PERIODIC, CURRENT_TARGET(), -1);
        }
    }
}

// Jumps to the first uop of the trace.  The iteration count (one add to memory)
// lets the optimizer estimate the uops run as machine code (stats).
op(_JUMP_TO_TOP, (--)) {
    CURRENT_EXECUTOR()->iterations++;
    JUMP_TO_TOP();
}

// Side exit number CURRENT_EXIT_INDEX() of this executor: when the optimizer
// has linked a side trace to it, continue there without leaving machine code.
op(_EXIT_TRACE, (--)) {
    _cpjit_exit *exit = &CURRENT_EXECUTOR()->exits[CURRENT_EXIT_INDEX()];
    void *linked = exit->jit_code;
    if (linked != NULL) {
        exit->hops++;                     // stats: uops run as machine code
        CPJIT_TAIL_CALL((cpjit_jit_func)linked);
    }
    CPJIT_EXIT_TO_TIER1(CPJIT_EXIT_SIDE, CURRENT_TARGET(), CURRENT_EXIT_INDEX());
}

op(_DEOPT, (--)) {
    CPJIT_EXIT_TO_TIER1(CPJIT_EXIT_DEOPT, CURRENT_TARGET(), -1);
}

// An exception is set.  Pops (and releases) oparg more stack items, so the
// exit stack is the one tier 1 expects when the instruction at the target
// raises; then tier 1 unwinds with the exception table.
op(_ERROR_POP_N, (values[oparg] --)) {
    for (int i = 0; i < oparg; i++) {
        Py_XDECREF(values[i]);
    }
    SYNC_SP();
    CPJIT_EXIT_TO_TIER1(CPJIT_EXIT_ERROR, CURRENT_TARGET(), -1);
}
