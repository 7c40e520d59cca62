"""What `pip install .` gives a user: every module of the package, and commands that work from a
directory that is not the repository (the tests themselves import the package from the source
tree, so only an installed copy can show a module missing from the wheel)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_module_and_the_installed_commands_run(tmp_path: Path) -> None:
    # build from a clean copy of the project's own files: a build/ left in the work tree by an
    # earlier build would otherwise hide a module that the package configuration leaves out
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            "build", ".venv", "node_modules", ".git", "*.egg-info", "__pycache__", ".hypothesis"
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=tmp_path,
    )
    wheel = next(wheels.glob("derivator-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "derivator").rglob("*.py")}
    assert sources <= names, f"missing from the wheel: {sorted(sources - names)}"
    assert "derivator/publish/templates/article.html.j2" in names, (
        "templates missing from the wheel (package-data)"
    )
    assert "derivator/py.typed" in names, "py.typed missing: type checkers would ignore our hints"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "no LICENSE in the wheel"
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    doc = (
        "$$\\frac{\\partial L_i}{\\partial a_{ik}^{(L-1)}} = "
        "(a_{ij}^{(L)} - y_{ij}) \\sigma'(z_{ij}^{(L)}) w_{jk}^{(L)}$$\n"
    )
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "check", "-"],
        input=doc,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert r.returncode == 1 and "refuted" in r.stdout and "a sum over j is missing" in r.stdout, (
        r.stderr
    )
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "formulas", "--layer", "L", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert r.returncode == 0 and '"verdict": "proved"' in r.stdout, r.stderr
    # the installed copy finds its own templates
    code = (
        "import sys; from pathlib import Path; import derivator.publish.article as A; "
        "assert 'site' in A.__file__, A.__file__; "
        "A.generate(A.Options(network='single', layers='L-1'), ['zh'], ['html'], Path('out'))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tmp_path, timeout=120)
    assert "<!DOCTYPE html>" in (tmp_path / "out" / "backprop-calculus.zh.html").read_text(
        encoding="utf-8"
    )
