"""Assembly-level layout fix so a stencil ends with its jump to the continuation.

CPython counterpart: Tools/jit/_optimizers.py (``_invert_hot_branches`` and
the fall-through removal it enables).

clang lays a uop out with the cold paths (error, deopt) last, so the hot
``jmp _JIT_CONTINUE`` often sits in the middle:

        test  %rbp, %rbp
        je    .LBB0_12            # cold
        ...hot block...
        jmp   _JIT_CONTINUE
    .LBB0_12:
        ...cold block...
        jmp   _JIT_ERROR_TARGET

We move the hot block to the end of the function and invert the branch that
jumped over it (``jne .Lcpjit_continue``), so the cold path falls through
from the branch and the hot block ends the stencil; the build then drops its
final jump and the next stencil follows directly.  The rewrite is only done
when it is obviously safe (see ``move_continue_block_last``); otherwise the
text is returned unchanged.
"""

from __future__ import annotations

import re

CONTINUE_SYMBOL = "_JIT_CONTINUE"

# x86-64 conditional jumps and their inverses (AT&T mnemonics as clang prints them).
_X86_INVERSE = {}
for _a, _b in [("je", "jne"), ("jz", "jnz"), ("js", "jns"), ("jl", "jge"), ("jle", "jg"),
               ("jb", "jae"), ("jbe", "ja"), ("jo", "jno"), ("jp", "jnp")]:
    _X86_INVERSE[_a] = _b
    _X86_INVERSE[_b] = _a

_LABEL = re.compile(r"^([.\w$]+):")
_FUNC_END = re.compile(r"^\.Lfunc_end\d+:")


def _instruction(line: str) -> tuple[str, str] | None:
    """(mnemonic, operands) of an instruction line, None for labels/directives/comments."""
    text = line.split("#", 1)[0].strip()
    if not text or text.startswith(".") or _LABEL.match(text):
        return None
    parts = text.split(None, 1)
    return parts[0], (parts[1].strip() if len(parts) > 1 else "")


def _is_unconditional(instruction) -> bool:
    return instruction is not None and instruction[0] in ("jmp", "jmpq", "ret", "retq", "ud2")


def _ends_block(instruction) -> bool:
    return instruction is not None and (
        _is_unconditional(instruction) or instruction[0] in _X86_INVERSE)


def _last_instruction(block: list[str]):
    for line in reversed(block):
        instruction = _instruction(line)
        if instruction is not None:
            return instruction
    return None


def _split_blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if _LABEL.match(line.strip()) and any(_instruction(l) for l in blocks[-1]):
            blocks.append([])
        blocks[-1].append(line)
        if _ends_block(_instruction(line)):
            blocks.append([])
    return [block for block in blocks if block]


def _label_of(block: list[str]) -> str | None:
    for line in block:
        match = _LABEL.match(line.strip())
        if match:
            return match.group(1)
        if _instruction(line) is not None:
            return None
    return None


def move_continue_block_last(assembly: str, entry: str = "_JIT_ENTRY") -> str:
    """Return ``assembly`` with the block ending in ``jmp _JIT_CONTINUE`` moved last."""
    lines = assembly.split("\n")
    try:
        start = next(i for i, l in enumerate(lines)
                     if l.split("#", 1)[0].strip() == entry + ":") + 1
        end = next(i for i in range(start, len(lines)) if _FUNC_END.match(lines[i].strip()))
    except StopIteration:
        return assembly
    blocks = _split_blocks(lines[start:end])

    def is_continue_jump(instruction) -> bool:
        return instruction is not None and instruction[0] in ("jmp", "jmpq") \
            and instruction[1] == CONTINUE_SYMBOL

    hot = [i for i, block in enumerate(blocks) if is_continue_jump(_last_instruction(block))]
    if len(hot) != 1 or hot[0] in (0, len(blocks) - 1):
        return assembly            # none, several, the entry block, or already last
    index = hot[0]
    if not _is_unconditional(_last_instruction(blocks[-1])):
        return assembly            # the current last block must not fall off the end
    # The hot block may be entered by falling through from blocks right before
    # it (no jump at their end): move that whole chain.
    first = index
    while first > 1 and _last_instruction(blocks[first - 1]) is not None \
            and not _ends_block(_last_instruction(blocks[first - 1])):
        first -= 1
    previous = blocks[first - 1]
    last = _last_instruction(previous)
    label = _label_of(blocks[first])
    chain = [list(block) for block in blocks[first:index + 1]]
    if label is None:
        label = ".Lcpjit_continue"
        chain[0].insert(0, label + ":")
    if last is not None and last[0] in _X86_INVERSE:
        # `jcc L` must jump over the chain to the block right after it.
        if _label_of(blocks[index + 1]) != last[1]:
            return assembly
        for k in range(len(previous) - 1, -1, -1):
            if _instruction(previous[k]) == last:
                previous[k] = "\t%s\t%s" % (_X86_INVERSE[last[0]], label)
                break
    elif not _is_unconditional(last):
        return assembly            # the previous block falls into the chain
    moved = [line for block in chain for line in block]
    reordered = blocks[:first] + blocks[index + 1:] + [moved]
    body = [line for block in reordered for line in block]
    return "\n".join(lines[:start] + body + lines[end:])
