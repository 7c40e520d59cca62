"""The article as a list of blocks, and the light markup its language templates are written in.

An article's prose lives in ``templates/article.<lang>.j2``.  Rendering such a template gives text
in a small Markdown-like markup that this module reads into blocks (headings, paragraphs, displays,
figures, tables, listings, boxes); the format templates (``article.md.j2``, ``.tex.j2``,
``.html.j2``) then walk the blocks.  Why an intermediate form instead of rendering each format
straight from the prose: TeX needs the prose escaped and the math not, HTML the other way round,
and only a parser that knows which is which can do both; the writer of the prose writes neither.

The markup (one block per paragraph, blocks separated by blank lines)::

    ## Heading                 ### Sub-heading
    > A note.                  - an item (a line that does not start with "- " continues it)
    ::: Title of a box         :::  (ends the box)
    :::? Title of an answer    :::  (ends it; HTML: <details>, opened by the reader)
    1. a numbered item         2. the next
    ![Title](figure)           then the caption, on the lines that follow
    | header | header |        |---|---|, then one row per line, each cell one formula
    ```python … ```            a listing, verbatim
    anything else is a paragraph

Formulas, references and displays are not written in the markup: the template's calls return
*tokens* (private-use characters around a payload, see :func:`math_token`, :func:`ref_token`,
:func:`block_token`) that this parser turns into segments and blocks.  No text of the template is
ever evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import fit

OPEN, SEP, CLOSE = "\ue000", "\ue001", "\ue002"
_TOKEN = re.compile(f"{OPEN}([mrb]){SEP}([^{CLOSE}]*){CLOSE}")
#: a numbered item: "1. " at the start of a line
_NUMBERED = re.compile(r"(\d+)\. ")
#: a line break between two of these characters is not a space (Chinese prose)
_CJK = re.compile("[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")


class MarkupError(Exception):
    """The rendered template is not valid markup (the message says which line and why)."""


def math_token(latex: str) -> str:
    """Inline math in the prose (LaTeX without delimiters)."""
    return f"{OPEN}m{SEP}{latex}{CLOSE}"


def ref_token(number: int) -> str:
    """A reference to display ``number``."""
    return f"{OPEN}r{SEP}{number}{CLOSE}"


def block_token(index: int) -> str:
    """Block ``index`` of the table of blocks the template's calls made (a display, a figure, …)."""
    return f"{OPEN}b{SEP}{index}{CLOSE}"


# ---------------------------------------------------------------------------------------------
# the document model


@dataclass(frozen=True)
class Text:
    """Prose with inline math: ``(("text", "…"), ("math", "a_{ij}^{(L)}"), ("ref", "3"), …)``."""

    segments: tuple[tuple[str, str], ...]

    @property
    def math_count(self) -> int:
        return sum(kind == "math" for kind, _ in self.segments)


@dataclass(frozen=True)
class Heading:
    level: int
    text: Text
    kind: str = "heading"


@dataclass(frozen=True)
class Para:
    text: Text
    style: str = "p"  # "p" or "note"
    kind: str = "para"


@dataclass(frozen=True)
class Items:
    items: tuple[Text, ...]
    kind: str = "items"
    #: "1. " items: numbered (the exercises), starting at ``start``
    ordered: bool = False
    start: int = 1


@dataclass(frozen=True)
class Step:
    """One relation of a display: ``lhs op rhs`` (``lhs`` empty: the chain goes on)."""

    lhs: str
    rhs: str
    mark: str  # LaTeX of the proof mark (shown with --proof-marks)
    op: str = "="


