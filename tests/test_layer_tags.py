"""Layers as other authors write them: the script ℓ as the layer counter (``z_i^{(\\ell)}``,
``a^{\\ell-1}``), and layers numbered in the subscript of the document's forward steps whatever
stands beside the weight matrix (``z_1 = X W_1 + b_1``).  Truth from PyTorch autograd, one
sample at a time, on networks at random sizes where the sample count and every width differ;
never from derivator.  Documents go through the public API."""

from __future__ import annotations

import random

import pytest
import torch

from derivator.document import Run, check_text


def _check(text: str) -> list:
    with Run(jobs=1, timeout=30) as run:
        return check_text("doc.md", text, run)


def _sizes(seed: int) -> list[int]:
    """The sample count and the widths of layers 0 … 3, all different."""
    return random.Random(seed).sample(range(2, 9), 5)


def _network(seed: int) -> dict[str, list[torch.Tensor]]:
    """A three-layer sigmoid network under L_i = ½ Σ_j (a_ij - y_ij)², per sample: the
    activations a[l], weights w[l] (rows: the layer's units), δ[l] = ∂L_i/∂z[l] and the
    gradients gw[l] = ∂L_i/∂w[l], gb[l] = ∂L_i/∂b[l] (lists over samples of lists over layers)."""
    n, *d = _sizes(seed)
    g = torch.Generator().manual_seed(seed)
    w = [torch.empty(0)] + [
        torch.randn(d[k], d[k - 1], generator=g, dtype=torch.float64) for k in (1, 2, 3)
    ]
    b = [torch.empty(0)] + [torch.randn(d[k], generator=g, dtype=torch.float64) for k in (1, 2, 3)]
    out: dict[str, list] = {k: [] for k in ("a", "w", "delta", "gw", "gb")}
    out["w"] = w
    for _ in range(n):
        x = torch.rand(d[0], generator=g, dtype=torch.float64)
        y = torch.rand(d[3], generator=g, dtype=torch.float64)
        ws = [t.clone().requires_grad_() for t in w]
        bs = [t.clone().requires_grad_() for t in b]
        a, zs = [x], [torch.empty(0)]
        for k in (1, 2, 3):
            zk = ws[k] @ a[-1] + bs[k]
            zk.retain_grad()
            zs.append(zk)
            a.append(torch.sigmoid(zk))
        (0.5 * ((a[3] - y) ** 2).sum()).backward()
        out["a"].append([t.detach() for t in a])
        out["delta"].append([torch.empty(0)] + [zs[k].grad for k in (1, 2, 3)])
        out["gw"].append([torch.empty(0)] + [ws[k].grad for k in (1, 2, 3)])
        out["gb"].append([torch.empty(0)] + [bs[k].grad for k in (1, 2, 3)])
    return out


def _every(net: dict, holds, layers: range) -> bool:
    """A claim of a generic layer l: true for every sample at every layer it names."""
    return all(bool(holds(net, s, ell)) for s in range(len(net["a"])) for ell in layers)


# ---------------------------------------------------------------------------------------------
# the script ℓ counts the layers as l does

ELL_FORWARD = (
    r"$$z_i^{(\ell)} = \sum_{j} w_{i,j}^{(\ell)} a_j^{(\ell-1)} + b_i^{(\ell)}$$" + "\n\n"
    r"$$L_s = \frac{1}{2}\sum_j (a^{(L)}_{sj} - y_{sj})^2$$" + "\n\n"
)

