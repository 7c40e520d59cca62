"""A user's data for ``derivator train --data``: an .npz or .csv file → inputs and class labels.

* ``.npz``: an array ``X`` (samples × features, numbers) and the labels under ``--target``
  (default ``y``): one label per sample, integers or strings.  Read with ``allow_pickle=False``,
  so that loading a file never runs code.
* ``.csv``: one sample per line, comma-separated; a first line that is not all numbers is a
  header.  ``--target`` names the label column (its header name or its 0-based number; default:
  the last column); every other column must be a number.  Errors name ``file:line``.

Labels become classes 0 … k−1 in sorted order (integers numerically, strings alphabetically).
Everything is bounded before it is read: the file's size, the samples, features and classes.
"""

from __future__ import annotations

import array
import csv
import itertools
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np

MAX_BYTES = 512 * 1024 * 1024
MAX_SAMPLES = 2_000_000
MAX_FEATURES = 100_000
MAX_CLASSES = 1_000
#: the most numbers X may hold (samples × features; 400 MB of float64), checked before reading
MAX_VALUES = 50_000_000


class DataError(ValueError):
    """A data file that cannot be trained on, with the reason (and file:line where there is one)."""


@dataclass(frozen=True)
class Table:
    """Inputs (samples × features, float64) and labels 0 … k−1, with the names of the classes."""

    X: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    source: str


