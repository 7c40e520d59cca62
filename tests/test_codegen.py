"""The generated NumPy gradients against independent truth: PyTorch autograd and finite differences.

Torch is the test extra's ``torch==2.13.0``; without CI set, tests that need it are skipped when it
is missing, under CI (CI=true) its absence fails them.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from derivator import Network
from derivator.cli.numbers import codegen as codegen_command
from derivator.cli.numbers import train as train_command
from derivator.codegen import numpy_code as codegen
from derivator.engine import derive, matrix

ROOT = Path(__file__).resolve().parents[1]
ACTIVATIONS = codegen.NUMERIC_ACTIVATIONS
LOSSES = codegen.NUMERIC_LOSSES
#: (activation, loss) pairs that have code: the binary cross-entropy needs a sigmoid output
KINDS = [
    (a, k) for a in ACTIVATIONS for k in LOSSES if k != "binary-cross-entropy" or a == "sigmoid"
]


def need_torch() -> Any:
    """torch, or a skip (only outside CI: under CI a missing torch is a failure)."""
    if os.environ.get("CI"):
        import torch
    else:
        torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def torch_reference(
    activation: str,
    loss: str,
    params: list[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    Y: np.ndarray,
) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
    """L and its gradients by autograd, written from the definitions (float64)."""
    torch = need_torch()
    # softplus as defined, ln(1 + e^z): torch.nn.functional.softplus returns z itself above z = 20
    # (its threshold), which is off by e^(−z) ≈ 2e-9 and would swamp a 1e-10 comparison
    # σ′ from z, not from a = σ(z): torch's own a(1−a) and 1−a² lose digits as a nears ±1 (relative
    # error 1e-16·e^(2|z|) for tanh), which a 1e-10 comparison would measure instead of our code
    sigma = {
        "sigmoid": _accurate(torch, torch.sigmoid, lambda z: torch.sigmoid(z) * torch.sigmoid(-z)),
        "tanh": _accurate(torch, torch.tanh, lambda z: 1 / torch.cosh(z) ** 2),
        "relu": torch.relu,
        "softplus": lambda z: torch.logaddexp(z, torch.zeros_like(z)),
        "identity": lambda z: z,
    }[activation]
    tp = [
        (
            torch.tensor(W, dtype=torch.float64, requires_grad=True),
            torch.tensor(b, dtype=torch.float64, requires_grad=True),
        )
        for W, b in params
    ]
    a = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    n = X.shape[0]
    for p, (W, b) in enumerate(tp, 1):
        z = a @ W.T + b
        if loss == "cross-entropy" and p == len(tp):
            L = -(y * torch.log_softmax(z, dim=1)).sum() / n
        else:
            a = sigma(z)
    if loss == "binary-cross-entropy":
        L = torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="sum") / n
    if loss == "mse":
        L = ((a - y) ** 2 / 2).sum() / n
    L.backward()
    return float(L.detach()), [(W.grad.numpy(), b.grad.numpy()) for W, b in tp]


def _accurate(torch: Any, f: Any, fprime: Any) -> Any:
    """f with the derivative fprime(z) in autograd (textbook identities: σ′ = σ(z)σ(−z), tanh′ = 1/cosh²)."""

    class F(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, z: Any) -> Any:
            ctx.save_for_backward(z)
            return f(z)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (z,) = ctx.saved_tensors
            return g * fprime(z)

    return F.apply


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """max |got − want| / max |want| (exact agreement required when want is all zeros)."""
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    diff = float(np.max(np.abs(got - want))) if want.size else 0.0
    return diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))


@st.composite
def problems(draw: Any, max_depth: int = 6) -> dict[str, Any]:
    """A random network (depth 1–6, widths 1–7), parameters and a batch of 1–5 samples."""
    depth = draw(st.integers(1, max_depth))
    widths = tuple(draw(st.lists(st.integers(1, 7), min_size=depth + 1, max_size=depth + 1)))
    activation, loss = draw(st.sampled_from(KINDS))
    if loss == "cross-entropy":  # a softmax over one neuron is refused (see the test below)
        widths = widths[:-1] + (max(2, widths[-1]),)
    batch = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    params = [
        (rng.normal(0, 1.0, size=(widths[p], widths[p - 1])), rng.normal(0, 0.5, size=widths[p]))
        for p in range(1, depth + 1)
    ]
    X = rng.normal(0, 1.0, size=(batch, widths[0]))
    # targets need not be one-hot or sum to 1: the derived δ^(L) = A ⊙ (Y𝟏) − Y covers any Y
    # (and the binary cross-entropy's targets may be any probabilities, not only 0 and 1)
    Y = (
        rng.normal(size=(batch, widths[-1]))
        if loss == "mse"
        else rng.random(size=(batch, widths[-1]))
    )
    return {
        "widths": widths,
        "activation": activation,
        "loss": loss,
        "params": params,
        "X": X,
        "Y": Y,
    }


def generated(pr: dict[str, Any], dtype: str = "float64") -> codegen.NumpyGradients:
    net = Network(widths=pr["widths"], activation=pr["activation"], loss=pr["loss"])
    # proofs are checked once per activation and loss below; here only the numbers matter
    return codegen.numpy_gradients(net, dtype=dtype, proof_mode="none")


# ---------------------------------------------------------------------------------------------
# independent truth


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_gradients_match_pytorch_autograd_to_1e_10(pr: dict[str, Any]) -> None:
    g = generated(pr)
    L, want = torch_reference(pr["activation"], pr["loss"], pr["params"], pr["X"], pr["Y"])
    got = g(pr["params"], pr["X"], pr["Y"])
    assert len(got) == len(want)
    for (dW, db), (tW, tb) in zip(got, want):
        assert dW.shape == tW.shape and db.shape == tb.shape
        assert relative_error(dW, tW) <= 1e-10
        assert relative_error(db, tb) <= 1e-10
    assert abs(g.loss(pr["params"], pr["X"], pr["Y"]) - L) <= 1e-12 * max(1.0, abs(L))


def reference_loss(
    activation: str,
    loss: str,
    params: list[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    Y: np.ndarray,
) -> float:
    """The loss from the definitions, in plain NumPy (for finite differences)."""
    sigma = {
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "softplus": lambda z: np.log1p(np.exp(z)),
        "identity": lambda z: z,
    }[activation]
    a = X
    for p, (W, b) in enumerate(params, 1):
        z = a @ W.T + b
        if loss == "cross-entropy" and p == len(params):
            s = z - z.max(axis=1, keepdims=True)
            return float(
                -(Y * (s - np.log(np.exp(s).sum(axis=1, keepdims=True)))).sum() / X.shape[0]
            )
        a = sigma(z)
    if loss == "binary-cross-entropy":
        return float(-(Y * np.log(a) + (1 - Y) * np.log1p(-a)).sum() / X.shape[0])
    return float(((a - Y) ** 2 / 2).sum() / X.shape[0])


def pre_activations(
    params: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray, activation: str
) -> list[np.ndarray]:
    sigma = {
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "softplus": lambda z: np.log1p(np.exp(z)),
        "identity": lambda z: z,
    }[activation]
    out, a = [], X
    for W, b in params:
        z = a @ W.T + b
        out.append(z)
        a = sigma(z)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_depth=4))
def test_gradients_match_central_finite_differences(pr: dict[str, Any]) -> None:
    if pr["activation"] == "relu":  # differences across a kink measure nothing
        assume(
            all(np.min(np.abs(z)) > 1e-3 for z in pre_activations(pr["params"], pr["X"], "relu"))
        )
    got = generated(pr)(pr["params"], pr["X"], pr["Y"])
    h = 1e-6
    # a central difference carries the rounding of the two losses it subtracts, about
    # eps·|L|/h; with a hundred roundings per loss as margin, large losses get a wider atol
    scale = abs(reference_loss(pr["activation"], pr["loss"], pr["params"], pr["X"], pr["Y"]))
    atol = max(1e-7, 100 * np.finfo(float).eps * scale / h)
    for p, (W, b) in enumerate(pr["params"]):
        for arr, grad in ((W, got[p][0]), (b, got[p][1])):
            fd = np.zeros_like(arr)
            for idx in np.ndindex(arr.shape):
                keep = arr[idx]
                arr[idx] = keep + h
                up = reference_loss(pr["activation"], pr["loss"], pr["params"], pr["X"], pr["Y"])
                arr[idx] = keep - h
                down = reference_loss(pr["activation"], pr["loss"], pr["params"], pr["X"], pr["Y"])
                arr[idx] = keep
                fd[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=atol)


def test_float32_keeps_its_dtype_and_agrees_with_float64() -> None:
    rng = np.random.default_rng(3)
    for activation, loss in KINDS:
        net = Network(widths=(5, 4, 3), activation=activation, loss=loss)
        params = net.init_params(seed=1)
        X, Y = rng.normal(size=(6, 5)), rng.random(size=(6, 3))
        g64 = net.numpy_gradients("float64", proof="none")(params, X, Y)
        g32 = net.numpy_gradients("float32", proof="none")(params, X, Y)
        for (a64, b64), (a32, b32) in zip(g64, g32):
            assert a32.dtype == np.float32 and b32.dtype == np.float32 and a64.dtype == np.float64
            np.testing.assert_allclose(a32, a64, rtol=2e-4, atol=2e-5 * np.abs(a64).max())
            np.testing.assert_allclose(b32, b64, rtol=2e-4, atol=2e-5 * np.abs(b64).max())
        assert net.forward(params, X, dtype="float32").dtype == np.float32


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation,loss", KINDS)
def test_pre_activations_of_plus_minus_1000_stay_finite_and_warning_free(
    activation: str, loss: str, dtype: str
) -> None:
    """Overflow, division by zero and invalid operations raise; warnings are errors.  Underflow
    (e^(−1000) → 0, the correctly rounded value) is left at NumPy's default, ignored."""
    net = Network(widths=(2, 3, 3), activation=activation, loss=loss)
    g = net.numpy_gradients(dtype, proof="none")
    W1 = np.array([[1000.0, 0.0], [-1000.0, 0.0], [0.0, 1000.0]])
    W2 = np.array([[1.0, -1.0, 0.5], [-1.0, 1.0, 0.0], [0.5, 0.5, -1.0]])
    params = [(W1, np.zeros(3)), (W2, np.array([1000.0, -1000.0, 0.0]))]
    X = np.array([[1.0, -1.0], [-1.0, 1.0], [0.5, 1.0]])
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            grads = g(params, X, Y)
            value = g.loss(params, X, Y)
            out = g.forward(params, X)
    assert np.isfinite(value) and np.all(np.isfinite(out))
    for dW, db in grads:
        assert dW.dtype == np.dtype(dtype) and np.all(np.isfinite(dW)) and np.all(np.isfinite(db))
    if (
        dtype == "float64"
    ):  # the gradients' accuracy here is measured against mpmath in test_numerics.py
        L, _ = torch_reference(activation, loss, params, X, Y)
        assert abs(value - L) <= 1e-10 * max(1.0, abs(L))


