"""How wide a display will be on the page, estimated from its LaTeX, so that the article can fall
back to a shorter form of a formula before it runs off the page.

Why an estimate and not TeX: the article must be generated (and byte-identical) without a TeX
installation.  The unit is the em of the article's 11 pt body font; the weights were calibrated on
displays that LaTeX reported as overfull (92 pt and 59 pt over a 472 pt line came out at 8.3 and
5.5 em over :data:`LINE`), and the tests compile every layout in real TeX to hold the estimate to
account (no ``Overfull \\hbox``).
"""

from __future__ import annotations

import re

#: the widest display row (left side, relation and right side) that fits the A4 page of the
#: LaTeX article, in em, with a margin for the estimate's error
LINE = 38.0
#: the widest row of a writer's LaTeX post (``derivator render``), whose page derivator does not
#: know: LaTeX's plain article class (345 pt of text at 10 pt, 34.5 em), less the margin for the
#: estimate's error that :data:`LINE` keeps; a wider page only leaves some room unused
POST = 30.0
#: the same at phone width (HTML at 420 px, the display font at 85 %): calibrated on the article's
#: displays in Chromium, where 25.7 em fitted and 28.1 em scrolled inside its box
PHONE = 24.0
#: the room a proof mark (``--proof-marks``) takes at the end of a row, in em
MARK = 12.0

_SKIP = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg|,|;|!|quad|qquad)(?![a-zA-Z])")
_COMMAND = re.compile(r"\\([a-zA-Z]+)")


def _group(s: str, i: int) -> tuple[int, str]:
    """The argument at ``s[i]``: a braced group or one character; (index after it, its content)."""
    if i >= len(s):
        return i, ""
    if s[i] != "{":
        return i + 1, s[i]
    depth = 0
    for k in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[k], 0)
        if depth == 0:
            return k + 1, s[i + 1 : k]
    return len(s), s[i + 1 :]


def width(tex: str) -> float:
    """Estimated width of display math ``tex`` in em (scripts at 70 %, fractions as their wider
    part, a Σ as the wider of its sign and its limits)."""
    s = _SKIP.sub("", tex).replace("&", "")
    total, i = 0.0, 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            m = _COMMAND.match(s, i)
            if m is None:
                total, i = total + 0.5, i + 2
                continue
            name, i = m.group(1), m.end()
            if name == "frac":
                i, num = _group(s, i)
                i, den = _group(s, i)
                total += max(width(num), width(den)) * 0.8 + 0.3
            elif name == "sum":
                limits = []
                while i < len(s) and s[i] in "_^":
                    i, g = _group(s, i + 1)
                    limits.append(width(g))
                total += max(1.5, 0.7 * max(limits, default=0.0)) + 0.3
            elif name in ("text", "mathrm", "mathbf", "operatorname"):
                i, g = _group(s, i)
                total += 0.5 * len(g)
            elif name in ("begin", "end", "label", "tag"):
                i, _ = _group(s, i)
            else:
                total += 0.6
        elif c in "_^":
            i, g = _group(s, i + 1)
            total += 0.7 * width(g)
        elif c in "{} \n":
            i += 1
        elif c in "=+-<>":
            total, i = total + 1.0, i + 1
        elif c in "()[]|":
            total, i = total + 0.4, i + 1
        else:
            total, i = total + 0.5, i + 1
    return total


def fits(*parts: str, extra: float = 0.0) -> bool:
    """Whether a row made of ``parts`` (left side, right side, …) and ``extra`` em fits the line."""
    return sum(width(p) for p in parts) + 1.0 + extra <= LINE
