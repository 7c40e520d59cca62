"""The macros a document defines, expanded where it uses them: a reader's substitution, never TeX.

Authors name their notation: ``\\newcommand{\\Wmatr}{\\mathbf{W}}``, ``\\def\\matr#1{\\mathbf{#1}}``,
``\\DeclareMathOperator{\\relu}{ReLU}``, MathJax's ``$$\\newcommand{\\subk}[1]{#1_k}$$`` at the top of
a post.  A definition means that each later ``\\Wmatr`` is read as ``\\mathbf{W}``: the text is
rewritten token by token (arguments put in for ``#1`` … ``#9``) before anything reads it, so that
every later stage sees what the author's readers see.  Nothing is executed: a definition is a
pattern and its body, and expansion only copies text.

It is bounded: a definition whose body uses itself (directly or through other macros) is refused
at its own line and column, and an expansion that grows past :data:`MAX_OUTPUT` characters or
:data:`MAX_EXPANSIONS` substitutions is refused at its use.  Every character of the expanded text
remembers the span of the written text it came from (an argument's characters their own place,
a body's the whole use), so that an error points into the line the author wrote, and a relation
is reported as written.

Scope: a definition holds from where it stands to the end of the file (MathJax makes macros
global; in LaTeX a preamble definition is).  In Markdown only definitions inside math are read
(MathJax reads no other); in LaTeX, any outside comments and verbatim text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import blocks

#: the longest text an expansion may produce (the parser's own limit on a formula)
MAX_OUTPUT = 20_000
#: the most substitutions in one block
MAX_EXPANSIONS = 2_000
#: the most parameters a macro can have (TeX's #1 … #9)
MAX_PARAMETERS = 9

_DEFINER = re.compile(
    r"\\(?P<cmd>newcommand|renewcommand|providecommand|def|DeclareMathOperator)(?![A-Za-z])"
    r"(?P<star>\*?)"
)
_NAME = re.compile(r"\\([A-Za-z]+)")


class MacroError(ValueError):
    """A definition or a use that cannot be expanded; ``pos`` is its offset in the text read."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


@dataclass(frozen=True)
class Macro:
    """``\\name`` with ``parameters`` arguments (the first optional when ``default`` is set)."""

    name: str
    parameters: int
    body: str
    default: str | None = None


@dataclass
class _Definition:
    macro: Macro
    start: int
    end: int


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _balanced(text: str, i: int, opener: str = "{", closer: str = "}") -> tuple[str, int]:
    """The content of the group opened at ``text[i]`` and the offset after it."""
    depth, k = 0, i
    while k < len(text):
        c = text[k]
        if c == "\\":
            k += 2
            continue
        if c == opener:
            depth += 1
        elif c == closer:
            depth -= 1
            if depth == 0:
                return text[i + 1 : k], k + 1
        k += 1
    raise MacroError(f"{opener} is never closed", i)


def _defined_name(text: str, i: int, start: int) -> tuple[str, int]:
    """``{\\name}`` or ``\\name`` after a defining command."""
    i = _skip_spaces(text, i)
    braced = text.startswith("{", i)
    m = _NAME.match(text, i + braced)
    if m is None:
        raise MacroError("a macro definition needs a name \\name made of letters", start)
    j = m.end()
    if braced:
        j = _skip_spaces(text, j)
        if not text.startswith("}", j):
            raise MacroError("a macro definition names one macro, as {\\name}", start)
        j += 1
    return m.group(1), j


def _body(text: str, i: int, start: int) -> tuple[str, int]:
    i = _skip_spaces(text, i)
    if not text.startswith("{", i):
        raise MacroError("a macro definition needs its body in braces", start)
    return _balanced(text, i)


