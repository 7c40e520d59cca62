"""Definitions define: a document's scalar definitions build the model its claims are judged in.
Truth from our own evaluator: PyTorch autograd on the network the document defines,
at random values (never from derivator)."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
import torch

from derivator.document import Run, check_text


def _check(text: str) -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text("doc.md", text, run)


def _mazur_values(seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    names = ["i_1", "i_2", "w_1", "w_2", "w_5", "w_6", "b_1", "b_2", "target_{o1}"]
    return {k: round(rng.uniform(0.05, 0.95), 2) for k in names}


def _torch_gradient(v: dict[str, float]) -> float:
    """∂E/∂w_5 of Mazur's network (one hidden unit feeding o1 written out), by autograd."""
    t = {k: torch.tensor(x, dtype=torch.float64, requires_grad=True) for k, x in v.items()}
    h1 = torch.sigmoid(t["w_1"] * t["i_1"] + t["w_2"] * t["i_2"] + t["b_1"])
    o1 = torch.sigmoid(t["w_5"] * h1 + t["w_6"] * h1 + t["b_2"])
    e = 0.5 * (t["target_{o1}"] - o1) ** 2
    e.backward()
    return float(t["w_5"].grad)


DOC = r"""
$${given}$$

$$net_{{h1}} = w_1 * i_1 + w_2 * i_2 + b_1 * 1$$

$$out_{{h1}} = \frac{{1}}{{1+e^{{-net_{{h1}}}}}}$$

$$net_{{o1}} = w_5 * out_{{h1}} + w_6 * out_{{h1}} + b_2 * 1$$

$$out_{{o1}} = \frac{{1}}{{1+e^{{-net_{{o1}}}}}}$$

$$E_{{total}} = \frac{{1}}{{2}}(target_{{o1}} - out_{{o1}})^{{2}}$$

$$\delta_{{o1}} = -\frac{{\partial E_{{total}}}}{{\partial net_{{o1}}}}$$

$$\frac{{\partial E_{{total}}}}{{\partial w_{{5}}}} = -(target_{{o1}} - out_{{o1}}) * out_{{o1}}(1 - out_{{o1}}) * out_{{h1}}$$

$$\frac{{\partial E_{{total}}}}{{\partial w_{{5}}}} = (target_{{o1}} - out_{{o1}}) * out_{{o1}}(1 - out_{{o1}}) * out_{{h1}}$$

$$\frac{{\partial E_{{total}}}}{{\partial w_{{5}}}} = -\delta_{{o1}} out_{{h1}}$$

$$\frac{{\partial E_{{total}}}}{{\partial w_{{5}}}} = {value}$$

$$net_{{h1}} = w_1 * i_1 + w_5 * i_2 + b_1 * 1$$
"""


def test_numbered_units_build_the_model_and_claims_are_judged_in_it() -> None:
    """Mazur's style (h1, o1, w_5, net/out/target words, E_total): the forward pass, the cost
    and the given values are defined, never refuted; δ = −∂E/∂net keeps its sign; the gradient
    claims are proved or refuted as autograd says; a restatement that differs is not judged."""
    v = _mazur_values(7)
    grad = _torch_gradient(v)
    given = r", \quad ".join(f"{k} = {x}" for k, x in v.items())
    results = _check(DOC.format(given=given, value=f"{grad:.9f}"))
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[: len(v)] == ["defined"] * len(v)
    rest = verdicts[len(v) :]
    # net_h1, out_h1, net_o1, out_o1, E_total, δ_o1: definitions
    assert rest[:6] == ["defined"] * 6
    # the true gradient (autograd's sign), the wrong sign, with δ's own sign, the number
    assert rest[6:10] == ["proved", "refuted", "proved", "proved"]
    assert "precision" in results[len(v) + 9].method
    # the second net_h1 (w_5 where the first has w_2) differs from the first at the document's
    # own values (autograd's network above): a claim about net_h1, refuted
    t = {k: torch.tensor(x, dtype=torch.float64) for k, x in v.items()}
    assert float(t["w_2"] * t["i_2"]) != float(t["w_5"] * t["i_2"])
    assert rest[10] == "refuted"


def test_what_follows_a_restatement_that_differs_is_judged_in_both_readings() -> None:
    """After net_h1 is restated differently (a slip, or a new definition: the text does not
    say), a claim is judged with either formula in force; a verdict both give stands (∂net_h1/∂w_1
    is i_1 either way: autograd on both formulas), a claim whose truth depends on the reading
    is an error naming the two lines (∂net_h1/∂i_2 is w_2 in the first, w_5 in the second)."""
    v = _mazur_values(3)
    t = {k: torch.tensor(x, dtype=torch.float64, requires_grad=True) for k, x in v.items()}
    first = t["w_1"] * t["i_1"] + t["w_2"] * t["i_2"] + t["b_1"]
    second = t["w_1"] * t["i_1"] + t["w_5"] * t["i_2"] + t["b_1"]
    d1 = torch.autograd.grad(first, [t["w_1"], t["i_2"]])
    d2 = torch.autograd.grad(second, [t["w_1"], t["i_2"]])
    assert float(d1[0]) == float(d2[0]) == v["i_1"]  # ∂/∂w_1: i_1 in both readings
    assert float(d1[1]) != float(d2[1])  # ∂/∂i_2: w_2, or w_5
    given = r", \quad ".join(f"{k} = {x}" for k, x in v.items())
    doc = DOC.format(given=given, value="0.5") + (
        "\n$$\\frac{\\partial net_{h1}}{\\partial w_1} = i_1$$\n"
        "\n$$\\frac{\\partial net_{h1}}{\\partial i_2} = w_2$$\n"
    )
    results = _check(doc)
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[-3:] == ["refuted", "proved", "error"], verdicts[-3:]
    assert "in both readings" in results[-2].method
    assert "stated differently" in results[-1].reason


def test_composed_functions_left_generic() -> None:
    """z = f(g(x)) with f, g never defined: the chain rule holds for every f and g."""
    x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    z = torch.sin(x**2)  # one instance of f(g(x)): f = sin, g = square
    z.backward()
    assert abs(float(x.grad) - torch.cos(x**2).item() * 2 * 0.3) < 1e-12
    results = _check(
        "$$y = g(x)$$\n\n$$z = f(y)$$\n\n$$\\frac{dz}{dx} = f'(g(x)) \\cdot g'(x)$$\n\n"
        "$$\\frac{dz}{dx} = f'(x) \\cdot g'(x)$$\n"
    )
    assert [str(r.verdict) for r in results] == ["defined", "defined", "proved", "unknown"]


def test_a_formula_for_a_standard_function_is_a_claim() -> None:
    """σ(z) = 1/(1+e^{z}) is not a definition of σ: it is refuted."""
    results = _check("$$\\sigma(z) = \\frac{1}{1+e^{z}}$$\n")
    assert [str(r.verdict) for r in results] == ["refuted"]


def test_delta_formula_is_a_claim_not_a_definition() -> None:
    """A formula for δ is a claim; only δ as a partial of the cost defines it."""
    results = _check(
        "$$u = w x$$\n\n$$L = \\frac{1}{2}(u - t)^2$$\n\n$$\\delta = u + t$$\n\n"
        "$$\\delta = \\frac{\\partial L}{\\partial u}$$\n\n$$\\frac{\\partial L}{\\partial w} = \\delta x$$\n"
    )
    assert [str(r.verdict) for r in results][:2] == ["defined", "defined"]
    assert str(results[2].verdict) != "defined"
    assert [str(r.verdict) for r in results][3:] == ["defined", "proved"]