#: (claim, its truth at every layer where the layers it names exist, by autograd)
ELL_CLAIMS = [
    (
        r"\frac{\partial L_s}{\partial w_{i,j}^{(\ell)}} = \delta_{si}^{(\ell)} a_{sj}^{(\ell-1)}",
        lambda m: _every(
            m,
            lambda m, s, l: torch.allclose(
                m["gw"][s][l], torch.outer(m["delta"][s][l], m["a"][s][l - 1])
            ),
            range(1, 4),
        ),
    ),
    (
        r"\frac{\partial L_s}{\partial w_{i,j}^{(\ell)}} = \delta_{sj}^{(\ell)} a_{si}^{(\ell-1)}",
        lambda m: False,  # δ of layer ℓ indexed by a unit of layer ℓ-1: no such pairing
    ),
    (
        r"\delta^\ell_{si} = \sigma'(z^\ell_{si}) \sum_k w^{\ell+1}_{ki} \delta^{\ell+1}_{sk}",
        lambda m: _every(
            m,
            lambda m, s, l: torch.allclose(
                m["delta"][s][l],
                m["a"][s][l] * (1 - m["a"][s][l]) * (m["w"][l + 1].T @ m["delta"][s][l + 1]),
            ),
            range(1, 3),
        ),
    ),
    (
        r"\delta^{\ell}_{si} = \sigma'(z^{\ell}_{si}) \sum_k w^{\ell+1}_{ik} \delta^{\ell+1}_{sk}",
        lambda m: False,  # w^{ℓ+1}_{ik} with i a unit of layer ℓ: the orientation is wrong
    ),
    (
        r"\frac{\partial L_s}{\partial b_i^{(\ell)}} = \delta_{si}^{(\ell)}",
        lambda m: _every(
            m, lambda m, s, l: torch.allclose(m["gb"][s][l], m["delta"][s][l]), range(1, 4)
        ),
    ),
    (
        r"\frac{\partial L_s}{\partial b_i^{(\ell)}} = a_{si}^{(\ell)}\delta_{si}^{(\ell)}",
        lambda m: _every(
            m,
            lambda m, s, l: torch.allclose(m["gb"][s][l], m["a"][s][l] * m["delta"][s][l]),
            range(1, 4),
        ),
    ),
]


@pytest.mark.parametrize("seed", [3, 11])
def test_the_script_ell_is_the_layer_counter(seed: int) -> None:
    """``^{(\\ell)}``, ``^\\ell``, ``^{\\ell+1}`` tag a generic layer exactly as l does: each claim
    proved where autograd holds it at every layer and every sample, refuted where it does not
    (or an error where its indices pair units of different layers)."""
    net = _network(seed)
    truth = [holds(net) for _, holds in ELL_CLAIMS]
    assert truth == [True, False, True, False, True, False]
    doc = ELL_FORWARD + "\n\n".join(f"$${claim}$$" for claim, _ in ELL_CLAIMS) + "\n"
    results = _check(doc)
    assert [str(r.verdict) for r in results[:2]] == ["defined", "defined"], results[:2]
    for (claim, _), true, got in zip(ELL_CLAIMS, truth, results[2:], strict=True):
        if true:
            assert got.verdict == "proved", (claim, got.reason)
        else:
            assert got.verdict in ("refuted", "error") and "layer tag" not in got.reason, (
                claim,
                got.reason,
            )


# ---------------------------------------------------------------------------------------------
# an output named only in the prose: refused, naming the directive that declares it


def _output_layer(seed: int) -> dict[str, torch.Tensor]:
    """One sigmoid output layer under L_i = ½ Σ_j (a_ij - y_ij)², a batch at random sizes: the
    outputs a, the targets y, ∂L_i/∂a and ∂L_i/∂z by autograd (one row per sample)."""
    n, d0, d1 = _sizes(seed)[:3]
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, d0, generator=g, dtype=torch.float64)
    w = torch.randn(d1, d0, generator=g, dtype=torch.float64)
    y = torch.rand(n, d1, generator=g, dtype=torch.float64)
    z = (x @ w.T).requires_grad_(True)
    a = torch.sigmoid(z)
    a.retain_grad()
    (0.5 * ((a - y) ** 2).sum()).backward()
    assert a.grad is not None and z.grad is not None
    return {"a": a.detach(), "y": y, "da": a.grad, "dz": z.grad}


