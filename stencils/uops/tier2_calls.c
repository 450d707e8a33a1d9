// tier2_calls.c -- the uops that inline a call to a Python function in machine
// code: CALL_PY_EXACT_ARGS and RETURN_VALUE of cpjit/uops/expansion.py.
// CPython counterpart: _CHECK_FUNCTION_EXACT_ARGS .. _PUSH_FRAME and
// _RETURN_VALUE in Python/bytecodes.c; the semantics follow
// cpjit/uop_interpreter.py (the reference).
//
// Defines: _CHECK_FUNCTION_EXACT_ARGS _CHECK_FUNCTION_DEFAULTS_ARGS
//   _CHECK_FUNCTION_GENERAL _CHECK_PY_FUNCTION_EXACT_ARGS _CHECK_STACK_SPACE
//   _INIT_CALL_PY_EXACT_ARGS _INIT_CALL_PY_GENERAL _SAVE_RETURN_OFFSET _PUSH_FRAME
//   _RETURN_VALUE
//
// Frames: _INIT_CALL_PY_EXACT_ARGS allocates a _cpjit_frame (PyMem_Malloc) that
// owns its references (owns_refs = 1) and keeps it in state->reserved[1] until
// _PUSH_FRAME links it (previous = caller, caller->stacktop = caller's depth) and
// continues in it.  _RETURN_VALUE releases it.  An exit inside such a frame hands
// the chain to Python (cpjit/jit_frames.py), which rebuilds tier-1 frames.

#include "tier2_support.h"

// The function the trace was projected through (operand: a (function, code)
// tuple the executor keeps alive), with the same code object, called with
// exactly co_argcount positional arguments and no keyword names.
op(_CHECK_FUNCTION_EXACT_ARGS, (first, second, args[oparg] -- first, second, args[oparg])) {
    PyObject *expected = CURRENT_OPERAND() ? PyTuple_GET_ITEM((PyObject *)CURRENT_OPERAND(), 0) : NULL;
    PyObject *expected_code = CURRENT_OPERAND() ? PyTuple_GET_ITEM((PyObject *)CURRENT_OPERAND(), 1) : NULL;
    PyObject *callee = first == NULL ? second : first;
    int argc = oparg + (first != NULL);
    EXIT_IF(callee != expected);
    EXIT_IF(!PyFunction_Check(callee));
    EXIT_IF(((PyFunctionObject *)callee)->func_code != expected_code);
    EXIT_IF(((PyCodeObject *)expected_code)->co_argcount != argc);
    EXIT_IF(CPJIT_KWNAMES != NULL);
}

// CALL_PY_WITH_DEFAULTS: the profiled function (operand: (function, code)) with
// the same code object, called with co_argcount - len(__defaults__) ..
// co_argcount positional arguments and no keyword names.  The defaults are read
// again when the frame is made (_INIT_CALL_PY_EXACT_ARGS), as 3.11 does.
op(_CHECK_FUNCTION_DEFAULTS_ARGS, (first, second, args[oparg] -- first, second, args[oparg])) {
    PyObject *expected = PyTuple_GET_ITEM((PyObject *)CURRENT_OPERAND(), 0);
    PyObject *expected_code = PyTuple_GET_ITEM((PyObject *)CURRENT_OPERAND(), 1);
    PyObject *callee = first == NULL ? second : first;
    int argc = oparg + (first != NULL);
    EXIT_IF(callee != expected);
    EXIT_IF(((PyFunctionObject *)callee)->func_code != expected_code);
    EXIT_IF(CPJIT_KWNAMES != NULL);
    PyObject *defaults = ((PyFunctionObject *)callee)->func_defaults;
    int ndefaults = defaults == NULL ? 0 : (int)PyTuple_GET_SIZE(defaults);
    int argcount = ((PyCodeObject *)expected_code)->co_argcount;
    EXIT_IF(argc > argcount);
    EXIT_IF(argc < argcount - ndefaults);
}

