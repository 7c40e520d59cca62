"""The article: the calculus of backpropagation, written out, every formula derived and proved.

``derivator article`` tells the story that blog posts on backpropagation tell (one neuron per layer
first, then many; the output layer, then layer after layer backwards; finally matrices), in Chinese
or English, as Markdown, LaTeX or HTML.  What makes it different from a hand-written post:

* **No formula is typed in.**  Every relation is built here from the ``Network`` objects (so
  ``--activation``, ``--notation-letters``, ``--layers`` change every formula consistently), each
  step of every chain is proved by :func:`proof.prove` before it is placed, and a step that is not
  proved stops the generation with the reason (:class:`ArticleError`).  Only definitions that are
  not identities (a gradient named ∇W, an update rule) are printed unproved, marked as such.
* **One printer.**  All LaTeX comes from ``render.to_latex`` / ``matrix.to_latex``, the printer of
  ``derivator formulas --format latex``; the pictures' labels too (see diagram.py).
* **The prose is data**, in both languages side by side in this module (so the two stay in step);
  the layout of each format is a jinja2 template in ``templates/`` (shipped inside the package).

The document is a flat list of blocks (headings, paragraphs, displays, figures) that the format
templates walk.  Output is deterministic: no dates, no timings, no set iteration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import jinja2
import sympy as sp

from ..engine import (
    ACTIVATIONS,
    DEFAULT_LETTERS,
    NETWORK_KINDS,
    Network,
    NotationError,
    derive,
    matrix,
    parse_tag,
    proof,
    render,
)
from ..engine import Partial as P
from . import diagram, fit, formulas, listing, mathfmt, textbook, worked
from .mathfmt import inline

LANGS = ("zh", "en")
FORMATS = ("md", "tex", "html")
STEM = "backprop-calculus"
DEFAULT_MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"
TEMPLATES = Path(__file__).parent / "templates"
#: seconds allowed to prove one step (the slowest step of the default article takes ~0.3 s)
PROOF_TIMEOUT = 20.0
#: the deepest layer the article propagates to (--layers L-3): deeper layers add nothing new to read,
#: and their proofs would make every layout test (and the suite) minutes longer
MAX_BACK = 3


class ArticleError(Exception):
    """Options that make no article, or a formula that could not be proved (the reason says which)."""


@dataclass(frozen=True)
class Options:
    """What the command line can change.  ``layers`` is how far back the propagation goes."""

    activation: str = "sigmoid"
    loss: str = "mse"
    layers: str = "L-2"
    network: str = "general"
    letters: tuple[str, ...] = DEFAULT_LETTERS
    title: str | None = None
    author: str = ""
    mathjax_url: str = DEFAULT_MATHJAX_URL
    proof_marks: bool = False

    def back(self) -> int:
        """How many layers below L the article propagates to (L-2 → 2)."""
        try:
            tag = parse_tag(self.layers)
        except NotationError as e:
            raise ArticleError(f"--layers: {e}") from None
        if tag.base != "L" or tag.offset > -1:
            raise ArticleError(f"--layers {self.layers!r}: give L-1, L-2, L-3, … (how far back the propagation goes)")
        if tag.offset < -MAX_BACK:
            # deeper layers repeat the step of L-1 → L-2 → L-3; proving their chains costs minutes
            # (L-8 did not finish within the proof timeout), and each would be one more layout to test
            raise ArticleError(f"--layers {self.layers!r}: at most L-{MAX_BACK}")
        return -tag.offset


# ---------------------------------------------------------------------------------------------
# the document model


@dataclass(frozen=True)
class Ref:
    """A reference to a numbered display, placed in prose like a formula: ``ref=Ref(3)``."""

    number: int


@dataclass(frozen=True)
class Text:
    """Prose with inline math: ``(("text", "…"), ("math", "a_{ij}^{(L)}"), …)``."""

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
    """Start (``open``) or end of a framed box: the summary of the four equations."""

    open: bool
    title: Text | None = None
    kind: str = "box"


Block = Heading | Para | Items | Display | Figure | Directive | Table | Code | Box


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


# ---------------------------------------------------------------------------------------------
# proofs


@lru_cache(maxsize=None)
def _prove(lhs: sp.Expr, rhs: sp.Expr, net: Network) -> proof.Verdict:
    """Cached: both languages print the same formulas of the same networks."""
    return proof.prove(lhs, rhs, net, timeout=PROOF_TIMEOUT)


_MARKS = {
    "all": ("proved for all sizes", "对任意规模已证明"),
    "single": ("proved: one neuron per layer, any n", "已证明：每层一个神经元，任意 n"),
    "sizes": ("proved at the sizes of the figure", "已证明：图中的规模"),
    "sigma": ("proved by SymPy", "已由 SymPy 证明"),
    "given": ("proved, given that each sample's targets sum to 1", "已证明：设每个样本的目标值之和为 1"),
    "definition": ("definition", "定义"),
    "update": ("update rule, not an identity", "更新规则，不是等式"),
}


def _mark(key: str, lang: str) -> str:
    en, zh = _MARKS[key]
    text = zh if lang == "zh" else en
    glyph = r"\checkmark\ " if key in ("all", "single", "sizes", "sigma", "given") else ""
    return rf"\scriptstyle {glyph}\text{{{text}}}"


def _mark_key(v: proof.Verdict, net: Network) -> str:
    if v.method.startswith("all sizes"):
        return "all"
    return "single" if net.network == "single" else "sizes"


# ---------------------------------------------------------------------------------------------
# the networks of one article


@dataclass(frozen=True, eq=False)
class Nets:
    """The networks an article talks about, built once and shared by both languages."""

    single: Network  # one neuron per layer
    general: Network  # symbolic widths
    example: Network  # the pictured network: four neurons in L-1, two in L
    back: int

    @classmethod
    def build(cls, opts: Options) -> "Nets":
        """The networks for ``opts``; the same objects for options that differ only in presentation
        (title, author, proof marks), so that their proofs are found in the cache of :func:`_prove`."""
        if opts.network not in NETWORK_KINDS:
            raise ArticleError(f"--network {opts.network!r}: choose general or single")
        nets = cls._build(replace(opts, title=None, author="", mathjax_url=DEFAULT_MATHJAX_URL, proof_marks=False,
                                  network="general"))
        if nets.general.softmax_output and opts.network == "single":
            raise ArticleError(f"--loss {opts.loss} needs --network general: its softmax output over a single "
                               "neuron is constant (always 1), so a chain of single neurons has no "
                               f"{opts.loss} to derive")
        return nets

    @classmethod
    @lru_cache(maxsize=16)
    def _build(cls, opts: Options) -> "Nets":
        back = opts.back()
        try:
            ACTIVATIONS[opts.activation]
            # fewer letters than layers: the rest continue with the default letters not yet taken
            letters = tuple(opts.letters) + tuple(x for x in DEFAULT_LETTERS if x not in opts.letters)
            kw: dict[str, Any] = dict(activation=opts.activation, loss=opts.loss, letters=letters)
            # a softmax over one neuron is constant (always 1): the single-neuron chain keeps the
            # squared error whatever the loss of the rest of the article (it says so, see _single)
            single = Network(depth=back + 1, network="single", **{**kw, "loss": "mse"})
            general = Network(depth=back + 1, **kw)
            example = Network(widths=(4, 2), **kw)
        except KeyError:
            raise ArticleError(f"--activation {opts.activation!r}: choose one of {', '.join(ACTIVATIONS)}") from None
        except (ValueError, NotationError) as e:
            raise ArticleError(str(e)) from None
        return cls(single, general, example, back)


# ---------------------------------------------------------------------------------------------
# building the article

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class _Writer:
    """Writes one article in one language.  ``t(en, zh, **math)`` is prose; ``{name}`` in it is
    replaced by the inline formula ``math[name]`` (a SymPy expression, printed by our printer)."""

    def __init__(self, opts: Options, lang: str, nets: Nets) -> None:
        self.o, self.lang, self.nets = opts, lang, nets
        self.blocks: list[Block] = []
        self.figures = 0
        self.equations = 0

    # ---- prose --------------------------------------------------------------------------------
    def _text(self, en: str, zh: str, math: dict[str, Any], single: bool) -> Text:
        src = zh if self.lang == "zh" else en
        segments: list[tuple[str, str]] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(src):
            if m.start() > pos:
                segments.append(("text", src[pos:m.start()]))
            value = math[m.group(1)]
            if isinstance(value, Ref):
                segments.append(("ref", str(value.number)))
            else:
                tex = value if isinstance(value, str) else render.to_latex(value, single=single)
                segments.append(("math", inline(tex)))
            pos = m.end()
        if pos < len(src):
            segments.append(("text", src[pos:]))
        return Text(tuple(segments))

    def h(self, level: int, en: str, zh: str, single: bool = False, **math: Any) -> None:
        self.blocks.append(Heading(level, self._text(en, zh, math, single)))

    def p(self, en: str, zh: str, single: bool = False, **math: Any) -> None:
        if en[:1].islower() and self.blocks and isinstance(self.blocks[-1], Display):
            self.blocks[-1] = replace(self.blocks[-1], punct=",")  # "… = x, and they are …"
        self.blocks.append(Para(self._text(en, zh, math, single)))

    def display(self, rows: Sequence[Step]) -> Ref:
        """Append a numbered display; its reference for the prose that follows."""
        self.equations += 1
        self.blocks.append(Display(tuple(rows), self.o.proof_marks, self.equations))
        return Ref(self.equations)

    def note(self, en: str, zh: str, single: bool = False, **math: Any) -> None:
        self.blocks.append(Para(self._text(en, zh, math, single), style="note"))

    def items(self, rows: Sequence[tuple[str, str, dict[str, Any]]], single: bool = False) -> None:
        self.blocks.append(Items(tuple(self._text(en, zh, m, single) for en, zh, m in rows)))

    def figure(self, name: str, fig: diagram.Figure, title: tuple[str, str], en: str, zh: str, **math: Any) -> None:
        text = title[1] if self.lang == "zh" else title[0]
        self.figures += 1
        self.blocks.append(Figure(f"{name}.{self.lang}", text, diagram.to_svg(fig, text, name), diagram.to_tikz(fig),
                                  self._text(en, zh, math, fig.single), self.figures))

    def table(self, header: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]], single: bool = False) -> None:
        """A table: header cells as (en, zh) prose, body cells as formulas or plain strings."""
        def cell(x: Any) -> Text:  # a formula, or a number (LaTeX) such as "-0.25"
            return self._text("{x}", "{x}", {"x": x}, single)
        self.blocks.append(Table(tuple(self._text(en, zh, {}, single) for en, zh in header),
                                 tuple(tuple(cell(x) for x in row) for row in rows)))

    def code(self, language: str, text: str) -> None:
        self.blocks.append(Code(language, text))

    def box(self, en: str = "", zh: str = "", **math: Any) -> None:
        """Open a box titled ``en``/``zh``, or (no title) close the open one."""
        self.blocks.append(Box(True, self._text(en, zh, math, False)) if en else Box(False))

    def directive(self, text: str) -> None:
        self.blocks.append(Directive(text))

    def network_directive(self, net: Network) -> None:
        """The network of the section that follows, as ``derivator check`` must read it."""
        self.directive(f"network={net.network} activation={net.activation} loss={net.loss}")

    # ---- formulas -----------------------------------------------------------------------------
    def eq(self, net: Network, *chains: Sequence[sp.Expr]) -> Ref:
        """Display chains ``e0 = e1 = …``; every step is proved, or the article is not written."""
        single = net.network == "single"
        rows: list[Step] = []
        for chain in chains:
            chain = self._fitted(list(chain), single)
            for n, (a, b) in enumerate(zip(chain, chain[1:])):
                v = _prove(a, b, net)
                lhs, rhs = render.to_latex(a, single=single), render.to_latex(b, single=single)
                if not v.proved:
                    raise ArticleError(f"not proved, so not printed: {lhs} = {rhs}  [{v}]  "
                                       f"({net.describe()})")
                rows.append(Step(lhs if n == 0 else "", rhs, _mark(_mark_key(v, net), self.lang)))
        return self.display(rows)

    def _fitted(self, chain: list[sp.Expr], single: bool) -> list[sp.Expr]:
        """The chain without its written-out end while that end would run off the page: the step
        before it (a product of the layer's factors and the derivative found one layer up) is the
        same result, shorter, and deep layers are read that way."""
        lhs = render.to_latex(chain[0], single=single)
        mark = 12.0 if self.o.proof_marks else 0.0  # the widest proof mark, in em
        while len(chain) > 2 and not fit.fits(lhs, render.to_latex(chain[-1], single=single), extra=mark):
            chain.pop()
        return chain

    def eq_rows(self, rows: Iterable[formulas.Formula], mark: str | None = None, skip: bool = False) -> Ref:
        """Display ``formulas.formulas`` rows (proved there), one per line.  ``mark`` overrides the
        proof mark; ``skip`` tells ``derivator check`` to pass over the display (a relation proved
        only under an assumption that the checker cannot know)."""
        steps = []
        for r in rows:
            if not r.verdict.proved:
                raise ArticleError(f"not proved, so not printed: {r.latex()}  [{r.verdict}]")
            lhs, rhs = r.latex().split(" = ", 1)
            key = mark or ("all" if r.verdict.method.startswith("all sizes") else "sizes")
            steps.append(Step(lhs, rhs, _mark(key, self.lang)))
        if skip:
            self.directive("skip=next")
        return self.display(steps)

    def define(self, rows: Sequence[tuple[str, str]], kind: str = "definition", op: str = "=") -> Ref:
        """Relations that are not identities to prove: names (∇W = the matrix of ∂L/∂w), updates.
        ``derivator check`` is told to skip definitions (update rules it recognises itself)."""
        if kind == "definition":
            self.directive("skip=next")
        return self.display([Step(l, r, _mark(kind, self.lang), op) for l, r in rows])

    def latex(self, e: Any, net: Network) -> str:
        return render.to_latex(e, single=net.network == "single")


def _function_latex(e: sp.Expr) -> str:
    """σ and its explicit form as a textbook writes them: SymPy's printer, which prints these few
    functions, writes ``\\tanh{\\left(x \\right)}``, ``\\max\\left(0, x\\right)`` and, for the identity
    σ(x) = x, ``\\mathbb{I}``."""
    if isinstance(e, sp.Symbol):
        return e.name
    tex = render.to_latex(e)
    tex = re.sub(r"\{\\left\((.*?) \\right\)\}", r"(\1)", tex)
    tex = re.sub(r"\\left\((.*?)\\right\)", r"(\1)", tex)
    return tex.replace(r"\mathbb{I}", r"\sigma(x)").replace(r"\text{for}\: ", r"\text{if } ")


def _sigma_facts(net: Network) -> tuple[list[tuple[sp.Expr, sp.Expr]], str] | None:
    """σ(x) and σ′(x) of the activation, each relation proved with SymPy on the explicit function
    (the network keeps σ abstract); None for the generic activation.  Returns the relations and
    the proof mark key."""
    x = sp.Symbol("x", real=True)
    s, sp_ = net.sigma(x), net.sigma_prime(x)
    explicit = {
        "sigmoid": 1 / (1 + sp.exp(-x)),
        "tanh": sp.tanh(x),
        "softplus": sp.log(1 + sp.exp(x)),
        "identity": x,
        "relu": sp.Max(0, x),
    }.get(net.activation)
    if explicit is None:
        return None
    in_sigma = {
        "sigmoid": s * (1 - s),
        "tanh": 1 - s ** 2,
        "softplus": 1 / (1 + sp.exp(-x)),
        "identity": sp.Integer(1),
        "relu": sp.Piecewise((1, x > 0), (0, True)),
    }[net.activation]
    d = sp.diff(explicit, x)
    if net.activation == "relu":
        pos, neg = sp.Symbol("p", positive=True), sp.Symbol("q", negative=True)
        ok = all(sp.simplify((d - in_sigma).subs(x, v)) == 0 for v in (pos, neg))
    else:
        ok = sp.simplify(d - in_sigma.subs(s, explicit)) == 0
    if not ok:
        raise ArticleError(f"σ′ of {net.activation}: SymPy does not confirm {sp_} = {in_sigma}")
    return [(s, explicit), (sp_, in_sigma)], "sigma"


def write(opts: Options, lang: str, nets: Nets) -> Article:
    """The whole article in one language (see the module docstring)."""
    if lang not in LANGS:
        raise ArticleError(f"--lang {lang!r}: choose zh or en")
    w = _Writer(opts, lang, nets)
    w.directive(f"activation={opts.activation} loss={opts.loss}")
    title = opts.title or ("反向传播的微积分" if lang == "zh" else "The calculus of backpropagation")
    _intro(w)
    _single(w)
    if opts.network == "general":
        _general(w)
        _deltas(w)
        _matrices(w)
    _closing(w)
    return Article(lang, title, opts.author, w.blocks)


# ---- chapters ----------------------------------------------------------------------------------


def _intro(w: _Writer) -> None:
    net, g = w.nets.single, w.nets.general
    D, back = g.D, w.nets.back
    act = net.act
    w.p("Backpropagation is the way a neural network finds out which of its parameters to blame for "
        "an error. After a forward pass has turned an input into a prediction and the prediction into "
        "a loss, backpropagation walks through the network in the opposite direction and computes, for "
        "every weight and every bias, how fast the loss changes when that one parameter moves. Gradient "
        "descent needs nothing else, and the whole computation rests on a single rule of calculus: the "
        "chain rule.",
        "神经网络犯了错，要弄清楚该怪哪个参数，靠的就是反向传播。前向计算把输入变成预测、再把预测变成损失之后，"
        "反向传播沿着相反的方向走一遍网络，为每一个权重和每一个偏置算出：只让这一个参数动一点点，损失会以多快的速度变化。"
        "梯度下降只需要这些数，而整个计算只依赖微积分里的一条规则——链式法则。")
    w.p("The derivation below goes the way it is usually taught. A chain in which every layer has one "
        "neuron comes first, so that the chain rule can be seen without indices; then the same steps are "
        "repeated for layers with many neurons, down to layer {low}; the article ends with the error "
        "terms {delta} and the matrix form that numerical code uses.",
        "下面的推导沿用最常见的讲法：先看每层只有一个神经元的链条，这样链式法则不被下标遮住；"
        "再把同样的步骤搬到每层有许多神经元的网络上，一直推到第 {low} 层；最后引出误差项 {delta} 和程序里使用的矩阵形式。",
        low=str(g.tag(D - back)), delta=g.delta(D - 1)[g.i, g.letter(D - 1)])
    proved = ("Each formula below was checked against SymPy's own derivative of the loss before it was "
              "written down: unless a mark says otherwise, for any number of samples and any width of any layer.",
              "下面每个公式在写进本文之前，都已验证与 SymPy 对损失直接求出的导数相等；"
              "除非另有标注，对任意样本数、任意各层宽度都成立。")
    if g.softmax_output:
        w.p("The loss is the cross-entropy of a softmax output layer (the chain of single neurons at the "
            "start keeps the squared error, for a reason given there). " + proved[0],
            "损失函数取 softmax 输出层上的交叉熵（开头的单神经元链条仍用平方误差，原因在那里说明）。" + proved[1])
    else:
        w.p("The loss is the mean squared error. " + proved[0], "损失函数取均方误差。" + proved[1])
    if act.name != "generic":
        facts = _sigma_facts(net)
        assert facts is not None
        (s, explicit), _ = facts[0]
        w.p("The activation function is {def}; any other differentiable function would do, and only "
            "its derivative enters the results.",
            "激活函数取 {def}；换成其他可导函数也可以，结果里只会出现它的导数。",
            **{"def": f"{_function_latex(s)} = {_function_latex(explicit)}"})
    else:
        x = sp.Symbol("x")
        w.p("The activation function {s} is left unspecified: any differentiable function will do, and "
            "the results contain only its derivative {sp}.",
            "激活函数 {s} 不具体指定：任何可导函数都可以，结果里只出现它的导数 {sp}。",
            s=net.sigma(x), sp=net.sigma_prime(x))

    w.h(2, "Notation", "记号")
    i = g.i
    j, k = g.letter(D), g.letter(D - 1)
    letters = ", ".join(str(g.letter(D - q)) for q in range(back + 2))
    tags = ", ".join(str(g.tag(D - q)) for q in range(back + 2))
    w.items([
        ("{L}, {L1}, {L2}, …: layers, counted back from the output layer {L}; {inp} is the input layer here. "
         "Below means towards the input: layer {L1} lies below layer {L}.",
         "{L}、{L1}、{L2}……：层，从输出层 {L} 往回数；这里 {inp} 是输入层。"
         "“下一层”总是指靠近输入的一层（第 {L1} 层在第 {L} 层之下），“上一层”指靠近输出的一层。",
         dict(L="L", L1="L-1", L2="L-2", inp=str(g.tag(0)))),
        ("{n}: the number of samples, counted by {i}; {nl}: the number of neurons in layer {L}.",
         "{n}：样本数，用 {i} 计数；{nl}：第 {L} 层的神经元个数。",
         dict(n=g.n, i=i, nl=g.width(D), L="L")),
        ("{a}: the activation of neuron {j} of layer {L} for sample {i}; {z}: its pre-activation, the "
         "weighted sum before {s} is applied" + (" (in the output layer: the softmax)." if g.softmax_output else "."),
         "{a}：第 {i} 个样本在第 {L} 层第 {j} 个神经元上的激活值；{z}：它的加权输入，即施加 {s}"
         + ("（输出层为 softmax）" if g.softmax_output else " ") + "之前的值。",
         dict(a=g.a(D)[i, j], j=j, L="L", i=i, z=g.z(D)[i, j], s=r"\sigma")),
        ("{w}: the weight from neuron {k} of layer {L1} to neuron {j} of layer {L}; {b}: the bias of neuron {j}.",
         "{w}：从第 {L1} 层第 {k} 个神经元到第 {L} 层第 {j} 个神经元的权重；{b}：第 {j} 个神经元的偏置。",
         dict(w=g.w(D)[j, k], k=k, L1="L-1", j=j, L="L", b=g.b(D)[j])),
        ("{y}: the target of output neuron {j} for sample {i}; {Li}: the loss of sample {i}; {L}: the mean "
         "loss over all samples.",
         "{y}：第 {i} 个样本在输出神经元 {j} 上的目标值；{Li}：第 {i} 个样本的损失；{L}：所有样本的平均损失。",
         dict(y=g.y[i, j], j=j, i=i, Li=g.Li[i], L=g.L)),
        ("Neuron indices: {letters} for layers {tags}; {i} always counts samples. A superscript in "
         "parentheses is a layer, never a power.",
         "神经元下标：{letters} 依次对应第 {tags} 层；{i} 总是样本的下标。括号里的上标表示层，不是乘方。",
         dict(letters=letters, tags=tags, i=i)),
    ])


def _single(w: _Writer) -> None:
    net = w.nets.single
    D, back = net.D, w.nets.back
    s0 = sp.Integer(0)
    a, z = (lambda p, s=s0: net.a(p)[s, 0]), (lambda p, s=s0: net.z(p)[s, 0])
    W, B = (lambda p: net.w(p)[0, 0]), (lambda p: net.b(p)[0])
    y0, L0 = net.y[s0, 0], net.Li[s0]
    sig = net.sigma
    S = dict(single=True)
    w.network_directive(net)

    w.h(2, "A chain of single neurons", "一条单神经元的链")
    w.p("Take the simplest network there is: every layer holds exactly one neuron. The neuron index "
        "would always be 0, so it is left out; the one subscript that remains on {a} and {z} numbers "
        "the sample. For now we look at a single sample, sample 0.",
        "先看最简单的网络：每层恰好一个神经元。神经元下标永远是 0，于是省略不写；{a} 和 {z} 上剩下的那个下标是样本编号。"
        "暂时只看一个样本，即第 0 个样本。", a=a(D), z=z(D), **S)
    w.p("The output neuron first forms a weighted input from the activation of the neuron below it, "
        "then passes it through the activation function:",
        "输出神经元先用下一层神经元的激活值算出加权输入，再把它送进激活函数：")
    w.eq(net, [z(D), W(D) * a(D - 1) + B(D)], [a(D), sig(z(D))])
    facts = _sigma_facts(net)
    if facts is not None:
        rels, key = facts
        w.p("For the activation we will need its derivative, which for this choice of {s} can be written "
            "in terms of {s} itself:",
            "后面要用到激活函数的导数；对这里选的 {s}，导数可以用 {s} 自己表示：", s=r"\sigma")
        w.define([(_function_latex(l), _function_latex(r)) for l, r in rels], kind=key)
    w.figure("graph", diagram.graph_figure(net), ("Computational graph of sample 0", "第 0 个样本的计算图"),
             "The computational graph of sample 0. Each arrow carries the local derivative of its head "
             "with respect to its tail; the chain rule multiplies these along the path from a parameter "
             "to the loss {L0}.",
             "第 0 个样本的计算图。每条箭头上标着箭头终点对起点的局部导数；链式法则把从参数到损失 {L0} 的路径上的这些导数乘起来。",
             L0=L0)

    w.h(3, "The loss of one sample", "一个样本的损失")
    term = net.loss_spec.term
    assert term is not None
    if w.nets.general.softmax_output:
        w.note("A softmax over a single neuron is always 1 (it divides {ez} by itself), so the cross-entropy "
               "would not depend on any parameter: this chapter keeps the squared error, and the softmax with "
               "the cross-entropy takes over once the output layer has many neurons.",
               "对单个神经元做 softmax 结果恒为 1（它用 {ez} 除以它自己），交叉熵就与任何参数都无关了：所以本章仍用平方误差，"
               "等输出层有了许多神经元，再换成 softmax 与交叉熵。", ez=sp.exp(z(D)), **S)
    w.p("The prediction {a} is compared with the target {y}:",
        "把预测值 {a} 与目标值 {y} 比较：", a=a(D), y=y0, **S)
    w.eq(net, [L0, term(a(D), y0)])
    w.p("The factor one half is there only for convenience: differentiating the square produces a 2 "
        "that it cancels.",
        "前面的二分之一只是为了方便：对平方求导会出来一个 2，正好与它抵消。")

    w.h(3, "How the loss depends on the output layer", "损失如何依赖输出层")
    w.p("The weight {w} and the bias {b} reach the loss only through {z}, and {z} only through {a}. "
        "The chain rule therefore splits each derivative into three factors, one per arrow of the graph:",
        "权重 {w} 和偏置 {b} 只通过 {z} 影响损失，而 {z} 又只通过 {a} 影响损失。"
        "因此链式法则把每个导数拆成三个因子，计算图上的每条箭头对应一个：",
        w=W(D), b=B(D), z=z(D), a=a(D), **S)
    chain_w = P(L0, a(D)) * P(a(D), z(D)) * P(z(D), W(D))
    chain_b = P(L0, a(D)) * P(a(D), z(D)) * P(z(D), B(D))
    w.eq(net, [P(L0, W(D)), chain_w], [P(L0, B(D)), chain_b])
    w.p("The first factor is the derivative of the loss with respect to the prediction:",
        "第一个因子是损失对预测值的导数：")
    found = {D: w.eq(net, [P(L0, a(D)), P(term(a(D), y0), a(D)), _d(net, L0, a(D))])}  # ∂L/∂a^(p): where
    w.note("Keep an eye on {dLda}: it is where every backward pass starts, and the same kind of "
           "quantity, the loss differentiated with respect to one layer's activation, will carry the "
           "error from each layer to the one below.",
           "请留意 {dLda}：每一次反向传播都从它开始；而同一类量——损失对某一层激活值的导数——将把误差从每一层传到下一层。",
           dLda=P(L0, a(D)), **S)
    w.p("The other factors follow from the two definitions above:", "其余因子直接来自上面的两个定义：")
    w.eq(net, [P(a(D), z(D)), _d(net, a(D), z(D))], [P(z(D), W(D)), _d(net, z(D), W(D))],
         [P(z(D), B(D)), _d(net, z(D), B(D))])
    w.p("Multiplying the factors gives the two derivatives:", "把因子乘起来，得到两个导数：")
    w.eq(net, [P(L0, W(D)), chain_w, _d(net, L0, W(D))],
         [P(L0, B(D)), chain_b, _d(net, L0, B(D))])
    w.p("The two differ only by the last factor, which is why it is common to compute the bias "
        "derivative first and reuse it:",
        "两者只差最后一个因子，所以常见的做法是先算出偏置的导数，再拿来复用：")
    w.eq(net, [P(L0, W(D)), a(D - 1) * P(L0, B(D))])
    _meaning(w, net)
    _worked(w)

    w.h(3, "Averaging over {n} samples", "对 {n} 个样本求平均", n=net.n)
    i = net.i
    ai, yi, Li = (lambda p: net.a(p)[i, 0]), net.y[i, 0], net.Li[i]
    mean = textbook.ChainWriter(net).mean
    w.p("Training uses many samples at once. With {n} samples the loss is the mean of the per-sample "
        "losses, and sample {i} is written with the subscript {i}:",
        "训练时一次使用许多样本。有 {n} 个样本时，损失是各样本损失的平均值，第 {i} 个样本用下标 {i} 表示：",
        n=net.n, i=i)
    w.eq(net, [net.L, mean(Li), mean(term(ai(D), yi))])
    w.p("A derivative of a mean is the mean of the derivatives, so the result for one sample carries over "
        "unchanged:",
        "平均值的导数就是导数的平均值，所以单个样本的结果原样沿用：")
    w.eq(net, [P(net.L, W(D)), mean(P(Li, W(D))), _show(net, derive.gradient(net, "w", D))],
         [P(net.L, B(D)), mean(P(Li, B(D))), _show(net, derive.gradient(net, "b", D))])

    w.h(3, "The gradient and the update", "梯度与更新")
    eta = sp.Symbol("eta")
    w.p("The gradient collects the derivatives of {L} with respect to all parameters of a layer. With one "
        "neuron per layer the matrices {nW} and {nB} have a single entry each:",
        "梯度把 {L} 对某一层全部参数的导数收集在一起。每层只有一个神经元时，矩阵 {nW} 和 {nB} 都只有一个元素：",
        L=net.L, nW=formulas.matrix_lhs("w", "L", True), nB=formulas.matrix_lhs("b", "L", True))
    w.define([(formulas.matrix_lhs("w", "L", True), w.latex(P(net.L, W(D)), net)),
              (formulas.matrix_lhs("b", "L", True), w.latex(P(net.L, B(D)), net))])
    w.p("Gradient descent moves every parameter a small step against its derivative; the step size {eta} "
        "is the learning rate, a small positive number. The arrow means \"is replaced by\": these are "
        "assignments, not equations.",
        "梯度下降让每个参数逆着自己的导数走一小步；步长 {eta} 叫学习率，是一个小的正数。箭头的意思是“替换为”：它们是赋值，不是等式。",
        eta=eta)
    _updates(w, net, D)

    for p in range(D - 1, D - back - 1, -1):
        tag, above = str(net.tag(p)), net.tag(p + 1)
        w.h(3, "Back to layer {tag}", "回到第 {tag} 层", tag=tag)
        if p == D - 1:
            w.p("The weight {w} of the layer below reaches the loss through {a}, which in turn feeds "
                "the output neuron. So the first thing to find is how the loss of sample {i} depends on {a}:",
                "下一层的权重 {w} 通过 {a} 影响损失，而 {a} 又是输出神经元的输入。所以先求第 {i} 个样本的损失如何依赖 {a}：",
                w=W(p), a=ai(p), i=i, **S)
        else:
            w.p("The same steps once more, one layer further down. The loss depends on {a} only through "
                "the layer above it:",
                "同样的步骤再做一次，再往下一层。损失只通过上一层依赖 {a}：", a=ai(p), **S)
        chain_a = P(Li, ai(p + 1)) * P(ai(p + 1), net.z(p + 1)[i, 0]) * P(net.z(p + 1)[i, 0], ai(p))
        local = P(Li, ai(p + 1)) * sig_prime_z(net, p + 1) * W(p + 1)
        closed_a = _show(net, derive.gradient(net, "a", p))
        chain = [P(Li, ai(p)), chain_a, local, closed_a] if p + 1 < D else [P(Li, ai(p)), chain_a, closed_a]
        found[p] = w.eq(net, chain)
        if p == D - 1:
            w.note("The first factor {prev} was found in {ref} (for sample 0; any sample {i} is the same): the "
                   "error travels backwards, one layer at a time, and nothing computed above has to be computed "
                   "again.",
                   "第一个因子 {prev} 已在 {ref} 中求出（那里是第 0 个样本，任意样本 {i} 都一样）：误差一层一层往回传，"
                   "上面已经算过的东西不必再算。", prev=P(Li, ai(p + 1)), ref=found[p + 1], i=i, **S)
        else:
            w.p("Its first factor is {ref}, from the layer above.", "其中第一个因子就是上一层的 {ref}。",
                ref=found[p + 1])
        w.p("With it, the weight and the bias of layer {tag} follow exactly as for the output layer:",
            "有了它，第 {tag} 层的权重和偏置就和输出层完全一样地得出：", tag=tag)
        for q, param in (("w", W(p)), ("b", B(p))):
            zp = net.z(p)[i, 0]
            last = ai(p - 1) if q == "w" else sp.Integer(1)
            chain_q = mean(P(Li, ai(p)) * P(ai(p), zp) * P(zp, param))
            mid = mean(P(Li, ai(p)) * sig_prime_z(net, p) * last)
            w.eq(net, [P(net.L, param), chain_q, mid, _show(net, derive.gradient(net, q, p))])
        w.p("and they are updated like those of layer {top}.", "它们的更新方式与第 {top} 层相同。", top=str(above))


def _meaning(w: _Writer, net: Network) -> None:
    """What each factor of the output layer's gradient says (Nielsen's reading of the equations)."""
    D, s0 = net.D, sp.Integer(0)
    a, z = net.a(D)[s0, 0], net.z(D)[s0, 0]
    w.p("Each factor says something about learning. {err} is the error: a neuron that is already right "
        "does not move. {sp} is the slope of the activation: where the neuron saturates (for the sigmoid, "
        "{z} far from 0) it is close to 0, and the weight learns slowly however wrong the output is. "
        "{ain} is the input: a weight whose input neuron is nearly silent hardly changes.",
        "每个因子都说明了学习的一个方面。{err} 是误差：已经答对的神经元不会再动。{sp} 是激活函数的斜率："
        "神经元饱和时（对 sigmoid 来说就是 {z} 远离 0 时）它接近 0，无论输出错得多厉害，权重都学得很慢。"
        "{ain} 是输入：如果输入神经元几乎不激活，对应的权重几乎不变。",
        err=_d(net, net.Li[s0], a), sp=net.sigma_prime(z), z=z, ain=net.a(D - 1)[s0, 0], single=True)


def _worked(w: _Writer) -> None:
    """The single-neuron chain with numbers (worked.py computes them), checked by a difference quotient."""
    ex = worked.example(w.o.activation)
    if ex is None:
        return
    n = worked.number
    w.h(3, "A worked example", "算一个例子")
    w.p("Numbers make the chain concrete. Take one sample with these inputs and run the network forwards:",
        "用数字把链条落到实处。取一个样本，输入如下，先把网络正向算一遍：")
    w.table([("quantity", "量"), ("value", "值")], [(r.quantity, n(r.value)) for r in ex.forward], single=True)
    w.p("Backwards, each arrow of the computational graph contributes its local derivative, evaluated at "
        "these values:",
        "再反向：计算图上的每条箭头贡献它的局部导数，在这些值处求值：")
    w.table([("local derivative", "局部导数"), ("value", "值")],
            [(r.quantity, n(r.value)) for r in ex.local], single=True)
    w.p("Their products are the two gradients: {dw} is {vw} and {db} is {vb}. A check that needs no calculus: "
        "move {w} by {h} up and down, run the network forwards each time, and divide the change of the loss "
        "by {h2}. That difference quotient gives {fw}, and the same for the bias {fb}: the chain rule agrees "
        "with the network to every digit shown.",
        "它们的乘积就是两个梯度：{dw} 为 {vw}，{db} 为 {vb}。还有一个不用微积分的检验：把 {w} 分别加上和减去 {h}，"
        "各正向算一遍，用损失的变化除以 {h2}。这个差商给出 {fw}，偏置的差商给出 {fb}：链式法则与网络本身的结果在显示的每一位上都一致。",
        dw=ex.product_w.quantity, vw=n(ex.product_w.value), db=ex.product_b.quantity, vb=n(ex.product_b.value),
        w=ex.net.w(1)[0, 0], h=worked.latex_number(worked.STEP), h2=worked.latex_number(2 * worked.STEP),
        fw=n(ex.difference_w), fb=n(ex.difference_b), single=True)


def sig_prime_z(net: Network, p: int, I: sp.Expr | None = None, X: sp.Expr | None = None) -> sp.Expr:
    """σ′(z^(p)) of sample I (default i), neuron X (default the layer's letter)."""
    I = net.i if I is None else I
    X = net.letter(p) if X is None else X
    return net.sigma_prime(net.z(p)[I, X])


def _show(net: Network, e: sp.Expr) -> sp.Expr:
    """An engine result in the article's form (1/n in front, bound indices named j, k, …)."""
    return formulas.display(net, e)


def _d(net: Network, num: sp.Expr, den: sp.Expr) -> sp.Expr:
    """∂num/∂den as ``sympy.diff`` finds it, in the article's form."""
    return _show(net, derive.truth(net, num, den))


def _updates(w: _Writer, net: Network, p: int) -> None:
    eta = sp.Symbol("eta")
    X, Y = net.letter(p), net.letter(p - 1)
    wp, bp = net.w(p)[X, Y], net.b(p)[X]
    w.define([(w.latex(wp, net), w.latex(wp - eta * P(net.L, wp), net)),
              (w.latex(bp, net), w.latex(bp - eta * P(net.L, bp), net))], kind="update", op=r"\leftarrow")


def _closed(g: Network, q: str, p: int) -> sp.Expr:
    """∂L/∂w^(p), ∂L/∂b^(p) or ∂L_i/∂a^(p) written out to the output layer.

    With the squared error: the engine's closed form.  With a softmax output the engine's closed form
    multiplies out the output error a Σ y − y, which makes the deeper layers' formulas twice as long
    as they need to be; here that error (∂L_i/∂z^(L) as ``sympy.diff`` finds it) stays one factor,
    and the layers below are wrapped around it by the recurrence.  Either way the result is proved
    before it is printed (``_Writer.eq``)."""
    if not g.softmax_output:
        return _show(g, derive.gradient(g, q, p))
    i, tw = g.i, textbook.ChainWriter(g)

    def delta(r: int, X: sp.Expr) -> sp.Expr:
        if r == g.D:
            return _d(g, g.Li[i], g.z(g.D)[i, X])
        U = g.letter(r + 1)
        return tw.sum_over(delta(r + 1, U) * g.w(r + 1)[U, X], U, r + 1) * sig_prime_z(g, r, i, X)

    X, Y = g.letter(p), g.letter(p - 1)
    if q == "a":
        U = g.letter(p + 1)
        return tw.sum_over(delta(p + 1, U) * g.w(p + 1)[U, X], U, p + 1)
    return tw.mean(delta(p, X) * (g.a(p - 1)[i, Y] if q == "w" else sp.Integer(1)))


@dataclass
class _General:
    """The names every section of the many-neuron chapter shares (one network, its letters)."""

    w: "_Writer"

    def __post_init__(self) -> None:
        w = self.w
        self.g, self.ex = w.nets.general, w.nets.example
        self.D, self.back, self.i = self.g.D, w.nets.back, self.g.i
        self.j, self.k = self.g.letter(self.D), self.g.letter(self.D - 1)
        self.jp = textbook.prime_index(self.j)
        self.ce = self.g.softmax_output
        assert self.g.loss_spec.term is not None
        self.term = self.g.loss_spec.term
        self.mean = textbook.ChainWriter(self.g).mean

    def a(self, p: int, X: sp.Expr) -> sp.Expr:
        return self.g.a(p)[self.i, X]

    def z(self, p: int, X: sp.Expr) -> sp.Expr:
        return self.g.z(p)[self.i, X]

    def closed(self, q: str, p: int) -> sp.Expr:
        return _closed(self.g, q, p)


def _general(w: _Writer) -> None:
    """The many-neuron chapter: forward pass, loss, output layer, its matrices, then each layer below."""
    c = _General(w)
    for section in (_general_forward, _general_loss, _general_output_layer, _general_matrices,
                    _general_propagate):
        section(c)


def _general_forward(c: _General) -> None:
    w, g, ex, D, i, j, k, jp, ce, a, z = c.w, c.g, c.ex, c.D, c.i, c.j, c.k, c.jp, c.ce, c.a, c.z
    w.h(2, "Many neurons per layer", "每层有许多神经元")
    w.network_directive(g)
    w.p("Real layers have many neurons, and every neuron of one layer is connected to every neuron of the "
        "next. The figure shows the top of such a network with four neurons in layer {L1} and two in "
        "layer {L}.",
        "真实网络的每层都有许多神经元，相邻两层的神经元两两相连。"
        "下图画出这样一个网络的顶端：第 {L1} 层四个神经元，第 {L} 层两个。", L1="L-1", L="L")
    w.figure("network", diagram.network_figure(ex), ("Layers L-1 and L of a network", "网络的第 L-1 层与第 L 层"),
             "Layers {L1} and {L}: {nL1} and {nL}. The weight {w} sits on the edge from neuron {k} of "
             "layer {L1} to neuron {j} of layer {L}.",
             "第 {L1} 层与第 {L} 层：{nL1}，{nL}。权重 {w} 位于从第 {L1} 层第 {k} 个神经元到第 {L} 层第 {j} 个神经元的边上。",
             L1="L-1", L="L", nL1=sp.Eq(g.width(D - 1), 4, evaluate=False),
             nL=sp.Eq(g.width(D), 2, evaluate=False), w=g.w(D)[j, k], k=k, j=j)
    w.p("Now two indices are needed: {j} numbers the neurons of layer {L} and {k} those of layer {L1}, "
        "and each activation also carries the sample index {i}. The weighted input of the first output "
        "neuron collects all four activations below it:",
        "现在需要两个下标：{j} 给第 {L} 层的神经元编号，{k} 给第 {L1} 层的编号；每个激活值还带着样本下标 {i}。"
        "第一个输出神经元的加权输入收集了下面全部四个激活值：", j=j, k=k, i=i, L="L", L1="L-1")
    top = ex.D
    # the definition of z written out for the figure's four neurons (true for those only, so
    # `derivator check` is told to skip it; the general definition follows and is proved)
    w.define([(w.latex(ex.z(top)[i, 0], ex),
               w.latex(sum((ex.w(top)[0, q] * ex.a(top - 1)[i, q] for q in range(4)), sp.Integer(0)) + ex.b(top)[0],
                       ex))])
    w.p("For any neuron {j} and any width of layer {L1} the same is a sum over {k}:",
        "对任意神经元 {j}、任意宽度的第 {L1} 层，同样的式子写成对 {k} 的求和：", j=j, k=k, L1="L-1")
    if not ce:
        w.eq(g, [z(D, j), _show(g, g.z_definition(D, i, j))], [a(D, j), g.sigma(z(D, j))])
    else:
        w.eq(g, [z(D, j), _show(g, g.z_definition(D, i, j))])
        w.p("The output layer does not apply {s} neuron by neuron. A softmax turns the weighted inputs of a "
            "sample into positive numbers that add up to 1, so that the outputs can be read as probabilities; "
            "each output depends on every weighted input of its layer. The layers below keep {s}:",
            "输出层不再逐个神经元地施加 {s}。softmax 把一个样本的全部加权输入变成一组和为 1 的正数，可以看作概率；"
            "每个输出都依赖该层的每一个加权输入。下面各层仍用 {s}：", s=r"\sigma")
        softmax = sp.exp(z(D, j)) / sp.Sum(sp.exp(z(D, jp)), (jp, 0, g.width(D) - 1))
        w.eq(g, [a(D, j), softmax], [a(D - 1, k), g.sigma(z(D - 1, k))])


def _general_loss(c: _General) -> None:
    w, g, D, i, j, _jp, ce, term, mean = c.w, c.g, c.D, c.i, c.j, c.jp, c.ce, c.term, c.mean
    w.h(3, "The loss", "损失")
    if not ce:
        w.p("Each output neuron contributes its own squared error; the loss of sample {i} is their sum, and "
            "the loss {L} is again the mean over the samples:",
            "每个输出神经元贡献自己的平方误差；第 {i} 个样本的损失是它们的和，而损失 {L} 仍是所有样本的平均：", i=i, L=g.L)
    else:
        w.p("The loss is the cross-entropy: output neuron {j} contributes {t}, where the target {y} is "
            "usually one-hot (1 for the right class, 0 for the others); the loss of sample {i} is the sum "
            "over the output neurons, and the loss {L} is the mean over the samples:",
            "损失取交叉熵：输出神经元 {j} 贡献 {t}，其中目标值 {y} 通常是 one-hot 的（正确的类为 1，其余为 0）；"
            "第 {i} 个样本的损失是对全部输出神经元的和，而损失 {L} 是所有样本的平均：",
            j=j, t=term(g.a(D)[i, j], g.y[i, j]), y=g.y[i, j], i=i, L=g.L)
    as_j = sp.Sum(term(g.a(D)[i, j], g.y[i, j]), (j, 0, g.width(D) - 1))  # j is bound here: L_i has no j
    w.eq(g, [g.Li[i], as_j], [g.L, mean(g.Li[i]), mean(as_j)])


def _general_output_layer(c: _General) -> None:
    w, g, D, i, j, k = c.w, c.g, c.D, c.i, c.j, c.k
    jp, ce, term, mean, a, z, closed = c.jp, c.ce, c.term, c.mean, c.a, c.z, c.closed
    per_sample = sp.Sum(term(g.a(D)[i, jp], g.y[i, jp]), (jp, 0, g.width(D) - 1))
    w.h(3, "The output layer", "输出层")
    dz = textbook.ChainWriter(g).dz_chain(D, j)  # ∂L_i/∂z_ij^(L) as a chain: Σ over j′ for a softmax
    chain_w = mean(dz * P(z(D, j), g.w(D)[j, k]))
    chain_b = mean(dz * P(z(D, j), g.b(D)[j]))
    if not ce:
        w.p("For one sample, {w} reaches the loss only through {z}: of all the weighted inputs it enters just "
            "that one. So the chain is as short as before; since {L} is the mean of the samples' losses, the "
            "mean over the samples goes around it:",
            "对一个样本来说，{w} 只通过 {z} 影响损失：在所有加权输入中它只出现在这一个里。所以链条和之前一样短；"
            "由于 {L} 是各样本损失的平均，外面再套上对样本的平均：",
            w=g.w(D)[j, k], z=z(D, j), L=g.L)
    else:
        w.p("For one sample, {w} reaches the loss only through {z}: of all the weighted inputs it enters "
            "just that one. But {z} reaches the loss through every output {ap}, because the softmax's "
            "denominator contains all the weighted inputs; so the chain rule sums over {jp}, and since {L} is "
            "the mean of the samples' losses, the mean over the samples goes around it:",
            "对一个样本来说，{w} 只通过 {z} 影响损失：在所有加权输入中它只出现在这一个里。但 {z} 会通过每一个输出 {ap} "
            "影响损失，因为 softmax 的分母里含有全部加权输入；所以链式法则要对 {jp} 求和；"
            "由于 {L} 是各样本损失的平均，外面再套上对样本的平均：",
            w=g.w(D)[j, k], z=z(D, j), ap=a(D, jp), jp=jp, L=g.L)
    w.eq(g, [P(g.L, g.w(D)[j, k]), chain_w], [P(g.L, g.b(D)[j]), chain_b])
    if ce:
        # j′ is taken by the chain's sum: L_i's own summation index becomes j″
        jpp = textbook.prime_index(jp)
        per_sample = sp.Sum(term(g.a(D)[i, jpp], g.y[i, jpp]), (jpp, 0, g.width(D) - 1))
        w.p("Three factors appear: {dzw} in front of the sum, and under it {dLa} and the softmax's {dadz}. "
            "The loss factor {dLa} needs a moment's care: the loss {Li} is a sum over all output neurons, here "
            "with the summation index {jpp}, and only the term with {same} contains {a}; every other term is a "
            "constant here:",
            "式中有三个因子：求和号前面的 {dzw}，求和号里面的 {dLa} 和 softmax 的 {dadz}。"
            "损失的因子 {dLa} 需要稍加小心：损失 {Li} 是对全部输出神经元的求和，这里求和下标记作 {jpp}，"
            "其中只有 {same} 那一项含有 {a}，其余各项在这里都是常数：",
            dzw=P(z(D, j), g.w(D)[j, k]), dadz=P(a(D, jp), z(D, j)),
            dLa=P(g.Li[i], a(D, jp)), jpp=jpp, Li=g.Li[i], same=sp.Eq(jpp, jp, evaluate=False), a=a(D, jp))
        w.eq(g, [P(g.Li[i], a(D, jp)), P(per_sample, a(D, jp)), _d(g, g.Li[i], a(D, jp))])
    else:
        w.p("The first factor needs a moment's care. The loss {Li} is a sum over all output neurons (the "
            "summation index is renamed {jp} so that it does not clash with the fixed {j}), and only the "
            "term with {same} contains {a}; every other term is a constant here:",
            "第一个因子需要稍加小心。损失 {Li} 是对全部输出神经元的求和（求和下标改名为 {jp}，以免和固定的 {j} 混淆），"
            "其中只有 {same} 那一项含有 {a}，其余各项在这里都是常数：",
            Li=g.Li[i], jp=jp, j=j, same=sp.Eq(jp, j, evaluate=False), a=a(D, j))
    if not ce:
        w.eq(g, [P(g.Li[i], a(D, j)), P(per_sample, a(D, j)), _d(g, g.Li[i], a(D, j))])
        w.p("The remaining factors come from the definitions of {a} and {z}:", "其余因子来自 {a} 和 {z} 的定义：",
            a=a(D, j), z=z(D, j))
        w.eq(g, [P(a(D, j), z(D, j)), _d(g, a(D, j), z(D, j))],
             [P(z(D, j), g.w(D)[j, k]), _d(g, z(D, j), g.w(D)[j, k])],
             [P(z(D, j), g.b(D)[j]), _d(g, z(D, j), g.b(D)[j])])
        w.p("Together:", "合起来：")
        w.eq(g, [P(g.L, g.w(D)[j, k]), chain_w, _show(g, derive.gradient(g, "w", D))],
             [P(g.L, g.b(D)[j]), chain_b, _show(g, derive.gradient(g, "b", D))])
    else:
        jac = _d(g, a(D, jp), z(D, j))
        w.p("The softmax's factor {dadz} is its own derivative. Every output depends on every "
            "weighted input, so there are two cases, {jp} equal to {j} or not; the bracket {br}, which is 1 "
            "when the two indices are equal and 0 otherwise, writes both as one formula:",
            "softmax 的因子 {dadz} 就是 softmax 本身的导数。每个输出都依赖每一个加权输入，所以分两种情况：{jp} 等于 {j} 或不等于 {j}；"
            "方括号 {br} 在两个下标相等时为 1、否则为 0，用它可以把两种情况写成一个公式：",
            dadz=P(a(D, jp), z(D, j)), jp=jp, j=j, br=r"[j = j']".replace("j", str(j)))
        w.eq(g, [P(a(D, jp), z(D, j)), jac])
        w.p("The factor in front of the sum comes from the definition of {z}:", "求和号前面的因子来自 {z} 的定义：",
            z=z(D, j))
        w.eq(g, [P(z(D, j), g.w(D)[j, k]), _d(g, z(D, j), g.w(D)[j, k])],
             [P(z(D, j), g.b(D)[j]), _d(g, z(D, j), g.b(D)[j])])
        delta_out = _d(g, g.Li[i], z(D, j))
        w.p("The two factors under the sum, multiplied and summed over {jp}, are the derivative of the loss with "
            "respect to the weighted input {z}. In each product {ap} cancels, leaving {term}; the bracket keeps "
            "only the term {same}, which gives {yj}, and the rest sums to {rest}:",
            "求和号里的两个因子相乘并对 {jp} 求和，就是损失对加权输入 {z} 的导数。每个乘积里 {ap} 都约掉了，剩下 {term}；"
            "方括号只保留 {same} 那一项，给出 {yj}，其余部分加起来是 {rest}：",
            jp=jp, z=z(D, j), ap=a(D, jp), term=-g.y[i, jp] * (sp.KroneckerDelta(j, jp) - a(D, j)),
            same=sp.Eq(jp, j, evaluate=False), yj=-g.y[i, j],
            rest=a(D, j) * sp.Sum(g.y[i, jp], (jp, 0, g.width(D) - 1)))
        w.eq(g, [P(g.Li[i], z(D, j)), dz, delta_out])
        w.p("When the targets of each sample add up to 1, as one-hot targets do, the sum is 1 and this is "
            "simply {diff}, the prediction minus the target, without the factor {sp} that the squared error "
            "brings along.",
            "当每个样本的目标值之和为 1 时（one-hot 目标正是如此），这个和等于 1，结果就是 {diff}，即预测值减去目标值，"
            "没有平方误差带来的因子 {sp}。", diff=a(D, j) - g.y[i, j], sp=r"\sigma'")
        w.p("Together:", "合起来：")
        w.eq(g, [P(g.L, g.w(D)[j, k]), chain_w, closed("w", D)], [P(g.L, g.b(D)[j]), chain_b, closed("b", D)])


def _general_matrices(c: _General) -> None:
    w, g, ex, D = c.w, c.g, c.ex, c.D
    w.h(3, "Gradient matrices of the output layer", "输出层的梯度矩阵")
    w.p("The derivatives are arranged like the parameters themselves: {nW} has one entry per weight, "
        "{rows} rows and {cols} columns, and {nB} one entry per bias. For the network of the figure:",
        "把这些导数按参数本身的形状排列：{nW} 每个权重对应一个元素，共 {rows} 行 {cols} 列；{nB} 每个偏置对应一个元素。"
        "对图中的网络：",
        nW=formulas.matrix_lhs("w", "L", True), nB=formulas.matrix_lhs("b", "L", True),
        rows=g.width(D), cols=g.width(D - 1))
    gradW = sp.ImmutableMatrix(2, 4, lambda r, col: P(ex.L, ex.w(ex.D)[r, col]))
    gradB = sp.ImmutableMatrix(1, 2, lambda r, col: P(ex.L, ex.b(ex.D)[col]))  # a row, as in the matrix form
    w.define([(formulas.matrix_lhs("w", "L", True), render.to_latex(gradW)),
              (formulas.matrix_lhs("b", "L", True), render.to_latex(gradB))])
    w.p("The update is the same as before, for all entries at once:", "更新规则与之前相同，只是一次作用于所有元素：")
    eta = sp.Symbol("eta")
    Wm, Bm = matrix.to_latex(matrix.Named("W", "L")), matrix.to_latex(matrix.Named("B", "L"))
    w.define([(Wm, f"{Wm} - {render.to_latex(eta)} {formulas.matrix_lhs('w', 'L', True)}"),
              (Bm, f"{Bm} - {render.to_latex(eta)} {formulas.matrix_lhs('b', 'L', True)}")],
             kind="update", op=r"\leftarrow")


def _general_propagate(c: _General) -> None:
    w, g, D, back, i = c.w, c.g, c.D, c.back, c.i
    ce, mean, a, z, closed = c.ce, c.mean, c.a, c.z, c.closed
    for p in range(D - 1, D - back - 1, -1):
        X, U, Y = g.letter(p), g.letter(p + 1), g.letter(p - 1)
        tag, up = str(g.tag(p)), str(g.tag(p + 1))
        w.h(3, "Propagating to layer {tag}", "传播到第 {tag} 层", tag=tag)
        if p == D - 1:
            w.p("Here the many neurons make a real difference. The activation {a} feeds every neuron of "
                "layer {up}, so its influence on the loss arrives along {nU} paths, one through each {z}. "
                "The chain rule adds the contributions of all paths: the sum over {U} below cannot be "
                "left out (it is easy to forget it by copying the single-neuron formula, and the result "
                "is then wrong as soon as layer {up} has two neurons).",
                "在这里，神经元多起来就有了实质的区别。激活值 {a} 连到第 {up} 层的每一个神经元，所以它对损失的影响沿 {nU} 条路径传来，"
                "每条经过一个 {z}。链式法则把所有路径的贡献相加：下面对 {U} 的求和不能省略（照抄单神经元的公式时很容易漏掉它，"
                "而一旦第 {up} 层有两个神经元，结果就错了）。",
                a=a(p, X), up=up, nU=g.width(p + 1), z=z(p + 1, U), U=U)
        else:
            w.p("One layer further down the pattern repeats: {a} feeds every neuron of layer {up}, and the "
                "sum runs over {U}:",
                "再往下一层，模式重复：{a} 连到第 {up} 层的每个神经元，求和遍历 {U}：", a=a(p, X), up=up, U=U)
        if p == D - 1:
            ex = w.nets.example
            w.figure("paths", diagram.network_figure(ex, paths_from=1),
                     ("The paths from one neuron of layer L-1 to the loss", "从第 L-1 层的一个神经元到损失的路径"),
                     "The paths behind the sum: {a} feeds both neurons of layer {up} (strong), so a change of it "
                     "reaches the loss along two paths, one through each weight {w}; the chain rule adds them.",
                     "求和背后的路径：{a} 连到第 {up} 层的两个神经元（粗线），所以它的变化沿两条路径到达损失，每条经过一个权重 {w}；"
                     "链式法则把它们相加。", a=ex.a(ex.D - 1)[i, 1], up=up, w=ex.w(ex.D)[U, 1])
        sum_u = textbook.ChainWriter(g).sum_over
        if ce and p == D - 1:
            # the softmax: ∂L_i/∂z_ij^(L) as a whole, found above (a_ij^(L) depends on every z_ij′^(L))
            w.p("The derivative {dz} of the loss with respect to each weighted input of layer {up} is known "
                "from the output layer, so the chain is short:",
                "损失对第 {up} 层每个加权输入的导数 {dz} 已在输出层求出，所以链条很短：",
                dz=P(g.Li[i], z(p + 1, U)), up=up)
            chain_a = sum_u(P(g.Li[i], z(p + 1, U)) * P(z(p + 1, U), a(p, X)), U, p + 1)
            mid = sum_u(P(g.Li[i], z(p + 1, U)) * g.w(p + 1)[U, X], U, p + 1)
            w.eq(g, [P(g.Li[i], a(p, X)), chain_a, mid, closed("a", p)])
        else:
            chain_a = sum_u(P(g.Li[i], a(p + 1, U)) * P(a(p + 1, U), z(p + 1, U)) * P(z(p + 1, U), a(p, X)),
                            U, p + 1)
            mid = sum_u(P(g.Li[i], a(p + 1, U)) * sig_prime_z(g, p + 1, i, U) * g.w(p + 1)[U, X], U, p + 1)
            w.eq(g, [P(g.Li[i], a(p, X)), chain_a, mid, closed("a", p)])
        w.p("The factor {dz} is read off the definition of {z}: only the term with weight {w} contains {a}.",
            "因子 {dz} 直接由 {z} 的定义得到：只有含权重 {w} 的那一项包含 {a}。",
            dz=P(z(p + 1, U), a(p, X)), z=z(p + 1, U), w=g.w(p + 1)[U, X], a=a(p, X))
        w.eq(g, [P(z(p + 1, U), a(p, X)), _d(g, z(p + 1, U), a(p, X))])
        w.p("With {dLda} known, the parameters of layer {tag} follow as before:",
            "知道了 {dLda}，第 {tag} 层的参数就和前面一样得出：", dLda=P(g.Li[i], a(p, X)), tag=tag)
        for q, param in (("w", g.w(p)[X, Y]), ("b", g.b(p)[X])):
            last = a(p - 1, Y) if q == "w" else sp.Integer(1)
            chain_q = mean(P(g.Li[i], a(p, X)) * P(a(p, X), z(p, X)) * P(z(p, X), param))
            mid_q = mean(P(g.Li[i], a(p, X)) * sig_prime_z(g, p, i, X) * last)
            w.eq(g, [P(g.L, param), chain_q, mid_q, closed(q, p)])


def _deltas(w: _Writer) -> None:
    g = w.nets.general
    D, back, i = g.D, w.nets.back, g.i
    w.h(2, "Error terms", "误差项")
    X = g.letter(D)
    if g.softmax_output:
        w.p("The loss differentiated with respect to a weighted input occurs in every formula above (in the "
            "output layer it is the sum over {jp} found there, elsewhere the product of the first two "
            "factors). It gets a name, the error term {delta}:",
            "损失对加权输入的导数出现在上面的每一个公式里（在输出层它是那里求出的对 {jp} 的和，其他层则是前两个因子的乘积）。"
            "给它起个名字，叫误差项 {delta}：",
            jp=textbook.prime_index(X), delta=g.delta(D)[i, X])
    else:
        w.p("The product of the first two factors, the loss differentiated with respect to a weighted input, "
            "occurs in every formula above. It gets a name, the error term {delta}:",
            "前两个因子的乘积，即损失对加权输入的导数，出现在上面的每一个公式里。给它起个名字，叫误差项 {delta}：",
            delta=g.delta(D)[i, X])
    w.eq(g, [g.delta(D)[i, X], P(g.Li[i], g.z(D)[i, X])])
    w.p("With it backpropagation becomes a recursion. The error of the output layer comes straight from "
        "the loss, each lower layer's error from the one above, and every gradient is an error times "
        "an activation:",
        "有了它，反向传播就成了一个递推：输出层的误差直接来自损失，每一层的误差来自它上面一层，而每个梯度都是误差乘以一个激活值：")
    for p in range(D, D - back - 1, -1):
        tag = str(g.tag(p))
        rows = formulas.formulas(g, tag, index_form=True, matrix_form=False)
        pick = [r for r in rows if (r.quantity, r.form) in (("delta", "delta"), ("w", "delta"), ("b", "delta"))]
        pick.sort(key=lambda r: ("delta", "w", "b").index(r.quantity))
        w.eq_rows(pick)
        given = [r for r in rows if r.form == "assumption"]
        if given:
            # δ = a − y is true only when the targets of each sample sum to 1: formulas.py proves
            # δ = a − y + a(Σ y − 1), which holds always; `derivator check` must not read it as an identity
            w.p("When the sum {sum} of every sample's targets is 1, as for one-hot targets, the error of the "
                "output layer is the prediction minus the target:",
                "当每个样本的目标值之和 {sum} 为 1 时（one-hot 目标正是如此），输出层的误差就是预测值减去目标值：",
                sum=sp.Sum(g.y[i, textbook.prime_index(X)], (textbook.prime_index(X), 0, g.width(D) - 1)))
            w.eq_rows(given, mark="given", skip=True)


def _matrices(w: _Writer) -> None:
    g = w.nets.general
    D, back = g.D, w.nets.back
    w.h(2, "Matrix form", "矩阵形式")
    w.p("Programs do not loop over indices; they multiply matrices. Put the samples in rows: {A} is the "
        "{n} by {nl} matrix whose row {i} holds the activations of sample {i} in layer {l}, and the same for "
        "{Z}, {Delta} and {Y}; {W} is {nl} by {nl1}. {odot} multiplies entry by entry, and {top} transposes. "
        "Each line below was read off the index form above and proved equal to it:",
        "程序不会逐个下标地循环，而是做矩阵乘法。把样本放在行上：{A} 是 {n} 行 {nl} 列的矩阵，第 {i} 行是第 {i} 个样本在第 {l} 层的激活值；"
        "{Z}、{Delta}、{Y} 同理；{W} 是 {nl} 行 {nl1} 列。{odot} 表示逐元素相乘，{top} 表示转置。"
        "下面每一行都由上面的下标形式改写而来，并已证明与之相等：",
        A=matrix.to_latex(matrix.Named("A", "l")), Z=matrix.to_latex(matrix.Named("Z", "l")),
        Delta=matrix.to_latex(matrix.Named("Delta", "l")), Y=matrix.to_latex(matrix.Named("Y")),
        W=matrix.to_latex(matrix.Named("W", "l")), n=g.n, nl=sp.Symbol("n_(l)", integer=True, positive=True),
        nl1=sp.Symbol("n_(l-1)", integer=True, positive=True), i=g.i, l="l", odot=r"\odot", top=r"^{\top}")
    for p in range(D, D - back - 1, -1):
        tag = str(g.tag(p))
        rows = [r for r in formulas.formulas(g, tag, index_form=False, matrix_form=True) if r.quantity != "a"]
        rows.sort(key=lambda r: ("delta", "w", "b").index(r.quantity))
        w.eq_rows(rows)
        if p == D and g.softmax_output:
            w.p("In the first line {one} is a column of {nL} ones, so {Y1} holds the sum of each sample's "
                "targets, and {odot} multiplies each row of {A} by that sample's sum; for one-hot targets the "
                "sum is 1 and {Delta} is just {AY}.",
                "第一行中的 {one} 是由 {nL} 个 1 组成的列向量，所以 {Y1} 是每个样本目标值之和，{odot} 把 {A} "
                "的每一行乘以该样本的和；对 one-hot 目标这个和为 1，{Delta} 就是 {AY}。",
                one=r"\mathbf{1}", nL=g.width(D), Y1=matrix.to_latex(matrix.RowSum(matrix.Named("Y"))),
                odot=r"\odot", A=matrix.to_latex(matrix.Named("A", tag)),
                Delta=matrix.to_latex(matrix.Named("Delta", tag)),
                AY=matrix.to_latex(matrix.Sub(matrix.Named("A", tag), matrix.Named("Y"))))
    w.p("and every layer {l} is updated with the same two assignments:", "每一层 {l} 都用同样两条赋值更新：", l="l")
    eta = sp.Symbol("eta")
    Wm, Bm = matrix.to_latex(matrix.Named("W", "l")), matrix.to_latex(matrix.Named("B", "l"))
    w.define([(Wm, f"{Wm} - {render.to_latex(eta)} {formulas.matrix_lhs('w', 'l', True)}"),
              (Bm, f"{Bm} - {render.to_latex(eta)} {formulas.matrix_lhs('b', 'l', True)}")],
             kind="update", op=r"\leftarrow")
    _listing(w)


def _listing(w: _Writer) -> None:
    """The NumPy code of the article's network, as ``derivator codegen`` writes it."""
    code = listing.listing(w.o.activation, w.o.loss, w.nets.back)
    if code is None:
        return
    widths = ",".join(map(str, listing.widths_for(w.nets.back)))
    w.h(3, "The algorithm as code", "算法的代码")
    w.p("These lines are NumPy code that derivator codegen writes for a network of this depth with widths "
        "{widths} (input first); only the shape checks and docstrings are left out. Each line is one of "
        "the matrix formulas above: {at} is the matrix product, {star} the entry-wise product, and the "
        "backward pass calls one function per layer, from the output down.",
        "下面是 derivator codegen 为同样深度、宽度为 {widths}（从输入层算起）的网络生成的 NumPy 代码，只省略了形状检查和文档字符串。"
        "每一行都是上面的一个矩阵公式：{at} 是矩阵乘法，{star} 是逐元素乘法；反向计算从输出层往下，每层调用一个函数。",
        widths=rf"\text{{{widths}}}", at=r"\texttt{@}", star=r"\texttt{*}")
    w.code("python", code.rstrip("\n"))



def _summary_box(w: _Writer) -> None:
    """The four equations of layer l, in index and in matrix form (Nielsen's BP1–BP4), each proved."""
    g = w.nets.general
    top = formulas.formulas(g, "L", index_form=True, matrix_form=True)
    any_l = formulas.formulas(g, "l", index_form=True, matrix_form=True)

    def pick(rows: list[formulas.Formula], q: str, form: str) -> formulas.Formula:
        return next(r for r in rows if r.quantity == q and r.form == form)

    four = [(top, "delta"), (any_l, "delta"), (any_l, "b"), (any_l, "w")]
    w.box("The four equations of backpropagation, for every layer {l}", "反向传播的四个方程，对每一层 {l} 成立",
          l="l")
    w.p("Index form:", "下标形式：")
    w.eq_rows([pick(rows, q, "delta") for rows, q in four])
    w.p("Matrix form, samples in rows:", "矩阵形式（样本按行排列）：")
    w.eq_rows([pick(rows, q, "matrix") for rows, q in four])
    w.box()


def _exercises(w: _Writer) -> None:
    """Three or four exercises whose answers are printed proved, so that a reader can check theirs
    with ``derivator check`` and compare."""
    g = w.nets.general if w.o.network == "general" else w.nets.single
    single = g.network == "single"
    D, i, back = g.D, g.i, w.nets.back
    low = D - back
    X = g.letter(low)
    items: list[tuple[str, str, dict[str, Any]]] = []
    answers: list[list[sp.Expr]] = []
    chain = textbook.ChainWriter(g)
    items.append(("Write {q} as a chain of partial derivatives, then in terms of the error {d}.",
                  "把 {q} 写成偏导数的链，再用误差 {d} 表示。",
                  dict(q=P(g.L, g.b(low)[X]), d=g.delta(low)[i, X])))
    answers.append([P(g.L, g.b(low)[X]), chain.mean(P(g.Li[i], g.a(low)[i, X]) * P(g.a(low)[i, X], g.z(low)[i, X])
                                                   * P(g.z(low)[i, X], g.b(low)[X])),
                    chain.mean(g.delta(low)[i, X])])
    J, K = g.letter(D), g.letter(D - 1)
    items.append(("Show that {q} is the mean over the samples of {prod}.", "证明 {q} 等于 {prod} 对样本的平均。",
                  dict(q=P(g.L, g.w(D)[J, K]), prod=g.delta(D)[i, J] * g.a(D - 1)[i, K])))
    answers.append([P(g.L, g.w(D)[J, K]), chain.mean(g.delta(D)[i, J] * g.a(D - 1)[i, K])])
    in_a = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a ** 2, "identity": lambda a: sp.Integer(1)}
    if g.loss == "mse" and g.activation in in_a:
        a = g.a(D)[i, J]
        items.append(("For this activation {sp} can be written with {s} itself. Write {d} with the output "
                      "{a} and the target only, without {z}.",
                      "对这个激活函数，{sp} 可以用 {s} 本身表示。只用输出 {a} 和目标值写出 {d}，不出现 {z}。",
                      dict(sp=r"\sigma'", s=r"\sigma", d=g.delta(D)[i, J], a=a, z=g.z(D)[i, J])))
        answers.append([g.delta(D)[i, J], (a - g.y[i, J]) * in_a[g.activation](a)])
    if not single and low < D:
        items.append(("Why does the sum over {U} appear in {q}, and what goes wrong if it is left out when "
                      "layer {up} has two neurons? Write the correct formula with {dU}.",
                      "为什么 {q} 里会出现对 {U} 的求和？如果第 {up} 层有两个神经元而漏掉这个求和，会出什么错？用 {dU} 写出正确的公式。",
                      dict(U=g.letter(D), q=P(g.Li[i], g.a(D - 1)[i, K]), up="L", dU=g.delta(D)[i, J])))
        answers.append([P(g.Li[i], g.a(D - 1)[i, K]),
                        chain.sum_over(g.delta(D)[i, J] * g.w(D)[J, K], J, D)])
    w.h(2, "Exercises", "练习")
    w.p("Answers follow; yours can be checked the same way, by writing them in Markdown or LaTeX and running "
        "derivator check on the file.",
        "答案附在后面；你自己的答案也可以这样检验：把它写进 Markdown 或 LaTeX 文件，再对这个文件运行 derivator check。")
    w.items([(en, zh, m) for en, zh, m in items], single=single)
    w.h(3, "Answers", "答案")
    for n, chain_ in enumerate(answers, 1):
        w.p(f"Exercise {n}:", f"练习 {n}：")
        w.eq(g, chain_)


