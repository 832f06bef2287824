"""Checks every reader shares: gaps inside ramps, the final table, and plausibility warnings.

Why warnings and not errors for plausibility: a value of 150 S is almost surely µS without a unit in
the header, but memtwin cannot be sure, and a lab with an unusual device must still be able to load
its data. A warning names the file and the likely fix.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from memtwin.errors import MeasurementWarning
from memtwin.measurements.table import POTENTIATION, PulseTable

GAP_HELP = "no gaps inside a ramp: blank cells only after its last value"

# column, lowest plausible, highest plausible, what, unit, how to write the header
_PLAUSIBLE = (
    ("conductance_S", 1e-12, 1.0, "conductance", "S", "'G (uS)'"),
    ("read_voltage_V", None, 5.0, "read voltage", "V", "'V_read (mV)'"),
    ("pulse_amplitude_V", None, 20.0, "pulse amplitude", "V", "'V_pulse (V)'"),
    ("pulse_width_s", 1e-12, 1.0, "pulse width", "s", "'width (ns)'"),
    ("read_current_A", None, 1.0, "read current", "A", "'I (uA)'"),
)
# A ramp "goes the wrong way" when it moves against its phase by this share of the phase's range.
_AGAINST = 0.25


def ramp_extent(values: np.ndarray) -> tuple[int, int | None]:
    """Cells up to a ramp's last value, and the index of the first blank before it (``None``: no gap)."""
    filled = ~np.isnan(values)
    if not filled.any():
        return 0, None
    n = int(np.flatnonzero(filled)[-1]) + 1
    holes = np.flatnonzero(~filled[:n])
    return n, (int(holes[0]) if len(holes) else None)


def finish(columns: Mapping[str, np.ndarray | Sequence[object]], rows: np.ndarray, file: str) -> PulseTable:
    """Build, validate and sanity-check the table a reader assembled (``rows``: spreadsheet rows)."""
    table = PulseTable.from_frame(pd.DataFrame(dict(columns)), file, rows=rows)
    warn_implausible(table)
    warn_directions(table)
    return table


def warn_implausible(table: PulseTable) -> None:
    """Warn (:class:`MeasurementWarning`) about values that suggest a wrong or missing unit."""
    f = table.frame
    for column, low, high, what, unit, example in _PLAUSIBLE:
        if column not in f.columns:
            continue
        values = np.abs(f[column].to_numpy(dtype=float))
        top, bottom = float(values.max()), float(values.min())
        if top > high:
            _warn(
                f"{table.source}: {what} up to {top:g} {unit} is implausible for a memristor "
                f"(above {high:g} {unit}); is the unit missing from the header, e.g. {example}?"
            )
        if low is not None and bottom < low:
            _warn(
                f"{table.source}: {what} down to {bottom:g} {unit} is implausible for a memristor "
                f"(below {low:g} {unit}); check the unit in the header, e.g. {example}"
            )


def warn_directions(table: PulseTable) -> None:
    """Warn when ramps move against their phase: swapped set/reset files or mixed phases."""
    f = table.frame
    if len(f) < 2:
        return
    key = pd.MultiIndex.from_frame(f[["device", "cycle", "phase"]]).codes
    change = np.zeros(len(f), dtype=bool)
    change[0] = True
    for codes in key:
        change[1:] |= codes[1:] != codes[:-1]
    starts = np.flatnonzero(change)
    ends = np.r_[starts[1:], len(f)] - 1
    g = f["conductance_S"].to_numpy(dtype=float)
    delta = g[ends] - g[starts]
    ramps = f.iloc[starts][["device", "phase", "cycle"]].assign(delta=delta)
    for (device, phase), sub in ramps.groupby(["device", "phase"], sort=False):
        sel = (f["device"] == device) & (f["phase"] == phase)
        span = float(np.ptp(g[sel.to_numpy()]))
        if span <= 0:
            continue
        sign = 1.0 if phase == POTENTIATION else -1.0
        against = sub[sub["delta"].to_numpy() * sign < -_AGAINST * span]
        moves = "falls" if phase == POTENTIATION else "rises"
        who = f"device {device!r}: " if table.frame["device"].nunique() > 1 else ""
        if len(against) and len(against) == len(sub):
            _warn(
                f"{table.source}: {who}the conductance {moves} in every {phase} ramp; "
                "are potentiation and depression swapped (phase= or file names)?"
            )
        elif len(against):
            cycles = ", ".join(str(c) for c in against["cycle"].head(5))
            _warn(
                f"{table.source}: {who}the conductance {moves} in {phase} cycle(s) {cycles}"
                f"{' …' if len(against) > 5 else ''}, unlike the others; mixed phases in one file?"
            )


def _warn(message: str) -> None:
    warnings.warn(message, MeasurementWarning, stacklevel=caller_stacklevel())


def caller_stacklevel() -> int:
    """``stacklevel`` that points a warning at the first caller outside this package (3.11 has no
    ``skip_file_prefixes``), so the user sees their own ``load(...)`` line."""
    here = os.path.dirname(__file__)
    frame = sys._getframe(1)
    level = 1
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == here:
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
