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
from memtwin.measurements.checks import apply_g_range, finish
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
            raise _twice(grid, q, found[q], j)
        found[q] = j
    for j in generic:
        if CURRENT in found and READ_VOLTAGE not in found:
            found[READ_VOLTAGE] = j
        elif PULSE_AMPLITUDE not in found:
            found[PULSE_AMPLITUDE] = j
        elif READ_VOLTAGE not in found:
            found[READ_VOLTAGE] = j
        else:
            raise _twice(grid, VOLTAGE, found[PULSE_AMPLITUDE], j)
    return found, specs


def read_tidy(grid: Grid, req: Request, report: Report) -> PulseTable:
    """Read a tidy grid into a validated table (see the module notes for the rules)."""
    phase, device = req.phase, req.device
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
    n = grid.n_rows
    everything = np.arange(n)
    out: dict[str, np.ndarray | list[str]] = {}

    response = next((q for q in (CONDUCTANCE, RESISTANCE, CURRENT) if q in found), None)
    if response is None:
        raise MeasurementError(
            "no conductance, resistance or current column with values",
            file=grid.file,
            row=grid.header_row,
            value=", ".join(grid.header),
            expected=_RESPONSE_HELP,
        )
    j = found[response]
    rv_col = found.get(READ_VOLTAGE)
    convert.resolve_responses(
        grid, [j], specs, req, report, report.columns([rv_col]) if rv_col is not None else None
    )
    _describe(report, found, specs, j)
    read_v: np.ndarray | None = None
    if rv_col is not None:
        read_v = _filled_numbers(grid, rv_col, specs, "a read voltage")
    elif req.read_voltage_V is not None:
        read_v = np.full(n, float(req.read_voltage_V))
    if read_v is not None:
        out["read_voltage_V"] = read_v
    _require_filled(grid, j, convert.describe(specs[j]))
    if response == CURRENT and read_v is None and specs[j].read_voltage_V is not None:
        read_v = np.full(n, specs[j].read_voltage_V)
        out["read_voltage_V"] = read_v
    g, current = convert.conductance(grid, j, specs[j], everything, read_v, found.get(READ_VOLTAGE))
    out["conductance_S"] = g
    if current is not None:
        out["read_current_A"] = current
    elif CURRENT in found:
        out["read_current_A"] = _filled_numbers(grid, found[CURRENT], specs, "a read current")

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

    phases = _phases(grid, found, phase)
    devices = _texts(grid, found[DEVICE], "a device name") if DEVICE in found else [device or "device"] * n
    out["device"] = devices
    out["phase"] = phases
    out["cycle"] = (
        grid.integers(found[CYCLE], "a cycle number (whole number >= 0)")
        if CYCLE in found
        else _cycles_from_runs(devices, phases)
    )
    if PULSE in found:
        out["pulse"] = grid.integers(found[PULSE], "a pulse number (whole number >= 0)")
    else:
        keys = pd.DataFrame({"d": devices, "c": out["cycle"], "p": phases})
        out["pulse"] = keys.groupby(["d", "c", "p"], sort=False).cumcount().to_numpy() + 1

    apply_g_range(out, report, req.g_range)
    keep = np.ones(n, dtype=bool)
    if PHASE in found and phase is not None:
        keep &= np.asarray(phases) == phase
    if DEVICE in found and device is not None:
        keep &= np.asarray(devices) == device
        if device not in devices:
            raise MeasurementError(
                "no such device",
                file=grid.file,
                column=grid.header[found[DEVICE]],
                value=device,
                expected=f"one of {', '.join(dict.fromkeys(devices))}",
            )
    if not keep.any():
        raise MeasurementError(
            f"no {phase} reads in this file",
            file=grid.file,
            value=phase,
            expected="--phase matching the file",
        )
    if not keep.all():
        out = {k: np.asarray(v)[keep] for k, v in out.items()}
    return finish(out, grid.rows[keep], report)


def _describe(report: Report, found: dict[str, int], specs: list[ColumnSpec], response: int) -> None:
    """``column A device, ..., column E 'G (uS)' conductance (conductance, uS)``: the columns used."""
    report.layout = "tidy, one row per read"
    for q, j in sorted(found.items(), key=lambda item: report.grid.position(item[1])):
        what = f"response ({convert.kind(specs[j])})" if j == response else q.replace("_", " ")
        report.add(f"{report.columns([j])} {what}")


def _phases(grid: Grid, found: dict[str, int], phase: str | None) -> list[str]:
    if PHASE not in found:
        if phase is None:
            raise MeasurementError(
                "no phase column",
                file=grid.file,
                row=grid.header_row,
                expected="a 'phase' column (potentiation/depression) or --phase (phase= in Python)",
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


def _twice(grid: Grid, quantity: str, first: int, second: int) -> MeasurementError:
    return MeasurementError(
        f"two columns hold the {quantity.replace('_', ' ')}: {grid.header[first]!r} and {grid.header[second]!r}",
        file=grid.file,
        row=grid.header_row,
        column=grid.header[second],
        expected="one column per quantity",
    )