def _newcommand(text: str, i: int, start: int) -> tuple[Macro, int]:
    """``{\\name}[n][default]{body}`` (the form of \\newcommand, \\renewcommand, \\providecommand)."""
    name, i = _defined_name(text, i, start)
    parameters, default = 0, None
    j = _skip_spaces(text, i)
    if text.startswith("[", j):
        count, i = _balanced(text, j, "[", "]")
        if not count.strip().isdigit() or not 0 <= int(count) <= MAX_PARAMETERS:
            raise MacroError(
                f"the number of a macro's arguments is a digit 0 to {MAX_PARAMETERS}", start
            )
        parameters = int(count)
        j = _skip_spaces(text, i)
        if text.startswith("[", j):
            default, i = _balanced(text, j, "[", "]")
    body, i = _body(text, i, start)
    return Macro(name, parameters, body, default), i


def _def(text: str, i: int, start: int) -> tuple[Macro, int]:
    """``\\name#1#2{body}``: plain TeX's definition, with undelimited parameters only."""
    name, i = _defined_name(text, i, start)
    parameters = 0
    while text.startswith(f"#{parameters + 1}", i):
        parameters += 1
        i += 2
    if not text.startswith("{", _skip_spaces(text, i)) or text[i : _skip_spaces(text, i)].strip():
        raise MacroError(
            "a \\def whose parameters are delimited by text is not read: write "
            "\\newcommand{\\name}[n]{…}",
            start,
        )
    body, i = _body(text, i, start)
    return Macro(name, parameters, body), i


def _operator(text: str, i: int, start: int) -> tuple[Macro, int]:
    """``\\DeclareMathOperator{\\name}{Word}``: ``\\name`` is ``\\operatorname{Word}``."""
    name, i = _defined_name(text, i, start)
    word, i = _body(text, i, start)
    return Macro(name, 0, f"\\operatorname{{{word}}}"), i


def definition_at(text: str, m: re.Match[str]) -> _Definition:
    """The definition whose command ``m`` matched (raises :class:`MacroError` at its start)."""
    cmd, start = m.group("cmd"), m.start()
    read = {"def": _def, "DeclareMathOperator": _operator}.get(cmd, _newcommand)
    macro, end = read(text, m.end(), start)
    if "#" in macro.body and _top_parameter(macro) is not None:
        raise MacroError(
            f"the body of \\{macro.name} uses #{_top_parameter(macro)}, but the macro has "
            f"{macro.parameters} argument{'s' if macro.parameters != 1 else ''}",
            start,
        )
    return _Definition(macro, start, end)


def _top_parameter(macro: Macro) -> int | None:
    """A parameter number the body uses beyond the macro's own (``##`` is a literal #)."""
    for m in re.finditer(r"#+(\d)?", macro.body):
        if len(m.group(0).rstrip("0123456789")) % 2 and (
            m.group(1) is None or int(m.group(1)) > macro.parameters or m.group(1) == "0"
        ):
            return int(m.group(1) or 0)
    return None


class Table:
    """The macros defined so far in a file, in reading order."""

    def __init__(self) -> None:
        self.macros: dict[str, Macro] = {}

    def define(self, d: _Definition) -> None:
        """Add a definition, refusing one that uses itself through the macros in force."""
        cycle = self._cycle(d.macro)
        if cycle:
            path = " → ".join(f"\\{x}" for x in cycle)
            raise MacroError(
                f"a recursive macro: \\{d.macro.name} expands to itself ({path}); a reader "
                "cannot substitute it",
                d.start,
            )
        self.macros[d.macro.name] = d.macro

    def _cycle(self, macro: Macro) -> list[str]:
        """The names from ``macro`` back to itself through the bodies of the table, or []."""
        stack: list[tuple[str, list[str]]] = [(macro.body, [macro.name])]
        seen: set[str] = set()
        while stack:
            body, path = stack.pop()
            for name in sorted(set(_NAME.findall(body))):
                if name == macro.name:
                    return [*path, name]
                if name in self.macros and name not in seen:
                    seen.add(name)
                    stack.append((self.macros[name].body, [*path, name]))
        return []


