"""qforge.Model: a model to train, evaluate, predict with and save — a zoo model, one built with
qforge.layers, or one loaded from a checkpoint or an ONNX file."""
import json
import os

from . import _qforge
from ._checks import check_bool, check_choice, check_int, check_number
from ._progress import ProgressBar
from .optimizers import options_of


class History:
    """What fit returns: ``history`` maps each metric to its per-epoch values, as in Keras."""

    def __init__(self, epochs, params):
        self.epoch = list(range(1, len(epochs) + 1))
        self.history = {key: [e[key] for e in epochs] for key in (epochs[0] if epochs else {})}
        self.params = params

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, metrics={list(self.history)})"


class Model:
    """A model and its training state. Make one with qforge.zoo, qforge.layers or qforge.load."""

    def __init__(self, core):
        if not isinstance(core, _qforge.ModelCore):
            raise _qforge.InvalidArgumentError("make models with qforge.zoo, qforge.layers or qforge.load")
        self._core = core

    # What the model is.
    @property
    def name(self):
        return self._core.name

    @property
    def input_shape(self):
        """(C, H, W) of the images the model takes."""
        return tuple(self._core.input_shape[1:])

    @property
    def output_shape(self):
        return tuple(self._core.output_shape[1:])

    @property
    def num_weights(self):
        return self._core.num_weights

    @property
    def is_quantization_aware(self):
        return self._core.is_qat

    @property
    def layers(self):
        """(name, op type, output shape) of every node, in order."""
        return [(n, t, tuple(s[1:])) for n, t, s in self._core.layers()]

    @property
    def class_names(self):
        return list(self._core.class_names)

    @class_names.setter
    def class_names(self, names):
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
            raise _qforge.InvalidArgumentError("class_names must be a list of strings")
        self._core.class_names = list(names)

    @property
    def preprocessing(self):
        """How images become inputs: (x * scale - mean[c]) / std[c], after an optional resize.
        A new model's first fit measures mean and std on its data unless they were set."""
        p = json.loads(self._core.preprocess)
        for key in ("mean", "std"):  # one value for all channels is stored as a number
            if not isinstance(p.get(key), list):
                p[key] = [p[key]]
        return p

    @preprocessing.setter
    def preprocessing(self, p):
        if not isinstance(p, dict):
            raise _qforge.InvalidArgumentError("preprocessing must be a dict (scale, mean, std, resize)")
        merged = dict(self.preprocessing, **p)
        for key in ("mean", "std"):
            values = merged[key] if isinstance(merged[key], (list, tuple)) else [merged[key]]
            merged[key] = [check_number(f"preprocessing {key}", v) for v in values]
        merged["scale"] = check_number("preprocessing scale", merged["scale"])
        merged["resize"] = check_int("preprocessing resize", merged.get("resize", 0), 0, 1 << 14)
        self._core.preprocess = json.dumps(merged)

    @property
    def train_state(self):
        """What training recorded: epochs, metrics, pruning and clustering options."""
        return json.loads(self._core.train_state)

    def summary(self):
        print(self._core.summary())

    def copy(self):
        return Model(self._core.copy())

    def save(self, path):
        """Writes a checkpoint (.ckpt): the command line takes it too (eval, quantize, train --init)."""
        self._core.save(os.fspath(path))

    def weight_report(self):
        """Sparsity of the conv/dense weights (overall and per layer) and, when clustered, the
        distinct values of each clustered tensor."""
        return json.loads(self._core.weight_report())

    def fit(self, x, y, epochs=1, batch_size=None, optimizer=None, lr_schedule=None, warmup=None,
            validation_data=None, seed=1, augment_crop=0, augment_flip=False, layout="auto", verbose=1,
            callback=None, freeze_bn_step=None, freeze_observers_step=None, reference=False):
        """Trains for ``epochs`` epochs on images ``x`` (N x H x W, N x C x H x W or N x H x W x C;
        uint8 pixels or float values) and integer labels ``y``. Unset options take the zoo
        recipe's values (batch_size, optimizer and its lr, lr_schedule, warmup). Each call is
        one training run over its own epochs, from the current weights and optimizer state.
        ``callback(event, metrics)`` is called with "batch" (throttled) and "epoch" events.
        Returns a History."""
        options = {"epochs": check_int("epochs", epochs, 1, 100000), "seed": check_int("seed", seed, 0),
                   "augment_crop": check_int("augment_crop", augment_crop, 0, 16),
                   "augment_flip": check_bool("augment_flip", augment_flip),
                   "layout": check_choice("layout", layout, ("auto", "nchw", "nhwc")),
                   "reference": check_bool("reference", reference), "optimizer": options_of(optimizer)}
        if batch_size is not None:
            options["batch_size"] = check_int("batch_size", batch_size, 1, 1 << 20)
        if lr_schedule is not None:
            options["schedule"] = check_choice("lr_schedule", lr_schedule, ("constant", "step", "cosine"))
        if warmup is not None:
            options["warmup"] = check_int("warmup", warmup, 0)
        if freeze_bn_step is not None:
            options["freeze_bn_step"] = check_int("freeze_bn_step", freeze_bn_step, 0)
        if freeze_observers_step is not None:
            options["freeze_observers_step"] = check_int("freeze_observers_step", freeze_observers_step, 0)
        x_val = y_val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise _qforge.InvalidArgumentError("validation_data must be a pair (x_val, y_val)")
            x_val, y_val = validation_data
        check_choice("verbose", verbose, (0, 1))
        progress = ProgressBar() if verbose else None
        if callback is not None:
            if not callable(callback):
                raise _qforge.InvalidArgumentError("callback must be callable(event, metrics)")
            progress = _both(progress, callback)
        epochs_run = json.loads(self._core.fit(x, y, x_val, y_val, json.dumps(options), progress))
        return History(epochs_run, options)

    def evaluate(self, x, y, batch_size=256, layout="auto"):
        """{"accuracy", "loss", "count"} on images ``x`` with labels ``y`` (float model or QAT simulation)."""
        check_int("batch_size", batch_size, 1, 1 << 20)
        return json.loads(self._core.evaluate(x, y, batch_size, check_choice("layout", layout, ("auto", "nchw", "nhwc"))))

    def predict(self, x, batch_size=256, layout="auto"):
        """The model's output for every image of ``x``: an N x classes float32 array (logits, or
        probabilities for a model ending in Softmax)."""
        check_int("batch_size", batch_size, 1, 1 << 20)
        return self._core.predict(x, batch_size, check_choice("layout", layout, ("auto", "nchw", "nhwc")))

    def __repr__(self):
        return f"<qforge.Model {self.name}: input {self.input_shape}, output {self.output_shape}, {self.num_weights} weights>"


def _both(bar, callback):
    def report(event, metrics):
        if bar:
            bar(event, metrics)
        callback(event, metrics)
    return report


def load(path):
    """A model from a qforge checkpoint (.ckpt) or an ONNX file (.onnx, imported as `qforge import` does)."""
    if not isinstance(path, (str, os.PathLike)):
        raise _qforge.InvalidArgumentError(f"load takes a path, not {type(path).__name__}")
    return Model(_qforge.ModelCore.load(os.fspath(path)))
