"""Magnitude pruning while training, in TFMOT's shape:

    pruned = qforge.sparsity.prune_low_magnitude(model, target=0.75, pattern="2:4")
    pruned.fit(x, y, epochs=2)
"""
import json

from . import _qforge
from ._checks import check_choice, check_int, check_number
from .models import Model


def prune_low_magnitude(model, target=0.5, schedule="poly", pattern="unstructured", begin_step=0, end_step=None,
                        frequency=100, layers=None, skip=None):
    """A copy of ``model`` whose next fits prune its conv/dense weights to ``target`` sparsity.
    ``schedule``: poly (polynomial from 0 at begin_step to target at end_step; default end: two
    thirds of the fit's steps) or const; ``pattern``: unstructured, "N:M" (e.g. "2:4"), "channel"
    or "block:RxC"; ``layers`` maps node names to their own targets, ``skip`` lists nodes left dense."""
    if not isinstance(model, Model):
        raise _qforge.InvalidArgumentError(f"prune_low_magnitude takes a qforge.Model, not {type(model).__name__}")
    layers = {} if layers is None else dict(layers)
    skip = [] if skip is None else list(skip)
    options = {"sparsity": check_number("target", target), "schedule": check_choice("schedule", schedule, ("poly", "const")),
               "pattern": str(pattern), "begin": check_int("begin_step", begin_step, 0),
               "end": -1 if end_step is None else check_int("end_step", end_step, -1),
               "frequency": check_int("frequency", frequency, 1),
               "layers": {str(k): check_number(f"layers[{k!r}]", v) for k, v in layers.items()},
               "skip": [str(s) for s in skip]}
    pruned = model.copy()
    pruned._core.set_pruning(json.dumps(options))
    return pruned


def keep_sparsity(model, skip=None):
    """A copy whose next fits keep the zeros its weights have (fine-tuning a pruned model, e.g.
    quantization-aware, without reviving pruned weights)."""
    if not isinstance(model, Model):
        raise _qforge.InvalidArgumentError(f"keep_sparsity takes a qforge.Model, not {type(model).__name__}")
    kept = model.copy()
    kept._core.set_pruning(json.dumps({"keep_sparsity": True, "skip": [] if skip is None else [str(s) for s in skip]}))
    return kept
