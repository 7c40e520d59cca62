"""The engine: notation → network → derivation → proof.

It holds everything that is mathematics and nothing that reads a user's file or writes an article:
the conventions of the notation (``notation``), the symbolic network (``network`` with
``activations`` and ``losses``), our normal form (``algebra``), the gradients (``derive``), the
matrix forms (``matrix``), exact and high-precision evaluation (``evaluate``), the decision
procedure (``proof``) with its verdicts (``outcome``), the diagnostics that point at a place in a
source (``diagnostic``) and the printer of the notation (``render``: LaTeX and Unicode). The printer
lives here, not in ``publish``, because ``document`` shows relations with it too, and the two
readers of the engine should not depend on each other.

Names are imported on first use (PEP 562): ``derivator check`` answering from its cache, or
printing its help, reads ``names`` and never pays for SymPy.

May import: sympy, mpmath, numpy, the standard library and ``system`` (the deadline); never
``document``, ``publish``, ``codegen`` or ``cli``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy table below provides, for type checkers and readers
    from . import (
        activations,
        algebra,
        derive,
        diagnostic,
        evaluate,
        losses,
        matrix,
        names,
        network,
        notation,
        outcome,
        products,
        proof,
        render,
    )
    from .activations import ACTIVATIONS, ActivationFunction, ActivationPrime, float_pair
    from .derive import Partial
    from .losses import LOSSES, Parameter, Upstream, UpstreamPrime
    from .network import NETWORK_KINDS, TARGETS, Network, Stop
    from .notation import (
        DEFAULT_LETTERS,
        MAX_LAYERS,
        NotationError,
        Tag,
        base_name,
        index,
        parse_letters,
        parse_tag,
        split_name,
    )
    from .outcome import Outcome
    from .proof import (
        SAMPLES,
        Verdict,
        index_ranges,
        prove,
        unknown_name_message,
        unknown_names,
    )
    from .render import to_latex, to_unicode

#: public name → the module that defines it
_EXPORTS = {
    **dict.fromkeys(
        ("ACTIVATIONS", "ActivationFunction", "ActivationPrime", "float_pair"), "activations"
    ),
    "Partial": "derive",
    **dict.fromkeys(("LOSSES", "Parameter", "Upstream", "UpstreamPrime"), "losses"),
    **dict.fromkeys(("NETWORK_KINDS", "TARGETS", "Network", "Stop"), "network"),
    **dict.fromkeys(
        (
            "DEFAULT_LETTERS",
            "MAX_LAYERS",
            "NotationError",
            "Tag",
            "base_name",
            "index",
            "parse_letters",
            "parse_tag",
            "split_name",
        ),
        "notation",
    ),
    **dict.fromkeys(
        (
            "SAMPLES",
            "Verdict",
            "index_ranges",
            "prove",
            "unknown_name_message",
            "unknown_names",
        ),
        "proof",
    ),
    **dict.fromkeys(("to_latex", "to_unicode"), "render"),
    "Outcome": "outcome",
}
_MODULES = (
    "activations",
    "algebra",
    "derive",
    "diagnostic",
    "evaluate",
    "losses",
    "matrix",
    "names",
    "network",
    "notation",
    "outcome",
    "products",
    "proof",
    "render",
)


def __getattr__(name: str) -> Any:
    """Import a submodule, or the module that defines a public name, on first use."""
    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ACTIVATIONS",
    "DEFAULT_LETTERS",
    "LOSSES",
    "MAX_LAYERS",
    "NETWORK_KINDS",
    "SAMPLES",
    "TARGETS",
    "ActivationFunction",
    "ActivationPrime",
    "Network",
    "NotationError",
    "Outcome",
    "Parameter",
    "Partial",
    "Stop",
    "Tag",
    "Upstream",
    "UpstreamPrime",
    "Verdict",
    "activations",
    "algebra",
    "base_name",
    "derive",
    "diagnostic",
    "evaluate",
    "float_pair",
    "index",
    "index_ranges",
    "losses",
    "matrix",
    "names",
    "network",
    "notation",
    "outcome",
    "parse_letters",
    "parse_tag",
    "products",
    "proof",
    "prove",
    "render",
    "split_name",
    "to_latex",
    "to_unicode",
    "unknown_name_message",
    "unknown_names",
]
