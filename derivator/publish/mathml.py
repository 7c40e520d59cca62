"""MathML for the HTML article, made here in Python, so that the page shows typeset math with no
network and no script (MathJax stays an option: ``--math mathjax``).

Every formula is our printer's LaTeX; latex2mathml converts one formula at a time.  What it does not
do, this module does: an ``aligned`` block becomes an ``mtable`` (one row per relation, the left
side right-aligned, the rest left-aligned by the page's CSS), and the equation number is written
beside the math by the page, not inside it.  A formula the converter cannot read (a command left
as text) is an error, not a page with a backslash in it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert

_XMLNS = ' xmlns="http://www.w3.org/1998/Math/MathML"'


class MathMLError(ValueError):
    """A formula that latex2mathml leaves unconverted."""


def _rows(latex: str) -> list[list[str]] | None:
    """The cells of an ``aligned`` block (None: a single relation)."""
    m = re.fullmatch(r"\s*\\begin\{aligned\}(.*)\\end\{aligned\}\s*", latex, re.S)
    if m is None:
        return None
    return [[cell.strip() for cell in _split(row, "&")] for row in _split(m.group(1), "\\\\")]


def _split(latex: str, sep: str) -> list[str]:
    """``latex`` split at ``sep`` outside nested environments (a matrix inside an aligned row keeps
    its own ``&`` and ``\\\\``)."""
    parts, depth, start, k = [], 0, 0, 0
    while k < len(latex):
        if latex.startswith("\\begin{", k):
            depth += 1
        elif latex.startswith("\\end{", k):
            depth -= 1
        elif depth == 0 and latex.startswith(sep, k):
            parts.append(latex[start:k])
            k += len(sep)
            start = k
            continue
        k += 1
    parts.append(latex[start:])
    return parts


def _inner(latex: str) -> str:
    """The MathML of one formula, without its <math> element."""
    if not latex.strip():
        return "<mrow></mrow>"
    try:
        out = convert(latex)
    except Exception as e:  # latex2mathml's own exceptions carry no message: name the formula
        raise MathMLError(f"latex2mathml cannot read {latex!r} ({type(e).__name__})") from None
    start, end = out.index(">") + 1, out.rindex("</math>")
    inner = out[start:end]
    if "\\" in inner:
        raise MathMLError(f"latex2mathml left LaTeX unconverted in: {latex}")
    return _typeset_as_tex(inner)


#: the elements whose children after the first are scripts (sub, sup, under, over)
_SCRIPTED = ("msub", "msup", "msubsup", "munder", "mover", "munderover")
#: ′, ″, ‴: glyphs drawn raised already, as a superscript they float above with a gap
_PRIMES = frozenset("\u2032\u2033\u2034")
#: operators TeX sets with no space around them (∂ is an ordinary symbol, a / between quotients)
_TIGHT = frozenset("\u2202/")
_NONE = {"lspace": "0em", "rspace": "0em"}


def _typeset_as_tex(inner: str) -> str:
    """latex2mathml's MathML spaced as TeX spaces it, where Chromium's operator dictionary does
    otherwise: σ′ as σ followed by the prime at the base line (``<msup>`` with a ′ set it small
    and high, apart from σ: ``σ ʹ``), ∂ and / with no space around them (``∂L/∂w``, which read
    ``∂ L / ∂ w``), no space before a full stop or a comma (a display's punctuation stood
    apart from it), and no space around an operator in a script (``n−1``, ``i=0``, ``(L−1)``
    under a Σ or in an exponent, as TeX's script style sets them)."""
    root = ET.fromstring(f"<math>{inner}</math>")
    for parent in list(root.iter()):
        for k, child in enumerate(list(parent)):
            prime = child[-1] if child.tag in ("msup", "msubsup") and len(child) else None
            if prime is None or not prime.text or not set(prime.text) <= _PRIMES:
                continue
            base = child[0]
            if child.tag == "msubsup":
                base = ET.Element("msub")
                base.extend(child[:2])
            mark = ET.Element("mo", _NONE)
            mark.text = prime.text
            row = ET.Element("mrow")
            row.extend([base, mark])
            row.tail = child.tail
            parent[k] = row
    for el in root.iter():
        if el.tag == "mo" and el.text in _TIGHT:
            el.attrib.update(_NONE)
        elif el.tag == "mo" and el.text in (".", ","):  # a display's full stop, a list's comma
            el.set("lspace", "0em")
        if el.tag in _SCRIPTED:
            for script in el[1:]:
                for op in script.iter("mo"):
                    op.attrib.update(_NONE)
    return "".join(ET.tostring(c, encoding="unicode", short_empty_elements=False) for c in root)


#: the big operators whose limits a display sets under and over them, as TeX does
_LARGE_OPS = ("\u2211", "\u220f")  # ∑ ∏


def _limits_under(mathml: str) -> str:
    """``mathml`` with each sum's scripts turned into limits: latex2mathml writes
    ``\\sum_{i=0}^{n-1}`` as ``msubsup`` (beside the Σ, as in running text) in a display too;
    ``munderover`` (``munder`` for a lower limit alone) sets them under and over the Σ in display
    style and, by the operator's ``movablelimits``, beside it where the style is compact."""
    for tag, new in (("msubsup", "munderover"), ("msub", "munder")):
        for op in _LARGE_OPS:
            opening = f"<{tag}><mo>{op}</mo>"
            while (start := mathml.find(opening)) >= 0:
                end = _closing(mathml, tag, start)
                mathml = (
                    mathml[:start]
                    + f"<{new}><mo>{op}</mo>"
                    + mathml[start + len(opening) : end]
                    + f"</{new}>"
                    + mathml[end + len(f"</{tag}>") :]
                )
    return mathml


def _closing(mathml: str, tag: str, start: int) -> int:
    """Where the ``</tag>`` that closes the ``<tag>`` at ``start`` begins (nested ones counted)."""
    depth, k = 0, start
    opening, closing = f"<{tag}>", f"</{tag}>"
    while True:
        next_open, next_close = mathml.find(opening, k), mathml.find(closing, k)
        if next_close < 0:
            raise MathMLError(f"unbalanced <{tag}> in the converter's output")
        if 0 <= next_open < next_close:
            depth += 1
            k = next_open + len(opening)
            continue
        depth -= 1
        if depth == 0:
            return next_close
        k = next_close + len(closing)


def inline(latex: str) -> str:
    """Inline math for running text."""
    return f'<math display="inline">{_inner(latex)}</math>'


def display(latex: str) -> str:
    """A display: one relation, or an aligned block as a table of rows."""
    rows = _rows(latex)
    if rows is None:
        return f'<math display="block">{_limits_under(_inner(latex))}</math>'
    body = "".join(
        "<mtr>" + "".join(f"<mtd>{_limits_under(_inner(cell))}</mtd>" for cell in row) + "</mtr>"
        for row in rows
    )
    return f'<math display="block"><mtable class="aligned">{body}</mtable></math>'
