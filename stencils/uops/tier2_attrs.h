/* tier2_attrs.h -- helpers of the attribute and global uops in tier2_attrs.c.
 * Included in every stencil (through that file's #include line); everything
 * here is static inline, so a stencil only carries what its body uses. */
#ifndef CPJIT_TIER2_ATTRS_H
#define CPJIT_TIER2_ATTRS_H

#include "internal/pycore_dict.h"      /* PyDictKeysObject, DK_UNICODE_ENTRIES */
#include "internal/pycore_object.h"    /* _PyObject_ValuesPointer (3.11) */

// The values array of an instance whose type keeps a managed dict (3.11:
// Py_TPFLAGS_MANAGED_DICT), whether it still has its inline values or its
// __dict__ was made (a split dict over the type's shared keys); NULL when the
// instance dict no longer shares the type's keys.
static inline PyDictValues *
cpjit_instance_values(PyObject *owner, PyDictKeysObject *keys)
{
    PyDictValues *values = *_PyObject_ValuesPointer(owner);
    if (values != NULL) {
        return values;
    }
    PyDictObject *dict = (PyDictObject *)*_PyObject_ManagedDictPointer(owner);
    if (dict == NULL || dict->ma_keys != keys) {
        return NULL;
    }
    return dict->ma_values;
}

// The index (operand) of the attribute named by oparg in the type's shared
// keys, or -1 when the hint does not hold.
static inline Py_ssize_t
cpjit_shared_keys_index(PyTypeObject *tp, PyObject *name, Py_ssize_t index)
{
    if (!(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)) {
        return -1;
    }
    PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
    if (keys == NULL || !DK_IS_UNICODE(keys) || index >= keys->dk_nentries) {
        return -1;
    }
    return DK_UNICODE_ENTRIES(keys)[index].me_key == name ? index : -1;
}

// The value bound to ``name`` in a combined str-keyed dict if the entry at
// ``index`` holds it, else NULL (borrowed).
static inline PyObject *
cpjit_dict_entry_value(PyObject *mapping, PyObject *name, Py_ssize_t index)
{
    if (!PyDict_CheckExact(mapping)) {
        return NULL;
    }
    PyDictObject *dict = (PyDictObject *)mapping;
    PyDictKeysObject *keys = dict->ma_keys;
    if (dict->ma_values != NULL || !DK_IS_UNICODE(keys) || index >= keys->dk_nentries) {
        return NULL;
    }
    PyDictUnicodeEntry *entry = DK_UNICODE_ENTRIES(keys) + index;
    return entry->me_key == name ? entry->me_value : NULL;
}

#endif
