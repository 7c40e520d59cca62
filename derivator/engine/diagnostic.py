"""The one shape of an error a person reads: where, what, the source line, a caret under the place.

::

    bad.md:2:34: unknown macro \\foo
      |
    2 | $$a^{(L)}_j = \\sigma(z^{(L)}_j + \\foo)$$
      |                                  ^

as lark and rustc print them.  The place is said once, as ``file:line:column`` (never again as
"line 2, column 34" in the message).  Every reader of a user's input formats its errors here:
``check``'s report (reading errors, directives), the command line's usage errors, templates and
data files.  It lives in the engine only because every other package may import the engine.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

#: a source line longer than this is shown around the place only
WIDEST = 100

#: ``path:line:`` or ``path:line:column:`` at the start of a message
_LOCATED = re.compile(r"^(?P<path>[^\n:]+):(?P<line>\d+)(?::(?P<column>\d+))?: ")


def _width(c: str) -> int:
    """Columns a character takes in a terminal: 2 for wide (CJK) ones, 0 for combining marks."""
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def _pad(before: str) -> str:
    """Blanks as wide as ``before`` on a terminal; a tab stays a tab, so the caret lines up."""
    return "".join("\t" if c == "\t" else " " * _width(c) for c in before)


def excerpt(source_line: str, line: int | str, column: int | None = None, span: int = 1) -> str:
    """The source line numbered in a gutter (``line``: its number, or a label such as ``$`` for a
    command line), with ``^`` under ``column`` (1-based, in characters; ``span`` carets) or,
    without a column, under the whole line.  A long line is cut around the place, with … where
    it was cut."""
    text = source_line.rstrip("\r\n")
    if column is None:
        stripped = text.lstrip()
        column, span = len(text) - len(stripped) + 1, max(len(stripped.rstrip()), 1)
    column = max(1, min(column, len(text) + 1))
    start = 0
    if len(text) > WIDEST:
        start = max(0, min(column - 1 - WIDEST // 2, len(text) - WIDEST))
        end = start + WIDEST
        shown = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
        lead = 1 if start else 0
    else:
        shown, lead = text, 0
    gutter = " " * len(str(line))
    caret = _pad(shown[: lead + column - 1 - start]) + "^" * max(
        1, min(span, len(text) - column + 1)
    )
    return f"{gutter} |\n{line} | {shown}\n{gutter} | {caret}"


def located(
    where: str,
    line: int | None,
    column: int | None,
    message: str,
    source_line: str | None = None,
    span: int = 1,
) -> str:
    """``where:line:column: message``, then the excerpt when the source line is known."""
    place = where
    if line is not None:
        place += f":{line}" + (f":{column}" if column is not None else "")
    out = f"{place}: {message}"
    if line is not None and source_line is not None:
        out += "\n" + excerpt(source_line, line, column, span)
    return out


def command_line(argv: list[str], message: str) -> str:
    """A usage error about an option (a message that starts with ``--name``) with the command
    line below it and a caret under that option and its value; the message alone otherwise."""
    m = re.match(r"--[\w-]+", message)
    if m is None:
        return message
    option = m.group()
    shown = ["derivator", *argv]
    for k, a in enumerate(shown):
        if a == option or a.startswith(option + "="):
            column = len(" ".join(shown[:k])) + 2
            span = len(a) + (len(shown[k + 1]) + 1 if a == option and k + 1 < len(shown) else 0)
            return message + "\n" + excerpt(" ".join(shown), "$", column, span)
    return message


def source_line(path: str | Path, line: int, limit: int = 1 << 20) -> str | None:
    """Line ``line`` (1-based) of a text file, reading at most ``limit`` bytes; None when the file
    cannot be read there."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(limit)
    except OSError:
        return None
    lines = text.split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else None


def with_excerpt(message: str) -> str:
    """A message that starts ``path:line:`` or ``path:line:column:`` with the excerpt of that
    file's line below it (unchanged when the file or the line cannot be read)."""
    m = _LOCATED.match(message)
    if m is None or "\n" in message:
        return message
    line = int(m.group("line"))
    text = source_line(m.group("path"), line)
    if text is None:
        return message
    column = int(m.group("column")) if m.group("column") else None
    return message + "\n" + excerpt(text, line, column)
