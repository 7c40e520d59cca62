"""Prove the whole textbook: every shipped formula against ``sympy.diff`` of the loss.

The textbook falls into one group per activation and loss; the groups are proved on ``jobs``
forked worker processes (the most expensive first, each in one worker so that its partials are
derived once), and rows come back in the textbook's order.  A ``store`` (the persistent cache of
``derivator check``, passed in by the caller) answers a formula whose two sides and network are
unchanged without proving it again.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import sympy as sp

from ..engine import ACTIVATIONS, losses, proof
from . import textbook

ALL_ACTIVATIONS = tuple(ACTIVATIONS)
ALL_LOSSES = losses.OFFERED


@dataclass
class Row:
    entry: textbook.Entry
    activation: str
    loss: str
    verdict: proof.Verdict

    def as_dict(self) -> dict[str, object]:
        e = self.entry
        return {
            "quantity": e.quantity,
            "layer": e.layer,
            "form": e.form,
            "activation": self.activation,
            "loss": self.loss,
            "assumption": e.assumption[0] if e.assumption else None,
            "seconds": round(self.verdict.seconds, 4),
            **self.verdict.as_dict(),
        }


class Store(Protocol):
    """What verify needs of a cache of verdicts (``document.cache.Cache`` provides it): a
    verdict's fields by the two sides (``srepr``) and the network."""

    def get_relation(self, lhs: sp.Expr, rhs: sp.Expr, model: Any) -> dict[str, Any] | None: ...

    def put_relation(
        self, lhs: sp.Expr, rhs: sp.Expr, model: Any, verdict: dict[str, Any]
    ) -> None: ...


def check_entry(
    e: textbook.Entry, timeout: float = 10.0, store: Store | None = None
) -> proof.Verdict:
    """Prove one entry; with an assumption, prove the identity it rests on (see Entry)."""
    rhs = e.rhs if e.assumption is None else e.rhs + e.assumption[2] * e.assumption[1]
    stored = store.get_relation(e.lhs, rhs, e.net) if store is not None else None
    if stored is not None:
        v = proof.Verdict(**stored)
    else:
        v = proof.prove(e.lhs, rhs, e.net, timeout=timeout)
        if store is not None:
            fields = {**v.as_dict(), "hints": v.hints, "seconds": v.seconds}
            store.put_relation(e.lhs, rhs, e.net, fields)
    if e.assumption is not None and v.proved:
        v.method += f", given {e.assumption[0]}"
    return v


#: groups that take longest (the cross-entropies' partials), started first
_COST = {"binary-cross-entropy": 0, "cross-entropy": 1, "mse": 2}


def _group(
    args: tuple[int, str, str, str, float, Store | None],
) -> tuple[int, list[proof.Verdict]]:
    n, act, loss, network, timeout, store = args
    return n, [check_entry(e, timeout, store) for e in textbook.entries(act, loss, network)]


def _quiet_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def verify(
    activations: Iterable[str] = ALL_ACTIVATIONS,
    losses: Iterable[str] = ALL_LOSSES,
    network: str = "general",
    timeout: float = 10.0,
    progress: Callable[[Row], None] | None = None,
    *,
    jobs: int = 1,
    store: Store | None = None,
) -> list[Row]:
    """Every entry of the textbook for these activations and losses, proved, in order."""
    groups = [(a, loss) for a in activations for loss in losses if textbook.defined(a, loss)]
    rows: list[Row] = []

    def emit(n: int, verdicts: list[proof.Verdict]) -> None:
        act, loss = groups[n]
        for e, v in zip(textbook.entries(act, loss, network), verdicts, strict=True):
            rows.append(Row(e, act, loss, v))
            if progress is not None:
                progress(rows[-1])

    tasks = [(n, a, loss, network, timeout, store) for n, (a, loss) in enumerate(groups)]
    if jobs <= 1 or len(groups) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            emit(*_group(task))
        return rows
    tasks.sort(key=lambda t: (_COST.get(t[2], 3), t[0]))
    done: dict[int, list[proof.Verdict]] = {}
    following = 0  # the next group to print: rows come out in the textbook's order
    ctx = multiprocessing.get_context("fork")
    pool = ctx.Pool(min(jobs, len(groups)), initializer=_quiet_worker)
    try:
        for n, verdicts in pool.imap_unordered(_group, tasks):
            done[n] = verdicts
            while following in done:
                emit(following, done.pop(following))
                following += 1
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return rows


def summary(rows: list[Row]) -> dict[str, int]:
    out: dict[str, int] = dict.fromkeys(proof.VERDICTS, 0)
    for r in rows:
        out[r.verdict.verdict] += 1
    return out
