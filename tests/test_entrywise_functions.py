"""Functions of a batch's matrix written entry by entry, as authors define their activations:
``\\tanh^{(k)}(\\mathbf{Z}^{(k)}) = \\frac{1 - \\exp(-2\\mathbf{Z}^{(k)})}{1 + \\exp(-2\\mathbf{Z}^{(k)})}``,
``\\text{ReLU}^{(k)}(\\mathbf{Z}) = \\max(\\mathbf{Z}, 0)``, ``\\text{Sigmoid}^{(k)}(\\mathbf{Z}) = …``:
read at every entry of the matrix.  ``\\text{Sigmoid}`` is the logistic function by name, whatever
the document's σ is.  Truth from PyTorch on a random matrix of 5 samples by 3 units, never from
derivator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from derivator.document import Run, check_text

FORWARD = r"$$\mathbf{Z}^{(k)} = \mathbf{A}^{(k-1)} \mathbf{W}^{(k)} + \mathbf{b}^{(k)}$$"

#: (left, right, the two sides as functions of the matrix Z)
CLAIMS = [
    (
        r"\tanh^{(k)}(\mathbf{Z}^{(k)})",
        r"\frac{1 - \exp(-2 \mathbf{Z}^{(k)})}{1 + \exp(-2 \mathbf{Z}^{(k)})}",
        torch.tanh,
        lambda Z: (1 - torch.exp(-2 * Z)) / (1 + torch.exp(-2 * Z)),
    ),
    (
        r"\tanh^{(k)}(\mathbf{Z}^{(k)})",
        r"\frac{1 - \exp(-\mathbf{Z}^{(k)})}{1 + \exp(-2 \mathbf{Z}^{(k)})}",
        torch.tanh,
        lambda Z: (1 - torch.exp(-Z)) / (1 + torch.exp(-2 * Z)),
    ),
    (
        r"\text{ReLU}^{(k)}(\mathbf{Z^{(k)}})",
        r"\max(\mathbf{Z^{(k)}}, 0)",
        torch.relu,
        lambda Z: torch.clamp(Z, min=0),
    ),
    (
        r"\text{ReLU}^{(k)}(\mathbf{Z^{(k)}})",
        r"\max(\mathbf{Z^{(k)}}, 1)",
        torch.relu,
        lambda Z: torch.clamp(Z, min=1),
    ),
    (
        r"\text{Sigmoid}^{(k)}(\mathbf{Z}^{(k)})",
        r"\frac{1}{1 + \exp(-\mathbf{Z}^{(k)})}",
        torch.sigmoid,
        lambda Z: 1 / (1 + torch.exp(-Z)),
    ),
    (
        r"\text{Sigmoid}^{(k)}(\mathbf{Z}^{(k)})",
        r"\frac{1}{1 + \exp(\mathbf{Z}^{(k)})}",
        torch.sigmoid,
        lambda Z: 1 / (1 + torch.exp(Z)),
    ),
]


@pytest.mark.parametrize(("left", "right", "f", "g"), CLAIMS)
def test_a_function_of_a_matrix_is_judged_at_every_entry(
    left: str, right: str, f: Callable[[torch.Tensor], torch.Tensor], g: Callable[..., torch.Tensor]
) -> None:
    """Proved where the two sides agree at every entry of a random matrix (PyTorch), refuted
    where they do not; never 'this cannot be read as a matrix expression'."""
    Z = torch.randn(5, 3, generator=torch.Generator().manual_seed(7), dtype=torch.float64) * 2
    holds = bool(torch.allclose(f(Z), g(Z)))
    got = _check(FORWARD + f"\n\n$${left} = {right}$$\n")
    assert got[-1].verdict == ("proved" if holds else "refuted"), got[-1]


def test_sigmoid_by_name_is_the_logistic_function_under_another_activation() -> None:
    """A document whose activation is tanh: \\text{Sigmoid}(Z) is still 1/(1 + e^{-Z}) (it was
    the document's σ, so the true formula would be judged with tanh); a forward pass written
    with \\operatorname{sigmoid} makes the activation the sigmoid."""
    doc = FORWARD + "\n\n" + r"$$\mathbf{A}^{(k)} = \tanh(\mathbf{Z}^{(k)})$$" + "\n\n"
    doc += r"$$\text{Sigmoid}(\mathbf{Z}^{(k)}) = \frac{1}{1 + \exp(-\mathbf{Z}^{(k)})}$$" + "\n"
    assert _check(doc)[-1].verdict == "proved"
    Z = torch.randn(4, 6, dtype=torch.float64)
    assert torch.allclose(torch.sigmoid(Z), 1 / (1 + torch.exp(-Z)))
    assert not torch.allclose(torch.tanh(Z), 1 / (1 + torch.exp(-Z)))


def test_a_product_of_two_matrix_terms_is_not_read_entry_by_entry() -> None:
    """tanh(Z) Z is a matrix product, not an entrywise one: the relation keeps the matrix
    reading (an error here, never a verdict at one entry)."""
    got = _check(
        FORWARD + "\n\n" + r"$$\tanh(\mathbf{Z}^{(k)}) \mathbf{Z}^{(k)} = \mathbf{Z}^{(k)}$$"
    )
    assert got[-1].verdict != "proved", got[-1]


def _check(text: str) -> list:
    with Run(jobs=1, timeout=60) as run:
        return check_text("doc.md", text, run)
