"""Numbers from the proved rules: vectorised NumPy gradients, standalone modules, and training.

``numpy_code`` prints the matrix form of the derived, proved rules as NumPy (in memory or as a
module that needs only NumPy), and ``train`` fits real networks with it.

May import: ``derivator.engine``, numpy and the standard library; never ``document``, ``publish`` or
``cli``.
"""

from . import numpy_code, train
from .numpy_code import (
           CodegenError,
           NumpyGradients,
           check_network,
           init_params,
           module_source,
           numpy_gradients,
           write_module,
)

__all__ = ["CodegenError", "NumpyGradients", "check_network", "init_params", "module_source", "numpy_code",
           "numpy_gradients", "train", "write_module"]
