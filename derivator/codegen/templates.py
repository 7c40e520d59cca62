"""The parts of a generated module that are fixed text, the same for every network.

Everything here is written by hand, on purpose, and the module's header says so: the array checks
(shape, dtype, an empty batch), ``init_params``, saving and loading weights, and, per activation,
the statements that compute σ(Z) and multiply by σ′(Z) in place.  What varies with the network
(which rules, in which order, with which matrices) is printed from the proved rules in
``numpy_code``.  Keeping the fixed text apart makes that line easy to draw and to check.

Numerics of the per-activation statements (float64 and float32, every input finite or not):

* sigmoid: E = e^(−z) with −z clipped at ``lim`` (709 in float64, 88 in float32, so e^(−z) never
  overflows); a = 1/(1 + E) and σ′(z) = σ(z)σ(−z) = E·a², both to a few ulps at every z, where the
  textbook a(1 − a) has relative error 1 once z ≳ 37 (1 − a rounds to 0).
* tanh: σ′(z) = 1/cosh²(z), one in-place division, to a few ulps at every z (1 − a² has relative
  error 1 once |z| ≳ 19); cosh² overflows to inf above |z| ≈ 355, and D/inf = 0 is the right value
  (the overflow is silent: see below).
* softplus: σ′(z) = 1/(1 + e^(−z)); e^(−z) = inf for z < −709 gives 0, the right value.
* relu: σ′(z) = [z > 0]; identity: σ′ = 1 (nothing to multiply).

Every public function runs under ``np.errstate(all="ignore")`` (as a decorator: cheaper per call than
a ``with`` block): like PyTorch, the module does not warn; an inf or NaN in the inputs propagates to
the outputs it reaches and nowhere else.

Speed (what a call of a small network costs is mostly NumPy's fixed cost per operation, about
0.25 µs): a number in an operation is a 0-d array of the data's dtype (``one``, ``zero``, ``lim``,
from the module's per-dtype tables), which NumPy combines with an array ~0.2 µs faster than a
Python float and which keeps float32 float32; sums over samples (∇B = 𝟏ᵀG) and over a row (Y𝟏, the
softmax's denominator) are products with a vector of ones, which BLAS computes about 2–4× faster
than ``.sum(axis=…)`` at every shape of bench/gradients.py (32 × 2 to 256 × 256, float64 and
float32); the softmax's row maximum of a narrow output layer is taken from a column-major copy
(NumPy reduces a C-ordered array's short rows with one inner loop per row).
"""

from __future__ import annotations

#: σ(Z^(p)) per activation, as statements ({p}: the layer number); every array they create is new
SIGMA_STATEMENTS: dict[str, tuple[str, ...]] = {
    "sigmoid": (
        "E{p} = np.negative(Z{p})",
        "np.minimum(E{p}, lim, out=E{p})",
        "np.exp(E{p}, out=E{p})",
        "A{p} = E{p} + one",
        "np.reciprocal(A{p}, out=A{p})",
    ),
    "tanh": ("A{p} = np.tanh(Z{p})",),
    "relu": ("A{p} = np.maximum(Z{p}, zero)",),
    "softplus": ("A{p} = np.logaddexp(0, Z{p})",),
    "identity": ("A{p} = Z{p}",),
}

#: the softmax of the output layer, after subtracting each row's maximum (no overflow; the row sum is ≥ 1);
#: the row sums are A𝟏 (ones_{p}: a column of n_p ones)
SOFTMAX_STATEMENTS = (
    "A{p} = Z{p} - {row_max}",
    "np.exp(A{p}, out=A{p})",
    "A{p} /= A{p} @ ones_{p}",
)
#: each row's maximum, as a column: directly for wide rows, from a column-major copy for narrow ones
ROW_MAX = "Z{p}.max(axis=1, keepdims=True)"
ROW_MAX_NARROW = "np.asfortranarray(Z{p}).max(axis=1, keepdims=True)"
#: the widest output layer whose row maximum is taken from a column-major copy (1.5–4× faster at 2–32
#: columns and 32–256 rows; 2× slower at 128 columns, where the copy costs more than it saves)
NARROW_ROWS = 32

#: D ← D ⊙ σ′(Z^(p)) in place, per activation ({D}: the array, a new one)
PRIME_STATEMENTS: dict[str, tuple[str, ...]] = {
    # a first, then E: |D·a| ≤ |D| and |D·a·E| = |D|·σ(−z) ≤ |D|, so nothing overflows
    "sigmoid": ("{D} *= A{p}", "{D} *= E{p}", "{D} *= A{p}"),
    "tanh": ("C{p} = np.cosh(Z{p})", "C{p} *= C{p}", "{D} /= C{p}"),
    "relu": ("{D} *= Z{p} > zero",),
    "softplus": ("{D} /= 1 + np.exp(-Z{p})",),
    "identity": (),
}

#: what each activation's statements read from the forward pass, and the constants they use
PRIME_NEEDS: dict[str, tuple[str, ...]] = {
    "sigmoid": ("E{p}", "A{p}"),
    "tanh": ("Z{p}",),
    "relu": ("Z{p}", "zero"),
    "softplus": ("Z{p}",),
    "identity": (),
}

#: the 0-d constants of each dtype that the statements above use, by name: their float64 and float32
#: values and what the module's table says of them
CONSTANTS: dict[str, tuple[str, str, str]] = {
    "lim": ("709.0", "88.0", "e^lim is finite in float64, float32"),
    "one": ("1.0", "1.0", ""),
    "zero": ("0.0", "0.0", ""),
}

