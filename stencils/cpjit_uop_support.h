/* cpjit_uop_support.h -- CPython 3.11 internals that uop bodies need and
 * that no public header declares.  Included by template.c after Python.h
 * (with Py_BUILD_CORE), so the uop bodies can use them.
 */
#ifndef CPJIT_UOP_SUPPORT_H
#define CPJIT_UOP_SUPPORT_H

#include "cpjit.h"
#include "opcode.h"          /* NB_ADD ... (3.11 BINARY_OP opargs) */

/* Objects/rangeobject.c (3.11): the iterator of a range whose bounds fit in
 * a C long.  Not in any header; the layout is checked at run time by
 * cpjit (tests/test_build_*.py reads a live range_iterator). */
typedef struct {
    PyObject_HEAD
    long index;
    long start;
    long step;
    long len;
} cpjit_rangeiterobject;

/* 3.11 ints: "compact" = at most one 30-bit digit (|Py_SIZE| <= 1).  The
 * specialised int uops compute on such values in a C long and guard on
 * compactness, so a result that grows into a big int fails the next guard. */
static inline int
cpjit_long_is_compact(PyObject *op)
{
    Py_ssize_t size = Py_SIZE(op);
    return -1 <= size && size <= 1;
}

static inline long
cpjit_compact_long_value(PyObject *op)
{
    Py_ssize_t size = Py_SIZE(op);
    return size == 0 ? 0 : (long)size * (long)((PyLongObject *)op)->ob_digit[0];
}

#endif /* CPJIT_UOP_SUPPORT_H */
