"""Train a network with the generated gradients and the article's update rule W ← W − η∇W.

Three data sets, none downloaded: ``xor`` (the four points), ``moons`` (two interleaving half
circles, generated here from a seed) and ``digits`` (scikit-learn's bundled 8×8 digits, an
optional dependency).  The gradients are the NumPy functions that ``codegen`` prints from the
proved rules; this module only shuffles mini-batches, applies the update and records the loss.
The loss curve is written as SVG by our own code (fixed number formatting, so the same run gives
the same bytes) and, where an SVG renderer is installed, as PNG too.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence
from xml.sax.saxutils import escape

import numpy as np

from ..engine import Network
from . import numpy_code as codegen

DATASETS = ("xor", "moons", "digits")


class TrainError(ValueError):
    """Bad training input (widths that do not fit the data, a missing optional package, …)."""


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
        raise TrainError(f"{self.name} has {self.classes} classes: the last width must be {self.classes}"
                         + (" (or 1)" if self.classes == 2 else ""))


def _split(name: str, X: np.ndarray, y: np.ndarray, classes: int, test: float, seed: int, desc: str) -> Dataset:
    """A split that keeps each class's share (per-class shuffles from ``seed``)."""
    rng = np.random.default_rng(seed)
    tr, te = [], []
    for c in range(classes):
        idx = rng.permutation(np.flatnonzero(y == c))
        k = int(round(len(idx) * test))
        te.append(idx[:k])
        tr.append(idx[k:])
    itr, ite = np.sort(np.concatenate(tr)), np.sort(np.concatenate(te))
    return Dataset(name, X[itr], y[itr], X[ite], y[ite], classes, desc)


def xor() -> Dataset:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return Dataset("xor", X, y, X, y, 2, "XOR: the four points, which no single layer separates")


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
        raise TrainError("the digits data set comes with scikit-learn: pip install scikit-learn "
                         "(or the project's 'datasets' extra)") from None
    d = load_digits()
    return _split("digits", d.data / 16.0, d.target.astype(int), 10, 0.25, seed,
                  "scikit-learn's 8x8 digits, 1797 images, 25 % held out for testing")


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


def accuracy(grad: codegen.NumpyGradients, params: Sequence[tuple[np.ndarray, np.ndarray]], X: np.ndarray,
             labels: np.ndarray) -> float:
    out = grad.forward(params, X)
    pred = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(int)
    return float(np.mean(pred == labels))


def check_settings(s: Settings, data: Dataset) -> None:
    if len(s.widths) < 2 or min(s.widths) < 1:
        raise TrainError(f"widths {list(s.widths)}: give at least two layers, each at least 1 wide")
    if s.widths[0] != data.inputs:
        raise TrainError(f"{data.name} has {data.inputs} inputs: the first width must be {data.inputs}")
    data.targets(data.y_train[:1], s.widths[-1])
    if not (s.lr > 0 and math.isfinite(s.lr)):
        raise TrainError(f"learning rate {s.lr}: give a positive number")
    if s.epochs < 1:
        raise TrainError(f"epochs {s.epochs}: give at least 1")
    if s.batch_size < 0:
        raise TrainError(f"batch size {s.batch_size}: give 0 (the whole set) or more")
    if s.dtype not in ("float32", "float64"):
        raise TrainError(f"dtype {s.dtype}: choose float32 or float64")


