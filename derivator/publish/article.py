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
* **The prose is in templates**, one per language: ``templates/article.en.j2`` and
  ``article.zh.j2``.  This module only computes: each chapter function returns the formulas and
  proved displays of its chapter by name, and the template writes the prose around them, placing
  ``{{ single.eq_chain }}`` where a display goes and ``{{ ref(single.eq_dLda) }}`` where the text
  refers to one.  The rendered template is a light markup (blocks.py) read into blocks, which the
  format templates (``article.md.j2``, ``.tex.j2``, ``.html.j2``) walk.

Output is deterministic: no dates, no timings, no set iteration.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

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
from ..engine import Partial as P  # ∂ as the formulas write it
from ..system import files
from . import (
    cost,
    diagram,
    fit,
    formulas,
    interactive,
    learner,
    listing,
    mathfmt,
    mathml,
    post,
    sandbox,
    textbook,
    worked,
)
from .blocks import (
    CLOSE,
    OPEN,
    SEP,
    Article,
    Block,
    Directive,
    Display,
    Entry,
    Figure,
    Heading,
    MarkupError,
    Step,
    Text,
    Widget,
    block_token,
    break_rows,
    math_token,
    parse,
    ref_token,
)
from .mathfmt import inline

LANGS = ("zh", "en")
FORMATS = ("md", "tex", "html")
#: how the HTML shows math: MathML made here (offline, the default) or MathJax in the browser
MATH = ("mathml", "mathjax")
STEM = "backprop-calculus"
DEFAULT_MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"
TEMPLATES = Path(__file__).parent / "templates"
#: seconds allowed to prove one step (the slowest step of the default article takes ~0.3 s)
PROOF_TIMEOUT = 20.0
#: the deepest layer the article propagates to (--layers L-3): deeper layers add nothing new to read,
#: and their proofs would make every layout test (and the suite) minutes longer
MAX_BACK = 3
#: the most rows a display's closed form may be broken into on the page before it is left out
MAX_ROWS = 3


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
    #: how the HTML shows math: "mathml" (made here, offline) or "mathjax" (typeset in the browser)
    math: str = "mathml"
    #: the letter the loss is printed with (L, C or ℒ): with L, ∂L/∂w^(L) names the loss and the
    #: output layer with one letter
    loss_letter: str = "L"
    proof_marks: bool = False
    #: a writer's copy of a language template, rendered in place of templates/article.<lang>.j2
    template: str | None = None

    def back(self) -> int:
        """How many layers below L the article propagates to (L-2 → 2)."""
        try:
            tag = parse_tag(self.layers)
        except NotationError as e:
            raise ArticleError(f"--layers: {e}") from None
        if tag.base != "L" or tag.offset > -1:
            raise ArticleError(
                f"--layers {self.layers!r}: give L-1, L-2, L-3, … (how far back the propagation goes)"
            )
        if tag.offset < -MAX_BACK:
            # deeper layers repeat the step of L-1 → L-2 → L-3; proving their chains costs minutes
            # (L-8 did not finish within the proof timeout), and each would be one more layout to test
            raise ArticleError(f"--layers {self.layers!r}: at most L-{MAX_BACK}")
        return -tag.offset


# ---------------------------------------------------------------------------------------------
# proofs


@cache
def _prove(lhs: sp.Expr, rhs: sp.Expr, net: Network) -> proof.Verdict:
    """Cached: both languages print the same formulas of the same networks."""
    return proof.prove(lhs, rhs, net, timeout=PROOF_TIMEOUT)


#: the proof marks that carry a check mark (the others say what a relation is instead)
_PROVED = ("all", "single", "sizes", "sigma", "given")


@cache
def _mark(key: str, lang: str) -> str:
    """The LaTeX of a proof mark (``--proof-marks``); its words are in ``templates/_words.j2``."""
    words = environment().get_template("_words.j2").make_module({"lang": lang})
    text = getattr(words, "MARKS")[key]  # noqa: B009  # a template's name, unknown to mypy
    glyph = r"\checkmark\ " if key in _PROVED else ""
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
    def build(cls, opts: Options) -> Nets:
        """The networks for ``opts``; the same objects for options that differ only in presentation
        (title, author, proof marks), so that their proofs are found in the cache of :func:`_prove`."""
        if opts.network not in NETWORK_KINDS:
            raise ArticleError(f"--network {opts.network!r}: choose general or single")
        nets = cls._build(
            replace(
                opts,
                title=None,
                author="",
                mathjax_url=DEFAULT_MATHJAX_URL,
                math="mathml",
                loss_letter="L",
                proof_marks=False,
                network="general",
                template=None,
            )
        )
        if nets.general.softmax_output and opts.network == "single":
            raise ArticleError(
                f"--loss {opts.loss} needs --network general: its softmax output over a single "
                "neuron is constant (always 1), so a chain of single neurons has no "
                f"{opts.loss} to derive"
            )
        return nets

    @classmethod
    @lru_cache(maxsize=16)
    def _build(cls, opts: Options) -> Nets:
        back = opts.back()
        try:
            ACTIVATIONS[opts.activation]
            # fewer letters than layers: the rest continue with the default letters not yet taken
            letters = tuple(opts.letters) + tuple(
                x for x in DEFAULT_LETTERS if x not in opts.letters
            )
            kw: dict[str, Any] = dict(activation=opts.activation, loss=opts.loss, letters=letters)
            # a softmax over one neuron is constant (always 1): the single-neuron chain keeps the
            # squared error whatever the loss of the rest of the article (it says so, see _single)
            single = Network(depth=back + 1, network="single", **{**kw, "loss": "mse"})
            general = Network(depth=back + 1, **kw)
            example = Network(widths=(4, 2), **kw)
        except KeyError:
            raise ArticleError(
                f"--activation {opts.activation!r}: choose one of {', '.join(ACTIVATIONS)}"
            ) from None
        except (ValueError, NotationError) as e:
            raise ArticleError(str(e)) from None
        return cls(single, general, example, back)


# ---------------------------------------------------------------------------------------------
# what the language templates place: formulas, displays, figures


class _Placed:
    """Blocks the template places where it writes ``{{ x }}``: a display (numbered then, so that
    ``ref(x)`` can follow), or a directive.  The template never holds this object: it holds a
    :class:`Shown` token, which :meth:`_Writer.resolve` turns back into these blocks."""

    def __init__(
        self,
        w: _Writer,
        rows: Sequence[Step] = (),
        directive: str = "",
        punct: str = ".",
        widget: Widget | None = None,
    ) -> None:
        self.w, self.rows, self.directive, self.punct = w, tuple(rows), directive, punct
        self.widget = widget
        self.number: int | None = None
        self.placed = False

    def blocks(self, punct: str | None = None) -> list[Block]:
        """The blocks, numbered now: the display's place in the text decides its number."""
        if self.placed:
            raise ArticleError("a template places the same display twice")
        self.placed = True
        blocks: list[Block] = [Directive(self.directive)] if self.directive else []
        if self.widget is not None:
            blocks.append(self.widget)
        if self.rows:
            self.w.equations += 1
            self.number = self.w.equations
            blocks.append(
                Display(
                    self.rows,
                    self.w.o.proof_marks,
                    self.number,
                    self.punct if punct is None else punct,
                )
            )
        return blocks


#: a display offered to the template (``d``: index[|punct]) and a reference to one (``q``:
#: index|file:line); both are resolved in the rendered text, in order (:meth:`_Writer.resolve`)
_OFFERED = re.compile(f"{OPEN}([dq]){SEP}([^{CLOSE}]*){CLOSE}")


class Shown(str):
    """What a template holds for a display: a token, plain text with no path to any object.
    ``{{ x }}`` places it; ``{{ x(",") }}`` places it with the sentence going on after it."""

    __slots__ = ()

    def __call__(self, punct: object = None) -> str:  # a template passes anything
        if punct is None:
            return str(self)
        if not isinstance(punct, str) or len(punct) > 20 or sandbox.PRIVATE.search(punct):
            raise ArticleError(f"display({punct!r}): give punctuation, such as ',' or '.'")
        return str(self)[:-1] + "|" + punct + CLOSE


