"""``derivator …`` run in the test's own process, as the console entry point runs it
(``derivator.cli.run``): the same arguments, working folder, environment, standard streams
and exit status as a new process, without the second or two of a new interpreter's imports and
with the proof caches of the process warm.  For tests of what the command does (options,
configuration, discovery, formats, exit codes); a test about the process itself (signals, start-up,
the cache read by another process, hooks run by other tools) starts a real one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner


def derivator(
    *args: str,
    cwd: Path,
    stdin: str | bytes | None = None,
    env: Mapping[str, str | None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``derivator *args`` in ``cwd``; ``env`` changes variables (None removes one) for the run."""
    from derivator.cli import run

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    argv, here = sys.argv, os.getcwd()
    code: int = 0
    with CliRunner().isolation(input=stdin, env=env) as (out, err, _):
        try:
            os.chdir(cwd)
            sys.argv = ["derivator", *args]
            run()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            sys.argv = argv
            os.chdir(here)
            for s, h in handlers.items():
                signal.signal(s, h)
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = out.getvalue(), err.getvalue()
    return subprocess.CompletedProcess(
        ["derivator", *args], code, stdout.decode("utf-8"), stderr.decode("utf-8")
    )
