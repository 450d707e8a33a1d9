/* tier2_support.h -- helpers for the tier-2 uops of tier2_*.c (issue 4 stencils).
 *
 * Included (through the #include line of tier2_generic.c) in every stencil
 * after Python.h, cpjit.h and cpjit_uop_support.h.  Everything here is
 * static inline: a stencil only carries what its body uses.
 *
 * Error convention shared with cpjit/uop_interpreter.py (the spec) and
 * cpjit/optimizer.py's prepare_for_execution: a uop that fails leaves ALL
 * its inputs on the stack (alive) and jumps to its error target; the
 * _ERROR_POP_N stub there pops and releases exactly the uop's inputs
 * (oparg = num_popped of the reference uop).  So the bodies here fail with
 * ERROR_NO_POP() before DECREF_INPUTS(), never with a popping ERROR_IF.
 */
#ifndef CPJIT_TIER2_SUPPORT_H
#define CPJIT_TIER2_SUPPORT_H

#include <string.h>

/* The code object of the frame the uop runs on (entry or inlined frame). */
#define CPJIT_CODE()       ((PyCodeObject *)frame->f_code)
#define CPJIT_NAME(i)      PyTuple_GET_ITEM(CPJIT_CODE()->co_names, (i))
#define CPJIT_CONST(i)     PyTuple_GET_ITEM(CPJIT_CODE()->co_consts, (i))

/* KW_NAMES -> CALL: the keyword-name tuple (borrowed from co_consts) lives in
 * a scratch slot of the state; _START_EXECUTOR clears it on every entry. */
#define CPJIT_KWNAMES      (*(PyObject **)&state->reserved[0])

/* Messages of Python/ceval.c (3.11). */
#define CPJIT_NAME_ERROR_MSG "name '%.200s' is not defined"
#define CPJIT_UNBOUNDLOCAL_ERROR_MSG \
    "cannot access local variable '%s' where it is not associated with a value"
#define CPJIT_UNBOUNDFREE_ERROR_MSG \
    "cannot access free variable '%s' where it is not associated with a value" \
    " in enclosing scope"

/* ceval.c's format_exc_check_arg: the message with the name, and for a
 * NameError the `name` attribute (tracebacks use it for suggestions). */
static inline void
cpjit_format_exc_check_arg(PyObject *exc, const char *format, PyObject *name)
{
    const char *text = PyUnicode_AsUTF8(name);
    if (text == NULL) {
        return;
    }
    PyErr_Format(exc, format, text);
    if (exc == PyExc_NameError) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (value != NULL && PyErr_GivenExceptionMatches(value, PyExc_NameError)
                && ((PyNameErrorObject *)value)->name == NULL) {
            (void)PyObject_SetAttrString(value, "name", name);
            PyErr_Clear();
        }
        PyErr_Restore(type, value, tb);
    }
}

/* ceval.c's format_exc_unbound: an empty cell or local slot `index`. */
static inline void
cpjit_format_exc_unbound(PyCodeObject *code, int index)
{
    if (PyErr_Occurred()) {
        return;
    }
    PyObject *name = PyTuple_GET_ITEM(code->co_localsplusnames, index);
    if (index < code->co_nplaincellvars + code->co_nlocals) {
        cpjit_format_exc_check_arg(PyExc_UnboundLocalError,
                                   CPJIT_UNBOUNDLOCAL_ERROR_MSG, name);
    }
    else {
        cpjit_format_exc_check_arg(PyExc_NameError, CPJIT_UNBOUNDFREE_ERROR_MSG, name);
    }
}

/* Look `name` up in a namespace that may not be an exact dict.  Returns a new
 * reference, or NULL: with an error set, or without one when absent. */
static inline PyObject *
cpjit_mapping_lookup(PyObject *mapping, PyObject *name)
{
    if (PyDict_CheckExact(mapping)) {
        return Py_XNewRef(PyDict_GetItemWithError(mapping, name));
    }
    PyObject *value = PyObject_GetItem(mapping, name);
    if (value == NULL && PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyErr_Clear();
    }
    return value;
}

/* ceval.c's unpack_iterable: `before` items, then (after >= 0) a list of the
 * rest and `after` more.  Items are stored downwards from top[-1] (the first
 * item lands highest, as UNPACK_SEQUENCE wants).  0 on success; -1 with an
 * error set, every item it stored released. */
static inline int
cpjit_unpack_iterable(PyObject *seq, int before, int after, PyObject **top)
{
    PyObject **slot = top;
    PyObject *it = PyObject_GetIter(seq);
    if (it == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError) && Py_TYPE(seq)->tp_iter == NULL
                && !PySequence_Check(seq)) {
            PyErr_Format(PyExc_TypeError, "cannot unpack non-iterable %.200s object",
                         Py_TYPE(seq)->tp_name);
        }
        return -1;
    }
    int got = 0;
    for (; got < before; got++) {
        PyObject *item = PyIter_Next(it);
        if (item == NULL) {
            if (!PyErr_Occurred()) {
                if (after < 0) {
                    PyErr_Format(PyExc_ValueError,
                                 "not enough values to unpack (expected %d, got %d)",
                                 before, got);
                }
                else {
                    PyErr_Format(PyExc_ValueError,
                                 "not enough values to unpack (expected at least %d, got %d)",
                                 before + after, got);
                }
            }
            goto fail;
        }
        *--slot = item;
    }
    if (after < 0) {
        PyObject *extra = PyIter_Next(it);
        if (extra == NULL) {
            if (PyErr_Occurred()) {
                goto fail;
            }
            Py_DECREF(it);
            return 0;
        }
        Py_DECREF(extra);
        PyErr_Format(PyExc_ValueError, "too many values to unpack (expected %d)", before);
        goto fail;
    }
    PyObject *rest = PySequence_List(it);
    if (rest == NULL) {
        goto fail;
    }
    *--slot = rest;
    Py_ssize_t length = PyList_GET_SIZE(rest);
    if (length < after) {
        PyErr_Format(PyExc_ValueError,
                     "not enough values to unpack (expected at least %d, got %zd)",
                     before + after, before + length);
        goto fail;
    }
    for (int j = after; j > 0; j--) {
        *--slot = PyList_GET_ITEM(rest, length - j);   /* the list gives up its reference */
    }
    Py_SET_SIZE(rest, length - after);
    Py_DECREF(it);
    return 0;