class _FigureSpec:
    """A picture the template places with ``![title](x)`` and a caption: its title is in the
    template's language, and the SVG carries it."""

    def __init__(self, w: _Writer, name: str, fig: diagram.Figure) -> None:
        self.w, self.name, self.fig = w, name, fig

    def make(self, title: str, caption: Text, number: int) -> Figure:
        return Figure(
            f"{self.name}.{self.w.lang}",
            title,
            diagram.to_svg(self.fig, title, self.name),
            diagram.to_tikz(self.fig),
            caption,
            number,
        )


class _Writer:
    """The formulas of one article in one language: every display proved before it is offered to
    the template, every inline formula printed by our printer (``w.ns``)."""

    def __init__(self, opts: Options, lang: str, nets: Nets) -> None:
        self.o, self.lang, self.nets = opts, lang, nets
        self.table: list[Entry] = []
        self.equations = 0
        self.labels: dict[str, _Placed] = {}
        #: the template's name → the path shown in a message (file:line)
        self.names: dict[str, str] = {}
        #: the displays offered to the template, by the index its token carries
        self.offered: list[_Placed] = []
        self.offer_index: dict[int, int] = {}

    # ---- what the template holds: plain data --------------------------------------------------
    def offer(self, placed: _Placed) -> Shown:
        """The token a template holds for ``placed`` (the same token for the same display)."""
        if id(placed) not in self.offer_index:
            self.offer_index[id(placed)] = len(self.offered)
            self.offered.append(placed)
        return Shown(f"{OPEN}d{SEP}{self.offer_index[id(placed)]}{CLOSE}")

    def convert(self, value: Any) -> Any:
        """:func:`sandbox.plain`'s conversion: a display or figure becomes its token."""
        if isinstance(value, _Placed):
            return self.offer(value)
        if isinstance(value, _FigureSpec):
            return self.place(value.make)
        return None

    def resolve(self, text: str) -> str:
        """The rendered text with its display tokens placed (numbered in the order they stand) and
        its references numbered; a reference to a display not placed above it is an error."""

        def one(m: re.Match[str]) -> str:
            index, _, rest = m.group(2).partition("|")
            if not index.isdigit() or int(index) >= len(self.offered):
                raise ArticleError(
                    "text that imitates the article's tokens (private-use characters)"
                )
            placed = self.offered[int(index)]
            if m.group(1) == "d":
                return self.place(placed.blocks(rest or None))
            if placed.number is None:
                raise ArticleError(
                    f"{rest}: ref(): the display is not placed yet (a reference follows its display)"
                )
            return ref_token(placed.number)

        return _OFFERED.sub(one, text)

    def place(self, entry: Entry) -> str:
        self.table.append(entry)
        return block_token(len(self.table) - 1)

    # ---- inline formulas ----------------------------------------------------------------------
    def m(self, value: Any, single: bool = False) -> str:
        """Inline math: a SymPy expression (printed by our printer) or LaTeX."""
        tex = value if isinstance(value, str) else render.to_latex(value, single=single)
        return math_token(inline(tex))

    def ns(self, single: bool = False, **values: Any) -> dict[str, Any]:
        """What a template reads: formulas as inline math, everything else (displays, figures,
        lists of namespaces, flags) as it is."""

        def wrap(v: Any) -> Any:
            if isinstance(v, str) and v.startswith(OPEN):  # inline math already
                return v
            return (
                self.m(v, single)
                if isinstance(v, (str, sp.Basic, int)) and not isinstance(v, bool)
                else v
            )

        return {k: wrap(v) for k, v in values.items()}

    # ---- displays -----------------------------------------------------------------------------
    def eq(self, net: Network, *chains: Sequence[sp.Expr]) -> _Placed:
        """Display chains ``e0 = e1 = …``; every step is proved, or the article is not written."""
        single = net.network == "single"
        rows: list[Step] = []
        for chain in chains:
            chain = self._fitted(list(chain), single)
            for n, (a, b) in enumerate(itertools.pairwise(chain)):
                v = _prove(a, b, net)
                lhs, rhs = render.to_latex(a, single=single), render.to_latex(b, single=single)
                if not v.proved:
                    raise ArticleError(
                        f"not proved, so not printed: {lhs} = {rhs}  [{v}]  ({net.describe()})"
                    )
                rows.append(Step(lhs if n == 0 else "", rhs, _mark(_mark_key(v, net), self.lang)))
        return _Placed(self, rows)

    def _fitted(self, chain: list[sp.Expr], single: bool) -> list[sp.Expr]:
        """The chain without its written-out end while that end would run off the page: the step
        before it (a product of the layer's factors and the derivative found one layer up) is the
        same result, shorter, and deep layers are read that way."""
        lhs = render.to_latex(chain[0], single=single)
        mark = fit.MARK if self.o.proof_marks else 0.0
        room = fit.LINE - fit.width(lhs) - 1.0 - mark
        # broken over rows on the page (Display.wide) a closed form is read whole up to three rows;
        # longer, it is the recursive form above it that a reader follows
        while (
            len(chain) > 2
            and len(break_rows(render.to_latex(chain[-1], single=single), room)) > MAX_ROWS
        ):
            chain.pop()
        return chain

    def eq_rows(
        self, rows: Iterable[formulas.Formula], mark: str | None = None, skip: bool = False
    ) -> _Placed:
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
        return _Placed(self, steps, "skip=next" if skip else "")

    def define(
        self, rows: Sequence[tuple[str, str]], kind: str = "definition", op: str = "="
    ) -> _Placed:
        """Relations that are not identities to prove: names (∇W = the matrix of ∂L/∂w), updates.
        ``derivator check`` is told to skip definitions (update rules it recognises itself)."""
        return _Placed(
            self,
            [Step(l, r, _mark(kind, self.lang), op) for l, r in rows],
            "skip=next" if kind == "definition" else "",
        )

    def slip(self, net: Network, lhs: sp.Expr, wrong: sp.Expr) -> _Placed:
        """A wrong answer shown as such: ``lhs ≠ wrong``, marked refuted (``_counterexample``
        holds the refutation).  ``derivator check`` reads no relation in a ≠, so it needs no
        skip directive (one would skip the answer after it)."""
        return _Placed(
            self,
            [
                Step(
                    self.latex(lhs, net),
                    self.latex(wrong, net),
                    _mark("refuted", self.lang),
                    r"\neq",
                )
            ],
        )

    def directive(self, net: Network) -> _Placed:
        """The network of the section that follows, as ``derivator check`` must read it."""
        return _Placed(
            self,
            directive=f"network={net.network} activation={net.activation} loss={net.loss}"
            + self.cost(),
        )

    def cost(self) -> str:
        """The directive's ``cost=…`` when the loss is printed with another letter than L."""
        letter = self.o.loss_letter
        return "" if letter == "L" else f" cost={render.LOSS_LETTERS[letter][0]}"

    def figure(self, name: str, fig: diagram.Figure) -> _FigureSpec:
        return _FigureSpec(self, name, fig)

    def latex(self, e: Any, net: Network) -> str:
        return render.to_latex(e, single=net.network == "single")

    # ---- the calls of a writer's post (derivator render), on the article's network -----------------
    def calls(self) -> dict[str, Any]:
        """``gradient``, ``chain``, ``matrix_form`` and ``ref`` as a post template has them; a label
        is optional here, since a template can hold the display itself: ``{% set d = gradient("w") %}``."""
        return {
            "gradient": self.gradient,
            "chain": self.chain,
            "matrix_form": self.matrix_form,
            "ref": self.ref,
        }

    def _pick(self, quantity: str, layer: str, form: str, call: str) -> formulas.Formula:
        net = self.nets.general if self.o.network == "general" else self.nets.single
        try:
            return formulas.pick(net, quantity, layer, form, PROOF_TIMEOUT)
        except ValueError as e:
            raise ArticleError(f"{post.where(self.names, call)}: {e}") from None

    def _labelled(self, placed: _Placed, label: str) -> Shown:
        if label:
            self.labels[label] = placed
        return self.offer(placed)

    def gradient(
        self,
        quantity: str,
        layer: str = "L",
        form: str = "closed",
        label: str = "",
        punct: str = ".",
    ) -> Shown:
        """One proved formula of a layer: ∂L/∂w of layer L-1 in chain, δ, closed or matrix form."""
        placed = self.eq_rows([self._pick(quantity, layer, form, "gradient")])
        placed.punct = punct
        return self._labelled(placed, label)

    def chain(self, quantity: str, layer: str = "L", label: str = "", punct: str = ".") -> Shown:
        """The chain of partials, then the closed form: two proved steps of one display."""
        c = self._pick(quantity, layer, "chain", "chain")
        closed = self._pick(quantity, layer, "closed", "chain")
        (lhs, mid), rhs = c.latex().split(" = ", 1), closed.latex().split(" = ", 1)[1]
        marks = [
            _mark("all" if r.verdict.method.startswith("all sizes") else "sizes", self.lang)
            for r in (c, closed)
        ]
        return self._labelled(
            _Placed(self, [Step(lhs, mid, marks[0]), Step("", rhs, marks[1])], punct=punct), label
        )

    def matrix_form(self, layer: str = "l", label: str = "", punct: str = ".") -> Shown:
        """Δ, ∇W and ∇B of a layer in matrix form (samples in rows), each proved."""
        placed = self.eq_rows(
            [self._pick(q, layer, "matrix", "matrix_form") for q in ("delta", "w", "b")]
        )
        placed.punct = punct
        return self._labelled(placed, label)

    def ref(self, x: object) -> str:
        """The number of a display placed above: the display itself, or its label (a token,
        numbered by :meth:`resolve` once the display's place is known)."""
        m = _OFFERED.fullmatch(x) if isinstance(x, str) else None
        if m is not None and m.group(1) == "d" and m.group(2).partition("|")[0].isdigit():
            index = int(m.group(2).partition("|")[0])
        elif isinstance(x, str) and x in self.labels:
            index = self.offer_index[id(self.labels[x])]
        else:
            raise ArticleError(
                f"{post.where(self.names, 'ref')}: ref({x!r}): no display placed above has this label"
            )
        return f"{OPEN}q{SEP}{index}|{post.where(self.names)}{CLOSE}"


