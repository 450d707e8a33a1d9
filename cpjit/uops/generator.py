"""Uop definitions -> C stencil bodies (one per uop, included by template.c).

CPython counterpart: Tools/cases_generator/tier2_generator.py, which writes
Python/executor_cases.c.h.  For each uop it emits: declarations of the
inputs (loaded from the stack) and outputs, the body with the DSL macros
rewritten, then the stores of the outputs and the stack-pointer update.

Macro rewriting (what bytecodes.c bodies mean in tier 2):
    DEOPT_IF(c) / EXIT_IF(c)  -> if (c) jump to the uop's jump target
    ERROR_IF(c, label)        -> if (c) { pop the dead inputs; jump to error target }
    ERROR_NO_POP()            -> jump to error target, inputs stay on the stack
    DECREF_INPUTS()           -> Py_DECREF of every consumed input
    SYNC_SP()                 -> pop the inputs now (outputs are then pushed
                                 on top of the lowered stack pointer)
An input is "preserved" when the output at the same position has the same
name (e.g. ``(left, right -- left, right)``): it is neither popped by
ERROR_IF nor decref'd by DECREF_INPUTS, nor stored again.
"""

from __future__ import annotations

import re

from cpjit.uops.analysis import UopInfo
from cpjit.uops.parser import DSLError, StackItem, _strip_comments_keep_lines


def _sum_expr(items: list[StackItem] | tuple[StackItem, ...]) -> str:
    ints = sum(1 for item in items if item.is_scalar)
    parts = [item.c_size for item in items if not item.is_scalar]
    if ints or not parts:
        parts.insert(0, str(ints))
    return " + ".join(parts)


def preserved_count(uop: UopInfo) -> int:
    """How many bottom inputs stay in place (same name and size as the output
    at the same position, e.g. ``left, right`` in ``(left, right -- left, right)``)."""
    count = 0
    for item_in, item_out in zip(uop.inputs, uop.outputs):
        if item_in != item_out:
            break
        count += 1
    return count


def _preserved(uop: UopInfo) -> set[str]:
    """Names of the preserved inputs (see preserved_count)."""
    return {item.name for item in uop.inputs[:preserved_count(uop)] if not item.is_unused}


def _offsets(items) -> list[tuple[StackItem, str]]:
    """(item, C expression of its offset from the base of the group)."""
    result, before = [], []
    for item in items:
        result.append((item, _sum_expr(before) if before else "0"))
        before.append(item)
    return result


def _macro_calls(clean: str, name: str):
    """(start, end, args_start, args_end) of each NAME(...) in comment-free text."""
    for match in re.finditer(r"\b%s\s*\(" % name, clean):
        open_paren = match.end() - 1
        depth = 0
        for i in range(open_paren, len(clean)):
            if clean[i] == "(":
                depth += 1
            elif clean[i] == ")":
                depth -= 1
                if depth == 0:
                    end = i + 1
                    # swallow the trailing semicolon into the macro
                    j = end
                    while j < len(clean) and clean[j] in " \t":
                        j += 1
                    if j < len(clean) and clean[j] == ";":
                        end = j + 1
                    yield match.start(), end, open_paren + 1, i
                    break
        else:
            raise DSLError("unbalanced %s(" % name)


def _split_args(text: str) -> list[str]:
    args, depth, current = [], 0, []
    for c in text:
        if c == "," and depth == 0:
            args.append("".join(current))
            current = []
            continue
        depth += c in "([{"
        depth -= c in ")]}"
        current.append(c)
    args.append("".join(current))
    return [a.strip() for a in args]


