"""The runtime from Python: qforge.Interpreter (a .qfm model on NumPy arrays) and qforge.evaluate."""
from . import _qforge
from ._checks import check_int


class Interpreter(_qforge.Interpreter):
    __doc__ = _qforge.Interpreter.__doc__

    def __init__(self, model, batch=1, threads=1, isa=None):
        if isa is not None and not isinstance(isa, str):
            raise _qforge.InvalidArgumentError(f"isa must be a string (ref, avx2, avx512vnni, avx512vbmi; on Arm ref, neon, neondot), not {isa!r}")
        super().__init__(model, check_int("batch", batch, 1, 1 << 20), check_int("threads", threads, 1, 256), isa)


def evaluate(model, x, y, batch_size=256, threads=1, layout="auto"):
    """Accuracy of a .qfm classifier (path or bytes) on images ``x`` with labels ``y``, preprocessed
    as its metadata says — what ``qforge eval`` reports. Returns ``(accuracy, predictions)``."""
    check_int("batch_size", batch_size, 1, 1 << 20)
    check_int("threads", threads, 1, 256)
    return _qforge.evaluate_qfm(model, x, y, batch_size, threads, layout)