# ---------------------------------------------------------------------------------------------
# the code comes from the derivation


def test_the_code_is_the_matrix_form_printed_as_matmul_shaped_numpy() -> None:
    src = codegen.module_source(
        Network(widths=(784, 128, 10), activation="tanh"), proof_mode="none"
    )
    # G^(L) = (1/n) (A − Y) ⊙ σ′(Z), σ′ = 1/cosh² in place; G^(l) = (G W) ⊙ σ′(Z); ∇W = Gᵀ A
    assert "D2 = A2 - Y\n    C2 = np.cosh(Z2)\n    C2 *= C2\n    D2 /= C2\n    D2 *= 1 / n\n" in src
    assert "D1 = D2 @ W2\n    C1 = np.cosh(Z1)\n    C1 *= C1\n    D1 /= C1\n" in src
    assert "dW1 = D1.T @ A0" in src and "dB1 = ones_n @ D1" in src  # ∇B = Σᵢ G_i· = 𝟏ᵀ G
    assert (
        src.count("*= 1 / n") == 1 and "(1 / n)" not in src
    )  # the mean's 1/n once, not twice per layer
    tree = ast.parse(src)
    layer_functions = [
        f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name.startswith("layer_")
    ]
    assert [f.name for f in layer_functions] == ["layer_2", "layer_1"]
    for f in layer_functions + [
        f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == "gradients"
    ]:
        assert not any(
            isinstance(node, (ast.For, ast.While, ast.comprehension)) for node in ast.walk(f)
        )
    assert "einsum" not in src and "import sympy" not in src


