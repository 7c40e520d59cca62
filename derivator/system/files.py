"""Files written atomically and never through a symlink; files read only inside a folder.

Why: a writer that opens its target and writes in place leaves a truncated file when the disk is
full or the process is killed half-way, and follows a symlink planted at the target (overwriting
whatever it points to).  :func:`write_atomic` writes a temporary file in the target's own folder
(so that ``os.replace`` is a rename on one file system), flushes it to the disk, and renames it over
the target: a reader sees the old file or the new one, never half of one.  A symlink at the target
is refused, not followed.

A reader that opens ``folder / name`` follows symlinks and ``..`` out of the folder;
:func:`inside` / :func:`read_inside` compare real paths, so a name that leaves the folder is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path


class OutsideError(OSError):
    """A path that leaves the folder it must stay in, or a symlink where a file is written."""


def _refuse_symlink(target: Path) -> None:
    if target.is_symlink():
        raise OutsideError(
            errno.ELOOP, "a symlink; not written through (remove it first)", str(target)
        )


def replace_atomic(target: Path | str, data: bytes, durable: bool = True) -> Path:
    """Write ``data`` to ``target`` atomically: a temporary file next to it, fsync, ``os.replace``.

    A symlink at ``target`` is refused (:class:`OutsideError`); on any error (a full disk) the old
    file stays as it was and the temporary file is removed.  ``durable=False`` skips the fsync, for
    files that may be lost in a crash but must never be read half-written (a cache entry)."""
    target = Path(target)
    _refuse_symlink(target)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        try:
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
            os.chmod(tmp, mode)
        except OSError:
            pass
        _refuse_symlink(target)  # planted between the first check and now
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def write_atomic(
    target: Path | str, text: str, encoding: str = "utf-8", durable: bool = True
) -> Path:
    """:func:`replace_atomic` of ``text`` encoded (``Path.write_text`` without its hazards); line
    ends are written as given (``\n``), never translated."""
    return replace_atomic(target, text.encode(encoding), durable)


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it, racing other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def inside(folder: Path | str, path: Path | str) -> Path:
    """The real path of ``path`` (relative paths are taken from ``folder``), refused with
    :class:`OutsideError` unless it lies inside the real path of ``folder``: a symlink or ``..``
    that leads out is caught because both sides are resolved."""
    root = Path(folder).resolve()
    real = (root / path).resolve()
    if real != root and root not in real.parents:
        raise OutsideError(errno.EACCES, f"outside {folder}", str(path))
    return real


def read_inside(folder: Path | str, path: Path | str) -> bytes:
    """The bytes of ``path``, which must lie inside ``folder`` (see :func:`inside`)."""
    return inside(folder, path).read_bytes()
