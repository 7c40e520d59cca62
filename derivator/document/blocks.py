"""Find the math in a Markdown or LaTeX file: blocks with their line and column, and directives.

This module only cuts text; it never interprets a formula.  Positions are what a reader needs to
find a relation again: the 1-based line and column of the block's opening delimiter, and for
every character of a block's text its own line and column (for reading errors).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

DISPLAY_ENVS = (
    "equation",
    "equation*",
    "align",
    "align*",
    "gather",
    "gather*",
    "multline",
    "multline*",
    "displaymath",
    "eqnarray",
    "eqnarray*",
    "flalign",
    "flalign*",
    "alignat",
    "alignat*",
    "math",
)


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

    def excerpt(self, block: Block) -> Excerpt:
        """What a worker needs to place a block's errors: the block, not the whole file."""
        line, column = self.position(block.offset)
        return Excerpt(block.offset, line, column, block.source)


@dataclass
class Excerpt:
    """A block's text that knows where it stands in its file: ``position`` takes the same
    file offsets as :meth:`Source.position` (for offsets inside the block)."""

    offset: int
    line: int
    column: int
    text: str

    def position(self, offset: int) -> tuple[int, int]:
        rel = offset - self.offset
        before = self.text.count("\n", 0, rel)
        if not before:
            return self.line, self.column + rel
        return self.line + before, rel - self.text.rfind("\n", 0, rel)


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
    #: when the document's macros were expanded in ``text`` (:mod:`macros`): the text as written,
    #: and for each character of ``text`` the span of ``written`` it stands for
    written: str | None = None
    spans: tuple[tuple[int, int], ...] | None = None

    def origin(self, pos: int) -> int:
        """Where the character at ``pos`` of ``text`` was written (an offset in the block)."""
        if self.spans is None or self.written is None:
            return pos
        if pos >= len(self.spans):
            return len(self.written) + pos - len(self.spans)
        return self.spans[max(pos, 0)][0]

    def as_written(self, start: int, end: int) -> str:
        """``text[start:end]`` as the author wrote it (a macro's use, not its expansion)."""
        if self.spans is None or self.written is None:
            return self.text[start:end]
        if end <= start:
            return ""
        a = self.spans[start][0] if start < len(self.spans) else len(self.written)
        b = self.spans[min(end, len(self.spans)) - 1][1]
        return self.written[a:b]

    @property
    def source(self) -> str:
        """The block's text as written."""
        return self.text if self.written is None else self.written


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


@dataclass
class Note:
    """Something worth a warning: the file is read on, but part of it may not be what its author
    meant (an unclosed comment or code fence hides the rest of the file)."""

    line: int
    column: int
    message: str


Item = Block | Directive | Problem | Note

_MD_DIRECTIVE = re.compile(r"<!--\s*derivator:(?P<body>.*?)-->", re.S)
_TEX_DIRECTIVE = re.compile(r"^[ \t]*%[ \t]*derivator:(?P<body>.*)$", re.M)
_FENCE = re.compile(r"(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$", re.M)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BACKTICKS = re.compile(r"`+")
#: where the scanners stop to look: anything else is skipped by the regular-expression engine (in
#: Markdown a $ before a space opens nothing, and < only matters as <!--)
_MD_NEXT = re.compile(r"(?m)^[ \t]{0,3}(?=```|~~~)|[\\`]|<(?=!--)|\$(?=\$|\S)")
_BACKSLASHES = re.compile(r"\\{2,}")
_TEX_NEXT = re.compile(r"[\\$]")
#: from an opening $ (not followed by a space) up to the first $, `, blank line or the end
_INLINE = re.compile(r"\$(?!\s)(?:[^$\\`\n]|\\[\s\S]|\n(?!\n))*[$`]?")
#: the most blocks, directives and problems read from one file (a file of a million ``$x$`` is
#: refused with a Problem rather than decided)
MAX_ITEMS = 20_000
_INCLUDE = re.compile(r"\\(input|include|includeonly|InputIfFileExists)\b")
#: a bare ``\begin{…}`` in Markdown (as Jupyter and many blogs write display math without $$)
_MD_BEGIN = re.compile(r"\\begin\{(?P<env>[a-zA-Z]+\*?)\}")
#: environments that hold math but are not read on their own in Markdown: a warning names them
_MATH_LOOKING = re.compile(
    r"(?:[a-zA-Z]*matrix|array|cases|aligned|alignedat|gathered|split|subequations|dcases|"
    r"smallmatrix|subarray)\*?"
)
#: LaTeX environments whose content is not typeset as math (or at all)
SKIPPED_ENVS = ("verbatim", "verbatim*", "Verbatim", "comment", "lstlisting", "minted", "alltt")
_SKIPPED_BEGIN = re.compile(
    r"\\begin\{(?P<env>" + "|".join(re.escape(e) for e in SKIPPED_ENVS) + r")\}"
)
_IF = re.compile(
    r"\\(?:(?P<false>iffalse)|(?P<fi>fi)|(?P<else>else)|(?P<iff>iff)|if[a-zA-Z@]*)(?![a-zA-Z@])"
)


