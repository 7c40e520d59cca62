"""The timings the tests no longer assert: how long the bounded cases take to be stopped.

The tests show that each case is bounded by the mechanism that bounds it (a limit named in the
verdict, a watchdog far beyond any real run); how quickly is a figure of the machine, measured
here with the load beside it:

* scanning 10 MB on one line (the five shapes of ``test_ten_megabytes_on_one_line…``);
* a power hidden in nested powers (``test_powers_hidden_in_nested_powers_do_not_hang``);
* SIGINT to a run whose workers are busy on slow relations, to its exit;
* a relation needing tens of gigabytes under ``--timeout 2``, to the end of the run;
* ``codegen`` at depth 64 (``test_codegen_is_linear_in_depth…``).

Usage: python bench/limits.py
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import ROOT, load, run

sys.path.insert(0, str(ROOT))

GOOD = r"$$\frac{\partial L_i}{\partial a_{ij}^{(L)}} = a_{ij}^{(L)} - y_{ij}$$"
WRONG = r"$$\frac{\partial L_i}{\partial a_{ik}^{(L-1)}} = (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)}$$"
SLOW = r"$$z_{ij}^{(L)} = (\sum_k w_{jk}^{(L)} a_{ik}^{(L-1)} + b_j^{(L)})^{64}$$"
LETTERS = "jkmtpqrsuv"


def heavy(n: int) -> str:
    tag = ["L"] + [f"L-{d}" for d in range(1, n)]
    lhs = " ".join(f"a_{{i{LETTERS[d]}}}^{{({tag[d]})}}" for d in range(n))
    rhs = " ".join(f"z_{{i{LETTERS[d]}}}^{{({tag[d]})}}" for d in range(n))
    return f"$${lhs} = {rhs}$$"


def scans() -> None:
    from derivator.document import blocks

    makers = {
        "prose": lambda n: "word " * (n // 5),
        "code spans": lambda n: "`x` $ " * (n // 6),
        "unclosed brackets": lambda n: "\\[ a " * (n // 5),
        "backslashes": lambda n: "\\" * n,
        "comment": lambda n: "<!-- " + "`" * (n // 2),
    }
    for kind in ("md", "tex"):
        for name, make in makers.items():
            text = make(10 << 20)
            t0, c0 = time.perf_counter(), time.process_time()
            blocks.scan(blocks.Source("big", text), kind)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"scan 10 MB {kind} {name:18} {wall:6.2f} s   CPU {cpu:6.2f} s")


def nested_powers() -> None:
    from derivator.document import Run, check_text

    with Run(timeout=2.0) as r:
        for formula in (r"$$x = ((x+1)^{64})^{64}$$", r"$$x = (((x+1)^{64})^{64})^{64}$$"):
            t0 = time.perf_counter()
            res = check_text("p.md", formula, r)
            print(
                f"nested powers {formula[2:-2]:32} {time.perf_counter() - t0:6.2f} s   {res[0].verdict}"
            )


def signal_to_exit(folder: Path) -> None:
    f = folder / "s.md"
    f.write_text("\n\n".join([GOOD, SLOW, SLOW.replace("= (", "= 2 (")]) + "\n", encoding="utf-8")
    p = subprocess.Popen(
        [sys.executable, "-m", "derivator", "check", "--timeout", "3600", "--jobs", "2", str(f)],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(8)  # the workers are deep in the slow relations by then
    t0 = time.perf_counter()
    p.send_signal(signal.SIGINT)
    p.wait(300)
    print(f"SIGINT to exit (workers busy)            {time.perf_counter() - t0:6.2f} s")


def heavy_relation(folder: Path) -> None:
    f = folder / "heavy.md"
    f.write_text(GOOD + "\n\n" + heavy(10) + "\n\n" + WRONG + "\n", encoding="utf-8")
    wall, cpu, r = run("check", "--timeout", "2", "--format", "json", str(f))
    verdicts = [x["verdict"] for x in json.loads(r.stdout)["results"]]
    print(f"heavy relation, --timeout 2, whole run   {wall:6.2f} s   CPU {cpu:6.2f} s   {verdicts}")


def codegen_depth(folder: Path) -> None:
    widths = ",".join(str(3 + k % 5) for k in range(65))
    wall, cpu, _ = run("codegen", "--widths", widths, "-o", str(folder / "g.py"))
    print(f"codegen depth 64                         {wall:6.2f} s   CPU {cpu:6.2f} s")


def main() -> None:
    print(load())
    scans()
    nested_powers()
    with tempfile.TemporaryDirectory() as tmp:
        signal_to_exit(Path(tmp))
        heavy_relation(Path(tmp))
        codegen_depth(Path(tmp))
    print(load())


if __name__ == "__main__":
    main()
