"""Tier-2 behaviours that CPython's Lib/test/test_capi/test_opt.py checks, on cpjit.

Each test runs real 3.11 bytecode in tier 1 with the uop optimizer installed (the
reference uop interpreter runs the traces) and looks at the executors it made.
"""

import pytest

from cpjit import optimizer
from test_opt_helpers import call, first_executor, run_source, tier2, uop_names


def test_executor_after_enough_iterations_and_none_for_short_loop():
    with tier2(backedge=16):
        g = run_source("""
            def loop(n):
                total = 0
                for i in range(n):
                    total += i
                return total
        """)
        loop = g["loop"]
        assert call(loop, 5) == 10
        assert optimizer.get_executors(loop) == []
        assert call(loop, 100) == 4950
        ex = first_executor(loop)
        assert ex is not None and ex.is_valid()
        assert ex.get_opcode() == __import__("dis").opmap["JUMP_BACKWARD"]
        offset = ex.code_offset
        assert optimizer.get_executor(loop, offset) is ex
        assert optimizer.get_executor(loop.__code__, offset) is ex
        with pytest.raises(ValueError):
            optimizer.get_executor(loop, 0)
        assert len(ex) == len(list(ex))
        name, oparg, target, operand = ex[0]
        assert name == "_START_EXECUTOR"


def test_range_loop_and_int_ops_uops():
    with tier2():
        g = run_source("""
            def loop(n):
                total = 0
                for i in range(n):
                    total = total + i * 2 - 1
                return total
        """)
        assert call(g["loop"], 200) == sum(i * 2 - 1 for i in range(200))
        uops = uop_names(first_executor(g["loop"]))
        for expected in ("_ITER_CHECK_RANGE", "_ITER_NEXT_RANGE", "_GUARD_BOTH_INT",
                         "_BINARY_OP_ADD_INT", "_BINARY_OP_MULTIPLY_INT",
                         "_BINARY_OP_SUBTRACT_INT", "_CHECK_PERIODIC", "_JUMP_TO_TOP"):
            assert expected in uops, expected
        # Stubs after the terminator only.
        end = uops.index("_JUMP_TO_TOP")
        assert set(uops[end + 1:]) <= {"_DEOPT", "_EXIT_TRACE", "_ERROR_POP_N"}


def test_branch_guards():
    with tier2():
        g = run_source("""
            def evens(n):
                count = 0
                for i in range(n):
                    if i % 2 == 0:
                        count += 1
                return count
            def never(n):
                count = 0
                for i in range(n):
                    if i < 0:
                        count += 1
                return count
        """)
        assert call(g["evens"], 100) == 50
        assert call(g["never"], 100) == 0
        uops = uop_names(first_executor(g["never"]))
        assert "_GUARD_IS_TRUE_POP" in uops or "_GUARD_IS_FALSE_POP" in uops
        assert "_COMPARE_OP_INT" in uops


def test_extended_arg():
    names = ["v%d" % i for i in range(300)]
    body = "\n".join("    %s = %d" % (n, i) for i, n in enumerate(names))
    source = "def many(n):\n%s\n    t = 0\n    for i in range(n):\n        t += v299 + i\n    return t\n" % body
    with tier2():
        g = run_source(source)
        assert call(g["many"], 100) == sum(299 + i for i in range(100))
        ex = first_executor(g["many"])
        assert ex is not None
        opargs = [ex[i][1] for i in range(len(ex)) if ex[i][0] in ("_LOAD_FAST", "_STORE_FAST",
                                                                     "_LOAD_FAST_CHECK")]
        assert max(opargs) > 255


def test_call_is_inlined_with_push_frame():
    with tier2():
        g = run_source("""
            def add_one(x):
                return x + 1
            def loop(n):
                total = 0
                for i in range(n):
                    total = add_one(total)
                return total
        """)
        assert call(g["loop"], 300) == 300
        uops = uop_names(first_executor(g["loop"]))
        assert "_PUSH_FRAME" in uops and "_RETURN_VALUE" in uops
        push = uops.index("_PUSH_FRAME")
        ret = uops.index("_RETURN_VALUE")
        callee = uops[push:ret]                            # the callee's uops
        assert "_TIER2_RESUME_CHECK" in callee
        assert "_BINARY_OP" in callee or "_BINARY_OP_ADD_INT" in callee


def test_recursive_call_is_not_inlined():
    with tier2():
        g = run_source("""
            def fact(n):
                if n <= 1:
                    return 1
                return n * fact(n - 1)
            def loop(n):
                t = 0
                for i in range(n):
                    t += loop(0) if n == 0 else fact(5)
                return t
        """)
        assert call(g["loop"], 100) == 12000
        assert optimizer.get_stats()["recursive_call"] >= 1
        uops = uop_names(first_executor(g["loop"]))
        # fact is inlined into the loop once; its call to itself is not followed.
        assert uops.count("_PUSH_FRAME") == 1


def test_inner_loops():
    with tier2(backedge=8):
        g = run_source("""
            def nested(n):
                t = 0
                for i in range(n):
                    for j in range(n):
                        t += j
                return t
        """)
        assert call(g["nested"], 40) == 40 * sum(range(40))
        executors = optimizer.get_executors(g["nested"])
        assert len(executors) >= 1
        assert all(ex.is_valid() for ex in executors)


