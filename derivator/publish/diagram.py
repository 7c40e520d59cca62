"""Pictures for the article, drawn from the same ``Network`` object as the formulas.

Two figures, each in two targets that share one layout (coordinates in SVG pixels):

* the network: neurons as circles labelled a_k^(l), edges labelled w_jk^(l) (the article's shape
  is four neurons in L-1 and two in L: ``Network(widths=(4, 2))``);
* the computational graph of the single-neuron chain, w, a^(L-1), b → z → a → L_0, each edge
  carrying the local derivative that the chain rule multiplies (from ``derive.truth``).

SVG goes inline into HTML and Markdown; TikZ into the .tex.  Labels come from our printer
(``render.unicode_parts`` / ``to_unicode`` for SVG, ``to_latex`` for TikZ), so a picture can never
disagree with the notation of the text.  Output is deterministic: fixed coordinates, fixed order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from html import escape

import sympy as sp

from ..engine import Network, Partial, derive, render
from .worked import number

#: pixels per TikZ centimetre: the SVG layout, scaled to fit an A4 text block
_PX_PER_CM = 40.0
#: the widest a figure may be in the .tex (A4 with 2.2 cm margins leaves 16.6 cm)
_MAX_WIDTH_CM = 14.0
_FONT = "DejaVu Serif, Georgia, 'Times New Roman', serif"


@dataclass(frozen=True)
class Node:
    name: str
    x: float
    y: float
    expr: sp.Expr  # an Indexed (or the symbol L_0) printed as the label
    value: float | None = None  # the worked example's value, written under the node


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: sp.Expr | None
    pos: float = 0.5  # where on the edge the label sits (0 = source)
    #: 0: the label sits on the edge (white halo); above 0: the label stands beside the edge, on the
    #: side of the edge's upward normal, its box this many pixels clear of the line
    #: (:func:`beside`), and the number on the other side
    lift: float = 0.0
    style: str = ""  # "" plain, "strong" a path the text follows, "faint" the rest of the network
    value: float | None = None  # the worked example's local derivative, written under the label


@dataclass(frozen=True)
class Figure:
    kind: str  # "circle" (neurons) or "box" (graph nodes)
    width: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    headers: tuple[tuple[float, str, str], ...] = ()  # (x, unicode text, latex text)
    single: bool = False
    radius: float = 27.0


# ---------------------------------------------------------------------------------------------
# layouts


def network_figure(net: Network, layers: int = 2, paths_from: int | None = None) -> Figure:
    """The top ``layers`` layers of a network with concrete widths: every neuron, every weight.
    ``paths_from=k``: only the edges leaving neuron k of the layer below the top are drawn strong
    and labelled (the paths that the chain rule's sum over j adds up), the rest faint."""
    if net.widths is None:
        raise ValueError("a network diagram needs concrete widths, e.g. Network(widths=(4, 2))")
    top = net.D
    shown = list(range(max(0, top - layers + 1), top + 1))
    tallest = max(net.widths[p] for p in shown)
    gap_y, gap_x, margin_y = 78.0, 300.0, 62.0
    height = margin_y + gap_y * (tallest - 1) + 40.0
    width = 90.0 + gap_x * (len(shown) - 1) + 70.0
    nodes: list[Node] = []
    edges: list[Edge] = []
    headers = []
    for col, p in enumerate(shown):
        x = 60.0 + gap_x * col
        count = net.widths[p]
        y0 = margin_y + gap_y * (tallest - count) / 2
        tag = str(net.tag(p))
        headers.append((x, tag.replace("-", "−"), tag))
        for q in range(count):
            nodes.append(Node(f"a{p}_{q}", x, y0 + gap_y * q, net.a(p)[net.i, q]))
    for p in shown[1:]:
        for j in range(net.widths[p]):
            for k in range(net.widths[p - 1]):
                # edges of a full layer cross only past their middle (t ≥ 0.5 for equal spacing):
                # at 0.27 of the way every label sits on its own edge, clear of the others
                if paths_from is None:
                    edges.append(Edge(f"a{p - 1}_{k}", f"a{p}_{j}", net.w(p)[j, k], pos=0.27))
                else:
                    strong = k == paths_from and p == top
                    edges.append(
                        Edge(
                            f"a{p - 1}_{k}",
                            f"a{p}_{j}",
                            net.w(p)[j, k] if strong else None,
                            pos=0.6,
                            style="strong" if strong else "faint",
                        )
                    )
    return Figure("circle", width, height, tuple(nodes), tuple(edges), tuple(headers))


def graph_figure(net: Network, values: dict[sp.Expr, float] | None = None) -> Figure:
    """The computational graph of sample 0 in a single-neuron network's top layer.  ``values``
    (``worked.numbers``): the example's number under each node and each arrow's derivative."""
    D, s = net.D, sp.Integer(0)
    w, b, a_below = net.w(D)[0, 0], net.b(D)[0], net.a(D - 1)[s, 0]
    z, a, y, L0 = net.z(D)[s, 0], net.a(D)[s, 0], net.y[s, 0], net.Li[s]
    # the three inputs of z 115 px apart: each arrow's symbol above it and number below it stay
    # clear of the next arrow's (at 90 px the number of w's arrow sat on the symbol of a's)
    nodes: tuple[Node, ...] = (
        Node("w", 60, 40, w),
        Node("a_below", 60, 155, a_below),
        Node("b", 60, 270, b),
        Node("z", 280, 155, z),
        Node("a", 470, 155, a),
        Node("y", 470, 265, y),
        Node("L0", 650, 210, L0),
    )

    def local(num: sp.Expr, den: sp.Expr) -> sp.Expr:
        return derive.truth(net, num, den)

    # each symbol beside its arrow on the upper side, its number on the lower side, both placed
    # from the arrow's direction (:func:`beside`): a label lifted straight up sat on the diagonal
    # arrows (w's number on its arrow, a − y across the arrow into L_0)
    edges: tuple[Edge, ...] = (
        Edge("w", "z", local(z, w), lift=3),
        Edge("a_below", "z", local(z, a_below), lift=3),
        Edge("b", "z", local(z, b), lift=3),
        Edge("z", "a", local(a, z), lift=3),
        Edge("a", "L0", local(L0, a), lift=3),
        Edge("y", "L0", None),
    )
    if values is not None:
        by_name = {n.name: n for n in nodes}
        nodes = tuple(replace(n, value=values.get(n.expr)) for n in nodes)
        edges = tuple(
            e
            if e.label is None
            else replace(e, value=values.get(Partial(by_name[e.dst].expr, by_name[e.src].expr)))
            for e in edges
        )
    return Figure(
        "box", 700, 330 if values is not None else 312, nodes, edges, single=True, radius=24
    )


# ---------------------------------------------------------------------------------------------
# SVG


def _runs_of(text: str) -> list[tuple[str, str]]:
    """Unicode sub- and superscript characters (as the printer writes σ′(z₀⁽ᴸ⁾)) back into runs of
    (level, plain text), level "base", "sub" or "sup": SVG then sets real, smaller, shifted scripts,
    the same for every label of a figure."""
    runs: list[tuple[str, str]] = []
    for c in text:
        d = unicodedata.decomposition(c)
        level, plain = "base", c
        if d.startswith(("<sub>", "<super>")):
            level, plain = ("sub" if d.startswith("<sub>") else "sup"), chr(int(d.split()[1], 16))
        if runs and runs[-1][0] == level:
            runs[-1] = (level, runs[-1][1] + plain)
        else:
            runs.append((level, plain))
    return runs


def _italic_spans(text: str, attrs: str) -> list[str]:
    """Letters italic, digits, brackets and signs upright, as TeX sets math."""
    out: list[str] = []
    for italic, chunk in _chunks(text):
        style = ' font-style="italic"' if italic else ""
        out.append(f"<tspan{attrs if not out else ''}{style}>{escape(chunk)}</tspan>")
    return out


def _chunks(text: str) -> list[tuple[bool, str]]:
    chunks: list[tuple[bool, str]] = []
    for c in text:
        italic = unicodedata.category(c).startswith("L")
        if chunks and chunks[-1][0] == italic:
            chunks[-1] = (italic, chunks[-1][1] + c)
        else:
            chunks.append((italic, c))
    return chunks


def _svg_runs(
    runs: list[tuple[str, str]], x: float, y: float, size: float, anchor: str = "middle"
) -> str:
    """A ``<text>`` of runs: scripts at 68 %, a superscript right after a subscript stacked above it."""
    small = round(size * 0.68, 1)
    shift = {"base": 0.0, "sub": round(size * 0.3, 1), "sup": round(-size * 0.42, 1)}
    parts: list[str] = []
    here, before = 0.0, ("base", "")
    for level, text in runs:
        attrs = ""
        if level == "sup" and before[0] == "sub":  # stack: a_k^(L) rather than a_k then ^(L)
            attrs += f' dx="{round(-small * 0.55 * len(before[1]), 1)}"'
        if shift[level] != here:
            attrs += f' dy="{round(shift[level] - here, 1)}"'
            here = shift[level]
        if level != "base":
            attrs += f' font-size="{small}"'
        parts += (
            _italic_spans(text, attrs)
            if level == "base"
            else [f"<tspan{attrs}>" + "".join(_italic_spans(text, "")) + "</tspan>"]
        )
        before = (level, text)
    return (
        f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}" font-size="{size:g}">'
        + "".join(parts)
        + "</text>"
    )