def _function_latex(e: sp.Expr) -> str:
    """σ and its explicit form as a textbook writes them: SymPy's printer, which prints these few
    functions, writes ``\\max\\left(0, x\\right)`` and, for the identity σ(x) = x, ``\\mathbb{I}``."""
    if isinstance(e, sp.Symbol):
        return e.name
    tex = render.to_latex(e)
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
        "tanh": 1 - s**2,
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


def sig_prime_z(
    net: Network, p: int, I: sp.Expr | None = None, X: sp.Expr | None = None
) -> sp.Expr:
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


def _softmax_jacobian(g: Network, a_jp: sp.Expr, a_j: sp.Expr, z_j: sp.Expr) -> sp.Expr:
    """∂a_ij′/∂z_ij of the softmax as textbooks write it, a_ij′ ([j = j′] − a_ij).

    The normal form may print the equal a_ij ([j = j′] − a_ij′), which hides why a_ij′ cancels
    against ∂L_i/∂a_ij′ = −y_ij′/a_ij′ in the next step.  The textbook form is shown only after it
    is compared exactly with ``sympy.diff``'s result in both cases of the bracket (j = j′, j ≠ j′);
    the article's own check proves it again."""
    jp, j = a_jp.indices[-1], a_j.indices[-1]
    truth = derive.truth(g, a_jp, z_j)
    shown = a_jp * (sp.KroneckerDelta(j, jp) - a_j)
    for same in (True, False):
        bracket = {sp.KroneckerDelta(j, jp): int(same), sp.KroneckerDelta(jp, j): int(same)}
        t, s_ = truth.xreplace(bracket), shown.xreplace(bracket)
        if same:
            t, s_ = t.xreplace({jp: j}), s_.xreplace({jp: j})
        if sp.simplify(t - s_) != 0:
            raise AssertionError("the softmax Jacobian's textbook form differs from sympy.diff's")
    return shown  # not through _show: its normal form would rename a_ij′[j = j′] to a_ij[j = j′]


def _updates(w: _Writer, net: Network, p: int) -> _Placed:
    eta = sp.Symbol("eta")
    X, Y = net.letter(p), net.letter(p - 1)
    wp, bp = net.w(p)[X, Y], net.b(p)[X]
    return w.define(
        [
            (w.latex(wp, net), w.latex(wp - eta * P(net.L, wp), net)),
            (w.latex(bp, net), w.latex(bp - eta * P(net.L, bp), net)),
        ],
        kind="update",
        op=r"\leftarrow",
    )


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


# ---------------------------------------------------------------------------------------------
# the chapters: what each computes, for the template to place (the prose is in the template)


def _intro(w: _Writer) -> dict[str, Any]:
    net, g = w.nets.single, w.nets.general
    D, back, i = g.D, w.nets.back, g.i
    j, k = g.letter(D), g.letter(D - 1)
    act: dict[str, Any] = {}
    facts = _sigma_facts(net)
    if facts is not None:
        (s, explicit), _ = facts[0]
        act["sigma_def"] = f"{_function_latex(s)} = {_function_latex(explicit)}"
    else:
        x = sp.Symbol("x")
        act.update(sigma_x=net.sigma(x), sigma_prime_x=net.sigma_prime(x))
    return w.ns(
        low=str(g.tag(D - back)),
        delta=g.delta(D - 1)[i, g.letter(D - 1)],
        L="L",
        L1="L-1",
        L2="L-2",
        input=str(g.tag(0)),
        n=g.n,
        i=i,
        nL=g.width(D),
        j=j,
        k=k,
        a=g.a(D)[i, j],
        z=g.z(D)[i, j],
        sigma=r"\sigma",
        w=g.w(D)[j, k],
        b=g.b(D)[j],
        y=g.y[i, j],
        Li=g.Li[i],
        loss=g.L,
        letters=", ".join(str(g.letter(D - q)) for q in range(back + 2)),
        tags=", ".join(str(g.tag(D - q)) for q in range(back + 2)),
        **act,
    ) | _intro_single(w)


def _intro_single(w: _Writer) -> dict[str, Any]:
    """The notation of ``--network single``: one neuron per layer, so no neuron indices, widths or
    a_ij; only what that article uses."""
    net = w.nets.single
    D, i = net.D, net.i
    return {
        f"s_{k}": v
        for k, v in w.ns(
            True,
            a=net.a(D)[i, 0],
            z=net.z(D)[i, 0],
            w=net.w(D)[0, 0],
            b=net.b(D)[0],
            y=net.y[i, 0],
            delta=net.delta(D)[i, 0],
        ).items()
    }


@dataclass(frozen=True)
class _Neuron:
    """The names of the one-neuron-per-layer network: a^(p), z^(p) of a sample (0 unless given),
    w^(p) and b^(p)."""

    net: Network

    def a(self, p: int, s: sp.Expr = sp.S.Zero) -> sp.Expr:
        return self.net.a(p)[s, 0]

    def z(self, p: int, s: sp.Expr = sp.S.Zero) -> sp.Expr:
        return self.net.z(p)[s, 0]

    def W(self, p: int) -> sp.Expr:
        return self.net.w(p)[0, 0]

    def B(self, p: int) -> sp.Expr:
        return self.net.b(p)[0]


def _single(w: _Writer) -> dict[str, Any]:
    """The single-neuron chapter: one sample's chain at the output, then the mean over the
    samples with the update, then each layer further back."""
    out = _single_output(w)
    out.update(_single_mean(w))
    out["layers"] = _single_layers(w, out["eq_dLda"])
    return out


