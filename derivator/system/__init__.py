"""What every layer needs from the operating system, done once and safely.

``files``: writing a file atomically (temporary file in the target folder, fsync, ``os.replace``)
and never through a symlink; reading only inside a folder (real paths).  ``deadline``: a time limit
on a block of Python that works in any thread.  ``child``: running work in a child process with
memory and CPU limits, for what a deadline cannot stop (one call into C that allocates gigabytes).

Why a package of its own: the engine, the readers, the writers and the command line all write files
and bound their work; each layer may import ``system``, and ``system`` imports nothing of derivator.

May import: the standard library only.
"""

from __future__ import annotations

from . import child, deadline, files
from .child import LimitError, run_bounded
from .deadline import MAX_SECONDS, Timeout, valid_seconds
from .files import OutsideError, inside, read_inside, replace_atomic, write_atomic

__all__ = [
    "MAX_SECONDS",
    "LimitError",
    "OutsideError",
    "Timeout",
    "child",
    "deadline",
    "files",
    "inside",
    "read_inside",
    "replace_atomic",
    "run_bounded",
    "valid_seconds",
    "write_atomic",
]
