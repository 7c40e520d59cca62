"""Relations an attacker wrote to make derivator prove something false.

Each case goes through the public interfaces (``check_text``, the CLI).  What is true or false
here is plain arithmetic a reader can redo (a sum that misses j = 0, a decimal that is not 1),
never derivator's own opinion; the evaluator-backed families are in tests/mutation/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from derivator.document import Run, check_text

ROOT = Path(__file__).resolve().parents[1]
MSE = "<!-- derivator: activation=sigmoid loss=mse -->\n\n"


def verdicts(*relations: str, head: str = MSE, timeout: float = 10.0) -> list[str]:
    doc = head + "\n\n".join(f"$${r}$$" for r in relations) + "\n"
    results = check_text("soundness.md", doc, Run(timeout=timeout, jobs=1))
    return [str(r.verdict) for r in results]


def verdict(relation: str, **kw: object) -> str:
    (v,) = verdicts(relation, **kw)  # type: ignore[arg-type]
    return v


# ---------------------------------------------------------------------------------------------
# 1. sum bounds: Σ_{p∈R} [p = j] f(p) = f(j) only when j ∈ R


SHORT_SUMS = [
    # the bracket with a sum that misses p = 0
    r"\sum_{p=1}^{n_{(L)}-1} [p = j]\, a_{ip}^{(L)} = a_{ij}^{(L)}",
    # the chain rule with the same short sum
    r"\delta_{ij}^{(L)} = \sum_{p=1}^{n_{(L)}-1} \frac{\partial L_i}{\partial a_{ip}^{(L)}}"
    r"\frac{\partial a_{ip}^{(L)}}{\partial z_{ij}^{(L)}}",
    # the partial of a loss written by hand with a short sum
    r"\frac{\partial}{\partial a_{ij}^{(L)}} \frac12\sum_{k=1}^{n_{(L)}-1}(a_{ik}^{(L)} - y_{ik})^2"
    r" = a_{ij}^{(L)} - y_{ij}",
    # a sample sum that misses the first sample
    r"\frac{\partial L}{\partial b_j^{(L)}} = \frac{1}{n}\sum_{i=1}^{n-1} \delta_{ij}^{(L)}",
    # a sum that stops one short at the top
    r"\sum_{p=0}^{n_{(L)}-2} [p = j]\, a_{ip}^{(L)} = a_{ij}^{(L)}",
    # another layer's width
    r"\sum_{p=0}^{n_{(L-1)}-1} [p = j]\, a_{ip}^{(L)} = a_{ij}^{(L)}",
]


@pytest.mark.parametrize("relation", SHORT_SUMS)
def test_a_sum_that_misses_part_of_its_range_is_never_proved(relation: str) -> None:
    assert verdict(relation) == "refuted"


FULL_SUMS = [
    r"\sum_{p} [p = j]\, a_{ip}^{(L)} = a_{ij}^{(L)}",
    r"\sum_{p=1}^{n_{(L)}} [p = j]\, a_{ip}^{(L)} = a_{ij}^{(L)}",
    r"\delta_{ij}^{(L)} = \sum_{p} \frac{\partial L_i}{\partial a_{ip}^{(L)}}"
    r"\frac{\partial a_{ip}^{(L)}}{\partial z_{ij}^{(L)}}",
    r"\frac{\partial}{\partial a_{ij}^{(L)}} \frac12\sum_{k}(a_{ik}^{(L)} - y_{ik})^2"
    r" = a_{ij}^{(L)} - y_{ij}",
    r"\frac{\partial L}{\partial b_j^{(L)}} = \frac{1}{n}\sum_{i} \delta_{ij}^{(L)}",
    # j lies in 0..j: the contraction is proved from the bound itself
    r"\sum_{p=0}^{j} [p = j]\, a_{ip}^{(L)} = a_{ij}^{(L)}",
]


@pytest.mark.parametrize("relation", FULL_SUMS)
def test_a_sum_over_its_whole_range_still_contracts(relation: str) -> None:
    assert verdict(relation) == "proved"


def test_a_bracket_outside_the_range_is_zero_not_the_term() -> None:
    # p runs from j + 1: never p = j, so the sum is 0 (the sides differ in free indices, so at
    # most refuted or unknown, never proved equal to a_ij)
    assert verdict(r"\sum_{p=j+1}^{n_{(L)}-1} [p = j]\, a_{ip}^{(L)} = a_{ij}^{(L)}") == "refuted"


# ---------------------------------------------------------------------------------------------
# 2. decimals are the exact rationals they write


@pytest.mark.parametrize(
    "relation",
    [
        r"0 = 0.0000000000004 \cdot 100000000000000000000000000",
        r"1 = 1.0000000000001",
        r"1 = 0.999999999999999",
        r"\frac{\partial L}{\partial b_j^{(L)}} = \frac1n\sum_i \delta_{ij}^{(L)} + 0.0000000000004",
    ],
)
def test_a_decimal_is_never_rounded_to_a_nearby_fraction(relation: str) -> None:
    assert verdict(relation) == "refuted"


def test_exact_decimals_are_proved() -> None:
    assert verdicts(r"0.5 = \frac12", r"0.1 + 0.2 = 0.3", r"1.25 \cdot 4 = 5") == ["proved"] * 3


def test_the_printout_keeps_every_term_and_the_counterexample_shows_the_difference() -> None:
    doc = (
        MSE
        + r"$$\frac{\partial L}{\partial b_j^{(L)}} = \frac1n\sum_i \delta_{ij}^{(L)} + 0.0000000000004$$"
        + "\n\n$$1 = 1.0000000000001$$\n"
    )
    first, second = check_text("d.md", doc, Run(jobs=1))
    assert "2500000000000" in first.display  # 4·10⁻¹³ = 1/2500000000000, not dropped
    assert second.counterexample is not None
    assert second.counterexample["left"] != second.counterexample["right"]


# ---------------------------------------------------------------------------------------------
# 3. an independent audit of every proved verdict


def test_a_prover_fault_is_caught_by_the_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put the old fault back (every Kronecker contraction allowed): the prover then proves the
    short sum, and the audit, which evaluates the relation as read, turns it into an error."""
    from derivator.engine import algebra

    monkeypatch.setattr(algebra, "nonnegative", lambda x: True)
    doc = MSE + "$$" + SHORT_SUMS[0] + "$$\n\n$$" + SHORT_SUMS[1] + "$$\n"
    results = check_text("fault.md", doc, Run(jobs=1))
    assert [str(r.verdict) for r in results] == ["error", "error"]
    assert all("proof and evaluation disagree" in r.reason for r in results)


