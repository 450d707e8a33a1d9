/* trampoline.c -- the only C-ABI door into machine code.
 * CPython counterpart: Tools/jit/shim.c (and the entry half of
 * _PyEval_EvalFrameDefault's ENTER_EXECUTOR / GOTO_TIER_TWO).
 *
 *     int trampoline(_cpjit_state *state);
 *
 * Compiled and loaded like a stencil (name "trampoline", entry at offset 0).
 * The full contract (who fills what, reference ownership, return value) is
 * the comment at the top of cpjit_abi.h.  Called with the GIL held.
 */
#define Py_BUILD_CORE 1
#include "Python.h"
#include "internal/pycore_pystate.h"
#include "cpjit.h"

/* Record an exit that happened in the trampoline itself (before or after
 * the trace ran) because of an exception (e.g. MemoryError). */
static inline __attribute__((always_inline)) int
cpjit_trampoline_error(_cpjit_state *state, int64_t depth)
{
    state->exit_kind = CPJIT_EXIT_ERROR;
    state->exit_target = state->instr_offset;
    state->exit_stack_depth = depth;
    state->exit_index = -1;
    state->exit_executor = state->executor;
    state->exit_frame = NULL;
    return -1;
}

/* Move the references held by the frame back into the tier-1 lists. */
static inline __attribute__((always_inline)) int
cpjit_write_back(_cpjit_state *state, _cpjit_frame *frame, Py_ssize_t depth)
{
    PyObject *null = state->null;
    PyObject *locals_list = state->localsplus;
    for (Py_ssize_t i = 0; i < frame->nlocalsplus; i++) {
        PyObject *value = frame->localsplus[i];
        PyObject *old = PyList_GET_ITEM(locals_list, i);
        PyList_SET_ITEM(locals_list, i, value != NULL ? value : Py_NewRef(null));
        Py_DECREF(old);
    }
    PyObject **base = frame->localsplus + frame->nlocalsplus;
    PyObject *items = PyList_New(depth);
    if (items == NULL) {
        /* Nowhere to put the stack: drop it (the error is reported). */
        for (Py_ssize_t i = 0; i < depth; i++) {
            Py_XDECREF(base[i]);
        }
        return -1;
    }
    for (Py_ssize_t i = 0; i < depth; i++) {
        PyList_SET_ITEM(items, i, base[i] != NULL ? base[i] : Py_NewRef(null));
    }
    /* The stack list was emptied at entry: splice the exit's stack in. */
    int status = PyList_SetSlice(state->stack, 0, PyList_GET_SIZE(state->stack), items);
    Py_DECREF(items);
    return status;
}

int
_JIT_ENTRY(_cpjit_state *state)
{
    PyObject *null = state->null;
    PyObject *locals_list = state->localsplus;
    PyObject *stack_list = state->stack;
    Py_ssize_t nlocalsplus = PyList_GET_SIZE(locals_list);
    Py_ssize_t depth = PyList_GET_SIZE(stack_list);
    Py_ssize_t capacity = state->stack_capacity;
    if (capacity < depth) {
        capacity = depth;
    }
    _cpjit_frame *frame = PyMem_Malloc(
        sizeof(_cpjit_frame) + (size_t)(nlocalsplus + capacity) * sizeof(PyObject *));
    if (frame == NULL) {
        PyErr_NoMemory();
        return cpjit_trampoline_error(state, depth);
    }
    frame->previous = NULL;
    frame->f_code = state->code;
    frame->f_func = state->func;
    frame->f_globals = state->globals;
    frame->f_builtins = state->builtins;
    frame->f_locals = state->locals;
    frame->instr_offset = state->instr_offset;
    frame->stacktop = depth;
    frame->nlocalsplus = nlocalsplus;
    frame->stack_capacity = capacity;
    frame->owns_refs = 0;

    /* Move the references out of the lists: the list keeps the NULL sentinel
     * in each local slot, the stack list ends up empty. */
    for (Py_ssize_t i = 0; i < nlocalsplus; i++) {
        PyObject *value = PyList_GET_ITEM(locals_list, i);
        if (value == null) {
            frame->localsplus[i] = NULL;
        }
        else {
            frame->localsplus[i] = value;
            PyList_SET_ITEM(locals_list, i, Py_NewRef(null));
        }
    }
    PyObject **base = frame->localsplus + nlocalsplus;
    for (Py_ssize_t i = 0; i < depth; i++) {
        PyObject *value = PyList_GET_ITEM(stack_list, i);
        if (value == null) {
            base[i] = NULL;      /* the list's reference to null is dropped below */
        }
        else {
            base[i] = value;
            PyList_SET_ITEM(stack_list, i, NULL);   /* moved: not decref'd below */
        }
    }
    if (PyList_SetSlice(stack_list, 0, depth, NULL) < 0) {
        /* Cannot happen for a deletion; keep the references consistent anyway. */
        (void)cpjit_write_back(state, frame, depth);
        PyMem_Free(frame);
        return cpjit_trampoline_error(state, depth);
    }

    state->exit_kind = CPJIT_EXIT_NONE;
    state->exit_index = -1;
    state->exit_frame = NULL;
    state->current_executor = state->executor;
    state->eval_breaker = (int *)&_PyInterpreterState_GET()->ceval.eval_breaker;

    cpjit_jit_func entry = (cpjit_jit_func)state->entry;
    /* While the trace runs, the entry frame's locals live only in `frame` (and
     * inlined frames only above it): published for introspection from callbacks
     * (cpjit.jit.live_frame / live_inlined_frames); NULL again before the write-back. */
    state->entry_frame = frame;
    state->current_frame = frame;
    int status = entry(frame, base + depth, state);
    state->entry_frame = NULL;
    state->current_frame = NULL;

    _cpjit_frame *innermost = state->exit_frame;
    Py_ssize_t exit_depth;
    if (innermost == NULL || innermost == frame) {
        exit_depth = state->exit_stack_depth;
    }
    else {
        /* Exit inside an inlined call (issue 4): the entry frame's depth was
         * saved when the call was pushed; Python rebuilds the inner frames. */
        exit_depth = frame->stacktop;
    }
    if (cpjit_write_back(state, frame, exit_depth) < 0) {
        if (status == 0) {
            state->exit_kind = CPJIT_EXIT_ERROR;
        }
        status = -1;
    }
    if (innermost == NULL || innermost == frame) {
        PyMem_Free(frame);
        state->exit_frame = NULL;
    }
    else {
        /* The chain innermost -> ... -> entry frame: only the entry frame
         * belongs to the trampoline; the others are handed to Python. */
        _cpjit_frame *f = innermost;
        int pushed = 1;
        while (f->previous != frame) {
            f = f->previous;
            pushed++;
        }
        f->previous = NULL;
        /* Each pushed frame took a recursion level (_PUSH_FRAME); tier 1 counts the
         * frames it adopts itself. */
        PyThreadState_GET()->recursion_remaining += pushed;
        PyMem_Free(frame);
    }
    if (status < 0 && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_SystemError, "cpjit: error exit without an exception set");
    }
    return status < 0 ? -1 : 0;
}
