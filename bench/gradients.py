"""Generated NumPy gradients vs hand-written NumPy backprop vs PyTorch autograd, side by side.

    python bench/gradients.py [--threads 1] [--repeats 60] [--kind tanh/cross-entropy] [--case 4]

One process; the three implementations are timed interleaved (their order runs through every
permutation, so that drifts of the machine, and whatever one leaves behind for the next, hit all
three alike) with the BLAS and torch thread counts fixed before
NumPy is imported.  Each timed sample runs a block of calls long enough (≥ 2 ms, _calibrate) for the timer;
the table shows the median time per call and the ratios generated/hand and generated/torch, each
the median over rounds of the ratio within a round (neighbours in time share the machine's load).

The hand-written backprop below was written for this benchmark the way a careful person writes it:
a loop over the layers, the mean's 1/n multiplied in once, σ′ from what the forward pass kept, and
a sigmoid as accurate as the generated one.  Its cross-entropy gradient is A·(Σ_j y_ij) − Y, the
gradient of the loss −Σ y ln softmax for any targets, like the generated code and PyTorch's
log_softmax (the shortcut A − Y holds only when every row of Y sums to 1).  Its gradients are
checked against the generated ones before anything is timed.  What the generated code does beyond
it (derivator/codegen/templates.py): sums over samples and rows as products with a vector of ones
(BLAS), where the hand-written code uses ``.sum(axis=…)`` as people write it; numbers as 0-d arrays
of the data's dtype, where it uses Python floats; np.errstate and a shape and dtype check on every
call, which it does without.  The cases: 4-2 b32, 64-32-10 b64, 784-128-10 b256, 784-256-256-10 b256
and 16 layers 20 wide b64, each for sigmoid/MSE, tanh/cross-entropy and relu/cross-entropy, in
float64 and float32.

On processors where OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) are set for old OpenBLAS builds, a
current NumPy runs slower kernels: unset both for this command alone to measure the real ones.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path


def _threads_from_argv(default: int = 1) -> int:
    for k, arg in enumerate(sys.argv):
        if arg == "--threads" and k + 1 < len(sys.argv):
            return int(sys.argv[k + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return default


THREADS = _threads_from_argv()
for var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[var] = str(THREADS)  # before NumPy is imported: fixes the BLAS pool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from derivator.codegen import init_params, numpy_gradients  # noqa: E402
from derivator.engine import Network  # noqa: E402

#: (widths, batch) of every case; "16×20 layers" is 16 layers of weights, every layer 20 wide
CASES = [
    ((4, 2), 32),
    ((64, 32, 10), 64),
    ((784, 128, 10), 256),
    ((784, 256, 256, 10), 256),
    ((20,) * 17, 64),
]
#: (activation, loss) of every case
KINDS = [("sigmoid", "mse"), ("tanh", "cross-entropy"), ("relu", "cross-entropy")]


# ---------------------------------------------------------------------------------------------
# the hand-written backprop


def hand_gradients(activation: str, loss: str):  # type: ignore[no-untyped-def]
    """Backprop as a careful person writes it by hand: one loop over the layers, the mean's 1/n
    multiplied in once (into the output layer's error), σ′ from what the forward pass kept, and a
    sigmoid as accurate as the generated one (E = e^(−z) clipped, a = 1/(1+E), σ′ = E·a², which
    keeps every digit where a(1−a) loses them)."""

    def grad(params, X, Y):  # type: ignore[no-untyped-def]
        n = X.shape[0]
        lim = 88.0 if X.dtype == np.float32 else 709.0
        As, keep = [X], [None]
        last = len(params) - 1
        for p, (W, b) in enumerate(params):
            Z = As[-1] @ W.T + b
            if loss == "cross-entropy" and p == last:
                E = np.exp(Z - Z.max(axis=1, keepdims=True))
                A = E / E.sum(axis=1, keepdims=True)
            elif activation == "sigmoid":
                E = np.exp(np.minimum(-Z, lim))
                A = 1 / (1 + E)
                keep.append(E)
            elif activation == "tanh":
                A = np.tanh(Z)
            else:
                A = np.maximum(Z, 0)
                keep.append(Z)
            As.append(A)

        def prime(p):  # type: ignore[no-untyped-def]
            A = As[p]
            if activation == "sigmoid":
                return keep[p] * A * A
            if activation == "tanh":
                return 1 - A * A
            return keep[p] > 0

        if (
            loss == "cross-entropy"
        ):  # the loss's gradient for any targets (A − Y needs rows of Y summing to 1)
            D = (As[-1] * Y.sum(axis=1, keepdims=True) - Y) / n
        else:
            D = (As[-1] - Y) * prime(last + 1) / n
        grads = [None] * len(params)
        for p in range(last, -1, -1):
            grads[p] = (D.T @ As[p], D.sum(axis=0))
            if p:
                D = (D @ params[p][0]) * prime(p)
        return grads

    return grad


# ---------------------------------------------------------------------------------------------
# PyTorch


def torch_gradients(torch, activation: str, loss: str):  # type: ignore[no-untyped-def]
    sigma = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "softplus": torch.nn.functional.softplus,
        "identity": lambda z: z,
    }[activation]

    def grad(params, X, Y):  # type: ignore[no-untyped-def]
        for W, b in params:
            W.grad = None
            b.grad = None
        A = X
        last = len(params) - 1
        for p, (W, b) in enumerate(params):
            Z = A @ W.T + b
            if loss == "cross-entropy" and p == last:
                L = -(Y * torch.log_softmax(Z, dim=1)).sum() / X.shape[0]
            else:
                A = sigma(Z)
        if loss == "mse":
            L = ((A - Y) ** 2).sum() / (2 * X.shape[0])
        L.backward()
        return [(W.grad, b.grad) for W, b in params]

    return grad


# ---------------------------------------------------------------------------------------------
# timing


def _block(f, args, k: int) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    for _ in range(k):
        f(*args)
    return (time.perf_counter() - t0) / k


def _calibrate(fs, argss, target: float = 0.002) -> int:  # type: ignore[no-untyped-def]
    one = max(_block(f, a, 3) for f, a in zip(fs, argss))
    return max(1, int(target / max(one, 1e-7)))


def run_case(
    widths: tuple[int, ...],
    batch: int,
    dtype: type,
    activation: str,
    loss: str,
    repeats: int,
    torch,
) -> dict[str, float]:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    net = Network(widths=widths, activation=activation, loss=loss)
    gen = numpy_gradients(
        net, dtype=dtype, proof_mode="none"
    ).gradients  # the generated function itself
    params = init_params(widths, seed=0, dtype=dtype)
    X = rng.normal(size=(batch, widths[0])).astype(dtype)
    if loss == "cross-entropy":
        Y = np.eye(widths[-1], dtype=dtype)[rng.integers(0, widths[-1], size=batch)]
    else:
        Y = rng.random(size=(batch, widths[-1])).astype(dtype)
    hand = hand_gradients(activation, loss)
    fs = [gen, hand]
    argss = [(params, X, Y), (params, X, Y)]
    tol = 1e-10 if dtype is np.float64 else 1e-4
    for (a, b), (c, d) in zip(gen(params, X, Y), hand(params, X, Y)):
        assert a.dtype == dtype and np.allclose(a, c, rtol=tol, atol=tol * np.abs(c).max()), (
            "hand != generated"
        )
        assert np.allclose(b, d, rtol=tol, atol=tol * max(np.abs(d).max(), 1e-30)), (
            "hand != generated"
        )
    if torch is not None:
        tdt = torch.float64 if dtype is np.float64 else torch.float32
        tparams = [
            (
                torch.tensor(W, dtype=tdt, requires_grad=True),
                torch.tensor(b, dtype=tdt, requires_grad=True),
            )
            for W, b in params
        ]
        fs.append(torch_gradients(torch, activation, loss))
        argss.append((tparams, torch.tensor(X, dtype=tdt), torch.tensor(Y, dtype=tdt)))
        for (a, b), (c, d) in zip(gen(params, X, Y), fs[2](*argss[2])):
            assert np.allclose(a, c.numpy(), rtol=tol, atol=tol * np.abs(a).max()), (
                "torch != generated"
            )
            assert np.allclose(b, d.numpy(), rtol=tol, atol=tol * max(np.abs(b).max(), 1e-30)), (
                "torch != generated (biases)"
            )
    k = _calibrate(fs, argss)
    samples: list[list[float]] = [[] for _ in fs]
    orders = list(
        itertools.permutations(range(len(fs)))
    )  # each implementation follows each other equally often
    for r in range(repeats):
        for j in orders[r % len(orders)]:
            samples[j].append(_block(fs[j], argss[j], k))
    med = [float(np.median(s)) for s in samples]
    out = {
        "generated": med[0],
        "hand": med[1],
        "gen/hand": float(np.median(np.array(samples[0]) / np.array(samples[1]))),
    }
    if torch is not None:
        out["torch"] = med[2]
        out["gen/torch"] = float(np.median(np.array(samples[0]) / np.array(samples[2])))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--threads", type=int, default=1, help="BLAS and torch threads (fixed before import)"
    )
    ap.add_argument(
        "--repeats", type=int, default=60, help="timed rounds per case (median reported)"
    )
    ap.add_argument(
        "--kind",
        action="append",
        help="activation/loss, e.g. tanh/cross-entropy (default: "
        + ", ".join(f"{a}/{k}" for a, k in KINDS)
        + ")",
    )
    ap.add_argument("--case", type=int, action="append", help="index into CASES (default: all)")
    args = ap.parse_args()
    try:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(limits=args.threads)
    except ImportError:
        limiter = None
    try:
        import torch

        torch.set_num_threads(args.threads)
        tver = torch.__version__
    except ImportError:
        torch, tver = None, "not installed"
    kinds = [tuple(k.split("/", 1)) for k in args.kind] if args.kind else KINDS
    cases = [CASES[i] for i in args.case] if args.case else CASES
    print(
        f"numpy {np.__version__}, torch {tver}, threads {args.threads}, median of {args.repeats} interleaved rounds"
    )
    head = (
        f"{'σ / loss':<22} {'network':<17} {'batch':>5} {'dtype':<8} {'generated':>11} {'hand':>11} {'torch':>11} "
        f"{'gen/hand':>9} {'gen/torch':>9}"
    )
    print(head)
    print("-" * len(head))
    worst = {"gen/hand": 0.0, "gen/torch": 0.0}
    for activation, loss in kinds:
        for widths, batch in cases:
            for dtype in (np.float64, np.float32):
                r = run_case(widths, batch, dtype, activation, loss, args.repeats, torch)
                t = r.get("torch")
                name = (
                    f"{widths[0]}-{'-'.join(['20'] * 16)}"
                    if len(widths) > 6
                    else "-".join(map(str, widths))
                )
                name = "16×20 layers" if len(widths) > 6 else name
                print(
                    f"{activation + ' / ' + loss:<22} {name:<17} {batch:>5} {np.dtype(dtype).name:<8} "
                    f"{r['generated'] * 1e6:>9.1f}µs {r['hand'] * 1e6:>9.1f}µs "
                    + (f"{t * 1e6:>9.1f}µs" if t else f"{'—':>11}")
                    + f" {r['gen/hand']:>9.3f}"
                    + (f" {r['gen/torch']:>9.3f}" if t else f" {'—':>9}"),
                    flush=True,
                )
                worst = {k: max(v, r.get(k, 0.0)) for k, v in worst.items()}
    print(f"worst gen/hand {worst['gen/hand']:.3f}, worst gen/torch {worst['gen/torch']:.3f}")
    del limiter
    return 0


if __name__ == "__main__":
    sys.exit(main())
