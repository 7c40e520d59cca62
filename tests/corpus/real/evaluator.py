"""The real corpus's own reading and truth: never derivator's.

Three jobs, none of which imports derivator (tests/test_corpus_real.py checks it):

* **Relations** (:func:`relations`): the displays of a transcription (Markdown, LaTeX or the
  Markdown cells of a notebook) cut into relations the way a careful human reader cuts them: a
  chain ``A = B = C`` is two relations, a row of an ``align`` that starts with ``&=`` continues the
  chain of the row above, and two formulas set side by side (``\\hspace``, ``\\qquad``, ``\\\\``)
  are two.  A relation is addressed by the display's number in the file (1-based) and its step in
  the display (0-based): ``(display, step)``.  A key file may override the cutting of a display
  (``SPLIT``) where this reader would get it wrong.
* **Truth** (:class:`Net`, :func:`holds`): each author's network in PyTorch (their weight
  orientation, activations per layer, cost as written, sizes they fix) at random sizes where the
  sample count and every width differ, two draws; partial derivatives by autograd.
* **Keys** (:class:`T`, :class:`F`, :class:`D`, :class:`S`, :class:`P`, :class:`PF`): the kind of
  every relation, checked by the evaluator (a ``T`` must hold, an ``F`` must fail, a ``P`` must
  agree to the precision its text shows and a ``PF`` must not).
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

HERE = Path(__file__).resolve().parent
SPLITS = ("dev", "sealed")
F64 = torch.float64
SUFFIXES = (".md", ".tex", ".ipynb")

# ---------------------------------------------------------------------------------------------
# directives (a user's added line, never part of a transcription)

DIRECTIVE = re.compile(r"<!--\s*derivator:.*?-->|^[ \t]*%[ \t]*derivator:.*$", re.MULTILINE)


def strip_directives(text: str) -> str:
    """The text with every directive blanked (lines kept, so positions do not move)."""
    return DIRECTIVE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def with_directive(text: str, directive: str, kind: str, before: int | None = None) -> str:
    """The text with one directive line added before line ``before`` (default: before the first
    display), as a user would add it.  In a notebook the line goes into the first Markdown cell
    that holds a display (``$$``, ``\\[…\\]`` or an environment such as ``equation``)."""
    if kind == "ipynb":
        nb = json.loads(text)
        for k, cell in enumerate(nb["cells"]):
            if cell.get("cell_type") == "markdown" and _scan(_cell_text(cell), k, 1):
                cell["source"] = directive + "\n\n" + _cell_text(cell)
                break
        return json.dumps(nb, ensure_ascii=False, indent=1)
    lines = text.split("\n")
    if before is None:
        first = displays(text, kind)
        before = first[0].line if first else 1
    lines.insert(before - 1, directive + "\n")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# displays


@dataclass(frozen=True)
class Display:
    number: int  # 1-based, in file order
    line: int  # line of the opening delimiter (in a notebook: of the cell's text, see ``cell``)
    end: int  # line of the closing delimiter
    body: str
    cell: int | None = None  # notebook cell index


_ENVS = r"(?:equation|align|gather|multline|eqnarray|displaymath|flalign|alignat)\*?"
_MD_DISPLAY = re.compile(
    r"\$\$(?P<a>.+?)\$\$|\\\[(?P<b>.+?)\\\]|\\begin\{(?P<env>"
    + _ENVS
    + r")\}(?P<c>.+?)\\end\{(?P=env)\}",
    re.DOTALL,
)
_TEX_COMMENT = re.compile(r"(?<!\\)%.*$", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
_CODE = re.compile(r"`[^`\n]*`")


def _cell_text(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _scan(text: str, cell: int | None, start: int) -> list[Display]:
    out = []
    for m in _MD_DISPLAY.finditer(text):
        body = m.group("a") or m.group("b") or m.group("c") or ""
        if m.group("env"):
            body = r"\begin{aligned}" + body + r"\end{aligned}"
        out.append(
            Display(
                start + len(out),
                text.count("\n", 0, m.start()) + 1,
                text.count("\n", 0, m.end()) + 1,
                body,
                cell,
            )
        )
    return out


def displays(text: str, kind: str) -> list[Display]:
    """The display math of a file in order (numbered from 1)."""
    if kind == "ipynb":
        out: list[Display] = []
        for k, cell in enumerate(json.loads(text)["cells"]):
            if cell.get("cell_type") == "markdown":
                body = _CODE.sub(lambda m: " " * len(m.group(0)), _cell_text(cell))
                out += _scan(body, k, len(out) + 1)
        return out
    text = strip_directives(text)
    if kind == "tex":
        text = _TEX_COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    else:  # fenced code and code spans are not math
        text = _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        text = _CODE.sub(lambda m: " " * len(m.group(0)), text)
    return _scan(text, None, 1)


def inline_math(text: str, kind: str) -> list[str]:
    """Inline ``$…$`` outside displays (a transcription should have none: every relation that a
    checker may read must be keyed)."""
    if kind == "ipynb":
        text = "\n".join(
            _cell_text(c) for c in json.loads(text)["cells"] if c.get("cell_type") == "markdown"
        )
    text = _MD_DISPLAY.sub(" ", strip_directives(text))
    text = _FENCE.sub(" ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    if kind == "tex":
        text = _TEX_COMMENT.sub(" ", text)
    return re.findall(r"(?<![\\$])\$[^$\n]+\$", text)


# ---------------------------------------------------------------------------------------------
# cutting a display into relations

#: relation symbols at the top level of a formula (longest first)
RELATIONS = [
    r"\coloneqq",
    r"\triangleq",
    r"\approx",
    r"\equiv",
    r"\doteq",
    r"\simeq",
    r"\leftarrow",
    r"\gets",
    r"\leqslant",
    r"\geqslant",
    r"\leq",
    r"\geq",
    r"\neq",
    r"\le",
    r"\ge",
    r"\ne",
    r"\propto",
    r"\in",
    ":=",
    "=:",
    "=",
    "<",
    ">",
]
#: what sets two formulas side by side (a chain breaks there when a relation follows)
SEPARATORS = re.compile(
    r"\\\\|\\hspace\*?\{[^}]*\}|\\qquad|\\quad|\\(?:Longrightarrow|Rightarrow|rightarrow|implies|iff|therefore)"
    r"|\\text\{[^}]*\}|\\mbox\{[^}]*\}|;|,"
)
_STRUCTURAL = tuple(
    base + star
    for base in (
        "aligned",
        "align",
        "split",
        "eqnarray",
        "gather",
        "gathered",
        "equation",
        "multline",
        "displaymath",
        "flalign",
        "alignat",
        "alignedat",
    )
    for star in ("", "*")
)
_CONTROL = re.compile(r"\\[A-Za-z]+\*?|\\.")


@dataclass(frozen=True)
class Relation:
    display: int
    step: int
    lhs: str
    symbol: str
    rhs: str
    line: int
    cell: int | None = None

    @property
    def address(self) -> tuple[int, int]:
        return (self.display, self.step)

    @property
    def text(self) -> str:
        return f"{self.lhs} {self.symbol} {self.rhs}"


def _tokens(body: str) -> list[tuple[str, int]]:
    """(token, depth) with depth counting {}, (), [], \\left…\\right and non-structural
    environments; structural environments (aligned, split, an array at the top level, as in an
    algorithm's rows) are dropped."""
    out: list[tuple[str, int]] = []
    depth = 0
    i = 0
    arrays: list[bool] = []  # for each open array: whether it was dropped as structural
    while i < len(body):
        m = _CONTROL.match(body, i)
        if m:
            tok = m.group(0)
            if tok in (r"\begin", r"\end"):
                env = re.match(r"\s*\{([^}]*)\}", body[m.end() :])
                name = env.group(1) if env else ""
                j = m.end() + (env.end() if env else 0)
                if name == "array" and tok == r"\begin":
                    arrays.append(depth == 0)
                dropped = name == "array" and (arrays[-1] if arrays else False)
                if name == "array" and tok == r"\end" and arrays:
                    arrays.pop()
                if name in _STRUCTURAL or dropped:
                    if tok == r"\begin" and name in ("alignat", "alignat*", "array"):
                        j += len(re.match(r"\s*\{[^}]*\}", body[j:]).group(0))  # type: ignore[union-attr]
                    i = j
                    continue
                depth += 1 if tok == r"\begin" else -1
                out.append((body[i:j], depth if tok == r"\end" else depth - 1))
                i = j
                continue
            if tok in (r"\left", r"\bigl", r"\Bigl", r"\biggl", r"\Biggl"):
                depth += 1
                nxt = _CONTROL.match(body, m.end())
                j = nxt.end() if nxt else m.end() + 1
                out.append((body[i:j], depth - 1))
                i = j
                continue
            if tok in (r"\right", r"\bigr", r"\Bigr", r"\biggr", r"\Biggr"):
                nxt = _CONTROL.match(body, m.end())
                j = nxt.end() if nxt else m.end() + 1
                depth -= 1
                out.append((body[i:j], depth))
                i = j
                continue
            if tok == r"\{":  # a brace of the formula (a set, max{…}) groups like (
                out.append((tok, depth))
                depth += 1
                i = m.end()
                continue
            if tok == r"\}":
                depth -= 1
                out.append((tok, depth))
                i = m.end()
                continue
            out.append((tok, depth))
            i = m.end()
            continue
        c = body[i]
        if c in "{([":
            out.append((c, depth))
            depth += 1
        elif c in "})]":
            depth -= 1
            out.append((c, depth))
        else:
            out.append((c, depth))
        i += 1
    return out


def _symbol_at(tokens: list[tuple[str, int]], k: int) -> tuple[str, int] | None:
    """The relation symbol starting at token k (and how many tokens it takes), at depth 0."""
    tok, depth = tokens[k]
    if depth != 0:
        return None
    if tok in RELATIONS and tok.startswith("\\"):
        return tok, 1
    if tok == ":" and k + 1 < len(tokens) and tokens[k + 1][0] == "=":
        return ":=", 2
    if tok == "=" and k + 1 < len(tokens) and tokens[k + 1][0] == ":":
        return "=:", 2
    if tok in ("=", "<", ">"):
        return tok, 1
    return None


def _clean(text: str) -> str:
    text = re.sub(r"\\(?:tag|label)\*?\{[^}]*\}|\\nonumber|\\notag", " ", text)
    text = text.replace("&", " ")
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^(?:\\[,;:!]|\\quad|\\qquad|\\displaystyle|\s)+", "", text)
    text = re.sub(r"(?:\\[,;:!]|\\quad|\\qquad|[ ,.;])+$", "", text)
    return text.strip()


_STRONG = {
    r"\\",
    r"\qquad",
    r"\hspace",
    r"\hspace*",
    r"\Longrightarrow",
    r"\Rightarrow",
    r"\rightarrow",
    r"\implies",
    r"\iff",
    r"\therefore",
    r"\text",
    r"\textrm",
    r"\mbox",
    ";",
    ",",
}
_WEAK = {r"\quad"}  # between two relations a separator; inside the last operand a product


def _groups(tokens: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Tokens with a separator macro and its argument (``\\text{…}``, ``\\hspace{…}``) joined."""
    out: list[tuple[str, int]] = []
    k = 0
    while k < len(tokens):
        tok, depth = tokens[k]
        if depth == 0 and tok in (r"\text", r"\textrm", r"\mbox", r"\hspace", r"\hspace*"):
            j = k + 1
            while j < len(tokens) and tokens[j][0].isspace():
                j += 1
            if j < len(tokens) and tokens[j] == ("{", 0):
                j += 1
                while j < len(tokens) and tokens[j][1] > 0:
                    j += 1
                j += 1  # the closing brace
            out.append(("".join(t for t, _ in tokens[k:j]), 0))
            k = j
            continue
        out.append((tok, depth))
        k += 1
    return out


#: words that join two formulas (``\\text{ and }``); other text (``\\text{prod}``) is a name
CONNECTIVES = re.compile(
    r"\s*(?:and|or|where|with|for|for all|if|then|so|thus|hence|since|because|i\.e\.|e\.g\.|"
    r"且|和|与|或|其中|即|则|所以|因为|对于)(?:\s.*)?\s*[,.:]?\s*",
    re.IGNORECASE | re.DOTALL,
)


def _is_sep(tok: str, depth: int, weak: bool) -> bool:
    if depth:
        return False
    text = re.fullmatch(r"\\(?:text|textrm|mbox)\{(.*)\}", tok, re.DOTALL)
    if text:
        return not text.group(1).strip() or bool(CONNECTIVES.fullmatch(text.group(1)))
    head = re.match(r"\\[A-Za-z]+\*?|\\\\|.", tok)
    name = head.group(0) if head else tok
    return name in _STRONG or (weak and name in _WEAK)


def _pieces(operand: list[tuple[str, int]], weak: bool) -> list[str]:
    pieces: list[list[str]] = [[]]
    for tok, depth in operand:
        if _is_sep(tok, depth, weak):
            pieces.append([])
        else:
            pieces[-1].append(tok)
    kept = ["".join(p) for p in pieces if _clean("".join(p))]
    return kept or [""]


_OPERATOR_START = re.compile(
    r"^(?:\\quad|\\qquad|\\[,;:!]|\s)*(?:[-+*/=]|\\(?:cdot|times|pm|mp)\b)"
)
_OPERATOR_END = re.compile(r"(?:[-+*/(\[]|\\(?:cdot|times|pm|mp|left\(|left\[))\s*$")


def _continues(row: str, previous: list[tuple[str, int]]) -> bool:
    before = "".join(t for t, _ in previous).rstrip()
    return bool(_OPERATOR_START.match(row) or _OPERATOR_END.search(before))


def cut(body: str) -> list[tuple[str, str, str]]:
    """A display's relations (lhs, symbol, rhs) as a careful reader cuts them."""
    tokens = _groups(_tokens(body))
    rows: list[list[tuple[str, int]]] = [[]]
    for tok, depth in tokens:
        if depth == 0 and tok == "\\\\":
            rows.append([])
        else:
            rows[-1].append((tok, depth))
    chains: list[tuple[list[list[tuple[str, int]]], list[str]]] = []  # (operands, symbols)
    for row in rows:
        operands: list[list[tuple[str, int]]] = [[]]
        symbols: list[str] = []
        k = 0
        while k < len(row):
            sym = _symbol_at(row, k)
            if sym:
                symbols.append(sym[0])
                operands.append([])
                k += sym[1]
            else:
                operands[-1].append(row[k])
                k += 1
        text0 = _clean("".join(t for t, _ in operands[0]))
        if not symbols and not text0:  # an empty row (\\ \\)
            continue
        if not symbols:
            # a row that goes on with an operator continues the formula above; any other row
            # without a relation (a loop header, a mapping R^n → R^m) stands alone
            if chains and text0 and _continues(text0, chains[-1][0][-1]):
                chains[-1][0][-1].extend(operands[0])
            elif chains:
                chains.append(([[]], []))  # the chain above ends here
            continue
        if chains and (not text0 or not _clean("".join(t for t, _ in chains[-1][0][-1]))):
            last = chains[-1][0]
            if text0:
                last[-1] = operands[0]
            last.extend(operands[1:])
            chains[-1][1].extend(symbols)
        else:
            chains.append((operands, symbols))
    out: list[tuple[str, str, str]] = []
    for operands, symbols in chains:
        lhs = _pieces(operands[0], True)[-1]
        for n in range(1, len(operands)):
            last = n == len(operands) - 1
            pieces = _pieces(operands[n], not last)
            if _clean(lhs) and _clean(pieces[0]):
                out.append((_clean(lhs), symbols[n - 1], _clean(pieces[0])))
            lhs = pieces[-1] if len(pieces) > 1 else pieces[0]
    return out


def relations(text: str, kind: str, split: dict[int, list[str]] | None = None) -> list[Relation]:
    """Every relation of a file: displays cut by :func:`cut` unless ``split`` gives a display's
    relations as texts ``lhs SYMBOL rhs`` (each cut at its first top-level symbol)."""
    out: list[Relation] = []
    for d in displays(text, kind):
        if split and d.number in split:  # texts cut at their first symbol, or (lhs, symbol, rhs)
            cuts = [t if isinstance(t, tuple) else cut(t)[0] for t in split[d.number]]
        else:
            cuts = cut(d.body)
        for step, (lhs, sym, rhs) in enumerate(cuts):
            out.append(Relation(d.number, step, lhs, sym, rhs, d.line, d.cell))
    return out


def kind_of(path: Path) -> str:
    return {".md": "md", ".tex": "tex", ".ipynb": "ipynb"}[path.suffix]


# ---------------------------------------------------------------------------------------------
# matching a checker's relation text to ours (robust to spacing and to junk around the sides)

_NOISE = re.compile(
    r"\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg|displaystyle|limits|nolimits)(?![A-Za-z])"
    r"|\\[,;:! ]|\\quad|\\qquad|\\hspace\*?\{[^}]*\}|&|\s+"
)


def normal(text: str) -> str:
    text = _NOISE.sub("", text)
    return re.sub(r"[,.;]+$", "", text)


def same_relation(mine: Relation, theirs: str) -> bool:
    """Whether a checker's relation text is ours: its sides end and start like ours (a checker
    may keep a spacing command or a word before the left side, or after the right)."""
    theirs = theirs.replace("<-", r"\leftarrow ")  # a checker may print an arrow as <-
    cuts = cut(theirs)
    if not cuts:
        return normal(theirs) == normal(mine.lhs + mine.rhs)
    lhs, _, rhs = cuts[0]
    if len(cuts) > 1:
        rhs = theirs[theirs.find(rhs) :]
    a, b, c, d = normal(lhs), normal(rhs), normal(mine.lhs), normal(mine.rhs)
    if not (a and b and c and d):
        return False
    return (a.endswith(c) or c.endswith(a)) and (b.startswith(d) or d.startswith(b))


# ---------------------------------------------------------------------------------------------
# the evaluator: a network in PyTorch, partial derivatives by autograd


def _smooth(x: torch.Tensor) -> torch.Tensor:
    """A 'generic' activation: no special identity (σ′ is not a polynomial in σ)."""
    return torch.tanh(x) + 0.1 * x + 0.05 * torch.sin(3 * x)


def softplus(x: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.softplus(x)


ACTS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "identity": lambda x: x,
    "generic": _smooth,
    "relu": torch.relu,
    "softplus": softplus,
    "softmax": lambda x: torch.softmax(x, 1),
}


def mse(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """½ Σ_j (a_j - y_j)² per sample."""
    return 0.5 * ((a - y) ** 2).sum(1)


def sse(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Σ_j (a_j - y_j)² per sample (no ½)."""
    return ((a - y) ** 2).sum(1)


def cross_entropy(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return -(y * torch.log(a)).sum(1)


def binary_cross_entropy(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return -(y * torch.log(a) + (1 - y) * torch.log(1 - a)).sum(1)


LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "mse": mse,
    "sse": sse,
    "cross-entropy": cross_entropy,
    "binary-cross-entropy": binary_cross_entropy,
}


@dataclass(frozen=True)
class Setup:
    """An author's network.  ``depth`` layers of weights; hidden layers use ``act``, the output
    layer ``out`` (default ``act``); ``loss`` is one sample's loss (a name of LOSSES or a function
    of (output, target) giving one value per sample); ``total`` how the author's cost C gathers
    the samples ("mean", "sum", or a function of the per-sample losses); ``reg`` a regulariser
    added to C (a function of the net).  ``widths`` fixes widths the text fixes (None: random);
    ``single``: every width 1; ``samples``: a fixed sample count; ``targets``: "any",
    "distribution" (softmax of random), "unit" (in (0, 1)), "one-hot"; ``bias``: False for a
    network without biases."""

    depth: int = 4
    act: str = "sigmoid"
    out: str | None = None
    loss: Any = "mse"
    total: Any = "mean"
    reg: Callable[[Net], torch.Tensor] | None = None
    widths: tuple[int | None, ...] | None = None
    single: bool = False
    samples: int | None = None
    targets: str = "any"
    bias: bool = True
    acts: tuple[str, ...] | None = None  # one per layer 1..depth (overrides act/out)


class Net:
    """Layers 0 … D, n samples; ``a[0]`` the inputs, ``z[p] = a[p-1] W[p]ᵀ + b[p]`` (W[p] has
    shape (width p, width p-1): row j, column k is the weight from unit k to unit j), ``a[p] =
    f_p(z[p])``; ``Li`` one value per sample, ``L`` the author's cost."""

    def __init__(self, setup: Setup, n: int, widths: list[int], seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.g = g
        self.memo: dict[str, Any] = {}  # a key's intermediate results, computed once per net

        def rnd(*s: int) -> torch.Tensor:
            return torch.randn(*s, dtype=F64, generator=g)

        self.rnd = rnd
        self.setup, self.n, self.widths, self.D = setup, n, widths, len(widths) - 1
        D = self.D
        acts = list(setup.acts or [setup.act] * (D - 1) + [setup.out or setup.act])
        self.act_names = [None] + acts
        self.f = [None] + [ACTS[a] for a in acts]
        self.W = [None] + [rnd(widths[p], widths[p - 1]).requires_grad_() for p in range(1, D + 1)]
        self.b = [None] + [
            (rnd(widths[p]) if setup.bias else torch.zeros(widths[p], dtype=F64)).requires_grad_()
            for p in range(1, D + 1)
        ]
        if setup.targets == "distribution":
            self.y = torch.softmax(rnd(n, widths[-1]), 1)
        elif setup.targets == "unit" or setup.loss == "binary-cross-entropy":
            self.y = torch.rand(n, widths[-1], dtype=F64, generator=g)
        elif setup.targets == "one-hot":
            idx = torch.randint(0, widths[-1], (n,), generator=g)
            self.y = torch.nn.functional.one_hot(idx, widths[-1]).to(F64)
            self.label = idx
        else:
            self.y = rnd(n, widths[-1])
        self.a = [rnd(n, widths[0]).requires_grad_()]
        self.z: list[Any] = [None]
        for p in range(1, D + 1):
            z = self.a[p - 1] @ self.W[p].T + self.b[p]
            self.z.append(z)
            self.a.append(self.f[p](z))
        loss = LOSSES[setup.loss] if isinstance(setup.loss, str) else setup.loss
        self.Li = loss(self.a[-1], self.y)
        if setup.total == "mean":
            C = self.Li.mean()
        elif setup.total == "sum":
            C = self.Li.sum()
        else:
            C = setup.total(self.Li)
        self.L = C + (setup.reg(self) if setup.reg else 0)

    # ---- partial derivatives
    def grad(self, f: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        out = torch.autograd.grad(f, x, retain_graph=True, allow_unused=True)[0]
        return torch.zeros_like(x) if out is None else out

    def dL(self, x: torch.Tensor) -> torch.Tensor:
        """∂C/∂x of the author's cost (C over every sample, with its regulariser)."""
        return self.grad(self.L, x)

    def dLi(self, x: torch.Tensor) -> torch.Tensor:
        """∂L_i/∂x_i· for a quantity x of the samples (a, z): (n, width)."""
        return self.grad(self.Li.sum(), x)

    def dLi_param(self, x: torch.Tensor) -> torch.Tensor:
        """∂L_i/∂x for a weight or bias x, per sample: (n, *x.shape)."""
        return torch.stack([self.grad(self.Li[i], x) for i in range(self.n)])

    def jac(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """∂out_{i m}/∂x_{i k} for quantities of one sample each: (n, m, k)."""
        return torch.stack([self.grad(out[:, m].sum(), x) for m in range(out.shape[1])], 1)

    def jac_param(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """∂out_{i m}/∂x for a weight or bias x: (n, m, *x.shape)."""
        return torch.stack(
            [
                torch.stack([self.grad(out[i, m], x) for m in range(out.shape[1])])
                for i in range(self.n)
            ]
        )

    def fprime(self, p: int, z: torch.Tensor | None = None) -> torch.Tensor:
        """f_p′ at z (default z[p]), by autograd."""
        x = (self.z[p] if z is None else z).detach().clone().requires_grad_()
        return torch.autograd.grad(self.f[p](x).sum(), x)[0]


def sizes(rng: random.Random, setup: Setup) -> tuple[int, list[int]]:
    """n and the widths, pairwise different where the text does not fix them."""
    D = setup.depth
    if setup.single:
        return setup.samples or rng.randint(2, 5), [1] * (D + 1)
    fixed = list(setup.widths or [None] * (D + 1))
    taken = {w for w in fixed if w is not None} | ({setup.samples} if setup.samples else set())
    free = [k for k in range(2, 10) if k not in taken]
    picks = rng.sample(free, sum(w is None for w in fixed) + 1)
    n = setup.samples or picks.pop()
    widths = [w if w is not None else picks.pop() for w in fixed]
    return n, widths


Sides = Callable[[Net], tuple[Any, Any]]
_NETS: dict[Setup, list[Net]] = {}


def nets(setup: Setup) -> list[Net]:
    """The two draws of a setup (built once: a key's relations share them)."""
    if setup not in _NETS:
        rng = random.Random(11)
        _NETS[setup] = [Net(setup, *sizes(rng, setup), seed=trial) for trial in range(2)]
    return _NETS[setup]


def holds(f: Sides, setup: Setup, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Whether both sides agree at every entry, in two draws of sizes and values."""
    for net in nets(setup):
        lhs, rhs = (torch.as_tensor(x, dtype=F64) for x in f(net))
        lhs, rhs = torch.broadcast_tensors(lhs, rhs)
        if not torch.allclose(lhs, rhs, rtol=rtol, atol=atol):
            return False
    return True


def sig_p(net: Net, p: int) -> torch.Tensor:
    """f_p′(z[p]) of layer p's own activation (named for the common sigmoid case)."""
    return net.fprime(p)


def diag_times(d: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """diag(d) v per sample, as a matrix product (Nielsen's Σ′(z) ∇C)."""
    return (torch.diag_embed(d) @ v[:, :, None])[:, :, 0]


def outer(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Per sample: u_ij v_ik → (n, j, k)."""
    return u[:, :, None] * v[:, None, :]


GRID = torch.linspace(-3, 3, 13, dtype=F64)


def d_dx(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor = GRID) -> torch.Tensor:
    """f′ on a grid, by autograd."""
    xg = x.clone().requires_grad_()
    return torch.autograd.grad(f(xg).sum(), xg)[0]


# ---------------------------------------------------------------------------------------------
# numbers shown to a precision


def _numbers_only(side: str) -> bool:
    """A number, or a vector or matrix of numbers (no arithmetic)."""
    body = re.sub(r"\\(?:begin|end)\{[a-z]*matrix\}|\\left|\\right|\\\\|[\[\](){}]", " ", side)
    items = [t for t in re.split(r"[,&\s]+", body) if t]
    return bool(items) and all(re.fullmatch(r"-?\d+(?:\.\d+)?", t) for t in items)


def shown_precision(text: str) -> tuple[float, float]:
    """One unit of the last digit shown, (finest, coarsest) over the decimal numbers of the text:
    sides that differ by at most the finest agree at the precision shown under any reading; by
    more than the coarsest, under none."""
    decimals = [len(d) for d in re.findall(r"\d\.(\d+)", text)]
    if not decimals:
        return 0.0, 0.0
    coarse = min(decimals)
    for lhs, _, rhs in cut(text)[:1]:
        for side in (rhs, lhs):  # a side of numbers only is the rounded result shown
            if _numbers_only(side):
                coarse = min(len(d) for d in re.findall(r"\d\.(\d+)", side) or ["0" * coarse])
                break
    return 10.0 ** -max(decimals), 10.0**-coarse


# ---------------------------------------------------------------------------------------------
# key kinds


@dataclass(frozen=True)
class T:
    """A claim that holds in the author's model."""

    sides: Sides
    setup: Setup | None = None  # when the relation lives in another network than the file's
    right = ("proved",)
    kind = "T"


@dataclass(frozen=True)
class F:
    """A claim that fails in the author's model (at sizes where the widths and n differ);
    ``sides=None`` when its two sides cannot even be formed there (shapes that do not fit)."""

    sides: Sides | None
    setup: Setup | None = None
    why: str = ""
    right = ("refuted",)
    kind = "F"


@dataclass(frozen=True)
class D:
    """A definition: the document gives a name its meaning (forward pass, cost, a new name, δ
    as a partial, a given input value).  ``sides``, when given, are checked to hold in the
    model the key builds (so the model is the author's); ``None`` for a definition the model
    cannot state (a malformed sum), with ``why``."""

    sides: Sides | None = None
    setup: Setup | None = None
    why: str = ""
    right = ("defined", "proved")
    kind = "D"


@dataclass(frozen=True)
class S:
    """Not an identity: an update rule, a statement about sizes or sets, an inequality."""

    why: str
    right = ("skipped", "defined")
    kind = "S"


@dataclass(frozen=True)
class P:
    """Decimals that agree to the precision shown (a rounded worked example)."""

    sides: Callable[[], tuple[float, float]]
    right = ("proved",)  # proved at the shown precision
    kind = "P"


@dataclass(frozen=True)
class PF:
    """Decimals that disagree beyond the precision shown (under any reading of it)."""

    sides: Callable[[], tuple[float, float]]
    right = ("refuted",)
    kind = "PF"


@dataclass(frozen=True)
class PA:
    """Decimals whose agreement depends on the reading of "the precision shown": within one unit
    of the coarsest decimal of the relation, not of the finest.  Proved at the shown precision
    and refuted are both right; neither is wrong."""

    sides: Callable[[], tuple[float, float]]
    right = ("refuted", "proved")
    kind = "PA"


Key = T | F | D | S | P | PF | PA
KINDS = ("T", "F", "D", "S", "P", "PA", "PF")


def confirm(key: Key, setup: Setup, text: str) -> str | None:
    """None when the evaluator agrees with the key's kind, else what is wrong."""
    if isinstance(key, (T, F, D)) and key.sides is not None:
        try:
            ok = holds(key.sides, key.setup or setup)
        except (RuntimeError, IndexError):  # the sides cannot be formed: no entry can hold
            ok = False
        want = not isinstance(key, F)
        if ok != want:
            return f"{key.kind}: the evaluator finds it {'true' if ok else 'false'}"
    if isinstance(key, (P, PF, PA)):
        lhs, rhs = (torch.as_tensor(v, dtype=F64) for v in key.sides())
        fine, coarse = shown_precision(text)
        diff = float((lhs - rhs).abs().max())  # vectors and matrices: their worst entry
        kind = "P" if diff <= fine * (1 + 1e-6) else "PA" if diff <= coarse * (1 + 1e-6) else "PF"
        if kind != key.kind:
            return (
                f"{key.kind}: |{lhs!r} - {rhs!r}| = {diff:.3g}: {kind} (units {fine:g}, {coarse:g})"
            )
    return None


# ---------------------------------------------------------------------------------------------
# the corpus: files and their keys


@dataclass
class Source:
    path: Path
    split: str
    kind: str
    setup: Setup
    keys: dict[tuple[int, int], Key]
    directive: str | None
    directive_before: int | None
    split_override: dict[int, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def relations(self) -> list[Relation]:
        return relations(self.text(), self.kind, self.split_override)


def key_path(path: Path) -> Path:
    return path.with_suffix(".key.py")


def load(path: Path, split: str) -> Source:
    """A transcription and its key module (``<stem>.key.py`` beside it)."""
    kp = key_path(path)
    spec = importlib.util.spec_from_file_location(f"corpus_key_{split}_{path.stem}", kp)
    assert spec and spec.loader, kp
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    keys = {(k if isinstance(k, tuple) else (k, 0)): v for k, v in module.KEY.items()}
    return Source(
        path,
        split,
        kind_of(path),
        module.SETUP,
        keys,
        getattr(module, "DIRECTIVE", None),
        getattr(module, "DIRECTIVE_BEFORE", None),
        getattr(module, "SPLIT", {}),
    )


def sources(split: str) -> list[Source]:
    folder = HERE / split
    return [
        load(p, split)
        for p in sorted(folder.iterdir())
        if p.suffix in SUFFIXES and not p.name.startswith("_")
    ]