def _single_output(w: _Writer) -> dict[str, Any]:
    """One sample's loss at the output neuron, its chain rule, factors and products."""
    net = w.nets.single
    x, D = _Neuron(net), net.D
    a, z, W, B = x.a, x.z, x.W, x.B
    y0, L0 = net.y[0, 0], net.Li[0]
    term = net.loss_spec.term
    assert term is not None
    facts = _sigma_facts(net)
    chain_w = P(L0, a(D)) * P(a(D), z(D)) * P(z(D), W(D))
    chain_b = P(L0, a(D)) * P(a(D), z(D)) * P(z(D), B(D))
    return w.ns(
        single=True,
        directive=w.directive(net),
        sigma=r"\sigma",
        a=a(D),
        z=z(D),
        ain=a(D - 1),
        w=W(D),
        b=B(D),
        y=y0,
        L0=L0,
        ez=sp.exp(z(D)),
        dLda=P(L0, a(D)),
        err=_d(net, L0, a(D)),
        sigma_prime_z=net.sigma_prime(z(D)),
        eq_forward=w.eq(net, [z(D), W(D) * a(D - 1) + B(D)], [a(D), net.sigma(z(D))]),
        eq_sigma=None
        if facts is None
        else w.define(
            [(_function_latex(l), _function_latex(r)) for l, r in facts[0]], kind=facts[1]
        ),
        graph=w.figure("graph", diagram.graph_figure(net)),
        eq_loss=w.eq(net, [L0, term(a(D), y0)]),
        eq_chain=w.eq(net, [P(L0, W(D)), chain_w], [P(L0, B(D)), chain_b]),
        eq_dLda=w.eq(net, [P(L0, a(D)), P(term(a(D), y0), a(D)), _d(net, L0, a(D))]),
        eq_factors=w.eq(
            net,
            [P(a(D), z(D)), _d(net, a(D), z(D))],
            [P(z(D), W(D)), _d(net, z(D), W(D))],
            [P(z(D), B(D)), _d(net, z(D), B(D))],
        ),
        eq_products=w.eq(
            net,
            [P(L0, W(D)), chain_w, _d(net, L0, W(D))],
            [P(L0, B(D)), chain_b, _d(net, L0, B(D))],
        ),
        eq_reuse=w.eq(net, [P(L0, W(D)), a(D - 1) * P(L0, B(D))]),
        example=_worked(w),
    )


def _single_mean(w: _Writer) -> dict[str, Any]:
    """The loss as the mean over the n samples, its gradients, and the update W ← W − η∇W."""
    net = w.nets.single
    x, D, i = _Neuron(net), net.D, net.i
    W, B, Li = x.W, x.B, net.Li[i]
    term = net.loss_spec.term
    assert term is not None
    mean = textbook.ChainWriter(net).mean
    return w.ns(
        n=net.n,
        i=i,
        loss=net.L,
        eta=sp.Symbol("eta"),
        nW=formulas.matrix_lhs("w", "L", True),
        nB=formulas.matrix_lhs("b", "L", True),
        eq_mean=w.eq(net, [net.L, mean(Li), mean(term(x.a(D, i), net.y[i, 0]))]),
        eq_mean_grads=w.eq(
            net,
            [P(net.L, W(D)), mean(P(Li, W(D))), _show(net, derive.gradient(net, "w", D))],
            [P(net.L, B(D)), mean(P(Li, B(D))), _show(net, derive.gradient(net, "b", D))],
        ),
        eq_gradient=w.define(
            [
                (formulas.matrix_lhs("w", "L", True), w.latex(P(net.L, W(D)), net)),
                (formulas.matrix_lhs("b", "L", True), w.latex(P(net.L, B(D)), net)),
            ]
        ),
        eq_update=_updates(w, net, D),
    )


def _single_layers(w: _Writer, above_eq: Any) -> list[dict[str, Any]]:
    """Each layer below the output, as far back as the article goes: ∂L_i/∂a^(p) from the layer
    above, then the mean gradients of w^(p) and b^(p)."""
    net = w.nets.single
    D, back = net.D, w.nets.back
    layers = []
    for p in range(D - 1, D - back - 1, -1):
        layer = _single_layer(w, p, above_eq)
        layers.append(layer)
        above_eq = layer["eq_a"]
    return layers


def _single_layer(w: _Writer, p: int, above_eq: Any) -> dict[str, Any]:
    net = w.nets.single
    x, D, i = _Neuron(net), net.D, net.i
    W, B, Li = x.W, x.B, net.Li[i]

    def ai(q: int) -> sp.Expr:
        return x.a(q, i)

    mean = textbook.ChainWriter(net).mean
    chain_a = P(Li, ai(p + 1)) * P(ai(p + 1), net.z(p + 1)[i, 0]) * P(net.z(p + 1)[i, 0], ai(p))
    local = P(Li, ai(p + 1)) * sig_prime_z(net, p + 1) * W(p + 1)
    closed_a = _show(net, derive.gradient(net, "a", p))
    chain = (
        [P(Li, ai(p)), chain_a, local, closed_a] if p + 1 < D else [P(Li, ai(p)), chain_a, closed_a]
    )
    grads = []
    for q, param in (("w", W(p)), ("b", B(p))):
        zp = net.z(p)[i, 0]
        last = ai(p - 1) if q == "w" else sp.Integer(1)
        chain_q = mean(P(Li, ai(p)) * P(ai(p), zp) * P(zp, param))
        mid = mean(P(Li, ai(p)) * sig_prime_z(net, p) * last)
        grads.append([P(net.L, param), chain_q, mid, _show(net, derive.gradient(net, q, p))])
    eq_a = w.eq(net, chain)
    return w.ns(
        single=True,
        first=p == D - 1,
        tag=str(net.tag(p)),
        top=str(net.tag(p + 1)),
        w=W(p),
        a=ai(p),
        i=i,
        prev=P(Li, ai(p + 1)),
        eq_a=eq_a,
        above_eq=above_eq,
        eq_w=w.eq(net, grads[0]),
        eq_b=w.eq(net, grads[1]),
    )


def _widget(w: _Writer, ex: worked.Example) -> Widget:
    """The example's sliders (HTML): its inputs, the numbers they recompute, and the script,
    generated from the relations the article proves (σ explicit, σ′ as _sigma_facts proves it)."""
    facts = _sigma_facts(ex.net)
    assert facts is not None  # the generic σ has no example
    (_, explicit), (_, prime) = facts[0]
    x = sp.Symbol("x", real=True)

    def math(e: Any) -> Text:
        return Text((("math", inline(render.to_latex(e, single=True))),))

    keys = ("z", "a", "L0", "a-L0", "z-a", "w-z", "b-z", "a_below-z")
    quantity = {**{k: r.quantity for k, r in zip(worked.KEYS[:7], ex.forward)}}
    quantity.update(zip(keys[3:], (r.quantity for r in ex.local)))
    quantity.update(dw=ex.product_w.quantity, db=ex.product_b.quantity)
    words = environment().get_template("_words.j2").make_module({"lang": w.lang})
    return Widget(
        Text((("text", getattr(words, "WIDGET")),)),  # noqa: B009  # a template's name
        tuple(
            (sl.key, math(sl.label), sl.low, sl.high, sl.value)
            for sl in interactive.sliders(ex.net)
        ),
        tuple((math(quantity[k]), k) for k in (*keys, "dw", "db")),
        interactive.script(ex.net, explicit, prime, x),
    )


def _worked(w: _Writer) -> dict[str, Any] | None:
    """The single-neuron chain with numbers (worked.py computes them), checked by a difference quotient."""
    ex = worked.example(w.o.activation)
    if ex is None:
        return None
    n = worked.number

    def rows(rs: Iterable[worked.Row]) -> list[dict[str, Any]]:
        return [w.ns(single=True, quantity=r.quantity, value=n(r.value)) for r in rs]

    return w.ns(
        single=True,
        forward=rows(ex.forward),
        local=rows(ex.local),
        sliders=_Placed(w, widget=_widget(w, ex)),
        graph=w.figure("graph-numbers", diagram.graph_figure(ex.net, worked.numbers(ex))),
        dw=ex.product_w.quantity,
        vw=n(ex.product_w.value),
        db=ex.product_b.quantity,
        vb=n(ex.product_b.value),
        w=ex.net.w(1)[0, 0],
        h=worked.latex_number(worked.STEP),
        h2=worked.latex_number(2 * worked.STEP),
        fw=n(ex.difference_w),
        fb=n(ex.difference_b),
    )


@dataclass(frozen=True)
class _Top:
    """The names the many-neuron chapter's sections share: the network, its top layer's letters,
    the loss term, and a^(p), z^(p) of sample i."""

    g: Network

    @property
    def D(self) -> int:
        return self.g.D

    @property
    def i(self) -> sp.Symbol:
        return self.g.i

    @property
    def j(self) -> sp.Symbol:
        return self.g.letter(self.D)

    @property
    def k(self) -> sp.Symbol:
        return self.g.letter(self.D - 1)

    @property
    def jp(self) -> sp.Symbol:
        return textbook.prime_index(self.j)

    def term(self, a: sp.Expr, y: sp.Expr) -> sp.Expr:
        term = self.g.loss_spec.term
        assert term is not None
        return term(a, y)

    def mean(self, e: sp.Expr) -> sp.Expr:
        return textbook.ChainWriter(self.g).mean(e)

    def a(self, p: int, X: sp.Expr) -> sp.Expr:
        return self.g.a(p)[self.i, X]

    def z(self, p: int, X: sp.Expr) -> sp.Expr:
        return self.g.z(p)[self.i, X]


