"""Parser of the uop DSL in stencils/uops/*.c.

CPython counterpart: Tools/cases_generator/parser.py + lexer.py (a much
smaller subset: only ``op`` definitions with optional ``pure`` /
``replicate(N)`` annotations, and top-level ``#include`` lines).

    [pure] [replicate(N)] op(_NAME, (in1, arr[oparg], unused -- out1)) { body }

The body is kept as C text; only the macro calls the generator rewrites are
looked at (see cpjit.uops.generator).
"""

from __future__ import annotations

import dataclasses
import pathlib
import re


class DSLError(SyntaxError):
    """A malformed uop definition (message names file and line)."""


@dataclasses.dataclass(frozen=True)
class StackItem:
    """One stack entry of a uop's stack effect (CPython: analyzer.StackItem).

    ``name`` (one slot), ``name[size]`` (an array of ``size`` slots, a C
    expression in oparg) or ``name if (cond)`` (one slot when ``cond`` holds)."""

    name: str
    size: str | None = None    # array size (C expression in oparg), else None
    cond: str | None = None    # condition (C expression in oparg), else None

    @property
    def is_unused(self) -> bool:
        return self.name == "unused"

    @property
    def is_array(self) -> bool:
        return self.size is not None

    @property
    def is_conditional(self) -> bool:
        return self.cond is not None

    @property
    def is_scalar(self) -> bool:
        """Exactly one slot, always."""
        return self.size is None and self.cond is None

    @property
    def c_size(self) -> str:
        """C expression of the slots this item takes."""
        if self.size is not None:
            return "(%s)" % self.size
        if self.cond is not None:
            return "((%s) ? 1 : 0)" % self.cond
        return "1"

    def count(self, oparg: int) -> int:
        """Slots this item occupies for a given oparg."""
        if self.size is not None:
            return _eval_size(self.size, oparg)
        if self.cond is not None:
            return 1 if _eval_size(self.cond, oparg) else 0
        return 1

    def __str__(self) -> str:
        if self.size is not None:
            return "%s[%s]" % (self.name, self.size)
        if self.cond is not None:
            return "%s if (%s)" % (self.name, self.cond)
        return self.name


@dataclasses.dataclass(frozen=True)
class OpDefinition:
    """One ``op(...)`` as written in a DSL file."""

    name: str
    inputs: tuple[StackItem, ...]
    outputs: tuple[StackItem, ...]
    body: str                  # the C text between the braces
    annotations: tuple[str, ...]
    replicate: int             # N of replicate(N), else 0
    path: str
    line: int                  # line of the op keyword
    body_line: int             # line where the body text starts
    # CPython's cache entries (`name/4` among the inputs): here the uop's one
    # 64-bit operand, declared as `uintptr_t name = CURRENT_OPERAND();`
    caches: tuple[tuple[str, int], ...] = ()


@dataclasses.dataclass(frozen=True)
class DSLFile:
    path: str
    includes: tuple[str, ...]  # top-level #include lines, verbatim
    ops: tuple[OpDefinition, ...]


_SIZE_TOKEN = re.compile(r"\s*(?:(\d+)|(oparg)|(<<|>>|==|!=|<=|>=|[-+*()&|<>]))")


def _eval_size(expr: str, oparg: int) -> int:
    """Evaluate a size/condition expression (integers, oparg, + - * & | << >> ()
    and comparisons; the same text is C and Python for these)."""
    pos, tokens = 0, []
    while pos < len(expr):
        match = _SIZE_TOKEN.match(expr, pos)
        if not match or match.end() == pos:
            if expr[pos:].strip() == "":
                break
            raise DSLError("bad stack size expression %r" % expr)
        tokens.append(match.group(1) or ("(%d)" % oparg if match.group(2) else match.group(3)))
        pos = match.end()
    return int(eval("".join(tokens), {"__builtins__": {}}, {}))


def _strip_comments_keep_lines(text: str) -> str:
    """Blank out comments and string contents' braces, keeping offsets and lines."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise DSLError("unterminated comment")
            for k in range(i, j + 2):
                if text[k] != "\n":
                    out[k] = " "
            i = j + 2
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                if text[k] in "{}()":
                    out[k] = " "
            i = j + 1
        else:
            i += 1
    return "".join(out)


def _matching(text: str, start: int, open_char: str, close_char: str) -> int:
    """Index of the bracket closing the one at ``start`` (in comment-free text)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == open_char:
            depth += 1
        elif text[i] == close_char:
            depth -= 1
            if depth == 0:
                return i
    raise DSLError("unbalanced %r" % open_char)


