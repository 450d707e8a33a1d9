// tier2_attrs.c -- specialized attribute and global loads/stores (issue 4).
// CPython counterpart: LOAD_ATTR_INSTANCE_VALUE, LOAD_ATTR_SLOT,
// STORE_ATTR_INSTANCE_VALUE, STORE_ATTR_SLOT, LOAD_GLOBAL_MODULE and
// LOAD_GLOBAL_BUILTIN of Python/bytecodes.c (3.12+ split into uops as here);
// the reference bodies are in cpjit/specialize_attrs.py.
//
// Defines: _GUARD_TYPE_VERSION _LOAD_ATTR_SLOT _STORE_ATTR_SLOT
//   _LOAD_ATTR_INSTANCE_VALUE _STORE_ATTR_INSTANCE_VALUE
//   _LOAD_GLOBAL_MODULE _LOAD_GLOBAL_BUILTIN
//
// Operands are computed when the trace is projected (cpjit/specialize_attrs.py).
// Indexes into dict entries come from tier 1's profile and are only hints: every
// uop checks that the entry at the index holds the name it wants, and deopts
// otherwise, so a stale or wrong index costs a deopt, never a wrong value.

#include "tier2_support.h"
#include "tier2_attrs.h"

// The type is the one tier 1 saw (operand: its tp_version_tag, never 0).  A
// class change (PyType_Modified) zeroes the tag, so the layout, the descriptors
// and tp_getattro the projection relied on are still those of this version.
op(_GUARD_TYPE_VERSION, (owner -- owner)) {
    EXIT_IF(Py_TYPE(owner)->tp_version_tag != (uint32_t)CURRENT_OPERAND());
}

// __slots__ member (operand: the member's offset in the object).
op(_LOAD_ATTR_SLOT, (owner -- attr)) {
    attr = *(PyObject **)((char *)owner + CURRENT_OPERAND());
    DEOPT_IF(attr == NULL);
    Py_INCREF(attr);
    Py_DECREF(owner);
}

op(_STORE_ATTR_SLOT, (v, owner --)) {
    PyObject **slot = (PyObject **)((char *)owner + CURRENT_OPERAND());
    PyObject *old = *slot;
    *slot = v;                 // the stack's reference moves into the object
    Py_XDECREF(old);
    Py_DECREF(owner);
}

op(_LOAD_ATTR_INSTANCE_VALUE, (owner -- attr)) {
    PyTypeObject *tp = Py_TYPE(owner);
    Py_ssize_t index = cpjit_shared_keys_index(tp, CPJIT_NAME(oparg),
                                               (Py_ssize_t)CURRENT_OPERAND());
    DEOPT_IF(index < 0);
    PyDictValues *values = cpjit_instance_values(owner, ((PyHeapTypeObject *)tp)->ht_cached_keys);
    DEOPT_IF(values == NULL);
    attr = values->values[index];
    DEOPT_IF(attr == NULL);
    Py_INCREF(attr);
    Py_DECREF(owner);
}

// Adds the attribute (recording its insertion order, as 3.11 does) only while
// the instance keeps its inline values; once its __dict__ exists, only replaces.
op(_STORE_ATTR_INSTANCE_VALUE, (v, owner --)) {
    PyTypeObject *tp = Py_TYPE(owner);
    Py_ssize_t index = cpjit_shared_keys_index(tp, CPJIT_NAME(oparg),
                                               (Py_ssize_t)CURRENT_OPERAND());
    DEOPT_IF(index < 0);
    PyDictValues *inline_values = *_PyObject_ValuesPointer(owner);
    PyDictValues *values = inline_values != NULL ? inline_values
        : cpjit_instance_values(owner, ((PyHeapTypeObject *)tp)->ht_cached_keys);
    DEOPT_IF(values == NULL);
    PyObject *old = values->values[index];
    DEOPT_IF(old == NULL && inline_values == NULL);
    values->values[index] = v;     // the stack's reference moves into the object
    if (old == NULL) {
        _PyDictValues_AddToInsertionOrder(values, index);
    }
    else {
        Py_DECREF(old);
    }
    Py_DECREF(owner);
}

// operand: the entry index of the name in the globals (a hint: when the entry has
// moved, after a del and a re-add, a plain lookup of the exact-str key finds it).
op(_LOAD_GLOBAL_MODULE, (-- null if (oparg & 1), value)) {
    PyObject *name = CPJIT_NAME(oparg >> 1);
    value = cpjit_dict_entry_value(frame->f_globals, name, (Py_ssize_t)CURRENT_OPERAND());
    if (value == NULL && PyDict_CheckExact(frame->f_globals)) {
        value = PyDict_GetItem(frame->f_globals, name);     // str keys: no user code
    }
    DEOPT_IF(value == NULL);
    Py_INCREF(value);
    null = NULL;
}

// operand: the globals' keys version (high 32 bits: the name is not a global
// while it holds) and the entry index of the name in the builtins (low 32 bits).
op(_LOAD_GLOBAL_BUILTIN, (-- null if (oparg & 1), value)) {
    uint64_t operand = CURRENT_OPERAND();
    PyObject *globals = frame->f_globals;
    DEOPT_IF(!PyDict_CheckExact(globals));
    DEOPT_IF(((PyDictObject *)globals)->ma_keys->dk_version != (uint32_t)(operand >> 32));
    PyObject *name = CPJIT_NAME(oparg >> 1);
    value = cpjit_dict_entry_value(frame->f_builtins, name,
                                   (Py_ssize_t)(operand & 0xffffffffu));
    if (value == NULL && PyDict_CheckExact(frame->f_builtins)) {
        value = PyDict_GetItem(frame->f_builtins, name);
    }
    DEOPT_IF(value == NULL);
    Py_INCREF(value);
    null = NULL;
}
