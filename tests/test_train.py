"""Training with the generated gradients: the article's update rule, XOR, digits, the loss curve."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.dom.minidom
from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from derivator import Network
from derivator.cli import app
from derivator.cli.numbers import codegen as codegen_command
from derivator.cli.numbers import train as train_command
from derivator.codegen import data, train


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


def test_digits_reach_95_percent_test_accuracy_within_forty_epochs() -> None:
    """The work is counted, not timed (timings: bench/): at most 40 epochs of the default
    settings, three quarters of the 1,797 images each."""
    if not os.environ.get("CI"):
        pytest.importorskip("sklearn")
    r = train.run("digits")
    assert r.settings.widths == (64, 32, 10) and r.settings.seed == 0
    assert r.settings.epochs <= 40 and len(r.losses) <= r.settings.epochs, len(r.losses)
    assert r.test_accuracy >= 0.95, r.test_accuracy


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


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"widths": (3, 2, 1)}, "xor has 2 inputs: the first width must be 2"),
        ({"widths": (2, 3, 5)}, "xor has 2 classes: the last width must be 2 (or 1)"),
        ({"lr": -1.0}, "learning rate -1.0"),
        ({"epochs": 0}, "epochs 0"),
        ({"activation": "generic"}, "generic activation"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(train.TrainError) as e:
        train.run("xor", overrides)
    assert message in str(e.value)


def cli() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(train_command)
    app.command()(codegen_command)

    return app


def test_train_command_writes_the_loss_curve(tmp_path: Path) -> None:
    out = tmp_path / "curves" / "xor.svg"
    r = CliRunner().invoke(
        cli(), ["train", "--dataset", "xor", "--epochs", "500", "--seed", "1", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert out.exists() and out.read_text(encoding="utf-8").startswith("<svg")
    assert "final loss" in r.stdout and f"loss curve: {out}" in r.stdout


def test_train_command_bad_input_exits_2_without_a_traceback(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        cli(), ["train", "--dataset", "xor", "--widths", "3,2,1", "-o", str(tmp_path / "x.svg")]
    )
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: xor has 2 inputs")
    assert "Traceback" not in r.output and not (tmp_path / "x.svg").exists()


# ---------------------------------------------------------------------------------------------
# a user's data, momentum, validation, early stopping, saved weights, divergence


def write_blobs(tmp_path: Path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 3-D (labels 0, 1, 2 as integers), as .npz and as .csv with string labels."""
    rng = np.random.default_rng(7)
    centres = np.array([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]])
    y = np.repeat(np.arange(3), 40)
    X = centres[y] + rng.normal(0, 0.6, size=(120, 3))
    npz = tmp_path / "blobs.npz"
    np.savez(npz, X=X, y=y)
    csv_path = tmp_path / "blobs.csv"
    lines = ["a,b,kind,c"] + [
        f"{float(x[0])!r},{float(x[1])!r},k{t},{float(x[2])!r}" for x, t in zip(X, y)
    ]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return npz, csv_path, X, y


def test_npz_and_csv_give_the_same_table(tmp_path: Path) -> None:
    npz, csv_path, X, y = write_blobs(tmp_path)
    a = data.read(npz)
    b = data.read(csv_path, target="kind")
    np.testing.assert_array_equal(a.X, X)
    np.testing.assert_array_equal(b.X, X)  # the label column taken out, the others in order
    np.testing.assert_array_equal(a.labels, y)
    np.testing.assert_array_equal(b.labels, y)
    assert a.classes == ("0", "1", "2") and b.classes == ("k0", "k1", "k2")
    assert data.read(csv_path, target="2").classes == b.classes  # by column number


