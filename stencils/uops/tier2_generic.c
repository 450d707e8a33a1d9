// tier2_generic.c -- the generic (unspecialized) tier-2 uops, one per 3.11
// instruction form that cpjit/uops/expansion.py's GENERIC table emits.
// Owner: the tier-2 stencils engineer (issue 4).  Please do not define these
// names elsewhere (a duplicate uop name fails at import).
// CPython counterpart: the generic instructions of Python/bytecodes.c / 3.11's
// ceval.c; the semantics (stack effect, exits, errors) follow the reference
// implementation in cpjit/uop_interpreter.py.
//
// Defines: _FOR_ITER_TIER_TWO _GET_ITER _GET_LEN
//   _LOAD_GLOBAL _STORE_GLOBAL _DELETE_GLOBAL _LOAD_NAME _STORE_NAME _DELETE_NAME
//   _LOAD_ATTR _LOAD_METHOD _STORE_ATTR _DELETE_ATTR
//   _BINARY_SUBSCR _STORE_SUBSCR _DELETE_SUBSCR
//   _CONTAINS_OP _IS_OP _UNARY_POSITIVE _UNARY_NEGATIVE _UNARY_INVERT _UNARY_NOT
//   _GUARD_IS_TRUE _GUARD_IS_FALSE
//   _BUILD_TUPLE _BUILD_LIST _BUILD_SET _BUILD_MAP _BUILD_CONST_KEY_MAP
//   _BUILD_STRING _BUILD_SLICE _LIST_TO_TUPLE _LIST_APPEND _SET_ADD _MAP_ADD
//   _UNPACK_SEQUENCE _UNPACK_EX _FORMAT_VALUE
//   _DELETE_FAST _LOAD_CLOSURE _LOAD_DEREF _STORE_DEREF _DELETE_DEREF
//   _COPY_FREE_VARS _MAKE_CELL _LOAD_ASSERTION_ERROR _MAKE_FUNCTION
//   _KW_NAMES _PRECALL _CALL
//   _TIER2_RESUME_CHECK _DYNAMIC_EXIT
//
// Error convention (see tier2_support.h): on failure the inputs stay on the
// stack and the _ERROR_POP_N stub releases them, so bodies use
// ERROR_NO_POP() before DECREF_INPUTS().

#include "tier2_support.h"

// ---- iteration ---------------------------------------------------------------

// 3.11 FOR_ITER: exhausted -> pop the iterator and leave past the loop (the
// jump target is an exit there); an error other than StopIteration raises
// with the iterator still on the stack.
op(_FOR_ITER_TIER_TWO, (iter -- iter, next)) {
    next = (*Py_TYPE(iter)->tp_iternext)(iter);
    if (next == NULL) {
        if (PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_StopIteration)) {
                ERROR_NO_POP();
            }
            PyErr_Clear();
        }
        Py_DECREF(iter);
        stack_pointer += -1;
        EXIT_IF(1);
    }
}

op(_GET_ITER, (iterable -- iter)) {
    iter = PyObject_GetIter(iterable);
    if (iter == NULL) {
        ERROR_NO_POP();
    }
    Py_DECREF(iterable);
}

op(_GET_LEN, (obj -- obj, len)) {
    Py_ssize_t n = PyObject_Length(obj);
    if (n < 0) {
        ERROR_NO_POP();
    }
    len = PyLong_FromSsize_t(n);
    if (len == NULL) {
        ERROR_NO_POP();
    }
}

// ---- globals and names ---------------------------------------------------------

// oparg >> 1 indexes co_names; oparg & 1 pushes a NULL below the value (3.11).
op(_LOAD_GLOBAL, (-- null if (oparg & 1), value)) {
    PyObject *name = CPJIT_NAME(oparg >> 1);
    PyObject *globals = frame->f_globals;
    PyObject *builtins = frame->f_builtins;
    value = cpjit_mapping_lookup(globals, name);
    if (value == NULL && !PyErr_Occurred()) {
        value = cpjit_mapping_lookup(builtins, name);
        if (value == NULL && !PyErr_Occurred()) {
            cpjit_format_exc_check_arg(PyExc_NameError, CPJIT_NAME_ERROR_MSG, name);
        }
    }
    if (value == NULL) {
        ERROR_NO_POP();
    }
    null = NULL;
}

op(_STORE_GLOBAL, (v --)) {
    if (PyDict_SetItem(frame->f_globals, CPJIT_NAME(oparg), v) < 0) {
        ERROR_NO_POP();
    }
    Py_DECREF(v);
}

