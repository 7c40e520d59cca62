"""Work run in a child process with memory and CPU limits.

Why: a deadline (:mod:`derivator.system.deadline`) stops Python code between two bytecodes, but not
one call into C that allocates gigabytes or runs for minutes (``'a' * 10**10``, a huge integer's
digits, nested loops of a template).  A child process with ``RLIMIT_AS`` (address space) and
``RLIMIT_CPU`` (seconds of CPU) is stopped by the kernel: the parent sees a :class:`LimitError`
saying which limit was hit, and stays well.

The child is forked, so the work is any callable of this process (no pickling of the function);
its result or its exception comes back pickled through a pipe.  Where ``fork`` does not exist the
work runs in this process, unbounded by these limits.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: the default limits: generous for any article or post, far below what hurts a machine
MEMORY_MB = 2048
CPU_SECONDS = 600


class LimitError(Exception):
    """The child ran out of its memory or CPU limit, or died without an answer."""


def _apply_limits(memory_mb: int, cpu_seconds: int) -> None:
    if memory_mb > 0:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def run_bounded(
    work: Callable[[], T], memory_mb: int = MEMORY_MB, cpu_seconds: int = CPU_SECONDS
) -> T:
    """``work()`` run in a forked child limited to ``memory_mb`` MB of address space and
    ``cpu_seconds`` of CPU; its result, or the exception it raised (re-raised here), or
    :class:`LimitError` when a limit stopped it."""
    if not hasattr(os, "fork"):
        return work()
    read, write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read)
        code = 0
        try:
            _apply_limits(memory_mb, cpu_seconds)
            try:
                answer: tuple[str, Any] = ("ok", work())
            except MemoryError:
                answer = ("memory", None)
            except BaseException as e:  # carried to the parent, which re-raises it
                answer = ("error", _portable(e))
            data = pickle.dumps(answer)
            with os.fdopen(write, "wb") as out:
                out.write(data)
        except BaseException:  # a child must never run the parent's code on
            code = 70
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if data:
        try:
            kind, value = pickle.loads(data)
        except Exception:  # a truncated answer: the child died writing it
            kind, value = "died", None
    else:
        kind, value = "died", None
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    if kind == "memory":
        raise LimitError(f"stopped at the memory limit ({memory_mb} MB; see --memory)")
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        raise LimitError(f"stopped at the CPU limit ({cpu_seconds} s; see --cpu)")
    raise LimitError(
        f"the worker stopped without an answer (status {status}); "
        f"limits {memory_mb} MB, {cpu_seconds} s CPU"
    )


def _portable(e: BaseException) -> BaseException:
    """``e`` if it pickles (and unpickles), else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(e))
        return e
    except Exception:  # any exception type may refuse pickling
        text = "".join(traceback.format_exception_only(type(e), e)).strip()
        return RuntimeError(text)