def _label_runs(e: sp.Expr, single: bool) -> list[tuple[str, str]]:
    """The runs of a label, with real sub- and superscripts, stacked as in print: a_ik^(L-1)."""
    if isinstance(e, sp.Indexed):
        stem, sub, sup = render.unicode_parts(e, single=single)
        return [("base", stem)] + ([("sub", sub)] if sub else []) + ([("sup", sup)] if sup else [])
    return _runs_of(render.to_unicode(e, single=single))


def _svg_label(
    e: sp.Expr, x: float, y: float, size: float, single: bool, anchor: str = "middle"
) -> str:
    """A label with real sub- and superscripts, stacked as in print: a_ik^(L-1)."""
    return _svg_runs(_label_runs(e, single), x, y, size, anchor)


#: a glyph's advance in ems, generous for DejaVu Serif (digits 0.64, italic letters up to 0.66,
#: the minus sign 0.84 but rare): a box estimated too wide only moves a label a little further
_EM = 0.66
#: the font's ascent and descent in ems (DejaVu Serif: 1901 and 483 of 2048 units), the box a
#: browser gives a text (``getBBox``), taller than the glyphs themselves
_ASCENT, _DESCENT = 0.93, 0.24


def extent(runs: list[tuple[str, str]], size: float) -> tuple[float, float, float]:
    """(width, ascent, descent) in pixels of a ``<text>`` of ``runs`` (:func:`_svg_runs`): scripts
    at 68 % shifted as there, a superscript stacked over the subscript before it."""
    small = size * 0.68
    width, ascent, descent = 0.0, size * _ASCENT, size * _DESCENT
    before = ("base", "")
    for level, text in runs:
        if level == "base":
            width += _EM * size * len(text)
        else:
            grow = _EM * small * len(text)
            if level == "sup" and before[0] == "sub":  # stacked: only what sticks out
                grow = max(0.0, grow - _EM * small * len(before[1]))
            width += grow
            if level == "sup":
                ascent = max(ascent, size * 0.42 + small * _ASCENT)
            else:
                descent = max(descent, size * 0.3 + small * _DESCENT)
        before = (level, text)
    return width, ascent, descent