def _general(w: _Writer) -> dict[str, Any]:
    """The many-neuron chapter: forward pass, loss, output layer, its matrices, then each layer below."""
    c = _Top(w.nets.general)
    g, ex, D, i, j, k, jp, term, mean, a, z = (
        w.nets.general,
        w.nets.example,
        c.D,
        c.i,
        c.j,
        c.k,
        c.jp,
        c.term,
        c.mean,
        c.a,
        c.z,
    )
    top = ex.D
    out = w.ns(
        directive=w.directive(g),
        L="L",
        L1="L-1",
        network=w.figure("network", diagram.network_figure(ex)),
        nL1=sp.Eq(g.width(D - 1), 4, evaluate=False),
        nL=sp.Eq(g.width(D), 2, evaluate=False),
        wjk=g.w(D)[j, k],
        j=j,
        k=k,
        i=i,
        jp=jp,
        sigma=r"\sigma",
        loss=g.L,
        Li=g.Li[i],
        y=g.y[i, j],
        term=term(g.a(D)[i, j], g.y[i, j]),
        a=a(D, j),
        z=z(D, j),
        ap=a(D, jp),
        sigma_prime=r"\sigma'",
        diff=a(D, j) - g.y[i, j],
        # the definition of z written out for the figure's four neurons (true for those only, so
        # `derivator check` is told to skip it; the general definition follows and is proved)
        eq_z4=w.define(
            [
                (
                    w.latex(ex.z(top)[i, 0], ex),
                    w.latex(
                        sum(
                            (ex.w(top)[0, q] * ex.a(top - 1)[i, q] for q in range(4)), sp.Integer(0)
                        )
                        + ex.b(top)[0],
                        ex,
                    ),
                )
            ]
        ),
    )
    if not g.softmax_output:
        out["eq_z"] = w.eq(
            g, [z(D, j), _show(g, g.z_definition(D, i, j))], [a(D, j), g.sigma(z(D, j))]
        )
    else:
        out["eq_z"] = w.eq(g, [z(D, j), _show(g, g.z_definition(D, i, j))])
        softmax = sp.exp(z(D, j)) / sp.Sum(sp.exp(z(D, jp)), (jp, 0, g.width(D) - 1))
        out["eq_softmax"] = w.eq(g, [a(D, j), softmax], [a(D - 1, k), g.sigma(z(D - 1, k))])
    as_j = sp.Sum(
        term(g.a(D)[i, j], g.y[i, j]), (j, 0, g.width(D) - 1)
    )  # j is bound here: L_i has no j
    out["eq_loss"] = w.eq(g, [g.Li[i], as_j], [g.L, mean(g.Li[i]), mean(as_j)])
    out.update(_general_output_layer(w, c))
    out.update(_general_matrices(w, g, ex))
    out["layers"] = _general_propagate(w, c)
    return out


def _general_output_layer(w: _Writer, c: _Top) -> dict[str, Any]:
    g, D, i, j, k, jp, term, mean, a, z = c.g, c.D, c.i, c.j, c.k, c.jp, c.term, c.mean, c.a, c.z
    dz = textbook.ChainWriter(g).dz_chain(
        D, j
    )  # ∂L_i/∂z_ij^(L) as a chain: Σ over j′ for a softmax
    chain_w = mean(dz * P(z(D, j), g.w(D)[j, k]))
    chain_b = mean(dz * P(z(D, j), g.b(D)[j]))
    out = w.ns(
        eq_chain=w.eq(g, [P(g.L, g.w(D)[j, k]), chain_w], [P(g.L, g.b(D)[j]), chain_b]),
        dzw=P(z(D, j), g.w(D)[j, k]),
        dadz=P(a(D, jp), z(D, j)),
        dLa=P(g.Li[i], a(D, jp)),
    )
    if g.softmax_output:
        # j′ is taken by the chain's sum: L_i's own summation index becomes j″
        jpp = textbook.prime_index(jp)
        per_sample = sp.Sum(term(g.a(D)[i, jpp], g.y[i, jpp]), (jpp, 0, g.width(D) - 1))
        out.update(
            w.ns(
                jpp=jpp,
                same=sp.Eq(jpp, jp, evaluate=False),
                eq_dLa=w.eq(
                    g, [P(g.Li[i], a(D, jp)), P(per_sample, a(D, jp)), _d(g, g.Li[i], a(D, jp))]
                ),
                bracket=r"[j = j']".replace("j", str(j)),
                eq_jacobian=w.eq(
                    g, [P(a(D, jp), z(D, j)), _softmax_jacobian(g, a(D, jp), a(D, j), z(D, j))]
                ),
                eq_dz=w.eq(
                    g,
                    [P(z(D, j), g.w(D)[j, k]), _d(g, z(D, j), g.w(D)[j, k])],
                    [P(z(D, j), g.b(D)[j]), _d(g, z(D, j), g.b(D)[j])],
                ),
                term_jp=-g.y[i, jp] * (sp.KroneckerDelta(j, jp) - a(D, j)),
                same_j=sp.Eq(jp, j, evaluate=False),
                yj=-g.y[i, j],
                rest=a(D, j) * sp.Sum(g.y[i, jp], (jp, 0, g.width(D) - 1)),
                eq_delta=w.eq(g, [P(g.Li[i], z(D, j)), dz, _d(g, g.Li[i], z(D, j))]),
                eq_together=w.eq(
                    g,
                    [P(g.L, g.w(D)[j, k]), chain_w, _closed(g, "w", D)],
                    [P(g.L, g.b(D)[j]), chain_b, _closed(g, "b", D)],
                ),
            )
        )
    else:
        per_sample = sp.Sum(term(g.a(D)[i, jp], g.y[i, jp]), (jp, 0, g.width(D) - 1))
        out.update(
            w.ns(
                same_j=sp.Eq(jp, j, evaluate=False),
                eq_dLa=w.eq(
                    g, [P(g.Li[i], a(D, j)), P(per_sample, a(D, j)), _d(g, g.Li[i], a(D, j))]
                ),
                eq_factors=w.eq(
                    g,
                    [P(a(D, j), z(D, j)), _d(g, a(D, j), z(D, j))],
                    [P(z(D, j), g.w(D)[j, k]), _d(g, z(D, j), g.w(D)[j, k])],
                    [P(z(D, j), g.b(D)[j]), _d(g, z(D, j), g.b(D)[j])],
                ),
                eq_together=w.eq(
                    g,
                    [P(g.L, g.w(D)[j, k]), chain_w, _show(g, derive.gradient(g, "w", D))],
                    [P(g.L, g.b(D)[j]), chain_b, _show(g, derive.gradient(g, "b", D))],
                ),
            )
        )
    return out


def _general_matrices(w: _Writer, g: Network, ex: Network) -> dict[str, Any]:
    D = g.D
    gradW = sp.ImmutableMatrix(2, 4, lambda r, col: P(ex.L, ex.w(ex.D)[r, col]))
    gradB = sp.ImmutableMatrix(
        1, 2, lambda r, col: P(ex.L, ex.b(ex.D)[col])
    )  # a row, as in the matrix form
    return w.ns(
        nW=formulas.matrix_lhs("w", "L", True),
        nB=formulas.matrix_lhs("b", "L", True),
        rows=g.width(D),
        cols=g.width(D - 1),
        eq_gradients=w.define(
            [
                (formulas.matrix_lhs("w", "L", True), render.to_latex(gradW)),
                (formulas.matrix_lhs("b", "L", True), render.to_latex(gradB)),
            ]
        ),
        eq_update=_matrix_updates(w, "L"),
    )


def _matrix_updates(w: _Writer, layer: str) -> _Placed:
    """W ← W − η∇W and B ← B − η∇B of ``layer``: assignments, not identities."""
    eta = sp.Symbol("eta")
    Wm, Bm = matrix.to_latex(matrix.Named("W", layer)), matrix.to_latex(matrix.Named("B", layer))
    return w.define(
        [
            (Wm, f"{Wm} - {render.to_latex(eta)} {formulas.matrix_lhs('w', layer, True)}"),
            (Bm, f"{Bm} - {render.to_latex(eta)} {formulas.matrix_lhs('b', layer, True)}"),
        ],
        kind="update",
        op=r"\leftarrow",
    )


