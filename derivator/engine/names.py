"""The names the engine offers, without the engine: what a command line lists as choices and what
a verdict may be called.

The registries themselves (``activations.ACTIVATIONS``, ``losses.LOSSES``) build SymPy objects,
and importing SymPy costs most of a second; ``derivator check`` answering from its cache, or
printing its ``--help``, needs only the names.  tests/test_architecture.py keeps these tuples equal
to the registries' keys, so a new activation is still added in one place and offered everywhere.

May import: the standard library only (never SymPy).
"""

from __future__ import annotations

from .outcome import Outcome

#: the activations σ of the hidden layers (``activations.ACTIVATIONS``, in its order)
ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "softplus", "identity", "generic")
#: the losses a user may choose (``losses.OFFERED``)
LOSSES: tuple[str, ...] = ("mse", "cross-entropy", "binary-cross-entropy")
#: the losses the articles are written for (``losses.ARTICLE``)
ARTICLE_LOSSES: tuple[str, ...] = ("mse", "cross-entropy")
NETWORK_KINDS: tuple[str, ...] = ("general", "single")
#: what the targets satisfy (notation.md): nothing; Σ_j y_ij = 1 with y_ij ≥ 0; one-hot
TARGETS: tuple[str, ...] = ("any", "distribution", "one-hot")
#: the neuron index letters of layers L, L-1, L-2, … (``notation.DEFAULT_LETTERS``)
DEFAULT_LETTERS: tuple[str, ...] = ("j", "k", "m", "t", "p", "q", "r", "s", "u", "v", "g", "h")
#: what ``check`` and ``prove`` may say about a relation, from best to worst news (``outcome``
#: holds them with their marks; it imports no SymPy either)
VERDICTS: tuple[str, ...] = tuple(Outcome)
