// tier2_specialized.c -- the specialized tier-2 uops (guards + fast bodies)
// that cpjit/uops/expansion.py's SPECIALIZED table emits.
// Owner: the tier-2 stencils engineer (issue 4).  Please do not define these
// names elsewhere (a duplicate uop name fails at import).
// CPython counterpart: the specialized instructions of Python/bytecodes.c;
// the semantics follow cpjit/uop_interpreter.py (the reference).
//
// Defines: _GUARD_NOS_LIST _GUARD_NOS_TUPLE _GUARD_NOS_DICT
//   _BINARY_SUBSCR_LIST_INT _BINARY_SUBSCR_TUPLE_INT _BINARY_SUBSCR_DICT
//   _STORE_SUBSCR_LIST_INT _STORE_SUBSCR_DICT
//   _GUARD_BOTH_UNICODE _BINARY_OP_ADD_UNICODE _COMPARE_OP_STR
//   _GUARD_TOS_TUPLE_LEN _GUARD_TOS_LIST_LEN
//   _UNPACK_SEQUENCE_TWO_TUPLE _UNPACK_SEQUENCE_TUPLE _UNPACK_SEQUENCE_LIST
//   _GUARD_CALLABLE_LIST_APPEND _CALL_LIST_APPEND
//   _GUARD_CALLABLE_LEN _CALL_LEN _GUARD_CALLABLE_ISINSTANCE _CALL_ISINSTANCE
//   _GUARD_CALLER
//
// Error convention as in tier2_generic.c: a failing uop leaves its inputs for
// the _ERROR_POP_N stub.  The index uops take any int (the reference's
// _GUARD_TOS_INT only checks the type), so they convert with
// PyNumber_AsSsize_t(sub, IndexError) as list/tuple subscripts do.

#include "tier2_support.h"

// ---- container guards ----------------------------------------------------------

op(_GUARD_NOS_LIST, (nos, unused -- nos, unused)) {
    EXIT_IF(!PyList_CheckExact(nos));
}

op(_GUARD_NOS_TUPLE, (nos, unused -- nos, unused)) {
    EXIT_IF(!PyTuple_CheckExact(nos));
}

op(_GUARD_NOS_DICT, (nos, unused -- nos, unused)) {
    EXIT_IF(!PyDict_CheckExact(nos));
}

// ---- subscripts ------------------------------------------------------------------

op(_BINARY_SUBSCR_LIST_INT, (list, sub -- res)) {
    Py_ssize_t index = cpjit_sequence_index(list, sub, "list index out of range");
    if (index < 0) {
        ERROR_NO_POP();
    }
    res = Py_NewRef(PyList_GET_ITEM(list, index));
    DECREF_INPUTS();
}

op(_BINARY_SUBSCR_TUPLE_INT, (tuple, sub -- res)) {
    Py_ssize_t index = cpjit_sequence_index(tuple, sub, "tuple index out of range");
    if (index < 0) {
        ERROR_NO_POP();
    }
    res = Py_NewRef(PyTuple_GET_ITEM(tuple, index));
    DECREF_INPUTS();
}

// As 3.11's BINARY_SUBSCR_DICT (an exact dict: no __missing__).
op(_BINARY_SUBSCR_DICT, (dict, sub -- res)) {
    res = PyDict_GetItemWithError(dict, sub);
    if (res == NULL) {
        if (!PyErr_Occurred()) {
            _PyErr_SetKeyError(sub);
        }
        ERROR_NO_POP();
    }
    Py_INCREF(res);
    DECREF_INPUTS();
}

op(_STORE_SUBSCR_LIST_INT, (value, list, sub --)) {
    Py_ssize_t index = cpjit_sequence_index(list, sub, "list assignment index out of range");
    if (index < 0) {
        ERROR_NO_POP();
    }
    PyObject *old = PyList_GET_ITEM(list, index);
    PyList_SET_ITEM(list, index, value);     // the stack's reference moves in
    Py_DECREF(old);
    Py_DECREF(list);
    Py_DECREF(sub);
}

