"""SI prefixes for display: a 0.1 nS device must not print as 0.000 µS.

Everything inside memtwin is SI; tables, figures and reports choose a prefix per quantity from the
values they show (one prefix for a whole axis or table row, so the numbers compare at a glance).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

#: (factor, prefix) from small to large; µ is the micro sign researchers write.
PREFIXES: tuple[tuple[float, str], ...] = (
    (1e-15, "f"),
    (1e-12, "p"),
    (1e-9, "n"),
    (1e-6, "µ"),
    (1e-3, "m"),
    (1.0, ""),
    (1e3, "k"),
    (1e6, "M"),
    (1e9, "G"),
)


def prefix_for(values: float | Iterable[float | None]) -> tuple[float, str]:
    """``(factor, prefix)`` putting the largest finite magnitude of ``values`` in [1, 1000): divide by
    ``factor`` and write ``prefix`` before the unit. No finite non-zero value: no prefix."""
    items = [values] if isinstance(values, int | float) else list(values)
    finite = [abs(float(v)) for v in items if v is not None and math.isfinite(float(v)) and v != 0]
    if not finite:
        return 1.0, ""
    top = max(finite)
    chosen = PREFIXES[0]
    for factor, prefix in PREFIXES:
        if top >= factor * (1 - 1e-12):
            chosen = (factor, prefix)
    return chosen


def scaled(values: Iterable[float | None], unit: str) -> tuple[float, str]:
    """``(factor, "µS")``: the factor to divide ``values`` by and the prefixed unit to label them with."""
    factor, prefix = prefix_for(values)
    return factor, f"{prefix}{unit}"


def si(value: float | None, unit: str, digits: int = 4, *, signed: bool = False) -> str:
    """``value`` with its own prefix and ``digits`` significant digits: ``si(2.374e-8, "J")`` →
    ``'23.74 nJ'``; None/NaN → an em dash."""
    if value is None or not math.isfinite(float(value)):
        return "—"
    factor, prefix = prefix_for(value)
    text = f"{float(value) / factor:{'+' if signed else ''}.{digits}g}"
    return f"{text} {prefix}{unit}"


def si_row(values: Iterable[float | None], unit: str, digits: int = 4, *, signed: bool = False) -> list[str]:
    """Several values of one quantity with one shared prefix (a table row or a pair of phases), so they
    compare at a glance: ``si_row([8.1e-5, 8.05e-5], "S")`` → ``['81.00 µS', '80.50 µS']``."""
    items = list(values)
    factor, prefix = prefix_for(items)
    out = []
    for v in items:
        if v is None or not math.isfinite(float(v)):
            out.append("—")
        else:
            out.append(f"{float(v) / factor:{'+' if signed else ''}.{digits}g} {prefix}{unit}")
    return out