def _run_of_backslashes(text: str, i: int) -> int:
    """How many backslashes from ``i`` to skip so that one (escaping what follows) is left, or
    none: 0 for a lone one.  A run of a million is then one step, not half a million."""
    m = _BACKSLASHES.match(text, i)
    k = m.end() - i if m else 0
    return k - 1 if k % 2 else k


def escaped(text: str, i: int) -> bool:
    """True when text[i] is preceded by an odd number of backslashes (a ``\\$`` is no dollar)."""
    return _escaped(text, i)


def typeset_text(src: Source) -> str:
    """A LaTeX file's text without its comments and what is not typeset (verbatim, comment,
    \\iffalse), every offset kept: where its macro definitions are read."""
    return _skipped_tex(src, src.text, [])[1]


def _escaped(text: str, i: int) -> bool:
    """True when text[i] is preceded by an odd number of backslashes."""
    k, n = i - 1, 0
    while k >= 0 and text[k] == "\\":
        n += 1
        k -= 1
    return n % 2 == 1


class _Finder:
    """``str.find`` that remembers where a search failed, so that scanning stays linear: when
    ``closer`` is absent from ``[start, limit)``, a later search inside that range fails at once
    (a file of 100 000 unclosed ``\\[`` is read in one pass, not 100 000)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.failed: dict[str, tuple[int, int]] = {}

    def unescaped(self, closer: str, start: int, limit: int) -> int:
        lo, hi = self.failed.get(closer, (1, 0))
        if lo <= start and limit <= hi:
            return -1
        end = self.text.find(closer, start, limit)
        while end >= 0 and _escaped(self.text, end):
            end = self.text.find(closer, end + 1, limit)
        if end < 0:
            self.failed[closer] = (start, limit)
        return end


def _take(
    src: Source,
    finder: _Finder,
    out: list[Item],
    start: int,
    body: int,
    closer: str,
    display: bool,
    env: str | None = None,
    limit: int | None = None,
) -> int | None:
    """The block opened at ``start`` whose text begins at ``body`` and ends at ``closer`` before
    ``limit`` (in Markdown the end of the paragraph): append it and return where scanning goes
    on; or append a Problem (never closed) and return None."""
    text = src.text
    stop = len(text) if limit is None else limit
    end = finder.unescaped(closer, body, stop)
    ln, col = src.position(start)
    if end < 0:
        opener = f"\\begin{{{env}}}" if env else text[start:body]
        where = "before the end of the file" if stop >= len(text) else "before the paragraph ends"
        out.append(Problem(ln, col, f"{opener} is never closed: no {closer} {where}"))
        return None
    out.append(Block(text[body:end], body, ln, col, display, env))
    return end + len(closer)


class _Paragraphs:
    """Where the paragraph holding an offset ends (the next blank line), remembered so that many
    openers in one long paragraph cost one search."""

    def __init__(self, text: str) -> None:
        self.text, self.lo, self.hi = text, 1, 0

    def end(self, i: int) -> int:
        if not (self.lo <= i < self.hi):
            m = _BLANK_LINE.search(self.text, i)
            self.lo, self.hi = i, (m.start() + 1 if m else len(self.text))
        return self.hi


def markdown(src: Source) -> list[Item]:
    """Blocks of a Markdown file: ``$$…$$``, ``\\[…\\]``, ``\\(…\\)``, ``$…$``, a bare
    ``\\begin{equation}`` / ``align`` / ``align*`` (any display environment, as Jupyter writes them),
    fenced ``math`` blocks, and ``<!-- derivator: … -->`` directives; a bare environment that looks
    like math but is not read (``pmatrix``, ``cases``, ``aligned``) is a Note.  Code spans and
    other fenced blocks are skipped; a comment or fence that is never closed hides the rest of
    the file (as in CommonMark) and says so in a Note.  One pass: every search starts where the last one ended or is cut short
    by what an earlier one found."""
    return _capped(src, _MarkdownScanner(src).scan())


class _MarkdownScanner:
    """The one pass of :func:`markdown`: at each character that may open something, the first
    step that recognises it says where scanning goes on (None: not its kind)."""

    def __init__(self, src: Source) -> None:
        self.src, self.text, self.n = src, src.text, len(src.text)
        self.out = list[Item]()
        self.finder, self.paragraphs = _Finder(self.text), _Paragraphs(self.text)
        #: the length of a run of backticks that no later run closes: from where
        self.no_close_run: dict[int, int] = {}

    def scan(self) -> list[Item]:
        i = 0
        steps = (self._fence, self._comment, self._code_span, self._backslash, self._dollar)
        while (nxt := _MD_NEXT.search(self.text, i)) is not None and len(self.out) <= MAX_ITEMS:
            i = nxt.start()
            after = None
            for step in steps:
                after = step(i)
                if after is not None:
                    break
            i = i + 1 if after is None else after
        return self.out

    def _fence(self, i: int) -> int | None:
        """A code fence at the start of a line: skipped, or read when its info string is math."""
        text, src = self.text, self.src
        if not ((i == 0 or text[i - 1] == "\n") and text[i] in " \t`~"):
            return None
        m = _FENCE.match(text, i)
        if not m:
            return None
        fence = m.group("fence")
        close = re.compile(rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
        body_start = m.end() + 1
        e = close.search(text, body_start)
        body_end = e.start() if e else self.n
        ln, col = src.position(i)
        if e is None:
            self.out.append(
                Note(
                    ln,
                    col,
                    f"the code fence {fence} opened here is never closed: the rest of "
                    "the file is read as code, not checked",
                )
            )
        if m.group("info").strip().lower() == "math":
            self.out.append(Block(text[body_start:body_end], body_start, ln, col, True, "math"))
        return e.end() if e else self.n

    def _comment(self, i: int) -> int | None:
        """An HTML comment (a directive when it says ``derivator:``); one never closed ends the
        scan."""
        text = self.text
        if not text.startswith("<!--", i):
            return None
        end = text.find("-->", i + 2)
        if end < 0:
            ln, col = self.src.position(i)
            self.out.append(
                Note(
                    ln,
                    col,
                    "the comment <!-- opened here is never closed: the rest of the file "
                    "is a comment, not checked",
                )
            )
            return self.n
        end += 3
        m = _MD_DIRECTIVE.match(text, i, end)
        if m:
            ln, col = self.src.position(i)
            self.out.append(Directive(ln, col, m.group("body").strip()))
        return end

    def _code_span(self, i: int) -> int | None:
        """A code span: skipped to the same run of backticks (a run never closed is skipped)."""
        text = self.text
        if text[i] != "`":
            return None
        run = _BACKTICKS.match(text, i).end() - i  # type: ignore[union-attr]
        closing = -1 if self.no_close_run.get(run, self.n) <= i else text.find("`" * run, i + run)
        if closing < 0:
            self.no_close_run[run] = i
        return closing + run if closing >= 0 else i + run

    def _backslash(self, i: int) -> int | None:
        """``\\[…\\]``, ``\\(…\\)``, a bare environment, or an escaped character."""
        text, src, out, finder = self.text, self.src, self.out, self.finder
        if text[i] != "\\":
            return None
        if run := _run_of_backslashes(text, i):
            return i + run  # pairs of backslashes are line breaks: on to the last, odd one
        if text.startswith("\\[", i) and not _escaped(text, i):
            after = _take(src, finder, out, i, i + 2, "\\]", True)
            return i + 2 if after is None else after
        if text.startswith("\\(", i):
            limit = self.paragraphs.end(i + 2)
            after = _take(src, finder, out, i, i + 2, "\\)", False, limit=limit)
            return i + 2 if after is None else after
        if m := _MD_BEGIN.match(text, i):
            return self._environment(i, m)
        if i + 1 < self.n:
            return i + 2  # an escaped character (\$ among them)
        return None

    def _environment(self, i: int, m: re.Match[str]) -> int:
        """``\\begin{env}`` outside math: read when a display environment, else noted when it
        looks like math, else skipped."""
        env = m.group("env")
        if env in DISPLAY_ENVS:  # read as in LaTeX: a relation there is checked, never skipped
            after = _take(self.src, self.finder, self.out, i, m.end(), f"\\end{{{env}}}", True, env)
            return m.end() if after is None else after
        if _MATH_LOOKING.fullmatch(env):
            ln, col = self.src.position(i)
            self.out.append(
                Note(
                    ln,
                    col,
                    f"\\begin{{{env}}} outside $$ … $$ is not read: put it inside $$ … $$ or "
                    "an equation or align environment to have it checked",
                )
            )
        return m.end()

    def _dollar(self, i: int) -> int | None:
        """``$$…$$`` (within its paragraph, or across blank lines when it stands on lines of its
        own) or an inline ``$…$``."""
        text, src, out = self.text, self.src, self.out
        if text[i] != "$":
            return None
        if text.startswith("$$", i):
            limit = self.paragraphs.end(i + 2)
            after = _take(src, self.finder, out, i, i + 2, "$$", True, limit=limit)
            if after is None and (wide := _display_across_blank_lines(text, i)) is not None:
                out[-1] = Block(text[i + 2 : wide], i + 2, *src.position(i), True)
                after = wide + 2
            if after is None:  # go on with the next line: the rest of the file is still read
                after = text.find("\n", i)
                after = self.n if after < 0 else after + 1
            return after
        inline_end = _inline_end(text, i)
        if inline_end is None:
            return None
        ln, col = src.position(i)
        out.append(Block(text[i + 1 : inline_end], i + 1, ln, col, False))
        return inline_end + 1


#: the most lines a display may run over blank lines (``$$`` on a line of its own, a blank line
#: inside, ``$$`` ending a line): beyond that an unclosed ``$$`` is reported, not guessed
MAX_DISPLAY_LINES = 40
_FENCE_OR_COMMENT = re.compile(r"(?m)^[ \t]{0,3}(?:```|~~~)|<!--")


def _display_across_blank_lines(text: str, i: int) -> int | None:
    """Where the ``$$`` that closes the display opened at ``i`` stands, for a display with a blank
    line inside (many Markdown renderers keep such a display whole): the opener begins its line,
    the closer ends its line, within MAX_DISPLAY_LINES lines, with no other ``$$``, code fence or
    comment between.  None when the display is not of that shape (then it is never closed)."""
    line_start = text.rfind("\n", 0, i) + 1
    if text[line_start:i].strip():
        return None
    end = text.find("$$", i + 2)
    if end < 0 or text.count("\n", i, end) > MAX_DISPLAY_LINES:
        return None
    rest = text.find("\n", end)
    if text[end + 2 : len(text) if rest < 0 else rest].strip():
        return None
    if _FENCE_OR_COMMENT.search(text, i + 2, end):
        return None
    return end


def _capped(src: Source, out: list[Item]) -> list[Item]:
    """``out``, cut at MAX_ITEMS with a Problem that says where reading stopped."""
    if len(out) <= MAX_ITEMS:
        return out
    last = out[MAX_ITEMS]
    out = out[:MAX_ITEMS]
    out.append(
        Problem(
            last.line,
            last.column,
            f"more than {MAX_ITEMS:,} math blocks, directives and problems "
            "in one file: the rest of the file is not read",
        )
    )
    return out


def _inline_end(text: str, i: int) -> int | None:
    """The closing ``$`` of an inline formula opened at ``i`` (pandoc's rule: no space just inside
    the dollars, no digit just after the closing one, no blank line in between; a code span
    starting first means there is none)."""
    m = _INLINE.match(text, i)
    if m is None or m.end() - 1 == i or text[m.end() - 1] != "$":
        return None
    j = m.end() - 1
    if text[j - 1].isspace() or text[j + 1 : j + 2].isdigit():
        return None
    return j


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


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span replaced by spaces (line breaks kept, so every offset and line
    number stays what it was)."""
    if not spans:
        return text
    parts, last = [], 0
    for a, b in spans:
        parts += [text[last:a], re.sub(r"[^\n]", " ", text[a:b])]
        last = b
    parts.append(text[last:])
    return "".join(parts)


