"""Find the math in a Markdown or LaTeX file: blocks with their line and column, and directives.

This module only cuts text; it never interprets a formula.  Positions are what a reader needs to
find a relation again: the 1-based line and column of the block's opening delimiter, and for
every character of a block's text its own line and column (for reading errors).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

DISPLAY_ENVS = ("equation", "equation*", "align", "align*", "gather", "gather*", "multline", "multline*",
                "displaymath", "eqnarray", "eqnarray*", "flalign", "flalign*", "alignat", "alignat*", "math")


@dataclass
class Source:
    """A file's text with a table of line starts, to turn offsets into line:column."""

    name: str
    text: str
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        k = bisect.bisect_right(self.starts, offset) - 1
        return k + 1, offset - self.starts[k] + 1


@dataclass
class Block:
    """A piece of math: ``text`` starts at ``offset`` in the file; ``line``/``column`` are those of
    the opening delimiter (notation.md's ``line``)."""

    text: str
    offset: int
    line: int
    column: int
    display: bool
    environment: str | None = None


@dataclass
class Directive:
    line: int
    column: int
    text: str


@dataclass
class Problem:
    """Something in the file itself that cannot be read (an unterminated ``$$``, ``\\input``)."""

    line: int
    column: int
    message: str


Item = Block | Directive | Problem

_MD_DIRECTIVE = re.compile(r"<!--\s*derivator:(?P<body>.*?)-->", re.S)
_TEX_DIRECTIVE = re.compile(r"^[ \t]*%[ \t]*derivator:(?P<body>.*)$", re.M)
_FENCE = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$", re.M)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_INCLUDE = re.compile(r"\\(input|include|includeonly|InputIfFileExists)\b")


def _escaped(text: str, i: int) -> bool:
    """True when text[i] is preceded by an odd number of backslashes."""
    k, n = i - 1, 0
    while k >= 0 and text[k] == "\\":
        n += 1
        k -= 1
    return n % 2 == 1


def _take(src: Source, text: str, out: list["Item"], start: int, body: int, closer: str, display: bool,
          env: str | None = None, paragraph: bool = False) -> int | None:
    """The block opened at ``start`` whose text begins at ``body`` and ends at ``closer``: append it
    and return where scanning goes on; or append a Problem (never closed; in Markdown also when a
    blank line, the end of a paragraph, comes first) and return None."""
    end = text.find(closer, body)
    while end >= 0 and _escaped(text, end):
        end = text.find(closer, end + 1)
    ln, col = src.position(start)
    blank = _BLANK_LINE.search(text, body, end if end >= 0 else len(text)) if paragraph else None
    if end < 0 or blank is not None:
        opener = f"\\begin{{{env}}}" if env else text[start:body]
        where = "before the end of the file" if end < 0 else "before the paragraph ends"
        out.append(Problem(ln, col, f"{opener} is never closed: no {closer} {where}"))
        return None
    out.append(Block(text[body:end], body, ln, col, display, env))
    return end + len(closer)


