"""A forward step that applies another function than the name's step before it (``a = σ(z)``,
later ``a = \\tanh(z)``) fixes the activation anew: it is a definition, reported ``defined``,
never ``proved`` by the very activation it fixes (σ read as the tanh inferred from that line).
What follows it is judged under the function it fixes.  Truth: PyTorch autograd at random
widths (never derivator)."""

from __future__ import annotations

import pytest
import torch

from derivator.document import Run, check_text

FORWARD = r"$$z^{(L)}_j = \sum_k w^{(L)}_{jk} a^{(L-1)}_k + b^{(L)}_j$$"
SIGMOID = r"$$a^{(L)}_j = \sigma(z^{(L)}_j)$$"
TANH = r"$$a^{(L)}_j = \tanh(z^{(L)}_j)$$"
TRUE = r"$$\frac{\partial a^{(L)}_j}{\partial z^{(L)}_j} = 1 - (a^{(L)}_j)^2$$"
FALSE = r"$$\frac{\partial a^{(L)}_j}{\partial z^{(L)}_j} = 2(1 - (a^{(L)}_j)^2)$$"


@pytest.mark.parametrize("width", [3, 6])
def test_the_step_that_changes_the_activation_is_a_definition(width: int) -> None:
    """The tanh step is defined (it was proved); the tanh derivative after it (autograd) is
    proved and twice it refuted."""
    z = torch.randn(width, generator=torch.Generator().manual_seed(width), dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(torch.tanh, z)
    a = torch.tanh(z)
    assert torch.allclose(torch.diag(jac), 1 - a**2)
    assert not torch.allclose(torch.diag(jac), 2 * (1 - a**2))
    text = "\n\n".join([FORWARD, SIGMOID, "Now the network uses tanh instead:", TANH, TRUE, FALSE])
    lines = text.split("\n")
    with Run(jobs=1, timeout=30) as run:
        got = {lines[r.line - 1]: r.verdict for r in check_text("doc.md", text, run)}
    assert got[TANH] == "defined", got
    assert (got[TRUE], got[FALSE]) == ("proved", "refuted"), got