def test_network_definitions_are_defined_and_a_formula_for_delta_is_a_claim() -> None:
    """The forward pass defines z and a (the network satisfies it), the cost as written the
    squared error; δ = a − y is a claim, false for a sigmoid output under the squared error
    (autograd at random sizes: δ = (a − y)σ′(z))."""
    torch.manual_seed(3)
    n, k, j = 5, 3, 4  # samples and widths differ
    a_prev = torch.rand(n, k, dtype=torch.float64)
    w = torch.rand(j, k, dtype=torch.float64)
    b = torch.rand(j, dtype=torch.float64)
    y = torch.rand(n, j, dtype=torch.float64)
    z = (a_prev @ w.T + b).requires_grad_(True)
    loss = (0.5 * (torch.sigmoid(z) - y) ** 2).sum()
    loss.backward()
    assert z.grad is not None
    assert not torch.allclose(z.grad, torch.sigmoid(z) - y)  # the claim is false
    results = _check(
        "$$z^{(L)}_{ij} = \\sum_k w^{(L)}_{jk} a^{(L-1)}_{ik} + b^{(L)}_j$$\n\n"
        "$$a^{(L)}_{ij} = \\sigma(z^{(L)}_{ij})$$\n\n"
        "$$L_i = \\frac{1}{2}\\sum_j (a^{(L)}_{ij} - y_{ij})^2$$\n\n"
        "$$\\delta^{(L)}_{ij} = a^{(L)}_{ij} - y_{ij}$$\n"
    )
    assert [str(r.verdict) for r in results] == ["defined", "defined", "defined", "refuted"]
    assert [r.defines for r in results] == ["z", "a", "L", ""]


def test_a_definition_that_cannot_be_read_takes_its_name_with_it() -> None:
    """A cost whose definition cannot be read is not replaced by the default mean loss: the
    relations after it that use it are errors naming its line."""
    results = _check(
        "$$L = \\frac{1}{2} \\|a^{(L)} - y_{\\text{true}}\\|^2$$\n\n"
        "$$\\frac{\\partial L}{\\partial b^{(L)}_j} = \\delta^{(L)}_j$$\n"
    )
    assert [str(r.verdict) for r in results] == ["error", "error"]
    assert "(line 1)" in results[1].reason


NETWORK_DOC = r"""
$$z^{{(L)}}_{{j}} = \sum_k w^{{(L)}}_{{jk}} a^{{(L-1)}}_{{k}} + b^{{(L)}}_j$$

$$a^{{(L)}}_{{j}} = \sigma(z^{{(L)}}_{{j}})$$

$$C = {cost}\sum_j (a^{{(L)}}_j - y_j)^2$$

$$\frac{{\partial C}}{{\partial a^{{(L)}}_j}} = a^{{(L)}}_j - y_j$$
"""

SCALAR_DOC = r"""
$$net_{{h1}} = w_1 * i_1 + w_2 * i_2 + b_1 * 1$$

$$out_{{h1}} = \frac{{1}}{{1+e^{{-net_{{h1}}}}}}$$

$$E = {cost}(t - out_{{h1}})^{{2}}$$

$$\frac{{\partial E}}{{\partial w_{{1}}}} = -(t - out_{{h1}}) * out_{{h1}}(1 - out_{{h1}}) * i_1$$
"""


def test_the_cache_keys_a_verdict_by_the_definitions_in_force(tmp_path: Path) -> None:
    """The same claims under definitions that change between runs (the cost with ½ and
    without), and in documents of one run that share a relation's text but define its names
    differently: through the persistent cache, cold, warm, in either order and with a file
    edited, every verdict equals an uncached run's.  Truth: ∂C/∂a_j = a_j − y_j holds only for
    the cost with ½ (autograd below); a^(L) = σ(z^(L)) is defined where it defines a and a claim
    where tanh defined it first."""
    from derivator.document import batch
    from derivator.document.cache import Cache

    a = torch.rand(4, dtype=torch.float64, requires_grad=True)
    y = torch.rand(4, dtype=torch.float64)
    for half, holds in ((0.5, True), (1.0, False)):
        a.grad = None
        (half * ((a - y) ** 2).sum()).backward()
        assert a.grad is not None and torch.allclose(a.grad, a - y) == holds
    folder = tmp_path / "notes"
    folder.mkdir()
    net, units, other, tanh = (str(folder / f) for f in ("net.md", "units.md", "b.md", "c.md"))
    options = batch.Options(jobs=1)

    def write(cost: str) -> None:
        Path(net).write_text(NETWORK_DOC.format(cost=cost), encoding="utf-8")
        Path(units).write_text(SCALAR_DOC.format(cost=cost), encoding="utf-8")

    def verdicts(names: list[str], cache: Cache | None) -> list[tuple[str, int, str, str]]:
        rs = batch.check_paths(names, options, cache).results
        return [(r.file, r.line, str(r.verdict), r.method) for r in rs]

    uncached = {}
    for cost in (r"\frac{1}{2}", ""):
        write(cost)
        uncached[cost] = verdicts([net, units], None)
    assert uncached[r"\frac{1}{2}"][3][2] == "proved" and uncached[""][3][2] == "refuted"
    assert uncached[r"\frac{1}{2}"][-1][2] == "proved" and uncached[""][-1][2] == "refuted"
    cache = Cache.open(tmp_path / "cache")
    for cost in (r"\frac{1}{2}", "", r"\frac{1}{2}", ""):
        write(cost)
        assert verdicts([net, units], cache) == uncached[cost]

    # one run, two documents: the same relations under the cost with ½ and without, and a
    # document where tanh defined a^(L) before the text that defines it elsewhere
    write(r"\frac{1}{2}")
    Path(other).write_text(NETWORK_DOC.format(cost=""), encoding="utf-8")
    lines = NETWORK_DOC.format(cost=r"\frac{1}{2}").split("\n")
    tanh_text = "\n".join(lines[:3] + [r"$$a^{(L)}_{j} = \tanh(z^{(L)}_{j})$$", ""] + lines[3:])
    Path(tanh).write_text(tanh_text, encoding="utf-8")
    names = [net, other, tanh]
    alone = [v for n in names for v in verdicts([n], None)]
    assert [v[2] for v in alone if v[0] == net] == ["defined", "defined", "defined", "proved"]
    assert [v[2] for v in alone if v[0] == other][3] == "refuted"
    assert [v[2] for v in alone if v[0] == tanh][2] == "proved"  # a = σ(z): a claim there
    for order in (names, names[::-1]):
        store = Cache.open(tmp_path / f"cache-{order[0][-4]}")
        for _ in range(2):  # cold, then every file from the cache
            got = verdicts(order, store)
            assert sorted(got) == sorted(alone)
        for n in order:  # each file edited: re-read, its relations found in the cache
            text = Path(n).read_text(encoding="utf-8")
            Path(n).write_text(text + "\n", encoding="utf-8")
            rs = batch.check_paths([n], options, store).results
            assert [(r.file, r.line, str(r.verdict), r.method) for r in rs] == [
                v for v in alone if v[0] == n
            ]
            assert any(r.cached for r in rs)  # the relations' own entries answered
            Path(n).write_text(text, encoding="utf-8")


