"""The output layer of its own: binary cross-entropy and an output activation other than the
hidden layers' (Ng's dz = a − y, Bishop's linear outputs under tanh hidden units).

Truth comes from PyTorch autograd on a network built here from the definitions (never from
derivator), at random sizes where the sample count and every width differ:

* every gradient derivator derives (∂L/∂w, ∂L/∂b, ∂L_i/∂a, δ, closed forms) at every layer, for
  hidden/output activation pairs and both losses that have an elementwise output;
* verdicts of ``check`` on true relations and on mutants of them (σ′ of the wrong layer, the
  hidden rule at the output, a dropped 1/n …): proved exactly when true, refuted when false, and
  every counterexample replayed in PyTorch at the inputs it prints;
* the command line and the API: ``--loss binary-cross-entropy``, ``--output-activation``, the
  directive ``output-activation=``, and the clear refusals (BCE without a sigmoid output, codegen).
"""

from __future__ import annotations

import json
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from derivator.cli import app
from derivator.document import Run, check_text
from derivator.engine import Network, derive, evaluate

F64 = torch.float64
ACT = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "softplus": torch.nn.functional.softplus,
    "identity": lambda z: z,
}


# ---------------------------------------------------------------------------------------------
# the independent evaluator


class Net:
    """Layers 0 … D (input first), n samples, σ_h in the hidden layers and σ_o at the output;
    L_i = ½ Σ_j (a − y)² or −Σ_j (y ln a + (1 − y) ln(1 − a)); L the mean over samples."""

    def __init__(
        self,
        widths: list[int],
        n: int,
        hidden: str,
        output: str,
        loss: str,
        seed: int = 0,
        values: dict[str, torch.Tensor] | None = None,
    ) -> None:
        g = torch.Generator().manual_seed(seed)
        rnd = lambda *s: torch.randn(*s, dtype=F64, generator=g)  # noqa: E731
        D = len(widths) - 1
        v = values or {}
        self.D, self.n, self.widths, self.hidden = D, n, widths, hidden
        self.W = [None] + [
            v.get(f"W{p}", rnd(widths[p], widths[p - 1])).clone().requires_grad_()
            for p in range(1, D + 1)
        ]
        self.b = [None] + [
            v.get(f"b{p}", rnd(widths[p])).clone().requires_grad_() for p in range(1, D + 1)
        ]
        y = (
            torch.rand(n, widths[-1], dtype=F64, generator=g)
            if loss == "binary-cross-entropy"
            else rnd(n, widths[-1])
        )
        self.y = v.get("y", y)
        self.a = [v.get("a0", rnd(n, widths[0])).clone().requires_grad_()]
        self.z: list[torch.Tensor | None] = [None]
        for p in range(1, D + 1):
            z = self.a[-1] @ self.W[p].T + self.b[p]
            self.z.append(z)
            self.a.append(ACT[output if p == D else hidden](z))
        out = self.a[-1]
        if loss == "mse":
            self.Li = 0.5 * ((out - self.y) ** 2).sum(1)
        else:
            self.Li = -(self.y * torch.log(out) + (1 - self.y) * torch.log(1 - out)).sum(1)
        self.L = self.Li.mean()

    def grad(self, f: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return torch.autograd.grad(f, x, retain_graph=True)[0]

    def dLi(self, x: torch.Tensor) -> torch.Tensor:
        """∂L_i/∂x_i· for a quantity of the samples (a, z): sample i's loss sees only its own row."""
        return self.grad(self.Li.sum(), x)

    def hidden_prime(self, p: int) -> torch.Tensor:
        z = self.z[p].detach().clone().requires_grad_()
        return torch.autograd.grad(ACT[self.hidden](z).sum(), z)[0]


# ---------------------------------------------------------------------------------------------
# every derived gradient at every layer

KINDS = [
    ("tanh", "identity", "mse"),
    ("relu", "sigmoid", "mse"),
    ("sigmoid", "tanh", "mse"),
    ("softplus", "identity", "mse"),
    ("identity", "tanh", "mse"),
    ("tanh", "sigmoid", "binary-cross-entropy"),
    ("sigmoid", "sigmoid", "binary-cross-entropy"),
    ("relu", "sigmoid", "binary-cross-entropy"),
]


def _instance(net: Network, T: Net) -> evaluate.Instance:
    """derivator's concrete network holding the same numbers as the PyTorch one."""

    def table(t: torch.Tensor) -> dict[tuple[int, ...], float]:
        return {
            tuple(int(k) for k in ix): float(t[tuple(ix)])
            for ix in torch.cartesian_prod(*[torch.arange(s) for s in t.shape])
            .reshape(-1, t.dim())
            .tolist()
        }

    values = {str(net.a(0).label): table(T.a[0].detach()), "y": table(T.y)}
    for p in range(1, net.D + 1):
        values[str(net.w(p).label)] = table(T.W[p].detach())
        values[str(net.b(p).label)] = table(T.b[p].detach())
    inst = evaluate.Instance(net, evaluate.FLOAT, values)
    evaluate.forward(inst)
    return inst


def _derived(net: Network, inst: evaluate.Instance, q: str, p: int, closed: bool) -> torch.Tensor:
    """A derived gradient as an array over its free indices (δ-form: δ values by the closed form)."""
    expr = derive.gradient(net, q, p, closed=closed)
    if not closed:  # the δ the rule needs, by its own closed form
        need = p if q in ("w", "b") else p + 1
        if need <= net.D:
            expr = derive.substitute_delta(net, expr, need, derive.closed_delta(net, need))
    X, Y = net.letter(p), net.letter(p - 1)
    assert net.widths is not None and net.samples is not None
    axes = {
        "w": [(X, net.widths[p]), (Y, net.widths[p - 1])],
        "b": [(X, net.widths[p])],
        "a": [(net.i, net.samples), (X, net.widths[p])],
        "delta": [(net.i, net.samples), (X, net.widths[p])],
    }[q]
    out = torch.zeros(*[k for _, k in axes], dtype=F64)
    for ix in (
        torch.cartesian_prod(*[torch.arange(k) for _, k in axes]).reshape(-1, len(axes)).tolist()
    ):
        out[tuple(ix)] = evaluate.evaluate(expr, inst, {s: v for (s, _), v in zip(axes, ix)})
    return out


@settings(max_examples=4, deadline=None)
@given(
    sizes=st.lists(st.integers(2, 6), min_size=5, max_size=5, unique=True), seed=st.integers(0, 999)
)
@pytest.mark.parametrize("hidden,output,loss", KINDS)
def test_every_gradient_at_every_layer_against_autograd(
    hidden: str, output: str, loss: str, sizes: list[int], seed: int
) -> None:
    n, widths = sizes[0], sizes[1:]
    T = Net(widths, n, hidden, output, loss, seed)
    net = Network(
        widths=tuple(widths), samples=n, activation=hidden, output_activation=output, loss=loss
    )
    inst = _instance(net, T)
    loss_value = float(inst.values["__mean__"][()])
    # the same network, the same loss (relative: an unbounded loss such as softplus reaches hundreds)
    assert abs(loss_value - T.L.item()) <= 1e-9 * max(1.0, abs(T.L.item()))
    for p in range(1, net.D + 1):
        truth = {
            "w": T.grad(T.L, T.W[p]),
            "b": T.grad(T.L, T.b[p]),
            "a": T.dLi(T.a[p]),
            "delta": T.dLi(T.z[p]),
        }
        for q, want in truth.items():
            for closed in (True, False):
                got = _derived(net, inst, q, p, closed)
                assert torch.allclose(got, want, rtol=1e-8, atol=1e-10), (
                    hidden,
                    output,
                    loss,
                    q,
                    p,
                    closed,
                )


def test_bce_output_delta_is_a_minus_y_and_only_there() -> None:
    """The closed δ^(L) under BCE is a − y; under MSE with the same sigmoid output it keeps a(1 − a)."""
    for hidden in ("sigmoid", "tanh"):
        net = Network(activation=hidden, output_activation="sigmoid", loss="binary-cross-entropy")
        i, j = net.i, net.letter(net.D)
        assert derive.gradient(net, "delta", net.D) == net.a(net.D)[i, j] - net.y[i, j]
    mse = Network(activation="tanh", output_activation="sigmoid")
    assert mse.a(mse.D)[i, j] - mse.y[i, j] != derive.gradient(mse, "delta", mse.D)


# ---------------------------------------------------------------------------------------------
# verdicts of check, with counterexamples replayed in PyTorch

HEAD = "<!-- derivator: activation={h} output-activation={o} loss={loss} -->\n\n"
BCE = ("tanh", "sigmoid", "binary-cross-entropy")
LINEAR = ("tanh", "identity", "mse")
TANH_OUT = ("sigmoid", "tanh", "mse")
sq = lambda t: t**2  # noqa: E731


def _outer_mean(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return (u[:, :, None] * v[:, None, :]).mean(0)


# (kind, depth, relation, sides: Net → (left, right) arrays over the free indices in name order)
RELATIONS = [
    (BCE, 1, r"\delta_{ij}^{(L)} = a_{ij}^{(L)} - y_{ij}", lambda N: (N.dLi(N.z[1]), N.a[1] - N.y)),
    (
        BCE,
        1,
        r"\delta_{ij}^{(L)} = (a_{ij}^{(L)} - y_{ij}) a_{ij}^{(L)} (1 - a_{ij}^{(L)})",
        lambda N: (N.dLi(N.z[1]), (N.a[1] - N.y) * N.a[1] * (1 - N.a[1])),
    ),
    (
        BCE,
        1,
        r"\frac{\partial L}{\partial b_j^{(L)}} = \frac{1}{n}\sum_i (a_{ij}^{(L)} - y_{ij})",
        lambda N: (N.grad(N.L, N.b[1]), (N.a[1] - N.y).mean(0)),
    ),
    (
        BCE,
        1,
        r"\frac{\partial L}{\partial b_j^{(L)}} = \sum_i (a_{ij}^{(L)} - y_{ij})",
        lambda N: (N.grad(N.L, N.b[1]), (N.a[1] - N.y).sum(0)),
    ),
    (
        BCE,
        1,
        r"\frac{\partial L_i}{\partial a_{ij}^{(L)}} = \frac{a_{ij}^{(L)} - y_{ij}}{a_{ij}^{(L)}(1 - a_{ij}^{(L)})}",
        lambda N: (N.dLi(N.a[1]), (N.a[1] - N.y) / (N.a[1] * (1 - N.a[1]))),
    ),
    (
        BCE,
        1,
        r"\frac{\partial L}{\partial w_{jk}^{(L)}} = \frac{1}{n}\sum_i (a_{ij}^{(L)} - y_{ij}) a_{ik}^{(L-1)}",
        lambda N: (N.grad(N.L, N.W[1]), _outer_mean(N.a[1] - N.y, N.a[0])),
    ),
    (
        BCE,
        2,
        r"\delta_{ik}^{(L-1)} = (1 - (a_{ik}^{(L-1)})^2) \sum_j w_{jk}^{(L)} (a_{ij}^{(L)} - y_{ij})",
        lambda N: (N.dLi(N.z[1]), (1 - sq(N.a[1])) * ((N.a[2] - N.y) @ N.W[2])),
    ),
    (
        BCE,
        2,
        r"\delta_{ik}^{(L-1)} = a_{ik}^{(L-1)} (1 - a_{ik}^{(L-1)}) \sum_j w_{jk}^{(L)} (a_{ij}^{(L)} - y_{ij})",
        lambda N: (N.dLi(N.z[1]), N.a[1] * (1 - N.a[1]) * ((N.a[2] - N.y) @ N.W[2])),
    ),
    (
        LINEAR,
        1,
        r"\delta_{ij}^{(L)} = a_{ij}^{(L)} - y_{ij}",
        lambda N: (N.dLi(N.z[1]), N.a[1] - N.y),
    ),
    (
        LINEAR,
        1,
        r"\delta_{ij}^{(L)} = (a_{ij}^{(L)} - y_{ij})(1 - (a_{ij}^{(L)})^2)",
        lambda N: (N.dLi(N.z[1]), (N.a[1] - N.y) * (1 - sq(N.a[1]))),
    ),
    (LINEAR, 1, r"a_{ij}^{(L)} = z_{ij}^{(L)}", lambda N: (N.a[1], N.z[1])),
    (LINEAR, 2, r"a_{ik}^{(L-1)} = z_{ik}^{(L-1)}", lambda N: (N.a[1], N.z[1])),
    (
        LINEAR,
        2,
        r"\delta_{ik}^{(L-1)} = \sigma'(z_{ik}^{(L-1)}) \sum_j w_{jk}^{(L)} \delta_{ij}^{(L)}",
        lambda N: (N.dLi(N.z[1]), N.hidden_prime(1) * (N.dLi(N.z[2]) @ N.W[2])),
    ),
    (
        LINEAR,
        2,
        r"\delta_{ik}^{(L-1)} = \sum_j w_{jk}^{(L)} \delta_{ij}^{(L)}",
        lambda N: (N.dLi(N.z[1]), N.dLi(N.z[2]) @ N.W[2]),
    ),
    (
        TANH_OUT,
        1,
        r"\delta_{ij}^{(L)} = (a_{ij}^{(L)} - y_{ij})(1 - (a_{ij}^{(L)})^2)",
        lambda N: (N.dLi(N.z[1]), (N.a[1] - N.y) * (1 - sq(N.a[1]))),
    ),
    (
        TANH_OUT,
        1,
        r"\delta_{ij}^{(L)} = (a_{ij}^{(L)} - y_{ij}) a_{ij}^{(L)}(1 - a_{ij}^{(L)})",
        lambda N: (N.dLi(N.z[1]), (N.a[1] - N.y) * N.a[1] * (1 - N.a[1])),
    ),
    (
        TANH_OUT,
        2,
        r"\delta_{ik}^{(L-1)} = a_{ik}^{(L-1)}(1 - a_{ik}^{(L-1)}) \sum_j w_{jk}^{(L)} \delta_{ij}^{(L)}",
        lambda N: (N.dLi(N.z[1]), N.a[1] * (1 - N.a[1]) * (N.dLi(N.z[2]) @ N.W[2])),
    ),
    (
        TANH_OUT,
        2,
        r"\delta_{ik}^{(L-1)} = (1 - (a_{ik}^{(L-1)})^2) \sum_j w_{jk}^{(L)} \delta_{ij}^{(L)}",
        lambda N: (N.dLi(N.z[1]), (1 - sq(N.a[1])) * (N.dLi(N.z[2]) @ N.W[2])),
    ),
]


def _holds(kind: tuple[str, str, str], depth: int, sides) -> bool:  # type: ignore[no-untyped-def]
    for seed in range(2):
        g = torch.Generator().manual_seed(100 + seed)
        picks = (
            torch.randperm(7, generator=g)[: depth + 2] + 2
        )  # n and the widths pairwise different
        T = Net([int(x) for x in picks[1:]], int(picks[0]), *kind, seed=seed)
        left, right = torch.broadcast_tensors(*sides(T))
        if not torch.allclose(left, right, rtol=1e-9, atol=1e-12):
            return False
    return True


def _layer(tag: str, depth: int) -> int:
    m = re.fullmatch(r"L(?:-(\d+))?", tag)
    assert m, tag
    return depth - int(m.group(1) or 0)


def _replay(kind: tuple[str, str, str], depth: int, sides, cex: dict) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Both sides in PyTorch at the counterexample's sizes, inputs and indices."""
    sizes = cex["sizes"]
    widths = [0] * (depth + 1)
    for tag, w in sizes.items():
        if tag != "n":
            widths[_layer(tag, depth)] = w
    n = sizes["n"]

    def tensor(table: dict[str, str], shape: tuple[int, ...]) -> torch.Tensor:
        t = torch.zeros(*shape, dtype=F64)
        for k, v in table.items():
            t[tuple(int(x) for x in k.split(","))] = float(v)
        return t

    values = {}
    for name, table in cex["inputs"].items():
        m = re.fullmatch(r"([awb])\^\((.*)\)", name)
        if name == "y":
            values["y"] = tensor(table, (n, widths[-1]))
        elif m and m.group(1) == "a":
            values["a0"] = tensor(table, (n, widths[0]))
        elif m:
            p = _layer(m.group(2), depth)
            shape = (widths[p], widths[p - 1]) if m.group(1) == "w" else (widths[p],)
            values[("W" if m.group(1) == "w" else "b") + str(p)] = tensor(table, shape)
    T = Net(widths, n, *kind, values=values)
    left, right = torch.broadcast_tensors(*sides(T))
    ix = tuple(v for _, v in sorted(cex["indices"].items()))
    if left.dim() == 1:  # a quantity of one layer index only (∂L/∂b_j)
        ix = ix[-1:]
    return float(left.detach()[ix]), float(right.detach()[ix])


@pytest.mark.parametrize("k", range(len(RELATIONS)))
def test_check_verdicts_against_autograd(k: int) -> None:
    kind, depth, formula, sides = RELATIONS[k]
    h, o, loss = kind
    (r,) = check_text(
        "rel.md", HEAD.format(h=h, o=o, loss=loss) + f"$${formula}$$\n", Run(timeout=20.0)
    )
    true = _holds(kind, depth, sides)
    # the forward pass as written defines; one the stated model contradicts is an error
    if r.defines:
        assert r.verdict == ("defined" if true else "error"), (formula, true, r.verdict, r.reason)
        return
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)
    if not true:
        left, right = _replay(kind, depth, sides, r.counterexample)
        assert abs(left - float(r.counterexample["left"])) <= 1e-5 * (1 + abs(left))
        assert abs(right - float(r.counterexample["right"])) <= 1e-5 * (1 + abs(right))
        assert abs(left - right) > 1e-6


def test_the_truth_can_tell_the_output_layer_apart() -> None:
    """A check that can fail: under BCE δ^(L) = a − y, under MSE with the same sigmoid output not."""
    delta = lambda N: (N.dLi(N.z[1]), N.a[1] - N.y)  # noqa: E731
    assert _holds(BCE, 1, delta)
    assert not _holds(("tanh", "sigmoid", "mse"), 1, delta)
    assert _holds(LINEAR, 1, delta)


# ---------------------------------------------------------------------------------------------
# the command line, the directive, the refusals

runner = CliRunner()


def test_formulas_binary_cross_entropy_prints_a_minus_y_proved() -> None:
    res = runner.invoke(
        app,
        [
            "formulas",
            "--loss",
            "binary-cross-entropy",
            "--activation",
            "tanh",
            "--output-activation",
            "sigmoid",
            "--layer",
            "L",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert (
        "output activation sigmoid" in out["network"] and "binary-cross-entropy" in out["network"]
    )
    assert all(f["verdict"] == "proved" for f in out["formulas"])
    (delta,) = [f for f in out["formulas"] if f["quantity"] == "delta" and f["form"] == "delta"]
    assert delta["latex"] == r"\delta_{ij}^{(L)} = a_{ij}^{(L)} - y_{ij}"


def test_formulas_with_a_linear_output_are_proved() -> None:
    res = runner.invoke(
        app,
        [
            "formulas",
            "--activation",
            "tanh",
            "--output-activation",
            "identity",
            "--layer",
            "L-1",
            "--form",
            "both",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "activation tanh, output activation identity" in res.output


def test_binary_cross_entropy_needs_a_sigmoid_output() -> None:
    res = runner.invoke(app, ["formulas", "--loss", "binary-cross-entropy", "--activation", "tanh"])
    assert res.exit_code == 2
    assert "needs σ = sigmoid at the output layer" in res.output and "Traceback" not in res.output
    with pytest.raises(ValueError, match="softmax output"):
        Network(loss="cross-entropy", output_activation="identity")
    with pytest.raises(
        ValueError, match="an output layer of its own may be sigmoid, tanh, identity"
    ):
        Network(
            activation="tanh", output_activation="relu"
        )  # its σ′ would print like the hidden σ′
    assert (
        Network(activation="relu", output_activation="relu").output_activation is None
    )  # the same


def test_directive_output_activation_unknown_value_is_an_error() -> None:
    results = check_text(
        "d.md",
        "<!-- derivator: output-activation=cubic -->\n\n$$a_{ij}^{(L)} = z_{ij}^{(L)}$$\n",
        Run(timeout=10.0),
    )
    assert results[0].verdict == "error" and "output-activation" in results[0].reason


def test_command_line_output_activation_sets_the_default(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "lin.md"
    # not a forward definition (that would fix the output's activation by itself)
    doc.write_text("$$a_{ij}^{(L)} + z_{ij}^{(L)} = 2 z_{ij}^{(L)}$$\n", encoding="utf-8")
    plain = runner.invoke(app, ["check", str(doc), "--activation", "tanh", "--format", "json"])
    linear = runner.invoke(
        app,
        [
            "check",
            str(doc),
            "--activation",
            "tanh",
            "--output-activation",
            "identity",
            "--format",
            "json",
        ],
    )
    assert json.loads(plain.stdout)["results"][0]["verdict"] == "refuted"
    assert json.loads(linear.stdout)["results"][0]["verdict"] == "proved"


def test_a_stated_option_against_the_forward_pass_is_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """a^(L) = z^(L) defines a linear output (defined); where the command line states another
    output activation, the document's definition cannot be built into that model: an error
    naming it, never a refutation of a definition."""
    doc = tmp_path / "lin.md"
    doc.write_text("$$a_{ij}^{(L)} = z_{ij}^{(L)}$$\n", encoding="utf-8")
    implied = runner.invoke(app, ["check", str(doc), "--format", "json"])
    stated = runner.invoke(
        app, ["check", str(doc), "--output-activation", "tanh", "--format", "json"]
    )
    assert json.loads(implied.stdout)["results"][0]["verdict"] == "defined"
    (r,) = json.loads(stated.stdout)["results"]
    assert r["verdict"] == "error" and "definition of a" in r["reason"], r


def test_codegen_refuses_a_distinct_output_activation() -> None:
    from derivator.api import Network as ApiNetwork
    from derivator.codegen import CodegenError

    with pytest.raises(CodegenError, match="one activation in every layer"):
        ApiNetwork(
            widths=(3, 4, 2), activation="tanh", output_activation="identity"
        ).numpy_gradients()


def test_the_textbook_with_the_binary_cross_entropy_is_proved_for_all_sizes() -> None:
    from derivator.publish import verify

    rows = verify.verify(["sigmoid"], ["binary-cross-entropy"])
    assert len(rows) > 60 and all(
        r.verdict.proved and "all sizes" in r.verdict.method for r in rows
    )
    (out,) = [
        r
        for r in rows
        if (r.entry.quantity, r.entry.layer, r.entry.form) == ("delta", "L", "delta")
    ]
    net = out.entry.net
    assert out.entry.rhs == net.a(net.D)[net.i, net.letter(net.D)] - net.y[net.i, net.letter(net.D)]
    assert verify.verify(["tanh"], ["binary-cross-entropy"]) == []  # not defined: no sigmoid output
