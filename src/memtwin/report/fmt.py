"""Number formatting for the report: SI values in, the units a researcher reads out (µS or nS, nJ, V, %).

Everything inside memtwin is SI; only this edge converts. Every formatter accepts ``None``, NaN and
values of the wrong type and prints an em dash (or the value's text) instead of raising, because a
report of a half-written or older run must still render.
"""

from __future__ import annotations

import json
import math
from typing import Any

from memtwin import siformat

DASH = "—"

#: (seconds, singular, plural) from the largest unit down; a duration is shown in the largest unit that
#: divides it into a whole number below 1000, else in the largest unit it reaches, to 3 digits (so
#: 30 days stays "30 days", not "4.29 weeks", and 5000 s reads "1.39 h").
_UNITS: tuple[tuple[float, str, str], ...] = (
    (365 * 86400.0, "year", "years"),
    (7 * 86400.0, "week", "weeks"),
    (86400.0, "day", "days"),
    (3600.0, "h", "h"),
    (60.0, "min", "min"),
    (1.0, "s", "s"),
)


def number(x: Any) -> float | None:
    """``x`` as a finite float, or None (None, NaN, inf, bools, strings that are not numbers)."""
    if isinstance(x, bool) or x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fixed(x: Any, fmt: str, scale: float = 1.0, unit: str = "") -> str:
    """``x * scale`` in ``fmt``, with an optional unit after a thin space; a dash when not a number."""
    v = number(x)
    if v is None:
        return DASH
    text = format(v * scale, fmt)
    return f"{text} {unit}" if unit else text


def percent(fraction: Any, digits: int = 2) -> str:
    """An accuracy fraction (0–1) as a percentage: 0.9807 → '98.07 %'."""
    return fixed(fraction, f".{digits}f", 100.0, "%")


def mean_std_percent(mean: Any, std: Any, digits: int = 2) -> str:
    """'98.00 ± 0.05 %' from fractions; the ± part is left out when the std is missing."""
    m = number(mean)
    if m is None:
        return DASH
    s = number(std)
    if s is None:
        return f"{100 * m:.{digits}f} %"
    return f"{100 * m:.{digits}f} ± {100 * s:.{digits}f} %"


def loss_points(digital: Any, analog: Any, digits: int = 2) -> str:
    """Accuracy loss of analog vs digital in percentage points (positive = analog is worse)."""
    d, a = number(digital), number(analog)
    if d is None or a is None:
        return DASH
    loss = 100 * (d - a)
    if abs(loss) < 0.5 * 10**-digits:
        loss = 0.0
    return f"{loss:.{digits}f}".replace("-", "−")


def duration(seconds: Any) -> str:
    """A time after programming as people say it: 1 → '1 s', 3600 → '1 h', 2592000 → '30 days'."""
    t = number(seconds)
    if t is None:
        return DASH
    if t == 0:
        return "0 s"
    if t < 1:
        return f"{t * 1e3:.3g} ms"
    for size, one, many in _UNITS:
        n = t / size
        if 1 <= n < 1000 and abs(n - round(n)) < 1e-9:
            k = round(n)
            return f"{k} {one if k == 1 else many}"
    for size, one, many in _UNITS:
        n = t / size
        if n >= 1:
            return f"{n:.3g} {one if n == 1 else many}"
    return f"{t:.3g} s"  # pragma: no cover - t >= 1 always reaches the seconds unit


def elapsed(seconds: Any) -> str:
    """A wall time: '0.84 s', '12.3 s', '4 min 05 s', '2 h 03 min'."""
    t = number(seconds)
    if t is None:
        return DASH
    if t < 60:
        return f"{t:.3g} s"
    if t < 3600:
        m, s = divmod(round(t), 60)
        return f"{m} min {s:02d} s"
    h, rest = divmod(round(t), 3600)
    return f"{h} h {rest // 60:02d} min"


#: Keys whose values are shown with their own SI prefix (a 0.1 nS device must not print as 0.000 µS):
#: suffix → unit written after the prefix.
_PREFIXED = (("_S_per_pulse", "S/pulse"), ("_S", "S"), ("_J", "J"))