// Any other call of the profiled function (keyword arguments, keyword-only
// parameters): the function and its code; _INIT_CALL_PY_GENERAL binds the
// arguments (and deopts where binding would fail, for tier 1 to raise).
op(_CHECK_FUNCTION_GENERAL, (first, second, args[oparg] -- first, second, args[oparg])) {
    PyObject *expected = PyTuple_GET_ITEM((PyObject *)CURRENT_OPERAND(), 0);
    PyObject *expected_code = PyTuple_GET_ITEM((PyObject *)CURRENT_OPERAND(), 1);
    PyObject *callee = first == NULL ? second : first;
    EXIT_IF(callee != expected);
    EXIT_IF(((PyFunctionObject *)callee)->func_code != expected_code);
}

// A frame push whose callee the trace does not know (it ends in _DYNAMIC_EXIT):
// any Python function tier 1 can run in a frame of its own with exactly these
// positional arguments -- no *args, **kwargs or keyword-only parameters, no
// generator or coroutine (cpjit runs those natively), no keyword names.
op(_CHECK_PY_FUNCTION_EXACT_ARGS, (first, second, args[oparg] -- first, second, args[oparg])) {
    PyObject *callee = first == NULL ? second : first;
    int argc = oparg + (first != NULL);
    EXIT_IF(!PyFunction_Check(callee));
    PyCodeObject *code = (PyCodeObject *)((PyFunctionObject *)callee)->func_code;
    // With a code object as operand, only that code (the trace inlined it).  The
    // operand is the address of a hole symbol, which the compiler takes for never
    // NULL: the empty asm hides that, so the test against 0 is really made.
    uintptr_t only_code = CURRENT_OPERAND();
    __asm__("" : "+r"(only_code));
    EXIT_IF(only_code != 0 && (uintptr_t)code != only_code);
    EXIT_IF(code->co_argcount != argc);
    EXIT_IF(code->co_kwonlyargcount != 0);
    EXIT_IF(code->co_flags & (CO_VARARGS | CO_VARKEYWORDS | CO_GENERATOR | CO_COROUTINE |
                              CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR));
    EXIT_IF(CPJIT_KWNAMES != NULL);
}

// Deopt when the call would come within 60 frames of the recursion limit (the
// reference's headroom): tier 1 then makes the call and raises RecursionError
// exactly where CPython does.  Machine code runs at CPython's count: the JIT engine
// adds 50 to recursion_remaining for its own host calls (_JIT_RECURSION_HEADROOM in
// cpjit/optimizer.py) and takes it back around the trampoline call (cpjit/jit.py,
// _native_recursion_debt), and each frame pushed in machine code takes its level
// (_PUSH_FRAME).
op(_CHECK_STACK_SPACE, (--)) {
    DEOPT_IF(PyThreadState_GET()->recursion_remaining <= 60);
}

// The callee's frame: locals = the arguments (references moved off the stack),
// the rest unbound; f_func takes the callable's reference.
op(_INIT_CALL_PY_EXACT_ARGS, (first, second, args[oparg] --)) {
    PyObject *callee = first == NULL ? second : first;
    PyObject **argv = first == NULL ? args : args - 1;
    int argc = oparg + (first != NULL);
    PyCodeObject *code = (PyCodeObject *)((PyFunctionObject *)callee)->func_code;
    int64_t nlocalsplus = code->co_nlocalsplus;
    int64_t capacity = code->co_stacksize;
    _cpjit_frame *callee_frame = PyMem_Malloc(
        sizeof(_cpjit_frame) + (size_t)(nlocalsplus + capacity) * sizeof(PyObject *));
    if (callee_frame == NULL) {
        // Nothing moved yet: the call is left to tier 1 (which reports the error).
        DEOPT_IF(1);
    }
    cpjit_init_callee_frame(callee_frame, (PyFunctionObject *)callee, nlocalsplus, capacity);
    for (int i = 0; i < argc; i++) {
        callee_frame->localsplus[i] = argv[i];
    }
    // CALL_PY_WITH_DEFAULTS (its guard checked the count): the last defaults fill the
    // parameters left.  An exact-args call has none left.
    int missing = code->co_argcount - argc;
    if (missing > 0) {
        PyObject *defaults = ((PyFunctionObject *)callee)->func_defaults;
        Py_ssize_t first_default = PyTuple_GET_SIZE(defaults) - missing;
        for (int i = 0; i < missing; i++) {
            callee_frame->localsplus[argc + i] =
                Py_NewRef(PyTuple_GET_ITEM(defaults, first_default + i));
        }
        argc += missing;
    }
    for (int64_t i = argc; i < nlocalsplus; i++) {
        callee_frame->localsplus[i] = NULL;
    }
    // first is NULL in the plain-function form; in the (function, self) form it
    // is the callee itself, whose reference f_func took.
    (*(_cpjit_frame **)&state->reserved[1]) = callee_frame;
}