def _skipped_tex(src: Source, raw: str, out: list[Item]) -> tuple[str, str]:
    """``raw`` without what LaTeX does not typeset as math: ``verbatim``-like and ``comment``
    environments, ``%`` comments and ``\\iffalse … \\fi``; returned twice, with and without the
    ``%`` comments (directives live in comments).  Unclosed regions run to the end of the file,
    with a Note."""
    spans = []
    i = 0
    while (m := _SKIPPED_BEGIN.search(raw, i)) is not None:
        closer = f"\\end{{{m.group('env')}}}"
        end = raw.find(closer, m.end())
        if end < 0:
            ln, col = src.position(m.start())
            out.append(
                Note(
                    ln,
                    col,
                    f"\\begin{{{m.group('env')}}} is never closed: the rest of the file is "
                    "not checked",
                )
            )
            spans.append((m.start(), len(raw)))
            break
        spans.append((m.start(), end + len(closer)))
        i = end + len(closer)
    visible = _blank(raw, spans)
    text = _strip_tex_comments(visible)
    spans, depth, start = [], 0, 0
    for m in _IF.finditer(text):
        if not depth:
            if m.group("false"):
                depth, start = 1, m.start()
        elif m.group("else") or m.group("fi"):
            depth -= depth == 1 or bool(m.group("fi"))
            if not depth:  # the end of the false branch: an \else branch is typeset
                spans.append((start, m.end()))
        elif not m.group("iff"):  # \iff is the symbol ⟺, not a conditional
            depth += 1
    if depth:
        ln, col = src.position(start)
        out.append(
            Note(ln, col, "\\iffalse is never closed by \\fi: the rest of the file is not checked")
        )
        spans.append((start, len(raw)))
    return _blank(visible, spans), _blank(text, spans)