def rewrite_body(uop: UopInfo) -> str:
    """The body with DSL macros replaced by C (see module docstring)."""
    op = uop.definition
    body, clean = op.body, _strip_comments_keep_lines(op.body)
    consumed = uop.inputs[preserved_count(uop):]
    # Preserved inputs are a prefix, so popping the consumed ones is a plain
    # subtraction from the stack pointer.
    pop_expr = _sum_expr(consumed) if consumed else "0"

    sync_positions = [start for start, *_ in _macro_calls(clean, "SYNC_SP")]
    if len(sync_positions) > 1:
        raise DSLError("%s:%d: %s uses SYNC_SP() more than once" % (op.path, op.line, uop.name))
    sync_at = sync_positions[0] if sync_positions else None

    edits: list[tuple[int, int, str]] = []
    for name in ("DEOPT_IF", "EXIT_IF"):
        for start, end, a, b in _macro_calls(clean, name):
            cond = body[a:b]
            edits.append((start, end, "if (UNLIKELY(%s)) { JUMP_TO_JUMP_TARGET(); }" % cond))
    for start, end, a, b in _macro_calls(clean, "ERROR_IF"):
        args = _split_args(body[a:b])
        if len(args) != 2:
            raise DSLError("%s:%d: ERROR_IF takes (cond, label)" % (op.path, op.line))
        after_sync = sync_at is not None and start > sync_at
        pop = "" if after_sync or pop_expr == "0" else "stack_pointer += -(%s); " % pop_expr
        edits.append((start, end, "if (UNLIKELY(%s)) { %sJUMP_TO_ERROR(); }" % (args[0], pop)))
    for start, end, _a, _b in _macro_calls(clean, "ERROR_NO_POP"):
        edits.append((start, end, "JUMP_TO_ERROR();"))
    for start, end, _a, _b in _macro_calls(clean, "DECREF_INPUTS"):
        parts = []
        for item in consumed:
            if item.is_unused:
                continue
            if item.is_scalar:
                parts.append("Py_DECREF(%s);" % item.name)
            elif item.is_conditional:
                parts.append("Py_XDECREF(%s);" % item.name)
            else:
                parts.append("for (int _i = 0; _i < %s; _i++) { Py_XDECREF(%s[_i]); }"
                             % (item.size, item.name))
        edits.append((start, end, " ".join(parts) or ";"))
    for start, end, _a, _b in _macro_calls(clean, "SYNC_SP"):
        edits.append((start, end, "stack_pointer += -(%s);" % _sum_expr(uop.inputs)))

    edits.sort()
    out, pos = [], 0
    for start, end, text in edits:
        if start < pos:
            raise DSLError("%s:%d: nested DSL macros are not supported" % (op.path, op.line))
        out.append(body[pos:start])
        out.append(text)
        pos = end
    out.append(body[pos:])
    return "".join(out)


def generate_case(uop: UopInfo, source_name: str | None = None) -> str:
    """C text of one uop body, for template.c's ``#include CPJIT_UOP_CASE``."""
    op = uop.definition
    total_in = _sum_expr(uop.inputs)
    synced = "SYNC_SP" in _strip_comments_keep_lines(op.body)
    lines = ["/* %s -- generated from %s:%d by cpjit/uops/generator.py */"
             % (uop.name, source_name or op.path, op.line), "{"]
    if uop.fixed_oparg is not None:
        lines.append("    oparg = %d;" % uop.fixed_oparg)
    elif "oparg" in _strip_comments_keep_lines(op.body) or any(
            "oparg" in (item.size or "") + (item.cond or "")
            for item in uop.inputs + uop.outputs):
        lines.append("    oparg = CURRENT_OPARG();")
    for name, _units in op.caches:
        lines.append("    uintptr_t %s = CURRENT_OPERAND();" % name)
    declared = set()
    for item, offset in _offsets(uop.inputs):
        if item.is_unused:
            continue
        where = "stack_pointer[-(%s) + %s]" % (total_in, offset)
        if item.is_scalar:
            lines.append("    PyObject *%s = %s;" % (item.name, where))
        elif item.is_conditional:
            lines.append("    PyObject *%s = (%s) ? %s : NULL;" % (item.name, item.cond, where))
        else:
            lines.append("    PyObject **%s = &%s;" % (item.name, where))
        declared.add(item.name)
    out_base = "0" if synced else "-(%s)" % total_in
    for item, offset in _offsets(uop.outputs):
        if item.is_unused or item.name in declared:
            continue
        if item.is_scalar:
            lines.append("    PyObject *%s;" % item.name)
        elif item.is_conditional:
            lines.append("    PyObject *%s = NULL;" % item.name)
        else:
            # Output arrays alias the stack, as in CPython.
            lines.append("    PyObject **%s = &stack_pointer[%s + %s];" % (item.name, out_base, offset))
        declared.add(item.name)
    lines.append("    {")
    lines.append("#line %d \"%s\"" % (op.body_line, source_name or op.path))
    lines.append(rewrite_body(uop))
    lines.append("    }")
    for index, (item, offset) in enumerate(_offsets(uop.outputs)):
        if item.is_unused or item.is_array:
            continue
        if not synced and index < preserved_count(uop):
            continue
        if synced:
            store = "stack_pointer[%s] = %s;" % (offset, item.name)
        else:
            store = "stack_pointer[-(%s) + %s] = %s;" % (total_in, offset, item.name)
        if item.is_conditional:
            store = "if (%s) { %s }" % (item.cond, store)
        lines.append("    " + store)
    total_out = _sum_expr(uop.outputs)
    if synced:
        if total_out != "0":
            lines.append("    stack_pointer += %s;" % total_out)
    elif total_out != total_in:
        lines.append("    stack_pointer += (%s) - (%s);" % (total_out, total_in))
    lines.append("}")
    return "\n".join(lines) + "\n"


def generate_includes(includes: list[str]) -> str:
    """Top-level #include lines of the DSL files, for every stencil."""
    return "".join(line + "\n" for line in includes)