def _classes(raw: np.ndarray | list[str], where: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Labels → 0 … k−1, sorted (numbers numerically when every label is an integer)."""
    values = [str(v).strip() for v in raw]
    try:
        numbers = [float(v) for v in values]
        if not all(math.isfinite(x) and x == int(x) for x in numbers):
            raise DataError(
                f"{where}: the labels must be classes (integers or names), not measurements "
                f"like {next(v for v, x in zip(values, numbers) if not (math.isfinite(x) and x == int(x)))}"
            )
        keys = sorted({int(x) for x in numbers})
        index = {k: i for i, k in enumerate(keys)}
        labels = np.array([index[int(x)] for x in numbers], dtype=np.int64)
        names = tuple(str(k) for k in keys)
    except ValueError as e:
        if isinstance(e, DataError):
            raise
        names = tuple(sorted(set(values)))
        position = {k: i for i, k in enumerate(names)}
        labels = np.array([position[v] for v in values], dtype=np.int64)
    if len(names) < 2:
        raise DataError(
            f"{where}: only one class ({names[0] if names else 'none'}); training needs at least two"
        )
    if len(names) > MAX_CLASSES:
        raise DataError(f"{where}: {len(names)} classes; at most {MAX_CLASSES}")
    return labels, names


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as e:
        raise DataError(f"cannot read {path}: {e.strerror or e}") from None
    if size > MAX_BYTES:
        raise DataError(f"{path}: {size:,} bytes; at most {MAX_BYTES:,}")


def _bounded(X: np.ndarray, where: str) -> np.ndarray:
    if X.ndim != 2:
        raise DataError(f"{where}: X must be a table (samples × features), not of shape {X.shape}")
    n, f = X.shape
    if n < 2 or f < 1:
        raise DataError(
            f"{where}: {n} samples with {f} features; give at least 2 samples and 1 feature"
        )
    if n > MAX_SAMPLES or f > MAX_FEATURES:
        raise DataError(
            f"{where}: {n} samples × {f} features; at most {MAX_SAMPLES:,} × {MAX_FEATURES:,}"
        )
    if not np.all(np.isfinite(X)):
        row = int(np.argwhere(~np.isfinite(X))[0][0])
        raise DataError(f"{where}: sample {row} has a value that is not a finite number")
    return X


def npz_shapes(path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """The shape and dtype of every array of an .npz, read from the .npy headers alone: a 2 MB file
    of zeros may unpack to gigabytes, so its sizes are checked before any array is loaded."""
    out: dict[str, tuple[tuple[int, ...], np.dtype]] = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with zf.open(info) as fp:
                version = np.lib.format.read_magic(fp)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
                else:
                    raise ValueError(f"{info.filename}: .npy format {version} is not read")
            out[info.filename[: -len(".npy")]] = (tuple(shape), np.dtype(dtype))
    return out


def check_npz(path: Path, most_values: int = MAX_VALUES) -> None:
    """Refuse an .npz any of whose arrays holds more than ``most_values`` numbers or more bytes
    than :data:`MAX_BYTES`, before it is loaded (DataError naming the array and its shape)."""
    try:
        shapes = npz_shapes(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise DataError(f"{path}: not a NumPy .npz file of plain arrays ({e})") from None
    for name, (shape, dtype) in shapes.items():
        count = math.prod(shape)
        if count > most_values or count * dtype.itemsize > MAX_BYTES:
            raise DataError(
                f"{path}: array {name} of shape {shape} holds {count:,} values "
                f"({count * dtype.itemsize:,} bytes unpacked); at most {most_values:,} values "
                f"and {MAX_BYTES:,} bytes"
            )


def read_npz(path: Path, target: str | None) -> Table:
    _check_size(path)
    key = target or "y"
    if zipfile.is_zipfile(path):
        check_npz(path)
    try:
        loaded = np.load(path, allow_pickle=False)
    except (
        OSError,
        ValueError,
        EOFError,
        zipfile.BadZipFile,
    ) as e:  # not an npz; object arrays need pickle
        raise DataError(f"{path}: not a NumPy .npz file of plain arrays ({e})") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise DataError(f"{path}: a single array (.npy), not an .npz with arrays X and {key}")
    try:
        with loaded as f:
            names = list(f.files)
            if "X" not in names or key not in names:
                raise DataError(
                    f"{path}: needs arrays X (samples × features) and {key} (the labels); it has "
                    f"{', '.join(names) or 'none'}"
                    + ("" if target else " (name the labels with --target)")
                )
            # NpzFile gives the bytes of a member that is not a .npy array
            X, y = cast(object, f["X"]), cast(object, f[key])
    except DataError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as e:  # a damaged member
        raise DataError(f"{path}: not a NumPy .npz file of plain arrays ({e})") from None
    if not (isinstance(X, np.ndarray) and isinstance(y, np.ndarray)):  # a member that is not .npy
        raise DataError(f"{path}: not a NumPy .npz file of plain arrays (X or {key} is no array)")
    if X.dtype.kind not in "biuf":
        raise DataError(f"{path}: X has dtype {X.dtype}; it must hold numbers")
    X = _bounded(np.asarray(X, dtype=np.float64), str(path))
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise DataError(
            f"{path}: {key} has shape {y.shape}; expected one label per sample, ({X.shape[0]},)"
        )
    labels, classes = _classes(list(y.tolist()), f"{path}: {key}")
    return Table(X, labels, classes, str(path))


def _numeric(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def read_csv(path: Path, target: str | None) -> Table:
    """Read row by row into a flat array of float64 (8 bytes a value): before, the whole text, its
    lines and a list of cells per row were held at once (a 60 MB file peaked near 1.7 GB)."""
    _check_size(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return _read_rows(path, csv.reader(fh), target)
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read {path}: {e}") from None
    except csv.Error as e:
        raise DataError(f"{path}: not a CSV file ({e})") from None


def _read_rows(path: Path, reader: Iterator[list[str]], target: str | None) -> Table:
    rows = ((k, r) for k, r in enumerate(reader, 1) if any(c.strip() for c in r))
    first = next(rows, None)
    if first is None:
        raise DataError(f"{path}: no rows")
    width = len(first[1])
    header = None if all(_numeric(c) for c in first[1]) else [c.strip() for c in first[1]]
    if target is None:
        col = width - 1
    elif header is not None and target in header:
        col = header.index(target)
    elif target.isdigit() and int(target) < width:
        col = int(target)
    else:
        raise DataError(
            f"{path}:1: no column {target!r}"
            + (
                f"; the columns are {', '.join(header)}"
                if header
                else f"; give a column number 0…{width - 1}"
            )
        )
    if width - 1 > MAX_FEATURES:
        raise DataError(f"{path}: {width} columns; at most {MAX_FEATURES + 1:,}")
    values = array.array("d")
    labels: list[str] = []
    body = rows if header is not None else itertools.chain([first], rows)
    for line, cells in body:
        if len(labels) >= MAX_SAMPLES or len(values) + width > MAX_VALUES:
            raise DataError(
                f"{path}:{line}: more than {min(MAX_SAMPLES, MAX_VALUES // max(width - 1, 1)):,} "
                f"rows of {width} columns; at most {MAX_SAMPLES:,} samples and "
                f"{MAX_VALUES:,} values"
            )
        if len(cells) != width:
            raise DataError(f"{path}:{line}: {len(cells)} columns; the first line has {width}")
        for c, cell in enumerate(cells):
            if c == col:
                labels.append(cell)
                continue
            try:
                values.append(float(cell))
            except ValueError:
                name = header[c] if header else f"column {c}"
                raise DataError(
                    f"{path}:{line}: {name} is {cell.strip()!r}, not a number"
                ) from None
    X = np.frombuffer(values, dtype=np.float64).reshape(len(labels), width - 1).copy()
    X = _bounded(X, str(path))
    y, classes = _classes(labels, f"{path}: column {header[col] if header else col}")
    return Table(X, y, classes, str(path))


def read(path: str | Path, target: str | None = None) -> Table:
    """The table in an .npz or .csv file (by its suffix)."""
    p = Path(path)
    if p.suffix.lower() == ".npz":
        return read_npz(p, target)
    if p.suffix.lower() == ".csv":
        return read_csv(p, target)
    raise DataError(f"{p}: give an .npz (arrays X and y) or a .csv file")