def _general_propagate(w: _Writer, c: _Top) -> list[dict[str, Any]]:
    g, D, back, i, mean, a, z = c.g, c.D, w.nets.back, c.i, c.mean, c.a, c.z
    ex = w.nets.example
    sum_u = textbook.ChainWriter(g).sum_over
    layers = []
    for p in range(D - 1, D - back - 1, -1):
        X, U, Y = g.letter(p), g.letter(p + 1), g.letter(p - 1)
        layer = w.ns(
            tag=str(g.tag(p)),
            up=str(g.tag(p + 1)),
            a=a(p, X),
            nU=g.width(p + 1),
            z=z(p + 1, U),
            U=U,
            first=p == D - 1,
            dz=P(g.Li[i], z(p + 1, U)),
            dza=P(z(p + 1, U), a(p, X)),
            w=g.w(p + 1)[U, X],
            dLda=P(g.Li[i], a(p, X)),
            softmax_above=g.softmax_output and p == D - 1,
        )
        if p == D - 1:
            layer.update(
                w.ns(
                    paths=w.figure("paths", diagram.network_figure(ex, paths_from=1)),
                    a1=ex.a(ex.D - 1)[i, 1],
                    w1=ex.w(ex.D)[U, 1],
                )
            )
        if g.softmax_output and p == D - 1:
            # the softmax: ∂L_i/∂z_ij^(L) as a whole, found above (a_ij^(L) depends on every z_ij′^(L))
            chain_a = sum_u(P(g.Li[i], z(p + 1, U)) * P(z(p + 1, U), a(p, X)), U, p + 1)
            mid = sum_u(P(g.Li[i], z(p + 1, U)) * g.w(p + 1)[U, X], U, p + 1)
        else:
            chain_a = sum_u(
                P(g.Li[i], a(p + 1, U)) * P(a(p + 1, U), z(p + 1, U)) * P(z(p + 1, U), a(p, X)),
                U,
                p + 1,
            )
            mid = sum_u(
                P(g.Li[i], a(p + 1, U)) * sig_prime_z(g, p + 1, i, U) * g.w(p + 1)[U, X], U, p + 1
            )
        layer["eq_a"] = w.eq(g, [P(g.Li[i], a(p, X)), chain_a, mid, _closed(g, "a", p)])
        layer["eq_dza"] = w.eq(g, [P(z(p + 1, U), a(p, X)), _d(g, z(p + 1, U), a(p, X))])
        for q, param in (("w", g.w(p)[X, Y]), ("b", g.b(p)[X])):
            last = a(p - 1, Y) if q == "w" else sp.Integer(1)
            chain_q = mean(P(g.Li[i], a(p, X)) * P(a(p, X), z(p, X)) * P(z(p, X), param))
            mid_q = mean(P(g.Li[i], a(p, X)) * sig_prime_z(g, p, i, X) * last)
            layer[f"eq_{q}"] = w.eq(g, [P(g.L, param), chain_q, mid_q, _closed(g, q, p)])
        layers.append(layer)
    return layers


def _deltas(w: _Writer) -> dict[str, Any]:
    g = w.nets.general
    D, back, i = g.D, w.nets.back, g.i
    X = g.letter(D)
    jp = textbook.prime_index(X)
    layers = []
    for p in range(D, D - back - 1, -1):
        rows = formulas.formulas(g, str(g.tag(p)), index_form=True, matrix_form=False)
        pick = [
            r
            for r in rows
            if (r.quantity, r.form) in (("delta", "delta"), ("w", "delta"), ("b", "delta"))
        ]
        pick.sort(key=lambda r: ("delta", "w", "b").index(r.quantity))
        given = [r for r in rows if r.form == "assumption"]
        # δ = a − y is true only when the targets of each sample sum to 1: formulas.py proves
        # δ = a − y + a(Σ y − 1), which holds always; `derivator check` must not read it as an identity
        layers.append(
            {
                "eq": w.eq_rows(pick),
                "eq_given": w.eq_rows(given, mark="given", skip=True) if given else None,
            }
        )
    return w.ns(
        jp=jp,
        delta=g.delta(D)[i, X],
        eq_delta=w.eq(g, [g.delta(D)[i, X], P(g.Li[i], g.z(D)[i, X])]),
        sum=sp.Sum(g.y[i, jp], (jp, 0, g.width(D) - 1)),
        layers=layers,
    )


def _matrices(w: _Writer) -> dict[str, Any]:
    g = w.nets.general
    D, back = g.D, w.nets.back
    layers = []
    for p in range(D, D - back - 1, -1):
        tag = str(g.tag(p))
        layers.append(
            {
                "layer": tag,
                **w.ns(
                    output=p == D,
                    A=matrix.to_latex(matrix.Named("A", tag)),
                    Delta=matrix.to_latex(matrix.Named("Delta", tag)),
                    AY=matrix.to_latex(matrix.Sub(matrix.Named("A", tag), matrix.Named("Y"))),
                ),
            }
        )
    code = listing.listing(w.o.activation, w.o.loss, back)
    learn = learner.training_listing(w.o.activation, w.o.loss, back)
    return w.ns(
        A=matrix.to_latex(matrix.Named("A", "l")),
        Z=matrix.to_latex(matrix.Named("Z", "l")),
        Delta=matrix.to_latex(matrix.Named("Delta", "l")),
        Y=matrix.to_latex(matrix.Named("Y")),
        W=matrix.to_latex(matrix.Named("W", "l")),
        B=matrix.to_latex(matrix.Named("B", "l")),
        j=g.letter(D),
        nW=formulas.matrix_lhs("w", "l", True),
        nB=formulas.matrix_lhs("b", "l", True),
        n=g.n,
        nl=sp.Symbol("n_(l)", integer=True, positive=True),
        nl1=sp.Symbol("n_(l-1)", integer=True, positive=True),
        i=g.i,
        l="l",
        odot=r"\odot",
        top=r"^{\top}",
        one=r"\mathbf{1}",
        nL=g.width(D),
        Y1=matrix.to_latex(matrix.RowSum(matrix.Named("Y"))),
        layers=layers,
        eq_update=_matrix_updates(w, "l"),
        # the listing a learner reads: the four equations plainly, trained for a few steps
        learn=None if learn is None else {"code": learn.rstrip("\n"), "steps": learner.STEPS},
        # the NumPy code of the article's network, as `derivator codegen` writes it (None: no code for σ)
        listing=None
        if code is None
        else {
            "code": code.rstrip("\n"),
            # the code numbers layers from the input (layer_1 … layer_D); the text names them L-2 … L
            "layers": [
                {"fn": f"layer_{q}", "W": f"W{q}", **w.ns(tag=str(g.tag(D - back - 1 + q)))}
                for q in range(back + 1, 0, -1)
            ],
            "top": f"D{back + 1}",
            **w.ns(
                widths=rf"\text{{{','.join(map(str, listing.widths_for(back)))}}}",
                at=r"\texttt{@}",
                star=r"\texttt{*}",
                input=str(g.tag(D - back - 1)),
                DeltaL=matrix.to_latex(matrix.Named("Delta", "L")),
            ),
        },
    )


def _cost(w: _Writer, widths: tuple[int, ...]) -> dict[str, Any]:
    """The operation counts of "why backpropagation is fast" (cost.py) for ``widths``."""
    c = cost.costs(widths)
    return {
        "widths": ", ".join(map(str, widths)),
        "parameters": c.parameters,
        "rows": [
            {"key": key, "passes": n.passes, "mults": n.mults, "calls": n.calls}
            for key, n in (
                ("differences", c.differences),
                ("forward_mode", c.forward_mode),
                ("backward", c.backward),
            )
        ],
        "forward": c.forward.mults,
        "ratio": c.ratio,
        "mode_ratio": round(c.forward_mode.mults / c.backward.mults),
    }