op(_DELETE_GLOBAL, (--)) {
    PyObject *name = CPJIT_NAME(oparg);
    if (PyDict_DelItem(frame->f_globals, name) != 0) {
        if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            cpjit_format_exc_check_arg(PyExc_NameError, CPJIT_NAME_ERROR_MSG, name);
        }
        ERROR_NO_POP();
    }
}

op(_LOAD_NAME, (-- value)) {
    PyObject *name = CPJIT_NAME(oparg);
    PyObject *locals = frame->f_locals;
    if (locals == NULL || locals == Py_None) {
        PyErr_Format(PyExc_SystemError, "no locals when loading %R", name);
        ERROR_NO_POP();
    }
    value = cpjit_mapping_lookup(locals, name);
    if (value == NULL && !PyErr_Occurred()) {
        value = cpjit_mapping_lookup(frame->f_globals, name);
        if (value == NULL && !PyErr_Occurred()) {
            value = cpjit_mapping_lookup(frame->f_builtins, name);
            if (value == NULL && !PyErr_Occurred()) {
                cpjit_format_exc_check_arg(PyExc_NameError, CPJIT_NAME_ERROR_MSG, name);
            }
        }
    }
    if (value == NULL) {
        ERROR_NO_POP();
    }
}

op(_STORE_NAME, (v --)) {
    PyObject *name = CPJIT_NAME(oparg);
    PyObject *locals = frame->f_locals;
    if (locals == NULL || locals == Py_None) {
        PyErr_Format(PyExc_SystemError, "no locals found when storing %R", name);
        ERROR_NO_POP();
    }
    int err = PyDict_CheckExact(locals) ? PyDict_SetItem(locals, name, v)
                                        : PyObject_SetItem(locals, name, v);
    if (err != 0) {
        ERROR_NO_POP();
    }
    Py_DECREF(v);
}

op(_DELETE_NAME, (--)) {
    PyObject *name = CPJIT_NAME(oparg);
    PyObject *locals = frame->f_locals;
    if (locals == NULL || locals == Py_None) {
        PyErr_Format(PyExc_SystemError, "no locals when deleting %R", name);
        ERROR_NO_POP();
    }
    if (PyObject_DelItem(locals, name) != 0) {
        cpjit_format_exc_check_arg(PyExc_NameError, CPJIT_NAME_ERROR_MSG, name);
        ERROR_NO_POP();
    }
}

// ---- attributes ----------------------------------------------------------------

op(_LOAD_ATTR, (owner -- attr)) {
    attr = PyObject_GetAttr(owner, CPJIT_NAME(oparg));
    if (attr == NULL) {
        ERROR_NO_POP();
    }
    Py_DECREF(owner);
}

// 3.11 LOAD_METHOD: (method, self) when the attribute is a plain method found
// on the type, else (NULL, attribute).
op(_LOAD_METHOD, (owner -- first, second)) {
    PyObject *meth = NULL;
    int found = _PyObject_GetMethod(owner, CPJIT_NAME(oparg), &meth);
    if (meth == NULL) {
        ERROR_NO_POP();
    }
    if (found) {
        first = meth;
        second = owner;          // the reference moves from the input slot
    }
    else {
        Py_DECREF(owner);
        first = NULL;
        second = meth;
    }
}

