"""What derivator publishes: the textbook it ships, a layer's formulas, articles and figures.

``textbook`` holds the hand-written chain-rule formulas (the article's, corrected) as data,
``verify`` proves all of them, ``formulas`` gives every gradient of one layer in chain, δ, closed
and matrix form with its verdict, ``diagram`` draws the network and the computational graph,
``article`` computes the whole exposition and renders its prose from one jinja2 template per
language in ``templates/`` (with ``blocks`` for the markup those render to, ``worked`` for its
numeric example, ``listing`` for its NumPy code, ``fit`` to keep displays on the page and
``mathfmt`` for numbered displays in each format), and ``post`` renders a writer's own template
(``derivator render``).

May import: ``derivator.engine``, ``derivator.codegen`` (an article shows the generated code),
jinja2 and the standard library; never ``document`` or ``cli``.
"""

# diagram and verify are imported where they are used (``from derivator.publish import verify``):
# a writer's post needs neither, and importing them took a tenth of its render
from . import formulas, textbook
from .formulas import (
    FORM_TITLES,
    FORM_TITLES_LATEX,
    Formula,
    FormulaTable,
    display,
    matrix_lhs,
    resolve,
)
from .textbook import ChainWriter, Entry, prime_index

__all__ = [
    "FORM_TITLES",
    "FORM_TITLES_LATEX",
    "ChainWriter",
    "Entry",
    "Formula",
    "FormulaTable",
    "display",
    "formulas",
    "matrix_lhs",
    "prime_index",
    "resolve",
    "textbook",
]