def beside(
    line: tuple[float, float, float, float],
    pos: float,
    box: tuple[float, float, float],
    gap: float,
    below: bool = False,
) -> tuple[float, float, str]:
    """Where a text of ``box`` = (width, ascent, descent) stands beside the segment ``line`` at
    ``pos`` of its length: (x, y of its baseline, SVG ``text-anchor``).

    Its centre moves from the point of the line along the line's normal (upwards, or to the left
    of a vertical line; downwards with ``below``) by the half-extent of the box in that direction,
    |nx|·w/2 + |ny|·h/2, plus ``gap``: then the box's nearest corner is ``gap`` clear of the line
    however steep it is (a label lifted straight up sat on a diagonal arrow).  Beside a sloping
    line the text is anchored at its side nearest the line, so that a longer number written there
    later (the sliders rewrite the numbers) grows away from the line, never onto it."""
    x1, y1, x2, y2 = line
    dx, dy = x2 - x1, y2 - y1
    length = (dx * dx + dy * dy) ** 0.5
    nx, ny = dy / length, -dx / length
    if ny > 0 or (ny == 0 and nx > 0):
        nx, ny = -nx, -ny
    if below:
        nx, ny = -nx, -ny
    width, ascent, descent = box
    reach = abs(nx) * width / 2 + abs(ny) * (ascent + descent) / 2 + gap
    cx, cy = x1 + dx * pos + nx * reach, y1 + dy * pos + ny * reach
    baseline = cy + (ascent - descent) / 2
    if abs(nx) < 0.1:  # a level line: the text grows along it
        return cx, baseline, "middle"
    if nx < 0:  # left of the line: its right end is nearest
        return cx + width / 2, baseline, "end"
    return cx - width / 2, baseline, "start"


