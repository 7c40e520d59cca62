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

import re
from collections.abc import Sequence

FORMATS = ("md", "tex", "html")


def aligned(rows: list[tuple[str, str, str]], punct: str = "") -> str:
    """``lhs op rhs`` rows as one relation, or an ``aligned`` block (an empty lhs continues);
    ``punct`` ends the last relation, where a reader expects it (not after the whole block)."""
    rows = rows[:-1] + [(rows[-1][0], rows[-1][1], rows[-1][2] + punct)]
    if len(rows) == 1:
        lhs, op, rhs = rows[0]
        return f"{lhs} {op} {rhs}"
    return (
        "\\begin{aligned}\n"
        + " \\\\\n".join(f"{lhs} &{op} {rhs}" for lhs, op, rhs in rows)
        + "\n\\end{aligned}"
    )


def display(latex: str, fmt: str, number: int | None = None, label: str = "") -> str:
    """A display of ``latex`` in ``fmt`` with its equation number (HTML: ``latex`` escaped already)."""
    body = latex
    tag = f" \\tag{{{number}}}" if number is not None else ""
    if fmt == "tex":
        if number is None:
            return f"\\[\n{body}\n\\]"
        return f"\\begin{{equation}}\\label{{eq:{label or number}}}\n{body}{tag}\n\\end{{equation}}"
    if fmt == "html":
        ident = f' id="eq-{label or number}"' if number is not None else ""
        return f'<div class="display"{ident}>\\[\n{body}{tag}\n\\]</div>'
    return f"$$\n{body}{tag}\n$$"


def mathml_display(latex: str, number: int | None = None, label: str = "") -> str:
    """A display as MathML (the offline HTML page), its number beside it as the page's text."""
    from . import mathml  # latex2mathml: a tenth of a second a LaTeX or Markdown post never needs

    ident = f' id="eq-{label or number}"' if number is not None else ""
    eqno = f'<span class="eqno">({number})</span>' if number is not None else ""
    return f'<div class="display"{ident}>{mathml.display(latex)}{eqno}</div>'


#: what may follow inline math without a line break between them: a reader expects the comma after
#: a formula on the formula's line (Latin and Chinese punctuation)
_PUNCT = re.compile(r"^[.,;:!?)\]\u3001\u3002\uff0c\uff1b\uff1a\uff09\uff01\uff1f]+")


def glued(segments: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Text segments as ``(kind, text, tail)``: the punctuation right after inline math moves into
    its ``tail``, so that the page can keep the two on one line."""
    out: list[tuple[str, str, str]] = []
    carry = ""
    for n, (kind, text) in enumerate(segments):
        if kind == "text" and carry:
            text = text[len(carry) :]
        carry = ""
        if kind == "math" and n + 1 < len(segments) and segments[n + 1][0] == "text":
            m = _PUNCT.match(segments[n + 1][1])
            carry = m.group(0) if m else ""
        out.append((kind, text, carry))
    return out


#: a word that names what the number after it counts: ``Figure 2``, ``layer 3`` stay on one line
_NUMBERED = re.compile(
    r"\b(Figure|figure|Table|table|Exercise|exercise|layer|Layer|step|Step) (\d)"
)
#: the longest inline formula (as LaTeX) that is tied to the word before it: a symbol, ``L-1``
_SHORT = 6


def tied(segments: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Text segments with the spaces a line must not break at made no-break spaces (U+00A0, ``~``
    in LaTeX), as a typesetter ties them: before an equation reference (``in~(5)``), between a
    word and its number (``Figure~2``), and between a word and a short formula after it
    (``layer~$L$``, ``by~$n$``), so that no line starts with a lone symbol or a bare number."""
    out: list[tuple[str, str]] = []
    for n, (kind, text) in enumerate(segments):
        if kind == "text":
            text = _NUMBERED.sub("\\1\u00a0\\2", text)
            after = segments[n + 1] if n + 1 < len(segments) else None
            if (
                after is not None
                and re.search(r"\w \Z", text)
                and (after[0] == "ref" or (after[0] == "math" and len(after[1]) <= _SHORT))
            ):
                text = text[:-1] + "\u00a0"
        out.append((kind, text))
    return out


def reference(fmt: str, number: int, label: str = "") -> str:
    """A reference to equation ``number`` in running text."""
    if fmt == "tex":
        return f"\\eqref{{eq:{label or number}}}"
    if fmt == "html":
        return f'<a href="#eq-{label or number}">({number})</a>'
    return f"({number})"


def _braced(s: str, i: int) -> int:
    """Index after the braced group that opens at ``s[i]``."""
    depth = 0
    for k in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[k], 0)
        if depth == 0:
            return k + 1
    return len(s)


def _operand(t: str) -> str:
    """One side of an inline slash: bracketed when it is more than one quantity."""
    bare = t.replace("\\partial ", "\\partial", 1)
    return f"\\left({t}\\right)" if " " in bare or "+" in bare or "-" in bare.split("^")[0] else t


def inline(latex: str) -> str:
    """Math for running text: a stacked ``\\frac`` squeezes the lines around it, so inline it is
    a slash (``\\partial L/\\partial a``, ``1/n``, ``1/\\left(1 + e^{-x}\\right)``)."""
    out: list[str] = []
    i = 0
    while True:
        k = latex.find("\\frac{", i)
        if k < 0:
            return "".join(out) + latex[i:]
        a_end = _braced(latex, k + 5)
        b_end = _braced(latex, a_end) if a_end < len(latex) and latex[a_end] == "{" else a_end
        num, den = inline(latex[k + 6 : a_end - 1]), inline(latex[a_end + 1 : b_end - 1])
        out += [latex[i:k], f"{_operand(num)}/{_operand(den)}"]
        i = b_end
