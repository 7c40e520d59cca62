"""How the cost of deriving backpropagation grows with depth.

Two routes, timed in this one run:

* derivator: ``derive.gradients(net)`` (every gradient of every layer in δ-form) with the process
  caches cleared first, so the rule derivation by ``sympy.diff`` on the generic fragment is
  included.  Target: linear in depth, t(64)/t(8) ≤ 10.
* baseline: element-wise ``sympy.diff`` of the fully expanded loss of a concrete network (every
  width 2, explicit scalar symbols, the same unevaluated σ as derivator uses), with respect to
  every weight, for depth 1, 2, 3, … until one depth takes longer than ``--limit`` seconds.  Each
  depth runs in a subprocess with a timeout, so it cannot hang.

Run from the repository root:  python bench/derive_depth.py  [--limit 20] [--activation sigmoid]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    import derivator  # noqa: F401
except ImportError:
    sys.path.insert(0, ROOT)

import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from derivator.engine import (  # noqa: E402
    Network,
    activations,
    derive,
)

DEPTHS = (2, 4, 8, 16, 32, 64)


def clear_caches() -> None:
    """Forget every derived rule and truth, and SymPy's own expression cache."""
    derive.rules.cache_clear()
    derive._truth_cached.cache_clear()
    clear_cache()


def time_gradients(net: Network, repeat: int = 3, cold: bool = True) -> tuple[float, int]:
    """Best of ``repeat`` wall times of ``derive.gradients(net)`` (from cold caches if ``cold``)."""
    best, count = float("inf"), 0
    for _ in range(repeat):
        if cold:
            clear_caches()
        t = time.perf_counter()
        out = derive.gradients(net)
        best, count = min(best, time.perf_counter() - t), len(out)
    return best, count


def time_closed(net: Network, p: int, cold: bool) -> float:
    if cold:
        clear_caches()
    t = time.perf_counter()
    derive.gradient(net, "w", p, closed=True)
    return time.perf_counter() - t


# ---------------------------------------------------------------------------------------------
# the baseline (runs in a child process)


def baseline(depth: int, width: int, samples: int, activation: str) -> dict[str, float]:
    sigma = activations.get(activation).sigma
    t0 = time.perf_counter()
    a = [[sp.Symbol(f"x_{s}_{u}") for u in range(width)] for s in range(samples)]
    weights = []
    for p in range(1, depth + 1):
        W = [[sp.Symbol(f"w{p}_{x}_{u}") for u in range(width)] for x in range(width)]
        B = [sp.Symbol(f"b{p}_{x}") for x in range(width)]
        weights += [w for row in W for w in row]
        a = [
            [sigma(sp.Add(*[W[x][u] * a[s][u] for u in range(width)]) + B[x]) for x in range(width)]
            for s in range(samples)
        ]
    y = [[sp.Symbol(f"y_{s}_{x}") for x in range(width)] for s in range(samples)]
    L = (
        sp.Add(*[(a[s][x] - y[s][x]) ** 2 / 2 for s in range(samples) for x in range(width)])
        / samples
    )
    t1 = time.perf_counter()
    for w in weights:
        sp.diff(L, w)
    t2 = time.perf_counter()
    return {"build": t1 - t0, "diff": t2 - t1, "weights": len(weights)}