def test_a_formula_for_delta_never_rebuilds_a_delta_defined_with_another_sign() -> None:
    """δ = −∂C/∂z (the author's sign) is not the network's δ; a later formula δ = (a − y)σ′(z)
    is a claim, false in the author's model (autograd at random sizes, widths differing): it is
    never proved, nor the gradient written with it."""
    torch.manual_seed(5)
    n_prev, n_out = 3, 4
    a_prev = torch.rand(n_prev, dtype=torch.float64)
    w = torch.rand(n_out, n_prev, dtype=torch.float64)
    b = torch.rand(n_out, dtype=torch.float64)
    y = torch.rand(n_out, dtype=torch.float64)
    z = (w @ a_prev + b).requires_grad_(True)
    cost = 0.5 * ((torch.sigmoid(z) - y) ** 2).sum()
    cost.backward()
    assert z.grad is not None
    delta = -z.grad  # the author's δ
    claim = (torch.sigmoid(z) - y) * torch.sigmoid(z) * (1 - torch.sigmoid(z))
    assert not torch.allclose(delta, claim)  # the claim is false in the author's model
    results = _check(
        "$$z^{(L)}_{j} = \\sum_k w^{(L)}_{jk} a^{(L-1)}_{k} + b^{(L)}_j$$\n\n"
        "$$a^{(L)}_{j} = \\sigma(z^{(L)}_{j})$$\n\n"
        "$$C = \\frac{1}{2}\\sum_j (a^{(L)}_j - y_j)^2$$\n\n"
        "$$\\delta^{(L)}_j = -\\frac{\\partial C}{\\partial z^{(L)}_j}$$\n\n"
        "$$\\delta^{(L)}_j = (a^{(L)}_j - y_j)\\sigma'(z^{(L)}_j)$$\n\n"
        "$$\\frac{\\partial C}{\\partial w^{(L)}_{jk}} = \\delta^{(L)}_j a^{(L-1)}_k$$\n"
    )
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[:3] == ["defined"] * 3
    assert "proved" not in verdicts[3:] and "defined" not in verdicts[4:]


def test_the_forward_pass_orients_the_weights_from_its_line_on() -> None:
    """z_j = Σ_i w_ij a_i + b_j runs the weights from i to j: it is defined, and after it
    ∂z_j/∂a_i = w_ij holds and w_ji does not (NumPy at random sizes, widths differing: w_ji is
    then not even an entry of the weights), also when a claim in the notation's own order
    (w_jk from k to j) came before the forward pass."""
    rng = np.random.default_rng(22)
    n_prev, n_out = 3, 5
    a_prev = rng.normal(size=n_prev)
    w = rng.normal(size=(n_prev, n_out))  # w[i, j]: from unit i below to unit j
    b = rng.normal(size=n_out)
    h = 1e-6
    for i in range(n_prev):
        bumped = a_prev.copy()
        bumped[i] += h
        slope = ((bumped @ w + b) - (a_prev @ w + b)) / h
        assert np.allclose(slope, w[i, :], atol=1e-6)  # ∂z_j/∂a_i = w_ij for every j
    with pytest.raises(IndexError):
        w[n_out - 1, 0]  # w_ji with j = n_out − 1 is no weight
    forward = r"$$z_j^l = \sum_i w_{ij}^l a_i^{l-1} + b_j^l$$" + "\n\n"
    claims = (
        r"$$\frac{\partial z_j^l}{\partial a_i^{l-1}} = w_{ji}^l$$" + "\n\n"
        r"$$\frac{\partial z_j^l}{\partial a_i^{l-1}} = w_{ij}^l$$" + "\n"
    )
    before = r"$$\frac{\partial z_j^{(L)}}{\partial w_{jk}^{(L)}} = a_k^{(L-1)}$$" + "\n\n"
    for text, first in ((forward + claims, 0), (before + forward + claims, 1)):
        verdicts = [str(r.verdict) for r in _check(text)]
        assert verdicts[first:] == ["defined", "refuted", "proved"], verdicts


COSTS = [
    # (the cost as written, its factor on Σ_x Σ_j (a − y)², whether it sums over samples)
    (r"\frac{1}{2n}\sum_x \sum_j (a^{(L)}_{xj} - y_{xj})^2", "mean"),
    (r"n^{-1}\sum_x \frac{1}{2}\sum_j (a^{(L)}_{xj} - y_{xj})^2", "mean"),
    (r"0.5 \frac{1}{n}\sum_x \sum_j (a^{(L)}_{xj} - y_{xj})^2", "mean"),
    (r"\frac{1}{2}\sum_x \sum_j (a^{(L)}_{xj} - y_{xj})^2", "sum"),
]


@pytest.mark.parametrize("cost,kind", COSTS)
def test_the_cost_as_written_with_its_normalisation(cost: str, kind: str) -> None:
    """Each cost is a definition (defined), and the gradient claims after it are judged in it:
    ∂C/∂a_xj = (a − y)/n for the means, a − y for the sum over samples (NumPy's central
    difference at n = 4 samples, 3 outputs)."""
    rng = np.random.default_rng(1)
    n, width, h = 4, 3, 1e-6
    a, y = rng.random((n, width)), rng.random((n, width))

    def c(a: np.ndarray) -> float:
        total = 0.5 * ((a - y) ** 2).sum()
        return total / n if kind == "mean" else total

    bumped, lowered = a.copy(), a.copy()
    bumped[1, 2] += h
    lowered[1, 2] -= h
    slope = (c(bumped) - c(lowered)) / (2 * h)
    over_n = (a[1, 2] - y[1, 2]) / n
    assert abs(slope - (over_n if kind == "mean" else n * over_n)) < 1e-6
    results = _check(
        f"$$C = {cost}$$\n\n"
        r"$$\frac{\partial C}{\partial a^{(L)}_{xj}} = \frac{1}{n}(a^{(L)}_{xj} - y_{xj})$$"
        + "\n\n"
        r"$$\frac{\partial C}{\partial a^{(L)}_{xj}} = a^{(L)}_{xj} - y_{xj}$$" + "\n"
    )
    want = ["proved", "refuted"] if kind == "mean" else ["refuted", "proved"]
    assert [str(r.verdict) for r in results] == ["defined", *want]


def test_a_regularised_cost_is_not_judged_as_the_plain_loss() -> None:
    """J = L + λ/2 Σ w² cannot be built (λ is no quantity of the network): what uses J is an
    error naming its line, never judged as if J were L (∂J/∂w = ∂L/∂w + λw: NumPy below)."""
    rng = np.random.default_rng(3)
    w, lam, h = rng.normal(size=(3, 2)), 0.7, 1e-6

    def j(w: np.ndarray) -> float:  # the loss part does not matter: any L(w) plus the decay
        return float(np.sin(w).sum() + lam / 2 * (w**2).sum())

    bumped, lowered = w.copy(), w.copy()
    bumped[1, 0] += h
    lowered[1, 0] -= h
    slope = (j(bumped) - j(lowered)) / (2 * h)
    assert abs(slope - (np.cos(w[1, 0]) + lam * w[1, 0])) < 1e-6  # not ∂L/∂w alone
    results = _check(
        "$$z^{(L)}_{j} = \\sum_k w^{(L)}_{jk} a^{(L-1)}_{k} + b^{(L)}_j$$\n\n"
        "$$a^{(L)}_{j} = \\sigma(z^{(L)}_{j})$$\n\n"
        "$$L = \\frac{1}{2}\\sum_j (a^{(L)}_j - y_j)^2$$\n\n"
        "$$J = L + \\frac{\\lambda}{2}\\sum_{j} (w^{(L)}_{jk})^2$$\n\n"
        "$$\\frac{\\partial J}{\\partial w^{(L)}_{jk}} = \\frac{\\partial L}{\\partial w^{(L)}_{jk}}$$\n"
    )
    assert [str(r.verdict) for r in results] == ["defined"] * 3 + ["error", "error"]
    assert "(line 7)" in results[4].reason