op(_STORE_ATTR, (v, owner --)) {
    if (PyObject_SetAttr(owner, CPJIT_NAME(oparg), v) != 0) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

op(_DELETE_ATTR, (owner --)) {
    if (PyObject_SetAttr(owner, CPJIT_NAME(oparg), NULL) != 0) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

// ---- subscripts --------------------------------------------------------------------

op(_BINARY_SUBSCR, (container, sub -- res)) {
    res = PyObject_GetItem(container, sub);
    if (res == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

op(_STORE_SUBSCR, (v, container, sub --)) {
    if (PyObject_SetItem(container, sub, v) != 0) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

op(_DELETE_SUBSCR, (container, sub --)) {
    if (PyObject_DelItem(container, sub) != 0) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

// ---- operators -------------------------------------------------------------------

// oparg 1 is `not in`.
op(_CONTAINS_OP, (left, right -- res)) {
    int found = PySequence_Contains(right, left);
    if (found < 0) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
    res = CPJIT_NEWREF_BOOL(found ^ oparg);
}

// oparg 1 is `is not`.
op(_IS_OP, (left, right -- res)) {
    int same = (left == right) ^ oparg;
    DECREF_INPUTS();
    res = CPJIT_NEWREF_BOOL(same);
}

op(_UNARY_POSITIVE, (value -- res)) {
    res = PyNumber_Positive(value);
    if (res == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

op(_UNARY_NEGATIVE, (value -- res)) {
    res = PyNumber_Negative(value);
    if (res == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

op(_UNARY_INVERT, (value -- res)) {
    res = PyNumber_Invert(value);
    if (res == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

op(_UNARY_NOT, (value -- res)) {
    int truth = PyObject_IsTrue(value);
    if (truth < 0) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
    res = CPJIT_NEWREF_BOOL(!truth);
}

// JUMP_IF_{TRUE,FALSE}_OR_POP: the value stays; the deopt re-runs the jump in
// tier 1 when the truth is not the projected one.
op(_GUARD_IS_TRUE, (value -- value)) {
    int truth = PyObject_IsTrue(value);
    if (truth < 0) {
        ERROR_NO_POP();
    }
    DEOPT_IF(!truth);
}

op(_GUARD_IS_FALSE, (value -- value)) {
    int truth = PyObject_IsTrue(value);
    if (truth < 0) {
        ERROR_NO_POP();
    }
    DEOPT_IF(truth);
}

// ---- building containers ------------------------------------------------------------

op(_BUILD_TUPLE, (values[oparg] -- tup)) {
    tup = PyTuple_New(oparg);
    if (tup == NULL) {
        ERROR_NO_POP();
    }
    for (int i = 0; i < oparg; i++) {
        PyTuple_SET_ITEM(tup, i, values[i]);    // references move into the tuple
    }
}

op(_BUILD_LIST, (values[oparg] -- list)) {
    list = PyList_New(oparg);
    if (list == NULL) {
        ERROR_NO_POP();
    }
    for (int i = 0; i < oparg; i++) {
        PyList_SET_ITEM(list, i, values[i]);
    }
}

// As 3.11: after a failed add the remaining items are only released.
op(_BUILD_SET, (values[oparg] -- set)) {
    set = PySet_New(NULL);
    if (set == NULL) {
        ERROR_NO_POP();
    }
    int err = 0;
    for (int i = 0; i < oparg; i++) {
        if (err == 0) {
            err = PySet_Add(set, values[i]);
        }
    }
    if (err != 0) {
        Py_DECREF(set);
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

op(_BUILD_MAP, (values[oparg*2] -- map)) {
    map = PyDict_New();
    if (map == NULL) {
        ERROR_NO_POP();
    }
    for (int i = 0; i < oparg; i++) {
        if (PyDict_SetItem(map, values[2 * i], values[2 * i + 1]) < 0) {
            Py_DECREF(map);
            ERROR_NO_POP();
        }
    }
    DECREF_INPUTS();
}

op(_BUILD_CONST_KEY_MAP, (values[oparg], keys -- map)) {
    if (!PyTuple_CheckExact(keys) || PyTuple_GET_SIZE(keys) != (Py_ssize_t)oparg) {
        PyErr_SetString(PyExc_SystemError, "bad BUILD_CONST_KEY_MAP keys argument");
        ERROR_NO_POP();
    }
    map = PyDict_New();
    if (map == NULL) {
        ERROR_NO_POP();
    }
    for (int i = 0; i < oparg; i++) {
        if (PyDict_SetItem(map, PyTuple_GET_ITEM(keys, i), values[i]) < 0) {
            Py_DECREF(map);
            ERROR_NO_POP();
        }
    }
    DECREF_INPUTS();
}

op(_BUILD_STRING, (pieces[oparg] -- str)) {
    PyObject *empty = PyUnicode_New(0, 0);
    if (empty == NULL) {
        ERROR_NO_POP();
    }
    str = _PyUnicode_JoinArray(empty, pieces, oparg);
    Py_DECREF(empty);
    if (str == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

op(_BUILD_SLICE, (start, stop, step if (oparg == 3) -- slice)) {
    slice = PySlice_New(start, stop, step);
    if (slice == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

op(_LIST_TO_TUPLE, (list -- tuple)) {
    tuple = PyList_AsTuple(list);
    if (tuple == NULL) {
        ERROR_NO_POP();
    }
    DECREF_INPUTS();
}

// The list is oparg items below the value (the comprehension's list).
op(_LIST_APPEND, (list, unused[oparg-1], v -- list, unused[oparg-1])) {
    if (PyList_Append(list, v) < 0) {
        ERROR_NO_POP();
    }
    Py_DECREF(v);
}

op(_SET_ADD, (set, unused[oparg-1], v -- set, unused[oparg-1])) {
    if (PySet_Add(set, v) < 0) {
        ERROR_NO_POP();
    }
    Py_DECREF(v);
}

op(_MAP_ADD, (map, unused[oparg-1], key, value -- map, unused[oparg-1])) {
    if (PyDict_SetItem(map, key, value) < 0) {
        ERROR_NO_POP();
    }
    Py_DECREF(key);
    Py_DECREF(value);
}

// ---- unpacking ----------------------------------------------------------------------

// values[0] is the slot of seq: the last item goes there, the first on top.
op(_UNPACK_SEQUENCE, (seq -- values[oparg])) {
    PyObject **top = values + oparg;
    if ((PyTuple_CheckExact(seq) && PyTuple_GET_SIZE(seq) == oparg)
            || (PyList_CheckExact(seq) && PyList_GET_SIZE(seq) == oparg)) {
        PyObject **items = PyTuple_CheckExact(seq) ? ((PyTupleObject *)seq)->ob_item
                                                   : ((PyListObject *)seq)->ob_item;
        for (int i = 0; i < oparg; i++) {
            top[-1 - i] = Py_NewRef(items[i]);
        }
    }
    else if (cpjit_unpack_iterable(seq, oparg, -1, top) < 0) {
        values[0] = seq;           // the slot the inputs occupied, as it was
        ERROR_NO_POP();
    }
    Py_DECREF(seq);
}

// oparg & 0xFF items before the starred list, oparg >> 8 after it.
op(_UNPACK_EX, (seq -- values[(oparg & 255) + (oparg >> 8) + 1])) {
    int before = oparg & 0xFF;
    int after = oparg >> 8;
    if (cpjit_unpack_iterable(seq, before, after, values + before + after + 1) < 0) {
        values[0] = seq;
        ERROR_NO_POP();
    }
    Py_DECREF(seq);
}

// ---- strings ------------------------------------------------------------------------

// oparg & 3: conversion (1 str, 2 repr, 3 ascii); oparg & 4: a format spec on top.
op(_FORMAT_VALUE, (value, spec if ((oparg & 4) == 4) -- result)) {
    PyObject *converted = value;
    Py_INCREF(converted);
    switch (oparg & 3) {
        case 1: Py_SETREF(converted, PyObject_Str(converted)); break;
        case 2: Py_SETREF(converted, PyObject_Repr(converted)); break;
        case 3: Py_SETREF(converted, PyObject_ASCII(converted)); break;
        default: break;
    }
    if (converted == NULL) {
        ERROR_NO_POP();
    }
    if (spec == NULL && PyUnicode_CheckExact(converted)) {
        result = converted;
    }
    else {
        result = PyObject_Format(converted, spec);
        Py_DECREF(converted);
        if (result == NULL) {
            ERROR_NO_POP();
        }
    }
    DECREF_INPUTS();
}

// ---- locals and cells ---------------------------------------------------------------

op(_DELETE_FAST, (--)) {
    PyObject *value = GETLOCAL(oparg);
    if (value == NULL) {
        cpjit_format_exc_check_arg(
            PyExc_UnboundLocalError, CPJIT_UNBOUNDLOCAL_ERROR_MSG,
            PyTuple_GET_ITEM(CPJIT_CODE()->co_localsplusnames, oparg));
        ERROR_NO_POP();
    }
    SETLOCAL(oparg, NULL);
}

op(_LOAD_CLOSURE, (-- cell)) {
    cell = GETLOCAL(oparg);
    Py_INCREF(cell);
}

op(_LOAD_DEREF, (-- value)) {
    value = PyCell_GET(GETLOCAL(oparg));
    if (value == NULL) {
        cpjit_format_exc_unbound(CPJIT_CODE(), oparg);
        ERROR_NO_POP();
    }
    Py_INCREF(value);
}

op(_STORE_DEREF, (v --)) {
    PyObject *cell = GETLOCAL(oparg);
    PyObject *old = PyCell_GET(cell);
    PyCell_SET(cell, v);
    Py_XDECREF(old);
}

op(_DELETE_DEREF, (--)) {
    PyObject *cell = GETLOCAL(oparg);
    PyObject *old = PyCell_GET(cell);
    if (old == NULL) {
        cpjit_format_exc_unbound(CPJIT_CODE(), oparg);
        ERROR_NO_POP();
    }
    PyCell_SET(cell, NULL);
    Py_DECREF(old);
}

// The function's closure cells go to the last oparg slots of localsplus.
op(_COPY_FREE_VARS, (--)) {
    PyObject *closure = ((PyFunctionObject *)frame->f_func)->func_closure;
    int64_t base = frame->nlocalsplus - oparg;
    for (int i = 0; i < oparg; i++) {
        SETLOCAL(base + i, Py_NewRef(PyTuple_GET_ITEM(closure, i)));
    }
}

// A cell for local `oparg`, holding its value (an unbound local: an empty cell).
op(_MAKE_CELL, (--)) {
    PyObject *cell = PyCell_New(GETLOCAL(oparg));
    if (cell == NULL) {
        ERROR_NO_POP();
    }
    SETLOCAL(oparg, cell);
}

op(_LOAD_ASSERTION_ERROR, (-- value)) {
    value = Py_NewRef(PyExc_AssertionError);
}

// 3.11 MAKE_FUNCTION: flags 8 closure, 4 annotations (a tuple), 2 kwdefaults,
// 1 defaults, each popped from the stack below the code object.
op(_MAKE_FUNCTION, (defaults if (oparg & 1), kwdefaults if (oparg & 2),
                    annotations if (oparg & 4), closure if (oparg & 8), codeobj -- func)) {
    PyFunctionObject *fn = (PyFunctionObject *)PyFunction_New(codeobj, frame->f_globals);
    if (fn == NULL) {
        ERROR_NO_POP();
    }
    // The references move from the stack into the function.
    if (oparg & 8) { fn->func_closure = closure; }
    if (oparg & 4) { fn->func_annotations = annotations; }
    if (oparg & 2) { fn->func_kwdefaults = kwdefaults; }
    if (oparg & 1) { fn->func_defaults = defaults; }
    Py_DECREF(codeobj);
    func = (PyObject *)fn;
}

// ---- calls ----------------------------------------------------------------------------

// The names of the keyword arguments of the next CALL (a co_consts tuple).
op(_KW_NAMES, (--)) {
    CPJIT_KWNAMES = CPJIT_CONST(oparg);
}

// 3.11 PRECALL: (NULL, bound method) becomes (function, self).
op(_PRECALL, (--)) {
    PyObject **slots = stack_pointer - oparg - 2;
    PyObject *bound = slots[1];
    if (slots[0] == NULL && Py_TYPE(bound) == &PyMethod_Type) {
        slots[0] = Py_NewRef(PyMethod_GET_FUNCTION(bound));
        slots[1] = Py_NewRef(PyMethod_GET_SELF(bound));
        Py_DECREF(bound);
    }
}

// 3.11 CALL, generic: anything callable (a Python function runs natively), but
// cpjit's own functions and builtins that read their caller's frame deopt (tier 1
// answers those).  Stack: (NULL, callable, args) or (callable, self, args).
op(_CALL, (first, second, args[oparg] -- res)) {
    PyObject *callable = first == NULL ? second : first;
    PyObject **argv = first == NULL ? args : args - 1;
    Py_ssize_t nargs = oparg + (first != NULL);
    // A Python function is called natively here, as tier 1 calls the functions its
    // policy leaves native; cpjit's own (the frame hooks installed as sys._getframe &
    // co.) must run from tier 1, which knows the guest's frames.
    DEOPT_IF(Py_TYPE(callable) == &PyFunction_Type &&
             cpjit_is_own_function((PyFunctionObject *)callable));
    DEOPT_IF(cpjit_needs_tier1_call(callable, nargs));
    PyObject *kwnames = CPJIT_KWNAMES;
    CPJIT_KWNAMES = NULL;
    Py_ssize_t positional = nargs - (kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames));
    res = PyObject_Vectorcall(callable, argv, positional | PY_VECTORCALL_ARGUMENTS_OFFSET,
                              kwnames);
    if (res == NULL) {
        ERROR_NO_POP();
    }
    Py_XDECREF(first);
    Py_DECREF(second);
    for (int i = 0; i < oparg; i++) {
        Py_DECREF(args[i]);
    }
}

// ---- trace plumbing -------------------------------------------------------------------

// As CPython's, it also deopts when the eval breaker is set: a recursion that
// machine code follows through linked traces (a recursive call's _EXIT_TRACE
// linked back to the callee's trace) passes no _CHECK_PERIODIC, so the check at
// each function entry is what lets Ctrl-C and other threads in.
op(_TIER2_RESUME_CHECK, (--)) {
    DEOPT_IF(!CURRENT_EXECUTOR()->valid);
    DEOPT_IF(*(volatile int *)state->eval_breaker);
}

// Leave for tier 1 wherever the current frame is (after a _PUSH_FRAME: the
// callee's first instruction), with no fixed target: the JIT engine then looks
// for a trace at that place (cpjit/optimizer.py, dynamic_exit_executor).
op(_DYNAMIC_EXIT, (--)) {
    CPJIT_EXIT_TO_TIER1(CPJIT_EXIT_DYNAMIC, frame->instr_offset, CURRENT_EXIT_INDEX());
}
