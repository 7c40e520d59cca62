"""The mutation suite: does ``derivator check`` ever say ``proved`` of a false relation or
``refuted`` of a true one?

Templates (``templates.py``) are true relations of backpropagation; operators (``operators.py``)
rewrite them into mutants, most of them false, some ("≡ …") still true.  Truth comes from our own
evaluator (``evaluate.py``: PyTorch autograd on networks whose sample count and widths all
differ), never from derivator.  derivator is called only here, through its public API, once per
directive set.  Asserted: no false pass, no false refutation, and every refutation's
counterexample replayed by our evaluator.  ``pytest -s`` prints the table per operator.
"""

from __future__ import annotations

import collections
import os
import random
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
import torch

from derivator.document import Run, check_text
from derivator.document.interpret import Settings

from . import evaluate as E
from .families import perturbation
from .ir import D, Frac, Mul, Q, Rel, Tag, num, tags
from .operators import Mutant, mutants
from .templates import L0, TEMPLATES, a, err, sub

#: seconds derivator may spend on one relation, and its worker processes
TIMEOUT, JOBS = 4.0, 2
#: how many mutants of one template each family of operators contributes (chosen by a fixed
#: seed, never by what derivator says), besides the template itself; templates that cost
#: derivator most (layer L-2, or L-1 behind a softmax) contribute fewer, so that the suite runs
#: in about three minutes
QUOTA = {
    "size": 3,
    "σ′": 2,
    "index": 2,
    "layer": 1,
    "layer moved": 2,
    "drop": 2,
    "sign": 1,
    "½ and 2": 1,
    "1/n": 1,
    "matrix": 2,
    "≡": 2,
    # the families of families.py
    "range": 2,
    "kronecker": 2,
    "decimal": 2,
    "costly": 1,
    "≡ kronecker": 1,
    "≡ decimal": 1,
    "≡ costly": 1,
}
COSTLY_QUOTA = {**QUOTA, "size": 2, "σ′": 1, "index": 1, "layer moved": 1, "drop": 1, "≡": 1}
#: a costly zero term makes derivator spend a share of its time before the numbers: in a run of
#: the whole set every template gets one, in the sampled run this share of the templates
COSTLY_SHARE = 0.15
#: ``DERIVATOR_MUTATION=full`` runs every selected mutant (the figures of the report); the test
#: suite runs a sample of SAMPLE of them, drawn with a fixed seed, to stay near a minute and a half
FULL = os.environ.get("DERIVATOR_MUTATION") == "full"
SAMPLE, SAMPLE_NEW = 280, 100


def costly(rel: Rel) -> bool:
    deepest = min([t.off for t in tags(rel.lhs) | tags(rel.rhs)] or [0])
    return deepest <= -2 or (deepest <= -1 and rel.loss == "cross-entropy")


def family(operator: str) -> str:
    if operator == "≡ the template itself":
        return operator
    if operator.startswith("≡"):
        return operator.split(":")[0] if ":" in operator else "≡"
    return operator.split(":")[0]


@cache
def selected() -> tuple[Mutant, ...]:
    out: list[Mutant] = []
    for name, rel in TEMPLATES.items():
        by: dict[str, list[Mutant]] = collections.defaultdict(list)
        for m in mutants(name, rel):
            by[family(m.operator)].append(m)
        out.append(by.pop("≡ the template itself")[0])
        quota = COSTLY_QUOTA if costly(rel) else QUOTA
        expensive = random.Random(f"{name}/costly").random() < COSTLY_SHARE
        for fam, ms in sorted(by.items()):
            if fam.endswith("costly") and not (FULL or expensive):
                continue
            random.Random(f"{name}/{fam}").shuffle(ms)
            out += ms[: quota[fam]]
    if not FULL:  # a fixed sample, a share of it from the families of families.py
        new = [m for m in out if family(m.operator).lstrip("≡ ") in NEW_FAMILIES]
        old = [m for m in out if family(m.operator).lstrip("≡ ") not in NEW_FAMILIES]
        random.Random("sample:new").shuffle(new)
        random.Random("sample:old").shuffle(old)
        keep = set(map(id, new[:SAMPLE_NEW] + old[: SAMPLE - SAMPLE_NEW]))
        out = [m for m in out if id(m) in keep]
    return tuple(out)


