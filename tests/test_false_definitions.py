"""No false claim passes as a definition.

A document's definitions build the model its claims are judged in, so an equation shaped like
a definition (δ = a partial of the cost, the cost written out, a forward step) that restates a
name the document already defined must be a claim: were it read as a definition, a slip (a sign,
a factor ½) would redefine the name for every relation after it and prove false claims there.

Mutation style: each base document (the author's model: its forward pass, its cost, its δ) is
checked with a definition-shaped false mutant inserted before a battery of claims.  Truth of
every claim and of every mutant in the author's model comes from PyTorch autograd at random
values, with the sample count and every width different (never from derivator).  Asserted: a
mutant is never ``defined`` or ``proved``, a false claim after it is never ``proved``, a true
claim after it is never ``refuted``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from derivator.document import Run, check_text

N_IN, N_OUT = 3, 4  # the widths of the layer below and of the output layer: different


def _check(text: str) -> list:
    with Run(jobs=1, timeout=30) as run:
        return check_text("doc.md", text, run)


class Model:
    """The author's one-layer model at random values: z = W a + b, a_out = σ(z), the squared
    error with ½ (or without, ``half=False``), δ = ±∂C/∂z (``sign``)."""

    def __init__(self, seed: int, sign: float = 1.0, half: bool = True) -> None:
        g = torch.Generator().manual_seed(seed)
        self.a0 = torch.rand(N_IN, generator=g, dtype=torch.float64)
        self.w = torch.randn(N_OUT, N_IN, generator=g, dtype=torch.float64, requires_grad=True)
        self.b = torch.randn(N_OUT, generator=g, dtype=torch.float64, requires_grad=True)
        self.y = torch.rand(N_OUT, generator=g, dtype=torch.float64)
        self.z = self.w @ self.a0 + self.b
        self.z.retain_grad()
        self.a = torch.sigmoid(self.z)
        self.a.retain_grad()
        self.cost = (0.5 if half else 1.0) * ((self.a - self.y) ** 2).sum()
        self.cost.backward()
        assert self.z.grad is not None and self.a.grad is not None and self.w.grad is not None
        self.dz, self.da, self.dw = self.z.grad, self.a.grad, self.w.grad
        assert self.b.grad is not None
        self.db = self.b.grad
        self.delta = sign * self.dz
        self.a_, self.z_ = self.a.detach(), self.z.detach()
        self.prime = self.a_ * (1 - self.a_)


def close(x: torch.Tensor, y: torch.Tensor) -> bool:
    return bool(torch.allclose(x, y, rtol=1e-9, atol=1e-12))


FORWARD = (
    r"$$z_j^{(L)} = \sum_k w_{jk}^{(L)} a_k^{(L-1)} + b_j^{(L)}$$" + "\n\n"
    r"$$a_j^{(L)} = \sigma(z_j^{(L)})$$" + "\n\n"
)
COST = {True: r"\frac{1}{2}\sum_j (a_j^{(L)} - y_j)^2", False: r"\sum_j (a_j^{(L)} - y_j)^2"}
DELTA = {
    1.0: r"\delta_j^{(L)} = \frac{\partial C}{\partial z_j^{(L)}}",
    -1.0: r"\delta_j^{(L)} = -\frac{\partial C}{\partial z_j^{(L)}}",
}

#: claims after the mutant: (LaTeX, their truth in the author's model)
CLAIMS: list[tuple[str, Callable[[Model], bool]]] = [
    (r"\frac{\partial C}{\partial a_j^{(L)}} = a_j^{(L)} - y_j", lambda m: close(m.da, m.a_ - m.y)),
    (
        r"\frac{\partial C}{\partial a_j^{(L)}} = 2(a_j^{(L)} - y_j)",
        lambda m: close(m.da, 2 * (m.a_ - m.y)),
    ),
    (
        r"\delta_j^{(L)} = (a_j^{(L)} - y_j)\sigma'(z_j^{(L)})",
        lambda m: close(m.delta, (m.a_ - m.y) * m.prime),
    ),
    (
        r"\delta_j^{(L)} = -(a_j^{(L)} - y_j)\sigma'(z_j^{(L)})",
        lambda m: close(m.delta, -(m.a_ - m.y) * m.prime),
    ),
    (
        r"\delta_j^{(L)} = 2(a_j^{(L)} - y_j)\sigma'(z_j^{(L)})",
        lambda m: close(m.delta, 2 * (m.a_ - m.y) * m.prime),
    ),
    (r"\frac{\partial C}{\partial b_j^{(L)}} = \delta_j^{(L)}", lambda m: close(m.db, m.delta)),
    (r"\frac{\partial C}{\partial b_j^{(L)}} = -\delta_j^{(L)}", lambda m: close(m.db, -m.delta)),
    (
        r"\frac{\partial C}{\partial w_{jk}^{(L)}} = \delta_j^{(L)} a_k^{(L-1)}",
        lambda m: close(m.dw, torch.outer(m.delta, m.a0)),
    ),
    (
        r"\frac{\partial C}{\partial w_{jk}^{(L)}} = -\delta_j^{(L)} a_k^{(L-1)}",
        lambda m: close(m.dw, -torch.outer(m.delta, m.a0)),
    ),
]

#: definition-shaped mutants: (LaTeX, its truth in the author's model)
MUTANTS: list[tuple[str, Callable[[Model], bool]]] = [
    (DELTA[-1.0], lambda m: close(m.delta, -m.dz)),
    (DELTA[1.0], lambda m: close(m.delta, m.dz)),
    (
        r"\delta_j^{(L)} = -\frac{\partial C}{\partial a_j^{(L)}}\frac{\partial a_j^{(L)}}{\partial z_j^{(L)}}",
        lambda m: close(m.delta, -m.da * m.prime),
    ),
    (
        r"\delta_j^{(L)} = \frac{\partial C}{\partial a_j^{(L)}}\frac{\partial a_j^{(L)}}{\partial z_j^{(L)}}",
        lambda m: close(m.delta, m.da * m.prime),
    ),
    (f"C = {COST[False]}", lambda m: close(m.cost.detach(), ((m.a_ - m.y) ** 2).sum())),
    (f"C = {COST[True]}", lambda m: close(m.cost.detach(), 0.5 * ((m.a_ - m.y) ** 2).sum())),
    (
        r"C = \frac{1}{4}\sum_j (a_j^{(L)} - y_j)^2",
        lambda m: close(m.cost.detach(), 0.25 * ((m.a_ - m.y) ** 2).sum()),
    ),
    (
        r"C = -\frac{1}{2}\sum_j (a_j^{(L)} - y_j)^2",
        lambda m: close(m.cost.detach(), -0.5 * ((m.a_ - m.y) ** 2).sum()),
    ),
]

BASES = [(1.0, True), (-1.0, True), (1.0, False)]


def _document(sign: float, half: bool, mutant: str) -> str:
    claims = "".join(f"$${c}$$\n\n" for c, _ in CLAIMS)
    return (
        FORWARD
        + f"$$C = {COST[half]}$$\n\n"
        + f"$${DELTA[sign]}$$\n\n"
        + f"$${mutant}$$\n\n"
        + claims
    )


@pytest.mark.parametrize("sign,half", BASES)
@pytest.mark.parametrize("k", range(len(MUTANTS)))
def test_a_false_definition_shaped_claim_governs_nothing(sign: float, half: bool, k: int) -> None:
    model = Model(seed=100 + k, sign=sign, half=half)
    mutant, mutant_true = MUTANTS[k]
    truth = [t(model) for _, t in CLAIMS]
    assert any(truth) and not all(truth)  # the battery has both kinds in every model
    results = _check(_document(sign, half, mutant))
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[:3] == ["defined"] * 3, [r.reason for r in results[:3]]
    # δ = ∂C/∂z of a cost without ½ is twice the network's δ: not built (an error, and what uses
    # δ is not judged), never a model that contradicts it
    assert verdicts[3] == "defined" or (not half and verdicts[3] == "error"), results[3].reason
    if mutant_true(model):  # a true restatement (an error when δ's definition was not built)
        assert verdicts[4] in ("proved", "defined", "error"), results[4].reason
    else:
        assert verdicts[4] not in ("proved", "defined"), (mutant, results[4].reason)
    for (claim, _), holds, r in zip(CLAIMS, truth, results[5:], strict=True):
        if holds:
            assert str(r.verdict) != "refuted", (mutant, claim, r.reason)
        else:
            assert str(r.verdict) not in ("proved", "defined"), (mutant, claim, r.reason)


def test_the_battery_is_decided_in_the_authors_model() -> None:
    """Not vacuous: without a mutant, every claim of the plain document is proved or refuted as
    autograd says."""
    model = Model(seed=7)
    results = _check(
        FORWARD
        + f"$$C = {COST[True]}$$\n\n$${DELTA[1.0]}$$\n\n"
        + "".join(f"$${c}$$\n\n" for c, _ in CLAIMS)
    )
    got = [str(r.verdict) for r in results[4:]]
    assert got == ["proved" if t(model) else "refuted" for _, t in CLAIMS]


SAMPLES = 5  # the sample count, different from both widths


def _mean_gradient(mean: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(11)
    a = torch.rand(SAMPLES, N_OUT, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.rand(SAMPLES, N_OUT, generator=g, dtype=torch.float64)
    c = 0.5 * ((a - y) ** 2).sum() / (SAMPLES if mean else 1)
    c.backward()
    assert a.grad is not None
    return a.detach(), y, a.grad


def test_a_mean_restated_as_a_sum_over_samples_is_a_claim() -> None:
    """C = (1/2n) Σ_x Σ_j (a − y)², then C = ½ Σ_x Σ_j (a − y)² (the 1/n dropped): the second is
    a claim, refuted, and ∂C/∂a_xj stays (a − y)/n after it (autograd at n = 5, 4 outputs)."""
    a, y, grad = _mean_gradient(mean=True)
    assert close(grad, (a - y) / SAMPLES) and not close(grad, a - y)
    d = r"\frac{\partial C}{\partial a^{(L)}_{xj}}"
    results = _check(
        r"$$C = \frac{1}{2n}\sum_x \sum_j (a^{(L)}_{xj} - y_{xj})^2$$" + "\n\n"
        r"$$C = \frac{1}{2}\sum_x \sum_j (a^{(L)}_{xj} - y_{xj})^2$$" + "\n\n"
        f"$${d} = a^{{(L)}}_{{xj}} - y_{{xj}}$$\n\n"
        f"$${d} = \\frac{{1}}{{n}}(a^{{(L)}}_{{xj}} - y_{{xj}})$$\n"
    )
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[0] == "defined"
    assert verdicts[1] not in ("proved", "defined")
    assert verdicts[2:] == ["refuted", "proved"], [r.reason for r in results]


def test_one_examples_cost_after_the_mean_is_a_definition() -> None:
    """Nielsen: C the mean (1/2n) Σ_x ‖y − a‖², then C = ½ Σ_j (y_j − a_j)² for one example (the
    same per-example term): a redefinition, which governs what follows (∂C/∂a_j = a_j − y_j,
    autograd below with one sample)."""
    a, y, grad = _mean_gradient(mean=False)
    assert close(grad, a - y)
    results = _check(
        r"$$C = \frac{1}{2n}\sum_x \sum_j (a^{(L)}_{xj} - y_{xj})^2$$" + "\n\n"
        r"$$C = \frac{1}{2}\sum_j (a^{(L)}_j - y_j)^2$$" + "\n\n"
        r"$$\frac{\partial C}{\partial a^{(L)}_j} = a^{(L)}_j - y_j$$" + "\n"
    )
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[0] == "defined" and verdicts[1] in ("defined", "proved")
    assert verdicts[2] == "proved", results[2].reason


SCALAR = r"""
$$net_{o1} = w_1 i_1 + b_1$$