// The callee's frame for any call of a function without *args or **kwargs
// (3.11's initialize_locals, the error cases left to tier 1): positional
// arguments, then the keyword arguments (CPJIT_KWNAMES) by parameter name, then
// __defaults__ and __kwdefaults__ for what is left.  Nothing is moved until the
// binding is known to succeed: a failure frees the frame and deopts, with the
// stack intact, so tier 1 makes the call and raises CPython's TypeError.
op(_INIT_CALL_PY_GENERAL, (first, second, args[oparg] --)) {
    PyObject *callee = first == NULL ? second : first;
    PyFunctionObject *func = (PyFunctionObject *)callee;
    PyObject **argv = first == NULL ? args : args - 1;
    int nargs = oparg + (first != NULL);
    PyCodeObject *code = (PyCodeObject *)func->func_code;
    PyObject *kwnames = CPJIT_KWNAMES;
    int nkw = kwnames == NULL ? 0 : (int)PyTuple_GET_SIZE(kwnames);
    int npos = nargs - nkw;
    int argcount = code->co_argcount;
    int total = argcount + code->co_kwonlyargcount;
    int64_t nlocalsplus = code->co_nlocalsplus;
    int64_t capacity = code->co_stacksize;
    DEOPT_IF(code->co_flags & (CO_VARARGS | CO_VARKEYWORDS));
    DEOPT_IF(npos > argcount);
    _cpjit_frame *callee_frame = PyMem_Malloc(
        sizeof(_cpjit_frame) + (size_t)(nlocalsplus + capacity) * sizeof(PyObject *));
    DEOPT_IF(callee_frame == NULL);
    PyObject **slots = callee_frame->localsplus;
    for (int64_t i = 0; i < nlocalsplus; i++) {
        slots[i] = NULL;
    }
    int ok = 1;
    for (int i = 0; i < npos; i++) {
        slots[i] = argv[i];
    }
    for (int k = 0; k < nkw && ok; k++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, k);
        int found = -1;
        for (int i = code->co_posonlyargcount; i < total; i++) {
            PyObject *param = PyTuple_GET_ITEM(code->co_localsplusnames, i);
            if (param == name || (PyUnicode_CheckExact(param) && PyUnicode_CheckExact(name)
                                  && PyUnicode_Compare(param, name) == 0)) {
                found = i;
                break;
            }
        }
        if (found < 0 || slots[found] != NULL) {
            ok = 0;
        }
        else {
            slots[found] = argv[npos + k];
        }
    }
    PyObject *defaults = func->func_defaults;
    int ndefaults = defaults == NULL ? 0 : (int)PyTuple_GET_SIZE(defaults);
    for (int i = npos; i < argcount && ok; i++) {
        if (slots[i] == NULL && i < argcount - ndefaults) {
            ok = 0;
        }
    }
    PyObject *kwdefaults = func->func_kwdefaults;
    for (int i = argcount; i < total && ok; i++) {
        if (slots[i] == NULL) {
            PyObject *value = kwdefaults == NULL ? NULL : PyDict_GetItemWithError(
                kwdefaults, PyTuple_GET_ITEM(code->co_localsplusnames, i));
            if (value == NULL) {
                PyErr_Clear();
                ok = 0;
            }
        }
    }
    if (!ok) {
        PyMem_Free(callee_frame);
        DEOPT_IF(1);
    }
    // Committed: the stack's references move into the frame, defaults are new ones.
    for (int i = npos; i < argcount; i++) {
        if (slots[i] == NULL) {
            slots[i] = Py_NewRef(PyTuple_GET_ITEM(defaults, i - (argcount - ndefaults)));
        }
    }
    for (int i = argcount; i < total; i++) {
        if (slots[i] == NULL) {
            slots[i] = Py_NewRef(PyDict_GetItem(
                kwdefaults, PyTuple_GET_ITEM(code->co_localsplusnames, i)));
        }
    }
    CPJIT_KWNAMES = NULL;
    cpjit_init_callee_frame(callee_frame, func, nlocalsplus, capacity);
    (*(_cpjit_frame **)&state->reserved[1]) = callee_frame;
}

