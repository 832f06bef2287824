"""Tidy layout: one row per read, one column per quantity (``cycle, phase, pulse, G (uS), ...``).

Rules where labs differ:
- the response is a conductance, a resistance (G = 1/R) or a read current (G = |I/V|, V from a
  read-voltage column, the header ``I (A) @ 0.1 V`` or ``read_voltage_V=``), as its header names it
  (``quantity=`` must agree); a bare ``G`` of normalized values maps onto ``g_range=``;
- a plain ``V`` column is the read voltage when the file has currents and no read-voltage column,
  otherwise the pulse amplitude;
- no ``cycle`` column: runs of the same phase, in file order, are ramps; the k-th potentiation and
  k-th depression ramp of a device form cycle k;
- no ``pulse`` column: reads are numbered 1.. within each (device, cycle, phase) in file order;
- ``phase=``/``device=`` fill in a missing column, or select those rows when the column exists;
- a pulse current (``I_pulse (uA)``, ``programming current``) is the current during the programming
  pulse, not a read; only this layout carries it, since it belongs to one read of one device;
- columns memtwin does not know (comments, temperature) are ignored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from memtwin.errors import MeasurementError
from memtwin.measurements import convert
from memtwin.measurements.assemble import Columns, finish_phase, keep_rows
from memtwin.measurements.checks import apply_g_range
from memtwin.measurements.grid import Grid
from memtwin.measurements.phases import PHASE_VALUES_HELP, phase_of_value
from memtwin.measurements.reading import Report, Request
from memtwin.measurements.table import PHASES, POTENTIATION, PulseTable
from memtwin.measurements.units import (
    CONDUCTANCE,
    CURRENT,
    CYCLE,
    DEVICE,
    PHASE,
    PULSE,
    PULSE_AMPLITUDE,
    PULSE_CURRENT,
    PULSE_WIDTH,
    READ_VOLTAGE,
    RESISTANCE,
    TIME,
    VOLTAGE,
    ColumnSpec,
    parse_header,
)

_LABELS = (PHASE, CYCLE, PULSE, DEVICE)
_RESPONSE_HELP = "a column such as 'conductance_S', 'G (uS)', 'R (kOhm)' or 'I (uA)' with 'V_read (V)'"


def columns_by_quantity(grid: Grid) -> tuple[dict[str, int], list[ColumnSpec]]:
    """Map each known quantity to its column; a quantity named twice is an error."""
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    found: dict[str, int] = {}
    generic: list[int] = []
    for j, spec in enumerate(specs):
        q = spec.quantity
        if q is None:
            continue
        if q == VOLTAGE:
            generic.append(j)
            continue
        if q in found:
            raise grid.twice_error(q, found[q], j)
        found[q] = j
    for j in generic:
        if CURRENT in found and READ_VOLTAGE not in found:
            found[READ_VOLTAGE] = j
        elif PULSE_AMPLITUDE not in found:
            found[PULSE_AMPLITUDE] = j
        elif READ_VOLTAGE not in found:
            found[READ_VOLTAGE] = j
        else:
            raise grid.twice_error(VOLTAGE, found[PULSE_AMPLITUDE], j)
    return found, specs


def read_tidy(grid: Grid, req: Request, report: Report) -> PulseTable:
    """Read a tidy grid into a validated table (see the module notes for the rules)."""
    if req.columns is not None:
        raise MeasurementError(
            "--columns does not apply to the tidy layout: its columns are named by their headers",
            file=grid.file,
            value=", ".join(r.text for r in req.columns),
            expected="no --columns (--device selects a device of the device column)",
        )
    filled = grid.filled()
    grid = grid.drop_blank_rows()
    report.grid = grid
    found, specs = columns_by_quantity(grid)
    # An entirely empty optional column is as good as absent (exports often keep the header).
    found = {q: j for q, j in found.items() if q in _LABELS or filled[:, j].any()}
    out = _responses(grid, found, specs, req, report)
    out.update(_per_read_numbers(grid, found, specs))
    out.update(_labels(grid, found, req))
    apply_g_range(out, report, req.g_range)
    out, rows = _only_device(grid, found, req.device, out)
    empty = f"no {req.phase} reads in this file"
    return finish_phase(out, rows, report, req.phase, empty, "--phase matching the file")


def _responses(
    grid: Grid, found: dict[str, int], specs: list[ColumnSpec], req: Request, report: Report
) -> Columns:
    """The conductance of every read, with its read voltage and current where the file gives them."""
    response = next((q for q in (CONDUCTANCE, RESISTANCE, CURRENT) if q in found), None)
    if response is None:
        raise grid.header_error("no conductance, resistance or current column with values", _RESPONSE_HELP)
    j = found[response]
    rv_col = found.get(READ_VOLTAGE)
    convert.resolve_responses(grid, [j], specs, req, report, rv_col)
    _describe(report, found, specs, j)
    out: Columns = {}
    read_v = _filled_numbers(grid, rv_col, specs, "a read voltage") if rv_col is not None else None
    _require_filled(grid, j, convert.describe(specs[j]))
    if read_v is None and (req.read_voltage_V is not None or response == CURRENT):
        read_v = convert.stated_read_voltage(req, specs[j], grid.n_rows)  # a header's '@ V' for currents
    if read_v is not None:
        out["read_voltage_V"] = read_v
    g, current = convert.conductance(grid, j, specs[j], np.arange(grid.n_rows), read_v, rv_col)
    out["conductance_S"] = g
    if current is not None:
        out["read_current_A"] = current
    elif CURRENT in found:
        out["read_current_A"] = _filled_numbers(grid, found[CURRENT], specs, "a read current")
    return out


def _per_read_numbers(grid: Grid, found: dict[str, int], specs: list[ColumnSpec]) -> Columns:
    """Pulse amplitude, pulse width, pulse current and time of every read, where the file has them."""
    out: Columns = {}
    for q, column in (
        (PULSE_AMPLITUDE, "pulse_amplitude_V"),
        (PULSE_WIDTH, "pulse_width_s"),
        (PULSE_CURRENT, "pulse_current_A"),
        (TIME, "time_s"),
    ):
        if q in found:
            values = _filled_numbers(grid, found[q], specs, f"a {column.rsplit('_', 1)[0].replace('_', ' ')}")
            # Amplitude and pulse current are stored as magnitudes: their sign only repeats the phase.
            out[column] = np.abs(values) if q in (PULSE_AMPLITUDE, PULSE_CURRENT) else values
    return out


def _labels(grid: Grid, found: dict[str, int], req: Request) -> Columns:
    """Device, phase, cycle and pulse of every read: from their columns, else as the module notes say."""
    phases = _phases(grid, found, req.phase)
    if DEVICE in found:
        devices = _texts(grid, found[DEVICE], "a device name")
    else:
        devices = [req.device or "device"] * grid.n_rows
    if CYCLE in found:
        cycles = grid.integers(found[CYCLE], "a cycle number (whole number >= 0)")
    else:
        cycles = _cycles_from_runs(devices, phases)
    if PULSE in found:
        pulses = grid.integers(found[PULSE], "a pulse number (whole number >= 0)")
    else:
        keys = pd.DataFrame({"d": devices, "c": cycles, "p": phases})
        pulses = keys.groupby(["d", "c", "p"], sort=False).cumcount().to_numpy() + 1
    return {"device": devices, "phase": phases, "cycle": cycles, "pulse": pulses}


def _only_device(
    grid: Grid, found: dict[str, int], device: str | None, out: Columns
) -> tuple[Columns, np.ndarray]:
    """``--device`` of a file with a device column: only its reads (an unknown name raises)."""
    if DEVICE not in found or device is None:
        return out, grid.rows
    devices = out["device"]
    if device not in devices:
        raise MeasurementError(
            "no such device",
            file=grid.file,
            column=grid.header[found[DEVICE]],
            value=device,
            expected=f"one of {', '.join(dict.fromkeys(devices))}",
        )
    return keep_rows(out, grid.rows, np.asarray(devices) == device)


def _describe(report: Report, found: dict[str, int], specs: list[ColumnSpec], response: int) -> None:
    """``column A device, ..., column E 'G (uS)' conductance (conductance, uS)``: the columns used."""
    report.layout = "tidy, one row per read"
    for q, j in sorted(found.items(), key=lambda item: report.grid.position(item[1])):
        what = f"response ({convert.kind(specs[j])})" if j == response else q.replace("_", " ")
        report.add(f"{report.columns([j])} {what}")


def _phases(grid: Grid, found: dict[str, int], phase: str | None) -> list[str]:
    if PHASE not in found:
        if phase is None:
            raise grid.header_error(
                "no phase column",
                "a 'phase' column (potentiation/depression) or --phase (phase= in Python)",
                listed=False,
            )
        return [phase] * grid.n_rows
    j = found[PHASE]
    texts = grid.texts(j)
    lookup = {t: phase_of_value(t) for t in set(texts) if t is not None}
    out: list[str] = []
    for i, t in enumerate(texts):
        p = lookup.get(t) if t is not None else None
        if p is None:
            raise grid.error("missing value" if t is None else "unknown phase", i, j, PHASE_VALUES_HELP)
        out.append(p)
    return out


def _cycles_from_runs(devices: list[str], phases: list[str]) -> np.ndarray:
    """Cycle k = the k-th potentiation and k-th depression ramp of a device, ramps = runs of a phase."""
    cycle = np.zeros(len(phases), dtype=np.int64)
    dev = np.asarray(devices)
    code = (np.asarray(phases) != POTENTIATION).astype(np.int8)
    for name in dict.fromkeys(devices):
        idx = np.flatnonzero(dev == name)
        c = code[idx]
        start = np.r_[True, c[1:] != c[:-1]]
        for k in range(len(PHASES)):
            mine = c == k
            cycle[idx[mine]] = np.cumsum(start & mine)[mine]
    return cycle


def _require_filled(grid: Grid, j: int, expected: str) -> None:
    blank = [i for i, c in enumerate(grid.columns[j]) if c is None]
    if blank:
        raise grid.error("missing value", blank[0], j, expected)


def _filled_numbers(grid: Grid, j: int, specs: list[ColumnSpec], what: str) -> np.ndarray:
    spec = specs[j]
    expected = f"{what} in {spec.unit or 'SI units'}"
    values = grid.numbers(j, expected)
    grid.require(j, values, expected=expected)
    return values * spec.scale


def _texts(grid: Grid, j: int, expected: str) -> list[str]:
    texts = grid.texts(j)
    out: list[str] = []
    for i, t in enumerate(texts):
        if t is None:
            raise grid.error("missing value", i, j, expected)
        out.append(t)
    return out