def _closing(w: _Writer) -> None:
    g = w.nets.general
    w.h(2, "Summary", "小结")
    if w.o.network == "general":
        _summary_box(w)
        w.p("The whole algorithm in one breath: run the network forwards and keep every {z} and {a}; "
            "start the backward pass with {dL} at the output; at each layer turn the incoming error into "
            "the gradients of that layer's weights and biases, then pass it down through the weights; "
            "finally step every parameter against its gradient. The only tool was the chain rule, applied "
            "once per arrow, with a sum wherever one quantity feeds several others.",
            "整个算法一口气说完：先正向运行网络，记下每个 {z} 和 {a}；在输出端用 {dL} 开始反向计算；"
            "在每一层，把传来的误差变成该层权重和偏置的梯度，再经由权重把误差传到下一层；最后让每个参数逆着梯度走一步。"
            "用到的工具只有链式法则：每条箭头用一次，一个量流向多个量的地方就求和。",
            z="z", a="a", dL=P(g.Li[g.i], (g.z if g.softmax_output else g.a)(g.D)[g.i, g.letter(g.D)]))
    else:
        w.p("With one neuron per layer the whole algorithm is a product of local derivatives along a "
            "single path, computed from the output downwards so that each layer reuses the factor found "
            "for the layer above.",
            "每层一个神经元时，整个算法就是沿着唯一一条路径的局部导数之积，从输出端往下计算，每一层都复用上一层求出的因子。")
    _exercises(w)
    w.p("The order of the derivation follows the lecture on backpropagation calculus by 3Blue1Brown. "
        "The formulas were derived and checked with derivator (\"derivator article\", which also writes this "
        "text for another activation, loss or depth).",
        "推导的顺序参照了 3Blue1Brown 关于反向传播微积分的讲解。文中公式由 derivator 推导并验证"
        "（命令 “derivator article” 也可以换一个激活函数、损失函数或层数重新写出本文）。")


