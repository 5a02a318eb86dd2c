"""qforge from Python: train, quantize, prune, cluster, compress and run models with NumPy arrays.

The engine is qforge's C++ (the ``_qforge`` extension module); this package gives it the shape
TensorFlow Model Optimization and Keras users know. See docs/python.md.
"""
from . import _qforge
from ._qforge import (DataLossError, Error, FailedPreconditionError, InternalError, InvalidArgumentError,
                      NotFoundError, TensorDetails, UnimplementedError)
from .interpreter import Interpreter, evaluate
from .models import Model, load
from . import clustering, datasets, layers, optimizers, quantization, sparsity, zoo
from .compression import compress
from ._checks import check_int

__version__ = _qforge.__version__

__all__ = [
    "Error", "InvalidArgumentError", "NotFoundError", "DataLossError", "FailedPreconditionError",
    "UnimplementedError", "InternalError", "TensorDetails", "Interpreter", "evaluate", "Model", "load",
    "compress", "clustering", "datasets", "layers", "optimizers", "quantization", "sparsity", "zoo",
    "set_num_threads", "num_threads",
]


def set_num_threads(n):
    """Threads for training, evaluation, prediction and calibration (n <= 0: all cores, the
    default, as the command line's). Interpreters take their own ``threads``."""
    _qforge.set_num_threads(check_int("n", n, high=1024))


def num_threads():
    return _qforge.num_threads()
