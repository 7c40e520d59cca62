"""Roles from the document: what its letters are, and what its own cost definition implies of
its targets.  Truth from our own evaluator (PyTorch autograd on a softmax output layer with a
cross-entropy, at random sizes where the sample count and every width differ), never from
derivator; documents go through the public API."""

from __future__ import annotations

import torch

from derivator.document import Run, check_text

N, N_IN, N_OUT = 5, 3, 4  # samples, the layer below, the output layer: all different


def _check(text: str) -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text("doc.md", text, run)


def _softmax_ce(seed: int, targets: str) -> dict[str, torch.Tensor]:
    """δ = ∂L_i/∂z of the cross-entropy at a softmax output, by autograd, and the outputs and
    targets; targets drawn as any non-negative numbers or one-hot."""
    g = torch.Generator().manual_seed(seed)
    a0 = torch.rand(N, N_IN, generator=g, dtype=torch.float64)
    w = torch.randn(N_OUT, N_IN, generator=g, dtype=torch.float64)
    z = (a0 @ w.T).requires_grad_(True)
    if targets == "one-hot":
        y = torch.eye(N_OUT, dtype=torch.float64)[torch.randint(0, N_OUT, (N,), generator=g)]
    else:
        y = torch.rand(N, N_OUT, generator=g, dtype=torch.float64)
    (-(y * torch.log_softmax(z, 1)).sum()).backward()
    assert z.grad is not None
    return {"delta": z.grad, "a": torch.softmax(z, 1).detach(), "y": y}


CE_DOC = (
    r"$$E_i = -\sum_j t_{ij} \log y_{ij}$$" + "\n\n"
    r"$$y_{ij} = \frac{e^{z^{(L)}_{ij}}}{\sum_k e^{z^{(L)}_{ik}}}$$" + "\n\n$$CLAIM$$\n"
)
LETTERS = "<!-- derivator: letters=target:t,output:y -->\n"
TRUE_FOR_ONE_HOT = r"y_{ij} \sum_c t_{ic} - t_{ij} = y_{ij} - t_{ij}"
FALSE = r"y_{ij} \sum_c t_{ic} - t_{ij} = y_{ij} - 2 t_{ij}"


def test_the_evaluator_separates_the_two_claims() -> None:
    """Our truth: Σ_c t_c y_j − t_j = y_j − t_j holds for one-hot targets (and δ is y − t there),
    fails for targets that do not sum to 1; the mutant with 2t fails for both."""
    for seed in (1, 2):
        hot, anyt = _softmax_ce(seed, "one-hot"), _softmax_ce(seed, "any")
        for m, holds in ((hot, True), (anyt, False)):
            lhs = m["a"] * m["y"].sum(1, keepdim=True) - m["y"]
            assert torch.allclose(m["delta"], lhs)
            assert bool(torch.allclose(lhs, m["a"] - m["y"])) is holds
            assert not torch.allclose(lhs, m["a"] - 2 * m["y"])


def test_a_step_true_for_the_cross_entropys_targets_is_not_refuted() -> None:
    """The document's own cross-entropy, its targets unstated: the step that needs Σ_c t_c = 1 is
    not refuted (unknown, saying why); a step false for one-hot targets too stays refuted; stated
    (Σ_c t_ic = 1 before it), the first is proved."""
    got = _check(LETTERS + CE_DOC.replace("CLAIM", TRUE_FOR_ONE_HOT))[-1]
    assert got.verdict == "unknown" and "sum to 1" in got.reason, got
    got = _check(LETTERS + CE_DOC.replace("CLAIM", FALSE))[-1]
    assert got.verdict == "refuted", got
    stated = LETTERS + CE_DOC.replace("CLAIM", r"\sum_c t_{ic} = 1$$" + "\n\n$$" + TRUE_FOR_ONE_HOT)
    got = _check(stated)[-1]
    assert got.verdict == "proved", got


