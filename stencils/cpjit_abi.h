/* cpjit_abi.h -- the frame ABI and the state / exit record shared by the
 * machine code (stencils, trampoline) and Python (cffi).
 *
 * CPython counterparts: _PyInterpreterFrame (pycore_frame.h), _PyExitData and
 * _PyExecutorObject (pycore_optimizer.h), the jit_func signature (pycore_jit.h).
 *
 * THIS TEXT IS FED VERBATIM TO cffi.FFI().cdef(): no #include, no #define,
 * no attributes, no expressions in array sizes; PyObject is opaque here.
 * The C side includes it after Python.h (which defines struct _object).
 * Load it from Python with cpjit.stencil_build.abi_header_text().
 *
 * ----------------------------------------------------------------------------
 * ENTRY: the trampoline is the only C-ABI door into machine code.
 *
 *     int trampoline(_cpjit_state *state);          (stencil named "trampoline")
 *
 * Python calls it through ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p), so
 * the GIL stays held and ctypes raises the pending exception if one is set on
 * return.  Before the call Python fills the INPUT half of the state:
 *     entry       address of the first stencil of the trace to run
 *     executor    the _cpjit_executor of that trace
 *     localsplus  the tier-1 Frame.localsplus list (len == nlocalsplus)
 *     stack       the tier-1 Frame.stack list (bottom first)
 *     null        the cpjit.interpreter.frame.NULL sentinel object
 *     code, func, globals, builtins, locals   (borrowed; func/locals may be
 *                 Py_None's address or 0 when absent -- copied as given)
 *     stack_capacity   slots reserved for the value stack (co_stacksize is
 *                 enough; the trampoline uses at least the current depth)
 *     instr_offset     byte offset of the instruction entering (ENTER_EXECUTOR)
 * The trampoline
 *   1. allocates a _cpjit_frame (PyMem_Malloc) with nlocalsplus + capacity slots,
 *   2. MOVES the references out of the two lists into the frame (no refcount
 *      changes: localsplus entries are replaced by the NULL sentinel, the stack
 *      list is emptied); the NULL sentinel becomes C NULL; cells stay cell
 *      objects (the uops unwrap them),
 *   3. runs the trace: entry(frame, stack_pointer, state), with
 *      state->entry_frame = state->current_frame = frame meanwhile (NULL
 *      before and after; machine code keeps current_frame the innermost frame),
 *      so that introspection from a callback sees the live frames,
 *   4. MOVES the references back: localsplus[i] (C NULL -> sentinel), the stack
 *      list becomes exactly the exit's stack (C NULL -> sentinel),
 *   5. frees the C frame and returns 0, or -1 when the exit kind is
 *      CPJIT_EXIT_ERROR (the exception stays set, ctypes raises it).
 * The OUTPUT half (exit_*) is filled in every case, also on error.
 * If the trampoline itself fails (out of memory), it returns -1 with
 * MemoryError set and exit_kind == CPJIT_EXIT_ERROR, exit_target ==
 * instr_offset, and the lists untouched.
 *
 * INSIDE machine code every stencil is
 *     __attribute__((preserve_none)) int f(_cpjit_frame *frame,
 *                                           PyObject **stack_pointer,
 *                                           _cpjit_state *state);
 * and tail-calls (musttail) the next one.  An exit stencil stores the exit
 * record and returns to the trampoline (return value: 0, or -1 on error).
 * ---------------------------------------------------------------------------- */

typedef struct _object PyObject;

/* Exit kinds (state->exit_kind, an int64_t so the field size never depends
 * on the enum).  Python sees them as cffi constants of the same names. */
enum {
    CPJIT_EXIT_NONE = 0,        /* not exited yet */
    CPJIT_EXIT_SIDE = 1,        /* _EXIT_TRACE: side exit, may get a side trace */
    CPJIT_EXIT_DEOPT = 2,       /* _DEOPT: back to tier 1, no side trace */
    CPJIT_EXIT_ERROR = 3,       /* _ERROR_POP_N (or _CHECK_PERIODIC on a signal):
                                   exception set, tier 1 unwinds */
    CPJIT_EXIT_PERIODIC = 4,    /* _CHECK_PERIODIC: eval breaker set (GIL drop
                                   request, pending calls): resume in tier 1 */
    CPJIT_EXIT_DYNAMIC = 5      /* _DYNAMIC_EXIT (issue 4) */
};

/* One frame, as _PyInterpreterFrame: locals, cells, frees, then the value
 * stack, contiguous in localsplus[]. */
