"""The conventions of the notation, in one place.

Every other module asks this one how a layer is tagged, which letter indexes its neurons, and how a
quantity's SymPy object is named.  Names are the contract between the engine and the printers:
an ``IndexedBase`` called ``"a^(L-1)"`` *is* the activation of layer L-1, and the printers read
the quantity and the tag back from that name instead of carrying side tables around.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import sympy as sp

#: quantities that carry a layer tag
LAYERED = ("a", "z", "w", "b", "delta")
#: index letters of layers L, L-1, L-2, L-3 (the article's habit) and further back
DEFAULT_LETTERS = ("j", "k", "m", "t", "p", "q", "r", "s", "u", "v", "g", "h")
SAMPLE = "i"
#: the deepest layer a tag may name and the most layers of weights a network may have: work
#: grows with depth, so a tag like L-1000000000 is refused before any is done
MAX_LAYERS = 256


class NotationError(ValueError):
    """A tag, letter or name that the notation does not define (a user error, not a bug)."""


@dataclass(frozen=True, order=True)
class Tag:
    """A layer tag: ``L-2`` is ``Tag("L", -2)``, ``l+1`` is ``Tag("l", 1)``, ``3`` is ``Tag("", 3)``.

    ``base`` is ``"L"`` (counting back from the output layer), ``"l"`` (a generic layer) or ``""``
    (absolute; 0 is the input layer).
    """

    base: str
    offset: int

    def __str__(self) -> str:
        if self.base == "":
            return str(self.offset)
        if self.offset == 0:
            return self.base
        return f"{self.base}{self.offset:+d}"

    def shift(self, k: int) -> Tag:
        return Tag(self.base, self.offset + k)

    @property
    def generic(self) -> bool:
        return self.base == "l"


_TAG_RE = re.compile(
    r"^\s*(?:(?P<base>[Ll])\s*(?:(?P<sign>[-+–−])\s*(?P<k>\d+))?|(?P<abs>\d+))\s*$"
)


def parse_tag(text: str | int | Tag) -> Tag:
    """Read ``L``, ``L-1``, ``L – 2``, ``l``, ``l+1`` or an integer."""
    if isinstance(text, Tag):
        return text
    if isinstance(text, int):
        if text < 0:
            raise NotationError(f"layer {text}: absolute layers count from 0 (the input layer)")
        if text > MAX_LAYERS:
            raise NotationError(
                f"layer {text}: derivator handles networks of at most {MAX_LAYERS} layers"
            )
        return Tag("", text)
    m = _TAG_RE.match(str(text))
    if not m:
        raise NotationError(
            f"unknown layer {text!r}: write L, L-1, L-2, … (from the output), l, l-1, l+1 "
            "(a generic layer) or an integer (0 is the input layer)"
        )
    digits = m.group("abs") or m.group("k") or "0"
    if len(digits) > 6 or int(digits) > MAX_LAYERS:
        raise NotationError(
            f"layer {text}: derivator handles networks of at most {MAX_LAYERS} layers"
        )
    if m.group("abs") is not None:
        return Tag("", int(m.group("abs")))
    k = int(m.group("k") or 0)
    if m.group("sign") and m.group("sign") != "+":
        k = -k
    return Tag(m.group("base"), k)


def base_name(quantity: str, tag: Tag) -> str:
    """The SymPy name of a layered quantity, e.g. ``a^(L-1)``."""
    return f"{quantity}^({tag})"


_NAME_RE = re.compile(r"^(?P<q>[a-zA-Z]+)\^\((?P<tag>[^)]*)\)$")


@cache
def split_name(name: str) -> tuple[str, Tag] | None:
    """Inverse of :func:`base_name`; ``None`` for names without a layer tag.  Remembered: a proof
    classifies the same few names thousands of times (the answer is immutable)."""
    m = _NAME_RE.match(name)
    if not m:
        return None
    return m.group("q"), parse_tag(m.group("tag"))


@cache
def index(letter: str) -> sp.Symbol:
    """A free index.  All indices are integer symbols; bound indices are ``sp.Dummy`` instead."""
    return sp.Symbol(letter, integer=True)


def layer_letter(back: int, letters: tuple[str, ...] = DEFAULT_LETTERS) -> str:
    """The neuron index letter of layer ``L-back`` (``j`` for L, ``k`` for L-1, …)."""
    if back < len(letters):
        return letters[back]
    return f"{letters[back % len(letters)]}{back // len(letters)}"


def parse_letters(text: str) -> tuple[str, ...]:
    """``"j,k,m,t"`` → ``("j", "k", "m", "t")``, checked to be distinct single-word letters."""
    letters = tuple(s.strip() for s in text.split(",") if s.strip())
    if not letters or len(set(letters)) != len(letters) or SAMPLE in letters:
        raise NotationError(
            f"letters {text!r}: give distinct letters other than {SAMPLE!r}, e.g. j,k,m,t"
        )
    for s in letters:
        if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9]*", s):
            raise NotationError(f"letter {s!r} is not a plain identifier")
    return letters