def _argument(text: str, i: int, use: int, name: str) -> tuple[int, int, int]:
    """One undelimited argument after ``\\name``: (content start, content end, end)."""
    i = _skip_spaces(text, i)
    if i >= len(text) or text[i] == "}":
        raise MacroError(f"\\{name} is missing an argument", use)
    if text[i] == "{":
        _, end = _balanced(text, i)
        return i + 1, end - 1, end
    if text[i] == "\\":
        m = _NAME.match(text, i)
        end = m.end() if m else min(i + 2, len(text))
        return i, end, end
    return i, i + 1, i + 1


class _Buffer:
    """A text being expanded, each character with the span of the written text it stands for."""

    def __init__(self, text: str, offset: int) -> None:
        self.text = text
        self.spans = [(offset + k, offset + k + 1) for k in range(len(text))]

    def replace(
        self, i: int, j: int, pieces: list[tuple[str, list[tuple[int, int]] | None]]
    ) -> None:
        """``text[i:j]`` becomes the pieces; a piece without spans stands for the whole of i:j."""
        whole = (min(s for s, _ in self.spans[i:j]), max(e for _, e in self.spans[i:j]))
        text, spans = [], []
        for piece, own in pieces:
            text.append(piece)
            spans += own if own is not None else [whole] * len(piece)
        self.text = self.text[:i] + "".join(text) + self.text[j:]
        self.spans[i:j] = spans


def _substituted(
    buf: _Buffer, macro: Macro, i: int, after: int
) -> tuple[int, list[tuple[str, list[tuple[int, int]] | None]]]:
    """The body of ``macro`` used at ``buf.text[i:after]`` with its arguments put in: where the
    use ends, and the pieces that replace it."""
    args: list[tuple[int, int]] = []
    end = after
    first = 0
    if macro.default is not None:
        j = _skip_spaces(buf.text, end)
        if buf.text.startswith("[", j):
            _, close = _balanced(buf.text, j, "[", "]")
            args.append((j + 1, close - 1))
            end = close
        else:
            args.append((-1, -1))
        first = 1
    for _ in range(first, macro.parameters):
        a, b, end = _argument(buf.text, end, buf.spans[i][0], macro.name)
        args.append((a, b))
    pieces: list[tuple[str, list[tuple[int, int]] | None]] = []
    last = 0
    body = macro.body
    for m in re.finditer(r"##|#(\d)", body):
        pieces.append((body[last : m.start()], None))
        if m.group(0) == "##":
            pieces.append(("#", None))
        else:
            a, b = args[int(m.group(1)) - 1]
            if a < 0:
                pieces.append((macro.default or "", None))
            else:
                pieces.append((buf.text[a:b], buf.spans[a:b]))
        last = m.end()
    pieces.append((body[last:], None))
    # a body ending in a command name must not run into letters that follow the use
    if re.search(r"\\[A-Za-z]+$", body) and buf.text[end : end + 1].isalpha():
        pieces.append((" ", None))
    return end, pieces


def expand(
    text: str, offset: int, table: Table
) -> tuple[str, list[tuple[int, int]], list[MacroError]]:
    """``text`` (standing at ``offset`` in its file) with the definitions in it read (and blanked)
    and every use of a macro of ``table`` replaced by its body: the expanded text, the written
    span of each of its characters, and the definitions refused (positions are file offsets).
    A use that cannot be expanded raises :class:`MacroError` at the use."""
    buf = _Buffer(text, offset)
    refused: list[MacroError] = []
    count, i = 0, 0
    while (i := buf.text.find("\\", i)) >= 0:
        d = _DEFINER.match(buf.text, i)
        if d is not None:
            i = _read_definition(buf, d, table, refused)
            continue
        m = _NAME.match(buf.text, i)
        if m is None or m.group(1) not in table.macros:
            i = m.end() if m else i + 2
            continue
        count += 1
        if count > MAX_EXPANSIONS:
            raise MacroError(
                f"more than {MAX_EXPANSIONS:,} macro substitutions in one formula", buf.spans[i][0]
            )
        try:
            end, pieces = _substituted(buf, table.macros[m.group(1)], i, m.end())
        except MacroError as e:
            raise MacroError(str(e), buf.spans[i][0]) from None
        buf.replace(i, end, pieces)
        if len(buf.text) > MAX_OUTPUT:
            raise MacroError(
                f"the macros expand to more than {MAX_OUTPUT:,} characters", buf.spans[i][0]
            )
    return buf.text, buf.spans, refused