typedef struct _cpjit_frame {
    struct _cpjit_frame *previous;   /* calling frame inside machine code (inlined
                                        calls, issue 4); NULL for the entry frame */
    PyObject *f_code;                /* borrowed in the entry frame */
    PyObject *f_func;
    PyObject *f_globals;
    PyObject *f_builtins;
    PyObject *f_locals;
    int64_t instr_offset;            /* byte offset of the current instruction; set by
                                        _SET_IP / _CHECK_VALIDITY_AND_SET_IP */
    int64_t stacktop;                /* stack depth saved when this frame is not the
                                        innermost one (_PUSH_FRAME), as _PyFrame_SetStackPointer */
    int64_t nlocalsplus;
    int64_t stack_capacity;          /* value-stack slots after the locals */
    int64_t owns_refs;               /* 1: f_code..f_locals are owned references
                                        (frames pushed by machine code); 0: borrowed */
    int64_t caller_lasti;            /* frames pushed by machine code: the calling frame's
                                        CALL offset and resume index (tier-1 Frame.lasti /
                                        Frame.ip), saved by _SAVE_RETURN_OFFSET, so Python can
                                        rebuild the caller (even the entry frame) at an exit */
    int64_t caller_ip;
    PyObject *localsplus[];          /* nlocalsplus + stack_capacity slots */
} _cpjit_frame;

/* One side exit of an executor, as _PyExitData.  The _EXIT_TRACE stencil for
 * exit i reads executor->exits[i].jit_code: when not NULL it tail-calls it
 * (a linked side trace, entered with the same frame and stack_pointer) instead
 * of returning to Python.  Python links an exit by storing the side trace's
 * entry address there; it unlinks by storing NULL. */
typedef struct _cpjit_exit {
    void *jit_code;                  /* entry of the linked side trace, or NULL */
    int64_t target;                  /* tier-1 byte offset this exit resumes at */
    int64_t temperature;             /* owned by the optimizer (Python); never touched by machine code */
    void *executor;                  /* Python-side bookkeeping (e.g. the side executor's handle) */
    int64_t hops;                    /* times machine code jumped through this linked exit
                                        (stats: uops run as machine code) */
} _cpjit_exit;

/* The C half of an executor (_PyExecutorObject): what machine code reads.
 * The _JIT_EXECUTOR hole receives its address.  Allocated and kept alive by
 * the Python executor object (e.g. ffi.new("_cpjit_executor *", ...) with
 * room for exit_count exits). */
typedef struct _cpjit_executor {
    int64_t valid;                   /* 0 after invalidation: _CHECK_VALIDITY deopts */
    int64_t exit_count;
    void *jit_code;                  /* entry of this executor's own machine code */
    void *handle;                    /* Python-side bookkeeping */
    int64_t iterations;              /* times _JUMP_TO_TOP ran (stats: uops run as
                                        machine code, estimated from this and the exits) */
    _cpjit_exit exits[];             /* indexed by _JIT_EXIT_INDEX */
} _cpjit_executor;

/* One entry into machine code: inputs, then the exit record. */
typedef struct _cpjit_state {
    /* ---- inputs (set by Python before calling the trampoline) ---- */
    void *entry;                     /* first stencil of the trace */
    _cpjit_executor *executor;       /* executor being entered */
    PyObject *code;
    PyObject *func;
    PyObject *globals;
    PyObject *builtins;
    PyObject *locals;
    PyObject *localsplus;            /* the tier-1 localsplus list */
    PyObject *stack;                 /* the tier-1 stack list */
    PyObject *null;                  /* the NULL sentinel object */
    int64_t stack_capacity;
    int64_t instr_offset;

    /* ---- exit record (set by the exit stencils and the trampoline) ---- */
    int64_t exit_kind;               /* CPJIT_EXIT_* */
    int64_t exit_target;             /* tier-1 byte offset to resume at (or that raised) */
    int64_t exit_stack_depth;        /* value-stack depth of the innermost frame at the exit */
    int64_t exit_index;              /* index into exit_executor->exits (SIDE), else -1 */
    _cpjit_executor *exit_executor;  /* executor whose stencil exited (differs from
                                        `executor` after a jump into a linked side trace) */
    _cpjit_frame *exit_frame;        /* innermost frame at the exit.  When it is not the
                                        entry frame (exit inside an inlined call, issue 4)
                                        the trampoline does NOT free the frames above the
                                        entry frame: Python rebuilds tier-1 frames from the
                                        chain exit_frame -> previous -> ... (excluding the
                                        entry frame, which is written back as usual), takes
                                        their references and releases each with PyMem_Free. */
    void *current_executor;          /* scratch for machine code: executor running now
                                        (set by _START_EXECUTOR) */
    int *eval_breaker;               /* set by the trampoline: the interpreter's eval
                                        breaker word, read by _CHECK_PERIODIC */
    int64_t periodic_counter;        /* scratch for _CHECK_PERIODIC */
    _cpjit_frame *entry_frame;       /* set by the trampoline: the C frame holding the
                                        entry frame's references while machine code runs
                                        (after the move in, before the move back), else
                                        NULL; Python reads the live locals from it
                                        (cpjit.jit.live_slots: introspection of a frame
                                        whose locals are in machine code) */
    _cpjit_frame *current_frame;     /* the innermost frame while the trace runs: the
                                        trampoline sets it to entry_frame, _PUSH_FRAME to
                                        the callee, _RETURN_VALUE back to the caller;
                                        NULL outside.  Python shows the frames from it
                                        down to entry_frame (excluded) to introspection */
    int64_t reserved[4];             /* room for later issues without an ABI break;
                                        [0]: _KW_NAMES' tuple, [1]: the frame made by
                                        _INIT_CALL_PY_EXACT_ARGS until _PUSH_FRAME */
} _cpjit_state;