def test_a_cost_that_cannot_be_built_takes_delta_with_it() -> None:
    """A cross-entropy with weight decay (λ is no quantity of the network) cannot be built; δ is
    a partial of that cost, so δ = a − y is not judged in the default squared error, where it is
    false: it is an error naming the cost's line.  (With softmax outputs and −Σ y log a, δ = a − y
    holds: autograd below, so a refutation would be wrong.)"""
    torch.manual_seed(8)
    z = torch.rand(5, dtype=torch.float64, requires_grad=True)
    y = torch.softmax(torch.rand(5, dtype=torch.float64), 0)
    (-(y * torch.log_softmax(z, 0)).sum()).backward()
    assert z.grad is not None and torch.allclose(z.grad, torch.softmax(z, 0) - y)
    results = _check(
        "$$z^{(L)}_{j} = \\sum_k w^{(L)}_{jk} a^{(L-1)}_{k} + b^{(L)}_j$$\n\n"
        "$$J = -\\sum_j y_j \\log a^{(L)}_j + \\frac{\\lambda}{2}\\sum_j (w^{(L)}_{jk})^2$$\n\n"
        "$$\\delta^{(L)}_j = a^{(L)}_j - y_j$$\n"
    )
    assert [str(r.verdict) for r in results] == ["defined", "error", "error"]
    assert "the cost J" in results[2].reason and "(line 3)" in results[2].reason


SIGN_DOC = r"""
$$z_j^{(l)} = \sum_k w_{jk}^{(l)} a_k^{(l-1)} + b_j^{(l)}$$

$$a_j^{(l)} = \sigma(z_j^{(l)})$$

$$C = \frac{1}{2}\sum_j (a_j^{(L)} - y_j)^2$$

$$\delta_j^{(l)} = -\frac{\partial C}{\partial z_j^{(l)}}$$

$$\delta_j^{(L)} = (y_j - a_j^{(L)}) \sigma'(z_j^{(L)})$$

$$\delta_j^{(L)} = (a_j^{(L)} - y_j) \sigma'(z_j^{(L)})$$

$$\frac{\partial C}{\partial w_{jk}^{(l)}} = -\delta_j^{(l)} a_k^{(l-1)}$$

$$\frac{\partial C}{\partial w_{jk}^{(l)}} = \delta_j^{(l)} a_k^{(l-1)}$$

$$\delta_j^{(l)} = \sigma'(z_j^{(l)}) \sum_k w_{kj}^{(l+1)} \delta_k^{(l+1)}$$

$$\delta_j^{(l)} = -\sigma'(z_j^{(l)}) \sum_k w_{kj}^{(l+1)} \delta_k^{(l+1)}$$
"""


def test_delta_with_the_authors_sign_is_used_with_that_sign() -> None:
    """δ_j = −∂C/∂z_j defines δ with a minus sign: the claims after it are judged with that sign
    (autograd on a 3-5-4 network: every claim's truth below, in the author's δ)."""
    torch.manual_seed(22)
    widths = [3, 5, 4]
    a0 = torch.rand(widths[0], dtype=torch.float64)
    w1 = torch.randn(widths[1], widths[0], dtype=torch.float64)
    b1 = torch.randn(widths[1], dtype=torch.float64)
    w2 = torch.randn(widths[2], widths[1], dtype=torch.float64)
    b2 = torch.randn(widths[2], dtype=torch.float64)
    y = torch.rand(widths[2], dtype=torch.float64)
    w1.requires_grad_(True)
    z1 = w1 @ a0 + b1
    z1.retain_grad()
    a1 = torch.sigmoid(z1)
    z2 = w2 @ a1 + b2
    z2.retain_grad()
    a2 = torch.sigmoid(z2)
    (0.5 * ((a2 - y) ** 2).sum()).backward()
    assert z1.grad is not None and z2.grad is not None and w1.grad is not None
    d1, d2 = -z1.grad, -z2.grad  # the author's δ
    prime2, prime1 = a2 * (1 - a2), a1 * (1 - a1)
    truth = [
        torch.allclose(d2, (y - a2) * prime2),
        torch.allclose(d2, (a2 - y) * prime2),
        torch.allclose(w1.grad, -torch.outer(d1, a0)),
        torch.allclose(w1.grad, torch.outer(d1, a0)),
        torch.allclose(d1, prime1 * (w2.T @ d2)),
        torch.allclose(d1, -prime1 * (w2.T @ d2)),
    ]
    assert truth == [True, False, True, False, True, False]
    results = _check(SIGN_DOC)
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[:4] == ["defined"] * 4, [r.reason for r in results]
    assert verdicts[4:] == ["proved" if t else "refuted" for t in truth]
    assert "−∂L/∂z (line 8)" in " ".join(results[4].hints)


def test_a_delta_restated_with_the_other_sign_is_a_claim() -> None:
    """δ first defined as −∂C/∂z, then written as +∂C/∂z: the first definition fixes δ's sign,
    and the second is a claim about δ, refuted (a slip of sign must not redefine δ for the
    relations after it).  After it the claims are judged with the first sign: the output δ is
    (y − a)σ′(z), not (a − y)σ′(z) (autograd in the test above: d2 = −(a − y)σ′)."""
    doc = SIGN_DOC.split("$$\\delta_j^{(L)} = (a_j")[0] + (
        "$$\\delta_j^{(l)} = \\frac{\\partial C}{\\partial z_j^{(l)}}$$\n\n"
        "$$\\delta_j^{(L)} = (y_j - a_j^{(L)}) \\sigma'(z_j^{(L)})$$\n\n"
        "$$\\delta_j^{(L)} = (a_j^{(L)} - y_j) \\sigma'(z_j^{(L)})$$\n"
    )
    verdicts = [str(r.verdict) for r in _check(doc)]
    assert verdicts == ["defined"] * 4 + ["proved", "refuted", "proved", "refuted"], verdicts


def test_two_losses_each_governs_the_relations_after_it() -> None:
    """The cost defined as the squared error, then redefined as the cross-entropy: each claim is
    judged in the loss in force at its line, instead of an "ambiguous" error (autograd on 4
    outputs fed by 3 units: the truth of each claim in each loss)."""
    torch.manual_seed(5)
    a_prev = torch.rand(3, dtype=torch.float64)
    w, b = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
    y = torch.rand(4, dtype=torch.float64)

    def grads(loss: str) -> tuple[torch.Tensor, torch.Tensor]:
        z = (w @ a_prev + b).requires_grad_(True)
        a = torch.sigmoid(z)
        a.retain_grad()
        cost = 0.5 * ((a - y) ** 2).sum() if loss == "mse" else -(y * torch.log(a)).sum()
        cost.backward()
        assert a.grad is not None
        return a.detach(), a.grad

    a, mse = grads("mse")
    _, xent = grads("xent")
    truth = [
        torch.allclose(mse, a - y),
        torch.allclose(mse, -y / a),
        torch.allclose(xent, -y / a),
        torch.allclose(xent, a - y),
    ]
    assert truth == [True, False, True, False]
    d = r"\frac{\partial C}{\partial a_j^{(L)}}"
    results = _check(
        "$$z_j^{(L)} = \\sum_k w_{jk}^{(L)} a_k^{(L-1)} + b_j^{(L)}$$\n\n"
        "$$a_j^{(L)} = \\sigma(z_j^{(L)})$$\n\n"
        "$$C = \\frac{1}{2}\\sum_j (a_j^{(L)} - y_j)^2$$\n\n"
        f"$${d} = a_j^{{(L)}} - y_j$$\n\n"
        f"$${d} = -\\frac{{y_j}}{{a_j^{{(L)}}}}$$\n\n"
        "$$C = -\\sum_j y_j \\log a_j^{(L)}$$\n\n"
        f"$${d} = -\\frac{{y_j}}{{a_j^{{(L)}}}}$$\n\n"
        f"$${d} = a_j^{{(L)}} - y_j$$\n"
    )
    verdicts = [str(r.verdict) for r in results]
    want = ["proved" if t else "refuted" for t in truth]
    assert verdicts == ["defined"] * 3 + want[:2] + ["defined"] + want[2:], verdicts