NEW_FAMILIES = ("range", "kronecker", "decimal", "costly")


def mutant_truth(m: Mutant) -> E.Outcome:
    """Our verdict on a mutant.  A decimal perturbed by 10⁻¹⁵ is below what float64 resolves, so
    its truth is the template's by our evaluator and the exact change: a true template whose
    number moved by a nonzero amount is false."""
    amount = perturbation(m.operator)
    if amount:
        base = truth(TEMPLATES[m.template], m.template)
        return E.Outcome(False, f"a number moved by {amount}") if base.true else base
    return truth(m.rel, m.template)


_NETS: dict[Any, list[E.Net]] = {}


def truth(rel: Rel, template: str) -> E.Outcome:
    """Our verdict: the relation holds at three random networks (same ones for every mutant of
    a template that names the same layers)."""
    key = (template, rel.directives, tuple(sorted(tags(rel.lhs) | tags(rel.rhs))))
    if key not in _NETS:
        _NETS[key] = E.truth_nets(rel, E.seed_of(template))
    return E.decide(rel, _NETS[key])


# ---------------------------------------------------------------------------------------------
# our machinery checks itself first: a failure here is a bug of the suite, not of derivator


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_is_true(name: str) -> None:
    o = truth(TEMPLATES[name], name)
    assert o.true, f"{name}: {o}"


def test_equivalent_mutants_are_true() -> None:
    wrong = [
        (m.template, m.operator, m.latex, mutant_truth(m).why)
        for m in selected()
        if m.equivalent and not mutant_truth(m).true
    ]
    assert not wrong, wrong


def test_a_side_without_value_is_not_true() -> None:
    """(a − y)/(a(1 − 1)) divides by zero everywhere: NaN − NaN is no agreement, so our
    evaluator must not count such a mutant true (derivator may only call it an error)."""
    bce = TEMPLATES["bce_dLi_da"]
    broken = Rel(bce.lhs, Frac(err(), Mul((a("ij", L0), sub(num(1), num(1))))), loss=bce.loss)
    o = truth(broken, "bce_dLi_da")
    assert not o.true and "no value" in o.why, o
    assert truth(bce, "bce_dLi_da").true


#: true mutants that once ended ``unknown``, each with a false neighbour of the same family
DECIDED = [
    ("dw_L2_delta", "≡ costly: a zero term beside the template"),
    ("dw_L2_delta", "costly: a wrong factor 2 beside a zero term"),
    ("single_dLi_da_L2_chain", "≡ costly: a zero term beside the template"),
    ("single_dLi_da_L2_chain", "costly: a wrong sign beside a zero term"),
    ("bce_dLi_da", "≡ kronecker: Σ_p [p = j] over the whole range"),
    ("bce_dLi_da", "kronecker: Σ_p [p = j] one short"),
]


def test_costly_zero_terms_and_brackets_are_decided() -> None:
    """A zero term X^16 (X = (A + Z)² − A² − 2AZ − Z², sums of a and z) beside a template, and
    a Σ_p [p = j] around a rational true value, are proved where our evaluator finds them true
    (they ended in a timeout and in ``unknown``), and never proved where it finds them false.
    (A proof of the true ones takes a fraction of a second; the false ones need the numbers.)"""
    picked = []
    for name, operator in DECIDED:
        (m,) = [x for x in mutants(name, TEMPLATES[name]) if x.operator == operator][:1]
        picked.append(m)
    for c in run_derivator(picked):
        verdict = (c.mutant.template, c.mutant.operator, c.verdict, c.reason[:200])
        if c.truth.true:
            assert c.verdict == "proved", verdict
        else:  # refuted, or unknown when the busy machine leaves it no time; never proved
            assert c.verdict in ("refuted", "unknown"), verdict
            assert c.verdict != "refuted" or c.replay == "confirmed", verdict


