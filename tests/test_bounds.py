"""Every command is bounded: in time, in memory, by what it is given.

A limit that is hit is an error that names it (exit status 1 or 2), never a run past the machine's
memory or a deadline that does not fire.  No test here measures time: each asserts that a limit
is enforced, whatever the machine's speed.
"""

from __future__ import annotations

import io
import math
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from derivator import Network, prove
from derivator.cli.app import app
from derivator.system import LimitError, Timeout, deadline, run_bounded


@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf])
def test_prove_refuses_a_timeout_that_bounds_nothing(timeout: float) -> None:
    net = Network()
    a = net.a(net.D)[net.i, 0]
    with pytest.raises(ValueError, match="above 0 and at most"):
        prove(a, a, net, timeout=timeout)


def test_a_deadline_fires_in_a_thread_other_than_the_main_one() -> None:
    caught: list[str] = []

    def work() -> None:
        try:
            with deadline.deadline(0.2):
                while True:
                    sum(range(1000))
        except Timeout:
            caught.append("timeout")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    assert caught == ["timeout"] and not thread.is_alive()


def test_an_inner_deadline_leaves_the_outer_one_running() -> None:
    with pytest.raises(Timeout), deadline.deadline(0.3):
        with deadline.deadline(10):
            pass
        while True:
            sum(range(1000))


def test_prove_in_a_thread_answers() -> None:
    net = Network()
    out: list[str] = []
    a = net.a(net.D)[net.i, 0]
    thread = threading.Thread(target=lambda: out.append(str(prove(a, a, net, timeout=30))))
    thread.start()
    thread.join(120)
    assert out and out[0].startswith("proved")


def test_a_child_that_needs_too_much_memory_is_stopped() -> None:
    with pytest.raises(LimitError, match="memory limit"):
        run_bounded(lambda: len(bytearray(2 << 30)), memory_mb=512, cpu_seconds=60)
    assert run_bounded(lambda: 6 * 7) == 42


def test_render_refuses_an_infinite_timeout(tmp_path: Path) -> None:
    src = tmp_path / "post.md.j2"
    src.write_text("{{ gradient('b') }}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(src), "--timeout", "inf"])
    assert result.exit_code == 2 and "--timeout inf" in result.output, result.output


def test_nested_loops_of_a_template_stop_at_the_memory_limit(tmp_path: Path) -> None:
    src = tmp_path / "loops.md.j2"
    src.write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["render", str(src), "--memory", "300", "--cpu", "600"])
    assert result.exit_code == 1 and "memory" in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "loops.md").exists()


def test_formulas_of_a_very_deep_network_stop_at_the_timeout() -> None:
    result = CliRunner().invoke(
        app, ["formulas", "--depth", "128", "--layer", "1", "--timeout", "1"]
    )
    assert result.exit_code == 2 and "took more than 5 s" in result.output, result.output


def test_an_npz_that_unpacks_to_gigabytes_is_refused_from_its_header(tmp_path: Path) -> None:
    """The header of X says 20000 × 15000 (2.4 GB of float64): refused before anything is read
    (the file holds only the header; loading it would fail later, not here)."""
    path = tmp_path / "zeros.npz"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (20000, 15000)}
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("X.npy", header.getvalue())  # magic and header, no data
        buffer = io.BytesIO()
        np.save(buffer, np.arange(20000) % 2)
        zf.writestr("y.npy", buffer.getvalue())
    result = CliRunner().invoke(app, ["train", "--data", str(path), "-o", str(tmp_path / "c.svg")])
    assert result.exit_code == 2 and "shape (20000, 15000)" in result.output, result.output


def test_a_csv_is_read_row_by_row_with_its_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    rows = ["x1,x2,label"] + [f"{k % 7},{k % 3},{k % 2}" for k in range(50)] + ["1,oops,0"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "--data", str(path), "-o", str(tmp_path / "c.svg")])
    assert result.exit_code == 2 and "data.csv:52: x2 is 'oops'" in result.output, result.output


def test_load_params_of_a_generated_module_refuses_an_array_larger_than_its_widths(
    tmp_path: Path,
) -> None:
    """A small .npz may unpack to gigabytes: the generated ``load_params`` reads each array's
    unpacked size from the archive before it loads it."""
    from derivator.codegen import numpy_code

    namespace: dict[str, object] = {}
    exec(numpy_code.module_source(Network(widths=(2, 3, 1)), "none"), namespace)  # our own code
    path = tmp_path / "w.npz"
    np.savez_compressed(
        path, W1=np.zeros((3, 200_000)), B1=np.zeros(3), W2=np.zeros((1, 3)), B2=np.zeros(1)
    )
    with pytest.raises(ValueError, match="W1 unpacks to 4,800,128 bytes"):
        namespace["load_params"](str(path))  # type: ignore[operator]
    np.savez(path, W1=np.zeros((3, 2)), B1=np.zeros(3), W2=np.zeros((1, 3)), B2=np.zeros(1))
    params = namespace["load_params"](str(path))  # type: ignore[operator]
    assert [w.shape for w, _ in params] == [(3, 2), (1, 3)]
