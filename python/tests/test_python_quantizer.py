"""Quantizers written in Python: registered, selected for the weights (power-of-two scales) or
one node's activations (a running range kept in NumPy), trained, converted — the .qfm carries
exactly their grids — and their mistakes reported as errors."""
import json

import numpy as np
import pytest

import qforge
from qforge import quantization as q


class PowerOfTwo(q.Quantizer):
    """Symmetric weights whose scales are powers of two."""
    calls = 0

    def range(self, x, training):
        PowerOfTwo.calls += 1
        m = np.abs(x.reshape(self.channels(x), -1)).max(axis=1)
        step = 2.0 ** np.ceil(np.log2(np.maximum(m, 1e-8) / 127))
        return -127 * step, 127 * step


class RunningRange(q.Quantizer):
    """Activations: a moving average of batch ranges, with its decay from the choice's attributes."""

    def __init__(self, spec, decay=0.9):
        super().__init__(spec)
        self.decay, self.lo, self.hi = decay, None, None

    def range(self, x, training):
        if training or self.lo is None:
            lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
            first = self.lo is None
            self.lo = lo if first else self.decay * self.lo + (1 - self.decay) * lo
            self.hi = hi if first else self.decay * self.hi + (1 - self.decay) * hi
        return self.lo, self.hi


WEIGHT_SPEC = {"bits": 8, "symmetric": True, "narrow": True, "per_channel": True}


def test_python_quantizers_train_and_convert(trained, small, cli, tmp_path):
    q.register_quantizer("pow2_test", PowerOfTwo)
    q.register_quantizer("running_range_test", RunningRange)
    assert {"pow2_test", "running_range_test"} <= set(q.quantizers())
    model, _ = trained
    qat = q.quantize_model(model, weights={"type": "pow2_test", "spec": WEIGHT_SPEC},
                           annotate={"dense1": {"activations": {"type": "running_range_test", "spec": {"bits": 8},
                                                                "decay": 0.8}}})
    before = PowerOfTwo.calls
    qat.fit(small["x_train"], small["y_train"], epochs=1, optimizer=qforge.optimizers.Adam(lr=1e-4), verbose=0)
    assert PowerOfTwo.calls > before
    path = tmp_path / "pow2.qfm"
    q.convert(qat, path)
    info = json.loads(cli("inspect", path, "--json"))
    weights = [t for t in info["tensors"] if t["name"].endswith("/weights")]
    assert len(weights) == 4
    for t in weights:
        exponents = np.log2(np.array(t["scale"]))
        np.testing.assert_array_equal(exponents, np.round(exponents))  # every scale a power of two
    simulated = qat.evaluate(small["x_test"], small["y_test"])["accuracy"]
    runtime, _ = qforge.evaluate(path, small["x_test"], small["y_test"])
    assert abs(simulated - runtime) < 0.01 and runtime > 0.7


def test_python_quantizer_mistakes_are_errors(trained, small):
    model, _ = trained

    class WrongSize(q.Quantizer):
        def range(self, x, training):
            return np.zeros(3), np.ones(3)

    class Raises(q.Quantizer):
        def range(self, x, training):
            raise ZeroDivisionError("inside range")

    q.register_quantizer("wrong_size_test", WrongSize)
    q.register_quantizer("raises_test", Raises)
    x, y = small["x_train"][:128], small["y_train"][:128]
    for name, error, message in (("wrong_size_test", ValueError, "expected 16 values"),
                                 ("raises_test", ZeroDivisionError, "inside range")):
        qat = q.quantize_model(model, annotate={"conv1": {"weights": {"type": name, "spec": WEIGHT_SPEC}}})
        with pytest.raises(error, match=message):
            qat.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="built in"):
        q.register_quantizer("ema", PowerOfTwo)
    with pytest.raises(ValueError, match="subclass"):
        q.register_quantizer("plain", object)
    with pytest.raises(ValueError):
        q.quantize_model(model, weights="pow2_test")