$$out_{o1} = \frac{1}{1 + e^{-net_{o1}}}$$

$$E_{total} = \frac{1}{2}(target_{o1} - out_{o1})^2$$

$$E_{total} = MUTANT$$

$$\frac{\partial E_{total}}{\partial w_1} = (out_{o1} - target_{o1}) out_{o1} (1 - out_{o1}) i_1$$

$$\frac{\partial E_{total}}{\partial w_1} = 2(out_{o1} - target_{o1}) out_{o1} (1 - out_{o1}) i_1$$
"""


@pytest.mark.parametrize(
    "mutant",
    [
        r"(target_{o1} - out_{o1})^2",
        r"\frac{1}{2}(target_{o1} + out_{o1})^2",
        r"-\frac{1}{2}(target_{o1} - out_{o1})^2",
    ],
)
def test_a_scalar_cost_restated_wrongly_governs_nothing(mutant: str) -> None:
    """In a scalar note the restated cost is not judged (a new example or a slip: the text does
    not say), and neither is what uses E after it; nothing false is proved."""
    w, x, b, t = (torch.tensor(v, dtype=torch.float64) for v in (0.3, 0.7, -0.2, 0.9))
    w.requires_grad_(True)
    out = torch.sigmoid(w * x + b)
    (0.5 * (t - out) ** 2).backward()
    assert w.grad is not None
    o = out.detach()
    truth = [close(w.grad, (o - t) * o * (1 - o) * x), close(w.grad, 2 * (o - t) * o * (1 - o) * x)]
    assert truth == [True, False]
    verdicts = [str(r.verdict) for r in _check(SCALAR.replace("MUTANT", mutant))]
    assert verdicts[:3] == ["defined"] * 3
    assert verdicts[3] not in ("proved", "defined")
    assert verdicts[5] not in ("proved", "defined") and verdicts[4] != "refuted"