def test_the_audit_evaluates_relations_as_read() -> None:
    import sympy as sp

    from derivator.engine import Network, Partial, audit

    net = Network()
    i, j = sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
    p = sp.Dummy("p", integer=True)
    a, z, L = net.a(net.D), net.z(net.D), net.Li
    chain = sp.Sum(Partial(L[i], a[i, p]) * Partial(a[i, p], z[i, j]), (p, 0, net.width(net.D) - 1))
    short = sp.Sum(Partial(L[i], a[i, p]) * Partial(a[i, p], z[i, j]), (p, 1, net.width(net.D) - 1))
    model = audit.NetworkModel(net)
    found = audit.audit(net.delta(net.D)[i, j], chain, model)
    assert found.status == "agreed" and found.points >= 4
    assert audit.audit(net.delta(net.D)[i, j], short, model).status == "disagreed"


@pytest.mark.parametrize("loss", ["mse", "cross-entropy", "binary-cross-entropy"])
def test_the_audit_sees_through_a_costly_zero_and_not_past_a_wrong_step(loss: str) -> None:
    """(Σa + Σz)^64 − ((Σa)² + 2ΣaΣz + (Σz)²)^32 is 0 but loses dozens of digits in floating
    point: the audit rechecks at high precision, agrees on the true relation plus that zero,
    and still disagrees with the wrong step beside it."""
    import sympy as sp

    from derivator.engine import Network, Partial, audit

    net = Network(loss=loss)
    i, j, k = (sp.Symbol(c, integer=True) for c in "ijk")
    a, z, top = net.a(net.D), net.z(net.D), net.width(net.D) - 1
    A, Z = sp.Sum(a[i, k], (k, 0, top)), sp.Sum(z[i, k], (k, 0, top))
    zero = (A + Z) ** 64 - (A**2 + 2 * A * Z + Z**2) ** 32
    lhs, delta = Partial(net.Li[i], z[i, j]), net.delta(net.D)[i, j]
    model = audit.NetworkModel(net)
    assert audit.audit(lhs, delta + zero, model).status == "agreed"
    assert audit.audit(lhs, 2 * delta + zero, model).status == "disagreed"