def test_two_letters_with_two_losses_stay_ambiguous() -> None:
    """Two cost letters defined with two losses at once: the network has one loss, so what uses
    them is not judged in either (an error naming the loss), never in a loss picked silently."""
    results = _check(
        "$$z_j^{(L)} = \\sum_k w_{jk}^{(L)} a_k^{(L-1)} + b_j^{(L)}$$\n\n"
        "$$a_j^{(L)} = \\sigma(z_j^{(L)})$$\n\n"
        "$$C = \\frac{1}{2}\\sum_j (a_j^{(L)} - y_j)^2$$\n\n"
        "$$E = -\\sum_j y_j \\log a_j^{(L)}$$\n\n"
        "$$\\frac{\\partial E}{\\partial a_j^{(L)}} = a_j^{(L)} - y_j$$\n"
    )
    assert str(results[-1].verdict) == "error"


LETTERS_DOC = r"""
$$h_j = \sigma\left(\sum_i v_{{ji}} x_i + b_j\right)$$

$$o_k = \sigma\left(\sum_j w_{kj} h_j + c_k\right)$$

$$E = \frac{1}{2}\sum_k (o_k - t_k)^2$$

$$\frac{\partial E}{\partial w_{kj}} = (o_k - t_k) o_k (1 - o_k) h_j$$

$$\frac{\partial E}{\partial w_{kj}} = (o_k - t_k) h_j$$

$$\frac{\partial E}{\partial c_k} = (o_k - t_k) o_k (1 - o_k)$$

$$\frac{\partial E}{\partial v_{ji}} = \sum_k (o_k - t_k) o_k (1 - o_k) w_{kj} h_j (1 - h_j) x_i$$

$$\frac{\partial E}{\partial v_{ji}} = \sum_k (o_k - t_k) o_k (1 - o_k) w_{kj} x_i$$

$$\frac{\partial E}{\partial b_j} = h_j (1 - h_j) \sum_k (o_k - t_k) o_k (1 - o_k) w_{jk}$$
"""


def test_a_letter_per_layer_gives_roles_and_layers() -> None:
    """x → h → o with weights v and w, biases b and c, target t: the forward pass's definitions
    say which letter is which quantity of which layer, and the claims are judged in that network
    (autograd on a 3-5-4 network; the last claim's w_jk is not even an entry when widths differ,
    so it cannot be proved)."""
    torch.manual_seed(7)
    x = torch.rand(3, dtype=torch.float64)
    v = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    c = torch.randn(4, dtype=torch.float64, requires_grad=True)
    t = torch.rand(4, dtype=torch.float64)
    h = torch.sigmoid(v @ x + b)
    o = torch.sigmoid(w @ h + c)
    (0.5 * ((o - t) ** 2).sum()).backward()
    assert v.grad is not None and w.grad is not None and c.grad is not None
    h, o = h.detach(), o.detach()
    g = (o - t) * o * (1 - o)
    truth = [
        torch.allclose(w.grad, torch.outer(g, h)),
        torch.allclose(w.grad, torch.outer(o - t, h)),
        torch.allclose(c.grad, g),
        torch.allclose(v.grad, torch.outer((w.detach().T @ g) * h * (1 - h), x)),
        torch.allclose(v.grad, torch.outer(w.detach().T @ g, x)),
    ]
    assert truth == [True, False, True, True, False]
    results = _check(LETTERS_DOC.replace("{{ji}}", "{ji}"))
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[:3] == ["defined"] * 3, [r.reason for r in results[:3]]
    assert verdicts[3:8] == ["proved" if x else "refuted" for x in truth], verdicts
    assert verdicts[8] != "proved"


LAYER_LETTER_DOC = r"""
$$z_j^{M} = \sum_k w_{jk}^{M} a_k^{M-1} + b_j^{M}$$

$$a_j^{M} = \sigma(z_j^{M})$$

$$C = \frac{1}{2}\sum_j (a_j^{(L)} - y_j)^2$$

$$\delta_j^{M} = \frac{\partial C}{\partial z_j^{M}}$$

$$\delta_j^{M} = \sigma'(z_j^{M})\sum_k w_{kj}^{M+1}\delta_k^{M+1}$$

$$\delta_j^{M} = \sigma'(z_j^{M})\sum_k w_{jk}^{M+1}\delta_k^{M+1}$$

$$\frac{\partial C}{\partial w_{jk}^{M}} = \delta_j^{M} a_k^{M-1}$$

$$\frac{\partial C}{\partial w_{jk}^{M}} = \delta_k^{M} a_j^{M-1}$$
"""


class _Autograd(NamedTuple):
    """A 3-5-4 sigmoid network after backward() of ½‖a2 − y‖²: inputs, parameters, the
    gradients of w1, b1 and b2, activations and δ = ∂L/∂z of both layers (the tests' truth)."""

    x: torch.Tensor
    w1_grad: torch.Tensor
    b1_grad: torch.Tensor
    b2_grad: torch.Tensor
    w2: torch.Tensor
    y: torch.Tensor
    a1: torch.Tensor
    a2: torch.Tensor
    d1: torch.Tensor
    d2: torch.Tensor


def _sigmoid_3_5_4(seed: int) -> _Autograd:
    torch.manual_seed(seed)
    x = torch.rand(3, dtype=torch.float64)
    w1 = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    b1 = torch.randn(5, dtype=torch.float64, requires_grad=True)
    w2 = torch.randn(4, 5, dtype=torch.float64)
    b2 = torch.randn(4, dtype=torch.float64, requires_grad=True)
    y = torch.rand(4, dtype=torch.float64)
    z1 = w1 @ x + b1
    z1.retain_grad()
    a1 = torch.sigmoid(z1)
    z2 = w2 @ a1 + b2
    z2.retain_grad()
    a2 = torch.sigmoid(z2)
    (0.5 * ((a2 - y) ** 2).sum()).backward()
    assert z1.grad is not None and z2.grad is not None
    assert w1.grad is not None and b1.grad is not None and b2.grad is not None
    return _Autograd(
        x, w1.grad, b1.grad, b2.grad, w2, y, a1.detach(), a2.detach(), z1.grad, z2.grad
    )


@pytest.mark.parametrize(
    "written", ["m", "{m}", "{(m)}", "{[m]}", "k", "{(k)}", "p"], ids=lambda w: w.strip("{}()[]")
)
def test_a_layer_letter_other_than_l(written: str) -> None:
    """Layers counted with m, k or p (``a^m``, ``w^{(k+1)}``) are the notation's generic layer l:
    the claims are judged there (autograd on a 3-5-4 network, hidden layer 1: the
    backpropagation with w_kj is true, with w_jk false, and so is the transposed gradient)."""
    net = _sigmoid_3_5_4(12)
    a0, w2, d1, d2 = net.x, net.w2, net.d1, net.d2
    prime = net.a1 * (1 - net.a1)
    assert torch.allclose(d1, prime * (w2.T @ d2))  # w_kj^{(l+1)}: true
    assert torch.allclose(net.w1_grad, torch.outer(d1, a0))  # δ_j a_k: true
    # w_jk^{(l+1)} δ_k and δ_k a_j name no entry at these widths (5 ≠ 4, 5 ≠ 3): false
    letter = written.strip("{}()[]")

    def sup(step: str) -> str:  # the superscript of layer M, M-1 or M+1, written as the author does
        if written == letter:
            return "^" + letter if not step else "^{" + letter + step + "}"
        return "^" + written.replace(letter, letter + step)

    doc = LAYER_LETTER_DOC
    for step in ("-1", "+1", ""):
        doc = doc.replace("^{M" + step + "}", sup(step))
    assert "M" not in doc.replace("\\sum", ""), doc
    verdicts = [str(r.verdict) for r in _check(doc)]
    assert verdicts == ["defined"] * 4 + ["proved", "refuted", "proved", "refuted"], (doc, verdicts)


