"""How a display of proved relations is written in each output format, numbered.

One place for the delimiters, so that the shipped article (through its format templates) and a
writer's own post (``derivator render``) number and reference equations the same way:

* LaTeX: ``equation`` with ``\\tag{n}`` and ``\\label{eq:…}``; a reference is ``\\eqref{…}``.
* Markdown and HTML (MathJax): ``\\tag{n}`` inside the display; a reference is the plain ``(n)``
  (HTML: a link to the display's ``id``).  GitHub's Markdown math and MathJax both read ``\\tag``,
  and ``derivator check`` ignores it.

Why explicit ``\\tag`` everywhere rather than LaTeX's own counter: the number has to be known when
the text that refers to it is written, in Markdown as much as in LaTeX.
"""

from __future__ import annotations

FORMATS = ("md", "tex", "html")


def aligned(rows: list[tuple[str, str, str]]) -> str:
    """``lhs op rhs`` rows as one relation, or an ``aligned`` block (an empty lhs continues)."""
    if len(rows) == 1:
        lhs, op, rhs = rows[0]
        return f"{lhs} {op} {rhs}"
    return "\\begin{aligned}\n" + " \\\\\n".join(f"{lhs} &{op} {rhs}" for lhs, op, rhs in rows) + "\n\\end{aligned}"


def display(latex: str, fmt: str, number: int | None = None, label: str = "", punct: str = "") -> str:
    """A display of ``latex`` in ``fmt``, with its equation number and trailing punctuation (put
    inside the math, where a reader expects it: ``… ,`` at the end of the formula)."""
    body = latex + (f" {punct}" if punct else "")
    tag = f" \\tag{{{number}}}" if number is not None else ""
    if fmt == "tex":
        if number is None:
            return f"\\[\n{body}\n\\]"
        return f"\\begin{{equation}}\\label{{eq:{label or number}}}\n{body}{tag}\n\\end{{equation}}"
    if fmt == "html":
        ident = f' id="eq-{label or number}"' if number is not None else ""
        return f'<div class="display"{ident}>\\[\n{body}{tag}\n\\]</div>'
    return f"$$\n{body}{tag}\n$$"


def reference(fmt: str, number: int, label: str = "") -> str:
    """A reference to equation ``number`` in running text."""
    if fmt == "tex":
        return f"\\eqref{{eq:{label or number}}}"
    if fmt == "html":
        return f'<a href="#eq-{label or number}">({number})</a>'
    return f"({number})"
