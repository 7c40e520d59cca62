"""derivator: derive, prove and publish the calculus of backpropagation."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Network", "Outcome", "Partial", "Verdict", "__version__", "prove"]

_EXPORTS = {
    "Network": ("api", "Network"),
    "prove": ("api", "prove"),
    "Partial": ("engine.derive", "Partial"),
    "Verdict": ("engine.proof", "Verdict"),
    "Outcome": ("engine.outcome", "Outcome"),
}


def __getattr__(name: str) -> Any:
    """Import the public names on first use (PEP 562): ``derivator check`` in a user's CI should
    not pay for the article, codegen and printing machinery it never touches."""
    if name in _EXPORTS:
        import importlib

        module, attr = _EXPORTS[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'derivator' has no attribute {name!r}")
