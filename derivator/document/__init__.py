"""Reading and checking a user's derivations: Markdown / LaTeX → blocks → relations → verdicts.

``blocks`` finds math blocks and directives with their line and column, ``parse`` reads the
notation into a syntax tree (our own recursive-descent reader: no eval, no sympify),
``conventions`` maps other authors' letters onto the notation's (``inference`` reads them from a
document's own definitions, ``vectors`` turns one example's vector forms into index form), ``interpret``
turns the tree into SymPy in the network the directives describe, ``check`` decides every relation
with the engine on the supervised worker processes of ``workers``, and ``report`` prints the
results as text, JSON, GitHub annotations or JUnit.

May import: ``derivator.engine`` and the standard library; never ``publish``, ``codegen`` or ``cli``.
"""

from . import blocks, check, conventions, inference, interpret, parse, report, vectors, workers
from .check import Checked, FileError, Result, Run, Stop, check_files, check_text, summary

__all__ = [
    "Checked",
    "FileError",
    "Result",
    "Run",
    "Stop",
    "blocks",
    "check",
    "check_files",
    "check_text",
    "conventions",
    "inference",
    "interpret",
    "parse",
    "report",
    "summary",
    "vectors",
    "workers",
]
