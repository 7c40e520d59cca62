"""Identities of the hyperbolic functions an author writes under a tanh network: tanh and its
derivative in exponentials.  Truth from PyTorch on a grid of real values (the identity must hold
at every one), never from derivator; the false twins are never proved."""

from __future__ import annotations

import pytest
import torch

from derivator.document import Run, check_text

X = torch.linspace(-3, 3, 61, dtype=torch.float64)
E, M = X.exp(), (-X).exp()

FORMS = [
    (r"\tanh(z) = \frac{e^{z}-e^{-z}}{e^{z}+e^{-z}}", torch.tanh(X), (E - M) / (E + M)),
    (r"\tanh(z) = \frac{e^{z}+e^{-z}}{e^{z}-e^{-z}}", torch.tanh(X), (E + M) / (E - M)),
    (r"\sigma(z) = \frac{2}{1+e^{-2z}} - 1", torch.tanh(X), 2 / (1 + (-2 * X).exp()) - 1),
    (r"\sigma(z) = \frac{2}{1+e^{-z}} - 1", torch.tanh(X), 2 / (1 + M) - 1),
    (r"\cosh(z) = \frac{e^{z}+e^{-z}}{2}", torch.cosh(X), (E + M) / 2),
    (r"\sigma'(z) = \frac{4}{(e^{z}+e^{-z})^2}", 1 - torch.tanh(X) ** 2, 4 / (E + M) ** 2),
    (r"\sigma'(z) = \frac{2}{(e^{z}+e^{-z})^2}", 1 - torch.tanh(X) ** 2, 2 / (E + M) ** 2),
]


@pytest.mark.parametrize("k", range(len(FORMS)))
def test_hyperbolic_functions_in_exponentials(k: int) -> None:
    formula, left, right = FORMS[k]
    true = bool(torch.allclose(left, right))
    text = f"<!-- derivator: activation=tanh -->\n\n$${formula}$$\n"
    (r,) = check_text("tanh.md", text, Run(timeout=20.0))
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_the_output_activation_in_exponentials_is_its_definition() -> None:
    """a^{(L)} = tanh(z^{(L)}) written in exponentials: the model's own forward pass."""
    text = (
        "<!-- derivator: activation=tanh -->\n\n"
        "$$a^{(L)}_j = \\frac{e^{z^{(L)}_j}-e^{-z^{(L)}_j}}{e^{z^{(L)}_j}+e^{-z^{(L)}_j}}$$\n"
    )
    (r,) = check_text("tanh.md", text, Run(timeout=20.0))
    assert r.verdict == "defined", r.reason
