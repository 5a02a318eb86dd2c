"""Optimizers for Model.fit: the optimizer, its learning rate and weight decay."""
from dataclasses import dataclass

from ._checks import check_bool, check_number


@dataclass
class SGD:
    lr: float = 0.01
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0

    def options(self):
        return {"type": "sgd", "lr": check_number("lr", self.lr), "momentum": check_number("momentum", self.momentum),
                "nesterov": check_bool("nesterov", self.nesterov),
                "weight_decay": check_number("weight_decay", self.weight_decay)}


@dataclass
class Adam:
    lr: float = 1e-3
    weight_decay: float = 0.0  # L2, added to the gradient

    def options(self):
        return {"type": "adam", "lr": check_number("lr", self.lr),
                "weight_decay": check_number("weight_decay", self.weight_decay)}


@dataclass
class AdamW:
    lr: float = 1e-3
    weight_decay: float = 0.01  # decoupled (Loshchilov and Hutter 2019)

    def options(self):
        return {"type": "adamw", "lr": check_number("lr", self.lr),
                "weight_decay": check_number("weight_decay", self.weight_decay)}


def options_of(optimizer):
    """The fit option for an optimizer given as an object above, a name, or None (the recipe's)."""
    from ._qforge import InvalidArgumentError
    if optimizer is None:
        return {}
    if isinstance(optimizer, str):
        if optimizer not in ("sgd", "adam", "adamw"):
            raise InvalidArgumentError(f"optimizer must be 'sgd', 'adam', 'adamw' or an optimizer object, not {optimizer!r}")
        return {"type": optimizer}
    if isinstance(optimizer, (SGD, Adam, AdamW)):
        return optimizer.options()
    raise InvalidArgumentError(f"optimizer must be a name or qforge.optimizers.SGD/Adam/AdamW, not {type(optimizer).__name__}")