// oparg: the code unit the caller resumes at (tier 1's Frame.ip); target: the
// CALL's byte offset (Frame.lasti).  Kept in the callee for Python's rebuild.
op(_SAVE_RETURN_OFFSET, (--)) {
    _cpjit_frame *callee_frame = (*(_cpjit_frame **)&state->reserved[1]);
    callee_frame->caller_ip = oparg;
    callee_frame->caller_lasti = CURRENT_TARGET();
    frame->instr_offset = CURRENT_TARGET();
}

// Continue in the callee: the caller's depth is saved (as _PyFrame_SetStackPointer).
op(_PUSH_FRAME, (--)) {
    _cpjit_frame *callee_frame = (*(_cpjit_frame **)&state->reserved[1]);
    (*(_cpjit_frame **)&state->reserved[1]) = NULL;
    frame->stacktop = STACK_LEVEL();
    callee_frame->previous = frame;
    frame = callee_frame;
    state->current_frame = frame;      // for introspection (cpjit.jit.live_inlined_frames)
    stack_pointer = STACK_BASE();
    // One level, as 3.11's frame push: what the callee calls natively sees CPython's
    // count (_CHECK_STACK_SPACE has made sure there is room).  Given back by
    // _RETURN_VALUE, or by the trampoline when an exit hands the frame to tier 1.
    PyThreadState_GET()->recursion_remaining--;
}

// Pop the callee's frame (its references released, locals first as
// _PyFrame_Clear does) and push the result in the caller.
op(_RETURN_VALUE, (--)) {
    PyObject *retval = stack_pointer[-1];
    _cpjit_frame *callee_frame = frame;
    PyObject **callee_base = STACK_BASE();
    int64_t leftover = (stack_pointer - 1) - callee_base;
    frame = callee_frame->previous;
    state->current_frame = frame;      // before the releases below (a __del__ may look)
    PyThreadState_GET()->recursion_remaining++;      // the level _PUSH_FRAME took
    stack_pointer = STACK_BASE() + frame->stacktop;
    stack_pointer[0] = retval;
    stack_pointer++;
    for (int64_t i = 0; i < leftover; i++) {
        Py_XDECREF(callee_base[i]);
    }
    for (int64_t i = 0; i < callee_frame->nlocalsplus; i++) {
        Py_XDECREF(callee_frame->localsplus[i]);
    }
    Py_XDECREF(callee_frame->f_locals);
    Py_DECREF(callee_frame->f_func);
    Py_DECREF(callee_frame->f_builtins);
    Py_DECREF(callee_frame->f_globals);
    Py_DECREF(callee_frame->f_code);
    PyMem_Free(callee_frame);
}
