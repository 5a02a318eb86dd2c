"""Argument checks shared by the package: a wrong type or value is an InvalidArgumentError (a
ValueError) naming what was expected."""
import math
import numbers

from ._qforge import InvalidArgumentError


# Integers cross to C++ as 64-bit values: larger ones are refused, never wrapped.
INT_LIMIT = 2**62


def check_int(name, value, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name} must be an integer, not {type(value).__name__}")
    high = INT_LIMIT if high is None else high
    low = -INT_LIMIT if low is None else low
    if value < low or value > high:
        bounds = f">= {low}" if high == INT_LIMIT else f"in {low}..{high}"
        raise InvalidArgumentError(f"{name} must be {bounds}, not {value}")
    return int(value)


def check_number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(f"{name} must be a number, not {type(value).__name__}")
    if not math.isfinite(value):
        raise InvalidArgumentError(f"{name} must be finite, not {value}")
    return float(value)


def check_choice(name, value, choices):
    if value not in choices:
        raise InvalidArgumentError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}")
    return value


def check_bool(name, value):
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be True or False, not {value!r}")
    return value
