"""Validation of defense parameters: one error type, messages that name param, value and range."""

from __future__ import annotations

import math
from typing import Any

from mia_platform.errors import ConfigError


class DefenseParamError(ConfigError, ValueError):
    """A defense parameter is out of range: a ConfigError (one-line CLI message) and a ValueError."""


def fail(defense: str, param: str, value: Any, allowed: str) -> DefenseParamError:
    """The error for ``defense``'s ``param`` set to ``value``; ``allowed`` says what is valid."""
    return DefenseParamError(f"defense {defense!r}: {param} must be {allowed}, got {value!r}")


def real(
    defense: str,
    param: str,
    value: Any,
    *,
    low: float,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = True,
) -> float:
    """``value`` as a finite float in the interval given by ``low``/``high`` and openness."""
    left = "(" if low_open else "["
    right = ")" if high_open or math.isinf(high) else "]"
    allowed = f"a number in {left}{low:g}, {high:g}{right}"
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise fail(defense, param, value, allowed)
    number = float(value)
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if too_low or too_high or math.isinf(number):
        raise fail(defense, param, value, allowed)
    return number


def integer(defense: str, param: str, value: Any, *, low: int) -> int:
    """``value`` as an int >= ``low`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise fail(defense, param, value, f"an integer >= {low}")
    return value