COST = r"$$L_i = \frac{1}{2}\sum_j (a^{(L)}_{ij} - y_{ij})^2$$" + "\n\n"
#: (claim in ŷ, the prediction, its truth with ŷ the output a by autograd)
HAT_CLAIMS = [
    (
        r"\frac{\partial L_i}{\partial a^{(L)}_{ij}} = \hat{y}_{ij} - y_{ij}",
        lambda m: torch.allclose(m["da"], m["a"] - m["y"]),
    ),
    (
        r"\frac{\partial L_i}{\partial a^{(L)}_{ij}} = 2(\hat{y}_{ij} - y_{ij})",
        lambda m: torch.allclose(m["da"], 2 * (m["a"] - m["y"])),
    ),
    (
        r"\frac{\partial L_i}{\partial z^{L}} = (\hat{y} - y) \odot \sigma'(z^L)",
        lambda m: torch.allclose(m["dz"], (m["a"] - m["y"]) * m["a"] * (1 - m["a"])),
    ),
    (
        r"\frac{\partial L_i}{\partial z^{L}} = (\hat{y} - y) \odot \hat{y}",
        lambda m: torch.allclose(m["dz"], (m["a"] - m["y"]) * m["a"]),
    ),
]


def test_an_output_named_only_in_the_prose_is_refused_naming_the_directive() -> None:
    """ŷ that no formula makes the output is an error at its place (index and vector forms
    alike: not a shape error of a number among vectors) naming ``letters=output:\\hat{y}``;
    with that directive each claim is proved or refuted as autograd says."""
    truth = [holds(_output_layer(5)) for _, holds in HAT_CLAIMS]
    assert truth == [True, False, True, False]
    doc = COST + "\n\n".join(f"$${claim}$$" for claim, _ in HAT_CLAIMS) + "\n"
    lines = doc.splitlines()
    for (claim, _), got in zip(HAT_CLAIMS, _check(doc)[1:], strict=True):
        assert got.verdict == "error", (claim, got.reason)
        assert "letters=output:\\hat{y}" in got.reason and "prose" in got.reason, got.reason
        assert got.at is not None, got
        row, col = got.at
        assert lines[row - 1][col - 1 :].startswith("\\hat{y}"), (claim, got.at)
    declared = "<!-- derivator: letters=output:\\hat{y} -->\n\n" + doc
    for (claim, _), true, got in zip(HAT_CLAIMS, truth, _check(declared)[1:], strict=True):
        assert got.verdict == ("proved" if true else "refuted"), (claim, got.reason)


# ---------------------------------------------------------------------------------------------
# an index letter says the layer: an untagged quantity takes the layer its unit index runs over

UNIT_CLAIMS = [
    (
        r"\delta_j = \sigma'(z^{(l)}_j) \sum_k w^{(l+1)}_{kj} \delta^{(l+1)}_k",
        lambda m: _every(
            m,
            lambda m, s, l: torch.allclose(
                m["delta"][s][l],
                m["a"][s][l] * (1 - m["a"][s][l]) * (m["w"][l + 1].T @ m["delta"][s][l + 1]),
            ),
            range(1, 3),
        ),
    ),
    (
        r"\frac{\partial L_i}{\partial w^{(l)}_{jk}} = \delta_j a^{(l-1)}_k",
        lambda m: _every(
            m,
            lambda m, s, l: torch.allclose(
                m["gw"][s][l], torch.outer(m["delta"][s][l], m["a"][s][l - 1])
            ),
            range(1, 4),
        ),
    ),
    (
        r"\frac{\partial L_i}{\partial b^{(l)}_j} = a_j \delta^{(l)}_j",
        lambda m: _every(
            m,
            lambda m, s, l: torch.allclose(m["gb"][s][l], m["a"][s][l] * m["delta"][s][l]),
            range(1, 4),
        ),
    ),
    (
        r"\frac{\partial L_i}{\partial b^{(l)}_j} = \delta_j",
        lambda m: _every(
            m, lambda m, s, l: torch.allclose(m["gb"][s][l], m["delta"][s][l]), range(1, 4)
        ),
    ),
]


