r"""The Python API for notebooks and scripts: ``Network`` with its gradients, formulas and proofs.

``network.Network`` only builds expressions (it sits at the start of the data flow); this
subclass adds the verbs that use the rest of the package, so that a notebook user needs one import.
The examples below run as doctests in the test suite (tests/test_quality.py).

>>> from derivator import Network, Partial, prove
>>> net = Network(activation="tanh")          # depth 3, symbolic widths, MSE loss
>>> gradient = net.gradient("w", layer="L")     # ∂L/∂w_jk^(L), a SymPy expression
>>> print(gradient)
Sum((a^(L)[i, j] - y[i, j])*TanhPrime(z^(L)[i, j])*a^(L-1)[i, k], (i, 0, n - 1))/n
>>> print(gradient._repr_latex_())             # what a notebook shows: σ′, a_ij^(L), as the article
$\displaystyle \frac{\sum_{i=0}^{n - 1} \left(a_{ij}^{(L)} - y_{ij}\right) \sigma'\left(z_{ij}^{(L)}\right) a_{ik}^{(L-1)}}{n}$
>>> print(net.gradient("delta", layer="L-1", closed=False))   # the backpropagation rule
TanhPrime(z^(L-1)[i, k])*Sum(delta^(L)[i, j]*w^(L)[j, k], (j, 0, n_(L) - 1))

A hand-written formula is proved for every size, or refuted with sizes and values to check by hand:

>>> i, k, D = net.i, net.letter(net.D - 1), net.D
>>> print(prove(Partial(net.Li[i], net.a(D - 1)[i, k]), net.gradient("a", layer="L-1"), net))
proved (all sizes (normal form))
>>> prove(Partial(net.Li[i], net.a(D - 1)[i, k]), net.a(D)[i, 0] - net.y[i, 0], net).verdict
<Outcome.REFUTED: 'refuted'>
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .engine import Network as _Network
from .engine import derive
from .engine import proof as _prove
from .publish import formulas as _formulas


class Network(_Network):
    """A fully connected network in the article's notation: depth 3 (layers L, L-1, L-2 of
    weights) with symbolic widths unless told otherwise.

    >>> Network(widths=[4, 3, 2], activation="relu").describe()
    'general network, 2 layers of weights (widths 4-3-2), activation relu, loss mse'
    """

    def gradient(self, quantity: str, layer: str | int = "L", *, closed: bool = True) -> sp.Expr:
        """∂L/∂w (``"w"``), ∂L/∂b (``"b"``), ∂L_i/∂a (``"a"``) or δ (``"delta"``) of a layer, in the
        article's form.  ``closed=False`` gives the backpropagation rule (in terms of δ)."""
        net, p, _ = _formulas.resolve(self, layer)
        return _formulas.display(net, derive.gradient(net, quantity, p, closed=closed))

    def formulas(
        self, layer: str | int = "L", *, form: str = "index", timeout: float = 10.0
    ) -> _formulas.FormulaTable:
        """Every gradient of a layer as chain rule, δ-form, closed form and/or matrix form, proved;
        a notebook shows them as a table with each verdict.

        >>> table = Network().formulas("L")
        >>> [(f.quantity, f.form, str(f.verdict.verdict)) for f in table][:3]
        [('w', 'chain', 'proved'), ('w', 'delta', 'proved'), ('w', 'closed', 'proved')]
        """
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

    # ---- numbers: NumPy code generated from the proved rules (derivator.codegen) ----
    def numpy_gradients(self, dtype: Any = "float64", *, proof: str = "rules") -> Any:
        """``grad(params, X, Y)`` → [(∂L/∂W^(1), ∂L/∂b^(1)), …] for a batch (X: samples × inputs),
        with ``grad.forward`` and ``grad.loss``; params is [(W1, b1), …], W^(p) n_p × n_(p-1).
        Needs concrete widths.  ``proof``: "rules" (the generic rules, once), "network" (every
        emitted rule in this network) or "none"; the verdicts are in ``grad.proofs``.

        >>> import numpy as np
        >>> net = Network(widths=[3, 4, 2])
        >>> grad = net.numpy_gradients()
        >>> X, Y = np.ones((5, 3)), np.zeros((5, 2))
        >>> [(dW.shape, dB.shape) for dW, dB in grad(net.init_params(seed=0), X, Y)]
        [((4, 3), (4,)), ((2, 4), (2,))]
        """
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
