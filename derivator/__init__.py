"""derivator: derive, prove and publish the calculus of backpropagation."""

from __future__ import annotations

__version__ = "0.1.0"

from .api import Network, prove  # noqa: E402
from .derive import Partial  # noqa: E402
from .proof import Verdict  # noqa: E402

__all__ = ["Network", "Partial", "Verdict", "prove", "__version__"]