def test_a_power_or_a_time_step_is_no_layer_letter() -> None:
    """``x^{n-1}`` (a power), ``h^{t-1}`` (a recurrent step) and two letters at once name no
    layer letter; ``a^{m-1}`` does."""
    from derivator.document.inference import layer_letter

    assert layer_letter([r"x^{n-1}", r"h^{t-1} = \tanh(W h^{t-2})"]) == ""
    assert layer_letter([r"a_j^{m-1}", r"w^{(k+1)}_{jk}"]) == ""
    assert layer_letter([r"\delta^{m+1}_k"]) == "m"
    assert layer_letter([r"w_{jk}^{[p-1]}"]) == "p"


def test_a_name_given_a_whole_number_means_that_number_in_what_follows() -> None:
    """ζ = 2 gives ζ its value: a relation that uses it is judged with 2 in its place, in the
    scalar model (exactly, at the document's values) and in the network's relations alike; a
    name never given a value is still an unknown quantity."""
    text = "\n\n".join(
        [
            r"$$\zeta = 2$$",
            r"$$\zeta + 1 = 3$$",
            r"$$\zeta^2 = 5$$",
            r"$$\frac{\partial L_i}{\partial a_{ij}^{(L)}} = \frac{\zeta}{2} (a_{ij}^{(L)} - y_{ij})$$",
            r"$$\frac{\partial L_i}{\partial a_{ij}^{(L)}} = \zeta (a_{ij}^{(L)} - y_{ij})$$",
            r"$$\frac{\partial L_i}{\partial a_{ij}^{(L)}} = \xi (a_{ij}^{(L)} - y_{ij})$$",
        ]
    )
    rs = _check(text)
    got = [(r.line, r.verdict) for r in rs]
    assert got == [
        (1, "defined"),
        (3, "proved"),
        (5, "refuted"),
        (7, "proved"),
        (9, "refuted"),
        (11, "error"),
    ], [(r.line, r.verdict, r.reason) for r in rs]
    assert "zeta = 2" in rs[2].reason and "4 ≠ 5" in rs[2].reason, rs[2].reason
    assert "unknown quantity xi" in rs[5].reason and "zeta" not in rs[3].reason + rs[4].reason


NUMBERED_DOC = r"""
$$z_1 = W_1 x + b_1$$

$$a_1 = \sigma(z_1)$$

$$z_2 = W_2 a_1 + b_2$$

$$a_2 = \sigma(z_2)$$

$$L = \frac{1}{2}\sum_j (a_{2,j} - y_j)^2$$

$$\delta_2 = (a_2 - y) \odot \sigma'(z_2)$$

$$\delta_2 = a_2 - y$$

$$\delta_1 = (W_2^T \delta_2) \odot \sigma'(z_1)$$

$$\frac{\partial L}{\partial W_1} = \delta_1 x^T$$

$$\frac{\partial L}{\partial b_1} = \delta_1$$

$$\frac{\partial L}{\partial b_1} = W_2^T \delta_2$$
"""


def test_layers_numbered_in_the_subscript() -> None:
    """``z_1 = W_1 x + b_1`` numbers the layers in the subscript: z_1 is z^{(1)}, W_2 is W^{(2)},
    a_{2,j} is a^{(2)}_j, and x (what layer 1 is computed from) the input a^{(0)}.  Truth from
    autograd on a 3-5-4 network with δ = ∂L/∂z."""
    net = _sigmoid_3_5_4(31)
    x, w2, y, d1, d2 = net.x, net.w2, net.y, net.d1, net.d2
    a1_, a2_ = net.a1, net.a2
    truth = [
        torch.allclose(d2, (a2_ - y) * a2_ * (1 - a2_)),
        torch.allclose(d2, a2_ - y),
        torch.allclose(d1, (w2.T @ d2) * a1_ * (1 - a1_)),
        torch.allclose(net.w1_grad, torch.outer(d1, x)),
        torch.allclose(net.b1_grad, d1),
        torch.allclose(net.b1_grad, w2.T @ d2),
    ]
    assert truth == [True, False, True, True, True, False]
    results = _check(NUMBERED_DOC)
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[:5] == ["defined", "defined", "proved", "proved", "defined"] or all(
        v == "defined" for v in verdicts[:5]
    ), [r.reason for r in results[:5]]
    assert verdicts[5:] == ["proved" if t else "refuted" for t in truth], verdicts


def test_a_sum_over_two_indices_at_once() -> None:
    r"""``\sum_{j,k}`` sums over j and over k, each over its whole range (NumPy at widths 4 and
    3: the sum over both is not the sum over j alone, which leaves k free)."""
    rng = np.random.default_rng(4)
    w, a = rng.normal(size=(4, 3)), rng.normal(size=3)
    both = sum(w[j, k] * a[k] for j in range(4) for k in range(3))
    assert np.isclose(both, (w @ a).sum()) and not np.allclose(both, (w * a).sum(axis=0))
    results = _check(
        r"$$\sum_{j,k} w^{(L)}_{jk} a^{(L-1)}_k = \sum_j \sum_k w^{(L)}_{jk} a^{(L-1)}_k$$" + "\n\n"
        r"$$\sum_{j,k} w^{(L)}_{jk} a^{(L-1)}_k = \sum_j w^{(L)}_{jk} a^{(L-1)}_k$$" + "\n"
    )
    assert str(results[0].verdict) == "proved"
    assert str(results[1].verdict) != "proved"


TWO_STEP_DOC = r"""
$$u_j = \sum_i v_{ji} x_i + b_j$$

$$h_j = \sigma(u_j)$$

$$s_k = \sum_j w_{kj} h_j + c_k$$

$$o_k = \sigma(s_k)$$

$$E = \frac{1}{2}\sum_k (o_k - t_k)^2$$

$$\frac{\partial E}{\partial s_k} = (o_k - t_k) o_k (1 - o_k)$$

$$\frac{\partial E}{\partial u_j} = h_j (1 - h_j) \sum_k w_{kj} (o_k - t_k) o_k (1 - o_k)$$

$$\frac{\partial E}{\partial u_j} = \sum_k w_{kj} (o_k - t_k) o_k (1 - o_k)$$

$$\frac{\partial E}{\partial v_{ji}} = \frac{\partial E}{\partial u_j} x_i$$

$$\frac{\partial E}{\partial c_k} = \frac{\partial E}{\partial s_k} o_k$$
"""