def test_counter_optimizer_counts_exactly():
    counter = optimizer.get_counter_optimizer()
    with tier2(backedge=16, opt=counter):
        assert optimizer.get_optimizer() is counter
        g = run_source("""
            def loop(n):
                for i in range(n):
                    pass
        """)
        call(g["loop"], 1000)
        # 1000 back edges; the 16th installs the executor and is the first counted.
        assert counter.get_count() == 1000 - 16 + 1
        call(g["loop"], 10)
        assert counter.get_count() == 1000 - 16 + 1 + 10


def test_side_exit_becomes_linked_side_trace():
    with tier2(backedge=4, side_exit=4):
        g = run_source("""
            def flip(n):
                t = 0
                for i in range(n):
                    if i < 50:
                        t += 1
                    else:
                        t += 2
                return t
        """)
        assert call(g["flip"], 200) == 50 + 300
        linked = [exit for ex in optimizer._state.executors for exit in ex.exits
                  if exit.executor is not None]
        assert linked
        assert optimizer.get_stats()["side_traces"] >= 1


def test_invalidation_on_global_builtin_function_and_class_changes():
    with tier2():
        g = run_source("""
            SCALE = 2
            def helper(x):
                return x + 1
            class K:
                attr = 3
            def use_global(n):
                t = 0
                for i in range(n):
                    t += SCALE
                return t
            def use_builtin(n):
                t = 0
                for i in range(n):
                    t += abs(-1)
                return t
            def use_function(n):
                t = 0
                for i in range(n):
                    t = helper(t)
                return t
            def use_class(n):
                t = 0
                for i in range(n):
                    t += K.attr
                return t
        """)
        assert call(g["use_global"], 100) == 200
        assert call(g["use_builtin"], 100) == 100
        assert call(g["use_function"], 100) == 100
        assert call(g["use_class"], 100) == 300
        ex_global = first_executor(g["use_global"])
        ex_builtin = first_executor(g["use_builtin"])
        ex_function = first_executor(g["use_function"])
        ex_class = first_executor(g["use_class"])
        assert all(ex.is_valid() for ex in (ex_global, ex_builtin, ex_function, ex_class))

        g["SCALE"] = 5
        assert not ex_global.is_valid()
        assert call(g["use_global"], 10) == 50

        g["abs"] = lambda x: 7          # shadows the builtin
        assert not ex_builtin.is_valid()
        assert call(g["use_builtin"], 10) == 70

        g["helper"].__code__ = (lambda x: x + 10).__code__
        assert not ex_function.is_valid()
        assert call(g["use_function"], 10) == 100

        optimizer.invalidate_dependency(g["K"])
        assert not ex_class.is_valid()
        g["K"].attr = 4
        assert call(g["use_class"], 10) == 40
        # Detached: the original instruction is back.
        assert ex_global.code_offset is None or ex_global.info is None


def test_invalidate_all_and_dependency_bloom():
    with tier2():
        g = run_source("""
            def a(n):
                for i in range(n):
                    pass
            def b(n):
                for i in range(n):
                    pass
        """)
        call(g["a"], 50)
        call(g["b"], 50)
        ea, eb = first_executor(g["a"]), first_executor(g["b"])
        optimizer.invalidate_dependency(g["a"].__code__)
        assert not ea.is_valid() and eb.is_valid()
        assert optimizer.get_executors(g["a"]) == []
        optimizer.invalidate_all()
        assert not eb.is_valid()


def test_error_inside_trace_has_exact_state():
    with tier2(backedge=2, side_exit=1):
        g = run_source("""
            def divide(values):
                out = []
                for v in values:
                    try:
                        out.append(10 // v)
                    except ZeroDivisionError as e:
                        out.append(str(e))
                return out
        """)
        values = [1, 2, 5, 0, 3, 0, 7] * 5
        expected = [10 // v if v else "integer division or modulo by zero" for v in values]
        assert call(g["divide"], values) == expected


def test_uops_optimize_off_keeps_checks():
    with tier2(uops_optimize=False):
        g = run_source("""
            def loop(n):
                t = 0
                for i in range(n):
                    t += i
                return t
        """)
        assert call(g["loop"], 100) == 4950
        uops = uop_names(first_executor(g["loop"]))
        assert "_LOAD_FAST" not in uops and "_LOAD_FAST_CHECK" in uops


def test_exits_and_errors_inside_inlined_calls():
    with tier2(backedge=4, side_exit=2):
        g = run_source("""
            def inner(x):
                if x > 50:
                    return x - 1
                return 10 // x
            def outer(values):
                t = 0
                for v in values:
                    t += inner(v)
                return t
        """)
        values = [1, 2, 5, 60, 3] * 20
        assert call(g["outer"], values) == sum(v - 1 if v > 50 else 10 // v for v in values)
        assert "_PUSH_FRAME" in uop_names(first_executor(g["outer"]))
        with pytest.raises(ZeroDivisionError) as info:
            call(g["outer"], values + [0])
        names = []
        tb = info.value.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "<tier2-test>":
                names.append((tb.tb_frame.f_code.co_name, tb.tb_lineno))
            tb = tb.tb_next
        assert names == [("outer", 9), ("inner", 5)]