op(_STORE_SUBSCR_DICT, (value, dict, sub --)) {
    if (PyDict_SetItem(dict, sub, value) < 0) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

// ---- str ----------------------------------------------------------------------------

op(_GUARD_BOTH_UNICODE, (left, right -- left, right)) {
    EXIT_IF(!PyUnicode_CheckExact(left));
    EXIT_IF(!PyUnicode_CheckExact(right));
}

op(_BINARY_OP_ADD_UNICODE, (left, right -- res)) {
    res = PyUnicode_Concat(left, right);
    if (res == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

// oparg: Py_LT .. Py_GE (both operands exact str: the result is a bool).
op(_COMPARE_OP_STR, (left, right -- res)) {
    res = PyUnicode_RichCompare(left, right, oparg);
    if (res == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

// ---- unpacking ------------------------------------------------------------------------

op(_GUARD_TOS_TUPLE_LEN, (seq -- seq)) {
    EXIT_IF(!PyTuple_CheckExact(seq) || PyTuple_GET_SIZE(seq) != oparg);
}

op(_GUARD_TOS_LIST_LEN, (seq -- seq)) {
    EXIT_IF(!PyList_CheckExact(seq) || PyList_GET_SIZE(seq) != oparg);
}

// The first item ends on top (values[oparg - 1]).
op(_UNPACK_SEQUENCE_TWO_TUPLE, (seq -- values[oparg])) {
    for (int i = 0; i < oparg; i++) {
        values[oparg - 1 - i] = Py_NewRef(PyTuple_GET_ITEM(seq, i));
    }
    Py_DECREF(seq);
}

op(_UNPACK_SEQUENCE_TUPLE, (seq -- values[oparg])) {
    for (int i = 0; i < oparg; i++) {
        values[oparg - 1 - i] = Py_NewRef(PyTuple_GET_ITEM(seq, i));
    }
    Py_DECREF(seq);
}

op(_UNPACK_SEQUENCE_LIST, (seq -- values[oparg])) {
    for (int i = 0; i < oparg; i++) {
        values[oparg - 1 - i] = Py_NewRef(PyList_GET_ITEM(seq, i));
    }
    Py_DECREF(seq);
}

// ---- calls to common builtins -----------------------------------------------------------

// Either (NULL, <bound list.append>, arg) or (list.append descriptor, list, arg).
op(_GUARD_CALLABLE_LIST_APPEND, (first, second, unused -- first, second, unused)) {
    if (first == NULL) {
        EXIT_IF(!PyCFunction_CheckExact(second));
        PyObject *self = ((PyCFunctionObject *)second)->m_self;
        EXIT_IF(self == NULL || !PyList_CheckExact(self));
        EXIT_IF(strcmp(((PyCFunctionObject *)second)->m_ml->ml_name, "append") != 0);
    }
    else {
        EXIT_IF(Py_TYPE(first) != &PyMethodDescr_Type);
        PyMethodDescrObject *descr = (PyMethodDescrObject *)first;
        EXIT_IF(descr->d_common.d_type != &PyList_Type);
        EXIT_IF(strcmp(descr->d_method->ml_name, "append") != 0);
        EXIT_IF(!PyList_CheckExact(second));
    }
}

op(_CALL_LIST_APPEND, (first, second, arg -- res)) {
    PyObject *list = first == NULL ? ((PyCFunctionObject *)second)->m_self : second;
    if (PyList_Append(list, arg) < 0) {
        ERROR_NO_POP();
    }
    Py_XDECREF(first);
    Py_DECREF(second);
    Py_DECREF(arg);
    res = Py_NewRef(Py_None);
}

op(_GUARD_CALLABLE_LEN, (first, second, unused -- first, second, unused)) {
    EXIT_IF(first != NULL || !cpjit_is_builtin(second, "len"));
}

op(_CALL_LEN, (first, callable, arg -- res)) {
    Py_ssize_t length = PyObject_Length(arg);
    if (length < 0) {
        ERROR_NO_POP();
    }
    res = PyLong_FromSsize_t(length);
    if (res == NULL) {
        ERROR_NO_POP();
    }
    Py_XDECREF(first);
    Py_DECREF(callable);
    Py_DECREF(arg);
}

op(_GUARD_CALLABLE_ISINSTANCE, (first, second, unused, unused -- first, second, unused, unused)) {
    EXIT_IF(first != NULL || !cpjit_is_builtin(second, "isinstance"));
}

op(_CALL_ISINSTANCE, (first, callable, inst, cls -- res)) {
    int found = PyObject_IsInstance(inst, cls);
    if (found < 0) {
        ERROR_NO_POP();
    }
    Py_XDECREF(first);
    Py_DECREF(callable);
    Py_DECREF(inst);
    Py_DECREF(cls);
    res = CPJIT_NEWREF_BOOL(found);
}

// ---- returning into a caller the trace did not push ------------------------------

// Before a _RETURN_VALUE out of the frame a side trace started in: a side trace made
// for an exit inside an inlined call starts in the callee, and without this guard its
// projection must end at the callee's RETURN_VALUE (trace stack underflow), so every
// call then leaves machine code there.  With the projection seeded with the callers
// of the exit's frame (the tier-1 frames rebuilt at the exit), the trace returns into
// the caller it was projected for -- this uop checks that the frame below is that
// caller: its code (operand, borrowed from the executor) and the byte offset of its
// CALL (oparg; _SAVE_RETURN_OFFSET stored it in the caller's instr_offset).  It
// leaves by a side exit (at the RETURN_VALUE, which tier 1 or a side trace made for
// that context then runs) when the caller differs -- the same callee reached from
// another call site, a recursion at another depth -- and when this frame is the
// trampoline's entry frame (previous == NULL: the trace was entered from Python, so
// the caller is a tier-1 frame machine code cannot return into).
op(_GUARD_CALLER, (--)) {
    _cpjit_frame *caller = frame->previous;
    EXIT_IF(caller == NULL);
    EXIT_IF(caller->f_code != (PyObject *)CURRENT_OPERAND());
    EXIT_IF(caller->instr_offset != (int64_t)oparg);
}