def test_a_letter_per_layer_with_its_weighted_input_named() -> None:
    """u_j = Σ_i v_ji x_i + b_j, h_j = σ(u_j), s_k = …, o_k = σ(s_k): each layer's weighted
    input has a letter of its own (u, s: the pre-activations), and the claims about them are
    judged (autograd on a 3-5-4 network)."""
    net = _sigmoid_3_5_4(17)  # v, b, w, c, t: w1, b1, w2, b2, y
    x, w, t, u_grad, s_grad = net.x, net.w2, net.y, net.d1, net.d2
    h_, o_ = net.a1, net.a2
    g = (o_ - t) * o_ * (1 - o_)
    truth = [
        torch.allclose(s_grad, g),
        torch.allclose(u_grad, h_ * (1 - h_) * (w.T @ g)),
        torch.allclose(u_grad, w.T @ g),
        torch.allclose(net.w1_grad, torch.outer(u_grad, x)),
        torch.allclose(net.b2_grad, s_grad * o_),
    ]
    assert truth == [True, True, False, True, False]
    verdicts = [str(r.verdict) for r in _check(TWO_STEP_DOC)]
    assert verdicts[:5] == ["defined"] * 5, verdicts
    assert verdicts[5:] == ["proved" if x else "refuted" for x in truth], verdicts


@pytest.mark.parametrize("seed", range(2))
def test_a_worked_example_without_its_initial_values_uses_the_values_it_states(
    seed: int,
) -> None:
    """The initial weights only in a figure: ``net_{h1} = w_1 i_1 + w_2 i_2 + b_1 = … = 0.3775``
    states net_{h1}'s value, and the steps after it that use net_{h1} or out_{h1} are compared,
    to the digits they show, at the values the document states (truth: math.exp on the rounded
    numbers); a step whose number is off is refuted, and the steps that would need the weights
    stay unknown."""
    rng = random.Random(seed)
    w = [round(rng.uniform(0.1, 0.9), 2) for _ in range(3)]
    i = [round(rng.uniform(0.05, 0.5), 2) for _ in range(2)]
    net = w[0] * i[0] + w[1] * i[1] + w[2]
    out = round(1 / (1 + math.exp(-round(net, 4))), 9)
    slope = round(out * (1 - out), 9)
    doc = (
        f"$$net_{{h1}} = w_1 i_1 + w_2 i_2 + b_1 = {w[0]} * {i[0]} + {w[1]} * {i[1]} + {w[2]} "
        f"= {net:.4f}$$\n\n"
        f"$$out_{{h1}} = \\frac{{1}}{{1+e^{{-net_{{h1}}}}}} = \\frac{{1}}{{1+e^{{-{net:.4f}}}}} "
        f"= {out:.9f}$$\n\n"
        f"$$\\frac{{1}}{{1+e^{{-net_{{h1}}}}}} = \\frac{{1}}{{1+e^{{-{net + 0.001:.4f}}}}}$$\n\n"
        f"$$out_{{h1}}(1 - out_{{h1}}) = {out:.9f}(1 - {out:.9f}) = {slope:.9f}$$\n\n"
        f"$$out_{{h1}}(1 - out_{{h1}}) = {slope + 3e-6:.9f}$$\n"
    )
    results = _check(doc)
    got = [(str(r.verdict), r.method) for r in results]
    # the weights have no values: the step that substitutes them is not judged
    assert got[0][0] == "defined" and got[1][0] in ("unknown", "error"), got
    assert got[2][0] == "proved", got  # arithmetic
    assert got[4][0] == "proved" and "the values the document states" in got[4][1], got
    assert got[6][0] == "refuted" and "states" in got[6][1], got  # e^{-(net + 0.001)}
    assert got[7][0] == "proved" and "states" in got[7][1], got
    assert got[9][0] == "refuted" and "states" in got[9][1], got


def test_the_norm_of_a_scalar_is_its_absolute_value() -> None:
    """``E_{o1} = \\frac12\\|target_{o1} - out_{o1}\\|^2`` (the squared error written with a norm)
    defines E_{o1}; ∂E_{o1}/∂out_{o1} = −(target − out) is proved, and ‖target − out‖ for it is
    refuted (autograd: at target 0.9, out 0.3 the derivative is −0.6, the norm 0.6)."""
    t = torch.tensor(0.9, dtype=torch.float64)
    o = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(0.5 * torch.linalg.vector_norm((t - o).reshape(1)) ** 2, o)
    d = float((t - o).detach())
    assert abs(float(g) + d) < 1e-12 and float(g) != abs(d)
    results = _check(
        "$$out_{o1} = \\frac{1}{1+e^{-net_{o1}}}$$\n\n"
        "$$E_{o1} = \\frac{1}{2}\\|target_{o1} - out_{o1}\\|^2$$\n\n"
        "$$\\frac{\\partial E_{o1}}{\\partial out_{o1}} = -(target_{o1} - out_{o1})$$\n\n"
        "$$\\frac{\\partial E_{o1}}{\\partial out_{o1}} = \\|target_{o1} - out_{o1}\\|$$\n"
    )
    assert [str(r.verdict) for r in results] == ["defined", "defined", "proved", "refuted"]


def _two_outputs(seed: int) -> tuple[dict[str, float], dict[str, float]]:
    """A 2-2-2 logistic network with Mazur's names (autograd): its given values, and the
    quantities a worked example computes (out_{o2}, E_{o2} given only by their values)."""
    rng = random.Random(seed)
    names = ["i_1", "i_2", "w_1", "w_2", "w_3", "w_4", "w_5", "w_6", "w_7", "w_8", "b_1", "b_2"]
    v = {k: round(rng.uniform(0.05, 0.95), 2) for k in names}
    v |= {"target_{o1}": 0.01, "target_{o2}": 0.99}
    t = {k: torch.tensor(x, dtype=torch.float64, requires_grad=True) for k, x in v.items()}
    h1 = torch.sigmoid(t["w_1"] * t["i_1"] + t["w_2"] * t["i_2"] + t["b_1"])
    h2 = torch.sigmoid(t["w_3"] * t["i_1"] + t["w_4"] * t["i_2"] + t["b_1"])
    o1 = torch.sigmoid(t["w_5"] * h1 + t["w_6"] * h2 + t["b_2"])
    o2 = torch.sigmoid(t["w_7"] * h1 + t["w_8"] * h2 + t["b_2"])
    o1.retain_grad()
    e = 0.5 * (t["target_{o1}"] - o1) ** 2 + 0.5 * (t["target_{o2}"] - o2) ** 2
    e.backward()
    assert o1.grad is not None
    got = {
        "out_{h2}": float(h2.detach()),
        "out_{o2}": float(o2.detach()),
        "E_{o2}": float((0.5 * (t["target_{o2}"] - o2) ** 2).detach()),
        "dE/dout_{o1}": float(o1.grad),
        "-(target-out)": float(-(t["target_{o1}"] - o1).detach()),
    }
    return v, got