#: ln a of the output layer, in terms of Z^(L): finite where a underflows to 0 or rounds to 1
LOG_SIGMOID = "(-np.logaddexp(0, -Z{p}))"
LOG_ONE_MINUS_SIGMOID = "(-np.logaddexp(0, Z{p}))"

#: helper functions a module may need, by name
HELPERS: dict[str, str] = {
    "_log_softmax": '''def _log_softmax(Z):
    """ln softmax of each row, without forming the softmax (finite even where it underflows)."""
    S = Z - Z.max(axis=1, keepdims=True)
    return S - np.log(np.exp(S).sum(axis=1, keepdims=True))''',
}

CHECK = '''def _check(params, X, Y=None):
    """Return quietly when every array has the shape and the dtype WIDTHS asks for (a fast test on
    every call: it stops at the first difference); otherwise _explain finds the array to blame."""
    try:
        {unpack}
        n, k = X.shape
        t = X.dtype
        if k == {inputs} and n > 0 and (Y is None or (Y.shape == (n, {outputs}) and Y.dtype is t)) and t in _FLOATS \\
                and {shapes} \\
                and t {same}:
            return
    except (TypeError, ValueError, AttributeError):
        pass
    _explain(params, X, Y)'''

EXPLAIN = '''def _explain(params, X, Y):
    """Raise a ValueError naming the first array that does not fit: a list of (W, B) pairs, arrays,
    the shapes WIDTHS asks for, at least one sample, one dtype (float32 or float64) for all."""
    if not isinstance(params, (list, tuple)) or len(params) != len(WIDTHS) - 1:
        raise ValueError(f"params: expected a list of {len(WIDTHS) - 1} (W, B) pairs, layer 1 first, "
                         f"for this {WIDTHS_TEXT} network")
    arrays = [("X", X, (None, WIDTHS[0]))]
    for p, pair in enumerate(params, 1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"params[{p - 1}]: expected a pair (W{p}, B{p})")
        arrays.append((f"W{p}", pair[0], (WIDTHS[p], WIDTHS[p - 1])))
        arrays.append((f"B{p}", pair[1], (WIDTHS[p],)))
    if Y is not None:
        arrays.append(("Y", Y, (X.shape[0] if isinstance(X, np.ndarray) and X.ndim else None, WIDTHS[-1])))
    for name, a, want in arrays:
        if not isinstance(a, np.ndarray):
            raise ValueError(f"{name} is a {type(a).__name__}: expected a numpy array")
        if a.ndim != len(want) or any(w is not None and s != w for s, w in zip(a.shape, want)):
            shown = "(" + ", ".join("n" if w is None else str(w) for w in want) + ("," if len(want) == 1 else "") + ")"
            raise ValueError(f"{name} has shape {a.shape}; this {WIDTHS_TEXT} network needs {shown}"
                             + (" (W^(p) is n_p x n_(p-1))" if name.startswith("W") else "")
                             + (" (one row per sample of X)" if name == "Y" else ""))
    if X.shape[0] == 0:
        raise ValueError("X has no rows: the loss and its gradients are means over n >= 1 samples")
    for name, a, want in arrays:
        if a.dtype not in _FLOATS:
            raise ValueError(f"{name} has dtype {a.dtype}: give float32 or float64 arrays")
        if a.dtype != X.dtype:
            raise ValueError(f"{name} is {a.dtype} but X is {X.dtype}: give every array the same dtype "
                             f"(e.g. {name}.astype(X.dtype)), so that the results keep it")'''

INIT_PARAMS = '''def init_params(seed=0, dtype=np.float64):
    """Random parameters [(W1, B1), …] for WIDTHS, deterministic in seed: W^(p) ~ N(0, 1/n_(p-1))
    (a unit-variance Z for unit-variance inputs), B^(p) = 0; shapes n_p x n_(p-1) and (n_p,)."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(0.0, 1.0 / np.sqrt(WIDTHS[p - 1]), size=(WIDTHS[p], WIDTHS[p - 1])).astype(dtype),
             np.zeros(WIDTHS[p], dtype=dtype)) for p in range(1, len(WIDTHS))]'''

SAVE_LOAD = '''def save_params(params, path):
    """Write [(W1, B1), …] to an .npz file with arrays W1, B1, W2, …"""
    _check(params, np.zeros((1, WIDTHS[0]), dtype=params[0][0].dtype))
    np.savez(path, **{f"{k}{p}": a for p, pair in enumerate(params, 1) for k, a in zip("WB", pair)})


def load_params(path):
    """Read [(W1, B1), …] from an .npz file written by save_params (or derivator train --save);
    a ValueError when it does not fit WIDTHS.  Never unpickles anything, and never unpacks an
    array larger than WIDTHS needs (a small .npz may unpack to gigabytes)."""
    with np.load(path, allow_pickle=False) as f:
        missing = [f"{k}{p}" for p in range(1, len(WIDTHS)) for k in "WB" if f"{k}{p}" not in f.files]
        if missing:
            raise ValueError(f"{path}: no array {missing[0]} (expected W1, B1, … for {len(WIDTHS) - 1} layers)")
        for p in range(1, len(WIDTHS)):
            for k, want in (("W", WIDTHS[p] * WIDTHS[p - 1]), ("B", WIDTHS[p])):
                size = f.zip.getinfo(f"{k}{p}.npy").file_size
                if size > 8 * want + 4096:
                    raise ValueError(f"{path}: {k}{p} unpacks to {size:,} bytes; {WIDTHS_TEXT} needs {8 * want:,}")
        params = [(f[f"W{p}"], f[f"B{p}"]) for p in range(1, len(WIDTHS))]
    _check(params, np.zeros((1, WIDTHS[0]), dtype=params[0][0].dtype))
    return params'''
