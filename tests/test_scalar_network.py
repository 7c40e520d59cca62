"""A network of one neuron per layer read from how the document writes it: every layer quantity
used as a number (no index, no transpose, no ⊙, no norm) and the output error squared as a
number, ``(a^{(L)} - y)^2`` (3Blue1Brown's chain).  Truth comes from PyTorch autograd on a
one-neuron network at random values; one index, transpose or norm anywhere keeps the general
network (and its shape errors)."""

from __future__ import annotations

import pytest
import torch

from derivator.document import Run, check_text

F64 = torch.float64

HEAD = (
    "$$C_0 = (a^{(L)} - y)^2$$\n\n"
    "$$z^{(L)} = w^{(L)} a^{(L-1)} + b^{(L)}$$\n\n"
    "$$a^{(L)} = \\sigma(z^{(L)})$$\n\n"
)


def _net(seed: int) -> dict[str, torch.Tensor]:
    """One neuron per layer, one example: the partials of C_0 = (a − y)² by autograd."""
    g = torch.Generator().manual_seed(seed)
    w, b, a0, y = (torch.randn((), dtype=F64, generator=g).requires_grad_() for _ in range(4))
    z = w * a0 + b
    a = torch.sigmoid(z)
    c = (a - y) ** 2
    dw, db, da0 = torch.autograd.grad(c, (w, b, a0))
    s = torch.sigmoid(z.detach())
    return {"dw": dw, "db": db, "da0": da0, "w": w, "a0": a0, "a": a, "y": y, "sp": s * (1 - s)}


CLAIMS = [
    (
        r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)",
        lambda v: (v["dw"], v["a0"] * v["sp"] * 2 * (v["a"] - v["y"])),
    ),
    (
        r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) (a^{(L)} - y)",
        lambda v: (v["dw"], v["a0"] * v["sp"] * (v["a"] - v["y"])),
    ),
    (
        r"\frac{\partial C_0}{\partial a^{(L-1)}} = w^{(L)} \sigma'(z^{(L)}) 2(a^{(L)} - y)",
        lambda v: (v["da0"], v["w"] * v["sp"] * 2 * (v["a"] - v["y"])),
    ),
    (
        r"\frac{\partial C_0}{\partial b^{(L)}} = 2(a^{(L)} - y)",
        lambda v: (v["db"], 2 * (v["a"] - v["y"])),
    ),
]


@pytest.mark.parametrize("k", range(len(CLAIMS)))
def test_a_network_written_in_numbers_has_one_neuron_per_layer(k: int) -> None:
    formula, sides = CLAIMS[k]
    true = all(torch.allclose(*(t.detach() for t in sides(_net(s)))) for s in (1, 2))
    results = check_text("one.md", f"{HEAD}$${formula}$$\n", Run(timeout=20.0))
    assert [r.verdict for r in results[:3]] == ["defined"] * 3, [r.reason for r in results]
    assert results[-1].verdict == ("proved" if true else "refuted"), (formula, results[-1].reason)


@pytest.mark.parametrize(
    "extra",
    [
        r"\delta^{(L)}_j = \frac{\partial C_0}{\partial z^{(L)}_j}",
        r"\frac{\partial C_0}{\partial a^{(L-1)}} = (w^{(L)})^T \delta^{(L)}",
        r"C = \|a^{(L)} - y\|^2",
    ],
)
def test_one_index_transpose_or_norm_keeps_the_general_network(extra: str) -> None:
    formula = CLAIMS[0][0]
    text = f"{HEAD}$${extra}$$\n\n$${formula}$$\n"
    results = check_text("general.md", text, Run(timeout=20.0))
    assert results[-1].verdict != "proved", results[-1].reason
