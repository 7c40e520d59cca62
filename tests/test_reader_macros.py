"""Macros a document defines (``\\newcommand``, ``\\def``, ``\\DeclareMathOperator``, MathJax's
``$$\\newcommand…$$``) are read as their expansion, with every error still pointing into the line
the author wrote.  Truth from our own evaluator (PyTorch autograd on a sigmoid output layer under
the squared error, at random sizes where the sample count and the widths differ); documents go
through the public API."""

from __future__ import annotations

import random
import re

import pytest
import torch

from derivator.document import Run, check_text


def _check(text: str, name: str = "doc.md") -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text(name, text, run)


def _output_layer(seed: int) -> dict[str, torch.Tensor]:
    """a = σ(z), L_i = ½ Σ_j (a_ij − y_ij)²: δ = ∂L_i/∂z_ij by autograd, with a and y."""
    n, d_in, d_out = random.Random(seed).sample(range(2, 9), 3)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d_in, generator=g, dtype=torch.float64)
    w = torch.randn(d_out, d_in, generator=g, dtype=torch.float64)
    y = torch.rand(n, d_out, generator=g, dtype=torch.float64)
    z = (x @ w.T).requires_grad_(True)
    a = torch.sigmoid(z)
    (0.5 * ((a - y) ** 2).sum()).backward()
    assert z.grad is not None
    return {"delta": z.grad, "a": a.detach(), "y": y}


DEFINITIONS = (
    r"$$\newcommand{\zL}[1]{z^{(L)}_{#1}} \def\aL#1{a^{(L)}_{#1}}"
    r" \newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}$$"
)
WITH_MACROS = r"""

$$L_i = \frac{1}{2}\sum_j (\aL{ij} - y_{ij})^2$$

$$\aL{ij} = \sigma(\zL{ij})$$

$$\pd{L_i}{\zL{ij}} = (\aL{ij} - y_{ij}) \aL{ij} (1 - \aL{ij})$$

$$\pd{L_i}{\zL{ij}} = \aL{ij} - y_{ij}$$
"""
TRUE_CLAIM = r"\pd{L_i}{\zL{ij}} = (\aL{ij} - y_{ij}) \aL{ij} (1 - \aL{ij})"


def _written_out(text: str) -> str:
    """The same document typed without the macros (our own expansion, for the comparison)."""
    for a, b in (
        (r"\pd{L_i}{\zL{ij}}", r"\frac{\partial L_i}{\partial z^{(L)}_{ij}}"),
        (r"\zL{ij}", "z^{(L)}_{ij}"),
        (r"\aL{ij}", "a^{(L)}_{ij}"),
    ):
        text = text.replace(a, b)
    return text


@pytest.mark.parametrize("seed", [4, 19])
def test_macros_with_arguments_are_read_as_their_expansion(seed: int) -> None:
    """δ = (a − y) a (1 − a) holds and δ = a − y fails (autograd); written with macros of one and
    two arguments the claims get the verdicts of the same document typed out, and are reported
    as the author wrote them."""
    net = _output_layer(seed)
    a, y = net["a"], net["y"]
    assert torch.allclose(net["delta"], (a - y) * a * (1 - a))
    assert not torch.allclose(net["delta"], a - y)
    got = _check(DEFINITIONS + WITH_MACROS)
    typed = _check(_written_out(WITH_MACROS))
    assert [str(r.verdict) for r in got] == ["defined", "defined", "proved", "refuted"]
    assert [str(r.verdict) for r in typed] == [str(r.verdict) for r in got]
    assert got[2].relation == TRUE_CLAIM
    assert [r.line for r in got] == [3, 5, 7, 9]