_HEAD = re.compile(
    r"(?P<annotations>(?:\b(?:pure|replicate\s*\(\s*\d+\s*\)|tier2|guard)\s+)*)"
    r"\bop\s*\(\s*(?P<name>\w+)\s*,\s*\(", re.S)
_ITEM = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\s*\[(?P<size>[^\]]+)\])?"
                   r"(?:\s+if\s*\((?P<cond>.*)\))?$", re.S)
_CACHE = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*/\s*(?P<units>\d+)$")


def _parse_items(text: str, where: str, caches=None) -> tuple[StackItem, ...]:
    items = []
    for raw in text.split(","):
        raw = raw.strip()
        if not raw:
            continue
        cache = _CACHE.match(raw)
        if cache and caches is not None:
            caches.append((cache.group("name"), int(cache.group("units"))))
            continue
        match = _ITEM.match(raw)
        if not match or (match.group("size") and match.group("cond")):
            raise DSLError("%s: bad stack item %r" % (where, raw))
        size, cond = match.group("size"), match.group("cond")
        items.append(StackItem(match.group("name"), size.strip() if size else None,
                               cond.strip() if cond else None))
    return tuple(items)


def parse_text(text: str, path: str = "<string>") -> DSLFile:
    """Parse one DSL file's text."""
    clean = _strip_comments_keep_lines(text)
    ops: list[OpDefinition] = []
    includes = tuple(line.strip() for line in clean.splitlines()
                     if line.strip().startswith("#include"))
    pos = 0
    seen: set[str] = set()
    def check_top_level(start: int, stop: int) -> None:
        """Only ops, comments and #include lines may appear outside op bodies."""
        for offset, text_line in enumerate(clean[start:stop].split("\n")):
            stripped = text_line.strip()
            if stripped and not stripped.startswith("#include"):
                lineno = clean.count("\n", 0, start) + offset + 1
                raise DSLError("%s:%d: unexpected text outside an op definition: %r"
                               % (path, lineno, stripped[:60]))

    while True:
        match = _HEAD.search(clean, pos)
        if match is None:
            check_top_level(pos, len(clean))
            break
        check_top_level(pos, match.start())
        line = clean.count("\n", 0, match.start("name")) + 1
        where = "%s:%d" % (path, line)
        paren = match.end() - 1
        effect_end = _matching(clean, paren, "(", ")")
        effect = clean[paren + 1:effect_end]
        if "--" not in effect:
            raise DSLError("%s: stack effect of %s needs '--'" % (where, match.group("name")))
        before, after = effect.split("--", 1)
        close = clean.index(")", effect_end + 1)
        if clean[effect_end + 1:close].strip():
            raise DSLError("%s: unexpected text after the stack effect" % where)
        brace = close + 1
        while brace < len(clean) and clean[brace].isspace():
            brace += 1
        if brace >= len(clean) or clean[brace] != "{":
            raise DSLError("%s: expected '{' after op(%s, ...)" % (where, match.group("name")))
        end = _matching(clean, brace, "{", "}")
        replicate = 0
        plain = []
        for ann in re.findall(r"pure|replicate\s*\(\s*\d+\s*\)|tier2|guard",
                              match.group("annotations")):
            if ann.startswith("replicate"):
                replicate = int(re.search(r"\d+", ann).group())
            else:
                plain.append(ann)
        name = match.group("name")
        if name in seen:
            raise DSLError("%s: %s defined twice" % (where, name))
        seen.add(name)
        caches: list[tuple[str, int]] = []
        inputs = _parse_items(before, where, caches)
        if len(caches) > 1:
            raise DSLError("%s: %s has %d cache entries; a uop has one operand"
                           % (where, name, len(caches)))
        ops.append(OpDefinition(
            name=name,
            inputs=inputs,
            outputs=_parse_items(after, where),
            caches=tuple(caches),
            body=text[brace + 1:end],
            annotations=tuple(plain),
            replicate=replicate,
            path=path,
            line=line,
            body_line=clean.count("\n", 0, brace + 1) + 1,
        ))
        pos = end + 1
    return DSLFile(path=path, includes=includes, ops=tuple(ops))


def parse_file(path: pathlib.Path) -> DSLFile:
    return parse_text(path.read_text(), str(path))
