"""The built-in models (28x28 gray images, 10 classes), each with its training recipe:
``qforge.zoo.lenet5(seed=1)``; ``qforge.zoo.names()`` lists them."""
from . import _qforge
from ._checks import check_int
from .models import Model

_MODELS = dict(_qforge.zoo_models())


def names():
    return list(_MODELS)


def describe(name):
    if name not in _MODELS:
        raise _qforge.InvalidArgumentError(f"unknown zoo model {name!r} (one of: {', '.join(_MODELS)})")
    return _MODELS[name]


def build(name, seed=1):
    """A new zoo model with weights drawn from ``seed`` (as `qforge train --model NAME --seed S`)."""
    return Model(_qforge.ModelCore.from_zoo(name, check_int("seed", seed, 0)))


def _builder(name):
    def make(seed=1):
        return build(name, seed)
    make.__name__ = name
    make.__doc__ = f"{_MODELS[name]} (a new model, weights drawn from seed)."
    return make


globals().update({name: _builder(name) for name in _MODELS})
__all__ = ["names", "describe", "build"] + list(_MODELS)