def test_delta_as_output_minus_target_is_not_refuted_under_the_documents_cross_entropy() -> None:
    """δ = y − t (true for one-hot targets by autograd, see above) under the document's own
    cross-entropy: unknown, not refuted; the same claim with a factor 2 is refuted."""
    doc = LETTERS + CE_DOC.replace(
        "CLAIM", r"\frac{\partial E_i}{\partial z^{(L)}_{ij}} = y_{ij} - t_{ij}"
    )
    got = _check(doc)[-1]
    assert got.verdict == "unknown", got
    doc = LETTERS + CE_DOC.replace(
        "CLAIM", r"\frac{\partial E_i}{\partial z^{(L)}_{ij}} = 2(y_{ij} - t_{ij})"
    )
    assert _check(doc)[-1].verdict == "refuted"


def test_the_notations_y_is_not_the_target_when_another_letter_is() -> None:
    """letters=target:t and a y the document never gives a role: y is not read as the target
    (which made y Σ t − t = y − t a relation of the targets with themselves, and refuted it), but
    reported, naming the letter."""
    doc = (
        "<!-- derivator: letters=target:t loss=cross-entropy -->\n\n$$" + TRUE_FOR_ONE_HOT + "$$\n"
    )
    got = _check(doc)[-1]
    assert got.verdict == "error" and "y" in got.reason and "t" in got.reason, got


# ---------------------------------------------------------------------------------------------
# a softmax defined under letters of the document's own: p its outputs, o their weighted inputs

SOFTMAX_DOC = (
    r"$$p_j = \frac{e^{o_j}}{\sum_k e^{o_k}}$$" + "\n\n"
    r"$$L = -\sum_j y_j \log p_j$$" + "\n\n$$CLAIM$$\n"
)


