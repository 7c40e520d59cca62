"""Train a network with the generated gradients and the article's update rule W ← W − η∇W.

Three built-in data sets, none downloaded: ``xor`` (the four points), ``moons`` (two interleaving
half circles, generated here from a seed) and ``digits`` (scikit-learn's bundled 8×8 digits, an
optional dependency), or a user's table (``data.read``: .npz or .csv).  The gradients are the
NumPy functions that ``codegen`` prints from the proved rules; this module shuffles mini-batches,
applies the update (with momentum, if asked: V ← μV − η∇W, W ← W + V), records the training and
validation loss, stops early when the validation loss stops improving, and detects divergence.
The loss curves are written as SVG by our own code (fixed number formatting, so the same run gives
the same bytes) and, where an SVG renderer is installed, as PNG too.
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from ..engine import Network
from ..system import files
from . import data as datafiles
from . import numpy_code as codegen

DATASETS = ("xor", "moons", "digits")


class TrainError(ValueError):
    """Bad training input (widths that do not fit the data, a missing optional package, …)."""


class Diverged(Exception):
    """The loss became non-finite or grew far above its start: the run failed (not the input)."""

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result


#: bounds checked before training starts (and those of codegen.check_size on the widths)
MAX_EPOCHS = 100_000
#: epochs × samples × parameters: about 6 flops each, so this is hours at most on one core
MAX_WORK = 5e12
#: a training loss this many times its start (or not finite) is divergence
DIVERGED = 10.0


# ---------------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class Dataset:
    """Inputs (samples × features) and class labels, split into training and test samples."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: int
    description: str
    #: False when the "test" samples are the training samples (xor: four points, nothing to hold out)
    held_out: bool = True

    @property
    def inputs(self) -> int:
        return int(self.X_train.shape[1])

    def targets(self, labels: np.ndarray, outputs: int) -> np.ndarray:
        """One-hot rows when the output layer has one neuron per class; a 0/1 column when a
        two-class problem has one output neuron."""
        if outputs == self.classes:
            return np.eye(self.classes)[labels]
        if outputs == 1 and self.classes == 2:
            return labels.astype(float)[:, None]
        raise TrainError(
            f"{self.name} has {self.classes} classes: the last width must be {self.classes}"
            + (" (or 1)" if self.classes == 2 else "")
        )


def split_indices(
    y: np.ndarray, classes: int, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(kept, split off): a split that keeps each class's share (per-class shuffles from ``seed``)."""
    rng = np.random.default_rng(seed)
    keep, off = [], []
    for c in range(classes):
        idx = rng.permutation(np.flatnonzero(y == c))
        k = round(len(idx) * fraction)
        off.append(idx[:k])
        keep.append(idx[k:])
    return np.sort(np.concatenate(keep)), np.sort(np.concatenate(off))


def _split(
    name: str, X: np.ndarray, y: np.ndarray, classes: int, test: float, seed: int, desc: str
) -> Dataset:
    itr, ite = split_indices(y, classes, test, seed)
    return Dataset(name, X[itr], y[itr], X[ite], y[ite], classes, desc)


def from_table(table: datafiles.Table, seed: int = 0, test: float = 0.25) -> Dataset:
    """A user's table, 25 % of each class held out for testing."""
    name = Path(table.source).name
    ds = _split(
        name,
        table.X,
        table.labels,
        len(table.classes),
        test,
        seed,
        f"{table.source}: {table.X.shape[0]} samples, {table.X.shape[1]} features, "
        f"{len(table.classes)} classes, {round(100 * test)} % held out for testing",
    )
    if len(ds.y_test) == 0 or len(ds.y_train) < 2:
        raise TrainError(
            f"{table.source}: too few samples to hold {round(100 * test)} % of each class out for testing"
        )
    return ds


def xor() -> Dataset:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return Dataset(
        "xor",
        X,
        y,
        X,
        y,
        2,
        "XOR: the four points, which no single layer separates (no held-out "
        "set: accuracy is on the four training points)",
        held_out=False,
    )


def moons(samples: int = 400, noise: float = 0.15, seed: int = 0) -> Dataset:
    """Two interleaving half circles with Gaussian noise (like scikit-learn's make_moons)."""
    rng = np.random.default_rng(seed)
    half = samples // 2
    t = np.linspace(0.0, math.pi, half)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0.0, noise, size=(2 * half, 2))
    y = np.concatenate([np.zeros(half, dtype=int), np.ones(half, dtype=int)])
    return _split("moons", X, y, 2, 0.25, seed, f"two moons, {2 * half} points, noise {noise:g}")


