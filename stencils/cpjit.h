/* cpjit.h -- the C side of a stencil: holes, calling convention, and the
 * macros uop bodies use.  CPython counterparts: Tools/jit/jit.h and the
 * macro block of Tools/jit/template.c / Python/ceval_macros.h (tier 2).
 *
 * Included by template.c and trampoline.c after Python.h.
 */
#ifndef CPJIT_H
#define CPJIT_H

#include <stdint.h>
#include "cpjit_abi.h"

/* Every stencil has this signature.  preserve_none (clang >= 19) lets the
 * three arguments live in registers across the whole trace and makes every
 * register caller-saved, so tail calls between stencils are plain jumps. */
#define CPJIT_STENCIL_CC __attribute__((preserve_none))
typedef CPJIT_STENCIL_CC int (*cpjit_jit_func)(
    _cpjit_frame *frame, PyObject **stack_pointer, _cpjit_state *state);

/* ---- holes -------------------------------------------------------------
 * Code holes are functions with hidden visibility, so a tail call is a direct
 * `jmp rel32` the runtime patches to the target's address (and the trailing
 * jump to _JIT_CONTINUE can be dropped for a fall-through).
 * Value holes are the *addresses* of extern symbols: `(uintptr_t)&_JIT_OPARG`
 * is the value.  They have default visibility, so under -fpic they go through
 * the GOT (relaxable by the runtime), under -fno-pic -mcmodel=medium
 * -mlarge-data-threshold=0 they are 64-bit absolute immediates. */
#define CPJIT_DECLARE_CODE_HOLE(NAME) \
    extern CPJIT_STENCIL_CC int NAME(_cpjit_frame *, PyObject **, _cpjit_state *) \
        __attribute__((visibility("hidden")))
CPJIT_DECLARE_CODE_HOLE(_JIT_CONTINUE);
CPJIT_DECLARE_CODE_HOLE(_JIT_JUMP_TARGET);
CPJIT_DECLARE_CODE_HOLE(_JIT_ERROR_TARGET);
CPJIT_DECLARE_CODE_HOLE(_JIT_TOP);

/* Value holes are weak: the address of a non-weak symbol is known to be non-null, so
 * clang would fold a test such as `CURRENT_OPERAND() != 0` to true; a weak symbol's
 * address may be 0, as an operand may. (Same relocations: they go through the GOT.) */
extern char _JIT_OPARG[] __attribute__((weak));
extern char _JIT_OPERAND[] __attribute__((weak));
extern char _JIT_TARGET[] __attribute__((weak));
extern char _JIT_EXIT_INDEX[] __attribute__((weak));
extern char _JIT_EXECUTOR[];

#define CPJIT_HOLE_VALUE(TYPE, SYMBOL) ((TYPE)(uintptr_t)(SYMBOL))

/* A tail call to another stencil (or a linked side trace). */
#define CPJIT_TAIL_CALL(FUNC) \
    __attribute__((musttail)) return (FUNC)(frame, stack_pointer, state)

/* ---- what uop bodies see (names as in CPython's ceval_macros.h) -------- */
#define CURRENT_OPARG()      CPJIT_HOLE_VALUE(int, _JIT_OPARG)
#define CURRENT_OPERAND()    CPJIT_HOLE_VALUE(uintptr_t, _JIT_OPERAND)
#define CURRENT_TARGET()     CPJIT_HOLE_VALUE(int64_t, _JIT_TARGET)
#define CURRENT_EXIT_INDEX() CPJIT_HOLE_VALUE(int64_t, _JIT_EXIT_INDEX)
#define CURRENT_EXECUTOR()   ((_cpjit_executor *)(uintptr_t)_JIT_EXECUTOR)

#define GETLOCAL(i)          (frame->localsplus[(i)])
#define SETLOCAL(i, value)   do { PyObject *_cpjit_tmp = GETLOCAL(i); \
                                  GETLOCAL(i) = (value); \
                                  Py_XDECREF(_cpjit_tmp); } while (0)
#define STACK_BASE()         (frame->localsplus + frame->nlocalsplus)
#define STACK_LEVEL()        ((int64_t)(stack_pointer - STACK_BASE()))

#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Control transfers out of a uop body; the generator places the labels. */
#define JUMP_TO_JUMP_TARGET()  goto cpjit_jump_to_jump_target
#define JUMP_TO_ERROR()        goto cpjit_jump_to_error_target
#define JUMP_TO_TOP()          CPJIT_TAIL_CALL(_JIT_TOP)

/* Leave machine code: fill the exit record and return to the trampoline. */
#define CPJIT_EXIT_TO_TIER1(KIND, TARGET, INDEX)                     \
    do {                                                            \
        state->exit_kind = (KIND);                                  \
        state->exit_target = (TARGET);                              \
        state->exit_stack_depth = STACK_LEVEL();                    \
        state->exit_index = (INDEX);                                \
        state->exit_executor = CURRENT_EXECUTOR();                  \
        state->exit_frame = frame;                                  \
        return (KIND) == CPJIT_EXIT_ERROR ? -1 : 0;                 \
    } while (0)

/* 3.11 has no immortal objects: True/False/None are reference counted. */
#define CPJIT_NEWREF_BOOL(cond)  ((cond) ? Py_NewRef(Py_True) : Py_NewRef(Py_False))

#endif /* CPJIT_H */
