"""Every file derivator writes is written atomically and never through a symlink.

Before: ``render``, ``article``, ``codegen`` and ``train --save`` opened their target and wrote in
place, so a symlink planted at the target overwrote the file it pointed to, and a full disk left a
truncated file where a valid one had been.  Now each writes a temporary file in the target folder,
fsyncs it and renames it over the target (``derivator.system.files``).

The full disk is simulated with ``RLIMIT_FSIZE`` in a child process: a write past the limit fails
with EFBIG, as one past the end of a full disk fails with ENOSPC.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derivator.cli.app import app
from derivator.system import files

POST = "# A post\n\n{{ gradient('b', layer='L') }}\n"


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    return victim


def _refused(result_output: str, exit_code: int, victim: Path) -> None:
    assert exit_code != 0 and "symlink" in result_output, result_output
    assert "Traceback" not in result_output
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_render_does_not_write_through_a_symlink(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    src = tmp_path / "post.md.j2"
    src.write_text(POST, encoding="utf-8")
    (tmp_path / "post.md").symlink_to(victim)
    result = CliRunner().invoke(app, ["render", str(src)])
    _refused(result.output, result.exit_code, victim)


def test_codegen_does_not_write_through_a_symlink(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    (tmp_path / "g.py").symlink_to(victim)
    args = ["codegen", "--widths", "2,3,1", "--proof", "none", "-o", str(tmp_path / "g.py")]
    result = CliRunner().invoke(app, args)
    _refused(result.output, result.exit_code, victim)


def test_train_save_does_not_write_through_a_symlink(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    (tmp_path / "w.npz").symlink_to(victim)
    args = ["train", "--dataset", "xor", "--epochs", "2", "--save", str(tmp_path / "w.npz")]
    result = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "curve.svg")])
    _refused(result.output, result.exit_code, victim)


def test_article_does_not_write_through_a_symlink(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "backprop-calculus.en.md").symlink_to(victim)
    args = ["article", "--lang", "en", "--format", "md", "--network", "single", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    _refused(result.output, result.exit_code, victim)


def test_a_full_disk_keeps_the_old_file(tmp_path: Path) -> None:
    src = tmp_path / "post.md.j2"
    src.write_text(POST + ("Long prose. " * 2000) + "\n", encoding="utf-8")
    target = tmp_path / "post.md"
    target.write_text("the old, valid post\n", encoding="utf-8")

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(
        [sys.executable, "-m", "derivator", "render", str(src)],
        capture_output=True,
        text=True,
        preexec_fn=small_disk,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=600,
    )
    assert done.returncode != 0 and "cannot write" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_text(encoding="utf-8") == "the old, valid post\n"
    # no temporary file is left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post.md", "post.md.j2"]


def test_write_atomic_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    files.write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("name", ["../out.txt", "sub/../../out.txt", "/etc/passwd"])
def test_inside_refuses_a_path_that_leaves_the_folder(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    with pytest.raises(files.OutsideError):
        files.inside(folder, name)
    (folder / "link").symlink_to(tmp_path)
    with pytest.raises(files.OutsideError):
        files.inside(folder, "link/x")
    assert files.inside(folder, "sub/x") == (folder / "sub" / "x").resolve()
