"""A time limit on a block of Python, in the main thread and in any other.

In the main thread the limit is SIGALRM (an interval timer): the handler raises :class:`Timeout`
in the running code.  Signals reach the main thread only, so elsewhere (a notebook's worker thread,
a web server's request thread) a watchdog thread raises :class:`Timeout` in the bounded thread
with ``PyThreadState_SetAsyncExc``.  Before, a proof in a thread ran unbounded.

Both repeat every 50 ms after the deadline: Python may run the handler inside code that swallows
exceptions (a garbage-collector callback), and one lost Timeout must not let the work run on.
Neither interrupts one long call into C (an exponentiation of huge integers): for that, run the work
in a child with limits (:mod:`derivator.system.child`).
"""

from __future__ import annotations

import ctypes
import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: the longest time limit anything accepts (a day): beyond it a limit bounds nothing
MAX_SECONDS = 86400.0

#: how often the limit fires again once passed
_REPEAT = 0.05


class Timeout(Exception):
    """The block ran past its deadline."""


def valid_seconds(seconds: object, what: str = "timeout") -> float:
    """``seconds`` as a float, or ValueError unless it is a finite number above 0 and at most
    :data:`MAX_SECONDS` (0, ``inf`` and ``nan`` bound nothing: refused, not taken as "no limit")."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError(f"{what} {seconds!r}: give a number of seconds")
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_SECONDS):
        raise ValueError(
            f"{what} {seconds:g}: give a number of seconds above 0 and at most {MAX_SECONDS:g}"
        )
    return float(seconds)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`Timeout` inside the block after ``seconds`` (validated by
    :func:`valid_seconds`)."""
    seconds = valid_seconds(seconds)
    if threading.current_thread() is threading.main_thread():
        with _alarm(seconds):
            yield
    else:
        with _watchdog(seconds):
            yield


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """SIGALRM after ``seconds``; inside an outer deadline, never later than the outer one, whose
    timer runs on (re-armed with what is left of it) after the block."""

    def fire(signum: int, frame: object) -> None:
        raise Timeout()

    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    start = time.monotonic()
    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer > 0 else seconds, _REPEAT)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer > 0:  # the outer deadline goes on; past already, it fires at once
            left = outer - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), _REPEAT)


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    target = ctypes.c_ulong(threading.get_ident())
    done = threading.Event()
    lock = threading.Lock()  # the block's end and an injection never interleave

    def watch() -> None:
        if done.wait(seconds):
            return
        while True:
            with lock:
                if done.is_set():
                    return
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(Timeout))
            if done.wait(_REPEAT):
                return

    watcher = threading.Thread(target=watch, name="derivator-deadline", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        while True:  # a Timeout may arrive while the block ends: end it again
            try:
                with lock:
                    done.set()
                    # an exception set but not yet raised must not escape after the block
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)
                break
            except Timeout:
                continue
        watcher.join()
