"""Read the notation of notation.md: LaTeX text → a small syntax tree (no SymPy yet).

A hand-written recursive-descent parser, because the notation is context-sensitive in ways a
generic LaTeX parser gets wrong: ``a_{ij}`` is two indices, ``^{(L-1)}`` on a quantity is a layer
tag (never a power), a Σ's body runs over the product that follows it, ``\\frac{\\partial a}{z}``
must be read (and flagged), and ``(…)\\prime`` differentiates a bracket.  Every error carries the
offset where reading stopped; depth, length and sizes are bounded so that no input can make the
reader hang or exhaust the stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, is_dataclass, replace
from typing import Any

MAX_LENGTH = 20_000
MAX_DEPTH = 120
MAX_DIGITS = 30
#: the most digits a constant may have once its powers are worked out (SymPy works them out
#: exactly and at once: 30 digits to the 64th power four times over is 500 million digits)
MAX_VALUE_DIGITS = 1_000


class ReadError(ValueError):
    """The text cannot be read; ``pos`` is the offset (in the block's text) where reading stopped."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


# ---------------------------------------------------------------------------------------------
# tokens


@dataclass
class Tok:
    kind: str  # cmd, ch, num, letter, text, end; bad (unreadable: ``text`` says why)
    text: str
    pos: int


SPACING = {
    ",",
    ";",
    "!",
    ":",
    " ",
    "displaystyle",
    "textstyle",
    "scriptstyle",
    "nonumber",
    "notag",
    "limits",
    "nolimits",
    "enspace",
    "thinspace",
    "medspace",
    "thickspace",
    "negthinspace",
    "mathstrut",
    "strut",
    # an ordinary symbol and math mode assured: the braced group that follows is read as it is
    "mathord",
    "ensuremath",
}
WRAPPERS = {"mathbf", "boldsymbol", "bm", "mathit", "mathrm_letter", "vec", "mathbfit", "pmb"}
#: the styles in which a 1 is the vector of ones (𝟏)
BOLD = {"mathbf", "boldsymbol", "bm", "vec", "mathbfit", "pmb"}
#: letters that a hat marks as vectors (\hat{y}, a prediction in many texts, is not among them)
HATTED = {"a", "z", "b", "w", "W", "delta"}
#: calligraphic letters keep their style in the name (\mathcal{L} is not L): a cost letter may be one
STYLED = {"mathcal", "mathscr", "cal"}
#: spacing with an argument, read and dropped
SKIPPED_WITH_ARGUMENT = {"hspace", "vspace", "phantom", "hphantom", "vphantom", "color"}
#: other spellings of one command
ALIASES = {
    "bigtriangledown": "nabla",
    "triangledown": "nabla",
    "implies": "Rightarrow",
    "therefore": "Rightarrow",
    "rightarrow": "Rightarrow",
    "to": "Rightarrow",
    "Longrightarrow": "Rightarrow",
    "bullet": "odot",
    "circledcirc": "odot",
}
TEXT_CMDS = {
    "text",
    "textrm",
    "mbox",
    "textit",
    "textbf",
    "mathrm",
    "operatorname",
    "mathsf",
    "tag",
    "label",
    "hbox",
}
UNICODE = {
    "–": ("ch", "-"),
    "—": ("ch", "-"),
    "−": ("ch", "-"),
    "·": ("cmd", "cdot"),
    "×": ("cmd", "times"),
    "′": ("ch", "'"),
    "’": ("ch", "'"),
    "σ": ("cmd", "sigma"),
    "δ": ("cmd", "delta"),
    "Δ": ("cmd", "Delta"),
    "η": ("cmd", "eta"),
    "∂": ("cmd", "partial"),
    "∇": ("cmd", "nabla"),
    "Σ": ("cmd", "sum"),
    "∑": ("cmd", "sum"),
    "∏": ("cmd", "prod"),
    "⊙": ("cmd", "odot"),
    "⊘": ("cmd", "oslash"),
    "…": ("cmd", "ldots"),
    "⋯": ("cmd", "cdots"),
    "≈": ("cmd", "approx"),
    "≠": ("cmd", "neq"),
    "∈": ("cmd", "in"),
    "≤": ("cmd", "le"),
    "≥": ("cmd", "ge"),
    "←": ("cmd", "leftarrow"),
    "≜": ("cmd", "triangleq"),
    "≡": ("cmd", "equiv"),
    "ψ": ("cmd", "psi"),
    "Ψ": ("cmd", "Psi"),
    "\u00a0": ("space", ""),
    "\u3000": ("space", ""),
}
PUNCT = set("{}^_()[]+-*/=,;&'|<>:!.~")
#: ``{\cal C}``: a calligraphic letter in plain TeX's style, the braces part of it
_OLD_CAL = re.compile(r"\{\\cal\s*([A-Za-z])\s*\}")
#: commands around a name of several letters (``\\text{net}_j``) and the cost words read without a
#: declaration (``\\text{Cost}``)
WORD_CMDS = {"text", "textrm", "textit", "mathrm", "mathit", "operatorname"}
COST_WORDS = frozenset({"Cost", "Loss"})
#: the logistic function written as a word before its argument
_SIGMOID = re.compile(r"[sS]igmoid\s*\(")
#: the softmax written as a plain word before its argument (``softmax(z)``)
_SOFTMAX = re.compile(r"[sS]oftmax\s*\(")
#: a call of a library function, ``np.sum(``: code, which a formula may quote but not mean
_CODE_CALL = re.compile(r"([A-Za-z]+\.[A-Za-z_]+)\s*\(")


def _word(
    text: str, name: str, j: int, start: int, words: frozenset[str]
) -> tuple[str, int] | None:
    """``\\text{net}_j``, ``\\mathrm{net}_j``, ``\\mathit{out}_j``, ``\\text{Cost}``: a name of several
    letters, not prose, when a subscript or superscript follows it (prose is never subscripted) or
    when the document declares it (``letters=preactivation:net``, ``cost=Cost``).  The word and
    where its command ends."""
    if name not in WORD_CMDS:
        return None
    try:
        body, end = _braced(text, j, start)
    except ReadError:
        return None
    body = body.strip()
    if not re.fullmatch(r"[A-Za-z]{2,}", body) or word_function(body) is not None:
        return None
    after = text[end:].lstrip()[:1]
    return (body, end) if after in ("_", "^") or body in words or body in COST_WORDS else None


def tokenize(text: str, words: frozenset[str] = frozenset()) -> list[Tok]:
    ordered = sorted(
        words | COST_WORDS, key=lambda w: (-len(w), w)
    )  # the longest first: out before o… (deterministic); Cost and Loss are names as written
    if len(text) > MAX_LENGTH:
        raise ReadError(
            f"formula too long ({len(text):,} characters; the limit is {MAX_LENGTH:,})", 0
        )
    calls = {m.start(): m for m in _CODE_CALL.finditer(text)} if "." in text else {}
    sigmoids = {m.start() for m in _SIGMOID.finditer(text)} if "igmoid" in text else set()
    softmaxes = {m.start() for m in _SOFTMAX.finditer(text)} if "oftmax" in text else set()
    toks: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "\\":
            found, i = _command(text, i, words)
            toks += found
            continue
        if c.isdigit():
            tok, i = _number(text, i)
            toks.append(tok)
            continue
        call = calls.get(i)
        if call is not None:
            tok, i = _program_call(text, i, call)
            toks.append(tok)
            continue
        if i in sigmoids and not (i and text[i - 1].isalpha()):
            toks.append(Tok("cmd", "sigma", i))  # Sigmoid(x), sigmoid(x): the logistic function σ
            i += len("sigmoid")
            continue
        if i in softmaxes and not (i and text[i - 1].isalpha()):
            toks.append(Tok("text", "text:softmax", i))  # softmax(z): the function of that name
            i += len("softmax")
            continue
        declared = _declared_word(text, i, ordered) if ordered and c.isalpha() else None
        if declared is not None:  # net_j, with letters=preactivation:net: one name
            toks.append(Tok("letter", declared, i))
            i += len(declared)
            continue
        if c.isascii() and c.isalpha():
            toks.append(Tok("letter", c, i))
            i += 1
            continue
        found, i = _character(text, i)
        toks += found
    toks.append(Tok("end", "", n))
    return toks


def _command(text: str, i: int, words: frozenset[str]) -> tuple[list[Tok], int]:
    """The tokens of the command at ``text[i]`` (a backslash), and where the text goes on: a
    declared word (\\mathrm{net}), a text command's body, a skipped argument, a command (its alias),
    nothing for spacing, or a bad token for an unknown one-character macro."""
    n = len(text)
    if i + 1 >= n:
        raise ReadError("a lone backslash ends the formula", i)
    d = text[i + 1]
    if not d.isalpha():
        if d in ",;!: ":
            return [], i + 2
        if d in "{}|\\":
            return [Tok("cmd", d, i)], i + 2
        return [Tok("bad", f"unknown macro \\{d}", i)], i + 2
    j = i + 1
    while j < n and text[j].isalpha():
        j += 1
    name = text[i + 1 : j]
    if j < n and text[j] == "*" and name in SKIPPED_WITH_ARGUMENT:
        j += 1
    word = _word(text, name, j, i, words)
    if word is not None:
        return [Tok("letter", word[0], i)], word[1]
    if name in TEXT_CMDS:
        body, j = _braced(text, j, i)
        return [Tok("text", f"{name}:{body}", i)], j
    if name in SKIPPED_WITH_ARGUMENT:
        _, j = _braced(text, j, i)
        # a horizontal space, read like \quad
        return ([Tok("cmd", "quad", i)] if name == "hspace" else []), j
    if name in ALIASES:
        return [Tok("cmd", ALIASES[name], i)], j
    return ([Tok("cmd", name, i)] if name not in SPACING else []), j


def _number(text: str, i: int) -> tuple[Tok, int]:
    """The number at ``text[i]`` (digits, with a decimal point between digits), or a bad token
    for one of more than MAX_DIGITS digits."""
    n = len(text)
    j = i
    while j < n and text[j].isdigit():
        j += 1
    if j + 1 < n and text[j] == "." and text[j + 1].isdigit():
        j += 1
        while j < n and text[j].isdigit():
            j += 1
    if j - i > MAX_DIGITS:
        return Tok("bad", f"a number of {j - i} digits (the limit is {MAX_DIGITS})", i), j
    return Tok("num", text[i:j], i), j


def _program_call(text: str, i: int, call: re.Match[str]) -> tuple[Tok, int]:
    """np.sum(dZ, axis=1, keepdims=True): program code inside a formula, one bad token up to
    its closing parenthesis."""
    n = len(text)
    depth, j = 0, call.end() - 1
    while j < n:
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        j += 1
        if depth == 0:
            break
    message = (
        f"{call.group(1)}(…) is program code, not a formula: write the sum as \\sum_{{i=1}}^{{m}} …"
    )
    return Tok("bad", message, i), j


def _declared_word(text: str, i: int, ordered: list[str]) -> str | None:
    """The declared name of several letters (``letters=``) that starts at ``text[i]`` as a
    word of its own, the longest first."""
    return next(
        (
            w
            for w in ordered
            if text.startswith(w, i)
            and not text[i + len(w) : i + len(w) + 1].isalpha()
            and not (i and text[i - 1].isalpha())
        ),
        None,
    )


def _character(text: str, i: int) -> tuple[list[Tok], int]:
    """The tokens of a character that starts no letter, number or command: {\\cal C}, a raised
    {^T}, punctuation, a Unicode symbol, or a bad token."""
    c = text[i]
    cal = _OLD_CAL.match(text, i) if c == "{" else None
    if cal is not None:  # {\cal C}: plain TeX's \mathcal{C}
        return [
            Tok("cmd", "mathcal", i + 1),
            Tok("ch", "{", i + 5),
            Tok("letter", cal.group(1), cal.start(1)),
            Tok("ch", "}", cal.end() - 1),
        ], cal.end()
    if c == "{" and text.startswith("^T}", i + 1):  # W^{[l]}{^T}: a transpose raised on its own
        return [Tok("ch", "^", i + 1), Tok("letter", "T", i + 2)], i + 4
    if c in PUNCT:
        return ([Tok("ch", c, i)] if c != "~" else []), i + 1
    if c in UNICODE:
        kind, t = UNICODE[c]
        return ([Tok(kind, t, i)] if kind != "space" else []), i + 1
    return [Tok("bad", f"unexpected character {c!r} in a formula", i)], i + 1


def _braced(text: str, j: int, start: int) -> tuple[str, int]:
    """The content of ``{…}`` at ``j`` (after optional spaces), with nesting."""
    while j < len(text) and text[j].isspace():
        j += 1
    if j >= len(text) or text[j] != "{":
        raise ReadError("expected { after a text macro", start)
    depth, k = 0, j
    while k < len(text):
        if text[k] == "\\":
            k += 2
            continue
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return text[j + 1 : k], k + 1
        k += 1
    raise ReadError("unbalanced braces: { is never closed", j)


# ---------------------------------------------------------------------------------------------
# the tree


@dataclass
class Num:
    text: str
    pos: int


@dataclass
class Var:
    """A letter or named symbol with scripts: ``a_{ij}^{(L)}`` is Var("a", [i, j], "L")."""

    name: str
    sub: list[Index] | None
    tag: str | None
    primes: int
    pos: int
    sub_raw: str | None = None
    transposed: bool = False
    #: the sample in Ng's ``a^{[l](i)}`` or ``x^{(i)}`` (a superscript, not a subscript)
    sample: str | None = None
    #: the raw arguments of a cost written as a function, ``J(W,b;x,y)``
    args: str | None = None


@dataclass
class Index:
    """One index in a subscript: a letter (maybe primed), a digit, or an expression."""

    name: str | None
    expr: Node | None
    pos: int


@dataclass
class Group:
    body: Node
    bracket: str
    pos: int


@dataclass
class Args:
    """``(x, y)``: the arguments of a function of several variables, ``f(x, y)``; read only as
    such (anywhere else a list in brackets is an error, never its first item)."""

    items: list[Node]
    pos: int


@dataclass
class Pow:
    base: Node
    exp: Node
    pos: int


@dataclass
class Neg:
    arg: Node
    pos: int


@dataclass
class Add:
    terms: list[Node]
    pos: int


@dataclass
class Mul:
    factors: list[Node]
    pos: int
    hadamard: bool = False
    #: positions k of factors written after a ``*`` (Ng's entrywise product of matrices: ``dA * g'(Z)``)
    stars: tuple[int, ...] = ()


@dataclass
class Div:
    num: Node
    den: Node
    pos: int


@dataclass
class Call:
    func: str  # sigma, tanh, exp, log, max, min, Psi
    args: list[Node]
    primes: int
    pos: int
    #: the layer a function is written for, ``f^m``, ``g^{[l]}``, ``\sigma^{(k)}``: that layer's
    #: activation (None: the one σ of the hidden layers)
    tag: str | None = None


@dataclass
class SumNode:
    index: str
    lower: Node | None
    upper: Node | None
    body: Node
    pos: int
    #: ``\\sum_{k \\neq j}``: the one value of the index the sum leaves out
    excluded: Node | None = None


@dataclass
class ProdNode:
    """``\\prod_{k=1}^{n} x_k``: a product over an index, read like a sum (its index, bounds,
    an excluded value, a body that runs over the rest of the product)."""

    index: str
    lower: Node | None
    upper: Node | None
    body: Node
    pos: int
    excluded: Node | None = None


@dataclass
class Partial:
    num: Node
    den: Node
    pos: int


@dataclass
class PrimeOf:
    """``(…)'``: the derivative of the bracket with respect to the chain's variable."""

    body: Node
    pos: int


@dataclass
class Iverson:
    """``[x = y]``: 1 when x equals y, else 0 (the Kronecker delta as our printer writes it)."""

    left: Node
    right: Node
    pos: int


@dataclass
class Ellipsis_:
    pos: int


@dataclass
class Norm:
    """``\\|v\\|``: the Euclidean norm of a vector (squared, it is the sum of squared entries)."""

    arg: Node
    pos: int


@dataclass
class Nabla:
    """``\\nabla_v X``: the gradient of X with respect to the vector or matrix v."""

    of: Node
    wrt: Node
    pos: int


@dataclass
class Matrix:
    rows: list[list[Node]]
    pos: int


@dataclass
class Transpose:
    arg: Node
    pos: int


@dataclass
class Entry:
    """``(W^{(L)T}\\delta^{(L)})_k``: entry k of a vector expression (entry (j, k) of a matrix
    one), read by ``vectors`` as the expression's index form with those indices."""

    body: Node
    sub: list[Index]
    pos: int


@dataclass
class Unread:
    """An expression that could not be read, kept in its chain so that the chain's other steps
    are still checked (one bad row of an ``align`` is one error, not the whole block)."""

    message: str
    pos: int


Node = (
    Num
    | Var
    | Group
    | Args
    | Pow
    | Neg
    | Add
    | Mul
    | Div
    | Call
    | SumNode
    | ProdNode
    | Partial
    | PrimeOf
    | Ellipsis_
    | Matrix
    | Transpose
    | Entry
    | Iverson
    | Unread
    | Norm
    | Nabla
)


@dataclass(frozen=True)
class Reading:
    """How a document writes what the notation cannot tell from the letters alone
    (the conventions of other authors, notation.md): set by directives and inference."""

    #: ``layer-tags=superscript``: a digit superscript on a letter is a layer tag (``w^3_{24}``)
    digit_tags: bool = False
    #: letters written as functions of their arguments, ``J(W,b;x,y)``: the arguments are kept raw
    call_letters: frozenset[str] = frozenset()
    #: names of several letters the document declares (``letters=preactivation:net``): one name each
    words: frozenset[str] = frozenset()
    #: a letter other than l that the document counts its layers with (``a^m_j``, ``w^{m+1}``):
    #: read as the notation's generic layer l (``inference.layer_letter``)
    layer_letter: str = ""
    #: layers numbered in the subscript (``z_1 = W_1 x + b_1``, ``a_{2,j}``): the first index of
    #: a, z, b, W, w, δ, when it is a number, is the layer tag (``inference.subscript_layers``)
    subscript_layers: bool = False
    #: the document's own letters for a pre-activation numbered like W (``u_1 = W_1 x + b_1``):
    #: layered in the subscript as the notation's a, z, b, W, δ are
    subscript_letters: frozenset[str] = frozenset()
    #: ``bar=gradient``: a bar over a letter is the derivative of this cost letter by it (v̄ = ∂C/∂v)
    bar_cost: str | None = None


DEFAULT_READING = Reading()

#: the relations that are checked: equalities, assignments, what is written as a definition,
#: and ≈ between decimals (equal to the digits shown: worked examples round with it)
CHECKED_OPS = ("=", "<-", ":=", "≡", "≜", "≈")
RELATION_CMDS = {
    "approx": "≈",
    "neq": "≠",
    "ne": "≠",
    "in": "∈",
    "notin": "∉",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "leftarrow": "<-",
    "gets": "<-",
    "equiv": "≡",
    "sim": "~",
    "simeq": "≃",
    "coloneqq": ":=",
    "triangleq": "≜",
    "propto": "∝",
    "subset": "⊂",
    "subseteq": "⊆",
    "lt": "<",
    "gt": ">",
    "Leftarrow": "⇐",
    "Rightarrow": "⇒",
    "to": "→",
    "rightarrow": "→",
    "mapsto": "↦",
}


@dataclass
class Chain:
    """``e0 op0 e1 op1 e2 …`` as written; positions of each expression and operator."""

    exprs: list[Node] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)