@pytest.mark.parametrize(
    "outputs", [3, codegen.templates.NARROW_ROWS, codegen.templates.NARROW_ROWS + 1, 70]
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_of_narrow_and_wide_outputs_agrees_with_autograd(outputs: int, dtype: str) -> None:
    """Up to NARROW_ROWS outputs the softmax takes each row's maximum from a column-major copy, above
    that directly; the row sums and ∇B are products with ones.  Every form gives autograd's gradients,
    also where the logits are large enough that exp without the shift would overflow."""
    net = Network(widths=(5, 6, outputs), activation="tanh", loss="cross-entropy")
    src = codegen.module_source(net, proof_mode="none")
    narrow = "np.asfortranarray(Z2).max(axis=1, keepdims=True)" in src
    assert narrow == (outputs <= codegen.templates.NARROW_ROWS) and (
        narrow or "Z2.max(axis=1, keepdims=True)" in src
    )
    rng = np.random.default_rng(outputs)
    n = 9
    params = [
        (rng.normal(size=(6, 5)), rng.normal(size=6)),
        (rng.normal(scale=300.0, size=(outputs, 6)), rng.normal(size=outputs)),
    ]
    X, Y = (
        rng.normal(size=(n, 5)),
        rng.random(size=(n, outputs)),
    )  # targets whose rows do not sum to 1
    _, want = torch_reference("tanh", "cross-entropy", params, X, Y)
    g = net.numpy_gradients(dtype, proof="none")
    got = g(
        [(W.astype(dtype), B.astype(dtype)) for W, B in params], X.astype(dtype), Y.astype(dtype)
    )
    tol = 1e-12 if dtype == "float64" else 1e-5
    for (dW, dB), (tW, tB) in zip(got, want):
        assert dW.dtype == np.dtype(dtype) and dB.dtype == np.dtype(dtype)
        assert relative_error(dW, tW) <= tol and relative_error(dB, tB) <= tol


def test_cross_entropy_delta_is_the_derived_one_not_a_template() -> None:
    src = codegen.module_source(Network(widths=(3, 4, 2), loss="cross-entropy"), proof_mode="none")
    assert "D2 = A2 * (Y @ ones_2) - Y" in src  # A^(L) ⊙ (Y𝟏) − Y, as derived
    assert "_log_softmax(Z2)" in src  # the loss's ln a of the softmax output, stably


def test_if_the_derivation_changes_the_code_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    original = derive.local_gradient

    def doubled(net: Network, quantity: str, p: int) -> Any:
        e = original(net, quantity, p)
        return 2 * e if quantity == "w" else e

    codegen.plan.cache_clear()
    monkeypatch.setattr(derive, "local_gradient", doubled)
    try:
        src = codegen.module_source(Network(widths=(3, 2)), proof_mode="none")
    finally:
        codegen.plan.cache_clear()
    assert "dW1 = (2) * (D1.T @ A0)" in src


def test_every_rule_the_code_is_printed_from_is_proved() -> None:
    for activation, loss in KINDS:
        proofs = codegen.generic_proofs(activation, loss)
        assert len(proofs) == 6
        assert all(v.proved for _, v in proofs), (
            activation,
            loss,
            [(t, str(v)) for t, v in proofs],
        )


def test_module_header_records_a_proof_of_every_emitted_rule() -> None:
    src = codegen.module_source(
        Network(widths=(4, 3, 2), activation="softplus", loss="cross-entropy"), proof_mode="network"
    )
    header = ast.get_docstring(ast.parse(src)) or ""
    for rule in (
        "G^(L) = (1/n) (A^(L) ⊙ (Y𝟏) − Y)",
        "G^(L-1) = (G^(L) W^(L)) ⊙ σ′(Z^(L-1))",
        "∇W^(L-1) = G^(L-1)ᵀ A^(L-2)",
        "∇B^(L) = Σᵢ G^(L)_i·",
    ):
        line = next(x for x in header.splitlines() if x.strip().startswith(rule))
        assert "proved (all sizes (normal form))" in line
    assert "refuted" not in header and "unknown" not in header


def test_module_is_deterministic() -> None:
    net = Network(widths=(6, 5, 4, 3), activation="relu", loss="cross-entropy")
    first = codegen.module_source(net, "rules")
    codegen.plan.cache_clear()
    assert codegen.module_source(net, "rules") == first


def test_standalone_module_gives_the_same_numbers_without_sympy(tmp_path: Path) -> None:
    net = Network(widths=(7, 5, 4, 3), activation="sigmoid", loss="cross-entropy")
    codegen.write_module(net, str(tmp_path / "gen_grads.py"), proof_mode="rules")
    rng = np.random.default_rng(0)
    params = net.init_params(seed=2)
    X, Y = rng.normal(size=(8, 7)), np.eye(3)[rng.integers(0, 3, size=8)]
    np.savez(
        tmp_path / "inputs.npz",
        X=X,
        Y=Y,
        **{f"W{p}": W for p, (W, _) in enumerate(params, 1)},
        **{f"B{p}": b for p, (_, b) in enumerate(params, 1)},
    )
    script = (
        "import sys, json\n"
        "sys.modules['sympy'] = None\n"  # any import of sympy now fails
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import numpy as np\n"
        "import gen_grads as g\n"
        f"d = np.load({str(tmp_path / 'inputs.npz')!r})\n"
        "params = [(d[f'W{p}'], d[f'B{p}']) for p in range(1, 4)]\n"
        "grads = g.gradients(params, d['X'], d['Y'])\n"
        "np.savez(sys.argv[1], **{f'dW{p}': w for p, (w, _) in enumerate(grads, 1)},"
        " **{f'dB{p}': b for p, (_, b) in enumerate(grads, 1)})\n"
        "print(json.dumps({'loss': g.loss(params, d['X'], d['Y']), 'sympy': 'sympy' in sys.modules"
        " and sys.modules['sympy'] is not None}))\n"
    )
    out = tmp_path / "out.npz"
    done = subprocess.run(
        [sys.executable, "-c", script, str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["sympy"] is False
    g = net.numpy_gradients()
    assert report["loss"] == g.loss(params, X, Y)
    got = np.load(out)
    for p, (dW, db) in enumerate(g(params, X, Y), 1):
        assert np.array_equal(got[f"dW{p}"], dW) and np.array_equal(got[f"dB{p}"], db)


# ---------------------------------------------------------------------------------------------
# safety and clear errors


@pytest.mark.parametrize(
    "bad",
    [
        "import os\n",
        "import numpy as np\nnp.load('x')\n",
        "def gradients(params, X, Y):\n    return eval('1')\n",
        "def gradients(params, X, Y):\n    return open('/etc/passwd')\n",
        "def gradients(params, X, Y):\n    return X.__class__\n",
        "class Evil:\n    pass\n",
        "def gradients(params, X, Y, __builtins__=None):\n    return X\n",
    ],
)
def test_validator_refuses_anything_outside_the_whitelist(bad: str) -> None:
    with pytest.raises(codegen.CodegenError):
        codegen.validate(bad)


def test_names_that_reach_code_are_checked() -> None:
    assert codegen.variable("Delta", 3) == "D3" and codegen.variable("Y") == "Y"
    with pytest.raises(codegen.CodegenError):
        codegen.variable("W", -1)  # type: ignore[arg-type]
    with pytest.raises(codegen.CodegenError, match="refusing"):
        codegen._ScalarPrinter().doprint(__import__("sympy").Symbol("os.system"))


def test_networks_without_numbers_are_refused_clearly() -> None:
    with pytest.raises(
        codegen.CodegenError, match="generic activation σ is a symbol without numbers"
    ):
        Network(widths=(2, 2), activation="generic").numpy_gradients()
    with pytest.raises(codegen.CodegenError, match="concrete widths"):
        Network(depth=2).numpy_gradients()


def test_shape_errors_name_the_array_and_the_shape_it_needs() -> None:
    g = Network(widths=(4, 3, 2)).numpy_gradients(proof="none")
    good = [(np.zeros((3, 4)), np.zeros(3)), (np.zeros((2, 3)), np.zeros(2))]
    X, Y = np.zeros((5, 4)), np.zeros((5, 2))
    assert len(g(good, X, Y)) == 2
    cases = [
        (
            [(np.zeros((4, 3)), np.zeros(3)), good[1]],
            X,
            Y,
            r"W1 has shape \(4, 3\); this 4-3-2 network needs \(3, 4\)",
        ),
        ([good[0], (np.zeros((2, 3)), np.zeros(3))], X, Y, r"B2 has shape \(3,\); .* needs \(2,\)"),
        (good, np.zeros((5, 3)), Y, r"X has shape \(5, 3\); .* needs \(n, 4\)"),
        (
            good,
            X,
            np.zeros((4, 2)),
            r"Y has shape \(4, 2\); .* needs \(5, 2\) \(one row per sample of X\)",
        ),
        (good[:1], X, Y, r"expected a list of 2 \(W, B\) pairs"),
    ]
    for params, x, y, message in cases:
        with pytest.raises(ValueError, match=message):
            g(params, x, y)


# ---------------------------------------------------------------------------------------------
# the command


def cli() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(codegen_command)
    app.command()(train_command)
    return app


def test_codegen_command_writes_a_byte_identical_module(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "a" / "gradients.py"
    written = []
    for _ in range(2):
        codegen.plan.cache_clear()
        r = runner.invoke(
            cli(), ["codegen", "--widths", "8,6,3", "--activation", "tanh", "-o", str(path)]
        )
        assert r.exit_code == 0, r.output
        assert "6 of 6 rules proved" in r.stderr
        written.append(path.read_bytes())
        path.unlink()
    assert written[0] == written[1]
    text = written[0].decode("utf-8")
    assert "def layer_1(" in text
    # the header's regeneration command is the one that was run
    assert (
        f"derivator codegen --widths 8,6,3 --activation tanh --loss mse --proof rules -o {path.as_posix()}"
        in text
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["--widths", "4,x"], "give comma-separated integers"),
        (["--widths", "4"], "at least two layers"),
        (["--widths", "4,2", "--activation", "generic"], "generic activation"),
        (["--widths", "4,3", "--targets", "one-hot"], "only the softmax output layer"),
    ],
)
def test_codegen_command_bad_input_exits_2_with_a_message(args: list[str], message: str) -> None:
    r = CliRunner().invoke(cli(), ["codegen", *args])
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: ") and message in r.stderr
    assert "Traceback" not in r.output
    assert isinstance(r.exception, SystemExit)  # a clean exit, not an escaped exception


@pytest.mark.parametrize("targets", ["one-hot", "distribution"])
def test_targets_that_sum_to_one_print_a_minus_y_proved_under_that_assumption(
    targets: str, tmp_path: Path
) -> None:
    """With --targets one-hot (or distribution) the softmax output's G^(L) = (1/n)(A^(L) ⊙ (Y𝟏) − Y)
    becomes (1/n)(A^(L) − Y), proved with Σ_j y_ij = 1; without that assumption the same rule is not
    proved, and with targets that do not sum to 1 its numbers are not autograd's."""
    path = tmp_path / "g.py"
    codegen.plan.cache_clear()
    r = CliRunner().invoke(
        cli(),
        [
            "codegen",
            "--widths",
            "5,4,3",
            "--activation",
            "relu",
            "--loss",
            "cross-entropy",
            "--targets",
            targets,
            "-o",
            str(path),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "6 of 6 rules proved" in r.stderr
    text = path.read_text(encoding="utf-8")
    assert "    D2 = A2 - Y\n    D2 *= 1 / n\n" in text and "Y @ ones" not in text
    assert (
        f"--loss cross-entropy --targets {targets} --proof rules" in text
        and f"Targets: {targets}" in text
    )
    assumed = Network(depth=1, loss="cross-entropy", targets=targets)
    rule = codegen.tree(assumed, "delta", 1)
    assert rule == matrix.Scale(
        1 / assumed.n, matrix.Sub(matrix.Named("A", "L"), matrix.Named("Y"))
    )
    assert codegen.prove_tree(assumed, "delta", 1, rule).proved
    assert (
        codegen.prove_tree(Network(depth=1, loss="cross-entropy"), "delta", 1, rule).verdict
        == "refuted"
    )
    net = Network(widths=(5, 4, 3), activation="relu", loss="cross-entropy", targets=targets)
    rng = np.random.default_rng(4)
    params = [
        (rng.normal(size=(4, 5)), rng.normal(size=4)),
        (rng.normal(size=(3, 4)), rng.normal(size=3)),
    ]
    X = rng.normal(size=(6, 5))
    Y = (
        np.eye(3)[rng.integers(0, 3, size=6)]
        if targets == "one-hot"
        else rng.dirichlet(np.ones(3), size=6)
    )
    for (dW, dB), (tW, tB) in zip(
        net.numpy_gradients(proof="none")(params, X, Y),
        torch_reference("relu", "cross-entropy", params, X, Y)[1],
    ):
        assert relative_error(dW, tW) <= 1e-12 and relative_error(dB, tB) <= 1e-12
    other = (
        2 * Y
    )  # rows summing to 2: outside the assumption, the printed rule is not the loss's gradient
    got = net.numpy_gradients(proof="none")(params, X, other)
    want = torch_reference("relu", "cross-entropy", params, X, other)[1]
    assert relative_error(got[1][0], want[1][0]) > 1e-3


def test_committed_example_module_is_current() -> None:
    """output/gradients.py is `derivator codegen --widths 784,128,10 --activation tanh -o output/gradients.py`
    (the exact command is in its header)."""
    committed = ROOT / "output" / "gradients.py"
    if not committed.exists():
        pytest.skip("no output/gradients.py committed")
    fresh = codegen.module_source(
        Network(widths=(784, 128, 10), activation="tanh"),
        proof_mode="rules",
        output="output/gradients.py",
    )
    assert committed.read_text(encoding="utf-8") == fresh, (
        "regenerate output/gradients.py with derivator codegen"
    )


# ---------------------------------------------------------------------------------------------
# the module's own functions


def test_module_init_params_and_loss_and_gradients_agree_with_the_library(tmp_path: Path) -> None:
    net = Network(widths=(5, 4, 3), activation="relu", loss="cross-entropy")
    g = net.numpy_gradients()
    for seed in (0, 7):
        ours = g.module["init_params"](seed)
        for (W, b), (W2, b2) in zip(ours, codegen.init_params((5, 4, 3), seed)):
            assert np.array_equal(W, W2) and np.array_equal(b, b2)
    params = g.module["init_params"](1, np.float32)
    assert params[0][0].dtype == np.float32
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 5)), np.eye(3)[rng.integers(0, 3, size=6)]
    params = net.init_params(seed=1)
    L, grads = g.loss_and_gradients(params, X, Y)
    assert g.loss(params, X, Y) == L
    for (a, b), (c, d) in zip(grads, g(params, X, Y)):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    g.module["save_params"](params, tmp_path / "w.npz")
    back = g.module["load_params"](tmp_path / "w.npz")
    assert all(
        np.array_equal(a, c) and np.array_equal(b, d) for (a, b), (c, d) in zip(back, params)
    )
    np.savez(tmp_path / "bad.npz", W1=np.zeros((4, 5)))
    with pytest.raises(ValueError, match="no array B1"):
        g.module["load_params"](tmp_path / "bad.npz")


@pytest.mark.parametrize("activation,loss", KINDS)
def test_every_parameter_of_every_generated_function_is_used(activation: str, loss: str) -> None:
    src = codegen.module_source(
        Network(widths=(4, 5, 3, 2), activation=activation, loss=loss), "none"
    )
    for f in ast.parse(src).body:
        if isinstance(f, ast.FunctionDef):
            used = {n.id for n in ast.walk(f) if isinstance(n, ast.Name)}
            unused = [a.arg for a in f.args.args if a.arg not in used]
            assert not unused, (f.name, unused)


def test_header_names_the_command_the_versions_and_the_templates() -> None:
    import sympy

    from derivator import __version__

    src = codegen.module_source(
        Network(widths=(4, 3, 2), activation="tanh"), "rules", output="g.py"
    )
    header = ast.get_docstring(ast.parse(src)) or ""
    assert (
        "derivator codegen --widths 4,3,2 --activation tanh --loss mse --proof rules -o g.py"
        in header
    )
    assert f"derivator {__version__} with SymPy {sympy.__version__}" in header
    assert (
        "fixed template, written by hand" in header
        and "Nothing in it was written by hand" not in header
    )


def test_codegen_is_linear_in_depth_and_deterministic(tmp_path: Path) -> None:
    """Depth 64 with the default proofs, byte for byte the same.  Linear in depth by count, not
    by a timing (bench/): the 6 generic rules are proved once, not once per layer, and each of the
    64 layers gets one function."""
    widths = ",".join(str(3 + k % 5) for k in range(65))
    out = []
    for _k in range(2):
        # a run that does not end fails on the subprocess timeout
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "derivator",
                "codegen",
                "--widths",
                widths,
                "-o",
                str(tmp_path / "g.py"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert "64 layer functions, 6 of 6 rules proved" in done.stderr
        out.append((tmp_path / "g.py").read_bytes())
    assert out[0] == out[1]