def markdown(src: Source) -> list[Item]:
    """Blocks of a Markdown file: ``$$…$$``, ``\\[…\\]``, ``$…$``, fenced ``math`` blocks, and
    ``<!-- derivator: … -->`` directives.  Code spans and other fenced blocks are skipped."""
    text, out = src.text, []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        line_start = text.rfind("\n", 0, i) + 1
        if i == line_start:
            m = _FENCE.match(text, i)
            if m:
                fence = m.group("fence")
                close = re.compile(rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
                body_start = m.end() + 1
                e = close.search(text, body_start)
                body_end = e.start() if e else n
                if m.group("info").strip().lower() == "math":
                    ln, col = src.position(i)
                    out.append(Block(text[body_start:body_end], body_start, ln, col, True, "math"))
                i = (e.end() if e else n)
                continue
        if text.startswith("<!--", i):
            end = text.find("-->", i)
            end = n if end < 0 else end + 3
            m = _MD_DIRECTIVE.match(text, i)
            if m and m.end() <= end:
                ln, col = src.position(i)
                out.append(Directive(ln, col, m.group("body").strip()))
            i = end
            continue
        if c == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            close = text.find("`" * run, i + run)
            i = close + run if close >= 0 else i + run
            continue
        if c == "\\" and text.startswith("\\[", i) and not _escaped(text, i):
            nxt = _take(src, text, out, i, i + 2, "\\]", True)
            i = i + 2 if nxt is None else nxt
            continue
        if c == "\\" and i + 1 < n:
            i += 2  # an escaped character (\$ among them)
            continue
        if c == "$":
            if text.startswith("$$", i):
                nxt = _take(src, text, out, i, i + 2, "$$", True, paragraph=True)
                if nxt is None:  # go on with the next line: the rest of the file is still read
                    nxt = text.find("\n", i)
                    nxt = n if nxt < 0 else nxt + 1
                i = nxt
                continue
            end = _inline_end(text, i)
            if end is not None:
                ln, col = src.position(i)
                out.append(Block(text[i + 1:end], i + 1, ln, col, False))
                i = end + 1
                continue
        i += 1
    return out


def _inline_end(text: str, i: int) -> int | None:
    """The closing ``$`` of an inline formula opened at ``i`` (pandoc's rule: no space just inside
    the dollars, no digit just after the closing one, no blank line in between)."""
    if i + 1 >= len(text) or text[i + 1].isspace():
        return None
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "\n" and text.startswith("\n", j + 1):
            return None
        if text[j] == "`":  # a code span starts before the formula would end
            return None
        if text[j] == "$":
            if text[j - 1].isspace() or (j + 1 < len(text) and text[j + 1].isdigit()):
                return None
            return j
        j += 1
    return None


def _strip_tex_comments(text: str) -> str:
    """Blank out ``%`` comments (keeping every offset) so that they hide no delimiter."""
    out = []
    for line in text.split("\n"):
        k = 0
        while True:
            k = line.find("%", k)
            if k < 0 or not _escaped(line, k):
                break
            k += 1
        out.append(line if k < 0 else line[:k] + " " * (len(line) - k))
    return "\n".join(out)


def latex(src: Source) -> list[Item]:
    """Blocks of a LaTeX file: the display environments, ``\\[…\\]``, ``$$…$$``, ``$…$``, ``\\(…\\)``
    and ``% derivator: …`` directives.  ``\\input`` and ``\\include`` are reported, never followed."""
    raw = src.text
    text = _strip_tex_comments(raw)
    out: list[Item] = []
    for m in _TEX_DIRECTIVE.finditer(raw):
        ln, col = src.position(m.start())
        out.append(Directive(ln, col, m.group("body").strip()))
    for m in _INCLUDE.finditer(text):
        if not _escaped(text, m.start()):
            ln, col = src.position(m.start())
            out.append(Problem(ln, col, f"\\{m.group(1)} is not followed: derivator reads only the files it is given"))
    i, n = 0, len(text)
    begin = re.compile(r"\\begin\{(?P<env>[a-zA-Z*]+)\}")
    while i < n:
        c = text[i]
        if c == "\\":
            m = begin.match(text, i)
            if m and m.group("env") in DISPLAY_ENVS:
                env = m.group("env")
                nxt = _take(src, text, out, i, m.end(), f"\\end{{{env}}}", True, env)
                i = m.end() if nxt is None else nxt
                continue
            for opener, closer in (("\\[", "\\]"), ("\\(", "\\)")):
                if text.startswith(opener, i):
                    nxt = _take(src, text, out, i, i + 2, closer, opener == "\\[")
                    i = i + 2 if nxt is None else nxt
                    break
            else:
                i += 2
            continue
        if c == "$":
            if text.startswith("$$", i):
                nxt = _take(src, text, out, i, i + 2, "$$", True)
                i = i + 2 if nxt is None else nxt
                continue
            end = text.find("$", i + 1)
            while end >= 0 and _escaped(text, end):
                end = text.find("$", end + 1)
            ln, col = src.position(i)
            if end < 0:
                out.append(Problem(ln, col, "$ is never closed"))
                i += 1
                continue
            out.append(Block(text[i + 1:end], i + 1, ln, col, False))
            i = end + 1
            continue
        i += 1
    out.sort(key=lambda x: (x.line, x.column))
    return out


def scan(src: Source, kind: str) -> list[Item]:
    """``kind`` is ``"md"`` or ``"tex"``."""
    return markdown(src) if kind == "md" else latex(src)
