"""Checks for configuration values: one way to validate a key, with one form of error.

Every check takes the key as the user wrote it (``"variability.d2d_update"``, ``"drift.t0_s"``) and the
value, returns the value in its canonical type, and otherwise raises :class:`~memtwin.errors.ConfigError`
naming both and what is allowed::

    variability.d2d_update = -0.1: must be >= 0 and finite

``number``: a finite real (ints accepted, booleans not), optionally bounded; ``integer``: a whole
number, optionally bounded; ``numbers``: a list of such reals (errors name ``key[i]``); ``choice``: one
of a few options; ``flag``: true or false; ``text``: a string; ``check_keys``: a table holds no unknown
keys; ``fail``: raise the same error for a rule the checks do not cover. ``note`` (where accepted) is
added in parentheses: a unit (``"V"``) or what else is allowed (``"or None for no limit"``).
"""

from __future__ import annotations

import math
import numbers as _numbers
from collections.abc import Collection, Iterable
from typing import NoReturn, TypedDict, TypeVar, Unpack

from memtwin.errors import ConfigError

__all__ = ["Bounds", "check_keys", "choice", "fail", "flag", "integer", "number", "numbers", "text"]

T = TypeVar("T")


def fail(key: str, value: object, requirement: str) -> NoReturn:
    """Raise ``ConfigError("<key> = <value!r>: <requirement>")``."""
    raise ConfigError(f"{key} = {value!r}: {requirement}")


def number(
    key: str,
    value: object,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    note: str = "",
) -> float:
    """``value`` as a float: a finite real number (not a boolean) within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, _numbers.Real):
        fail(key, value, _with_note("must be a number", note))
    v = float(value)
    inside = (
        math.isfinite(v)
        and (ge is None or v >= ge)
        and (gt is None or v > gt)
        and (le is None or v <= le)
        and (lt is None or v < lt)
    )
    if not inside:
        fail(key, value, _with_note(f"must be {_bounds(ge, gt, le, lt)}", note))
    return v


def integer(key: str, value: object, *, ge: int | None = None, le: int | None = None, note: str = "") -> int:
    """``value`` as an int: a whole number of an integer type (not a boolean, not a float) within the
    bounds."""
    requirement = _with_note(f"must be an integer {_bounds(ge, None, le, None, finite=False)}".rstrip(), note)
    if isinstance(value, bool) or not isinstance(value, _numbers.Integral):
        fail(key, value, requirement)
    v = int(value)
    if (ge is not None and v < ge) or (le is not None and v > le):
        fail(key, value, requirement)
    return v


class Bounds(TypedDict, total=False):
    """The keyword arguments of :func:`number`, passed on by :func:`numbers`."""

    ge: float | None
    gt: float | None
    le: float | None
    lt: float | None
    note: str


def numbers(key: str, value: object, **bounds: Unpack[Bounds]) -> tuple[float, ...]:
    """``value`` (a list or tuple) as a tuple of floats, each checked as :func:`number` with the same
    keyword arguments (errors name ``key[i]``)."""
    if not isinstance(value, list | tuple):
        fail(key, value, "must be a list of numbers")
    return tuple(number(f"{key}[{i}]", v, **bounds) for i, v in enumerate(value))


def choice(key: str, value: object, options: Collection[T]) -> T:
    """``value`` if it is one of ``options``."""
    if value not in options:
        fail(key, value, f"must be one of {', '.join(map(repr, options))}")
    return value  # type: ignore[return-value]


def flag(key: str, value: object) -> bool:
    """``value`` if it is a boolean."""
    if not isinstance(value, bool):
        fail(key, value, "must be true or false")
    return value


def text(key: str, value: object) -> str:
    """``value`` if it is a string."""
    if not isinstance(value, str):
        fail(key, value, "must be a string")
    return value


def check_keys(where: str, keys: Iterable[str], valid: Collection[str], *, hint: str = "") -> None:
    """Raise if ``keys`` (a table's keys) hold one that is not ``valid``: a typo must not be ignored."""
    unknown = [k for k in keys if k not in valid]
    if unknown:
        extra = f" ({hint})" if hint else ""
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; valid keys: {', '.join(valid)}{extra}"
        )


# ----------------------------------------------------------------------------------------- wording


def _bounds(
    ge: float | None, gt: float | None, le: float | None, lt: float | None, *, finite: bool = True
) -> str:
    """``>= 0 and finite``, ``within [0, 1]``, ``within (0, 100]``, ``finite``, ... ."""
    low = (f"[{ge}", f">= {ge}") if ge is not None else (f"({gt}", f"> {gt}") if gt is not None else None
    high = (f"{le}]", f"<= {le}") if le is not None else (f"{lt})", f"< {lt}") if lt is not None else None
    if low and high:
        return f"within {low[0]}, {high[0]}"
    one = (low or high or ("", ""))[1]
    if not finite:
        return one
    return f"{one} and finite" if one else "finite"


def _with_note(requirement: str, note: str) -> str:
    return f"{requirement} ({note})" if note else requirement