@dataclass(frozen=True)
class Display:
    rows: tuple[Step, ...]
    marks: bool
    number: int
    punct: str = "."  # the display ends a sentence, or "," when the sentence goes on after it
    kind: str = "display"

    @property
    def latex(self) -> str:
        """The math of the display, without delimiters; one relation inline, a chain aligned; the
        punctuation after the last relation, before its proof mark."""
        last = len(self.rows) - 1
        if last == 0:
            r = self.rows[0]
            tail = rf" \qquad {r.mark}" if self.marks and r.mark else ""
            return f"{r.lhs} {r.op} {r.rhs}{self.punct}{tail}"
        lines = []
        for n, r in enumerate(self.rows):
            tail = f" && {r.mark}" if self.marks and r.mark else ""
            lines.append(f"{r.lhs} &{r.op} {r.rhs}{self.punct if n == last else ''}{tail}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    @property
    def narrow(self) -> str:
        """The display for a phone (HTML, Markdown): a right-hand side wider than
        :data:`fit.PHONE` goes on over several rows, each continuation an ``&\\qquad`` row that
        starts with ``\\times`` (a product broken) or its ``+``/``-`` (a sum broken); ``derivator
        check`` reads such a row as the rest of the row above."""
        return self.broken(fit.PHONE)

    @property
    def wide(self) -> str:
        """The display for the printed page (LaTeX): broken as :attr:`narrow`, at the page's
        :data:`fit.LINE` (less the proof marks' room), so that a long closed form is printed whole
        rather than overfull or left out."""
        return self.broken(fit.LINE - (fit.MARK if self.marks else 0.0))

    def broken(self, line: float) -> str:
        """The display with every right-hand side broken into rows of at most ``line`` em."""
        offset = max(fit.width(r.lhs) for r in self.rows) + 1.0
        pieces = [break_rows(r.rhs, line - offset) for r in self.rows]
        if all(len(p) == 1 for p in pieces):
            return self.latex
        last = len(self.rows) - 1
        lines = []
        for n, (r, parts) in enumerate(zip(self.rows, pieces)):
            tail = f" && {r.mark}" if self.marks and r.mark else ""
            parts = parts[:-1] + [parts[-1] + (self.punct if n == last else "")]
            lines.append(f"{r.lhs} &{r.op} {parts[0]}" + ("" if len(parts) > 1 else tail))
            for k, part in enumerate(parts[1:], 2):
                lines.append(f" &\\qquad {part}" + (tail if k == len(parts) else ""))
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _items(tex: str) -> list[str]:
    """``tex`` split at its spaces outside braces and brackets: the factors of a product, the terms
    and signs of a sum (our printer puts one space between them)."""
    items, depth, start = [], 0, 0
    for k, c in enumerate(tex):
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c == " " and depth == 0:
            if tex[start:k]:
                items.append(tex[start:k])
            start = k + 1
    if tex[start:]:
        items.append(tex[start:])
    return items


#: a number or a fraction of numbers and n: the coefficient of a term, printed before its factors
_COEFFICIENT = re.compile(r"^(?:\d+|\\frac\{\d+\}\{(?:\d+|n)\})$")


def break_rows(rhs: str, room: float) -> list[str]:
    """``rhs`` as rows no wider than ``room`` em where it can be broken: before a factor of a
    product (the row then starts with ``\\times``) or before the sign of a term of a sum; never
    right after a Σ (its body follows it) or a sign.  One row when it fits."""
    if fit.width(rhs) <= room:
        return [rhs]
    units: list[
        list[str]
    ] = []  # what stays together: Σ heads with the factor after them, a sign with its term, a
    # coefficient (1/n, 2) with what it multiplies: "− 1/n" never ends a row
    for item in _items(rhs):
        last = units[-1][-1] if units else ""
        if units and (last.startswith("\\sum") or last in ("+", "-") or _COEFFICIENT.match(last)):
            units[-1].append(item)
        else:
            units.append([item])
    rows: list[list[str]] = [[]]
    used = 0.0
    for unit in units:
        w = sum(fit.width(x) + 0.3 for x in unit)
        if rows[-1] and used + w > room - (2.0 if len(rows) > 1 else 0.0):
            rows.append([] if unit[0] in ("+", "-") else ["\\times"])
            used = 2.0
        rows[-1].extend(unit)
        used += w
    return [" ".join(r) for r in rows]


@dataclass(frozen=True)
class Directive:
    """A ``derivator check`` directive (notation.md): invisible to readers, it tells the checker
    which network the following formulas live in, so that the article checks clean."""

    text: str
    kind: str = "directive"


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    svg: str
    tikz: str
    caption: Text
    number: int
    kind: str = "figure"

    @property
    def src(self) -> str:
        """Where the Markdown finds the picture (GitHub strips inline SVG): one file per language,
        since the picture's title is in the article's language."""
        return f"figures/{self.name}.svg"


@dataclass(frozen=True)
class Table:
    """A table of (quantity, value) rows under a header row: the worked example's numbers."""

    header: tuple[Text, ...]
    rows: tuple[tuple[Text, ...], ...]
    kind: str = "table"


@dataclass(frozen=True)
class Code:
    """A program listing (verbatim in every format)."""

    language: str
    text: str
    kind: str = "code"


@dataclass(frozen=True)
class Box:
    """Start (``open``) or end of a framed box: the summary of the four equations; or, with
    ``style="details"`` (``:::? title``), an answer the reader opens (HTML ``<details>``)."""

    open: bool
    title: Text | None = None
    kind: str = "box"
    style: str = "box"


@dataclass(frozen=True)
class Widget:
    """The worked example a reader moves (HTML only; the other formats leave it out): sliders, each
    ``(key, label, low, high, value)``, a table of ``(label, key)`` rows whose numbers the script
    recomputes, and the script itself (generated from the proved formulas, interactive.py)."""

    title: Text
    sliders: tuple[tuple[str, Text, float, float, float], ...]
    rows: tuple[tuple[Text, str], ...]
    script: str
    kind: str = "widget"


Block = Heading | Para | Items | Display | Figure | Directive | Table | Code | Box | Widget


@dataclass
class Article:
    lang: str
    title: str
    author: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def formula_count(self) -> int:
        """Math items a renderer must typeset: displays plus inline math (HTML tests compare)."""
        n = 0
        for b in self.blocks:
            if isinstance(b, Display):
                n += 1
            elif isinstance(b, (Heading, Para)):
                n += b.text.math_count
            elif isinstance(b, Items):
                n += sum(t.math_count for t in b.items)
            elif isinstance(b, Figure):
                n += b.caption.math_count
            elif isinstance(b, Table):
                n += sum(t.math_count for row in (b.header, *b.rows) for t in row)
            elif isinstance(b, Box) and b.title is not None:
                n += b.title.math_count
        return n

    @property
    def html_formula_count(self) -> int:
        """:attr:`formula_count` and the math of the sliders, which only the HTML page has."""
        n = self.formula_count
        for b in self.blocks:
            if isinstance(b, Widget):
                n += sum(t.math_count for _, t, *_ in b.sliders)
                n += sum(t.math_count for t, _ in b.rows)
        return n


# ---------------------------------------------------------------------------------------------
# reading the markup

#: what a block token stands for: blocks placed as they are (a display and its directive), or a
#: figure, made once its title and caption are read: ``make(title, caption, number)``
Entry = list[Block] | Callable[[str, Text, int], Figure]


def _join(lines: Sequence[str]) -> str:
    """Lines of one paragraph as one line: a space between words, none between Chinese characters."""
    if not lines:
        return ""
    out = lines[0].strip()
    for line in lines[1:]:
        line = line.strip()
        out += ("" if _CJK.match(out[-1:]) or _CJK.match(line[:1]) else " ") + line
    return out


def text(src: str, where: str) -> Text:
    """Prose with math and reference tokens as segments; a block token here is an error."""
    segments: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(src):
        if m.start() > pos:
            segments.append(("text", src[pos : m.start()]))
        if m.group(1) == "b":
            raise MarkupError(
                f"{where}: a display or figure inside a sentence; give it a paragraph of its own"
            )
        segments.append(("math" if m.group(1) == "m" else "ref", m.group(2)))
        pos = m.end()
    if pos < len(src):
        segments.append(("text", src[pos:]))
    return Text(tuple(segments))


def _chunks(src: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of each block: blank lines separate, a fenced listing is one."""
    chunks: list[tuple[int, list[str]]] = []
    lines = src.split("\n")
    n, start = 0, 0
    current: list[str] = []
    while n < len(lines):
        line = lines[n]
        if line.startswith("```"):
            if current:
                chunks.append((start, current))
                current = []
            end = next((k for k in range(n + 1, len(lines)) if lines[k].startswith("```")), None)
            if end is None:
                raise MarkupError(f"line {n + 1}: a listing that never ends (```)")
            chunks.append((n + 1, lines[n : end + 1]))
            n = end + 1
            continue
        if line.strip():
            if not current:
                start = n + 1
            current.append(line)
        elif current:
            chunks.append((start, current))
            current = []
        n += 1
    if current:
        chunks.append((start, current))
    return chunks


def parse(src: str, table: Sequence[Entry]) -> list[Block]:
    """The blocks of a rendered language template; ``table`` holds what its block tokens stand for."""
    blocks: list[Block] = []
    boxes: list[str] = []  # the styles of the boxes open here, innermost last
    figures = 0
    for start, lines in _chunks(src):
        where = f"line {start}"
        first = lines[0].strip()
        whole = _join(lines)
        if first.startswith("```"):
            blocks.append(Code(first[3:].strip(), "\n".join(lines[1:-1])))
        elif first.startswith("#"):
            level = len(first) - len(first.lstrip("#"))
            blocks.append(Heading(level, text(_join(lines)[level:].strip(), where)))
        elif first.startswith(">"):
            blocks.append(Para(text(_join([first[1:]] + lines[1:]), where), style="note"))
        elif first.startswith("- "):
            items: list[list[str]] = []
            for line in lines:
                if line.startswith("- "):
                    items.append([line[2:]])
                else:
                    items[-1].append(line)
            blocks.append(Items(tuple(text(_join(item), where) for item in items)))
        elif (numbered := _NUMBERED.match(first)) is not None:
            items = []
            for line in lines:
                m = _NUMBERED.match(line)
                if m is not None:
                    items.append([line[m.end() :]])
                else:
                    items[-1].append(line)
            blocks.append(
                Items(
                    tuple(text(_join(item), where) for item in items),
                    ordered=True,
                    start=int(numbered.group(1)),
                )
            )
        elif first.startswith("|"):

            def cells(line: str) -> list[str]:
                return [c.strip() for c in line.strip().strip("|").split("|")]

            blocks.append(
                Table(
                    tuple(text(c, where) for c in cells(lines[0])),
                    tuple(tuple(text(c, where) for c in cells(line)) for line in lines[2:]),
                )
            )
        elif first == ":::":
            if not boxes:
                raise MarkupError(f"{where}: ::: closes a box that was never opened")
            blocks.append(Box(False, style=boxes.pop()))
        elif first.startswith(":::"):
            style = "details" if first.startswith(":::?") else "box"
            boxes.append(style)
            title = first[4:] if style == "details" else first[3:]
            blocks.append(Box(True, text(_join([title] + lines[1:]), where), style=style))
        elif first.startswith("!["):
            m = re.fullmatch(rf"!\[(.*)\]\({OPEN}b{SEP}(\d+){CLOSE}\)", first)
            if m is None:
                raise MarkupError(f"{where}: a figure is ![title](figure), alone on its line")
            make = table[int(m.group(2))]
            if isinstance(make, list):
                raise MarkupError(f"{where}: ![…](…) needs a figure")
            figures += 1
            blocks.append(make(m.group(1), text(_join(lines[1:]), where), figures))
        elif all(
            m is not None and m.group(1) == "b"
            for m in (_TOKEN.fullmatch(ln.strip()) for ln in lines)
        ):
            for line in lines:
                entry = table[int(line.strip()[3:-1])]
                if not isinstance(entry, list):
                    raise MarkupError(
                        f"{where}: a figure is placed with ![title](figure) and its caption"
                    )
                blocks.extend(entry)
        else:
            blocks.append(Para(text(whole, where)))
    return blocks