def train(data: Dataset, s: Settings, on_epoch: Callable[[int, float], None] | None = None) -> Result:
    """Mini-batch gradient descent, W ← W − η ∂L/∂W and b ← b − η ∂L/∂b, with the generated gradients.

    The loss recorded per epoch is the mean loss over the whole training set after that epoch."""
    check_settings(s, data)
    try:
        net = Network(widths=s.widths, activation=s.activation, loss=s.loss)
        grad = codegen.numpy_gradients(net, dtype=s.dtype)
    except ValueError as e:  # CodegenError, or the network's own checks
        raise TrainError(str(e)) from None
    dt = np.dtype(s.dtype)
    X = data.X_train.astype(dt)
    Y = data.targets(data.y_train, s.widths[-1]).astype(dt)
    params = codegen.init_params(s.widths, s.seed, dt)
    rng = np.random.default_rng(s.seed + 1)
    n = X.shape[0]
    batch = n if s.batch_size == 0 else min(s.batch_size, n)
    lr = dt.type(s.lr)
    gradients = grad.gradients  # the generated function: arrays are already of the dtype
    losses: list[float] = []
    t0 = time.perf_counter()
    for epoch in range(1, s.epochs + 1):
        order = rng.permutation(n) if batch < n else np.arange(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            for (W, b), (dW, db) in zip(params, gradients(params, X[idx], Y[idx])):
                W -= lr * dW
                b -= lr * db
        loss = grad.loss(params, X, Y)
        if not math.isfinite(loss):
            raise TrainError(f"the loss became {loss} in epoch {epoch}: lower the learning rate")
        losses.append(loss)
        if on_epoch is not None:
            on_epoch(epoch, loss)
    seconds = time.perf_counter() - t0
    return Result(s, data.name, losses, accuracy(grad, params, X, data.y_train),
                  accuracy(grad, params, data.X_test.astype(dt), data.y_test), seconds, params)


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


def loss_curve_svg(losses: Sequence[float], title: str, width: int = 640, height: int = 400) -> str:
    """The loss per epoch as an SVG line chart; a log scale when the loss spans two decades.
    Every number is printed with fixed precision, so equal inputs give equal bytes."""
    if not losses:
        raise ValueError("no losses to plot")
    left, right, top, bottom = 72, 24, 44, 52
    pw, ph = width - left - right, height - top - bottom
    lo, hi = min(losses), max(losses)
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
        yticks = [ylo + k * step for k in range(int(round((yhi - ylo) / step)) + 1)]
    n = len(losses)
    xhi = max(n, 2)
    xstep = _nice_step(xhi - 1)
    xticks = [1.0] + [k * xstep for k in range(1, int(xhi // xstep) + 1) if k * xstep > 1]

    def X(e: float) -> str:
        return _fmt(left + (e - 1) / (xhi - 1) * pw)

    def Yp(v: float) -> str:
        return _fmt(top + ph - (v - ylo) / (yhi - ylo) * ph)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2:.2f}" y="24" text-anchor="middle" font-size="15">{escape(title)}</text>']
    for v in yticks:
        y = Yp(v)
        text = _label(10 ** v) if log else _label(round(v, 12))
        out.append(f'<line x1="{left}" y1="{y}" x2="{left + pw}" y2="{y}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">{text}</text>')
    for e in xticks:
        x = X(e)
        out.append(f'<line x1="{x}" y1="{top + ph}" x2="{x}" y2="{top + ph + 5}" stroke="black"/>')
        out.append(f'<text x="{x}" y="{top + ph + 18}" text-anchor="middle">{int(e)}</text>')
    out.append(f'<polyline fill="none" stroke="black" points="{left},{top} {left},{top + ph} {left + pw},{top + ph}"/>')
    pts = " ".join(f"{X(k + 1)},{Yp(f(v) if v > 0 or not log else ylo)}" for k, v in enumerate(losses))
    out.append(f'<polyline fill="none" stroke="#1f5fbf" stroke-width="1.5" points="{pts}"/>')
    out.append(f'<text x="{left + pw / 2:.2f}" y="{height - 12}" text-anchor="middle">epoch</text>')
    ylabel = "loss L (log scale)" if log else "loss L"
    out.append(f'<text x="16" y="{top + ph / 2:.2f}" text-anchor="middle" '
               f'transform="rotate(-90 16 {top + ph / 2:.2f})">{ylabel}</text>')
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
    if tool == "cairosvg":
        import cairosvg

        cairosvg.svg2png(url=str(svg_path), write_to=str(png_path))
        return tool
    cmd = {"rsvg-convert": [tool, "-o", str(png_path), str(svg_path)],
           "inkscape": [tool, str(svg_path), "--export-type=png", f"--export-filename={png_path}"],
           "magick": [tool, str(svg_path), str(png_path)]}[tool]
    done = subprocess.run(cmd, capture_output=True, timeout=60)
    return tool if done.returncode == 0 and png_path.exists() else None


def describe(r: Result) -> str:
    s = r.settings
    return (f"{r.dataset}: {'-'.join(map(str, s.widths))} {s.activation}, {s.loss}, η = {s.lr:g}, "
            f"{s.epochs} epochs, batch {s.batch_size or 'all'}, seed {s.seed}, {s.dtype}")


def title(r: Result) -> str:
    s = r.settings
    return (f"{r.dataset}: {'-'.join(map(str, s.widths))} {s.activation}, {s.loss}, "
            f"lr {s.lr:g}, batch {s.batch_size or 'all'}, seed {s.seed}")


def save_curve(r: Result, path: Path) -> tuple[Path, Path | None]:
    """Write the SVG (and a PNG next to it when a renderer is installed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(loss_curve_svg(r.losses, title(r)), encoding="utf-8")
    png = path.with_suffix(".png")
    return path, (png if write_png(path, png) else None)


def run(dataset: str, overrides: dict[str, Any] | None = None,
        on_epoch: Callable[[int, float], None] | None = None) -> Result:
    """Train on a data set with its defaults, any of which ``overrides`` replaces."""
    base = DEFAULTS[dataset] if dataset in DEFAULTS else None
    if base is None:
        raise TrainError(f"unknown data set {dataset!r}: choose {', '.join(DATASETS)}")
    values = {k: v for k, v in (overrides or {}).items() if v is not None}
    s = Settings(**{**base.__dict__, **values})
    return train(load(dataset, s.seed), s, on_epoch)