def test_partials_match_finite_differences() -> None:
    """Our autograd partials against central differences of our forward pass, and each σ′
    against the autograd derivative of its σ."""
    net = E.make_net(
        [Tag("L", -2), Tag("L", -1), Tag("L")], [3, 4, 2], 5, "tanh", "cross-entropy", 7
    )
    ev, h = E.Evaluator(net), 1e-6
    env = {"i": 5, "j": 2, "k": 4}

    def difference(kind: str, p: int, pos: tuple[int, ...], out: str) -> torch.Tensor:
        base = net.state[(kind, p)].detach()
        bump = torch.zeros_like(base)
        bump[pos] = h
        return (
            net.forward((kind, p, base + bump))[out] - net.forward((kind, p, base - bump))[out]
        ) / (2 * h)

    dw = ev.ev(D(Q("L", None), Q("w", Tag("L"), ("j", "k"))), env).data
    da = ev.ev(D(Q("Li", None, ("i",)), Q("a", Tag("L", -1), ("i", "k"))), env).data
    delta = ev.ev(Q("delta", Tag("L", -1), ("i", "k")), env).data
    for pos in [(0, 0), (1, 1), (1, 2)]:
        assert abs(float(dw[pos] - difference("w", 2, pos, "L"))) < 1e-7
    for pos in [(0, 0), (3, 2), (4, 3)]:  # ∂L_i/∂x_ik: the loss of the sample the entry belongs to
        assert abs(float(da[pos] - difference("a", 1, pos, "Li")[pos[0]])) < 1e-7
        assert abs(float(delta[pos] - difference("z", 1, pos, "Li")[pos[0]])) < 1e-7
    for act, (s, sp) in E.ACTIVATIONS.items():
        x = torch.linspace(-2, 2, 9, requires_grad=True)
        (g,) = torch.autograd.grad(s(x).sum(), x)
        assert torch.allclose(g, sp(x.detach())), act


# ---------------------------------------------------------------------------------------------
# the suite


@dataclass
class Case:
    mutant: Mutant
    truth: E.Outcome
    verdict: str = "missing"
    method: str = ""
    reason: str = ""
    counterexample: dict[str, Any] | None = None
    replay: str = ""  # "confirmed", "failed: …", "inconclusive: …" for refutations

    @property
    def false_pass(self) -> bool:
        # a definition the model satisfies ("defined") is a proof too
        return self.verdict in ("proved", "defined") and not self.truth.true

    @property
    def false_refutation(self) -> bool:
        return self.verdict == "refuted" and self.truth.true


#: wall-clock seconds of the suite's parts, for the report
SECONDS: dict[str, float] = {}
#: what the audit of each proved verdict found
AUDITS: collections.Counter[str] = collections.Counter()


def run_derivator(ms: list[Mutant]) -> list[Case]:
    """One Markdown document per directive set, one ``check_text`` per document."""
    t0 = time.perf_counter()
    cases = {id(m): Case(m, mutant_truth(m)) for m in ms}
    SECONDS["our truth"] = time.perf_counter() - t0
    groups: dict[tuple[str, str, str, str], list[Mutant]] = collections.defaultdict(list)
    for m in ms:
        groups[m.rel.directives].append(m)
    for (act, loss, network, out), group in sorted(groups.items()):
        own = f" output-activation={out}" if out else ""
        lines = [f"<!-- derivator: activation={act} loss={loss} network={network}{own} -->", ""]
        at: dict[int, Mutant] = {}
        for m in group:
            at[len(lines) + 1] = m
            lines += [f"$${m.latex}$$", ""]
        run = Run(defaults=Settings(), timeout=TIMEOUT, jobs=JOBS)
        t0 = time.perf_counter()
        results = check_text(f"mutants-{act}-{loss}-{network}{out}.md", "\n".join(lines), run)
        SECONDS["derivator check_text"] = (
            SECONDS.get("derivator check_text", 0.0) + time.perf_counter() - t0
        )
        for r in results:
            c = cases[id(at[r.line])]
            if c.verdict != "missing":  # derivator read two relations where we wrote one: a defect
                c.verdict, c.reason = (
                    "split",
                    c.reason + f" | step {r.step}: {r.verdict} ({r.method}) {r.reason}",
                )
                continue
            AUDITS[
                r.audit.split(" at ")[0]
                or ("-" if r.verdict not in ("proved", "defined") else "cached")
            ] += 1
            c.verdict, c.method, c.reason, c.counterexample = (
                r.verdict,
                r.method,
                r.reason,
                r.counterexample,
            )
    out = list(cases.values())
    for c in out:
        if c.verdict == "refuted" and not c.truth.true:
            c.replay = _replay(c)
    return out


