// tier2_call_checks.c -- calls of builtins that CPython 3.11 makes without a
// recursion check (issue 4: machine code counts recursion as CPython does).
// CPython counterpart: the check-free specialized PRECALL forms of 3.11's
// ceval.c (PRECALL_NO_KW_BUILTIN_FAST, PRECALL_BUILTIN_FAST_WITH_KEYWORDS,
// PRECALL_NO_KW_STR_1, PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST, ...): they call
// the C function directly, where the generic path (PyObject_Vectorcall, whose
// vectorcall wrapper or _PyObject_MakeTpCall checks the limit) takes one
// recursion level more.  The reference bodies and the projection's choice
// (from tier 1's emulation of 3.11's PRECALL caches) are in
// cpjit/uops/call_checks.py.
//
// Defines: _GUARD_CALLABLE_IS _GUARD_CALLABLE_METHOD _CALL_CHECK_FREE
//
// Stack as the generic _CALL's: (NULL, callable, args) or (callable, self, args).

#include "tier2_support.h"

// The callable is the one the site's specialized form was made for (operand:
// that object, borrowed from the executor).
op(_GUARD_CALLABLE_IS, (first, second, unused[oparg] -- first, second, unused[oparg])) {
    EXIT_IF(first != NULL || second != (PyObject *)CURRENT_OPERAND());
}

// A method of a builtin type, from LOAD_METHOD (the descriptor and self) or bound
// (a builtin method object): operand is the method descriptor; self's type must be
// exactly the descriptor's class, as 3.11's method-descriptor forms require.
op(_GUARD_CALLABLE_METHOD, (first, second, unused[oparg] -- first, second, unused[oparg])) {
    PyMethodDescrObject *descr = (PyMethodDescrObject *)CURRENT_OPERAND();
    if (first != NULL) {
        EXIT_IF(first != (PyObject *)descr);
        EXIT_IF(Py_TYPE(second) != descr->d_common.d_type);
    }
    else {
        EXIT_IF(!PyCFunction_CheckExact(second));
        PyCFunctionObject *method = (PyCFunctionObject *)second;
        EXIT_IF(method->m_ml != descr->d_method);
        EXIT_IF(method->m_self == NULL ||
                Py_TYPE(method->m_self) != descr->d_common.d_type);
    }
}

// _CALL without the generic path's recursion check: the level it takes is given
// back for the duration of the call, so the callee sees the count CPython's
// specialized form gives it.
op(_CALL_CHECK_FREE, (first, second, args[oparg] -- res)) {
    PyObject *callable = first == NULL ? second : first;
    PyObject **argv = first == NULL ? args : args - 1;
    Py_ssize_t nargs = oparg + (first != NULL);
    DEOPT_IF(cpjit_needs_tier1_call(callable, nargs));     // vars(), dir(): as _CALL
    PyObject *kwnames = CPJIT_KWNAMES;
    CPJIT_KWNAMES = NULL;
    Py_ssize_t positional = nargs - (kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames));
    PyThreadState *tstate = PyThreadState_GET();
    tstate->recursion_remaining++;
    res = PyObject_Vectorcall(callable, argv, positional | PY_VECTORCALL_ARGUMENTS_OFFSET,
                              kwnames);
    tstate->recursion_remaining--;
    if (res == NULL) {
        ERROR_NO_POP();
    }
    Py_XDECREF(first);
    Py_DECREF(second);
    for (int i = 0; i < oparg; i++) {
        Py_DECREF(args[i]);
    }
}