def digits(seed: int = 0) -> Dataset:
    """scikit-learn's bundled 8×8 handwritten digits (1797 images, no download), pixels / 16."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise TrainError(
            "the digits data set comes with scikit-learn: pip install scikit-learn "
            "(or the project's 'datasets' extra)"
        ) from None
    d = load_digits()
    return _split(
        "digits",
        d.data / 16.0,
        d.target.astype(int),
        10,
        0.25,
        seed,
        "scikit-learn's 8x8 digits, 1797 images, 25 % held out for testing",
    )


def load(name: str, seed: int = 0) -> Dataset:
    if name == "xor":
        return xor()
    if name == "moons":
        return moons(seed=seed)
    if name == "digits":
        return digits(seed=seed)
    raise TrainError(f"unknown data set {name!r}: choose {', '.join(DATASETS)}")


@dataclass(frozen=True)
class Settings:
    """What to train: one activation for every layer (softmax output with the cross-entropy)."""

    widths: tuple[int, ...]
    activation: str
    loss: str
    lr: float
    epochs: int
    batch_size: int  # 0: the whole training set in every step
    seed: int = 0
    dtype: str = "float64"
    #: μ of V ← μV − η∇W, W ← W + V (0: plain gradient descent, the article's rule)
    momentum: float = 0.0
    #: share of each class of the training set held out to validate every epoch (0: none)
    validation: float = 0.0
    #: stop when the validation loss has not improved for this many epochs, and keep the best
    #: weights (0: never stop early)
    patience: int = 0


#: settings that meet the targets (xor: loss < 0.01; digits: ≥ 95 % test accuracy in well under a minute)
DEFAULTS: dict[str, Settings] = {
    "xor": Settings((2, 4, 1), "sigmoid", "mse", 5.0, 2000, 0),
    "moons": Settings((2, 16, 2), "tanh", "cross-entropy", 0.2, 200, 16),
    "digits": Settings((64, 32, 10), "tanh", "cross-entropy", 0.1, 40, 16),
}


# ---------------------------------------------------------------------------------------------
# training


@dataclass
class Result:
    settings: Settings
    dataset: str
    losses: list[float]
    train_accuracy: float
    test_accuracy: float
    seconds: float
    params: list[tuple[np.ndarray, np.ndarray]] = field(repr=False, default_factory=list)
    #: the validation loss and accuracy after every epoch (empty without a validation split)
    val_losses: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    #: the epoch whose weights were kept (the last, or the best one when stopping early)
    best_epoch: int = 0
    stopped_early: bool = False
    held_out: bool = True


def accuracy(
    grad: codegen.NumpyGradients,
    params: Sequence[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    labels: np.ndarray,
) -> float:
    out = grad.forward(params, X)
    pred = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(int)
    return float(np.mean(pred == labels))


def check_settings(s: Settings, data: Dataset) -> None:
    """Every setting in range, and the total work bounded, before anything runs."""
    if len(s.widths) < 2 or min(s.widths) < 1:
        raise TrainError(f"widths {list(s.widths)}: give at least two layers, each at least 1 wide")
    try:
        codegen.check_size(s.widths)
    except codegen.CodegenError as e:
        raise TrainError(str(e)) from None
    parameters = sum(s.widths[p] * (s.widths[p - 1] + 1) for p in range(1, len(s.widths)))
    if s.widths[0] != data.inputs:
        raise TrainError(
            f"{data.name} has {data.inputs} inputs: the first width must be {data.inputs}"
        )
    data.targets(data.y_train[:1], s.widths[-1])
    if not (0 < s.lr <= 1e6 and math.isfinite(s.lr)):
        raise TrainError(f"learning rate {s.lr}: give a number in (0, 1e6]")
    if not 1 <= s.epochs <= MAX_EPOCHS:
        raise TrainError(f"epochs {s.epochs}: give 1 … {MAX_EPOCHS:,}")
    if not 0 <= s.batch_size <= datafiles.MAX_SAMPLES:
        raise TrainError(
            f"batch size {s.batch_size}: give 0 (the whole set) … {datafiles.MAX_SAMPLES:,}"
        )
    if not 0 <= s.seed < 2**32:
        raise TrainError(f"seed {s.seed}: give 0 … {2**32 - 1}")
    if not (0 <= s.momentum < 1 and math.isfinite(s.momentum)):
        raise TrainError(f"momentum {s.momentum}: give a number in [0, 1)")
    if not 0 <= s.validation <= 0.5:
        raise TrainError(
            f"validation {s.validation}: give the share of the training set to hold out, 0 … 0.5"
        )
    if not 0 <= s.patience <= MAX_EPOCHS:
        raise TrainError(
            f"patience {s.patience}: give 0 (never stop early) … {MAX_EPOCHS:,} epochs"
        )
    if s.patience and not s.validation:
        raise TrainError(
            "early stopping (--patience) watches the validation loss: give --validation too"
        )
    if s.validation and len(data.y_train) * s.validation < 1:
        raise TrainError(
            f"{data.name}: {len(data.y_train)} training samples; too few for a validation split"
        )
    if s.dtype not in ("float32", "float64"):
        raise TrainError(f"dtype {s.dtype}: choose float32 or float64")
    work = float(s.epochs) * len(data.y_train) * parameters
    if work > MAX_WORK:
        raise TrainError(
            f"{s.epochs} epochs × {len(data.y_train):,} samples × {parameters:,} parameters is more "
            f"than {MAX_WORK:.0e} steps: train fewer epochs or a smaller network"
        )


#: what ``on_epoch`` receives after every epoch: epoch, training loss, validation loss, validation accuracy
EpochHook = Callable[[int, float, "float | None", "float | None"], None]


def train(data: Dataset, s: Settings, on_epoch: EpochHook | None = None) -> Result:
    """Mini-batch gradient descent, W ← W − η ∂L/∂W and b ← b − η ∂L/∂b (with momentum μ > 0:
    V ← μV − η∇, W ← W + V), with the generated gradients.

    The loss recorded per epoch is the mean loss over the whole training set after that epoch;
    with a validation split, the validation loss and accuracy too.  Raises Diverged when the loss
    stops being finite or exceeds DIVERGED times its starting value."""
    check_settings(s, data)
    try:
        net = Network(widths=s.widths, activation=s.activation, loss=s.loss)
        grad = codegen.numpy_gradients(net, dtype=s.dtype)
    except ValueError as e:  # CodegenError, or the network's own checks
        raise TrainError(str(e)) from None
    dt = np.dtype(s.dtype)
    X_all, y_all = data.X_train, data.y_train
    if s.validation:
        keep, val = split_indices(y_all, data.classes, s.validation, s.seed + 2)
        X_all, y_all, X_val, y_val = X_all[keep], y_all[keep], X_all[val].astype(dt), y_all[val]
        Y_val = data.targets(y_val, s.widths[-1]).astype(dt)
    X = X_all.astype(dt)
    Y = data.targets(y_all, s.widths[-1]).astype(dt)
    params = codegen.init_params(s.widths, s.seed, dt)
    velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params] if s.momentum else []
    rng = np.random.default_rng(s.seed + 1)
    n = X.shape[0]
    batch = n if s.batch_size == 0 else min(s.batch_size, n)
    lr, mu = dt.type(s.lr), dt.type(s.momentum)
    gradients = grad.gradients  # the generated function: arrays are already of the dtype
    start = grad.loss(params, X, Y)
    result = Result(s, data.name, [], 0.0, 0.0, 0.0, params, held_out=data.held_out)
    best = (math.inf, 0, [(W.copy(), b.copy()) for W, b in params])
    t0 = time.perf_counter()
    for epoch in range(1, s.epochs + 1):
        order = rng.permutation(n) if batch < n else np.arange(n)
        for first in range(0, n, batch):
            idx = order[first : first + batch]
            g = gradients(params, X[idx], Y[idx])
            if s.momentum:
                for (W, b), (vW, vb), (dW, db) in zip(params, velocity, g):
                    vW *= mu
                    vW -= lr * dW
                    vb *= mu
                    vb -= lr * db
                    W += vW
                    b += vb
            else:
                for (W, b), (dW, db) in zip(params, g):
                    W -= lr * dW
                    b -= lr * db
        loss = grad.loss(params, X, Y)
        result.losses.append(loss)
        vl = va = None
        if s.validation:
            vl, va = grad.loss(params, X_val, Y_val), accuracy(grad, params, X_val, y_val)
            result.val_losses.append(vl)
            result.val_accuracy.append(va)
        if on_epoch is not None:
            on_epoch(epoch, loss, vl, va)
        if not math.isfinite(loss) or loss > DIVERGED * max(start, 1e-12):
            result.seconds = time.perf_counter() - t0
            raise Diverged(
                f"the training loss went from {start:.4g} to {loss:.4g} in epoch {epoch}: the run "
                f"diverged; lower the learning rate (--lr {s.lr / 10:g})",
                result,
            )
        if s.validation and vl is not None and vl < best[0]:
            best = (vl, epoch, [(W.copy(), b.copy()) for W, b in params])
        if s.patience and epoch - best[1] >= s.patience:
            result.stopped_early = True
            break
    result.seconds = time.perf_counter() - t0
    if s.patience:  # keep the weights of the best validation loss
        for (W, b), (bW, bb) in zip(params, best[2]):
            W[...] = bW
            b[...] = bb
        result.best_epoch = best[1]
    else:
        result.best_epoch = len(result.losses)
    result.train_accuracy = accuracy(grad, params, X, y_all)
    result.test_accuracy = accuracy(grad, params, data.X_test.astype(dt), data.y_test)
    return result


def save_params(r: Result, path: Path) -> None:
    """The trained weights as .npz (W1, B1, W2, …): ``load_params`` of the generated module reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {
        f"{k}{p}": a for p, pair in enumerate(r.params, 1) for k, a in zip("WB", pair)
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    files.replace_atomic(path, buffer.getvalue())


# ---------------------------------------------------------------------------------------------
# the loss curve


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / target
    mag = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        if raw <= m * mag:
            return m * mag
    return 10.0 * mag


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def _label(v: float) -> str:
    return f"{v:g}"


def loss_curve_svg(
    losses: Sequence[float],
    title: str,
    width: int = 640,
    height: int = 400,
    validation: Sequence[float] = (),
) -> str:
    """The loss per epoch as an SVG line chart, with the validation loss beside it when there is
    one (dashed, with a legend); a log scale when the losses span two decades.  Every number is
    printed with fixed precision, so equal inputs give equal bytes."""
    if not losses:
        raise ValueError("no losses to plot")
    left, right, top, bottom = 72, 24, 44, 52
    pw, ph = width - left - right, height - top - bottom
    every = [*losses, *validation]
    lo, hi = min(every), max(every)
    log = lo > 0 and hi / lo >= 100
    f = (lambda v: math.log10(v)) if log else (lambda v: v)
    ylo, yhi = f(lo), f(hi)
    if log:
        ylo, yhi = math.floor(ylo), math.ceil(yhi)
        yticks = [float(k) for k in range(int(ylo), int(yhi) + 1)]
    else:
        if yhi == ylo:
            yhi = ylo + 1.0
        step = _nice_step(yhi - ylo)
        ylo, yhi = math.floor(ylo / step) * step, math.ceil(yhi / step) * step
        yticks = [ylo + k * step for k in range(round((yhi - ylo) / step) + 1)]
    n = len(losses)
    xhi = max(n, 2)
    xstep = _nice_step(xhi - 1)
    xticks = [1.0] + [k * xstep for k in range(1, int(xhi // xstep) + 1) if k * xstep > 1]

    def X(e: float) -> str:
        return _fmt(left + (e - 1) / (xhi - 1) * pw)

    def Yp(v: float) -> str:
        return _fmt(top + ph - (v - ylo) / (yhi - ylo) * ph)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2:.2f}" y="24" text-anchor="middle" font-size="15">{escape(title)}</text>',
    ]
    for v in yticks:
        y = Yp(v)
        text = _label(10**v) if log else _label(round(v, 12))
        out.append(f'<line x1="{left}" y1="{y}" x2="{left + pw}" y2="{y}" stroke="#e0e0e0"/>')
        out.append(
            f'<text x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">{text}</text>'
        )
    for e in xticks:
        x = X(e)
        out.append(f'<line x1="{x}" y1="{top + ph}" x2="{x}" y2="{top + ph + 5}" stroke="black"/>')
        out.append(f'<text x="{x}" y="{top + ph + 18}" text-anchor="middle">{int(e)}</text>')
    out.append(
        f'<polyline fill="none" stroke="black" points="{left},{top} {left},{top + ph} {left + pw},{top + ph}"/>'
    )
    pts = " ".join(
        f"{X(k + 1)},{Yp(f(v) if v > 0 or not log else ylo)}" for k, v in enumerate(losses)
    )
    out.append(f'<polyline fill="none" stroke="#1f5fbf" stroke-width="1.5" points="{pts}"/>')
    if validation:
        pts = " ".join(
            f"{X(k + 1)},{Yp(f(v) if v > 0 or not log else ylo)}" for k, v in enumerate(validation)
        )
        out.append(
            f'<polyline fill="none" stroke="#d0621b" stroke-width="1.5" stroke-dasharray="5,3" points="{pts}"/>'
        )
        for k, (name, colour, dash) in enumerate(
            (("training", "#1f5fbf", ""), ("validation", "#d0621b", "5,3"))
        ):
            row = top + 10 + 16 * k
            x0 = left + pw - 120
            out.append(
                f'<line x1="{x0}" y1="{row}" x2="{x0 + 24}" y2="{row}" stroke="{colour}" stroke-width="1.5"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
            out.append(f'<text x="{x0 + 30}" y="{row}" dominant-baseline="middle">{name}</text>')
    out.append(f'<text x="{left + pw / 2:.2f}" y="{height - 12}" text-anchor="middle">epoch</text>')
    ylabel = "loss L (log scale)" if log else "loss L"
    out.append(
        f'<text x="16" y="{top + ph / 2:.2f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {top + ph / 2:.2f})">{ylabel}</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def png_renderer() -> str | None:
    """The name of an installed SVG → PNG renderer, or None (PNG is optional)."""
    import importlib.util

    if importlib.util.find_spec("cairosvg") is not None:
        return "cairosvg"
    for tool in ("rsvg-convert", "inkscape", "magick"):
        if shutil.which(tool):
            return tool
    return None


def write_png(svg_path: Path, png_path: Path) -> str | None:
    """Render the SVG as PNG with whatever renderer is installed; the renderer's name, or None."""
    tool = png_renderer()
    if tool is None:
        return None
    with tempfile.TemporaryDirectory() as folder:  # rendered aside, then put in place atomically
        made = _render_png(tool, svg_path, Path(folder) / "out.png")
        if made:
            files.replace_atomic(png_path, (Path(folder) / "out.png").read_bytes())
    return tool if made else None


def _render_png(tool: str, svg_path: Path, png_path: Path) -> bool:
    if tool == "cairosvg":
        import cairosvg

        cairosvg.svg2png(url=str(svg_path), write_to=str(png_path))
        return png_path.exists()
    cmd = {
        "rsvg-convert": [tool, "-o", str(png_path), str(svg_path)],
        "inkscape": [tool, str(svg_path), "--export-type=png", f"--export-filename={png_path}"],
        "magick": [tool, str(svg_path), str(png_path)],
    }[tool]
    done = subprocess.run(cmd, capture_output=True, timeout=60)
    return done.returncode == 0 and png_path.exists()


def describe(r: Result) -> str:
    s = r.settings
    extra = (
        (f", momentum {s.momentum:g}" if s.momentum else "")
        + (f", validation {round(100 * s.validation)} %" if s.validation else "")
        + (f", patience {s.patience}" if s.patience else "")
    )
    return (
        f"{r.dataset}: {'-'.join(map(str, s.widths))} {s.activation}, {s.loss}, η = {s.lr:g}, "
        f"{s.epochs} epochs, batch {s.batch_size or 'all'}, seed {s.seed}, {s.dtype}{extra}"
    )


def title(r: Result) -> str:
    s = r.settings
    return (
        f"{r.dataset}: {'-'.join(map(str, s.widths))} {s.activation}, {s.loss}, "
        f"lr {s.lr:g}, batch {s.batch_size or 'all'}, seed {s.seed}"
    )


def save_curve(r: Result, path: Path) -> tuple[Path, Path | None]:
    """Write the SVG (and a PNG next to it when a renderer is installed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    files.write_atomic(path, loss_curve_svg(r.losses, title(r), validation=r.val_losses))
    png = path.with_suffix(".png")
    return path, (png if write_png(path, png) else None)


def defaults_for(data: Dataset) -> Settings:
    """Settings for a user's table: one hidden layer of 32 tanh neurons, a softmax output."""
    return Settings((data.inputs, 32, data.classes), "tanh", "cross-entropy", 0.1, 40, 16)


def settings_for(dataset: str | Dataset, overrides: dict[str, Any] | None = None) -> Settings:
    """The defaults of a built-in data set (by name) or of a user's (a Dataset), with any of them
    that ``overrides`` gives (None: keep the default) replaced."""
    values = {k: v for k, v in (overrides or {}).items() if v is not None}
    if isinstance(dataset, Dataset):
        base = defaults_for(dataset)
    elif dataset in DEFAULTS:
        base = DEFAULTS[dataset]
    else:
        raise TrainError(f"unknown data set {dataset!r}: choose {', '.join(DATASETS)}")
    return Settings(**{**base.__dict__, **values})


def run(
    dataset: str | Dataset,
    overrides: dict[str, Any] | None = None,
    on_epoch: EpochHook | None = None,
) -> Result:
    """Train on a built-in data set (by name) or a user's (a Dataset) with its defaults, any of
    which ``overrides`` replaces."""
    s = settings_for(dataset, overrides)
    return train(dataset if isinstance(dataset, Dataset) else load(dataset, s.seed), s, on_epoch)