def run_baseline(depth: int, args: argparse.Namespace) -> dict[str, float] | None:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        str(depth),
        "--activation",
        args.activation,
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        raise RuntimeError(f"baseline depth {depth} failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--activation", default="sigmoid")
    ap.add_argument("--loss", default="mse")
    ap.add_argument(
        "--limit",
        type=float,
        default=20.0,
        help="stop the baseline after a depth slower than this (s)",
    )
    ap.add_argument(
        "--timeout", type=float, default=60.0, help="hard timeout of one baseline depth (s)"
    )
    ap.add_argument("--max-baseline-depth", type=int, default=12)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child is not None:
        print(json.dumps(baseline(args.child, 2, 1, args.activation)))
        return

    print(
        f"derivator: derive.gradients(net), {args.activation} / {args.loss}, caches cleared before each depth "
        "(best of 3)"
    )
    print(
        f"{'depth':>5} | {'widths 3, n=2 (s)':>18} | {'symbolic sizes (s)':>18} | {'gradients':>9} | {'ms/layer':>8}"
    )
    print("-" * 72)
    # warm up (imports, first-call overheads of SymPy), then measure each depth from cold caches
    time_gradients(Network(depth=2, activation=args.activation, loss=args.loss))
    conc: dict[int, float] = {}
    symb: dict[int, float] = {}
    for D in DEPTHS:
        net_c = Network(
            widths=(3,) * (D + 1), samples=2, activation=args.activation, loss=args.loss
        )
        net_s = Network(depth=D, activation=args.activation, loss=args.loss)
        conc[D], count = time_gradients(net_c)
        symb[D], _ = time_gradients(net_s)
        print(
            f"{D:>5} | {conc[D]:>18.3f} | {symb[D]:>18.3f} | {count:>9} | {1000 * conc[D] / D:>8.1f}"
        )
    # the rule derivation is a constant; what depends on depth is applying the rules
    net64 = Network(widths=(3,) * 65, samples=2, activation=args.activation, loss=args.loss)
    net8 = Network(widths=(3,) * 9, samples=2, activation=args.activation, loss=args.loss)
    derive.gradients(net8)
    warm8, _ = time_gradients(net8, cold=False)
    warm64, _ = time_gradients(net64, cold=False)
    print()
    print(
        f"ratio t(64)/t(8), cold caches:  widths 3: {conc[64] / conc[8]:.2f}   symbolic: {symb[64] / symb[8]:.2f}"
        "   (target ≤ 10: linear)"
    )
    print(
        f"ratio t(64)/t(8), rules cached: widths 3: {warm64 / warm8:.2f}"
        f"   ({1000 * warm8:.1f} ms vs {1000 * warm64:.1f} ms; depth ratio 8)"
    )

    net16 = Network(widths=(3,) * 17, samples=2, activation=args.activation, loss=args.loss)
    net16s = Network(depth=16, activation=args.activation, loss=args.loss)
    cold = time_closed(net16, 1, cold=True)
    warm = time_closed(net16, 1, cold=False)
    cold_s = time_closed(net16s, 1, cold=True)
    print(
        f"closed form derive.gradient(net, 'w', 1, closed=True) at depth 16 (layer 1, farthest from the output):"
        f"\n    widths 3: {cold:.3f} s cold, {warm:.3f} s warm;  symbolic sizes: {cold_s:.3f} s cold"
    )

    print()
    print(
        f"baseline: element-wise sympy.diff of the expanded loss (every width 2, 1 sample, "
        f"{args.activation}), w.r.t. every weight; subprocess, timeout {args.timeout:.0f} s"
    )
    print(
        f"{'depth':>5} | {'weights':>7} | {'build (s)':>9} | {'diff (s)':>9} | {'× per layer':>11}"
    )
    print("-" * 55)
    base: dict[int, float] = {}
    for D in range(1, args.max_baseline_depth + 1):
        r = run_baseline(D, args)
        if r is None:
            print(
                f"{D:>5} | {'':>7} | {'':>9} | {'> ' + format(args.timeout, '.0f'):>9} | {'(timeout)':>11}"
            )
            break
        base[D] = r["diff"]
        growth = f"{base[D] / base[D - 1]:.2f}" if D - 1 in base and base[D - 1] > 0 else ""
        print(
            f"{D:>5} | {int(r['weights']):>7} | {r['build']:>9.3f} | {r['diff']:>9.3f} | {growth:>11}"
        )
        if r["diff"] > args.limit:
            break
    ds = sorted(base)
    if len(ds) >= 3:
        # growth per layer from the last depths (the first ones are dominated by overheads)
        a, b = ds[-3], ds[-1]
        g = (base[b] / base[a]) ** (1 / (b - a))
        print(f"baseline growth per layer (depth {a} → {b}, geometric mean): × {g:.2f}")
        per_weight = {d: base[d] / (4 * d) for d in ds}
        pw = (per_weight[b] / per_weight[a]) ** (1 / (b - a))
        print(f"baseline growth per layer of the time per weight: × {pw:.2f}")
    if ds:
        d = ds[-1]
        net = Network(widths=(2,) * (d + 1), samples=1, activation=args.activation, loss=args.loss)
        t_d, _ = time_gradients(net)
        print(
            f"at depth {d}, widths 2, 1 sample: baseline {base[d]:.2f} s (∂L/∂w only) vs derivator "
            f"{t_d:.3f} s (every gradient, cold caches)"
        )


if __name__ == "__main__":
    main()
