"""Argument checks shared by the API and the command line.

Each check returns the value (converted) or raises
:class:`~civictext.errors.ParameterError` naming the parameter, what was given
and what is allowed. NaN and infinity are refused wherever a range is given.
"""
from __future__ import annotations

import math
import re
from typing import Any

from civictext.errors import ParameterError, ParameterTypeError

__all__ = ["number", "integer", "choice", "regex", "SEED_MAX", "MAX_STABILITY_SEEDS",
           "max_jobs"]

#: Largest random_state numpy accepts (seeds are 0 .. 2**32 - 1).
SEED_MAX = 2**32 - 1
#: Most refits a topic-stability check may ask for (each is a full topic-model fit).
MAX_STABILITY_SEEDS = 100


def max_jobs() -> int:
    """Most worker processes a command may start: 4 per core (at least 8); more only
    exhausts memory (each segmentation worker loads the model)."""
    import os

    return max(4 * (os.cpu_count() or 1), 8)


def _range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo:g}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {hi:g}")
    return " and ".join(parts) if parts else "finite"


def number(value: Any, name: str, where: str, *, lo: float | None = None,
           hi: float | None = None, lo_open: bool = False, hi_open: bool = False) -> float:
    """``value`` as a finite float within the range, else a ParameterError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise ParameterTypeError(f"{where}: {name} must be a number, got {value!r}")
    x = float(value)
    ok = math.isfinite(x)
    if ok and lo is not None:
        ok = x > lo if lo_open else x >= lo
    if ok and hi is not None:
        ok = x < hi if hi_open else x <= hi
    if not ok:
        raise ParameterError(f"{where}: {name} must be a finite number "
                             f"{_range_text(lo, hi, lo_open, hi_open)}, got {value!r}")
    return x


def integer(value: Any, name: str, where: str, *, lo: int | None = None,
            hi: int | None = None, hint: str = "") -> int:
    """``value`` as an int within [lo, hi], else a ParameterError."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterTypeError(f"{where}: {name} must be a whole number, got {value!r}")
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ParameterError(f"{where}: {name} must be a whole number "
                             f"{_range_text(lo, hi, False, False)}, got {value!r}"
                             + (f"; {hint}" if hint else ""))
    return v


def choice(value: Any, name: str, where: str, allowed: tuple) -> Any:
    if value not in allowed:
        raise ParameterError(f"{where}: {name} must be one of "
                             f"{', '.join(map(str, allowed))}, got {value!r}")
    return value


def regex(value: Any, name: str, where: str) -> re.Pattern:
    if not isinstance(value, str):
        raise ParameterTypeError(f"{where}: {name} must be a regular expression (str), "
                                 f"got {type(value).__name__}")
    try:
        return re.compile(value)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ParameterError(f"{where}: {name} {value!r} is not a valid regular expression "
                             f"({exc})") from None