FUNCTIONS = {
    "sigma": "sigma",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "ln": "log",
    "max": "max",
    "min": "min",
    "Psi": "Psi",
    "psi": "Psi",
    "sinh": "sinh",
    "cosh": "cosh",
    "sech": "sech",
    "sin": "sin",
    "cos": "cos",
}
#: functions written as words (\operatorname{sech}, \text{sech}): the function of that name
WORD_FUNCTIONS = {
    "sech": "sech",
    "tanh": "tanh",
    "sigmoid": "logistic",
    "exp": "exp",
    "softmax": "softmax",
    "diag": "diag",
    "relu": "relu",
}


def word_function(body: str) -> str | None:
    """The function a word names, as authors capitalise it: ``\\text{ReLU}``, ``\\mathrm{Softmax}``,
    ``\\operatorname{relu}``, ``\\text{Sigmoid}``."""
    return WORD_FUNCTIONS.get(body.strip().lower())


GREEK_NAMES = {
    "delta",
    "Delta",
    "eta",
    "nabla",
    "alpha",
    "beta",
    "gamma",
    "epsilon",
    "lambda",
    "mu",
    "theta",
    "xi",
    "zeta",
    "omega",
    "phi",
    "varphi",
    "rho",
    "tau",
    "ell",
    "pi",
    "iota",
    "kappa",
    "nu",
}
#: macros met in real derivations that the notation does not have, and why (what to write)
REFUSED = {
    "Theta": "(Θ, a matrix of parameters) is not part of the notation: write the weights "
    "W^{(l)} and biases b^{(l)}, or say what it is (directive letters=weight:Theta)",
    "bar": "(a bar: a mean, a conjugate or a new name) is not part of the notation: name the "
    "quantity with a letter of its own, or, where v̄ is the cost's derivative ∂C/∂v (an "
    "error signal), say so (directive bar=gradient)",
    "lim": "(a limit) is not part of the notation: derivator checks identities, not limits",
    "pmatrix": "is plain TeX's matrix: write \\begin{pmatrix} … \\end{pmatrix}",
}
ELLIPSES = {"cdots", "ldots", "dots", "vdots", "ddots", "dotsb", "dotsc", "dotsm"}
MATRIX_ENVS = {
    "pmatrix",
    "bmatrix",
    "matrix",
    "vmatrix",
    "Bmatrix",
    "Vmatrix",
    "smallmatrix",
    "array",
}
TRANSPARENT_ENVS = {
    "aligned",
    "align",
    "align*",
    "split",
    "gathered",
    "gather",
    "gather*",
    "equation",
    "equation*",
    "alignedat",
    "multline",
    "multline*",
    "eqnarray",
    "eqnarray*",
}
LEFT_RIGHT = {
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "biggl",
    "biggr",
    "Biggl",
    "Biggr",
    "middle",
}
OPEN = {"(": ")", "[": "]", "{": "}"}