# ---------------------------------------------------------------------------------------------
# output


def _tex_escape(s: str) -> str:
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
             "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", '"': "''"}
    out = "".join(table.get(c, c) for c in s).replace("--", "-{}-")  # --proof-marks, not an en dash
    # opening quotes in English: ``…''
    return re.sub(r"(^|[\s(])''", r"\1``", out)


def environment() -> jinja2.Environment:
    """The templates, found inside the installed package; HTML autoescaped, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tex"] = _tex_escape
    env.globals["display_math"] = mathfmt.display
    env.globals["eqref"] = mathfmt.reference
    return env


def render_article(article: Article, fmt: str, opts: Options) -> str:
    if fmt not in FORMATS:
        raise ArticleError(f"--format {fmt!r}: choose md, tex, html or all")
    template = environment().get_template(f"article.{fmt}.j2")
    text = template.render(article=article, blocks=article.blocks, lang=article.lang, title=article.title,
                           author=article.author, mathjax_url=opts.mathjax_url,
                           formula_count=article.formula_count)
    return re.sub(r"\n{3,}", "\n\n", text)


def generate(opts: Options, langs: Sequence[str], formats: Sequence[str], outdir: Path) -> list[Path]:
    """Write the article in every language and format asked for, plus the figures' SVG files.
    Nothing is written unless every formula of every language is proved."""
    nets = Nets.build(opts)
    articles = [write(opts, lang, nets) for lang in langs]
    rendered = {(a.lang, fmt): render_article(a, fmt, opts) for a in articles for fmt in formats}
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for (lang, fmt), text in rendered.items():
        path = outdir / f"{STEM}.{lang}.{fmt}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    figdir = outdir / "figures"
    figdir.mkdir(exist_ok=True)
    for b in (b for a in articles for b in a.blocks):
        if isinstance(b, Figure):
            path = outdir / b.src
            path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + b.svg, encoding="utf-8")
            written.append(path)
    return written
