"""Prove the whole textbook: every shipped formula against ``sympy.diff`` of the loss."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

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


def check_entry(e: textbook.Entry, timeout: float = 10.0) -> proof.Verdict:
    """Prove one entry; with an assumption, prove the identity it rests on (see Entry)."""
    rhs = e.rhs if e.assumption is None else e.rhs + e.assumption[2] * e.assumption[1]
    v = proof.prove(e.lhs, rhs, e.net, timeout=timeout)
    if e.assumption is not None and v.proved:
        v.method += f", given {e.assumption[0]}"
    return v


def verify(
    activations: Iterable[str] = ALL_ACTIVATIONS,
    losses: Iterable[str] = ALL_LOSSES,
    network: str = "general",
    timeout: float = 10.0,
    progress: Callable[[Row], None] | None = None,
) -> list[Row]:
    rows = []
    for act in activations:
        for loss in losses:
            if not textbook.defined(act, loss):
                continue
            for e in textbook.entries(act, loss, network):
                row = Row(e, act, loss, check_entry(e, timeout))
                rows.append(row)
                if progress is not None:
                    progress(row)
    return rows


def summary(rows: list[Row]) -> dict[str, int]:
    out: dict[str, int] = dict.fromkeys(proof.VERDICTS, 0)
    for r in rows:
        out[r.verdict.verdict] += 1
    return out
