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
from typing import Any

import numpy as np
import pandas as pd

from memtwin.errors import MeasurementWarning
from memtwin.measurements.reading import Report, map_onto_g_range
from memtwin.measurements.table import DEPRESSION, POTENTIATION, PulseTable

GAP_HELP = "no gaps inside a ramp: blank cells only after its last value"

# column, lowest plausible, highest plausible, what, unit, how to write the header
_PLAUSIBLE = (
    (
        "conductance_S",
        1e-12,
        1.0,
        "conductance",
        "S",
        "'G (uS)', or --quantity / --g-range for unitless values",
    ),
    ("read_voltage_V", None, 5.0, "read voltage", "V", "'V_read (mV)'"),
    ("pulse_amplitude_V", None, 20.0, "pulse amplitude", "V", "'V_pulse (V)'"),
    ("pulse_width_s", 1e-12, 1.0, "pulse width", "s", "'width (ns)'"),
    ("read_current_A", None, 1.0, "read current", "A", "'I (uA)'"),
    ("pulse_current_A", None, 1.0, "pulse current", "A", "'I_pulse (uA)'"),
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


def finish(
    columns: Mapping[str, np.ndarray | Sequence[object]], rows: np.ndarray, report: Report
) -> PulseTable:
    """Build, validate and sanity-check the table a reader assembled (``rows``: spreadsheet rows)."""
    table = PulseTable.from_frame(
        pd.DataFrame(dict(columns)), report.grid.file, rows=rows, layout=report.line()
    )
    warn_implausible(table)
    warn_directions(table)
    return table


def apply_g_range(columns: dict[str, Any], report: Report, g_range: tuple[float, float] | None) -> None:
    """With ``--g-range``, map the raw values in ``conductance_S`` onto it, device by device.

    Readers call this before selecting a phase or device, so a device's span is its whole trace.
    """
    if g_range is not None:
        g = np.asarray(columns["conductance_S"], dtype=float)
        columns["conductance_S"] = map_onto_g_range(g, list(columns["device"]), report, g_range)


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
    device, names = pd.factorize(f["device"])
    depression = (f["phase"] != POTENTIATION).to_numpy()
    cycle = f["cycle"].to_numpy()
    g = f["conductance_S"].to_numpy(dtype=float)
    change = np.r_[
        True, (device[1:] != device[:-1]) | (cycle[1:] != cycle[:-1]) | (depression[1:] != depression[:-1])
    ]
    starts = np.flatnonzero(change)
    ends = np.r_[starts[1:], len(f)] - 1
    delta = g[ends] - g[starts]
    for d, name in enumerate(names):
        for dep in (False, True):
            ramps = (device[starts] == d) & (depression[starts] == dep)
            if not ramps.any():
                continue
            span = float(np.ptp(g[(device == d) & (depression == dep)]))
            sign = -1.0 if dep else 1.0
            against = ramps & (delta * sign < -_AGAINST * span)
            if span <= 0 or not against.any():
                continue
            phase = DEPRESSION if dep else POTENTIATION
            moves = "rises" if dep else "falls"
            who = f"device {name!r}: " if len(names) > 1 else ""
            if against.sum() == ramps.sum():
                _warn(
                    f"{table.source}: {who}the conductance {moves} in every {phase} ramp; "
                    "are potentiation and depression swapped (--phase or file names)?"
                )
            else:
                odd = cycle[starts[against]]
                listed = ", ".join(str(c) for c in odd[:5]) + (" …" if len(odd) > 5 else "")
                _warn(
                    f"{table.source}: {who}the conductance {moves} in {phase} cycle(s) {listed}, "
                    "unlike the others; mixed phases in one file?"
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