def _ends(fig: Figure, s: Node, d: Node) -> tuple[float, float, float, float]:
    """Edge end points on the boundary of the source and target shapes."""
    dx, dy = d.x - s.x, d.y - s.y
    length = (dx * dx + dy * dy) ** 0.5
    if fig.kind == "circle":
        r1 = r2 = fig.radius
    else:
        r1, r2 = _box_reach(fig, dx, dy, length), _box_reach(fig, dx, dy, length)
    return (
        s.x + dx * r1 / length,
        s.y + dy * r1 / length,
        d.x - dx * (r2 + 4) / length,
        d.y - dy * (r2 + 4) / length,
    )


def _box_reach(fig: Figure, dx: float, dy: float, length: float) -> float:
    """Distance from a box's centre to its border along the direction (dx, dy)."""
    hw, hh = 44.0, 20.0
    ux, uy = abs(dx) / length, abs(dy) / length
    tx = hw / ux if ux > 1e-9 else float("inf")
    ty = hh / uy if uy > 1e-9 else float("inf")
    return min(tx, ty)


#: the colour of the worked example's numbers (the symbols are blue and black)
_NUMBER = "#a34a00"


def _unicode_number(x: float) -> str:
    """The example's number as the text prints it (``worked.number``), in Unicode: −0.4626, 2·10⁻⁵."""
    tex = number(x)
    m = re.fullmatch(r"(.*?) ?\\cdot 10\^\{(-?\d+)\}|10\^\{(-?\d+)\}", tex)
    if m is not None:
        mantissa, exponent = (m.group(1), m.group(2)) if m.group(2) else ("", m.group(3))
        sup = exponent.translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        tex = f"{mantissa}·10{sup}" if mantissa else f"10{sup}"
    return tex.replace("-", "−")


def _svg_number(x: float, cx: float, cy: float, key: str, anchor: str = "middle") -> str:
    """A number of the worked example; ``data-q`` names it for the page's sliders
    (``worked.KEYS``: a node's name, or an arrow's ``tail-head``)."""
    return (
        f'<text data-q="{key}" x="{cx:g}" y="{cy:g}" text-anchor="{anchor}" font-size="14" fill="{_NUMBER}" stroke="white" '
        f'stroke-width="4" paint-order="stroke">{escape(_unicode_number(x))}</text>'
    )


def to_svg(fig: Figure, title: str, ident: str) -> str:
    """A standalone SVG element (no XML declaration: it is also inlined into HTML).  ``ident``
    names its arrow marker: two figures inlined in one page must not share an ``id``."""
    by_name = {n.name: n for n in fig.nodes}
    out = [
        # never drawn below 80 % of its size (a phone scrolls the figure instead): at 420 px a
        # 700 px figure shrunk to fit set its labels at 6 px
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {fig.width:g} {fig.height:g}" '
        f'width="{fig.width:g}" height="{fig.height:g}" style="min-width: {0.8 * fig.width:g}px" '
        f'role="img" aria-label="{escape(title)}" '
        f'font-family="{_FONT}">',
        f"<title>{escape(title)}</title>",
        f'<defs><marker id="arrow-{ident}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    ]
    for x, text, _ in fig.headers:
        out.append(
            _svg_runs([("base", text)], x, 20, 15).replace("<text ", '<text fill="#333" ', 1)
        )
    for e in fig.edges:
        s, d = by_name[e.src], by_name[e.dst]
        x1, y1, x2, y2 = _ends(fig, s, d)
        stroke, width = {"strong": ("#1a4f8b", 2.4), "faint": ("#c8c8c8", 1.0)}.get(
            e.style, ("#777", 1.3)
        )
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
            f'stroke-width="{width:g}" marker-end="url(#arrow-{ident})"/>'
        )
    for e in fig.edges:
        if e.label is None:
            continue
        s, d = by_name[e.src], by_name[e.dst]
        x1, y1, x2, y2 = _ends(fig, s, d)
        runs = _label_runs(e.label, fig.single)
        if e.lift:
            lx, ly, anchor = beside((x1, y1, x2, y2), e.pos, extent(runs, 15), e.lift)
            label = _svg_runs(runs, lx, ly, 15, anchor)
        else:
            lx, ly = x1 + (x2 - x1) * e.pos, y1 + (y2 - y1) * e.pos
            label = _svg_runs(runs, lx, ly + 4, 13.5)
        out.append(
            label.replace(
                "<text ",
                '<text fill="#1a4f8b" stroke="white" stroke-width="4" paint-order="stroke" ',
                1,
            )
        )
        if e.value is not None:  # the number under the edge, its symbol above it
            box = extent([("base", _unicode_number(e.value))], 14)
            nx, ny, anchor = beside((x1, y1, x2, y2), e.pos, box, e.lift, below=True)
            out.append(_svg_number(e.value, nx, ny, f"{e.src}-{e.dst}", anchor))
    for n in fig.nodes:
        if fig.kind == "circle":
            out.append(
                f'<circle cx="{n.x:g}" cy="{n.y:g}" r="{fig.radius:g}" fill="#f4f8fc" stroke="#333" '
                f'stroke-width="1.5"/>'
            )
        else:
            out.append(
                f'<rect x="{n.x - 44:g}" y="{n.y - 20:g}" width="88" height="40" rx="9" fill="#f4f8fc" '
                f'stroke="#333" stroke-width="1.5"/>'
            )
        out.append(_svg_label(n.expr, n.x - 2, n.y + 5, 16, fig.single))
        if n.value is not None:
            out.append(_svg_number(n.value, n.x, n.y + 36, n.name))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# TikZ


