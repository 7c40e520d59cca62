"""The NumPy commands, ``derivator codegen`` and ``derivator train``, as plain typer functions.

cli.py registers them (``app.command()(codegen)``, ``app.command()(train)``); this module imports
nothing from cli.py so that either can change without the other.  Usage errors print
``Error: …`` to stderr and exit 2, without a traceback.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from ..system import files
from .options import Activation, Loss, Targets, parse_widths, usage_error


def bounded_widths(text: str) -> tuple[int, ...]:
    """``parse_widths`` plus the bounds of ``codegen.check_size`` (depth, each width, the number of
    parameters), checked before any work starts."""
    from ..codegen import numpy_code

    ws = parse_widths(text)
    try:
        numpy_code.check_size(ws)
    except numpy_code.CodegenError as e:
        raise usage_error(f"--{e}") from None
    return ws


class ProofMode(StrEnum):
    network = "network"
    rules = "rules"
    none = "none"


class DatasetName(StrEnum):
    xor = "xor"
    moons = "moons"
    digits = "digits"


class DType(StrEnum):
    float64 = "float64"
    float32 = "float32"


def codegen(
    widths: str = typer.Option(..., help="Widths, input layer first, e.g. 784,128,10."),
    activation: Activation = typer.Option(
        Activation("sigmoid"), help="The activation σ of every layer."
    ),
    loss: Loss = typer.Option(
        Loss("mse"),
        help="mse: Σ_j (a−y)²/2 averaged over the samples; "
        "cross-entropy: with a softmax output layer; binary-cross-entropy: one sigmoid "
        "output per yes/no target.",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the module to this file (default: print it)."
    ),
    proof: ProofMode = typer.Option(
        ProofMode.rules,
        help="rules: prove the per-layer rules once, at the generic "
        "layer and the output layer (any depth, about a second); network: prove every "
        "emitted rule in this network (at most 6 layers); none: skip.",
    ),
    targets: Targets = typer.Option(
        Targets("any"),
        help="What every row of Y satisfies: any; distribution "
        "(Σ_j y_ij = 1) or one-hot, which turn the softmax output layer's rule into "
        "G^(L) = (A^(L) − Y)/n, proved under that assumption (cross-entropy only).",
    ),
) -> None:
    """Write a standalone NumPy module with the network's gradients, printed from the proved rules."""
    from ..codegen import numpy_code
    from ..engine import Network

    ws = bounded_widths(widths)
    try:
        net = Network(
            widths=ws, activation=activation.value, loss=loss.value, targets=targets.value
        )
        source = numpy_code.module_source(
            net, proof.value, None if output is None else output.as_posix()
        )
    except ValueError as e:
        raise usage_error(str(e)) from None
    if output is None:
        typer.echo(source, nl=False)
    else:
        try:
            if output.parent and not output.parent.exists():
                output.parent.mkdir(parents=True)
            files.write_atomic(output, source)
        except OSError as e:
            raise usage_error(f"cannot write {output}: {e.strerror or e}") from None
    verdicts = numpy_code.network_plan(net, proof.value).verdicts
    proved = sum(v.proved for v in verdicts)
    where = f"wrote {output}" if output is not None else "printed the module"
    typer.echo(
        f"{where}: {net.D} layer function{'s' if net.D != 1 else ''}, {proved} of {len(verdicts)} rules proved"
        + ("" if verdicts else " (proofs skipped)"),
        err=True,
    )
    if proved != len(verdicts):
        raise typer.Exit(1)


def train(
    dataset: DatasetName | None = typer.Option(
        None,
        help="xor, moons (generated) or digits (scikit-learn's 8x8 "
        "digits, bundled); or give --data.",
    ),
    data: Path | None = typer.Option(
        None,
        help="Your own data: an .npz with arrays X (samples × features) and y "
        "(labels), or a .csv with one sample per line.",
    ),
    target: str | None = typer.Option(
        None,
        help="The labels: an array of the .npz (default y), a column of the "
        ".csv by header name or number (default: the last).",
    ),
    widths: str | None = typer.Option(
        None,
        help="Widths, input first (default: xor 2,4,1; moons 2,16,2; "
        "digits 64,32,10; --data: features,32,classes).",
    ),
    activation: Activation | None = typer.Option(
        None, help="σ of every layer (default per data set)."
    ),
    loss: Loss | None = typer.Option(
        None,
        help="mse, cross-entropy (softmax output) or binary-cross-entropy (one sigmoid output).",
    ),
    lr: float | None = typer.Option(
        None,
        help="The learning rate η of W ← W − η∇W.",
        show_default="xor 5, moons 0.2, digits 0.1, --data 0.1",
    ),
    epochs: int | None = typer.Option(
        None,
        help="Passes over the training set.",
        show_default="xor 2000, moons 200, digits 40, --data 40",
    ),
    batch_size: int | None = typer.Option(
        None,
        help="Samples per step; 0 uses the whole training set.",
        show_default="xor 0, moons 16, digits 16, --data 16",
    ),
    momentum: float | None = typer.Option(
        None, help="μ of V ← μV − η∇W, W ← W + V (default 0: plain descent)."
    ),
    validation: float | None = typer.Option(
        None,
        help="Share of the training set held out to validate after "
        "every epoch (e.g. 0.2; default 0).",
    ),
    patience: int | None = typer.Option(
        None,
        help="Stop when the validation loss has not improved for this many "
        "epochs and keep the best weights (needs --validation).",
    ),
    seed: int = typer.Option(
        0, help="Seed of the initial weights, the shuffles and the data split."
    ),
    dtype: DType = typer.Option(DType.float64, help="float64 or float32."),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="The loss-curve SVG (default "
        "output/loss-<dataset>.svg); a PNG goes next to it when a renderer "
        "is installed.",
    ),
    save: Path | None = typer.Option(
        None,
        help="Write the trained weights to this .npz (W1, B1, …): the "
        "load_params of a module from derivator codegen reads it.",
    ),
    progress: bool = typer.Option(
        True, help="Show progress: a bar on a terminal, one line per epoch otherwise."
    ),
) -> None:
    """Train with the generated gradients and W ← W − η∇W; print accuracy and write the loss curve.

    Exit status: 0 trained, 1 the loss diverged, 2 bad input."""
    _check_train_options(dataset, data, target, save)
    overrides = {
        "widths": bounded_widths(widths) if widths is not None else None,
        "activation": activation.value if activation is not None else None,
        "loss": loss.value if loss is not None else None,
        "lr": lr,
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "dtype": dtype.value,
        "momentum": momentum,
        "validation": validation,
        "patience": patience,
    }
    source = _training_data(dataset, data, target, seed)
    name = dataset.value if dataset is not None else Path(str(data)).stem
    result, diverged = _run_training(source, overrides, progress)
    svg, png = _save_training(result, diverged, output or Path("output") / f"loss-{name}.svg", save)
    _report_training(result, diverged, svg, png, save)