def _summary(w: _Writer) -> dict[str, Any]:
    """The four equations of layer l, in index and in matrix form (Nielsen's BP1–BP4), each proved."""
    g = w.nets.general
    top = formulas.formulas(g, "L", index_form=True, matrix_form=True)
    any_l = formulas.formulas(g, "l", index_form=True, matrix_form=True)

    def pick(rows: list[formulas.Formula], q: str, form: str) -> formulas.Formula:
        return next(r for r in rows if r.quantity == q and r.form == form)

    four = [(top, "delta"), (any_l, "delta"), (any_l, "b"), (any_l, "w")]
    return w.ns(
        l="l",
        up="l+1",
        down="l-1",
        j=g.letter(g.D),
        k=g.letter(g.D - 1),
        m=g.letter(g.D - 2),
        z="z",
        a="a",
        dL=P(g.Li[g.i], (g.z if g.softmax_output else g.a)(g.D)[g.i, g.letter(g.D)]),
        eq_index=w.eq_rows([pick(rows, q, "delta") for rows, q in four]),
        eq_matrix=w.eq_rows([pick(rows, q, "matrix") for rows, q in four]),
    )


@cache
def _exercise_relations(g: Network, back: int) -> dict[str, tuple[list[sp.Expr], sp.Expr]]:
    """Each exercise's answer (a chain of proved steps) and a slip a reader is likely to make, in
    network ``g``: built anew for the small network the slips are refuted in."""
    D, i = g.D, g.i
    low = D - back
    X, J, K = g.letter(low), g.letter(D), g.letter(D - 1)
    chain = textbook.ChainWriter(g)
    delta_low = g.delta(low)[i, X]
    prod = g.delta(D)[i, J] * g.a(D - 1)[i, K]
    out = {
        "bias": (
            [
                P(g.L, g.b(low)[X]),
                chain.mean(
                    P(g.Li[i], g.a(low)[i, X])
                    * P(g.a(low)[i, X], g.z(low)[i, X])
                    * P(g.z(low)[i, X], g.b(low)[X])
                ),
                chain.mean(delta_low),
            ],
            # σ′ counted twice; where σ′ is only ever 0 or 1 that changes nothing (σ′² = σ′, a
            # true relation, not a slip), and the slip shown is the 1/n of the mean forgotten
            sp.Sum(delta_low, (i, 0, g.n - 1))
            if bias_slip(g.activation) == "sum"
            else chain.mean(delta_low * sig_prime_z(g, low, i, X)),
        ),
        "weight": (
            [P(g.L, g.w(D)[J, K]), chain.mean(prod)],
            sp.Sum(prod, (i, 0, g.n - 1)),  # the 1/n of the mean forgotten
        ),
    }
    in_a = _IN_A.get(g.activation)
    if g.loss == "mse" and in_a is not None:
        a = g.a(D)[i, J]
        right, slip = in_a
        out["sigma"] = ([g.delta(D)[i, J], (a - g.y[i, J]) * right(a)], (a - g.y[i, J]) * slip(a))
    if g.network == "general" and low < D:
        out["paths"] = (
            [P(g.Li[i], g.a(D - 1)[i, K]), chain.sum_over(g.delta(D)[i, J] * g.w(D)[J, K], J, D)],
            g.delta(D)[i, J] * g.w(D)[J, K],  # the sum over the paths left out
        )
    return out


#: the activations whose slope σ′ is only ever 0 or 1 (identity: 1; relu: 0 or 1), for which
#: "σ′ counted twice" is no slip: σ′·σ′ = σ′
SLOPE_0_OR_1 = ("identity", "relu")


def bias_slip(activation: str) -> str:
    """The slip the bias exercise shows: ``twice`` (σ′ multiplied once more) where that changes the
    value, else ``sum`` (the 1/n of the mean forgotten), which is wrong for every activation."""
    return "sum" if activation in SLOPE_0_OR_1 else "twice"


#: σ′ written in the output a (right), and the slip that keeps only part of it
_IN_A: dict[str, tuple[Any, Any]] = {
    "sigmoid": (lambda a: a * (1 - a), lambda a: a),
    "tanh": (lambda a: 1 - a**2, lambda a: 1 - a),
}


def _exercises(w: _Writer) -> dict[str, Any]:
    """Three or four numbered exercises.  Each has its answer, printed proved, and a slip a reader
    is likely to make, refuted by the prover that ``derivator check`` runs, with the counterexample
    it found (sizes, indices, the two sides' values), so that a reader sees what checking buys."""
    g = w.nets.general if w.o.network == "general" else w.nets.single
    single = g.network == "single"
    D, i, back = g.D, g.i, w.nets.back
    low = D - back
    X, J, K = g.letter(low), g.letter(D), g.letter(D - 1)
    relations = _exercise_relations(g, back)
    values: dict[str, dict[str, Any]] = {
        "bias": dict(
            q=P(g.L, g.b(low)[X]),
            d=g.delta(low)[i, X],
            sp=sig_prime_z(g, low, i, X),
            n=g.n,
        ),
        "weight": dict(q=P(g.L, g.w(D)[J, K]), prod=g.delta(D)[i, J] * g.a(D - 1)[i, K], n=g.n),
        "sigma": dict(
            sp=r"\sigma'",
            s=r"\sigma",
            d=g.delta(D)[i, J],
            a=g.a(D)[i, J],
            z=g.z(D)[i, J],
            right=_IN_A[g.activation][0](g.a(D)[i, J]) if g.activation in _IN_A else 0,
        ),
        "paths": dict(U=J, q=P(g.Li[i], g.a(D - 1)[i, K]), up="L", dU=g.delta(D)[i, J]),
    }
    items: list[dict[str, Any]] = []
    for kind, (answer, wrong) in relations.items():
        found = _counterexample(g, back, kind)
        items.append(
            {
                "kind": kind,
                "slip": bias_slip(g.activation) if kind == "bias" else kind,
                "number": len(items) + 1,
                **w.ns(single, **values[kind]),
                "answer": w.eq(g, answer),
                # a slip the prover cannot refute (the generic σ has no values) is not shown as one
                "wrong": w.slip(g, answer[0], wrong) if found else None,
                "found": found,
            }
        )
    out: dict[str, Any] = {"exercises": items}
    if single:
        # the exercises use δ, which the single-neuron chapter never names: define it here
        out.update(
            w.ns(
                True,
                delta=g.delta(low)[i, X],
                eq_delta=w.eq(g, [g.delta(low)[i, X], P(g.Li[i], g.z(low)[i, X])]),
            )
        )
    return out


#: the samples of the small network a slip is refuted in: the prover decides a slip there in a
#: fraction of the time it takes at symbolic widths (the bias slip took 9 s), and a reader can redo
#: the counterexample by hand
SLIP_SAMPLES = 2


def _slip_networks(net: Network) -> tuple[Network, Network]:
    """``net`` with concrete widths, first small: 2 samples, one neuron per layer except two in the
    first hidden layer and two outputs (a sum over the output neurons left out must show); then,
    should a slip hold there by a coincidence of sizes (a /2 that equals 1/n at n = 2), sizes that
    all differ and are at least 3 (single network: 3 samples).

    The same two objects for the same settings: a Network compares by identity, and the exercises'
    relations and refutations are remembered by network (``_exercise_relations``, ``_refuted``),
    so that an article generated again in one process (another language, a test) finds them."""
    return _slip_networks_of(net.D, net.network, net.activation, net.loss, net.letters)


@cache
def _slip_networks_of(
    D: int, network: str, activation: str, loss: str, letters: tuple[str, ...]
) -> tuple[Network, Network]:
    if network == "single":
        shapes = [((1,) * (D + 1), SLIP_SAMPLES), ((1,) * (D + 1), 3)]
    else:
        shapes = [((1, 2) + (1,) * (D - 2) + (2,), SLIP_SAMPLES), (tuple(range(4, D + 5)), 3)]
    made = [
        Network(
            widths=widths,
            samples=samples,
            network=network,
            activation=activation,
            loss=loss,
            letters=letters,
        )
        for widths, samples in shapes
    ]
    return made[0], made[1]


@cache
def _refuted(lhs: sp.Expr, wrong: sp.Expr, net: Network) -> proof.Verdict:
    return proof.prove(lhs, wrong, net, timeout=PROOF_TIMEOUT)


