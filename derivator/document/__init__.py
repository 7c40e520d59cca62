"""Reading and checking a user's derivations: Markdown / LaTeX → blocks → relations → verdicts.

``blocks`` finds math blocks and directives with their line and column, ``parse`` reads the
notation into a syntax tree (our own recursive-descent reader: no eval, no sympify),
``conventions`` maps other authors' letters onto the notation's (``inference`` reads them from a
document's own definitions, ``vectors`` turns one example's vector forms into index form), ``interpret``
turns the tree into SymPy in the network the directives describe, ``check`` decides every relation
with the engine on the supervised worker processes of ``workers``, and ``report`` prints the
results as text, JSON, SARIF, JSON Lines, GitHub annotations or JUnit.

Around them, what a linter in CI needs: ``config`` reads ``[tool.derivator]`` (pyproject.toml or
derivator.toml), ``discover`` finds the files as ruff does (.gitignore, excludes), ``files`` reads
them, ``cache`` keeps verdicts in ``.derivator_cache/`` and ``batch`` runs a check through the
cache, so that an unchanged file is answered without importing SymPy.  Names are imported on first
use (PEP 562) for the same reason.

May import: ``derivator.engine`` and the standard library; never ``publish``, ``codegen`` or ``cli``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import (
        batch,
        blocks,
        cache,
        check,
        config,
        conventions,
        discover,
        files,
        inference,
        interpret,
        macros,
        parse,
        report,
        results,
        vectors,
        workers,
    )
    from .check import Run, Stop, check_files, check_text
    from .files import FileError
    from .results import Checked, Result, summary

_MODULES = (
    "batch",
    "blocks",
    "cache",
    "check",
    "config",
    "conventions",
    "discover",
    "files",
    "inference",
    "interpret",
    "macros",
    "parse",
    "report",
    "results",
    "vectors",
    "workers",
)
_EXPORTS = {
    "Checked": "results",
    "FileError": "files",
    "Result": "results",
    "Run": "check",
    "Stop": "check",
    "check_files": "check",
    "check_text": "check",
    "summary": "results",
}


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
    "Checked",
    "FileError",
    "Result",
    "Run",
    "Stop",
    "batch",
    "blocks",
    "cache",
    "check",
    "check_files",
    "check_text",
    "config",
    "conventions",
    "discover",
    "files",
    "inference",
    "interpret",
    "macros",
    "parse",
    "report",
    "results",
    "summary",
    "vectors",
    "workers",
]
