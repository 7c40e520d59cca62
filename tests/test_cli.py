"""The command line as a user meets it: real processes, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "derivator", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=300,
    )


def test_formulas_of_layer_L_minus_1_show_the_sum_over_j_and_are_all_proved(tmp_path: Path) -> None:
    r = run("formulas", "--layer", "L-1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert (
        "∂L/∂wₖₘ⁽ᴸ⁻¹⁾" in out
        and "∂L/∂bₖ⁽ᴸ⁻¹⁾" in out
        and "∂Lᵢ/∂aᵢₖ⁽ᴸ⁻¹⁾" in out
        and "δᵢₖ⁽ᴸ⁻¹⁾" in out
    )
    # the closed form carries the Σ over the neurons of layer L that the article drops
    assert "Σⱼ (aᵢⱼ⁽ᴸ⁾ − yᵢⱼ)·σ′(zᵢⱼ⁽ᴸ⁾)·wⱼₖ⁽ᴸ⁾" in out
    assert "Subs(" not in out and "Derivative(" not in out and "_0_" not in out
    assert "[chain rule] ✓ proved: all sizes" in out
    assert "12 of 12 formulas proved" in out


def test_json_output_is_parseable_and_every_formula_is_proved() -> None:
    r = run(
        "formulas", "--layer", "L", "--loss", "cross-entropy", "--form", "both", "--format", "json"
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    forms = {(f["quantity"], f["form"]) for f in data["formulas"]}
    assert ("delta", "matrix") in forms and ("w", "chain") in forms
    assert all(f["verdict"] == "proved" for f in data["formulas"])
    delta = next(f for f in data["formulas"] if f["quantity"] == "delta" and f["form"] == "delta")
    assert "y_{ij'}" in delta["latex"] and r"\sum_{j'=0}^{n_{(L)}-1}" in delta["latex"]


def test_matrix_form_is_derived_and_printed() -> None:
    r = run("formulas", "--layer", "L-1", "--form", "matrix")
    assert r.returncode == 0, r.stderr
    assert "Δ^(L-1)\n  = (Δ^(L) W^(L)) ⊙ σ′(Z^(L-1))" in r.stdout
    assert "∇W^(L-1)\n  = (1/n) Δ^(L-1)ᵀ A^(L-2)" in r.stdout


def test_latex_output_has_balanced_braces() -> None:
    r = run(
        "formulas", "--layer", "l", "--activation", "tanh", "--format", "latex", "--form", "both"
    )
    assert r.returncode == 0, r.stderr
    body = "\n".join(x for x in r.stdout.splitlines() if not x.startswith("%"))
    depth = 0
    for ch in body.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert r"\delta_{ik}^{(l)}" in body and r"\begin{aligned}" in body


@pytest.mark.parametrize(
    "args, message",
    [
        (("formulas", "--layer", "L-9"), "no layer L-9"),
        (("formulas", "--layer", "L-3"), "input layer"),
        (("formulas", "--layer", "x+1"), "unknown layer"),
        (("formulas", "--activation", "swish"), "swish"),
        (("formulas", "--loss", "hinge"), "hinge"),
        (("formulas", "--widths", "3,two"), "--widths"),
        (("formulas", "--widths", "3"), "at least two layers"),
        (("formulas", "--form", "tensor"), "tensor"),
        (("verify", "--format", "latex"), "'text', 'json'"),  # the choices offered
        (("nonsense",), "nonsense"),
    ],
)
def test_bad_options_exit_2_with_a_message_and_no_traceback(
    args: tuple[str, ...], message: str
) -> None:
    r = run(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_version_and_help() -> None:
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("derivator ")
    h = run("formulas", "--help")
    assert h.returncode == 0 and "--layer" in h.stdout and "--activation" in h.stdout


def test_verify_prints_a_table_and_exits_0_when_all_proved() -> None:
    r = run("verify", "--activation", "identity", "--loss", "mse")
    assert r.returncode == 0, r.stdout[-2000:]
    lines = r.stdout.splitlines()
    assert lines[0].split()[:6] == ["quantity", "layer", "form", "activation", "loss", "verdict"]
    assert any(x.startswith("w        L-3") and "all sizes" in x for x in lines)
    assert "proved" in lines[-1] and "for all sizes" in lines[-1]


def test_verify_json() -> None:
    r = run("verify", "--activation", "relu", "--loss", "cross-entropy", "--format", "json")
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert data["summary"]["proved"] == len(data["results"]) > 50
    assert {row["form"] for row in data["results"]} == {"chain", "delta", "closed", "matrix"}
    assert {row["layer"] for row in data["results"]} == {"L", "L-1", "L-2", "L-3", "l"}
