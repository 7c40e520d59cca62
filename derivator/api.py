"""The Python API for notebooks and scripts: ``Network`` with its gradients, formulas and proofs.

``network.Network`` only builds expressions (it sits at the start of the data flow); this
subclass adds the verbs that use the rest of the package, so that a notebook user needs one import.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .engine import Network as _Network
from .engine import derive
from .engine import proof as _prove
from .publish import formulas as _formulas


class Network(_Network):
    """A fully connected network in the article's notation.

    >>> net = Network(activation="tanh")          # depth 3, symbolic widths, MSE loss
    >>> net.gradient("w", layer="L-1")             # ∂L/∂w_km^(L-1) as a SymPy expression
    """

    def gradient(self, quantity: str, layer: str | int = "L", *, closed: bool = True) -> sp.Expr:
        """∂L/∂w (``"w"``), ∂L/∂b (``"b"``), ∂L_i/∂a (``"a"``) or δ (``"delta"``) of a layer, in the
        article's form.  ``closed=False`` gives the backpropagation rule (in terms of δ)."""
        net, p, _ = _formulas.resolve(self, layer)
        return _formulas.display(net, derive.gradient(net, quantity, p, closed=closed))

    def formulas(
        self, layer: str | int = "L", *, form: str = "index", timeout: float = 10.0
    ) -> list[_formulas.Formula]:
        """Every gradient of a layer as chain rule, δ-form, closed form and/or matrix form, proved."""
        if form not in ("index", "matrix", "both"):
            raise ValueError(f"unknown form {form!r}: choose index, matrix or both")
        return _formulas.formulas(
            self,
            layer,
            index_form=form in ("index", "both"),
            matrix_form=form in ("matrix", "both"),
            timeout=timeout,
        )

    def _repr_latex_(self) -> str:
        return rf"$\text{{{self.describe()}}}$"

    # ---- numbers (issue 5): NumPy code generated from the proved rules, see codegen.py ----
    def numpy_gradients(self, dtype: Any = "float64", *, proof: str = "rules") -> Any:
        """``grad(params, X, Y)`` → [(∂L/∂W^(1), ∂L/∂b^(1)), …] for a batch (X: samples × inputs),
        with ``grad.forward`` and ``grad.loss``; params is [(W1, b1), …], W^(p) n_p × n_(p-1).
        Needs concrete widths.  ``proof``: "rules" (the generic rules, once), "network" (every
        emitted rule in this network) or "none"; the verdicts are in ``grad.proofs``."""
        from .codegen import numpy_code as codegen

        return codegen.numpy_gradients(self, dtype=dtype, proof_mode=proof)

    def forward(self, params: Any, X: Any, dtype: Any = "float64") -> Any:
        """The output activations A^(L) for the samples in the rows of X (generated code; the
        forward pass is the network's definition, so there is nothing to prove for it)."""
        return self.numpy_gradients(dtype, proof="none").forward(params, X)

    def init_params(self, seed: int = 0, dtype: Any = "float64") -> Any:
        """Random [(W1, b1), …] for this network's widths, deterministic in ``seed``."""
        from .codegen import numpy_code as codegen

        codegen.check_network(self)
        return codegen.init_params(self.widths or (), seed, dtype)


def prove(lhs: sp.Expr, rhs: sp.Expr, net: _Network | None = None, **kw: Any) -> _prove.Verdict:
    """Decide ``lhs = rhs`` in ``net`` (default: the article's network, symbolic sizes)."""
    return _prove.prove(lhs, rhs, net if net is not None else Network(), **kw)
