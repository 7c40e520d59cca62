"""Option text cannot inject code into a generated module.

Before, ``derivator codegen -o $'g\"\"\"\\nimport numpy as np\\nnp.savez(...)\\n\"\"\"x.py'`` wrote a
module whose docstring the path closed, so that importing the module ran the code in the path, and
``validate()`` let it through.  Now the path enters the module only as escaped text in its
docstring, and ``validate()`` refuses any top-level statement but the docstring, imports,
definitions and constants, and any assignment to an imported module's attribute.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derivator.cli.app import app
from derivator.codegen import numpy_code
from derivator.engine import Network


def test_an_output_path_cannot_add_code_to_the_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pwned = tmp_path / "pwned.npz"
    name = f'g"""\nimport numpy as np\nnp.savez({str(pwned)!r}, a=np.zeros(1))\n"""x.py'
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["codegen", "--widths", "2,3,1", "--proof", "none", "-o", name]
    )
    assert result.exit_code == 0, result.output
    module = tmp_path / name
    source = module.read_text(encoding="utf-8")
    body = ast.parse(source).body
    assert isinstance(body[0], ast.Expr) and "np.savez" in body[0].value.value  # type: ignore[attr-defined]
    assert not any(isinstance(n, ast.Expr) for n in body[1:])  # the path is text, not a statement
    done = subprocess.run(
        [sys.executable, "-c", "import runpy, sys; runpy.run_path(sys.argv[1])", str(module)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not pwned.exists()


@pytest.mark.parametrize(
    "extra, message",
    [
        ("np.savez('x.npz', a=np.zeros(1))", "Expr statement at its top level"),
        ("for p in range(3):\n    pass", "For statement at its top level"),
        ("X = np.load('a.npz', allow_pickle=False)", "may not call np.load"),
        ("lower = 1", "upper-case constant names"),
        ("def gradients(params, X, Y):\n    np.load = None\n    return 0", "module's attribute"),
        (
            "def gradients(params, X, Y):\n    np.random.seed = 1\n    return 0",
            "module's attribute",
        ),
    ],
)
def test_validate_refuses_what_would_run_at_import(extra: str, message: str) -> None:
    source = numpy_code.module_source(Network(widths=(2, 3, 1)), "none")
    numpy_code.validate(source)  # the generated module itself passes
    with pytest.raises(numpy_code.CodegenError, match=message):
        numpy_code.validate(source + "\n" + extra + "\n")