class Parser:
    def __init__(
        self, text: str, reading: Reading = DEFAULT_READING, lead: Node | None = None
    ) -> None:
        self.reading = reading
        #: the last expression of the previous block, which a block starting with = continues
        self.lead = lead
        self.text = text
        self.toks = tokenize(text, reading.words)
        self.k = 0
        self.depth = 0
        self.nesting = 0  # bracket nesting (separators count only at 0)
        self.norms = 0  # open ‖…‖
        self.excluded: Node | None = None  # the k ≠ j of the sum being read

    # ---- token helpers --------------------------------------------------------------------
    @property
    def tok(self) -> Tok:
        return self.toks[self.k]

    def peek(self, off: int = 1) -> Tok:
        return self.toks[min(self.k + off, len(self.toks) - 1)]

    def at(self, kind: str, text: str | None = None) -> bool:
        t = self.tok
        return t.kind == kind and (text is None or t.text == text)

    def eat(self, kind: str, text: str | None = None) -> Tok:
        t = self.tok
        if not self.at(kind, text):
            want = text if text is not None else kind
            got = t.text or "the end of the formula"
            raise ReadError(f"expected {want!r} but found {got!r}", t.pos)
        self.k += 1
        return t

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ReadError(f"nested more than {MAX_DEPTH} levels deep", self.tok.pos)

    # ---- relations ------------------------------------------------------------------------
    def relation_op(self) -> str | None:
        t = self.tok
        if t.kind == "ch" and t.text == "=":
            return "="
        if t.kind == "ch" and t.text in "<>" and not (t.text == "<" and self.peek().text == "-"):
            return t.text
        if (
            t.kind == "ch"
            and t.text == ":"
            and self.peek().kind == "ch"
            and self.peek().text == "="
        ):
            return ":="
        if t.kind == "cmd" and t.text in RELATION_CMDS:
            return RELATION_CMDS[t.text]
        return None

    def eat_relation(self) -> str:
        op = self.relation_op()
        assert op is not None
        self.k += 2 if op == ":=" and self.at("ch", ":") else 1
        return op

    def separator(self) -> str | None:
        """Top-level separators between relations (notation.md)."""
        t = self.tok
        if self.nesting:
            return None
        if t.kind == "ch" and t.text in ",;.":
            return t.text
        if t.kind == "cmd" and t.text in ("quad", "qquad"):
            return t.text
        if t.kind == "text" and word_function(t.text.split(":", 1)[1]) is None:
            return "text"
        if t.kind == "cmd" and t.text == "\\":
            return "newline"
        if t.kind == "ch" and t.text == "&":
            return "&"
        if t.kind == "cmd" and t.text in ("begin", "end") and self._env_ahead() in TRANSPARENT_ENVS:
            return "env"
        return None

    def _env_ahead(self) -> str:
        """The name in ``\\begin{name}`` at the current token, read without consuming it."""
        k, word = self.k + 1, ""
        if self.toks[k].text != "{":
            return ""
        k += 1
        while self.toks[k].kind in ("letter", "ch") and self.toks[k].text not in "}{":
            word += self.toks[k].text
            k += 1
        return word

    def skip_env(self) -> None:
        """``\\begin{aligned}`` and friends are transparent at the top level."""
        cmd = self.eat("cmd").text
        name = self.group_word()
        if name not in TRANSPARENT_ENVS:
            raise ReadError(f"\\{cmd}{{{name}}} cannot stand here", self.tok.pos)
        if name == "alignedat" and cmd == "begin" and self.at("ch", "{"):
            self.group_word()

    def group_word(self) -> str:
        self.eat("ch", "{")
        word = ""
        while not self.at("ch", "}"):
            t = self.tok
            if t.kind == "end":
                raise ReadError("unbalanced braces: { is never closed", t.pos)
            word += t.text
            self.k += 1
        self.eat("ch", "}")
        return word

    def chains(self) -> list[Chain]:
        """The relations of a block in reading order; ``\\\\`` followed by an operator continues."""
        self.toks = join_continued_rows(self.toks)
        out: list[Chain] = []
        current: Chain | None = None
        fresh_line = False
        while not self.at("end"):
            sep = self.separator()
            if sep is not None:
                if sep == "env":
                    self.skip_env()
                    continue
                if sep == "newline":
                    fresh_line = True
                elif sep != "&":
                    current, fresh_line = None, False
                self.k += 1
                continue
            if self.relation_op() is not None:
                if current is None and out and fresh_line:
                    current = out[-1]
                if current is None and self.relation_op() == "⇒":
                    self.k += 1  # "⇒ A = B" starts a new relation
                    continue
                if current is None and not out and self.lead is not None:
                    current = Chain([self.lead], [], [-1], [-1])  # continues the previous block
                    out.append(current)
                if current is None:
                    raise ReadError("a relation needs something on its left", self.tok.pos)
                fresh_line = False
                current.ops.append(self.eat_relation())
                while self.at("ch", "&"):  # eqnarray: a & = & b
                    self.k += 1
                start = self.tok.pos
                current.exprs.append(self.readable_expr())
                current.starts.append(start)
                current.ends.append(self.tok.pos)
                continue
            if self.at("ch", ")") or self.at("ch", "]") or self.at("ch", "}"):
                raise ReadError(
                    f"unbalanced brackets: {self.tok.text!r} closes nothing", self.tok.pos
                )
            start = self.tok.pos
            e = self.readable_expr()
            current = Chain([e], [], [start], [self.tok.pos])
            out.append(current)
            fresh_line = False
        for chain in out:
            chain.exprs = [_with_sum_indices(e, chain.exprs) for e in chain.exprs]
        return out

    def readable_expr(self) -> Node:
        """An expression of a chain, or :class:`Unread` with the reason, having skipped to where
        the next relation or row begins (a relation sign, ``\\\\`` or ``&`` outside brackets)."""
        k = self.k
        try:
            node = self.expr()
            _digits(node)  # a constant too big to work out is refused before any algebra
            return node
        except ReadError as e:
            self.depth = self.nesting = 0
            self.k = max(k, min(self.k, len(self.toks) - 1))
            if self.k == k and not self.at("end"):
                self.k += 1  # the expression failed on its first token: never stay in place
            level = 0
            while not self.at("end"):
                t = self.tok
                if t.kind == "ch" and t.text in "([{":
                    level += 1
                elif t.kind == "ch" and t.text in ")]}":
                    level = max(0, level - 1)
                elif level == 0 and (
                    self.relation_op() is not None
                    or (t.kind == "ch" and t.text == "&")
                    or (t.kind == "cmd" and t.text == "\\")
                    or (
                        t.kind == "cmd"
                        and t.text in ("begin", "end")
                        and self._env_ahead() in TRANSPARENT_ENVS
                    )
                ):
                    break
                self.k += 1
            return Unread(str(e), e.pos)

    # ---- expressions ----------------------------------------------------------------------
    def at_terminator(self) -> bool:
        t = self.tok
        if t.kind == "end" or self.relation_op() is not None or self.separator() is not None:
            return True
        if t.kind == "ch" and t.text in ")]}|&":
            return True
        if t.kind == "ch" and t.text == "," and self.nesting:
            return True  # arguments of \max(0, x), indices of a_{i,12}
        if t.kind == "cmd" and t.text in (
            "}",
            "\\",
            "over",
            "right",
            "end",
            "cap",
            "cup",
            "setminus",
        ):
            return True
        if t.kind == "cmd" and t.text == "|" and self.norms:
            return True  # the closing ‖ of a norm
        if t.kind == "cmd" and t.text in LEFT_RIGHT and t.text.endswith("r"):
            return True
        after = self.peek()  # \big) and \bigg] close a bracket as \bigr) does
        closing = (after.kind == "ch" and after.text in ")]") or (
            after.kind == "cmd" and after.text == "}"
        )
        return t.kind == "cmd" and t.text in LEFT_RIGHT and t.text != "left" and closing

    def expr(self) -> Node:
        self.deeper()
        pos = self.tok.pos
        terms: list[Node] = []
        sign = 1
        if self.at("ch", "+"):
            self.k += 1
        elif self.at("ch", "-"):
            self.k += 1
            sign = -1
        first = self.term()
        terms.append(Neg(first, pos) if sign < 0 else first)
        while self.at("ch", "+") or self.at("ch", "-"):
            p = self.tok.pos
            neg = self.signs()  # the operator and any sign after it: 0.05 + -0.02, a signed term
            t = self.term()
            terms.append(Neg(t, p) if neg else t)
        # set operations (∩, ∪) only appear in relations that are not checked: keep the left side
        while self.at("cmd") and self.tok.text in ("cap", "cup", "setminus"):
            self.k += 1
            self.term()
        self.depth -= 1
        return terms[0] if len(terms) == 1 else Add(terms, pos)

    def term(self) -> Node:
        self.deeper()
        pos = self.tok.pos
        factors: list[Node] = []
        hadamard = False
        groups: list[Node] = []  # factors before a ⊙, each a product of its own
        stars: list[int] = []
        while True:
            if self.at("cmd", "quad") or self.at("cmd", "qquad"):
                if not self.nesting and (factors or groups) and self._relation_ahead():
                    break  # a separator between relations: a = b \quad c = d
                self.k += 1  # a space inside a product (-1 \quad (y - a) \quad x), or before it
                continue
            if self.at_terminator() or self.at("ch", "+") or self.at("ch", "-"):
                break
            star = self.at("ch", "*") or self.at("cmd", "ast")  # \ast is the * written as a command
            if self.at("cmd", "cdot") or self.at("cmd", "times") or star:
                if star and factors:
                    stars.append(len(factors))
                self.k += 1
                if factors and (self.at("ch", "-") or self.at("ch", "+")):
                    factors.append(self.signed_factor())  # 0.1 * -1, 2 \cdot -3: a signed factor
                continue
            if self.at("cmd", "odot") or self.at("cmd", "circ"):
                # ⊙ binds looser than juxtaposition: Δ W ⊙ σ′(Z) is (Δ W) ⊙ σ′(Z)
                p = self.tok.pos
                self.k += 1
                if not factors:
                    raise ReadError("nothing on the left of ⊙", p)
                groups.append(factors[0] if len(factors) == 1 else Mul(factors, pos))
                factors, stars = [], []
                hadamard = True
                continue
            if self.at("ch", "/") or self.at("cmd", "oslash"):  # ⊘: entrywise division of matrices
                p = self.tok.pos
                self.k += 1
                if not factors:
                    raise ReadError("nothing to divide before /", p)
                den = self.factor()
                left = factors[0] if len(factors) == 1 else Mul(factors, pos, hadamard)
                factors, stars = [Div(left, den, p)], []
                continue
            if self.at("cmd", "sum") or self.at("cmd", "prod"):
                factors.append(self.sum())
                break  # a sum's (or a product's) body runs over the rest of the product
            if self.at("cmd", "partial"):
                factors.append(self.partial_slash())
                continue
            factors.append(self.factor())
        self.depth -= 1
        if not factors:
            t = self.tok
            raise ReadError(
                f"expected a term but found {t.text or 'the end of the formula'!r}", t.pos
            )
        last = factors[0] if len(factors) == 1 else Mul(factors, pos, stars=tuple(stars))
        if hadamard:
            return Mul(groups + [last], pos, True)
        return last

    def signed_factor(self) -> Node:
        """A factor after a product sign with its own sign, ``0.1 * -1`` or ``a \\cdot -b``: the
        sign belongs to the factor (0.1 · (−1)), not to a new term (0.1 − 1)."""
        p = self.tok.pos
        neg = self.signs()
        f = self.factor()
        return Neg(f, p) if neg else f

    def signs(self) -> bool:
        """Read a run of + and − signs; do they make a minus?"""
        neg = False
        while self.at("ch", "-") or self.at("ch", "+"):
            neg ^= self.tok.text == "-"
            self.k += 1
        return neg

    def _relation_ahead(self) -> bool:
        """Does a relation sign stand after the space at the current token, before the next
        separator or space at the top level?  Then the space separates two relations
        (``a = b \\quad c = d``); otherwise it only spaces out the factors of a product."""
        k, depth = self.k + 1, 0
        while self.toks[k].kind == "cmd" and self.toks[k].text in ("quad", "qquad"):
            k += 1  # \quad\quad is one space
        while k < len(self.toks) and self.toks[k].kind != "end":
            t = self.toks[k]
            if t.kind == "ch" and t.text in "([{":
                depth += 1
            elif t.kind == "ch" and t.text in ")]}":
                depth -= 1
                if depth < 0:
                    return False
            elif depth == 0:
                if _is_relation(self.toks, k):
                    return True
                if (t.kind == "ch" and t.text in ",;.&") or t.kind == "text":
                    return False
                if t.kind == "cmd" and t.text in ("quad", "qquad", "\\", "end", "begin"):
                    return False
            k += 1
        return False

    def sum(self) -> Node:
        """``\\sum`` or ``\\prod`` with its index, bounds and body (the rest of the product)."""
        product = self.at("cmd", "prod")
        pos = self.eat("cmd", "prod" if product else "sum").pos
        index, lower, upper, excluded = None, None, None, None
        more: list[str] = []
        for _ in range(2):
            if self.at("ch", "_"):
                self.k += 1
                self.excluded = None
                index, lower = self.sum_lower(more)
                excluded = self.excluded
            elif self.at("ch", "^"):
                self.k += 1
                upper = self.script()
        if index is None:
            if product:
                raise ReadError(
                    "a product needs its index: write \\prod_k x_k or \\prod_{k=1}^{n} x_k", pos
                )
            index = ""  # \sum w_{jk} δ_j: the index is the one the relation leaves bound (chains)
        self.deeper()
        if self.at("ch", "-"):  # \sum_{k \neq i} -p_k y_k: the sign belongs to the body
            p = self.eat("ch", "-").pos
            body: Node = Neg(self.term(), p)
        else:
            body = self.term()
        self.depth -= 1
        if product:
            for inner in reversed(more):  # \prod_{j,k} x = \prod_j \prod_k x
                body = ProdNode(inner, None, None, body, pos, None)
            return ProdNode(index, lower, upper, body, pos, excluded)
        for inner in reversed(more):  # \sum_{j,k} x = \sum_j \sum_k x
            body = SumNode(inner, None, None, body, pos, None)
        return SumNode(index, lower, upper, body, pos, excluded)

    def sum_lower(self, more: list[str]) -> tuple[str, Node | None]:
        """The index under a Σ and its lower bound; the further indices of ``\\sum_{j,k}`` (a
        sum over each, every one over its whole range) go to ``more``."""
        if self.at("letter"):
            return self.eat("letter").text + self.primes_text(), None
        self.eat("ch", "{")
        self.nesting += 1
        if not self.at("letter"):
            raise ReadError("a sum's index must be a letter", self.tok.pos)
        name = self.eat("letter").text + self.primes_text()
        lower = None
        while (
            self.at("ch", ",") and self.peek().kind == "letter" and self.peek(2).text in (",", "}")
        ):
            self.k += 1
            more.append(self.eat("letter").text)
        if self.at("cmd", "neq") or self.at("cmd", "ne"):
            self.k += 1
            self.excluded = self.expr()
        elif self.at("ch", "="):
            self.k += 1
            lower = self.expr()
        elif self.at("cmd", "in") and self.peek().kind == "text" and self.peek(2).text == "}":
            self.k += 2  # \sum_{k \in \text{outputs}}: over the whole range, as a named set
        self.nesting -= 1
        self.eat("ch", "}")
        return name, lower

    def primes_text(self) -> str:
        s = ""
        while self.at("ch", "'") or self.at("cmd", "prime"):
            self.k += 1
            s += "'"
        return s

    def partial_slash(self) -> Node:
        """``\\partial X / \\partial Y`` (notation.md)."""
        pos = self.eat("cmd", "partial").pos
        num = self.factor()
        if not self.at("ch", "/"):
            raise ReadError(
                "write ∂X/∂Y as \\frac{\\partial X}{\\partial Y} or \\partial X / \\partial Y", pos
            )
        self.k += 1
        marked, start = self.partial_below()
        den = self.factor()
        if not marked:
            raise self.unmarked(start)
        return Partial(num, den, pos)

    def partial_below(self) -> tuple[bool, int]:
        """Whether the denominator after ``/`` or ``\\over`` starts with ∂ (it is eaten), and
        where that denominator starts."""
        marked = self.at("cmd", "partial")
        if marked:
            self.k += 1
        return marked, self.tok.pos

    def unmarked(self, start: int, end: int | None = None) -> ReadError:
        """``\\frac{\\partial C}{z_j}``: ∂C divided by z_j as written, not the partial ∂C/∂z_j.
        An author may mean the partial, but a reader cannot tell it from a slip that changes
        the claim (docs/soundness.md, "A partial needs ∂ in its denominator"), so it is never
        read leniently.  ``start``/``end``: the denominator's place in the formula (``end``
        defaults to where the parser stands, just after it)."""
        stop = self.tok.pos if end is None else end
        written = " ".join(self.text[start:stop].split()) or "the variable"
        return ReadError(
            f"the denominator of a partial needs ∂: write \\partial {written} (as written it is "
            "∂ of the numerator divided by it, not a partial derivative)",
            start,
        )

    def factor(self) -> Node:
        self.deeper()
        node = self.primary()
        if (
            isinstance(node, Var) and node.transposed and node.sub and len(node.sub) == 2
        ):  # W^{(L)T}_{kj}: entry (k, j) of the transpose is entry (j, k)
            node.transposed = False
            node.sub = node.sub[::-1]
            node.sub_raw = ",".join(x.name or "" for x in node.sub)
        if isinstance(node, Var) and node.transposed:  # A^{(l)\top}
            node.transposed = False
            node = Transpose(node, node.pos)
        while True:
            if self.at("ch", "'") or self.at("cmd", "prime"):
                p = self.tok.pos
                self.k += 1
                if isinstance(node, Group):
                    node = PrimeOf(node.body, p)
                elif isinstance(node, Var):
                    node.primes += 1
                else:
                    raise ReadError("a prime here has no meaning: write σ'(x) or (…)'", p)
                continue
            if self.at("ch", "^"):
                p = self.tok.pos
                self.k += 1
                if (
                    self.at("letter", "T")
                    or self.at("cmd", "top")
                    or self.at("cmd", "intercal")
                    or _is_transpose_word(self.tok)
                ):
                    self.k += 1
                    node = Transpose(node, p)
                    continue
                exp = self.script()
                if isinstance(exp, Var) and exp.name in ("top", "T") and not exp.sub:
                    node = Transpose(node, p)
                elif isinstance(exp, Var) and exp.name == "prime":
                    node = PrimeOf(node.body, p) if isinstance(node, Group) else node
                else:
                    node = Pow(node, exp, p)
                continue
            if self.at("ch", "_") and isinstance(node, Group) and node.bracket in "([":
                p = self.eat("ch", "_").pos
                sub, _ = self.subscript()
                if len(sub) > 2 or any(x.name is None for x in sub):
                    raise ReadError(
                        "a subscript on a bracket is an entry of a vector or matrix expression: "
                        "one or two index letters, (W^{(L)T}\\delta^{(L)})_k",
                        p,
                    )
                node = Entry(node.body, sub, p)
                continue
            if self.at("ch", "_") and isinstance(node, Group):
                raise ReadError("a subscript on a bracket has no meaning here", self.tok.pos)
            break
        self.depth -= 1
        return node

    def script(self) -> Node:
        """The argument of ^ or _: a braced group or a single token."""
        if self.at("ch", "{"):
            p = self.eat("ch", "{").pos
            self.nesting += 1
            if self.at("cmd", "prime"):
                self.k += 1
                self.nesting -= 1
                self.eat("ch", "}")
                return Var("prime", None, None, 0, p)
            if (
                self.at("cmd", "top")
                or self.at("cmd", "intercal")
                or (
                    (self.at("letter", "T") or _is_transpose_word(self.tok))
                    and self.peek().text == "}"
                )
            ):
                self.k += 1
                self.nesting -= 1
                self.eat("ch", "}")
                return Var("top", None, None, 0, p)
            body = self.expr()
            self.nesting -= 1
            self.eat("ch", "}")
            return body
        t = self.tok
        if t.kind == "num":
            self.k += 1
            if len(t.text) > 1 and "." not in t.text:  # x^23 means x^2·3 in TeX: be strict
                self.k -= 1
                self.toks[self.k] = Tok("num", t.text[0], t.pos)
                self.toks.insert(self.k + 1, Tok("num", t.text[1:], t.pos + 1))
                self.k += 1
            return Num(self.toks[self.k - 1].text, t.pos)
        if t.kind == "letter":
            self.k += 1
            return Var(t.text, None, None, 0, t.pos)
        if t.kind == "cmd" and t.text in ("prime", "top"):
            self.k += 1
            return Var(t.text, None, None, 0, t.pos)
        if t.kind == "cmd":
            return self.primary()
        raise ReadError(
            f"expected a superscript or subscript but found {t.text or 'the end'!r}", t.pos
        )

    # ---- primaries ------------------------------------------------------------------------
    def primary(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.k += 1
            return Num(t.text, t.pos)
        if t.kind == "letter":
            return self.var(t.text)
        if t.kind == "ch" and t.text in "([":
            return self.bracket(t.text, OPEN[t.text])
        if t.kind == "ch" and t.text == "{":
            return self.brace_group()
        if t.kind == "ch" and t.text == "|":
            raise ReadError("absolute values |…| are not part of the notation", t.pos)
        if t.kind == "cmd":
            return self.command()
        named = word_function(t.text.split(":", 1)[1]) if t.kind == "text" else None
        if named is not None:
            return self.call(named)  # \operatorname{sech}, \text{ReLU}
        if t.kind == "text":
            raise ReadError("\\text{…} inside a formula term", t.pos)
        if t.kind == "end":
            raise ReadError("the formula ends too early", t.pos)
        if t.kind == "bad":
            raise ReadError(t.text, t.pos)
        raise ReadError(f"unexpected {t.text!r}", t.pos)

    def bracket(self, open_: str, close: str, pos: int | None = None) -> Node:
        p = self.tok.pos if pos is None else pos
        self.k += 1
        self.nesting += 1
        self.deeper()
        body = self.expr()
        if open_ == "[" and self.at("ch", ","):
            # [1, 2], [0.8808, 0.9084]: a row vector written out, entries apart by commas
            row = [body]
            while self.at("ch", ","):
                self.k += 1
                row.append(self.expr())
            body = Matrix([row], p)
        iverson = None
        if open_ == "[" and self.at(
            "ch", "="
        ):  # [j = k]: 1 when the indices agree (our printer's δ_jk)
            self.k += 1
            iverson = self.expr()
        if open_ == "(" and iverson is None and self.at("ch", ","):
            items = [body]  # f(x, y): a function's arguments
            while self.at("ch", ","):
                self.k += 1
                items.append(self.expr())
            body = Args(items, p)
        self.depth -= 1
        self.nesting -= 1
        if self.at("cmd") and self.tok.text in LEFT_RIGHT:
            self.k += 1
        t = self.tok
        if not ((t.kind == "ch" and t.text == close) or (t.kind == "cmd" and t.text == close)):
            raise ReadError(
                f"unbalanced brackets: expected {close!r} but found {t.text or 'the end'!r}", t.pos
            )
        self.k += 1
        if iverson is not None:
            return Iverson(body, iverson, p)
        return Group(body, open_, p)

    def brace_group(self) -> Node:
        p = self.eat("ch", "{").pos
        self.nesting += 1
        self.deeper()
        if self.at("ch", "}"):
            raise ReadError("an empty group {}", p)
        if self.at("cmd", "partial") and self._over_ahead():
            # {\partial X \over \partial Y}
            self.k += 1
            num = self.expr()
            self.eat("cmd", "over")
            marked, start = self.partial_below()
            den = self.expr()
            if not marked:
                raise self.unmarked(start)
            self.depth -= 1
            self.nesting -= 1
            self.eat("ch", "}")
            return Partial(num, den, p)
        first = self.expr()
        if self.at("cmd", "over"):
            self.k += 1
            den = self.expr()
            node: Node = Div(first, den, p)
        else:
            node = Group(first, "{", p)
        self.depth -= 1
        self.nesting -= 1
        if not self.at("ch", "}"):
            raise ReadError(
                f"unbalanced braces: expected '}}' but found {self.tok.text or 'the end'!r}",
                self.tok.pos,
            )
        self.k += 1
        return node

    def _over_ahead(self) -> bool:
        """Is there an ``\\over`` at the top level of the current brace group?"""
        depth = 0
        for t in self.toks[self.k :]:
            if t.kind == "end":
                return False
            if t.kind == "ch" and t.text in "{([":
                depth += 1
            elif t.kind == "ch" and t.text in "})]":
                if depth == 0:
                    return False
                depth -= 1
            elif depth == 0 and t.kind == "cmd" and t.text == "over":
                return True
        return False

    def var(self, name: str, pos: int | None = None) -> Var:
        p = self.tok.pos if pos is None else pos
        self.k += 1
        return self.scripts(Var(name, None, None, 0, p))

    def scripts(self, v: Var) -> Var:
        """Subscripts, layer tags and primes of a letter, in any order."""
        for _ in range(5):
            if self.at("ch", "^") and self._updated_mark():
                # w_5^{+}, w^+: the value after an update, a name of its own (no power: a
                # quantity raised to "+" means nothing)
                v.name += "^{+}"
            elif self.at("ch", "_") and v.sub is None:
                self.k += 1
                v.sub, v.sub_raw = self.subscript()
            elif (
                self.at("ch", "{")
                and self.peek().kind == "ch"
                and self.peek().text == "_"
                and v.sub is None
            ):
                # \delta{_2}: a subscript written inside braces, the same subscript
                self.k += 2
                v.sub, v.sub_raw = self.subscript()
                self.eat("ch", "}")
            elif self.at("ch", "^") and v.tag is None and self._tag_ahead():
                self.k += 1
                v.tag, v.transposed = self.tag_script()
            elif self.at("ch", "^") and v.tag is None and v.sample is None and self._author_tag(v):
                continue
            elif self.at("ch", "(") and v.name in self.reading.call_letters and v.args is None:
                start = self.tok.pos
                self._skip_bracket()
                v.args = self.text[start + 1 : self.toks[self.k - 1].pos]
            elif self.at("ch", "'") or self.at("cmd", "prime"):
                self.k += 1
                v.primes += 1
            elif (
                self.at("ch", "^")
                and self.peek().kind == "ch"
                and self.peek().text == "{"
                and self.peek(2).kind == "cmd"
                and self.peek(2).text == "prime"
            ):
                self.k += 2
                self.k += 1
                self.eat("ch", "}")
                v.primes += 1
            else:
                break
        if self.reading.subscript_layers:
            _layer_from_subscript(v, self.reading.subscript_letters | self._applied_function(v))
        return v

    def _applied_function(self, v: Var) -> frozenset[str]:
        """``\\phi_1(u_1)``, ``f_2(z_2)``: under layers numbered in the subscript, a function's
        letter applied to a bracket with a number for subscript is written for that layer, as
        the quantities are (never a cost letter, J_1(W) is a cost of its own)."""
        if (
            self.at("ch", "(")
            and ((len(v.name) == 1 and v.name.islower()) or v.name in FUNCTION_GREEK)
            and v.name not in self.reading.call_letters
        ):
            return frozenset({v.name})
        return frozenset()

    def _updated_mark(self) -> bool:
        """At a ``^``: is it ``^+`` or ``^{+}``, the mark of an updated value?  Consumes it."""
        if self.peek().kind == "ch" and self.peek().text == "+":
            self.k += 2
            return True
        if (
            self.peek().kind == "ch"
            and self.peek().text == "{"
            and self.peek(2).kind == "ch"
            and self.peek(2).text == "+"
            and self.peek(3).kind == "ch"
            and self.peek(3).text == "}"
        ):
            self.k += 4
            return True
        return False

    def _skip_bracket(self) -> None:
        """Step over a balanced ``( … )`` (the arguments of ``J(W,b;x,y)``, kept as text only)."""
        depth = 0
        while True:
            t = self.tok
            if t.kind == "end":
                raise ReadError("unbalanced brackets: ( is never closed", t.pos)
            self.k += 1
            if t.kind == "ch" and t.text in "([{":
                depth += 1
            elif t.kind == "ch" and t.text in ")]}":
                depth -= 1
                if depth == 0:
                    return

    def _author_tag(self, v: Var) -> bool:
        """Layer tags as other authors write them, read at a ``^``: ``a^l``, ``\\delta^L``, ``a^{L-1}``,
        ``w^{l+1}``, ``a^{[l]}``, ``a^{[l](i)}`` (Ng), ``x^{(i)}`` (a sample), ``z^{(n_l)}`` (UFLDL's
        output layer), and digits under ``layer-tags=superscript``.  A letter raised to the power
        L or l, or to (i), means nothing in a derivation, so reading these as tags takes no power
        away; ``e`` is never tagged.  Consumes the superscript and returns True when it is a tag."""
        if v.name == "e":
            return False
        toks, k = self.toks, self.k + 1
        if self._counter(toks[k]):
            v.tag = self._counter(toks[k])
            self.k = k + 1
            return True
        if toks[k].kind == "num" and self.reading.digit_tags:
            v.tag = toks[k].text
            self.k = k + 1
            return True
        if not (toks[k].kind == "ch" and toks[k].text == "{"):
            return False
        end = k + 1
        while toks[end].kind != "end" and not (toks[end].kind == "ch" and toks[end].text in "{}"):
            end += 1
        if toks[end].text != "}":
            return False
        inner = "".join(
            "l" if t.kind == "cmd" and t.text == "ell" else t.text for t in toks[k + 1 : end]
        )
        if self.reading.layer_letter:
            inner = _as_l(inner, self.reading.layer_letter)
        m = _AUTHOR_TAG.fullmatch(inner)
        if m is None or not (
            m.group("bare") or m.group("ng") or m.group("sample") or m.group("paren")
        ):
            return False
        if m.group("bare") and m.group("bare").isdigit() and not self.reading.digit_tags:
            return False
        tag = m.group("bare") or m.group("ng") or m.group("paren")
        if tag is not None:
            v.tag = output_tag(tag)
        v.sample = m.group("sample")
        if m.group("after") in ("T", "top"):
            v.transposed = True  # W^{[l]T}
        elif m.group("after"):
            v.primes += 1  # g^{[l]\prime}
        self.k = end + 1
        return True

    def _tag_ahead(self) -> bool:
        """``^{(…)}`` whose content reads as a layer tag: L, L-1, l+1, 3."""
        if not (self.peek().kind == "ch" and self.peek().text == "{" and self.peek(2).text == "("):
            return False
        k = self.k + 3
        toks = self.toks
        if self._counter(toks[k]):
            k += 1
            if toks[k].kind == "ch" and toks[k].text in "+-":
                k += 1
                if toks[k].kind != "num":
                    return False
                k += 1
        elif toks[k].kind == "num":
            k += 1
        else:
            return False
        if toks[k].text != ")":
            return False
        nxt = toks[k + 1]
        return nxt.text == "}" or (
            (
                (nxt.kind == "cmd" and nxt.text in ("top", "intercal"))
                or (nxt.kind == "letter" and nxt.text == "T")
                or _is_transpose_word(nxt)
            )
            and toks[k + 2].text == "}"
        )

    def _layer_letter(self, text: str) -> bool:
        """Is this the letter the document counts its layers with, other than l (``a^m``)?"""
        return bool(self.reading.layer_letter) and text == self.reading.layer_letter

    def _counter(self, tok: Tok) -> str:
        """The layer counter a token writes in a superscript, as the notation's letter: L, l,
        ``\\ell`` (the script l, the same letter: Thill's ``z_i^{(\\ell)}``) and the document's
        own layer letter (``a^m``) are l; "" for anything else."""
        if tok.kind == "letter" and tok.text in "Ll":
            return tok.text
        if (tok.kind == "cmd" and tok.text == "ell") or (
            tok.kind == "letter" and self._layer_letter(tok.text)
        ):
            return "l"
        return ""

    def tag_script(self) -> tuple[str, bool]:
        """The tag of ``^{(L-1)}``, and whether a transpose follows inside: ``^{(L-1)\top}``."""
        self.eat("ch", "{")
        self.eat("ch", "(")
        s = ""
        while not self.at("ch", ")"):
            s += self._counter(self.tok) or self.tok.text
            self.k += 1
        self.eat("ch", ")")
        transposed = False
        if (
            self.at("cmd", "top")
            or self.at("cmd", "intercal")
            or self.at("letter", "T")
            or _is_transpose_word(self.tok)
        ):
            self.k += 1
            transposed = True
        self.eat("ch", "}")
        return s, transposed

    def subscript(self) -> tuple[list[Index], str]:
        """Indices: each character one index; commas separate multi-character ones; ``(k-1)``
        is an expression index; ``{(L-1)}`` is a layer tag (kept raw for the width n_{(L-1)})."""
        start = self.tok.pos
        if not self.at("ch", "{"):
            return self._unbraced_subscript()
        self.eat("ch", "{")
        self.nesting += 1
        raw_start = self.tok.pos
        items: list[Index] = []
        inside = self._group_tokens()
        # \\ell is the letter l in another typeface, here too (d_{\\ell+1}: a width)
        spelled = "".join("l" if t.kind == "cmd" and t.text == "ell" else t.text for t in inside)
        layer = _LAYER_SUBSCRIPT.fullmatch(spelled) is not None and len(inside) == 3
        if layer:
            # s_{l+1}, n_{L-1}: a layer named in a subscript (UFLDL's width s_{l+1})
            self.k += 3
            items.append(Index(None, Var(spelled, None, None, 0, inside[0].pos), inside[0].pos))
        elif any(t.kind == "ch" and t.text == "_" for t in inside):
            p = self.tok.pos  # p_{y_i}: an index with a subscript of its own (interpret reports it)
            items.append(Index(None, self.expr(), p))
        elif any(t.kind == "ch" and t.text == "," for t in inside):
            items = self._comma_indices()
        else:
            items = self._letter_indices(start)
        raw = spelled if layer else self.text[raw_start : self.tok.pos]
        self.nesting -= 1
        self.eat("ch", "}")
        return items, raw.strip()

    def _unbraced_subscript(self) -> tuple[list[Index], str]:
        """a_j, w_12: one letter (with its primes), or a number whose digits are each an index."""
        t = self.tok
        if t.kind == "num":
            self.k += 1
            if len(t.text) > 1:
                return [Index(d, None, t.pos + m) for m, d in enumerate(t.text)], t.text
            return [Index(t.text, None, t.pos)], t.text
        if t.kind == "letter":
            self.k += 1
            return [Index(t.text + self.primes_text(), None, t.pos)], t.text
        raise ReadError(f"expected an index after _ but found {t.text or 'the end'!r}", t.pos)

    def _comma_indices(self) -> list[Index]:
        """w_{j,k}, a_{i,k-1}: indices separated by commas, each a letter or an expression."""
        items = []
        while True:
            p = self.tok.pos
            e = self.expr()
            if isinstance(e, Var) and e.sub is None and e.tag is None:
                items.append(Index(e.name, None, p))
            else:
                items.append(Index(None, e, p))
            if not self.at("ch", ","):
                return items
            self.k += 1

    def _letter_indices(self, start: int) -> list[Index]:
        """w_{jk}, δ_{i·}, w_{(k-1)j}: each letter, digit, Greek letter or bracket one index, up
        to the closing brace."""
        items: list[Index] = []
        while not self.at("ch", "}"):
            t = self.tok
            if t.kind == "num":
                self.k += 1
                items += [Index(d, None, t.pos + m) for m, d in enumerate(t.text) if d != "."]
            elif t.kind == "letter":
                self.k += 1
                items.append(Index(t.text + self.primes_text(), None, t.pos))
            elif t.kind == "ch" and t.text == "(":
                g = self.bracket("(", ")")
                items.append(Index(None, g, t.pos))
            elif t.kind == "cmd" and t.text in GREEK_NAMES:
                self.k += 1
                items.append(Index(t.text, None, t.pos))
            elif t.kind == "cmd" and t.text in ("cdot", "odot", "ast"):
                self.k += 1
                items.append(Index("·", None, t.pos))  # Δ_{i·}: row i
            elif t.kind == "cmd" and t.text in WRAPPERS and self._styled_index_ahead():
                # w_{\mathbf{j}k}: a letter in bold or italic is the same index letter
                self.k += 1
                braced = self.at("ch", "{")
                self.k += braced
                letter = self.eat("letter")
                if braced:
                    self.eat("ch", "}")
                items.append(Index(letter.text + self.primes_text(), None, letter.pos))
            elif t.kind == "end":
                raise ReadError("unbalanced braces: { is never closed", start)
            else:
                what = f"\\{t.text}" if t.kind == "cmd" else repr(t.text)
                raise ReadError(
                    f"{what} cannot stand in a subscript: a subscript holds index letters "
                    "(a_{\\rm in} is a name, not an index)",
                    t.pos,
                )
        return items

    def _styled_index_ahead(self) -> bool:
        """``\\mathbf{j}`` or ``\\bm j`` at the current token: one letter in a style."""
        if self.peek().kind == "letter":
            return True
        return (
            self.peek().kind == "ch"
            and self.peek().text == "{"
            and self.peek(2).kind == "letter"
            and self.peek(3).kind == "ch"
            and self.peek(3).text == "}"
        )

    def _group_tokens(self) -> list[Tok]:
        """The tokens up to the ``}`` that closes the current group (top level of the group)."""
        out, depth, k = [], 0, self.k
        while k < len(self.toks):
            t = self.toks[k]
            if t.kind == "end":
                break
            if t.kind == "ch" and t.text in "{([":
                depth += 1
            elif t.kind == "ch" and t.text in "})]":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0:
                out.append(t)
            k += 1
        return out

    def command(self) -> Node:
        """A macro: a fraction, a bracket, a function, a letter or wrapper of the notation, or an
        error that says what to write instead."""
        t = self.tok
        name = t.text
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            return self.frac()
        if name in LEFT_RIGHT:
            return self.sized_bracket(t)
        if name == "{":
            return self.bracket("{", "}")
        if name in ELLIPSES:
            self.k += 1
            return Ellipsis_(t.pos)
        if name in FUNCTIONS:
            return self.call(FUNCTIONS[name], layered=FUNCTIONS[name] == "sigma")
        if name == "nabla" and self.peek().kind == "ch" and self.peek().text == "_":
            return self.gradient_of(t)
        if name == "|":
            return self.norm(t)
        if name in STYLED:
            return self.styled_letter(t)
        if name == "nabla":
            return self.nabla_matrix(t)
        if name in GREEK_NAMES:
            return self.var(name)
        if name in WRAPPERS:
            return self.wrapped_letter(name)
        if name == "hat":
            return self.hat(t.pos)
        if name == "dot":
            return self.dotted(t.pos)
        if name == "bar" and self.reading.bar_cost is not None:
            return self.bar(t.pos, self.reading.bar_cost)
        if name in self.reading.words:  # a command the document declares (letters=weight:Theta)
            return self.var(name)
        if name == "begin":
            return self.environment()
        raise self.not_in_notation(t)

    def sized_bracket(self, t: Tok) -> Node:
        """``\\left( … \\right)`` and its kin: the size changes nothing; ``\\left.`` opens nothing."""
        self.k += 1
        d = self.tok
        if d.kind == "ch" and d.text in "([":
            return self.bracket(d.text, OPEN[d.text], t.pos)
        if d.kind == "cmd" and d.text == "{":
            return self.bracket("{", "}", t.pos)
        if d.kind == "cmd" and d.text == "|":
            return self.command()
        if d.kind == "ch" and d.text == ".":
            self.k += 1
            return self.primary()
        raise ReadError(f"\\{t.text} must be followed by a bracket", d.pos)

    def gradient_of(self, t: Tok) -> Node:
        """∇_a C, ∇_{W^{(l)}} J: the gradient of what follows with respect to the subscript."""
        self.k += 2
        wrt = self.script()
        self.deeper()
        of = self.factor()
        self.depth -= 1
        return Nabla(of, wrt, t.pos)

    def norm(self, t: Tok) -> Node:
        """``\\| v \\|``: a vector's norm."""
        self.k += 1
        self.nesting += 1
        self.norms += 1
        body = self.expr()
        self.norms -= 1
        self.nesting -= 1
        if self.at("cmd", "right"):
            self.k += 1
        self.eat("cmd", "|")
        return Norm(body, t.pos)

    def styled_letter(self, t: Tok) -> Node:
        """``\\mathcal{L}`` and the other styles of one letter: a name of its own."""
        self.k += 1
        braced = self.at("ch", "{")
        if braced:
            self.k += 1
        if not self.at("letter"):
            raise ReadError(f"\\{t.text}{{…}} must hold one letter", self.tok.pos)
        letter = self.eat("letter").text
        if braced:
            self.eat("ch", "}")
        return self.scripts(Var(f"\\mathcal{{{letter}}}", None, None, 0, t.pos))

    def nabla_matrix(self, t: Tok) -> Node:
        """``\\nabla W``, ``\\nabla b``: the gradient matrix (vector) of a layer's parameters."""
        self.k += 1
        if not self.at("letter") or self.tok.text not in "WBwb":
            raise ReadError("\\nabla must be followed by W or B", self.tok.pos)
        letter = self.tok.text.upper()
        return self.var("nabla " + letter, t.pos)

    def wrapped_letter(self, name: str) -> Node:
        """``\\mathbf{a}``, ``\\bm{a}^l_j``: the letter inside (vectors in bold are still a);
        a bold ``\\mathbf{1}`` (``\\boldsymbol{1}``) is the vector of ones (Y𝟏: row sums)."""
        self.k += 1
        v = self._wrapped(name)
        return v if v.name == "ones" else self.scripts(v)  # the scripts stand outside the braces

    def _wrapped(self, name: str) -> Var:
        """What one style command holds: a letter, a bold 1, or another style over them
        (``\\boldsymbol{\\mathbf{W}}``, as a document's ``\\vec`` macro expands); TeX's single
        unbraced token (``\\vec\\delta``) as well as a braced one."""
        braced = self.at("ch", "{")
        if braced:
            self.k += 1
        if name in BOLD and self.at("num", "1"):
            v = Var("ones", None, None, 0, self.eat("num").pos)
        elif self.at("cmd") and self.tok.text in WRAPPERS:
            self.k += 1
            self.deeper()
            v = self._wrapped(self.toks[self.k - 1].text)
            self.depth -= 1
        elif braced and (self.at("letter") or (self.at("cmd") and self.tok.text in GREEK_NAMES)):
            v = self.var(self.tok.text)
        elif self.at("letter") or (self.at("cmd") and self.tok.text in GREEK_NAMES):
            v = Var(self.tok.text, None, None, 0, self.tok.pos)  # one token: its scripts outside
            self.k += 1
        else:
            raise ReadError(f"\\{name}{{…}} must hold one letter", self.tok.pos)
        if braced:
            self.eat("ch", "}")
        return v

    def not_in_notation(self, t: Tok) -> ReadError:
        """The error for a macro the notation does not have, saying what to write instead."""
        name = t.text
        if name == "Sigma":
            return ReadError(
                "\\Sigma'(z) (the diagonal matrix of σ′(z_j)) is not part of the notation: Σ′(z) v is "
                "written σ′(z) ⊙ v",
                t.pos,
            )
        if name == "mathbb":
            return ReadError(
                "\\mathbb{…} (an indicator 𝟙(…) or a number set) is not part of the notation; with "
                "one-hot targets (targets=one-hot) the indicator 𝟙(y_i = k) is y_{ik}",
                t.pos,
            )
        if name == "partial":
            return ReadError(
                "a lone ∂: write \\frac{\\partial X}{\\partial Y} or \\partial X / \\partial Y",
                t.pos,
            )
        if name == "sum":
            return ReadError("a sum cannot stand here", t.pos)
        if name in REFUSED:
            return ReadError(f"\\{name} {REFUSED[name]}", t.pos)
        if name == "prod":
            return ReadError("a product cannot stand here", t.pos)
        return ReadError(f"unknown macro \\{name}", t.pos)

    def dotted(self, pos: int) -> Node:
        """``\\dot{f}^m(n^m)``: Newton's dot over a function's letter is its derivative (Hagan
        writes the derivative of layer m's function so), read as the prime f′; only over one
        letter, whose own reading then says whether it is a function."""
        self.k += 1
        braced = self.at("ch", "{")
        if braced:
            self.k += 1
        t = self.tok
        if not (t.kind == "letter" and len(t.text) == 1):
            raise ReadError(
                "\\dot is read over one letter, a function's derivative: \\dot{f}^m(n^m) is f′", pos
            )
        self.k += 1
        if braced:
            self.eat("ch", "}")
        return self.scripts(Var(t.text, None, None, 1, pos))

    def hat(self, pos: int) -> Node:
        """``\\hat{\\delta}^L``, ``\\hat{a}^L``: a vector, for authors who mark vectors with a hat
        (Hjorth-Jensen).  ``\\hat{y}`` is the network's prediction in other texts, never the target y, so
        a hat is read only on the letters of the network's vectors and matrices."""
        self.k += 1
        braced = self.at("ch", "{")
        if braced:
            self.k += 1
        inner = self.tok.text
        if self.at("letter") and inner not in HATTED and len(inner) == 1:
            # ŷ_k, \\hat{y_k}: a name of the document's own (a prediction, in most texts), which
            # means what the document's definitions make it (``y_k = σ(…)`` gives it a role)
            # and is refused as an unknown quantity otherwise; never the letter without its hat
            v = self.var(f"\\hat{{{inner}}}", pos)  # errors on it point at the hat
        elif not (self.at("letter") or self.at("cmd")) or inner not in HATTED:
            raise ReadError(
                f"\\hat{{{inner}}}: a hat is read only on {', '.join(sorted(HATTED))} (a vector) "
                "and on a letter of the document's own (ŷ, defined by its forward pass)",
                pos,
            )
        else:
            v = self.var(inner)
        if braced:
            self.eat("ch", "}")
        return self.scripts(v)

    def bar(self, pos: int, cost: str) -> Node:
        """``\\bar{y}``, ``\\bar{w}_{jk}`` under ``bar=gradient``: the cost's derivative by the
        quantity, ∂C/∂v (the "error signal" notation): a partial like any other."""
        self.k += 1
        braced = self.at("ch", "{")
        if braced:
            self.k += 1
        inner = self.tok.text
        if not (self.at("letter") or (self.at("cmd") and inner in GREEK_NAMES)):
            raise ReadError(
                f"\\bar{{{inner}}}: with bar=gradient a bar is read over a letter (v̄ = ∂C/∂v)", pos
            )
        v = self.var(inner)
        if braced:
            self.eat("ch", "}")
        return Partial(Var(cost, None, None, 0, pos), self.scripts(v), pos)

    def skip_environment(self) -> None:
        """Move past the \\end that closes the environment just opened (nested ones included)."""
        level = 1
        while not self.at("end") and level:
            if self.at("cmd", "begin"):
                level += 1
            elif self.at("cmd", "end"):
                level -= 1
            self.k += 1
        if not level and self.at("ch", "{"):
            self.group_word()

    def environment(self) -> Node:
        p = self.eat("cmd", "begin").pos
        env = self.group_word()
        if env not in MATRIX_ENVS:
            self.skip_environment()  # one error for the whole environment: its rows are not relations
            raise ReadError(
                f"environment {env} is not part of the notation"
                + (": write each case as a relation of its own" if env == "cases" else ""),
                p,
            )
        if env == "array" and self.at("ch", "{"):
            self.group_word()
        rows: list[list[Node]] = [[]]
        self.nesting += 1
        while True:
            if self.at("cmd", "end"):
                self.k += 1
                if self.group_word() != env:
                    raise ReadError(f"\\begin{{{env}}} closed by another \\end", self.tok.pos)
                break
            if self.at("end"):
                raise ReadError(f"\\begin{{{env}}} is never closed", p)
            if self.at("ch", "&"):
                self.k += 1
                continue
            if self.at("cmd", "\\"):
                self.k += 1
                rows.append([])
                continue
            rows[-1].append(self.expr())
        self.nesting -= 1
        return Matrix([r for r in rows if r], p)

    def call(self, func: str, layered: bool = False) -> Node:
        """A function applied: its primes, a power, its arguments.  A layer raised on its name is
        read; only σ (``layered``) becomes that layer's function, σ^{(l)}: a named function,
        ``\\tanh^{(k)}``, ``\\text{Sigmoid}^{(k)}``, is that function at whichever layer."""
        pos = self.tok.pos
        self.k += 1
        primes = 0
        while True:
            if self.at("ch", "'") or self.at("cmd", "prime"):
                self.k += 1
                primes += 1
            elif self.at("ch", "^") and self.peek().text == "{" and self.peek(2).text == "prime":
                self.k += 3
                self.eat("ch", "}")
                primes += 1
            elif self.at("ch", "^") and self.peek().kind == "cmd" and self.peek().text == "prime":
                self.k += 2
                primes += 1
            else:
                break
        tag = self._function_tag()
        if tag is not None:
            primes += tag[1]
        power = self._function_power()
        if self.at("cmd") and self.tok.text in LEFT_RIGHT:
            self.k += 1
        if (
            self.at("ch", "(")
            and self.peek().kind == "cmd"
            and self.peek().text in ("cdot", "bullet", "odot")
            and self.peek(2).text == ")"
        ):
            shown = {"sigma": "σ", "Psi": "Ψ"}.get(func, func)
            raise ReadError(
                f"{shown}(·) names the function, not a value: write it applied, {shown}(z^{{(L)}})"
                + (", or its entries e^{z_j} / \\sum_k e^{z_k}" if func == "softmax" else ""),
                pos,
            )
        if self.at("ch", "(") or self.at("ch", "[") or self.at("cmd", "{"):
            close = OPEN[self.tok.text]  # \max\{0, z\}: braces as brackets
            self.k += 1
            self.nesting += 1
            args = [self.expr()]
            while self.at("ch", ","):
                self.k += 1
                args.append(self.expr())
            self.nesting -= 1
            if self.at("cmd") and self.tok.text in LEFT_RIGHT:
                self.k += 1
            self.eat("cmd" if close == "}" else "ch", close)
        elif self.at("ch", "{"):
            args = [self.brace_group()]
        elif self.at("cmd", "sum") or self.at("cmd", "prod"):  # \log \sum_k e^{z_k}: the argument
            self.deeper()
            args = [self.sum()]
            self.depth -= 1
        else:
            args = [self.factor()]
        if func == "softmax" and self.at("ch", "_"):
            args = [self._softmax_entry(args)]
        layer = tag[0] if tag is not None and layered else None
        if power is not None:  # \tanh^2(z) is (\tanh z)^2
            return Pow(Call(func, args, primes, pos, layer), power, power.pos)
        return Call(func, args, primes, pos, layer)

    def _bracketed_function_tag(self) -> tuple[str, int] | None:
        """``^{(l)}``, ``^{[2]}``, ``^{(l)\\prime}``: a tag in brackets, and the primes after it."""
        toks, k = self.toks, self.k
        if not (toks[k + 1].text == "{" and toks[k + 2].kind == "ch" and toks[k + 2].text in "(["):
            return None
        close = ")" if toks[k + 2].text == "(" else "]"
        j, tag = k + 3, ""
        while toks[j].kind != "end" and toks[j].text not in (close, "}"):
            tag += self._counter(toks[j]) or toks[j].text
            j += 1
        if toks[j].text != close or not _TAG_TEXT.fullmatch(tag):
            return None
        j += 1
        primes = 0
        while toks[j].text in ("'", "prime"):
            primes, j = primes + 1, j + 1
        if toks[j].text != "}":
            return None
        self.k = j + 1
        return tag, primes

    def _function_tag(self) -> tuple[str, int] | None:
        """``\\sigma^{(l)}``, ``\\tanh^{(k)}``, ``\\sigma^{[l]\\prime}``: a layer tag raised on a
        function's name says which layer's function it is (with the primes written inside it);
        a power (``\\tanh^2``) or anything else is left to the caller."""
        if not self.at("ch", "^"):
            return None
        bracketed = self._bracketed_function_tag()
        if bracketed is not None:
            return bracketed
        probe = Var("", None, None, 0, self.tok.pos)
        start = self.k
        if self._author_tag(probe):
            if probe.tag is not None and probe.sample is None and not probe.transposed:
                return probe.tag, probe.primes
            self.k = start
        return None

    def _softmax_entry(self, args: list[Node]) -> Node:
        """``softmax(z^{(L)})_j``: entry j of the softmax of the vector z is the softmax read at
        z_j (its sum runs over j's range), so the subscript goes onto the vector's letter."""
        p = self.eat("ch", "_").pos
        sub, raw = self.subscript()
        arg = ungrouped(args[0]) if len(args) == 1 else None
        if not (isinstance(arg, Var) and arg.sub is None):
            raise ReadError(
                "softmax(…)_j: the subscript is read on a vector's name, softmax(z^{(L)})_j; "
                "write the entries of a longer argument, e^{u_j} / \\sum_k e^{u_k}",
                p,
            )
        return Var(
            arg.name, sub, arg.tag, arg.primes, arg.pos, raw, arg.transposed, arg.sample, arg.args
        )

    def _function_power(self) -> Num | None:
        """The power of ``\\tanh^2(z)``, ``\\cosh^{2}``: a whole number of one digit raised on the
        function's name (``\\tanh^{-1}`` is the inverse function, never a power: not read here)."""
        t, nxt = self.tok, self.peek()
        if not (t.kind == "ch" and t.text == "^"):
            return None
        if nxt.kind == "num" and nxt.text[:1].isdigit() and nxt.text[0] != "0":
            self.k += 1
            if len(nxt.text) > 1:  # ^23 is ^2 then 3
                self.toks[self.k] = Tok("num", nxt.text[0], nxt.pos)
                self.toks.insert(self.k + 1, Tok("num", nxt.text[1:], nxt.pos + 1))
            self.k += 1
            return Num(nxt.text[0], nxt.pos)
        if (
            nxt.kind == "ch"
            and nxt.text == "{"
            and self.peek(2).kind == "num"
            and self.peek(2).text.isdigit()
            and self.peek(3).text == "}"
        ):
            self.k += 4
            return Num(self.toks[self.k - 2].text, self.toks[self.k - 2].pos)
        return None

    def frac(self) -> Node:
        pos = self.tok.pos
        self.k += 1
        num_partial, num = self.frac_part()
        braced, den_at = self.at("ch", "{"), self.tok.pos
        den_partial, den = self.frac_part()
        if num_partial:
            if den is None:
                raise ReadError("the denominator of a partial derivative is empty", pos)
            if not den_partial:
                if braced:
                    raise self.unmarked(den_at + 1, self.toks[self.k - 1].pos)
                raise self.unmarked(den_at)
            if num is None:  # the operator ∂/∂v: it applies to the rest of the product, like a Σ
                if self.at_terminator() or self.at("ch", "+") or self.at("ch", "-"):
                    raise ReadError(
                        "∂/∂v applies to nothing: write \\frac{\\partial}{\\partial v}(…) or "
                        "\\frac{\\partial X}{\\partial v}",
                        pos,
                    )
                self.deeper()
                num = self.term()
                self.depth -= 1
            return Partial(num, den, pos)
        if den_partial:
            raise ReadError("∂ in the denominator but not in the numerator", pos)
        assert num is not None and den is not None
        return Div(num, den, pos)

    def frac_part(self) -> tuple[bool, Node | None]:
        """One argument of \\frac: (starts with ∂, the rest)."""
        if not self.at("ch", "{"):
            t = self.tok
            if t.kind == "num" and len(t.text) > 1:  # \frac12
                self.toks[self.k] = Tok("num", t.text[0], t.pos)
                self.toks.insert(self.k + 1, Tok("num", t.text[1:], t.pos + 1))
            return False, self.script()
        p = self.eat("ch", "{").pos
        self.nesting += 1
        self.deeper()
        partial = False
        if self.at("cmd", "partial"):
            self.k += 1
            partial = True
            if self.at("ch", "^"):
                raise ReadError("higher derivatives ∂² are not part of the notation", self.tok.pos)
        if self.at("ch", "}"):
            if not partial:
                raise ReadError("an empty group {}", p)
            node = None
        else:
            node = self.expr()
        self.depth -= 1
        self.nesting -= 1
        if not self.at("ch", "}"):
            raise ReadError(
                f"unbalanced braces: expected '}}' but found {self.tok.text or 'the end'!r}",
                self.tok.pos,
            )
        self.k += 1
        return partial, node


def _digits(node: Node) -> float | None:
    """An upper bound on the number of digits of a constant's value; None when it is not a
    constant.  Raises ReadError for a constant beyond MAX_VALUE_DIGITS: SymPy would work it out
    in one call to C that no deadline interrupts."""
    if isinstance(node, Num):
        return float(len(node.text.split(".")[0]))
    if isinstance(node, (Neg, Group)):
        return _digits(node.arg if isinstance(node, Neg) else node.body)
    if isinstance(node, (Add, Mul)):
        parts = [_digits(x) for x in (node.terms if isinstance(node, Add) else node.factors)]
        known = [d for d in parts if d is not None]
        if len(known) < len(parts):
            return None
        return (max(known) + 1) if isinstance(node, Add) else sum(known)
    if isinstance(node, Div):
        num, den = _digits(node.num), _digits(node.den)
        return None if num is None or den is None else num + den
    if isinstance(node, Pow):
        base, exp = _digits(node.base), _digits(node.exp)
        if exp is None:
            return None
        exponent = float(node.exp.text) if isinstance(node.exp, Num) else 10 ** min(exp, 400.0)
        if base is None:  # a power of a quantity: interpret bounds its exponent
            return None
        if base * exponent > MAX_VALUE_DIGITS:
            raise ReadError(
                f"a power with more than {MAX_VALUE_DIGITS:,} digits (the limit on a number's "
                "digits)",
                node.pos,
            )
        return base * exponent
    for name in _field_names(node):  # any other node: look inside it
        value = getattr(node, name)
        for x in value if isinstance(value, list) else [value]:
            for y in x if isinstance(x, list) else [x]:
                if hasattr(y, "__dataclass_fields__"):  # a dataclass inside a node is a node
                    _digits(y)
    return None


#: the field names of each node class (``dataclasses.fields`` builds a tuple on every call, and
#: every expression of every block is walked several times)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(node: object) -> tuple[str, ...]:
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(getattr(type(node), "__dataclass_fields__", ()))
    return names


_LAYER_SUBSCRIPT = re.compile(r"[Ll][-+]\d+")
_TAG = r"(?:[Ll](?:[-+]\d+)?|\d+|n_l(?:[-+]\d+)?|n_\{l\}(?:[-+]\d+)?)"
_AUTHOR_TAG = re.compile(
    rf"(?:(?P<bare>{_TAG})|(?:\[(?P<ng>{_TAG})\])?(?:\((?P<sample>[a-zA-Z])\))?"
    rf"|\((?P<paren>n_l(?:[-+]\d+)?)\))(?P<after>T|top|prime|')?"
)


#: Greek letters authors name an activation function with (φ_k, \\varphi^{(l)})
FUNCTION_GREEK = ("phi", "varphi")

#: a layer tag as the notation reads it: L, l, a number, with an offset
_TAG_TEXT = re.compile(r"(?:[Ll](?:[-+]\d+)?|\d+)")

#: the quantities whose subscript numbers the layer under ``subscript_layers``
SUBSCRIPT_LAYERED = ("a", "z", "b", "W", "w", "delta", "A", "Z", "Delta")


def _layer_from_subscript(v: Var, own: frozenset[str] = frozenset()) -> None:
    """``z_1`` → z^{(1)}, ``a_{2,j}`` → a^{(2)}_j, ``W_2`` → W^{(2)}: the layer number a document
    writes as the first index of a quantity's subscript becomes its layer tag (also on the
    document's own pre-activation letter ``own``, ``u_1 = W_1 x + b_1``)."""
    if v.tag is not None or not v.sub or (v.name not in SUBSCRIPT_LAYERED and v.name not in own):
        return
    first = v.sub[0]
    number = first.expr.text if isinstance(first.expr, Num) else first.name
    if not number or not number.isdigit():
        return
    v.tag = number
    rest = v.sub[1:]
    v.sub = rest or None
    raw = (v.sub_raw or "").strip()
    v.sub_raw = raw.split(",", 1)[1].strip() if "," in raw else (raw[len(number) :] or None)


def _as_l(inner: str, letter: str) -> str:
    """A superscript with the document's layer letter written as l (``m-1`` → ``l-1``)."""
    # (the tag's letter may be followed by \prime, read as the word prime: f^{m\prime})
    return re.sub(rf"(?<![A-Za-z\\]){re.escape(letter)}(?=prime$|[^A-Za-z]|$)", "l", inner)


def _letters(node: object) -> set[str]:
    """The index letters written in the subscripts of a subtree."""
    return {
        i.name
        for n in walk(node)
        if isinstance(n, Var) and n.sub
        for i in n.sub
        if i.name and i.expr is None and i.name.isalpha() and i.name.islower()
    }


def _with_sum_indices(node: Node, chain: list[Node]) -> Node:
    """``\\sum w_{jk} \\delta_j`` written without its index: the index is the one letter of the
    body's subscripts that no other side of the relation uses (there it would be free); when
    none or several are, the sum is unreadable, with what to write."""
    if not any(isinstance(n, SumNode) and n.index == "" for n in walk(node)):
        return node
    others = set().union(*(_letters(e) for e in chain if e is not node))

    def fill(n: Any) -> Any:
        if isinstance(n, SumNode) and n.index == "":
            inner = {m.index for m in walk(n.body) if isinstance(m, SumNode)}
            candidates = sorted(_letters(n.body) - others - inner)
            if len(candidates) != 1:
                raise ReadError(
                    "a sum needs its index: \\sum_{k} or \\sum_{k=0}^{n-1} (written without it, "
                    + (
                        f"it could run over any of {', '.join(candidates)})"
                        if candidates
                        else "no index of its body is left for it)"
                    ),
                    n.pos,
                )
            n = replace(n, index=candidates[0])
        return map_children(n, fill)

    try:
        return fill(node)
    except ReadError as e:
        return Unread(str(e), e.pos)


def _is_transpose_word(t: Tok) -> bool:
    """``\\mathsf{T}``, ``\\mathrm{T}``, ``\\text{T}``: the transpose's T in an upright style."""
    return t.kind == "text" and t.text.split(":", 1)[1].strip() in ("T", "\\top", "\\intercal")


def undefined_output(name: str) -> str:
    """What to say of a hatted letter of the document's own (``\\hat{y}``, a prediction in most
    texts) that no formula of the document defines and no directive declares: an output named
    only in the prose.  It is refused, never taken for the target or a constant; the message
    says the two ways to give it its meaning."""
    return (
        f"{name} has no meaning in the document's model: no formula of the document makes it "
        f"the network's output (is it named only in the prose?); define it, {name} = a^{{(L)}}, "
        f"or declare it (directive letters=output:{name})"
    )


def output_tag(tag: str) -> str:
    """UFLDL counts layers 1 … n_l, so ``n_l`` is the output layer L and ``n_l-1`` is L-1."""
    tag = tag.strip()
    tag = tag[1:-1] if tag.startswith("{") and tag.endswith("}") else tag
    for name in ("n_{l}", "n_l"):
        if tag.startswith(name):
            return "L" + tag[len(name) :]
    return tag


def ungrouped(node: Node) -> Node:
    """The node inside any brackets around it: ``((a))`` is ``a``."""
    while isinstance(node, Group):
        node = node.body
    return node


def map_children(node: Any, f: Callable[[Any], Any]) -> Any:
    """The node rebuilt with ``f`` applied to each of its child nodes (each entry of a list, each
    entry of a matrix's rows); a leaf (a string, a number, None) comes back as it is.  The one
    traversal every rewrite of the tree (translation, renaming an index) shares."""
    if not is_dataclass(node) or isinstance(node, type):
        return node
    changes = {}
    for name in node.__dataclass_fields__:
        v = getattr(node, name)
        if isinstance(v, list):
            changes[name] = [[f(x) for x in r] if isinstance(r, list) else f(r) for r in v]
        elif is_dataclass(v):
            changes[name] = f(v)
    return replace(node, **changes)


def walk(node: object) -> Iterator[Any]:
    """Every node of a subtree (tuples and lists included), depth first."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(n)
            continue
        yield n
        for f in _field_names(n):
            v = getattr(n, f)
            if isinstance(v, list) or hasattr(v, "__dataclass_fields__"):
                stack.append(v)


def _env_name(toks: list[Tok], k: int) -> str:
    """The name in ``\\begin{name}`` / ``\\end{name}`` whose command is ``toks[k]``."""
    word, k = "", k + 2
    if k - 1 >= len(toks) or toks[k - 1].text != "{":
        return ""
    while k < len(toks) and toks[k].kind in ("letter", "ch") and toks[k].text not in "{}":
        word, k = word + toks[k].text, k + 1
    return word


def _is_relation(toks: list[Tok], k: int) -> bool:
    t, after = toks[k], toks[min(k + 1, len(toks) - 1)]
    return (
        t.kind == "ch"
        and (
            t.text == "="
            or (t.text in "<>" and not (t.text == "<" and after.text == "-"))
            or (t.text == ":" and after.text == "=")
        )
    ) or (t.kind == "cmd" and t.text in RELATION_CMDS)


def join_continued_rows(toks: list[Tok]) -> list[Tok]:
    """A row of an aligned block that begins with ``&`` and holds no relation (``\\\\ &\\qquad
    \\times a``, a right-hand side broken over lines) continues the row above: its line break,
    ``&`` and spacing go, so that one expression is read across both rows.  Only rows at the top
    level (not inside brackets or a matrix) are joined; every other row is left as it was."""
    out: list[Tok] = []
    depth, k = 0, 0
    while k < len(toks):
        t = toks[k]
        if t.kind == "ch" and t.text in "{([":
            depth += 1
        elif t.kind == "ch" and t.text in "})]":
            depth = max(0, depth - 1)
        elif (
            t.kind == "cmd"
            and t.text in ("begin", "end")
            and _env_name(toks, k) not in TRANSPARENT_ENVS
        ):
            depth += 1 if t.text == "begin" else -1
        if (
            depth == 0
            and t.kind == "cmd"
            and t.text == "\\"
            and toks[min(k + 1, len(toks) - 1)].text == "&"
        ):
            # the next row: from after its & to the next line break or the end of the environment
            start = k + 2
            while (
                start < len(toks)
                and toks[start].kind == "cmd"
                and toks[start].text in ("quad", "qquad")
            ):
                start += 1
            end, level, relation = start, 0, False
            while end < len(toks) and toks[end].kind != "end":
                u = toks[end]
                if u.kind == "ch" and u.text in "{([":
                    level += 1
                elif u.kind == "ch" and u.text in "})]":
                    level -= 1
                elif level == 0 and (
                    (u.kind == "cmd" and u.text == "\\")
                    or (u.kind == "ch" and u.text == "&")
                    or (u.kind == "cmd" and u.text in ("begin", "end"))
                ):
                    break
                relation = relation or (level == 0 and _is_relation(toks, end))
                end += 1
            if end > start and not relation:
                k = start  # the line break, the & and the spacing are dropped
                continue
        out.append(t)
        k += 1
    return out


def parse(text: str, reading: Reading = DEFAULT_READING, lead: Node | None = None) -> list[Chain]:
    """The chains of relations in a block's text; ``lead`` is the expression a block that starts
    with ``=`` continues (the last one of the previous block)."""
    return Parser(text, reading, lead).chains()


@dataclass
class Lead:
    """The expression a continuation block starts from, and its text (for the report)."""

    node: Node
    text: str


_CONTINUES = re.compile(r"^\s*(?:\\begin\{[a-z]+\*?\}\s*)?&?\s*=")


def lead(
    previous: str, text: str, reading: Reading = DEFAULT_READING, before: Lead | None = None
) -> Lead | None:
    """A block that starts with ``=`` continues the previous block's chain: its last expression
    (``before``: the lead of the previous block, itself maybe a continuation)."""
    if not _CONTINUES.match(text):
        return None
    try:
        chains = parse(previous, reading, before.node if before else None)
    except (ReadError, RecursionError):
        return None
    if not chains:
        return None
    last = chains[-1]
    if last.starts[-1] < 0:
        return None
    node = last.exprs[-1]
    for n in walk(
        node
    ):  # its positions are the previous block's: point at this block's start instead
        if hasattr(n, "pos"):
            n.pos = -1
    return Lead(node, previous[last.starts[-1] : last.ends[-1]].strip())