def to_tikz(fig: Figure) -> str:
    """A tikzpicture with the same layout as :func:`to_svg` (y grows downwards there)."""
    px = max(_PX_PER_CM, fig.width / _MAX_WIDTH_CM)

    def at(x: float, y: float) -> str:
        return f"({x / px:.3f},{-y / px:.3f})"

    if fig.kind == "circle":
        style = (
            f"neuron/.style={{circle, draw, fill=blue!4, minimum size={2 * fig.radius / px:.2f}cm, "
            "inner sep=0pt}"
        )
    else:
        style = (
            f"neuron/.style={{rectangle, rounded corners=3pt, draw, fill=blue!4, minimum width={88 / px:.2f}cm, "
            f"minimum height={40 / px:.2f}cm}}"
        )
    lines = [r"\begin{tikzpicture}[" + style + ", >=stealth]"]
    for x, _, latex in fig.headers:
        lines.append(rf"\node at {at(x, 20)} {{${latex}$}};")
    for n in fig.nodes:
        lines.append(
            rf"\node[neuron] ({n.name}) at {at(n.x, n.y)} {{${render.to_latex(n.expr, single=fig.single)}$}};"
        )
        if n.value is not None:
            lines.append(
                rf"\node[below=1pt, font=\scriptsize, text=orange!70!black] at ({n.name}.south) "
                rf"{{${number(n.value)}$}};"
            )
    by_name = {n.name: n for n in fig.nodes}
    tikz_anchor = {"middle": "base", "end": "base east", "start": "base west"}
    for e in fig.edges:
        label = ""
        if e.label is not None and e.lift:
            # beside the arrow, where the SVG puts it (:func:`beside`), upright: a label "above,
            # sloped" on the arrow's own node sat on the arrow (the 1 of b's, a − y across its own)
            line = _ends(fig, by_name[e.src], by_name[e.dst])
            runs = _label_runs(e.label, fig.single)
            x, y, anchor = beside(line, e.pos, extent(runs, 15), e.lift)
            lines.append(
                rf"\node[anchor={tikz_anchor[anchor]}, inner sep=0pt, font=\small] at {at(x, y)} "
                rf"{{${render.to_latex(e.label, single=fig.single)}$}};"
            )
            if e.value is not None:
                box = extent([("base", _unicode_number(e.value))], 14)
                x, y, anchor = beside(line, e.pos, box, e.lift, below=True)
                lines.append(
                    rf"\node[anchor={tikz_anchor[anchor]}, inner sep=0pt, font=\scriptsize, "
                    rf"text=orange!70!black] at {at(x, y)} {{${number(e.value)}$}};"
                )
        elif e.label is not None:  # on the edge, on a white ground (the network's weights)
            label = (
                rf" node[pos={e.pos:g}, fill=white, font=\scriptsize, inner sep=1pt, text=black] "
                rf"{{${render.to_latex(e.label, single=fig.single)}$}}"
            )
        colour = {"strong": "blue!60!black, very thick", "faint": "gray!40"}.get(
            e.style, "gray!80!black"
        )
        lines.append(rf"\draw[->, {colour}] ({e.src}) --{label} ({e.dst});")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)