def _check_train_options(
    dataset: DatasetName | None, data: Path | None, target: str | None, save: Path | None
) -> None:
    """Usage errors among the options, before any work: one source of data, labels only for a
    file, weights only as .npz."""
    if (dataset is None) == (data is None):
        raise usage_error("give either --dataset (xor, moons, digits) or --data FILE")
    if target is not None and data is None:
        raise usage_error("--target names the labels of a --data file")
    if save is not None and save.suffix != ".npz":
        raise usage_error(f"--save {save}: the weights are written as .npz")


def _training_data(
    dataset: DatasetName | None, data: Path | None, target: str | None, seed: int
) -> Any:
    """A built-in data set's name, or the user's table read and split (a usage error if it
    cannot be read)."""
    from ..codegen import train
    from ..codegen.data import DataError, read

    if dataset is not None:
        return dataset.value
    assert data is not None  # _check_train_options: --dataset or --data
    try:
        return train.from_table(read(data, target), seed)
    except (DataError, train.TrainError) as e:
        raise usage_error(str(e)) from None


def _run_training(source: Any, overrides: dict[str, Any], progress: bool) -> tuple[Any, str | None]:
    """(the result, why the loss diverged or None): a diverged run still has a loss curve."""
    from ..codegen import train

    try:
        if progress:
            return _with_progress(source, overrides), None
        return train.run(source, overrides), None
    except train.TrainError as e:
        raise usage_error(str(e)) from None
    except train.Diverged as e:
        return e.result, str(e)


def _save_training(
    result: Any, diverged: str | None, curve: Path, save: Path | None
) -> tuple[Path, Path | None]:
    """Write the loss curve (SVG, and PNG where a renderer is installed) and, for a run that did
    not diverge, the weights: (svg, png or None)."""
    from ..codegen import train

    try:
        svg, png = train.save_curve(result, curve)
        if save is not None and diverged is None:
            train.save_params(result, save)
    except OSError as e:
        raise usage_error(f"cannot write {e.filename}: {e.strerror or e}") from None
    return svg, png


def _report_training(
    result: Any, diverged: str | None, svg: Path, png: Path | None, save: Path | None
) -> None:
    """Print what training reached: the settings, the final loss and accuracies, the validation
    figures, where the curve and weights went; exit 1 for a loss that diverged."""
    from ..codegen import train

    typer.echo(train.describe(result))
    if diverged is not None:
        typer.echo(f"loss curve: {svg}")
        typer.echo(f"Error: {diverged}", err=True)
        raise typer.Exit(1)
    where = "(test)" if result.held_out else "(the training points again: no held-out set)"
    typer.echo(
        f"final loss {result.losses[-1]:.6g} after {len(result.losses)} epochs in {result.seconds:.2f} s; "
        f"accuracy {100 * result.train_accuracy:.1f} % (training), {100 * result.test_accuracy:.1f} % {where}"
    )
    if result.val_losses:
        typer.echo(
            f"validation loss {result.val_losses[result.best_epoch - 1]:.6g}, accuracy "
            f"{100 * result.val_accuracy[result.best_epoch - 1]:.1f} % at epoch {result.best_epoch}"
            + (" (stopped early; kept the best weights)" if result.stopped_early else "")
        )
    typer.echo(
        f"loss curve: {svg}" + (f" and {png}" if png else " (no PNG: no SVG renderer installed)")
    )
    if save is not None:
        typer.echo(f"weights: {save}")


def _with_progress(source: Any, overrides: dict[str, Any]) -> Any:
    """Run training under a rich progress bar (on stderr) that shows the loss, or, when stderr is
    not a terminal (a log file, CI), with one line per epoch."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..codegen import train

    console = Console(stderr=True)
    total = train.settings_for(source, overrides).epochs
    if not console.is_terminal:

        def line(epoch: int, value: float, vl: float | None, va: float | None) -> None:
            extra = (
                ""
                if vl is None
                else f", validation loss {vl:.6g}, accuracy {100 * (va or 0):.1f} %"
            )
            typer.echo(f"epoch {epoch}/{total}: loss {value:.6g}{extra}", err=True)

        return train.run(source, overrides, line)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("training", total=int(total), loss="…")

        def on_epoch(epoch: int, value: float, vl: float | None, va: float | None) -> None:
            bar.update(
                task,
                completed=epoch,
                loss=f"{value:.4g}" + ("" if vl is None else f" / val {vl:.4g}"),
            )

        return train.run(source, overrides, on_epoch)