fail:
    while (slot < top) {
        Py_DECREF(*slot);
        slot++;
    }
    Py_DECREF(it);
    return -1;
}

/* Whether `callable` is the builtin function `name` of the builtins module. */
static inline int
cpjit_is_builtin(PyObject *callable, const char *name)
{
    if (!PyCFunction_CheckExact(callable)) {
        return 0;
    }
    PyCFunctionObject *cf = (PyCFunctionObject *)callable;
    PyObject *self = cf->m_self;
    if (self == NULL || !PyModule_CheckExact(self) || strcmp(cf->m_ml->ml_name, name) != 0) {
        return 0;
    }
    PyModuleDef *def = PyModule_GetDef(self);
    return def != NULL && strcmp(def->m_name, "builtins") == 0;
}

/* Callables that look at their caller's frame (zero-argument super(),
 * locals(), sys._getframe(), warnings.warn, ...): called from machine code
 * they would see the host interpreter's frames, so CALL leaves them to tier 1,
 * which answers them for its own frames (cpjit/interpreter/introspect.py,
 * INTERCEPTS; keep the two lists in step). */
/* The index `sub` names in list or tuple `seq` (negative: from the end), as 3.11's
 * list/tuple subscripts compute it; -1 with the error set (the conversion's, or
 * IndexError(message) when out of range). The size is read after the conversion. */
static inline Py_ssize_t
cpjit_sequence_index(PyObject *seq, PyObject *sub, const char *message)
{
    Py_ssize_t index = PyNumber_AsSsize_t(sub, PyExc_IndexError);
    if (index == -1 && PyErr_Occurred()) {
        return -1;
    }
    Py_ssize_t size = Py_SIZE(seq);
    if (index < 0) {
        index += size;
    }
    if (index < 0 || index >= size) {
        PyErr_SetString(PyExc_IndexError, message);
        return -1;
    }
    return index;
}

/* The header of a frame _INIT_CALL_PY_* made for `func` (its slots are the caller's
 * to fill): f_func takes the stack's reference to the callable, the rest new ones. */
static inline void
cpjit_init_callee_frame(_cpjit_frame *callee_frame, PyFunctionObject *func,
                        int64_t nlocalsplus, int64_t capacity)
{
    callee_frame->previous = NULL;
    callee_frame->f_code = Py_NewRef(func->func_code);
    callee_frame->f_func = (PyObject *)func;
    callee_frame->f_globals = Py_NewRef(func->func_globals);
    callee_frame->f_builtins = Py_NewRef(func->func_builtins);
    callee_frame->f_locals = NULL;
    callee_frame->instr_offset = 0;
    callee_frame->stacktop = 0;
    callee_frame->nlocalsplus = nlocalsplus;
    callee_frame->stack_capacity = capacity;
    callee_frame->owns_refs = 1;
    callee_frame->caller_lasti = 0;
    callee_frame->caller_ip = 0;
}

/* A function of cpjit itself (its __module__ is cpjit or cpjit.*). */
static inline int
cpjit_is_own_function(PyFunctionObject *func)
{
    PyObject *module = func->func_module;
    if (module == NULL || !PyUnicode_Check(module)) {
        return 0;
    }
    const char *name = PyUnicode_AsUTF8(module);
    if (name == NULL) {
        PyErr_Clear();
        return 0;
    }
    return strncmp(name, "cpjit", 5) == 0 && (name[5] == '\0' || name[5] == '.');
}

static inline int
cpjit_needs_tier1_call(PyObject *callable, Py_ssize_t nargs)
{
    if (callable == (PyObject *)&PySuper_Type) {
        return 1;
    }
    if (callable == (PyObject *)&PyType_Type) {
        return nargs == 3;
    }
    if (!PyCFunction_CheckExact(callable)) {
        return 0;
    }
    PyCFunctionObject *cf = (PyCFunctionObject *)callable;
    PyObject *self = cf->m_self;
    if (self == NULL || !PyModule_CheckExact(self)) {
        return 0;
    }
    PyModuleDef *def = PyModule_GetDef(self);
    if (def == NULL) {
        return 0;
    }
    const char *module = def->m_name;
    const char *name = cf->m_ml->ml_name;
    if (strcmp(module, "builtins") == 0) {
        // vars(x) and dir(x) do not read the caller's frame (tier 1 calls them as
        // they are: cpjit/interpreter/introspect.py); only vars() and dir() do.
        if (strcmp(name, "vars") == 0 || strcmp(name, "dir") == 0) {
            return nargs == 0;
        }
        static const char *const frame_readers[] = {
            "locals", "globals", "vars", "dir", "eval", "exec", "__build_class__", NULL};
        for (int i = 0; frame_readers[i] != NULL; i++) {
            if (strcmp(name, frame_readers[i]) == 0) {
                return 1;
            }
        }
        return 0;
    }
    if (strcmp(module, "sys") == 0) {
        return strcmp(name, "_getframe") == 0;
    }
    return strcmp(module, "_warnings") == 0 && strcmp(name, "warn") == 0;
}

#endif /* CPJIT_TIER2_SUPPORT_H */
