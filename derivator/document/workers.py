"""A supervised pool of worker processes: work that can be stopped for real.

A proof can need unbounded time or memory inside SymPy, where no Python-level deadline reaches
(a C loop, a huge integer power, a product over every index combination).  Only the kernel can
stop that: each worker runs under an address-space limit (``RLIMIT_AS``) and the supervisor
kills a worker that stays silent longer than the timeout.  The supervisor never blocks on one
worker: it waits on all of them at once with a deadline, so a worker that dies (the OOM killer,
a signal, a crash) is noticed at once and replaced, and what it was doing is reported as lost.

Work is a function ``work(task)`` that yields messages; every message restarts the sender's
clock, so one task may hold many timed steps (one per relation of a block).  Workers are forked
lazily and live as long as the pool, so what they cache stays warm across tasks and files.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

Work = Callable[[Any], Iterator[Any]]


@dataclass
class Event:
    """What the supervisor saw: ``kind`` is ``"message"`` (``payload`` is what the work
    yielded), ``"done"`` (the task finished) or ``"lost"`` (``payload`` says why the worker
    stopped: killed on time, out of memory, died)."""

    key: Hashable
    kind: str
    payload: Any = None


def cores() -> int:
    """The cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when its parent dies, so nothing outlives a killed run."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _address_space() -> int:
    """Bytes of address space this process has mapped now (0 where /proc cannot tell)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _serve(conn: Connection, work: Work, memory: int) -> None:
    """A worker's life: take a task, send what the work yields, say done; exit when told."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the supervisor's business
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if memory:
        # the budget is for the work, on top of what the worker inherited at the fork: a parent
        # that has mapped large libraries (PyTorch in a test run) must not leave it no room at all
        limit = _address_space() + memory
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    code = 0
    try:
        while True:
            task = conn.recv()
            if task is None:
                break
            for message in work(task):
                conn.send(("message", message))
            conn.send(("done", None))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    except MemoryError:
        code = 75
    except BaseException:
        code = 70
    os._exit(code)


_EXIT_REASONS = {75: "ran out of memory", 70: "failed"}


class Worker:
    """One process and the task it is doing (``key``), with the time its clock runs out."""

    def __init__(self, ctx: Any, work: Work, memory: int) -> None:
        here, there = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(there, work, memory), daemon=True)
        self.process.start()
        there.close()
        self.conn: Connection = here
        self.key: Hashable | None = None
        self.until = float("inf")

    def stop(self) -> None:
        """SIGKILL and reap: a worker may be deep in C code that nothing else interrupts."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def why_dead(self) -> str:
        self.process.join(1)
        code = self.process.exitcode
        if code is None:
            return "the worker stopped answering"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hint = " (the system may have run out of memory)" if -code == signal.SIGKILL else ""
            return f"the worker deciding it was killed by {name}{hint}"
        return f"the worker deciding it {_EXIT_REASONS.get(code, f'exited with status {code}')}"


class Pool:
    """``jobs`` workers running ``work``; every silence longer than ``timeout`` seconds kills
    the worker (``late`` says so in the lost event), and ``memory`` bytes (0: no limit) bound
    each worker's address space."""

    def __init__(
        self, work: Work, jobs: int, timeout: float, memory: int = 0, late: str = ""
    ) -> None:
        if "fork" not in multiprocessing.get_all_start_methods():
            raise OSError("derivator check needs fork() to run proofs in worker processes")
        self.ctx = multiprocessing.get_context("fork")
        self.work, self.jobs, self.timeout, self.memory = work, max(1, jobs), timeout, memory
        #: why a task is lost when its worker is killed for silence
        self.late = late or f"no answer within {timeout:g} s (its worker was killed)"
        self.workers: list[Worker] = []
        self.queue: deque[tuple[Hashable, Any]] = deque()

    def submit(self, key: Hashable, task: Any) -> None:
        self.queue.append((key, task))

    def _dispatch(self) -> None:
        idle = [w for w in self.workers if w.key is None]
        while self.queue and (idle or len(self.workers) < self.jobs):
            w = idle.pop() if idle else self._spawn()
            key, task = self.queue.popleft()
            try:
                w.conn.send(task)
            except (BrokenPipeError, OSError):
                self._retire(w)
                self.queue.appendleft((key, task))
                continue
            w.key, w.until = key, time.monotonic() + self.timeout

    def _spawn(self) -> Worker:
        w = Worker(self.ctx, self.work, self.memory)
        self.workers.append(w)
        return w

    def _retire(self, w: Worker) -> None:
        w.stop()
        self.workers.remove(w)

    def events(self) -> Iterator[Event]:
        """Run until every submitted task is done or lost (tasks may be submitted meanwhile)."""
        while True:
            self._dispatch()
            busy = [w for w in self.workers if w.key is not None]
            if not busy:
                return
            now = time.monotonic()
            ready = wait([w.conn for w in busy], timeout=max(0.0, min(w.until for w in busy) - now))
            for w in busy:
                if w.conn in ready:
                    yield from self._receive(w)
                elif time.monotonic() >= w.until:
                    key = w.key
                    self._retire(w)
                    yield Event(key, "lost", self.late)

    def _receive(self, w: Worker) -> Iterator[Event]:
        key = w.key
        try:
            kind, payload = w.conn.recv()
        except (EOFError, OSError):
            reason = w.why_dead()
            self._retire(w)
            yield Event(key, "lost", reason)
            return
        w.until = time.monotonic() + self.timeout
        if kind == "done":
            w.key, w.until = None, float("inf")
        yield Event(key, kind, payload)

    def close(self) -> None:
        """Stop every worker now (no waiting for work in progress) and reap it."""
        for w in list(self.workers):
            if w.process.is_alive():
                w.process.kill()
        for w in list(self.workers):
            self._retire(w)
        self.queue.clear()