def _replay(c: Case) -> str:
    if perturbation(c.mutant.operator) and c.counterexample:
        # a number moved by 10⁻¹⁵ is below float64: replay the template at derivator's point
        # (its sides must agree there) and see that derivator's two printed sides differ
        status, why = E.replay(TEMPLATES[c.mutant.template], c.counterexample)
        shown = c.counterexample.get("left") != c.counterexample.get("right")
        if status == "failed" and why.startswith("our sides agree") and shown:
            return "confirmed"
        if status == "inconclusive" and shown:  # a network we had to complete ourselves
            return f"inconclusive: {why}"
        return f"failed: the template at that point: {status} ({why}); sides shown differ: {shown}"
    status, why = E.replay(c.mutant.rel, c.counterexample)
    return status if status == "confirmed" else f"{status}: {why}"


def table(cases: list[Case]) -> str:
    cols = [
        "mutants",
        "true",
        "refuted",
        "proved",
        "defined",
        "unknown",
        "error",
        "skipped",
        "FALSE PASS",
        "FALSE REFUT",
        "replay fail",
        "replay n/a",
    ]
    rows: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for c in cases:
        for key in (c.mutant.operator, "TOTAL"):
            row = rows[key]
            row["mutants"] += 1
            row["true"] += c.truth.true
            row[c.verdict if c.verdict in cols else "error"] += 1
            row["FALSE PASS"] += c.false_pass
            row["FALSE REFUT"] += c.false_refutation
            row["replay fail"] += c.replay.startswith("failed")
            row["replay n/a"] += c.replay.startswith("inconclusive")
    width = max(len(k) for k in rows) + 2
    head = "operator".ljust(width) + " ".join(f"{x:>11}" for x in cols)
    body = [
        k.ljust(width) + " ".join(f"{rows[k][x]:>11}" for x in cols)
        for k in sorted(rows, key=lambda k: (k == "TOTAL", k))
    ]
    spent = ", ".join(f"{k} {v:.0f} s" for k, v in SECONDS.items())
    audits = ", ".join(f"{k}: {v}" for k, v in sorted(AUDITS.items()))
    return "\n".join([head] + body + [f"{len(TEMPLATES)} templates; {spent}", f"audit: {audits}"])


def describe(c: Case) -> str:
    t = c.truth
    ours = (
        "true"
        if t.true
        else f"false: {t.why}"
        + (f" at {t.at}: left {t.left:.9g}, right {t.right:.9g}" if t.left is not None else "")
    )
    s = (
        f"- [{c.mutant.operator}] {c.mutant.template} ({'/'.join(x for x in c.mutant.rel.directives if x)})\n"
        f"    {c.mutant.latex}\n    derivator: {c.verdict} ({c.method}) {c.reason[:300]}\n    ours: {ours}"
    )
    if c.replay and c.replay != "confirmed":
        s += f"\n    replay: {c.replay}"
    return s


@cache
def outcome() -> tuple[Case, ...]:
    return tuple(run_derivator(list(selected())))


@pytest.mark.slow
def test_mutation_suite() -> None:
    cases = outcome()
    report = table(list(cases))
    print("\n" + report)
    bad = [
        c
        for c in cases
        if c.false_pass
        or c.false_refutation
        or c.replay.startswith("failed")
        or c.verdict in ("missing", "split")
    ]
    for c in bad:
        print(describe(c))
    assert len(cases) >= (1000 if FULL else SAMPLE - 10) and len(TEMPLATES) >= 40
    assert not bad, (
        f"{sum(c.false_pass for c in cases)} false passes, "
        f"{sum(c.false_refutation for c in cases)} false refutations, "
        f"{sum(c.replay.startswith('failed') for c in cases)} failed replays, "
        f"{sum(c.verdict in ('missing', 'split') for c in cases)} without one verdict:\n"
        + "\n".join(describe(c) for c in bad)
        + "\n\n"
        + report
    )