def latex(src: Source) -> list[Item]:
    """Blocks of a LaTeX file: the display environments, ``\\[…\\]``, ``$$…$$``, ``$…$``, ``\\(…\\)``
    and ``% derivator: …`` directives.  ``\\input`` and ``\\include`` are reported, never followed;
    ``verbatim``, ``comment`` and ``\\iffalse`` regions are skipped."""
    out: list[Item] = []
    visible, text = _skipped_tex(src, src.text, out)
    finder = _Finder(text)
    for m in _TEX_DIRECTIVE.finditer(visible):
        ln, col = src.position(m.start())
        out.append(Directive(ln, col, m.group("body").strip()))
    for m in _INCLUDE.finditer(text):
        if not _escaped(text, m.start()):
            ln, col = src.position(m.start())
            out.append(
                Problem(
                    ln,
                    col,
                    f"\\{m.group(1)} is not followed: derivator reads only the files it is given",
                )
            )
    i, n = 0, len(text)
    begin = re.compile(r"\\begin\{(?P<env>[a-zA-Z*]+)\}")
    while (nxt := _TEX_NEXT.search(text, i)) is not None and len(out) <= MAX_ITEMS:
        i = nxt.start()
        c = text[i]
        if c == "\\" and (run := _run_of_backslashes(text, i)):
            i += run
            continue
        if c == "\\":
            opening = begin.match(text, i)
            if opening and opening.group("env") in DISPLAY_ENVS:
                env = opening.group("env")
                after = _take(src, finder, out, i, opening.end(), f"\\end{{{env}}}", True, env)
                i = opening.end() if after is None else after
                continue
            for opener, closer in (("\\[", "\\]"), ("\\(", "\\)")):
                if text.startswith(opener, i):
                    after = _take(src, finder, out, i, i + 2, closer, opener == "\\[")
                    i = i + 2 if after is None else after
                    break
            else:
                i += 2
            continue
        if c == "$":
            if text.startswith("$$", i):
                after = _take(src, finder, out, i, i + 2, "$$", True)
                i = i + 2 if after is None else after
                continue
            end = finder.unescaped("$", i + 1, n)
            ln, col = src.position(i)
            if end < 0:
                out.append(Problem(ln, col, "$ is never closed"))
                i += 1
                continue
            out.append(Block(text[i + 1 : end], i + 1, ln, col, False))
            i = end + 1
            continue
        i += 1
    out.sort(key=lambda x: (x.line, x.column))
    return _capped(src, out)


def scan(src: Source, kind: str) -> list[Item]:
    """``kind`` is ``"md"`` or ``"tex"``."""
    return markdown(src) if kind == "md" else latex(src)
