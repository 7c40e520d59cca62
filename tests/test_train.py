"""Training with the generated gradients: the article's update rule, XOR, digits, the loss curve."""

from __future__ import annotations

import os
import time
import xml.dom.minidom
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from derivator import Network
from derivator.cli.numbers import train as train_command
from derivator.codegen import train


def test_one_full_batch_epoch_is_the_articles_update_rule() -> None:
    data = train.xor()
    s = train.Settings((2, 3, 1), "tanh", "mse", lr=0.5, epochs=1, batch_size=0, seed=4)
    before = Network(widths=s.widths, activation="tanh").init_params(seed=4)
    X, Y = data.X_train, data.targets(data.y_train, 1)
    grads = Network(widths=s.widths, activation="tanh").numpy_gradients()(before, X, Y)
    after = train.train(data, s).params
    for (W0, b0), (dW, db), (W1, b1) in zip(before, grads, after):
        np.testing.assert_array_equal(W1, W0 - 0.5 * dW)  # W ← W − η ∂L/∂W
        np.testing.assert_array_equal(b1, b0 - 0.5 * db)


def test_xor_reaches_a_loss_below_0_01() -> None:
    r = train.run("xor")
    assert r.losses[-1] < 0.01
    assert r.losses[-1] < r.losses[0] / 10
    assert r.train_accuracy == 1.0


def test_xor_in_float32() -> None:
    r = train.run("xor", {"dtype": "float32"})
    assert r.params[0][0].dtype == np.float32
    assert r.losses[-1] < 0.01


def test_moons_are_learned() -> None:
    r = train.run("moons", {"epochs": 60})
    assert r.test_accuracy >= 0.95


def test_digits_reach_95_percent_test_accuracy_within_a_minute() -> None:
    if not os.environ.get("CI"):
        pytest.importorskip("sklearn")
    t0 = time.perf_counter()
    r = train.run("digits")
    elapsed = time.perf_counter() - t0
    assert r.settings.widths == (64, 32, 10) and r.settings.seed == 0
    assert r.test_accuracy >= 0.95, r.test_accuracy
    assert elapsed < 60, elapsed


def test_loss_curve_svg_is_valid_and_byte_identical_for_the_same_run(tmp_path: Path) -> None:
    a = train.run("xor", {"epochs": 300})
    b = train.run("xor", {"epochs": 300})
    svg_a = train.loss_curve_svg(a.losses, train.title(a))
    assert svg_a == train.loss_curve_svg(b.losses, train.title(b))
    doc = xml.dom.minidom.parseString(svg_a)
    lines = doc.getElementsByTagName("polyline")
    assert len(lines) == 2
    assert len(lines[1].getAttribute("points").split()) == 300
    assert "log scale" in svg_a or "loss L" in svg_a


def test_loss_curve_uses_a_log_scale_over_decades_and_refuses_no_data() -> None:
    assert "log scale" in train.loss_curve_svg([1.0, 0.1, 0.001], "t")
    assert "log scale" not in train.loss_curve_svg([0.5, 0.4, 0.3], "t")
    with pytest.raises(ValueError):
        train.loss_curve_svg([], "t")


@pytest.mark.parametrize("overrides,message", [
    ({"widths": (3, 2, 1)}, "xor has 2 inputs: the first width must be 2"),
    ({"widths": (2, 3, 5)}, "xor has 2 classes: the last width must be 2 (or 1)"),
    ({"lr": -1.0}, "learning rate -1.0"),
    ({"epochs": 0}, "epochs 0"),
    ({"activation": "generic"}, "generic activation"),
])
def test_bad_settings_are_refused_with_a_reason(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(train.TrainError) as e:
        train.run("xor", overrides)
    assert message in str(e.value)


def cli() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(train_command)

    @app.command()
    def other() -> None:  # a second command, so that ``train`` is a subcommand as in cli.py
        """Unused."""

    return app


def test_train_command_writes_the_loss_curve(tmp_path: Path) -> None:
    out = tmp_path / "curves" / "xor.svg"
    r = CliRunner().invoke(cli(), ["train", "--dataset", "xor", "--epochs", "500", "--seed", "1", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.exists() and out.read_text(encoding="utf-8").startswith("<svg")
    assert "final loss" in r.stdout and f"loss curve: {out}" in r.stdout


def test_train_command_bad_input_exits_2_without_a_traceback(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli(), ["train", "--dataset", "xor", "--widths", "3,2,1", "-o", str(tmp_path / "x.svg")])
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: xor has 2 inputs")
    assert "Traceback" not in r.output and not (tmp_path / "x.svg").exists()