def test_latex_preamble_macros_and_math_operators() -> None:
    """A LaTeX file's preamble definitions hold in its body; one in a comment does not; a
    \\DeclareMathOperator is the operator name it declares (here the notation's sech)."""
    tex = (
        "\\documentclass{article}\n"
        r"\newcommand{\zL}[1]{z^{(L)}_{#1}} \def\aL#1{a^{(L)}_{#1}}" + "\n"
        r"\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}" + "\n"
        r"% \newcommand{\hidden}{W}" + "\n"
        r"\DeclareMathOperator{\sch}{sech}" + "\n"
        "\\begin{document}\n"
        + re.sub(r"\$\$(.*?)\$\$", r"\\[\1\\]", WITH_MACROS)
        + "\\[ \\tanh'(z) = \\sch^2(z) \\]\n"
        + "\\[ \\tanh'(z) = 2\\sch^2(z) \\]\n"
        + "\\[ y = \\hidden \\]\n\\end{document}\n"
    )
    got = _check(tex, "doc.tex")
    verdicts = [str(r.verdict) for r in got]
    assert verdicts[:4] == ["defined", "defined", "proved", "refuted"], got
    assert verdicts[4:6] == ["proved", "refuted"], got
    assert got[6].verdict == "error" and got[6].reason == "unknown macro \\hidden"


def test_a_recursive_macro_is_an_error_at_its_definition() -> None:
    """A macro that expands to itself, directly or through another, is refused at the definition
    that closes the cycle (line and column); its uses are not expanded."""
    doc = "$$\\def\\x{\\y}$$\n\n$$\\def\\y{\\x + 1}$$\n\n$$z = \\y$$\n"
    got = _check(doc)
    assert got[0].verdict == "error" and (got[0].line, got[0].column) == (3, 3), got
    assert "recursive" in got[0].reason and "\\y → \\x → \\y" in got[0].reason
    assert got[1].verdict == "error" and got[1].reason == "unknown macro \\y"
    assert got[1].at == (5, 7)


def test_errors_inside_an_expansion_point_at_what_was_written() -> None:
    """An unreadable argument is reported at the argument; an unreadable body at the use; a macro
    used before its definition is unknown there."""
    doc = (
        "$$y = \\early$$\n\n"
        "$$\\newcommand{\\twice}[1]{2 #1} \\newcommand{\\early}{\\Theta}$$\n\n"
        "$$y = \\twice{\\Theta}$$\n\n"
        "$$y = 1 + \\early$$\n"
    )
    got = _check(doc)
    assert got[0].reason == "unknown macro \\early" and got[0].at == (1, 7)
    assert "\\Theta" in got[1].reason and got[1].at == (5, 14)
    assert "\\Theta" in got[2].reason and got[2].at == (7, 11)


@pytest.mark.parametrize(
    ("definition", "message", "column"),
    [
        ("\\def\\a#1.{#1}", "delimited by text", 4),
        ("\\newcommand{\\a}[12]{x}", "a digit 0 to 9", 4),
        ("\\newcommand{\\a}{#1}", "uses #1, but the macro has 0 arguments", 4),
        ("\\newcommand{\\a}{x", "{ is never closed", 19),
    ],
)
def test_a_definition_that_cannot_be_read_is_an_error_at_its_place(
    definition: str, message: str, column: int
) -> None:
    got = _check(f"text\n\n$$ {definition} $$\n\n$$y = \\a$$\n")
    assert got[0].verdict == "error" and message in got[0].reason, got
    assert (got[0].line, got[0].column) == (3, column)


@pytest.mark.parametrize(
    ("first", "copies", "message"),
    [("x", 10, "more than 2,000 macro substitutions"), ("x" * 1000, 30, "expand to more than")],
)
def test_an_expansion_that_grows_without_bound_is_refused_at_its_use(
    first: str, copies: int, message: str
) -> None:
    """Macros each using the one before many times: refused at the use, at once (no hang, no
    exhausted memory), by the count of substitutions or by the length of the text."""
    names = "abcde"
    defs = (
        "\\def\\a{"
        + first
        + "}"
        + "".join(
            "\\def\\" + names[k] + "{" + ("\\" + names[k - 1]) * copies + "}" for k in range(1, 5)
        )
    )
    got = _check(f"$${defs}$$\n\n$$y = \\e$$\n")
    assert got[-1].verdict == "error" and message in got[-1].reason, got
    assert got[-1].at == (3, 7)
