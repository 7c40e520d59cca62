"""A Jupyter notebook (``.ipynb``) as the Markdown its Markdown cells hold.

A notebook is JSON; its derivations are in the Markdown cells (code cells compute, they do not
state relations).  The cells are read as one Markdown text, each cell starting on a line of its
own after a blank line (a block never runs from one cell into the next), and every line of that
text remembers its cell: a reader finds a relation again as *cell N, line L* (cells counted from
1 over all cells, code cells included, as a notebook viewer shows them in order).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from typing import Any

from .files import FileError

SUFFIX = ".ipynb"


@dataclass
class Cells:
    """Where each Markdown cell starts in the joined text: ``starts[k]`` is the joined text's
    (1-based) line of cell ``numbers[k]``'s first line."""

    starts: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)

    def place(self, line: int) -> tuple[int, int]:
        """(cell, line in the cell) of a line of the joined text."""
        k = max(bisect.bisect_right(self.starts, line) - 1, 0)
        return self.numbers[k], line - self.starts[k] + 1


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    if isinstance(src, list) and all(isinstance(x, str) for x in src):
        return "".join(src)
    if isinstance(src, str):
        return src
    raise ValueError("a cell's source is neither text nor a list of lines")


def markdown(name: str, text: str) -> tuple[str, Cells]:
    """The Markdown cells of the notebook ``text`` joined, and where each starts; a FileError
    (with what is wrong) for a file that is not a notebook."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as e:
        raise FileError(name, f"not a notebook: invalid JSON ({e.msg})", e.lineno) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise FileError(name, "not a notebook: no list of cells (nbformat 4 is read)")
    parts: list[str] = []
    where = Cells()
    line = 1
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            raise FileError(name, f"not a notebook: cell {number} is not an object")
        if cell.get("cell_type") != "markdown":
            continue
        try:
            body = _source(cell).replace("\r\n", "\n").replace("\r", "\n")
        except ValueError as e:
            raise FileError(name, f"not a notebook: cell {number}: {e}") from None
        where.starts.append(line)
        where.numbers.append(number)
        parts.append(body + "\n\n")
        line += body.count("\n") + 2
    return "".join(parts), where