@pytest.mark.parametrize(
    "content,target,message",
    [
        ("a,b,y\n1,2,0\n3,x,1\n", None, "bad.csv:3: b is 'x', not a number"),
        ("a,b,y\n1,2,0\n3,4\n", None, "bad.csv:3: 2 columns; the first line has 3"),
        ("a,b,y\n1,2,0\n3,4,1\n", "z", "bad.csv:1: no column 'z'; the columns are a, b, y"),
        ("a,b,y\n1,2,0\n3,4,0\n", None, "only one class"),
        ("a,b,y\n1,2,0.5\n3,4,1\n", None, "the labels must be classes"),
        ("a,b,y\n1,nan,0\n3,4,1\n", None, "sample 0 has a value that is not a finite number"),
    ],
)
def test_bad_csv_is_refused_with_file_and_line(
    tmp_path: Path, content: str, target: str | None, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(data.DataError) as e:
        data.read(path, target)
    assert message in str(e.value)


def test_npz_with_object_arrays_is_refused_without_unpickling(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, X=np.zeros((3, 2)), y=np.array([object(), object(), object()], dtype=object))
    with pytest.raises(data.DataError, match=r"not a NumPy \.npz file of plain arrays"):
        data.read(path)
    np.savez(path, X=np.zeros((3, 2)), labels=np.array([0, 1, 0]))
    with pytest.raises(data.DataError, match=r"needs arrays X .* and y"):
        data.read(path)


def test_momentum_epoch_is_v_mu_v_minus_eta_grad() -> None:
    d = train.xor()
    s = train.Settings(
        (2, 3, 1), "tanh", "mse", lr=0.5, epochs=2, batch_size=0, seed=4, momentum=0.9
    )
    net = Network(widths=s.widths, activation="tanh")
    g = net.numpy_gradients()
    X, Y = d.X_train, d.targets(d.y_train, 1)
    P = net.init_params(seed=4)
    V = [(np.zeros_like(W), np.zeros_like(b)) for W, b in P]
    for _ in range(2):
        grads = g(P, X, Y)
        V = [(0.9 * vW - 0.5 * dW, 0.9 * vb - 0.5 * db) for (vW, vb), (dW, db) in zip(V, grads)]
        P = [(W + vW, b + vb) for (W, b), (vW, vb) in zip(P, V)]
    for (W, b), (tW, tb) in zip(P, train.train(d, s).params):
        np.testing.assert_allclose(tW, W, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(tb, b, rtol=1e-14, atol=1e-15)


def test_early_stopping_keeps_the_weights_of_the_best_validation_loss(tmp_path: Path) -> None:
    npz, _, _, _ = write_blobs(tmp_path)
    ds = train.from_table(data.read(npz))
    r = train.run(
        ds, {"epochs": 300, "validation": 0.25, "patience": 5, "lr": 0.5, "batch_size": 4}
    )
    assert r.stopped_early and len(r.losses) < 300
    assert r.best_epoch == len(r.val_losses) - 5
    assert r.val_losses[r.best_epoch - 1] == min(r.val_losses)
    g = Network(widths=r.settings.widths, activation="tanh", loss="cross-entropy").numpy_gradients()
    assert r.test_accuracy == float(
        np.mean(g.forward(r.params, ds.X_test).argmax(axis=1) == ds.y_test)
    )
    assert r.test_accuracy >= 0.9


def test_saved_weights_load_into_the_generated_module(tmp_path: Path) -> None:
    npz, _, _, _ = write_blobs(tmp_path)
    runner = CliRunner()
    weights, module = tmp_path / "w.npz", tmp_path / "blob_grads.py"
    r = runner.invoke(
        cli(),
        [
            "train",
            "--data",
            str(npz),
            "--epochs",
            "20",
            "--save",
            str(weights),
            "-o",
            str(tmp_path / "c.svg"),
            "--no-progress",
        ],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        cli(),
        [
            "codegen",
            "--widths",
            "3,32,3",
            "--activation",
            "tanh",
            "--loss",
            "cross-entropy",
            "-o",
            str(module),
        ],
    )
    assert r.exit_code == 0, r.output
    script = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "import numpy as np, blob_grads as g\n"
        f"p = g.load_params({str(weights)!r})\n"
        f"d = np.load({str(npz)!r})\n"
        "print(float(np.mean(g.forward(p, d['X']).argmax(axis=1) == d['y'])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) >= 0.9


def test_divergence_exits_1_with_the_reason(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        cli(),
        [
            "train",
            "--dataset",
            "moons",
            "--lr",
            "10000",
            "-o",
            str(tmp_path / "c.svg"),
            "--no-progress",
        ],
    )
    assert r.exit_code == 1
    assert "diverged; lower the learning rate (--lr 1000)" in r.stderr
    assert "Traceback" not in r.output and (tmp_path / "c.svg").exists()


def test_one_line_per_epoch_when_not_on_a_terminal(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        cli(),
        [
            "train",
            "--dataset",
            "moons",
            "--epochs",
            "7",
            "--validation",
            "0.2",
            "-o",
            str(tmp_path / "c.svg"),
        ],
    )
    assert r.exit_code == 0, r.output
    lines = [x for x in r.stderr.splitlines() if x.startswith("epoch ")]
    assert [x.split(":")[0] for x in lines] == [f"epoch {k}/7" for k in range(1, 8)]
    assert "validation loss" in lines[-1]
    svg = (tmp_path / "c.svg").read_text(encoding="utf-8")
    assert (
        len(xml.dom.minidom.parseString(svg).getElementsByTagName("polyline")) == 3
        and "validation" in svg
    )


def test_xor_says_its_accuracy_is_on_the_training_points(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        cli(), ["train", "--dataset", "xor", "-o", str(tmp_path / "c.svg"), "--no-progress"]
    )
    assert r.exit_code == 0 and "(the training points again: no held-out set)" in r.stdout


def test_one_output_softmax_is_refused_and_binary_cross_entropy_learns_xor(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        cli(),
        ["train", "--dataset", "xor", "--loss", "cross-entropy", "-o", str(tmp_path / "c.svg")],
    )
    assert r.exit_code == 2 and "softmax over ONE output neuron" in r.stderr
    res = train.run("xor", {"loss": "binary-cross-entropy", "lr": 2.0})
    assert res.train_accuracy == 1.0 and res.losses[-1] < 0.05


ABSURD = [
    ["train", "--dataset", "xor", "--seed", "-1"],
    ["train", "--dataset", "xor", "--seed", str(2**70)],
    ["train", "--dataset", "xor", "--widths", "2,100000000,1"],
    ["train", "--dataset", "xor", "--widths", ",".join(["2"] * 400)],
    ["train", "--dataset", "xor", "--widths", "2,30000,30000,1"],
    ["train", "--dataset", "xor", "--lr", "nan"],
    ["train", "--dataset", "xor", "--lr", "inf"],
    ["train", "--dataset", "xor", "--lr", "0"],
    ["train", "--dataset", "xor", "--lr", "1e300"],
    ["train", "--dataset", "xor", "--epochs", "-5"],
    ["train", "--dataset", "xor", "--epochs", str(10**12)],
    ["train", "--dataset", "digits", "--epochs", "100000", "--widths", "64,4000,4000,10"],
    ["train", "--dataset", "xor", "--batch-size", "-1"],
    ["train", "--dataset", "xor", "--momentum", "1"],
    ["train", "--dataset", "xor", "--momentum", "nan"],
    ["train", "--dataset", "xor", "--validation", "0.9"],
    ["train", "--dataset", "moons", "--patience", "5"],
    ["train", "--dataset", "xor", "--data", "x.npz"],
    ["train"],
    ["train", "--data", "/nonexistent/x.npz"],
    ["train", "--data", "x.txt"],
    ["train", "--dataset", "xor", "--save", "w.txt"],
    ["codegen", "--widths", "2,100000000,1"],
    ["codegen", "--widths", ",".join(["3"] * 300)],
    ["codegen", "--widths", "3,99999999999999999999999"],
    ["codegen", "--widths", "3,-2"],
    ["codegen", "--widths", ""],
    ["codegen", "--widths", ",".join(["3"] * 10), "--proof", "network"],
    ["codegen", "--widths", "3,1", "--loss", "cross-entropy"],
    ["codegen", "--widths", "3,2", "--activation", "tanh", "--loss", "binary-cross-entropy"],
]


@pytest.mark.parametrize("args", ABSURD, ids=lambda a: " ".join(a)[:60])
def test_absurd_options_exit_2_quickly_without_a_traceback(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real command line (derivator.cli.app), in-process: a usage error, one short
    message, no exception escaping, and no work started."""
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(
        app, [*args, *(["-o", str(tmp_path / "o.svg")] if args[0] == "train" else [])]
    )
    assert r.exit_code == 2, (r.exit_code, r.output[-500:])
    assert isinstance(r.exception, SystemExit)  # a clean exit, not an escaped exception
    assert "Traceback" not in r.output and "Error" in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 8
    assert not (tmp_path / "o.svg").exists()


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=400) | st.text(alphabet="0123456789.,-e\nabxyz\"' nainf", max_size=300),
    st.sampled_from([".csv", ".npz"]),
    st.sampled_from([None, "y", "0", "2", "x"]),
)
def test_any_file_gives_a_table_or_a_data_error(
    content: bytes | str, suffix: str, target: str | None
) -> None:
    """Whatever bytes a user's file holds, reading it ends in a Table or a DataError, nothing else."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"f{suffix}"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        try:
            t = data.read(path, target)
        except data.DataError as e:
            assert str(e)
        else:
            assert (
                t.X.ndim == 2
                and t.X.shape[0] == t.labels.shape[0] >= 2
                and np.all(np.isfinite(t.X))
            )
            assert len(t.classes) >= 2 and set(np.unique(t.labels)) == set(range(len(t.classes)))


def test_odd_npz_files_give_a_data_error(tmp_path: Path) -> None:
    def save(name: str, **arrays: object) -> Path:
        path = tmp_path / name
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        return path

    npy = tmp_path / "single.npz"
    with open(npy, "wb") as fh:
        np.save(fh, np.zeros((3, 2)))
    zipped = tmp_path / "other.npz"
    import zipfile

    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("X.npy", b"not an array")
        z.writestr("y.npy", b"nor this")
    cases = [
        (npy, "a single array"),
        (zipped, "not a NumPy .npz file"),
        (save("flat.npz", X=np.zeros(4), y=np.array([0, 1, 0, 1])), "X must be a table"),
        (
            save("short.npz", X=np.zeros((4, 2)), y=np.array([0, 1])),
            "expected one label per sample",
        ),
        (
            save("text.npz", X=np.array([["a", "b"], ["c", "d"]]), y=np.array([0, 1])),
            "X has dtype <U1",
        ),
        (
            save("inf.npz", X=np.array([[1.0, np.inf], [0.0, 1.0]]), y=np.array([0, 1])),
            "not a finite number",
        ),
    ]
    for path, message in cases:
        with pytest.raises(data.DataError, match=message):
            data.read(path)
    ok = data.read(save("names.npz", X=np.eye(3), y=np.array(["cat", "dog", "cat"])))
    assert ok.classes == ("cat", "dog") and list(ok.labels) == [0, 1, 0]
