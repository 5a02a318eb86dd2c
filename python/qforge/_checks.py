"""Argument checks shared by the package: a wrong type or value is an InvalidArgumentError (a
ValueError) naming what was expected."""
import numbers

from ._qforge import InvalidArgumentError


def check_int(name, value, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name} must be an integer, not {type(value).__name__}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"in {low}..{high}"
        raise InvalidArgumentError(f"{name} must be {bounds}, not {value}")
    return int(value)


def check_number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(f"{name} must be a number, not {type(value).__name__}")
    return float(value)


def check_choice(name, value, choices):
    if value not in choices:
        raise InvalidArgumentError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}")
    return value


def check_bool(name, value):
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be True or False, not {value!r}")
    return value
