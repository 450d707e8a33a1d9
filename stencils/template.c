/* template.c -- one stencil = this template + the body of one uop.
 * CPython counterpart: Tools/jit/template.c.
 *
 * The build compiles this file once per uop with
 *     -DCPJIT_UOP_CASE='"<work dir>/cases/<uop>.c.h"'
 *     -DCPJIT_UOP_PRELUDE='"<work dir>/prelude.h"'
 * naming the generated body (stack loads, the DSL body, stack stores; see
 * cpjit/uops/generator.py).  Without it (clangd, a plain compile) it builds an
 * empty stencil, so the file is always valid C.
 */
#define Py_BUILD_CORE 1
#include "Python.h"
#include "cpjit.h"
#include "cpjit_uop_support.h"
#ifdef CPJIT_UOP_PRELUDE
#include CPJIT_UOP_PRELUDE       /* the #include lines of the uop files */
#endif

CPJIT_STENCIL_CC int
_JIT_ENTRY(_cpjit_frame *frame, PyObject **stack_pointer, _cpjit_state *state)
{
    int oparg = 0;
    (void)oparg;
#ifdef CPJIT_UOP_CASE
#include CPJIT_UOP_CASE
#endif
    CPJIT_TAIL_CALL(_JIT_CONTINUE);

cpjit_jump_to_jump_target: __attribute__((unused));
    CPJIT_TAIL_CALL(_JIT_JUMP_TARGET);

cpjit_jump_to_error_target: __attribute__((unused));
    CPJIT_TAIL_CALL(_JIT_ERROR_TARGET);
}
