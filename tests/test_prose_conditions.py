"""A case stated in the prose just before a display: "when $j = k$:" then the display.

Authors derive the softmax derivative in two cases, each introduced by a sentence ("when
$j = k$:", "若 $j=k$，有", "for $j \\neq k$:").  The display's relations are that case: under
j = k they are judged with k written j (never refuted for the case they do not claim); j ≠ k
cannot be assumed, so the relation is reported, never refuted.  Without a stated condition, or
when the sentence closes before the display, the relation is judged for every j and k: the missing
Kronecker δ, p_j(1 − p_k) for all j, k, stays refuted.

Truth: PyTorch's softmax Jacobian at random widths (never derivator)."""

from __future__ import annotations

import pytest
import torch

from derivator.document import Run, check_text

HEAD = (
    "<!-- derivator: loss=cross-entropy -->\n\n"
    r"$$a^{(L)}_j = \frac{\exp(z^{(L)}_j)}{\sum_m \exp(z^{(L)}_m)}$$" + "\n\n"
)
SAME = (
    r"$$\frac{\partial a^{(L)}_j}{\partial z^{(L)}_k} = \frac{\exp(z^{(L)}_k)\sum_m \exp(z^{(L)}_m)"
    r" - \exp(z^{(L)}_k)\exp(z^{(L)}_k)}{(\sum_m \exp(z^{(L)}_m))^2} = a^{(L)}_k(1 - a^{(L)}_k)$$"
)
OTHER = r"$$\frac{\partial a^{(L)}_j}{\partial z^{(L)}_k} = -a^{(L)}_j a^{(L)}_k$$"
MISSING_DELTA = r"$$\frac{\partial a^{(L)}_j}{\partial z^{(L)}_k} = a^{(L)}_j(1 - a^{(L)}_k)$$"


def _jacobian(width: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(∂softmax(z)_j/∂z_k, softmax(z)) at a random z of the width."""
    z = torch.randn(width, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), z)
    return jac, torch.softmax(z, 0)


@pytest.mark.parametrize("width", [3, 5])
def test_the_truth_of_the_two_cases(width: int) -> None:
    """The facts the documents below state: the diagonal is a(1 − a) (the quotient rule's
    form too), off it −a_j a_k, and a_j(1 − a_k) holds on the diagonal only."""
    jac, a = _jacobian(width, width)
    e = torch.exp(torch.log(a))  # proportional to exp(z); the quotient's form with Σ = 1
    assert torch.allclose(torch.diag(jac), (e * e.sum() - e * e) / e.sum() ** 2)
    assert torch.allclose(torch.diag(jac), a * (1 - a))
    off = ~torch.eye(width, dtype=torch.bool)
    assert torch.allclose(jac[off], -torch.outer(a, a)[off])
    assert not torch.allclose(jac, a[:, None] * (1 - a[None, :]))


def _verdicts(text: str) -> dict[str, list[str]]:
    lines = text.split("\n")
    with Run(jobs=1, timeout=30) as run:
        results = check_text("doc.md", text, run)
    out: dict[str, list[str]] = {}
    for r in results:
        out.setdefault(lines[r.line - 1], []).append(r.verdict)
    return out


@pytest.mark.parametrize(
    ("same", "other"),
    [("When $j = k$:", r"When $j \neq k$:"), ("若 $j=k$，有", r"若 $j \ne k$，则")],
)
def test_a_case_the_text_states_is_judged_as_that_case(same: str, other: str) -> None:
    """Each case's display, true in its case (PyTorch), is never refuted: j = k not refuted
    (proved or unknown), j ≠ k reported (not assumed), and the missing δ_jk stays refuted."""
    text = (
        HEAD
        + f"{same}\n\n{SAME}\n\n{other}\n\n{OTHER}\n\nFor all $j$ and $k$:\n\n{MISSING_DELTA}\n"
    )
    got = _verdicts(text)
    assert "refuted" not in got[SAME], got
    assert got[OTHER] == ["error"], got
    assert got[MISSING_DELTA] == ["refuted"], got


def test_a_sentence_that_closes_before_the_display_states_no_case() -> None:
    """ "Take $j = k$. Then for every j, k:" then the display: the condition's sentence ended,
    so the relation, false off the diagonal (PyTorch), is refuted."""
    text = HEAD + f"Take $j = k$. The general form:\n\n{MISSING_DELTA}\n"
    assert _verdicts(text)[MISSING_DELTA] == ["refuted"]


@pytest.mark.parametrize("width", [2, 4])
def test_a_proof_in_the_stated_case_says_so(width: int) -> None:
    """A sigmoid layer: ∂a_j/∂z_k = σ′(z_k) holds where j = k only (PyTorch: the Jacobian is
    diagonal); introduced by "when $j = k$:" it is proved, saying where; alone it is refuted."""
    z = torch.randn(width, generator=torch.Generator().manual_seed(width), dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(torch.sigmoid, z)
    s = torch.sigmoid(z)
    assert torch.allclose(jac, torch.diag(s * (1 - s)))
    assert not torch.allclose(jac, (s * (1 - s))[None, :].expand(width, width))
    forward = (
        r"$$z^{(L)}_j = \sum_k w^{(L)}_{jk} a^{(L-1)}_k + b^{(L)}_j$$" + "\n\n"
        r"$$a^{(L)}_j = \sigma(z^{(L)}_j)$$" + "\n\n"
    )
    claim = r"$$\frac{\partial a^{(L)}_j}{\partial z^{(L)}_k} = \sigma'(z^{(L)}_k)$$"
    lines = (forward + "When $j = k$:\n\n" + claim + "\n").split("\n")
    with Run(jobs=1, timeout=30) as run:
        results = check_text("doc.md", "\n".join(lines), run)
    (r,) = [r for r in results if lines[r.line - 1] == claim]
    assert (r.verdict, r.reason.split(";")[0]) == (
        "proved",
        "proved where j = k (as the text states)",
    )
    assert _verdicts(forward + claim + "\n")[claim] == ["refuted"]