def _prefixed_unit(key: str) -> tuple[str, str] | None:
    """(label without the SI suffix, unit) for keys shown with an SI prefix per value."""
    for suffix, unit in _PREFIXED:
        if key.endswith(suffix):
            return key[: -len(suffix)], unit
    return None


def _unit_of(key: str) -> tuple[str, str, float, str] | None:
    """(label without the SI suffix, unit shown, scale, format) for keys shown in a fixed unit."""
    if key.endswith("_V"):
        return key[:-2], "V", 1.0, ".3f"
    return None


def si(x: Any, unit: str, digits: int = 4) -> str:
    """``x`` (SI) with the prefix its size calls for: 2.374e-8 J → '23.74 nJ'; a dash when not a number."""
    v = number(x)
    return DASH if v is None else siformat.si(v, unit, digits)


def label(key: str) -> str:
    """A column heading from a JSON key: 'max_programming_voltage_V' → 'max programming voltage (V)';
    keys of prefixed quantities ('g_ref_S') lose the suffix, since each cell carries its unit."""
    prefixed = _prefixed_unit(key)
    if prefixed is not None:
        return prefixed[0].replace("_", " ")
    unit = _unit_of(key)
    if unit is not None:
        return f"{unit[0].replace('_', ' ')} ({unit[1]})"
    if key.endswith("_s"):
        return key[:-2].replace("_", " ")
    if "accuracy" in key:
        return f"{key.replace('_', ' ')} (%)"
    return key.replace("_", " ")


def with_unit(key: str, x: Any) -> str:
    """:func:`value` followed by the unit its key implies, for values shown outside a labelled
    column: ('g_ref_S', 2.5e-5) → '25 µS'."""
    text = value(key, x)
    unit = _unit_of(key)
    return f"{text} {unit[1]}" if unit is not None and text != DASH and number(x) is not None else text


def compact_json(value: Any, limit: int = 240) -> str:
    """Any JSON value on one line, cut at ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value(key: str, x: Any) -> str:
    """A value of an unknown or generic field, formatted by what its key says it is.

    Keys with an SI suffix ``_S``/``_J`` get the prefix their value calls for (pS … mS, nJ), ``_V`` V,
    ``_s`` a duration,
    accuracies (fractions) to %, other numbers to 4 significant digits; anything else as compact JSON.
    """
    if x is None:
        return DASH
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, str):
        return x
    prefixed = _prefixed_unit(key)
    if isinstance(x, dict) and {"mean", "std"} <= set(x) and prefixed is not None:
        mean, std = number(x["mean"]), number(x["std"])
        if mean is None:
            return DASH
        if std is None:
            return si(mean, prefixed[1])
        mean_text, std_text = siformat.si_row([mean, std], prefixed[1])
        return f"{mean_text.rsplit(' ', 1)[0]} ± {std_text}"
    if isinstance(x, dict) and {"mean", "std"} <= set(x):
        unit = _unit_of(key)
        if unit is not None:
            m = fixed(x["mean"], unit[3], unit[2])
            s = number(x["std"])
            return m if s is None else f"{m} ± {s * unit[2]:{unit[3]}}"
    if isinstance(x, list | tuple) and x and all(number(v) is not None for v in x):
        shown = [value(key, v) for v in x[:8]]
        return ", ".join(shown) + (f", … ({len(x)} values)" if len(x) > 8 else "")
    v = number(x)
    if v is None:
        return compact_json(x) if not isinstance(x, int | float) else DASH
    if prefixed is not None:
        return si(v, prefixed[1])
    unit = _unit_of(key)
    if unit is not None:
        return fixed(v, unit[3], unit[2])
    if key.endswith("time_s"):
        return duration(v)
    if key.endswith("_s"):
        return elapsed(v)
    if "accuracy" in key and 0.0 <= v <= 1.0:
        return fixed(v, ".2f", 100.0)
    if isinstance(x, int):
        return str(x)
    return f"{v:.4g}"