def _softmax_layer(seed: int) -> dict[str, torch.Tensor]:
    """One example: o at random over N_OUT units, p = softmax(o), L = −Σ y log p with targets
    that do not sum to 1; ∂L/∂o and the Jacobian ∂p/∂o by autograd."""
    g = torch.Generator().manual_seed(seed)
    o = torch.randn(N_OUT, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.rand(N_OUT, generator=g, dtype=torch.float64)
    (-(y * torch.log_softmax(o, 0)).sum()).backward()
    assert o.grad is not None
    jac = torch.autograd.functional.jacobian(lambda x: torch.softmax(x, 0), o.detach())
    return {"dL": o.grad, "jac": jac, "p": torch.softmax(o, 0).detach(), "y": y}


#: (claim, its truth by autograd at every unit i)
SOFTMAX_CLAIMS = [
    (
        r"\frac{\partial L}{\partial o_i} = p_i \sum_k y_k - y_i",
        lambda m: m["dL"],
        lambda m: m["p"] * m["y"].sum() - m["y"],
    ),
    (
        r"\frac{\partial L}{\partial o_i} = -\sum_k y_k \frac{1}{p_k}\frac{\partial p_k}{\partial o_i}",
        lambda m: m["dL"],
        lambda m: -(m["y"] / m["p"]) @ m["jac"],
    ),
    (
        r"\frac{\partial L}{\partial o_i} = p_i - 2 y_i",
        lambda m: m["dL"],
        lambda m: m["p"] - 2 * m["y"],
    ),
    (
        r"\frac{\partial p_i}{\partial o_i} = p_i(1 - p_i)",
        lambda m: torch.diagonal(m["jac"]),
        lambda m: m["p"] * (1 - m["p"]),
    ),
    (
        r"\frac{\partial p_i}{\partial o_i} = p_i(1 + p_i)",
        lambda m: torch.diagonal(m["jac"]),
        lambda m: m["p"] * (1 + m["p"]),
    ),
]


def test_a_softmax_definition_gives_its_letters_their_roles() -> None:
    """p_j = e^{o_j}/Σ_k e^{o_k} defines p as the outputs and o as their weighted inputs, and
    L = −Σ_j y_j log p_j one example's cross-entropy: the definitions are ``defined`` and every
    claim after them gets the verdict its truth by autograd asks for (two draws)."""
    for claim, left, right in SOFTMAX_CLAIMS:
        truths = set()
        for seed in (4, 5):
            m = _softmax_layer(seed)
            truths.add(bool(torch.allclose(left(m), right(m))))
        assert len(truths) == 1, claim
        got = _check(SOFTMAX_DOC.replace("CLAIM", claim))
        assert [r.verdict for r in got[:2]] == ["defined", "defined"], got[:2]
        want = "proved" if truths.pop() else "refuted"
        assert got[-1].verdict == want, (claim, got[-1])


def test_a_quotient_that_is_no_softmax_gives_no_roles() -> None:
    """The same quotient with the sum's index not in its body (e^{o_j} summed over k: k terms of
    one number) is no softmax: p and o stay letters the document does not define, an error."""
    doc = (
        r"$$p_j = \frac{e^{o_j}}{\sum_k e^{o_j}}$$" + "\n\n"
        r"$$\frac{\partial p_i}{\partial o_i} = p_i(1 - p_i)$$" + "\n"
    )
    got = _check(doc)
    assert all(r.verdict in ("error", "unknown") for r in got), got


# ---------------------------------------------------------------------------------------------
# a letter per layer with thresholds subtracted and a prediction ŷ: x → h → ŷ

THRESHOLD_DOC = (
    r"$$h_j = \sigma( \sum_i x_i w_{ij} - \beta_j )$$" + "\n\n"
    r"$$\hat{y_k} = \sigma( \sum_j h_j v_{jk} - \lambda_k )$$" + "\n\n"
    r"$$Loss = \frac{1}{2}\sum_k ( y_k - \hat{y_k} )^2$$" + "\n\n"
    r"$$\sigma(x) = \frac{1}{1+e^{-x}}$$" + "\n\n$$CLAIM$$\n"
)
N_X, N_H, N_Y = 3, 5, 4  # input, hidden, output widths: all different


def _threshold_net(seed: int) -> dict[str, torch.Tensor]:
    """The author's network by autograd: h = σ(x w − β), ŷ = σ(h v − λ), Loss = ½‖y − ŷ‖²."""
    g = torch.Generator().manual_seed(seed)
    t = {
        "x": torch.rand(N_X, generator=g, dtype=torch.float64),
        "w": torch.randn(N_X, N_H, generator=g, dtype=torch.float64),
        "beta": torch.randn(N_H, generator=g, dtype=torch.float64),
        "v": torch.randn(N_H, N_Y, generator=g, dtype=torch.float64),
        "lam": torch.randn(N_Y, generator=g, dtype=torch.float64),
        "y": torch.rand(N_Y, generator=g, dtype=torch.float64),
    }
    for k in ("w", "beta", "v", "lam"):
        t[k].requires_grad_(True)
    h = torch.sigmoid(t["x"] @ t["w"] - t["beta"])
    yhat = torch.sigmoid(h @ t["v"] - t["lam"])
    (0.5 * ((t["y"] - yhat) ** 2).sum()).backward()
    out = {k: x.detach() for k, x in t.items()}
    out |= {"h": h.detach(), "yhat": yhat.detach()}
    out |= {"d" + k: t[k].grad for k in ("w", "beta", "v", "lam")}  # type: ignore[misc]
    return out


def _g(m: dict[str, torch.Tensor]) -> torch.Tensor:
    """(y_k − ŷ_k) ŷ_k (1 − ŷ_k), the author's output term."""
    return (m["y"] - m["yhat"]) * m["yhat"] * (1 - m["yhat"])


#: (claim, its two sides by autograd)
THRESHOLD_CLAIMS = [
    (
        r"\frac{\partial Loss}{\partial \lambda_k} = (y_k - \hat{y_k}) \hat{y_k} (1 - \hat{y_k})",
        lambda m: (m["dlam"], _g(m)),
    ),
    (
        r"\frac{\partial Loss}{\partial \lambda_k} = -(y_k - \hat{y_k}) \hat{y_k} (1 - \hat{y_k})",
        lambda m: (m["dlam"], -_g(m)),
    ),
    (
        r"\frac{\partial Loss}{\partial v_{jk}} = -(y_k - \hat{y_k}) \hat{y_k} (1 - \hat{y_k}) h_j",
        lambda m: (m["dv"], -m["h"][:, None] * _g(m)[None, :]),
    ),
    (
        r"\frac{\partial Loss}{\partial \beta_j} = \sum_k (y_k - \hat{y_k}) \hat{y_k} "
        r"(1 - \hat{y_k}) v_{jk} h_j (1 - h_j)",
        lambda m: (m["dbeta"], (m["v"] @ _g(m)) * m["h"] * (1 - m["h"])),
    ),
    (
        r"\frac{\partial Loss}{\partial w_{ij}} = \sum_k (y_k - \hat{y_k}) \hat{y_k} "
        r"(1 - \hat{y_k}) v_{jk} h_j (1 - h_j) x_i",
        lambda m: (m["dw"], m["x"][:, None] * ((m["v"] @ _g(m)) * m["h"] * (1 - m["h"]))[None]),
    ),
]


def test_a_forward_pass_with_thresholds_and_a_prediction_builds_the_model() -> None:
    """h_j = σ(Σ_i x_i w_ij − β_j), ŷ_k = σ(Σ_j h_j v_jk − λ_k), Loss = ½ Σ_k (y_k − ŷ_k)²: three
    definitions (β and λ are thresholds, −b of their layers; ŷ the output), σ's formula proved,
    and each claim gets the verdict its truth by autograd asks for (two draws)."""
    for claim, sides in THRESHOLD_CLAIMS:
        truths = set()
        for seed in (7, 8):
            left, right = sides(_threshold_net(seed))
            truths.add(bool(torch.allclose(left, right)))
        assert len(truths) == 1, claim
        got = _check(THRESHOLD_DOC.replace("CLAIM", claim))
        assert [r.verdict for r in got[:4]] == ["defined", "defined", "defined", "proved"], got
        want = "proved" if truths.pop() else "refuted"
        assert got[-1].verdict == want, (claim, got[-1])


def test_an_update_of_a_threshold_is_an_update_rule() -> None:
    r"""Δλ_k = −η (…): the change a training step makes to a threshold (−b of its layer) is an
    assignment, skipped, as Δb_k is."""
    claim = r"\Delta \lambda_k = - \eta (y_k - \hat{y_k}) \hat{y_k} (1 - \hat{y_k})"
    got = _check(THRESHOLD_DOC.replace("CLAIM", claim))[-1]
    assert got.verdict == "skipped", got


def test_a_prediction_no_definition_gives_a_role_is_an_error() -> None:
    r"""\hat{y} with no forward pass that defines it is a name of the document's own: an error
    naming it, never the target y nor a constant."""
    got = _check(r"$$\frac{\partial L_i}{\partial a^{(L)}_{ij}} = \hat{y}_{ij} - y_{ij}$$" + "\n")
    assert got[-1].verdict == "error" and "hat" in got[-1].reason, got


# ---------------------------------------------------------------------------------------------
# a worked example whose weighted input is defined by the network's equation (vectors), its
# prediction ŷ by the scalar model

WORKED = (
    r"$$y = 0.5$$" + "\n\n"
    r"$$b_2 = 0.3$$" + "\n\n"
    r"$$z_2 = a_1 \cdot W_2^T + b_2 = 1.1835$$" + "\n\n"
    r"$$\hat{y} = \sigma(z_2)$$" + "\n\n"
    r"$$L = \frac{1}{2}(\hat{y} - y)^2$$" + "\n\n"
    r"$$\delta{_2} = \frac{\partial L}{\partial z_2} = (\hat{y} - y) \sigma'(z_2) \approx 0.0478$$"
    + "\n\n$$CLAIM$$\n"
)


def _worked_delta() -> float:
    """δ_2 = ∂L/∂z_2 at the stated z_2 = 1.1835, by autograd (0.04766…)."""
    z = torch.tensor(1.1835, dtype=torch.float64, requires_grad=True)
    (0.5 * (torch.sigmoid(z) - 0.5) ** 2).backward()
    assert z.grad is not None
    return float(z.grad)


def test_a_partial_through_a_name_the_scalar_model_does_not_read_is_not_taken() -> None:
    """∂L/∂b_2 = δ_2 holds (z_2 = … + b_2, so ∂z_2/∂b_2 = 1, by autograd below); z_2's equation is
    the network's, so the scalar model must not take b_2 as unrelated to L (∂L/∂b_2 = 0 refuted
    a true claim): not refuted."""
    b = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    z = torch.tensor(0.8835, dtype=torch.float64) + b
    z.retain_grad()
    (0.5 * (torch.sigmoid(z) - 0.5) ** 2).backward()
    assert b.grad is not None and z.grad is not None and torch.allclose(b.grad, z.grad)
    got = _check(WORKED.replace("CLAIM", r"\frac{\partial L}{\partial b_2} = \delta{_2}"))[-1]
    assert got.verdict != "refuted", got


def test_a_value_claim_is_judged_from_the_values_it_is_computed_from() -> None:
    """δ_2 ≈ 0.0478 was stated by the document from its own rounded ŷ; computed from the z_2 it
    states (1.1835), δ_2 = 0.04766… (autograd): the claim δ_2 ≈ 0.0478 is refuted and δ_2 ≈ 0.0477
    proved, never agreed by δ_2's own stated value."""
    exact = _worked_delta()
    assert round(exact, 4) == 0.0477
    assert _check(WORKED.replace("CLAIM", r"\delta{_2} \approx 0.0478"))[-1].verdict == "refuted"
    assert _check(WORKED.replace("CLAIM", r"\delta{_2} \approx 0.0477"))[-1].verdict == "proved"


# ---------------------------------------------------------------------------------------------
# the forward pass written out only where it is differentiated, under letters u, h, W, φ

WRITTEN_OUT = (
    r"$$\frac{\partial u_j^L}{\partial W_{ij}^L} = "
    r"\frac{\partial (\sum_k h_k^{L-1} W_{kj}^L + b_j^L)}{\partial W_{ij}^L} = h_i^{L-1}$$" + "\n\n"
    r"$$E = \frac{1}{2}\sum_j (h_j^L - y_j)^2$$" + "\n\n$$CLAIM$$\n"
)


def _written_out_net(seed: int) -> dict[str, torch.Tensor]:
    """u = h W + b with W from unit i of the layer below to unit j (W ∈ ℝ^{N_H×N_Y}), h^L = φ(u)
    with φ = tanh (the claims hold for every φ or fail for tanh), E = ½‖h^L − y‖²; autograd."""
    g = torch.Generator().manual_seed(seed)
    h0 = torch.rand(N_H, generator=g, dtype=torch.float64)
    w = torch.randn(N_H, N_Y, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(N_Y, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.rand(N_Y, generator=g, dtype=torch.float64)
    u = h0 @ w + b
    h = torch.tanh(u)
    (0.5 * ((h - y) ** 2).sum()).backward()
    assert w.grad is not None and b.grad is not None
    h_, prime = h.detach(), 1 - h.detach() ** 2
    return {"dw": w.grad, "db": b.grad, "h0": h0, "h": h_, "prime": prime, "y": y}


WRITTEN_OUT_CLAIMS = [
    (
        r"\frac{\partial E}{\partial W_{ij}^L} = h_i^{L-1} \phi'(u_j^L) (h_j^L - y_j)",
        lambda m: (m["dw"], m["h0"][:, None] * (m["prime"] * (m["h"] - m["y"]))[None, :]),
    ),
    (
        r"\frac{\partial E}{\partial W_{ij}^L} = 2 h_i^{L-1} \phi'(u_j^L) (h_j^L - y_j)",
        lambda m: (m["dw"], 2 * m["h0"][:, None] * (m["prime"] * (m["h"] - m["y"]))[None, :]),
    ),
    (
        r"\frac{\partial E}{\partial b_j^L} = \phi'(u_j^L) (h_j^L - y_j)",
        lambda m: (m["db"], m["prime"] * (m["h"] - m["y"])),
    ),
    (
        r"\frac{\partial E}{\partial b_j^L} = \phi'(u_j^L) (h_j^L + y_j)",
        lambda m: (m["db"], m["prime"] * (m["h"] + m["y"])),
    ),
]


def test_a_forward_pass_written_out_in_a_partial_gives_the_roles() -> None:
    """∂u_j/∂W_ij = ∂(Σ_k h_k W_kj + b_j)/∂W_ij names u the pre-activation, h the activation and
    W's order (from unit i to unit j); φ applied to u is the activation function, never defined,
    so any function: each claim gets the verdict its truth by autograd asks for (two draws)."""
    for claim, sides in WRITTEN_OUT_CLAIMS:
        truths = set()
        for seed in (11, 12):
            left, right = sides(_written_out_net(seed))
            truths.add(bool(torch.allclose(left, right)))
        assert len(truths) == 1, claim
        got = _check(WRITTEN_OUT.replace("CLAIM", claim))
        assert [r.verdict for r in got[:2]] == ["proved", "proved"], got[:3]
        want = "proved" if truths.pop() else "refuted"
        assert got[-1].verdict == want, (claim, got[-1])


def test_a_forward_pass_written_out_with_the_other_order_is_read_so() -> None:
    """The same, written Σ_k W_jk h_k (W from unit k into unit j): ∂u_j/∂W_jk is h_k there, and
    the first display's order is not carried over from a default."""
    doc = (
        r"$$\frac{\partial u_j^L}{\partial W_{jk}^L} = "
        r"\frac{\partial (\sum_k W_{jk}^L h_k^{L-1} + b_j^L)}{\partial W_{jk}^L} = h_k^{L-1}$$"
        + "\n\n"
        r"$$\frac{\partial u_j^L}{\partial h_k^{L-1}} = W_{jk}^L$$" + "\n"
    )
    assert [r.verdict for r in _check(doc)] == ["proved", "proved", "proved"]


# ---------------------------------------------------------------------------------------------
# a batch: U and H the matrices of u and h (a sample per row), E^q the loss of sample q

BATCH = (
    r"$$\frac{\partial u_j^L}{\partial W_{ij}^L} = "
    r"\frac{\partial (\sum_k h_k^{L-1} W_{kj}^L + b_j^L)}{\partial W_{ij}^L} = h_i^{L-1}$$" + "\n\n"
    r"$$E^q = \frac{1}{2}\sum_j (H_{qj}^L - y_{qj})^2$$" + "\n\n"
    r"$$E = \sum_q E^q$$" + "\n\n$$CLAIM$$\n"
)
N_S = 6  # samples: differs from every width


def _batch_net(seed: int) -> dict[str, torch.Tensor]:
    """U = H W + 1 b over N_S samples (rows), H^L = tanh(U), E = Σ_q E^q with E^q = ½‖H_q − y_q‖²;
    autograd gives ∂E/∂b, ∂E/∂W and ∂E^q/∂U_qj (the rows of ∂E/∂U, each E^q only on row q)."""
    g = torch.Generator().manual_seed(seed)
    h0 = torch.rand(N_S, N_H, generator=g, dtype=torch.float64)
    w = torch.randn(N_H, N_Y, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(N_Y, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.rand(N_S, N_Y, generator=g, dtype=torch.float64)
    u = h0 @ w + b
    u.retain_grad()
    h = torch.tanh(u)
    (0.5 * ((h - y) ** 2).sum()).backward()
    assert w.grad is not None and b.grad is not None and u.grad is not None
    return {"dw": w.grad, "db": b.grad, "du": u.grad, "h0": h0}


BATCH_CLAIMS = [
    (r"\frac{\partial E}{\partial b_j^L} = \sum_q \frac{\partial E^q}{\partial U_{qj}^L}", True),
    (r"\frac{\partial E}{\partial b_j^L} = \frac{\partial E^q}{\partial U_{qj}^L}", False),
    (
        r"\frac{\partial E}{\partial W_{ij}^L} = \sum_q H_{qi}^{L-1}"
        r"\frac{\partial E^q}{\partial U_{qj}^L}",
        True,
    ),
    (
        r"\frac{\partial E}{\partial W_{ij}^L} = \sum_q H_{qi}^{L-1}"
        r"\frac{\partial E^q}{\partial U_{qi}^L}",
        False,
    ),
]


def test_batch_capitals_and_a_sample_superscript_are_read() -> None:
    """Our truth first (autograd: ∂E/∂b = Σ_q ∂E^q/∂U_q, ∂E/∂W_ij = Σ_q H_qi ∂E^q/∂U_qj, and
    neither without its sum or with its indices crossed), then each claim's verdict: U_qj and
    H_qi are sample q's u_j and h_i, E^q sample q's loss (never E to the power q)."""
    m = _batch_net(13)
    assert torch.allclose(m["db"], m["du"].sum(0))
    assert torch.allclose(m["dw"], m["h0"].T @ m["du"])
    assert not torch.allclose(m["db"][None, :].expand(N_S, -1), m["du"])
    for claim, true in BATCH_CLAIMS:
        got = _check(BATCH.replace("CLAIM", claim))[-1]
        assert got.verdict == ("proved" if true else "refuted"), (claim, got)
