"""Quantization in TFMOT's shape: quantization-aware training (quantize_model -> fit -> convert)
and post-training quantization (quantize, calibrated on a NumPy array).

    qat = qforge.quantization.quantize_model(model, scheme="int8", quantizer="ema")
    qat.fit(x, y, epochs=1, optimizer=qforge.optimizers.Adam(lr=1e-4))
    qforge.quantization.convert(qat, "model.qfm")
    qforge.quantization.quantize(model, calibration=x[:1000], mode="int8", method="percentile", path="ptq.qfm")

Custom quantizers in Python: subclass Quantizer, register it, select it by its type name.
"""
import json

import numpy as np

from . import _qforge
from ._checks import check_bool, check_choice, check_int, check_number
from ._files import write_model
from .models import Model

SCHEMES = ("int8", "int8-per-tensor", "nbit", "int16x8")
QUANTIZERS = ("ema", "lsq", "pact")
MODES = ("int8", "int16x8", "dynamic", "float16", "float")
METHODS = ("minmax", "percentile", "mse", "kl")


class Quantizer:
    """A quantizer written in Python, for quantization-aware training: ``range`` says which real
    interval each channel's grid covers (qforge derives scale and zero point exactly as the
    converter does, from the quantizer's ``spec``: bits, symmetric, narrow, per_channel), and
    ``fake_quantize`` maps values onto the grid (by default: round half away from zero, clamp,
    back to reals). Gradients pass straight through inside the grid, zero outside.

        class PowerOfTwo(qforge.quantization.Quantizer):
            def range(self, x, training):
                m = np.abs(x.reshape(self.channels(x), -1)).max(axis=1)
                step = 2.0 ** np.ceil(np.log2(np.maximum(m, 1e-8) / 127))
                return -127 * step, 127 * step
        qforge.quantization.register_quantizer("pow2", PowerOfTwo)
        qat = quantize_model(model, weights={"type": "pow2", "spec": {"bits": 8, "symmetric": True,
                                                                       "narrow": True, "per_channel": True}})

    The object lives with the model in this process: its state (e.g. a running range) is not in
    checkpoints, and a checkpoint using it loads only where the type is registered again.
    Attributes of the choice ({"type": ..., "spec": ..., "decay": 0.9}) arrive as keyword
    arguments; ``self.spec`` is the spec as a dict."""

    def __init__(self, spec, **attrs):
        self.spec = spec
        self.attrs = attrs

    def channels(self, x):
        """Channels of x under the spec: its first dimension when per channel, else 1."""
        return x.shape[0] if self.spec.get("per_channel") and x.ndim > 0 else 1

    def range(self, x, training):
        """(lo, hi): per-channel arrays (or numbers for one channel) of the interval to cover."""
        raise NotImplementedError

    def fake_quantize(self, x, scale, zero_point, qmin, qmax):
        """x on the grid: scale and zero_point hold one value per channel (dimension 0)."""
        shape = (-1,) + (1,) * (x.ndim - 1) if len(scale) > 1 else (1,) * x.ndim
        s = scale.reshape(shape).astype(np.float32)
        z = zero_point.reshape(shape).astype(np.float32)
        v = x / s
        q = np.clip(np.sign(v) * np.floor(np.abs(v) + 0.5) + z, qmin, qmax)
        return ((q - z) * s).astype(np.float32)


def register_quantizer(name, cls):
    """Makes a Quantizer subclass selectable by the type ``name`` (in annotate, weights=, activations=)."""
    if not isinstance(name, str):
        raise _qforge.InvalidArgumentError(f"a quantizer type is named by a string, not {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, Quantizer)):
        raise _qforge.InvalidArgumentError("register_quantizer takes a subclass of qforge.quantization.Quantizer")
    _qforge.register_quantizer(name, cls)


def quantizers():
    """The registered quantizer types an annotation may name (built-in and user-registered)."""
    return sorted(_qforge.quantizer_types())


def quantize_model(model, scheme="int8", quantizer="ema", weight_bits=8, activation_bits=8, annotate=None,
                   keep_unsupported_float=False, weights=None, activations=None):
    """A quantization-aware copy of a float model, to fit: fake quantization of weights and
    activations, batch norms folded. ``scheme``: int8 (per-channel weights), int8-per-tensor,
    nbit (``weight_bits``/``activation_bits`` 2..8) or int16x8; ``quantizer``: ema, lsq or pact.
    ``annotate`` maps node names to {"keep_float", "quantize_weights", "quantize_output": bool,
    "weights"/"activations": {"type": a registered quantizer, "spec": {"bits", "symmetric",
    "narrow", "per_channel"}, ...attributes}}; ``weights`` / ``activations`` (the same quantizer
    dicts) replace the scheme's for every node. The copy starts a new run (optimizer state cleared);
    pruning set on the model (prune_low_magnitude, keep_sparsity) carries over, clustering does not."""
    if not isinstance(model, Model):
        raise _qforge.InvalidArgumentError(f"quantize_model takes a qforge.Model, not {type(model).__name__}")
    check_choice("scheme", scheme, SCHEMES)
    check_choice("quantizer", quantizer, QUANTIZERS)
    if annotate is None:
        annotate = {}
    if not isinstance(annotate, dict):
        raise _qforge.InvalidArgumentError("annotate must be a dict {node name: config}")
    overrides = {}
    for name, choice in (("weights", weights), ("activations", activations)):
        if choice is not None:
            if not isinstance(choice, dict):
                raise _qforge.InvalidArgumentError(f"{name} must be a quantizer dict {{'type': ..., 'spec': ...}}")
            overrides[name] = choice
    core, kept_float = _qforge.quantize_model(model._core, scheme, quantizer, check_int("weight_bits", weight_bits, 2, 16),
                                              check_int("activation_bits", activation_bits, 2, 16), json.dumps(annotate),
                                              check_bool("keep_unsupported_float", keep_unsupported_float),
                                              json.dumps(overrides))
    qat = Model(core)
    qat.kept_float = list(kept_float)
    return qat


def convert(qat_model, path=None, int8_io=False):
    """The .qfm bytes of a quantization-aware model with the grids training simulated (written to
    ``path`` if given) — what `qforge convert` writes. ``int8_io``: integer input and output."""
    if not isinstance(qat_model, Model):
        raise _qforge.InvalidArgumentError(f"convert takes a qforge.Model, not {type(qat_model).__name__}")
    return write_model(_qforge.convert_qat(qat_model._core, check_bool("int8_io", int8_io)), path)


def quantize(model, calibration=None, mode="int8", method="minmax", path=None, samples=1000, percentile=99.99,
             seed=1, bias_correction=False, int8_io=False, layout="auto"):
    """Post-training quantization of a float model to .qfm bytes (written to ``path`` if given),
    as `qforge quantize` does. int8 and int16x8 calibrate activation ranges on ``samples``
    images of ``calibration`` (drawn with ``seed``) by ``method``: minmax, percentile, mse or kl."""
    if not isinstance(model, Model):
        raise _qforge.InvalidArgumentError(f"quantize takes a qforge.Model, not {type(model).__name__}")
    options = {"mode": check_choice("mode", mode, MODES), "method": check_choice("method", method, METHODS),
               "samples": check_int("samples", samples, 1), "percentile": check_number("percentile", percentile),
               "seed": check_int("seed", seed, 0), "bias_correction": check_bool("bias_correction", bias_correction),
               "int8_io": check_bool("int8_io", int8_io), "layout": check_choice("layout", layout, ("auto", "nchw", "nhwc"))}
    return write_model(_qforge.post_training_quantize(model._core, calibration, json.dumps(options)), path)