@pytest.mark.parametrize("seed", [4, 9])
def test_an_index_letter_says_the_layer_of_an_untagged_quantity(seed: int) -> None:
    """δ_j beside w^{(l+1)}_{kj} and z^{(l)}_j is δ^{(l)}_j, a_j beside b^{(l)}_j is a^{(l)}_j: each
    claim proved or refuted as autograd says at every layer and sample; a quantity whose index
    no tagged quantity of its relation places stays an error saying it has no layer tag."""
    net = _network(seed)
    truth = [holds(net) for _, holds in UNIT_CLAIMS]
    assert truth == [True, True, False, True]
    doc = "\n\n".join(f"$${claim}$$" for claim, _ in UNIT_CLAIMS) + "\n"
    for (claim, _), true, got in zip(UNIT_CLAIMS, truth, _check(doc), strict=True):
        assert got.verdict == ("proved" if true else "refuted"), (claim, got.reason)
    (got,) = _check(r"$$\frac{\partial z_k}{\partial b^{(l)}_j} = 0$$" + "\n")
    assert got.verdict == "error" and "no layer tag" in got.reason, got.reason


@pytest.mark.parametrize("seed", [6])
def test_the_script_ell_in_a_width_bound(seed: int) -> None:
    """``\\sum_{k=1}^{d_{\\ell+1}}``: the width letter d of layer ℓ+1, read as d_{l+1}, so the sum
    runs over that layer's units; the recursion is proved as autograd holds it at every layer,
    and the same sum with the weight's indices swapped is not proved."""
    net = _network(seed)
    true = ELL_CLAIMS[2][1](net)
    assert true
    claim = (
        r"\delta_i^{(\ell)} = \sigma'(z_i^{(\ell)}) \sum_{k=1}^{d_{\ell+1}} "
        r"w^{(\ell+1)}_{k,i}\, \delta_k^{(\ell+1)}"
    )
    got = _check(ELL_FORWARD + f"$${claim}$$\n")[-1]
    assert got.verdict == "proved", got.reason
    swapped = claim.replace(r"w^{(\ell+1)}_{k,i}", r"w^{(\ell+1)}_{i,k}")
    got = _check(ELL_FORWARD + f"$${swapped}$$\n")[-1]
    assert got.verdict in ("refuted", "error") and "subscript" not in got.reason, got.reason


# ---------------------------------------------------------------------------------------------
# a partial by y where y is the target: refused, saying how to make y the output


def _squared_error_by_output(seed: int) -> dict[str, torch.Tensor]:
    """∂E_i/∂y_ij of E_i = ½ Σ_j (y_ij - t_ij)² with y the outputs, by autograd, at random sizes."""
    n, width = _sizes(seed)[:2]
    g = torch.Generator().manual_seed(seed)
    y = torch.rand(n, width, generator=g, dtype=torch.float64, requires_grad=True)
    t = torch.rand(n, width, generator=g, dtype=torch.float64)
    (0.5 * ((y - t) ** 2).sum()).backward()
    assert y.grad is not None
    return {"dy": y.grad, "y": y.detach(), "t": t}


def test_a_partial_by_the_target_names_the_directive_that_makes_y_the_output() -> None:
    """With the notation's y (the target) beside the output a, ∂L_i/∂y_ij is an error that says
    y is the target and how to make it the output; in a document whose y is the output
    (``letters=output:y,target:t``) the same partials are proved or refuted as autograd says."""
    doc = (
        r"$$L_i = \frac{1}{2}\sum_j (a^{(L)}_{ij} - y_{ij})^2$$" + "\n\n"
        r"$$\frac{\partial L_i}{\partial y_{ij}} = a^{(L)}_{ij} - y_{ij}$$" + "\n"
    )
    got = _check(doc)[-1]
    assert got.verdict == "error" and "letters=output:y" in got.reason, got.reason
    m = _squared_error_by_output(8)
    truth = {
        r"y_{ij} - t_{ij}": torch.allclose(m["dy"], m["y"] - m["t"]),
        r"2(y_{ij} - t_{ij})": torch.allclose(m["dy"], 2 * (m["y"] - m["t"])),
    }
    assert list(truth.values()) == [True, False]
    declared = (
        "<!-- derivator: letters=output:y,target:t -->\n\n"
        r"$$E_i = \frac{1}{2}\sum_j (y_{ij} - t_{ij})^2$$" + "\n\n"
    )
    for rhs, true in truth.items():
        got = _check(declared + rf"$$\frac{{\partial E_i}}{{\partial y_{{ij}}}} = {rhs}$$" + "\n")
        assert got[-1].verdict == ("proved" if true else "refuted"), (rhs, got[-1].reason)