def _counterexample(net: Network, back: int, kind: str) -> dict[str, Any] | None:
    """What the prover of ``derivator check`` finds against exercise ``kind``'s slip in a small
    network: the sizes, the indices and both sides' values, as plain text (numbers a reader types
    in, not formulas to check).  None: not refuted (the generic σ has no values).  A slip that is
    true at both sizes tried is an error: the exercise would teach a falsehood."""
    for small in _slip_networks(net):
        answer, wrong = _exercise_relations(small, back)[kind]
        v = _refuted(answer[0], wrong, small)
        if not v.proved:
            break
    else:
        raise ArticleError(f"the exercises' slip {answer[0]} = {wrong} is true [{v}]")
    ce = v.counterexample
    if ce is None:
        return None
    sizes = ce["sizes"]
    widths = [sizes[str(small.tag(p))] for p in range(small.D + 1)]
    return {
        "n": sizes["n"],
        "widths": ", ".join(map(str, widths)),
        "indices": ", ".join(f"{k}\u00a0=\u00a0{v}" for k, v in ce["indices"].items()),
        "left": _plain_number(ce["left"]),
        "right": _plain_number(ce["right"]),
    }


def _plain_number(text: str) -> str:
    """A value of a counterexample in running text: four significant digits, a real minus sign."""
    return f"{float(text):.4g}".replace("-", "\u2212")


def _cost_widths(w: _Writer) -> tuple[int, ...]:
    """The widths whose operations "why backpropagation is fast" counts: the listing's network,
    or a chain of single neurons."""
    back = w.nets.back
    return listing.widths_for(back) if w.o.network == "general" else (1,) * (back + 2)


def language_environment(folder: Path) -> sandbox.Sandbox:
    """The environment of the language templates (``article.<lang>.j2``): sandboxed like a writer's
    post (``derivator render``), since a writer renders a copy (``--template``); undefined names
    are errors, and the private-use characters of the markup's tokens may not be written."""
    return sandbox.environment(folder, private=False, trim_blocks=True, lstrip_blocks=True)


def template_path(opts: Options, lang: str) -> Path:
    """The language template the article is written from: the shipped one, or a writer's copy."""
    return Path(opts.template) if opts.template else TEMPLATES / f"article.{lang}.j2"


def context(opts: Options, lang: str, nets: Nets) -> tuple[dict[str, Any], _Writer]:
    """What the language template sees: plain data (:func:`sandbox.plain`: text, numbers, tuples,
    read-only mappings, display tokens) and its calls, whose results are plain too; and the writer
    that keeps what the tokens stand for."""
    if lang not in LANGS:
        raise ArticleError(f"--lang {lang!r}: choose zh or en")
    w = _Writer(opts, lang, nets)
    general = opts.network == "general"
    path = template_path(opts, lang)
    w.names = {path.name: str(path)}

    def later(chapter: Callable[[_Writer], dict[str, Any] | None]) -> sandbox.Later:
        """A chapter computed (derived, proved) when the template first reads from it."""
        return sandbox.Later(lambda: chapter(w) or {}, w.convert)

    values: dict[str, Any] = dict(
        network=opts.network,
        activation=opts.activation,
        loss=opts.loss,
        ce=nets.general.softmax_output,
        directive=_Placed(w, directive=f"activation={opts.activation} loss={opts.loss}" + w.cost()),
        intro=later(_intro),
        single=later(_single),
        general=later(_general) if general else None,
        deltas=later(_deltas) if general else None,
        matrices=later(_matrices) if general else None,
        summary=later(_summary) if general else None,
        cost=later(lambda w: _cost(w, _cost_widths(w))),
        exercises=later(_exercises),
    )
    return sandbox.context(values, w.calls(), w.convert), w


def write(opts: Options, lang: str, nets: Nets) -> Article:
    """The whole article in one language: the chapters' formulas, placed by ``article.<lang>.j2``;
    every formula and figure label printed with the loss letter of ``opts``."""
    if opts.loss_letter not in render.LOSS_LETTERS:
        raise ArticleError(
            f"--loss-letter {opts.loss_letter!r}: choose {', '.join(render.LOSS_LETTERS)}"
        )
    with render.loss_letter(opts.loss_letter):
        return _write(opts, lang, nets)


def _write(opts: Options, lang: str, nets: Nets) -> Article:
    ctx, w = context(opts, lang, nets)
    path = template_path(opts, lang)
    try:
        text = post.render_template(post.load(language_environment(path.parent), path), path, ctx)
        body = parse(w.resolve(text), w.table)
    except post.PostError as e:
        raise ArticleError(str(e)) from None
    except MarkupError as e:
        raise ArticleError(f"{path}, as rendered: {e}") from None
    except (IndexError, ValueError):
        raise ArticleError(
            f"{path}, as rendered: text that imitates the article's tokens (private-use characters)"
        ) from None
    title = ""
    if (
        body and isinstance(body[0], Heading) and body[0].level == 1
    ):  # the template's title: the default
        title = "".join(s for _, s in body[0].text.segments)
        body = body[1:]
    return Article(lang, opts.title or title, opts.author, body)


# ---------------------------------------------------------------------------------------------
# output


def _tex_escape(s: str) -> str:
    table = {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
        '"': "''",
    }
    # the few symbols the prose writes in Unicode (σ′(Z), A·(1 − A), ⊙), typeset as math
    table.update(
        {
            "σ": r"\ensuremath{\sigma}",
            "′": r"\ensuremath{'}",
            "−": r"\ensuremath{-}",
            "·": r"\ensuremath{\cdot}",
            "⊙": r"\ensuremath{\odot}",
            "²": r"\ensuremath{^2}",
            "\u00a0": "~",
        }
    )
    s = s.replace("σ′", "\ue010")  # one symbol: σ with its prime
    table["\ue010"] = r"\ensuremath{\sigma'}"
    out = "".join(table.get(c, c) for c in s).replace("--", "-{}-")  # --proof-marks, not an en dash
    # opening quotes in English: ``…''
    return re.sub(r"(^|[\s(])''", r"\1``", out)


def environment() -> jinja2.Environment:
    """The templates, found inside the installed package; HTML autoescaped, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tex"] = _tex_escape
    env.globals["display_math"] = mathfmt.display
    env.globals["eqref"] = mathfmt.reference
    env.globals["glued"] = mathfmt.glued
    env.globals["tied"] = mathfmt.tied
    env.globals["mathml_display"] = mathfmt.mathml_display
    env.globals["inline_mathml"] = mathml.inline
    return env


def render_article(article: Article, fmt: str, opts: Options) -> str:
    if fmt not in FORMATS:
        raise ArticleError(f"--format {fmt!r}: choose md, tex, html or all")
    if opts.math not in MATH:
        raise ArticleError(f"--math {opts.math!r}: choose {' or '.join(MATH)}")
    template = environment().get_template(f"article.{fmt}.j2")
    text = template.render(
        article=article,
        blocks=article.blocks,
        lang=article.lang,
        title=article.title,
        author=article.author,
        mathjax_url=opts.mathjax_url,
        math=opts.math,
        formula_count=article.formula_count,
        widget_formula_count=article.html_formula_count - article.formula_count,
    )
    return re.sub(r"\n{3,}", "\n\n", text)


def generate(
    opts: Options, langs: Sequence[str], formats: Sequence[str], outdir: Path
) -> list[Path]:
    """Write the article in every language and format asked for, plus the figures' SVG files.
    Nothing is written unless every formula of every language is proved."""
    if opts.template and len(langs) != 1:
        raise ArticleError(
            "--template: a template is written in one language; give --lang zh or --lang en"
        )
    written_in = re.search(r"\.(zh|en)\.", Path(opts.template).name) if opts.template else None
    if written_in is not None and written_in.group(1) != langs[0]:
        # its prose is in one language, the words of the layout (Figure, Note, marks) in --lang's
        raise ArticleError(
            f"--template {Path(opts.template or '').name} is written in {written_in.group(1)}; "
            f"--lang {langs[0]} would mix its prose with the other language's words: "
            f"give --lang {written_in.group(1)}"
        )
    nets = Nets.build(opts)
    articles = [write(opts, lang, nets) for lang in langs]
    rendered = {(a.lang, fmt): render_article(a, fmt, opts) for a in articles for fmt in formats}
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for (lang, fmt), text in rendered.items():
        path = outdir / f"{STEM}.{lang}.{fmt}"
        files.write_atomic(path, text)
        written.append(path)
    figdir = outdir / "figures"
    figdir.mkdir(exist_ok=True)
    for b in (b for a in articles for b in a.blocks):
        if isinstance(b, Figure):
            path = outdir / b.src
            files.inside(outdir, path)  # a figure's name never leads out of the output folder
            files.write_atomic(path, '<?xml version="1.0" encoding="UTF-8"?>\n' + b.svg)
            written.append(path)
    return written
