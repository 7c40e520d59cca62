"""The command line: a thin typer shell over the Python API.

``app`` holds the commands that print formulas and check documents, ``article`` and ``numbers``
the commands that write articles and NumPy code, ``options`` the option types they share. Each
command parses its options, calls one function of another package and prints the result; heavy
packages are imported inside the command, so ``derivator check`` starts fast.

May import: every other package of derivator.
"""

from .app import app, run

__all__ = ["app", "run"]