def test_a_proved_verdict_says_it_was_audited() -> None:
    import sympy as sp

    from derivator.api import prove
    from derivator.engine import Network, Partial

    net = Network()
    i, j = sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
    a, y = net.a(net.D), net.y
    v = prove(Partial(net.Li[i], a[i, j]), a[i, j] - y[i, j], net)
    assert v.proved and v.audit.startswith("agreed at")


# ---------------------------------------------------------------------------------------------
# 4. a wrong step cannot hide behind a costly term

SA = r"\sum_k a_{ik}^{(L)}"
SZ = r"\sum_k z_{ik}^{(L)}"
COSTLY_ZERO = (
    rf"\left({SA} + {SZ}\right)^{{64}} - \left(\left({SA}\right)^2 + 2{SA}{SZ}"
    rf" + \left({SZ}\right)^2\right)^{{32}}"
)


def test_a_wrong_step_plus_a_costly_zero_term_is_refuted() -> None:
    wrong = rf"\frac{{\partial L_i}}{{\partial a_{{ij}}^{{(L)}}}} = 2(a_{{ij}}^{{(L)}} - y_{{ij}}) + {COSTLY_ZERO}"
    assert verdict(wrong, timeout=10.0) == "refuted"


def test_a_true_step_plus_a_costly_zero_term_is_never_refuted() -> None:
    true = rf"\frac{{\partial L_i}}{{\partial a_{{ij}}^{{(L)}}}} = a_{{ij}}^{{(L)}} - y_{{ij}} + {COSTLY_ZERO}"
    assert verdict(true, timeout=10.0) in ("proved", "unknown")


def test_strict_fails_the_run_on_an_unknown(tmp_path: Path) -> None:
    true = rf"\frac{{\partial L_i}}{{\partial a_{{ij}}^{{(L)}}}} = a_{{ij}}^{{(L)}} - y_{{ij}} + {COSTLY_ZERO}"
    doc = tmp_path / "costly.md"
    doc.write_text(MSE + f"$${true}$$\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = [sys.executable, "-m", "derivator", "check", "--no-cache", "--timeout", "3", str(doc)]
    plain = subprocess.run(run, capture_output=True, text=True, env=env, cwd=tmp_path)
    strict = subprocess.run(
        run + ["--strict"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert "unknown" in plain.stdout and plain.returncode == 0
    assert strict.returncode == 1


# ---------------------------------------------------------------------------------------------
# 3 (continued). proofs in a document's own scalar model are audited too

CHAIN_NOTE = """A chain-rule note.

$$u = g(x)$$

$$v = f(u)$$

$$\\frac{\\partial v}{\\partial x} = f'(u) g'(x)$$

$$h(s) = s^3 + 2s$$

$$\\frac{\\partial h}{\\partial s} = CLAIM$$
"""


def test_a_scalar_proof_is_audited() -> None:
    results = check_text("note.md", CHAIN_NOTE.replace("CLAIM", "3s^2 + 2"), Run(jobs=1))
    proved = [r for r in results if str(r.verdict) == "proved"]
    assert len(proved) == 2 and all(r.audit.startswith("agreed at") for r in proved)


def test_a_fault_of_the_scalar_prover_is_caught_by_the_audit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A wrong rule of differentiation in the scalar model (every partial doubled) makes the
    prover prove ∂h/∂s = 6s² + 4; the audit, which differentiates by dual numbers, makes it an
    error."""
    from derivator.engine import scalar

    right = scalar.ScalarModel.partial
    monkeypatch.setattr(
        scalar.ScalarModel, "partial", lambda self, num, den: 2 * right(self, num, den)
    )
    results = check_text("note.md", CHAIN_NOTE.replace("CLAIM", "6s^2 + 4"), Run(jobs=1))
    last = results[-1]
    assert str(last.verdict) == "error" and "proof and evaluation disagree" in last.reason
