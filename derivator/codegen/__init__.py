"""Numbers from the proved rules: vectorised NumPy gradients, standalone modules, and training.

``numpy_code`` prints the matrix form of the derived, proved rules as NumPy (in memory or as a
module that needs only NumPy), with the parts that are the same for every network kept apart in
``templates``; ``train`` fits real networks with it, on built-in data or a user's table read by
``data`` (.npz or .csv).

May import: ``derivator.engine``, numpy and the standard library; never ``document``, ``publish`` or
``cli``.
"""

from . import data, numpy_code, templates, train
from .numpy_code import (
    CodegenError,
    NumpyGradients,
    check_network,
    init_params,
    module_source,
    numpy_gradients,
    write_module,
)

__all__ = [
    "CodegenError",
    "NumpyGradients",
    "check_network",
    "data",
    "init_params",
    "module_source",
    "numpy_code",
    "numpy_gradients",
    "templates",
    "train",
    "write_module",
]