@pytest.mark.parametrize("seed", range(2))
def test_a_sub_cost_given_by_its_value_is_written_out_by_a_restatement(seed: int) -> None:
    """E_{total} = E_{o1} + E_{o2} with E_{o2} (and out_{o2}) given only by their values, then
    written out, ½(target_{o1} − out_{o1})² + ½(target_{o2} − out_{o2})²: E_{o2} written as its
    numbered sibling E_{o1} is, and agreeing with the given value, so the restatement defines
    E_{total} from there on. ∂E_{total}/∂out_{o1} = −(target_{o1} − out_{o1}) is then proved
    (out_{o2}, a unit of the same layer, does not depend on out_{o1}: autograd agrees), the
    other sign refuted; a restatement without the ½ of E_{o1} is no writing-out: it differs from
    the given E_{o2}, refuted, and nothing after it is proved."""
    v, got = _two_outputs(seed)
    assert abs(got["dE/dout_{o1}"] - got["-(target-out)"]) < 1e-12
    given = r", \quad ".join(f"{k} = {x}" for k, x in v.items())
    head = (
        f"$${given}$$\n\n"
        "$$net_{h1} = w_1 * i_1 + w_2 * i_2 + b_1 * 1$$\n\n"
        "$$out_{h1} = \\frac{1}{1+e^{-net_{h1}}}$$\n\n"
        f"$$out_{{h2}} = {got['out_{h2}']:.9f}$$\n\n"
        "$$net_{o1} = w_5 * out_{h1} + w_6 * out_{h2} + b_2 * 1$$\n\n"
        "$$out_{o1} = \\frac{1}{1+e^{-net_{o1}}}$$\n\n"
        f"$$out_{{o2}} = {got['out_{o2}']:.9f}$$\n\n"
        "$$E_{o1} = \\frac{1}{2}(target_{o1} - out_{o1})^{2}$$\n\n"
        f"$$E_{{o2}} = {got['E_{o2}']:.9f}$$\n\n"
        "$$E_{total} = E_{o1} + E_{o2}$$\n\n"
    )
    claims = (
        "$$\\frac{\\partial E_{total}}{\\partial out_{o1}} = -(target_{o1} - out_{o1})$$\n\n"
        "$$\\frac{\\partial E_{total}}{\\partial out_{o1}} = (target_{o1} - out_{o1})$$\n"
    )
    out = "$$E_{total} = \\frac{1}{2}(target_{o1} - out_{o1})^{2} + \\frac{1}{2}(target_{o2} - out_{o2})^{2}$$\n\n"
    results = _check(head + out + claims)
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[-3:] == ["defined", "proved", "refuted"], [r.reason for r in results[-3:]]
    assert "E_{o2} as E_{o1} is written" in results[-3].reason
    wrong = out.replace("+ \\frac{1}{2}(target_{o2}", "+ (target_{o2}")
    verdicts = [str(r.verdict) for r in _check(head + wrong + claims)]
    # (t2 − o2)² is twice the given E_{o2}: a restatement refuted at the document's values
    assert abs((0.99 - round(got["out_{o2}"], 9)) ** 2 - got["E_{o2}"]) > 1e-6
    assert verdicts[-3] == "refuted" and "proved" not in verdicts[-2:], verdicts[-3:]


def test_no_partial_through_a_name_the_network_reading_defines() -> None:
    """ŷ = σ(z_2) and L = ½(ŷ − y)² are scalar definitions, but z_2 = a_1 W_2^T + b_2 is read by
    the network model: z_2 is no leaf of the scalar model, so ∂L/∂b_2 is not 0 there; the true
    claim (ŷ − y)σ′(z_2) (autograd) is never refuted."""
    z = torch.tensor(0.7, dtype=torch.float64)
    b = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    y_hat = torch.sigmoid(z + b)
    (g,) = torch.autograd.grad(0.5 * (y_hat - 0.5) ** 2, b)
    assert abs(float(g) - float(((y_hat - 0.5) * y_hat * (1 - y_hat)).detach())) < 1e-12
    results = _check(
        "$$z_2 = a_1 \\cdot W_2^T + b_2$$\n\n$$\\hat{y} = \\sigma(z_2)$$\n\n"
        "$$L = \\frac{1}{2}(\\hat{y} - y)^2$$\n\n"
        "$$\\frac{\\partial L}{\\partial b_2} = (\\hat{y} - y) \\sigma'(z_2)$$\n"
    )
    assert str(results[-1].verdict) not in ("refuted", "defined"), results[-1].reason


def test_a_stated_value_never_proves_its_own_restatement() -> None:
    """u_1 = 3 w_1 = 3 · 0.2 = 0.6 with w_1 never given: u_1 = 0.6 restates the chain's own
    number and stays undecided; u_1 + 1 = 1.6 is checked against it (exact arithmetic), and
    u_1 + 1 = 1.7 refuted."""
    results = _check(
        "$$u_1 = 3 w_1 = 3 * 0.2 = 0.6$$\n\n$$u_1 = 0.6$$\n\n$$u_1 + 1 = 1.6$$\n\n"
        "$$u_1 + 1 = 1.7$$\n"
    )
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[3:] == ["unknown", "proved", "refuted"], [r.reason for r in results]


@pytest.mark.parametrize("seed", range(2))
def test_a_value_only_unit_does_not_depend_on_what_is_computed_above_it(seed: int) -> None:
    """out_{h2} given only by its value stands in out_{h1}'s layer: it is computed below w_5
    (which the definitions use only in net_{o1}), so ∂net_{o1}/∂w_5 = out_{h1} is proved
    (autograd), = out_{h2} refuted at the document's values; out_{o2} stands in out_{o1}'s
    layer, above w_5, so what goes through it stays undecided."""
    v, got = _two_outputs(seed)
    t = {k: torch.tensor(x, dtype=torch.float64, requires_grad=True) for k, x in v.items()}
    h1 = torch.sigmoid(t["w_1"] * t["i_1"] + t["w_2"] * t["i_2"] + t["b_1"])
    net_o1 = t["w_5"] * h1 + t["w_6"] * round(got["out_{h2}"], 9) + t["b_2"]
    (g,) = torch.autograd.grad(net_o1, t["w_5"])
    assert abs(float(g) - float(h1.detach())) < 1e-12
    assert abs(float(h1.detach()) - got["out_{h2}"]) > 1e-6
    given = r", \quad ".join(f"{k} = {x}" for k, x in v.items())
    results = _check(
        f"$${given}$$\n\n"
        "$$net_{h1} = w_1 * i_1 + w_2 * i_2 + b_1 * 1$$\n\n"
        "$$out_{h1} = \\frac{1}{1+e^{-net_{h1}}}$$\n\n"
        f"$$out_{{h2}} = {got['out_{h2}']:.9f}$$\n\n"
        "$$net_{o1} = w_5 * out_{h1} + w_6 * out_{h2} + b_2 * 1$$\n\n"
        "$$out_{o1} = \\frac{1}{1+e^{-net_{o1}}}$$\n\n"
        f"$$out_{{o2}} = {got['out_{o2}']:.9f}$$\n\n"
        "$$E_{total} = \\frac{1}{2}(target_{o1} - out_{o1})^{2} + "
        "\\frac{1}{2}(target_{o2} - out_{o2})^{2}$$\n\n"
        "$$\\frac{\\partial net_{o1}}{\\partial w_5} = out_{h1}$$\n\n"
        "$$\\frac{\\partial net_{o1}}{\\partial w_5} = out_{h2}$$\n\n"
        "$$\\frac{\\partial E_{total}}{\\partial w_5} = -(target_{o1} - out_{o1}) * "
        "out_{o1}(1 - out_{o1}) * out_{h1}$$\n"
    )
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[-3:] == ["proved", "refuted", "unknown"], [r.reason for r in results[-3:]]


def test_the_layer_of_a_quantity_is_found_once_per_definition() -> None:
    """Definitions that each use the two before them (x_k = x_{k−1} + x_{k−2}, x_0 and x_1 leaves):
    x_k is k − 1 definitions above the leaves (truth: the chain as built).  Walked once per
    path, the depth of x_59 would take some 10^12 steps: it is found once per name."""
    import sympy as sp

    from derivator.engine.scalar import ScalarModel

    model = ScalarModel()
    xs = [sp.Symbol(f"x_{{{k}}}") for k in range(60)]
    for k in range(2, 60):
        model.formulas[xs[k]] = xs[k - 1] + xs[k - 2]
    assert [model.depth(xs[k]) for k in (0, 1, 2, 3, 59)] == [0, 0, 1, 2, 58]
