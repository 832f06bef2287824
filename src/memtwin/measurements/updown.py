"""Two-column up/down table: the response to successive up pulses, and to successive down pulses.

Headers name the two columns by phase words (``up, down``; ``potentiation, depression``;
``LTP (uS), LTD (uS)``; ``set, reset``); a unit may follow, as everywhere. An optional ``pulse``
(index) column is ignored: reads are numbered by position. Each column is one ramp (cycle 1)
unless ``pulses_per_cycle=`` splits concatenated cycles. Values are absolute responses
(conductance, or resistance/current by unit), not changes per pulse.
"""

from __future__ import annotations

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements import convert
from memtwin.measurements.checks import GAP_HELP, finish, ramp_extent
from memtwin.measurements.grid import Grid
from memtwin.measurements.phases import phases_in_name
from memtwin.measurements.table import PHASES, PulseTable
from memtwin.measurements.units import PULSE, RESPONSES, ColumnSpec, parse_header
from memtwin.measurements.wide import ramp_spec

UPDOWN_HELP = "two columns named like 'up, down', 'potentiation, depression' or 'LTP, LTD'"


def updown_columns(specs: list[ColumnSpec]) -> dict[str, int] | None:
    """``{phase: column}`` when the headers are exactly one up and one down column (plus a pulse
    index), else ``None``."""
    found: dict[str, int] = {}
    for j, spec in enumerate(specs):
        if spec.quantity == PULSE and spec.unit is None:
            continue
        phases = phases_in_name(spec.label)
        if len(phases) != 1 or spec.quantity not in (None, *RESPONSES):
            return None
        p = phases.pop()
        if p in found:
            return None
        found[p] = j
    return found if len(found) == 2 else None


def read_updown(
    grid: Grid,
    *,
    phase: str | None = None,
    device: str | None = None,
    read_voltage_V: float | None = None,
    pulses_per_cycle: int | None = None,
) -> PulseTable:
    """Read an up/down grid into a validated table (see the module notes)."""
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    columns = updown_columns(specs)
    if columns is None:
        raise MeasurementError(
            "not an up/down table",
            file=grid.file,
            row=grid.header_row,
            value=", ".join(grid.header),
            expected=UPDOWN_HELP,
        )
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("cycle", "pulse", "conductance_S", "rows")}
    phases: list[str] = []
    currents: list[np.ndarray | None] = []
    voltages: list[np.ndarray | None] = []
    for p in PHASES:
        if phase is not None and p != phase:
            continue
        j = columns[p]
        spec = ramp_spec(specs[j], grid.file)
        length, gap = ramp_extent(grid.numbers(j, convert.describe(spec)))
        if gap is not None:
            raise grid.error("blank cell inside the column", gap, j, GAP_HELP)
        if length == 0:
            continue
        size = pulses_per_cycle or length
        if length % size:
            raise grid.error(
                f"{length} values are not whole cycles of pulses_per_cycle={size}",
                length - length % size,
                j,
                f"a multiple of {size} values",
            )
        idx = np.arange(length)
        read_v = read_voltage_V if read_voltage_V is not None else spec.read_voltage_V
        rv = None if read_v is None else np.full(length, float(read_v))
        g, current = convert.conductance(grid, j, spec, idx, rv)
        parts["cycle"].append(idx // size + 1)
        parts["pulse"].append(idx % size + 1)
        parts["conductance_S"].append(g)
        parts["rows"].append(grid.rows[idx])
        currents.append(current)
        voltages.append(rv)
        phases += [p] * length
    if not phases:
        raise MeasurementError("the up/down columns are empty", file=grid.file, expected="at least one value")
    out: dict[str, np.ndarray | list[str]] = {k: np.concatenate(v) for k, v in parts.items() if k != "rows"}
    out["phase"] = phases
    out["device"] = [device or "device"] * len(phases)
    for column, pieces in (("read_current_A", currents), ("read_voltage_V", voltages)):
        if all(c is not None for c in pieces):
            out[column] = np.concatenate([c for c in pieces if c is not None])
    return finish(out, np.concatenate(parts["rows"]), grid.file)