def _read_definition(
    buf: _Buffer, d: re.Match[str], table: Table, refused: list[MacroError]
) -> int:
    """Read the definition at ``d`` into the table and blank it; where reading goes on."""
    try:
        definition = definition_at(buf.text, d)
        if d.group("cmd") != "providecommand" or definition.macro.name not in table.macros:
            table.define(definition)
        end = definition.end
    except MacroError as e:
        refused.append(MacroError(str(e), buf.spans[e.pos][0]))
        end = d.end()
    blank = re.sub(r"[^\n]", " ", buf.text[d.start() : end])
    buf.text = buf.text[: d.start()] + blank + buf.text[end:]
    return end


def _typeset_definitions(
    src: blocks.Source, items: list[blocks.Item]
) -> list[tuple[int, re.Match[str]]]:
    """In a LaTeX file, the definitions outside its math blocks (the preamble's), with offsets."""
    text = blocks.typeset_text(src)
    inside = [(x.offset, x.offset + len(x.text)) for x in items if isinstance(x, blocks.Block)]
    return [
        (m.start(), m)
        for m in _DEFINER.finditer(text)
        if not blocks.escaped(text, m.start()) and not any(a <= m.start() < b for a, b in inside)
    ]


def expand_items(src: blocks.Source, items: list[blocks.Item], kind: str) -> list[blocks.Item]:
    """The items of a file with the document's macros expanded in its blocks; a definition that
    cannot be read, and a use that cannot be expanded, become Problems at their place."""
    if "\\" not in src.text or not _DEFINER.search(src.text):
        return items
    outside = _typeset_definitions(src, items) if kind == "tex" else []
    text = blocks.typeset_text(src) if kind == "tex" else src.text
    table, out = Table(), list[blocks.Item]()
    problems: list[blocks.Item] = []
    for item in items:
        if not isinstance(item, blocks.Block):
            out.append(item)
            continue
        while outside and outside[0][0] < item.offset:
            _define_outside(src, text, outside.pop(0)[1], table, problems)
        try:
            expanded, spans, refused = expand(item.text, item.offset, table)
        except MacroError as e:
            out.append(blocks.Problem(*src.position(e.pos), str(e)))
            continue
        problems += [blocks.Problem(*src.position(e.pos), str(e)) for e in refused]
        if expanded == item.text:
            out.append(item)
        elif expanded.strip() or not item.text.strip():  # a block of definitions only says no more
            out.append(_expanded(item, expanded, spans))
    for _, m in outside:
        _define_outside(src, text, m, table, problems)
    return sorted(out + problems, key=lambda x: (x.line, x.column))


def _define_outside(
    src: blocks.Source, text: str, m: re.Match[str], table: Table, problems: list[blocks.Item]
) -> None:
    try:
        d = definition_at(text, m)
        if m.group("cmd") != "providecommand" or d.macro.name not in table.macros:
            table.define(d)
    except MacroError as e:
        problems.append(blocks.Problem(*src.position(e.pos), str(e)))


def _expanded(block: blocks.Block, text: str, spans: list[tuple[int, int]]) -> blocks.Block:
    """The block read as ``text``, remembering what was written (offsets relative to the block)."""
    rel = tuple((a - block.offset, b - block.offset) for a, b in spans)
    return replace(block, text=text, written=block.text, spans=rel)
