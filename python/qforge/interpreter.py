"""The runtime from Python: qforge.Interpreter (a .qfm model on NumPy arrays) and qforge.evaluate."""
from . import _qforge
from ._checks import check_int

Interpreter = _qforge.Interpreter


def evaluate(model, x, y, batch_size=256, threads=1, layout="auto"):
    """Accuracy of a .qfm classifier (path or bytes) on images ``x`` with labels ``y``, preprocessed
    as its metadata says — what ``qforge eval`` reports. Returns ``(accuracy, predictions)``."""
    check_int("batch_size", batch_size)
    check_int("threads", threads)
    return _qforge.evaluate_qfm(model, x, y, batch_size, threads, layout)
