"""Quantization in TFMOT's shape: quantization-aware training (quantize_model -> fit -> convert)
and post-training quantization (quantize, calibrated on a NumPy array).

    qat = qforge.quantization.quantize_model(model, scheme="int8", quantizer="ema")
    qat.fit(x, y, epochs=1, optimizer=qforge.optimizers.Adam(lr=1e-4))
    qforge.quantization.convert(qat, "model.qfm")
    qforge.quantization.quantize(model, calibration=x[:1000], mode="int8", method="percentile", path="ptq.qfm")
"""
import json
import os

from . import _qforge
from ._checks import check_bool, check_choice, check_int, check_number
from .models import Model

SCHEMES = ("int8", "int8-per-tensor", "nbit", "int16x8")
QUANTIZERS = ("ema", "lsq", "pact")
MODES = ("int8", "int16x8", "dynamic", "float16", "float")
METHODS = ("minmax", "percentile", "mse", "kl")


def quantizers():
    """The registered quantizer types an annotation may name (built-in and user-registered)."""
    return sorted(_qforge.quantizer_types())


def quantize_model(model, scheme="int8", quantizer="ema", weight_bits=8, activation_bits=8, annotate=None,
                   keep_unsupported_float=False):
    """A quantization-aware copy of a float model, to fit: fake quantization of weights and
    activations, batch norms folded. ``scheme``: int8 (per-channel weights), int8-per-tensor,
    nbit (``weight_bits``/``activation_bits`` 2..8) or int16x8; ``quantizer``: ema, lsq or pact.
    ``annotate`` maps node names to {"keep_float", "quantize_weights", "quantize_output": bool,
    "weights"/"activations": {"type": a registered quantizer, "spec": {"bits", "symmetric",
    "narrow", "per_channel"}, ...attributes}}. The copy starts a new run (optimizer state cleared);
    pruning set on the model (prune_low_magnitude, keep_sparsity) carries over, clustering does not."""
    if not isinstance(model, Model):
        raise _qforge.InvalidArgumentError(f"quantize_model takes a qforge.Model, not {type(model).__name__}")
    check_choice("scheme", scheme, SCHEMES)
    check_choice("quantizer", quantizer, QUANTIZERS)
    if annotate is None:
        annotate = {}
    if not isinstance(annotate, dict):
        raise _qforge.InvalidArgumentError("annotate must be a dict {node name: config}")
    core, kept_float = _qforge.quantize_model(model._core, scheme, quantizer, check_int("weight_bits", weight_bits, 2, 16),
                                              check_int("activation_bits", activation_bits, 2, 16), json.dumps(annotate),
                                              check_bool("keep_unsupported_float", keep_unsupported_float))
    qat = Model(core)
    qat.kept_float = list(kept_float)
    return qat


def _write(data, path):
    if path is not None:
        path = os.fspath(path)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return data


def convert(qat_model, path=None, int8_io=False):
    """The .qfm bytes of a quantization-aware model with the grids training simulated (written to
    ``path`` if given) — what `qforge convert` writes. ``int8_io``: integer input and output."""
    if not isinstance(qat_model, Model):
        raise _qforge.InvalidArgumentError(f"convert takes a qforge.Model, not {type(qat_model).__name__}")
    return _write(_qforge.convert_qat(qat_model._core, check_bool("int8_io", int8_io)), path)


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
    return _write(_qforge.post_training_quantize(model._core, calibration, json.dumps(options)), path)
