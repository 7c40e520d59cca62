"""The engine: notation → network → derivation → proof.

It holds everything that is mathematics and nothing that reads a user's file or writes an article:
the conventions of the notation (``notation``), the symbolic network (``network`` with
``activations`` and ``losses``), our normal form (``algebra``), the gradients (``derive``), the
matrix forms (``matrix``), exact and high-precision evaluation (``evaluate``), the decision
procedure (``proof``) with its verdicts (``outcome``) and the printer of the notation (``render``: LaTeX and Unicode). The printer
lives here, not in ``publish``, because ``document`` shows relations with it too, and the two
readers of the engine should not depend on each other.

May import: sympy, mpmath, numpy and the standard library; never ``document``, ``publish``,
``codegen`` or ``cli``.
"""

from . import (
    activations,
    algebra,
    derive,
    diagnostic,
    evaluate,
    losses,
    matrix,
    network,
    notation,
    outcome,
    proof,
    render,
)
from .activations import ACTIVATIONS, ActivationFunction, ActivationPrime, float_pair
from .derive import Partial
from .losses import LOSSES, Upstream, UpstreamPrime
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
from .proof import SAMPLES, Verdict, index_ranges, prove, unknown_name_message, unknown_names
from .render import to_latex, to_unicode

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
    "network",
    "notation",
    "outcome",
    "parse_letters",
    "parse_tag",
    "proof",
    "prove",
    "render",
    "split_name",
    "to_latex",
    "to_unicode",
    "unknown_name_message",
    "unknown_names",
]
