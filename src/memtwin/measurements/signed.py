"""Signed pulse-voltage layout (typical XLSX export): the pulse voltage's sign gives the phase.

Columns: a pulse voltage (+ potentiation, − depression), optionally a read voltage, pulse width and
time, then one response column per device (header = device name, unit optional: ``D1 (uS)``).
Consecutive rows of the same sign form a ramp; the k-th potentiation and the k-th depression ramp
are cycle k. ``pulse_amplitude_V`` stores |V|.

Finding the columns: a pulse-voltage header (``V_pulse``, ``pulse (V)``, ``Vp``...), else the first
plain voltage (``V``), else a unit-less ``pulse`` column, else the first column; the read voltage
is a read-voltage header or the next plain voltage. ``device=`` keeps one device (by name or
header), ``phase=`` keeps one phase. Blank device cells are allowed after a ramp's last read.
"""

from __future__ import annotations

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements import convert
from memtwin.measurements.checks import GAP_HELP, finish, ramp_extent
from memtwin.measurements.grid import Grid
from memtwin.measurements.table import DEPRESSION, POTENTIATION, PulseTable
from memtwin.measurements.units import (
    CYCLE,
    DEVICE,
    PHASE,
    PULSE,
    PULSE_AMPLITUDE,
    PULSE_CURRENT,
    PULSE_WIDTH,
    READ_VOLTAGE,
    RESPONSES,
    TIME,
    VOLTAGE,
    ColumnSpec,
    alias_of,
    parse_header,
)
from memtwin.measurements.wide import ramp_spec

SIGNED_HELP = (
    "a pulse-voltage column (e.g. 'V_pulse (V)', + potentiation / - depression), then one column per device"
)


def voltage_columns(specs: list[ColumnSpec]) -> tuple[int | None, int | None]:
    """``(pulse-voltage column, read-voltage column)`` by the rules in the module notes."""
    pulse = next((j for j, s in enumerate(specs) if s.quantity == PULSE_AMPLITUDE), None)
    read = next((j for j, s in enumerate(specs) if s.quantity == READ_VOLTAGE), None)
    for j, s in enumerate(specs):
        if s.quantity == VOLTAGE:
            if pulse is None:
                pulse = j
            elif read is None:
                read = j
    if pulse is None:
        pulse = next((j for j, s in enumerate(specs) if s.quantity == PULSE and s.unit is None), None)
    if pulse is None and specs and specs[0].quantity is None and specs[0].unit is None and read != 0:
        pulse = 0
    return pulse, read


def read_signed(
    grid: Grid,
    *,
    phase: str | None = None,
    device: str | None = None,
    read_voltage_V: float | None = None,
) -> PulseTable:
    """Read a signed-pulse-voltage grid into a validated table (see the module notes)."""
    grid = grid.drop_blank_rows()
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    pv_col, rv_col = voltage_columns(specs)
    if pv_col is None:
        raise MeasurementError(
            "no pulse-voltage column",
            file=grid.file,
            row=grid.header_row,
            value=", ".join(grid.header),
            expected=SIGNED_HELP,
        )
    per_row: dict[str, int] = {}
    devices: list[int] = []
    for j, spec in enumerate(specs):
        q = spec.quantity
        if j in (pv_col, rv_col) or (q == PULSE and spec.unit is None):
            continue
        if q in (CYCLE, PHASE, DEVICE, PULSE_CURRENT):
            raise MeasurementError(
                f"a {q.replace('_', ' ')} column does not belong in a signed-pulse-voltage sheet "
                "(use the tidy layout, one row per read, and format='tidy')",
                file=grid.file,
                column=grid.header[j],
                expected=SIGNED_HELP,
            )
        if q in (PULSE_WIDTH, TIME):
            if q in per_row:
                raise _twice(grid, per_row[q], j)
            per_row[q] = j
        elif q in (VOLTAGE, PULSE_AMPLITUDE, READ_VOLTAGE):
            raise _twice(grid, rv_col if q == READ_VOLTAGE and rv_col is not None else pv_col, j)
        else:
            devices.append(j)
            specs[j] = ramp_spec(spec, grid.file)
    if not devices:
        raise MeasurementError(
            "no device columns",
            file=grid.file,
            row=grid.header_row,
            value=", ".join(grid.header),
            expected=SIGNED_HELP,
        )
    names = _device_names(grid, specs, devices)
    if device is not None:
        wanted = device.strip().lower()
        chosen = [
            k for k, j in enumerate(devices) if wanted in (names[k].lower(), grid.header[j].strip().lower())
        ]
        if not chosen:
            raise MeasurementError(
                "no such device column", file=grid.file, value=device, expected=f"one of {', '.join(names)}"
            )
        devices, names = [devices[k] for k in chosen], [names[k] for k in chosen]

    pv = grid.numbers(pv_col, "a pulse voltage in V") * specs[pv_col].scale
    filled = grid.filled()
    any_read = filled[:, devices].any(axis=1)
    missing = np.isnan(pv) & any_read
    if missing.any():
        raise grid.error(
            "missing pulse voltage", int(np.argmax(missing)), pv_col, "the pulse voltage of this read"
        )
    zero = pv == 0
    if zero.any():
        raise grid.error(
            "a zero pulse voltage has no sign",
            int(np.argmax(zero)),
            pv_col,
            "+V for potentiation, -V for depression",
        )
    used = np.flatnonzero(~np.isnan(pv))
    grid.require(pv_col, pv[used], used, "a finite pulse voltage")
    negative = pv[used] < 0
    if not len(used):
        raise MeasurementError("the device columns are empty", file=grid.file, expected="at least one read")
    starts = np.flatnonzero(np.r_[True, negative[1:] != negative[:-1]])
    stops = np.r_[starts[1:], len(used)]

    rv: np.ndarray | None = None
    if rv_col is not None:
        rv = grid.numbers(rv_col, "a read voltage in V") * specs[rv_col].scale
    extras = {q: grid.numbers(j, "a number") * specs[j].scale for q, j in per_row.items()}

    pieces: dict[str, list[np.ndarray]] = {}
    labels: list[str] = []
    for k, j in enumerate(devices):
        spec = specs[j]
        values = grid.numbers(j, convert.describe(spec))
        take: list[np.ndarray] = []
        cycles: list[np.ndarray] = []
        count = {False: 0, True: 0}
        for a, b in zip(starts, stops, strict=True):
            ramp = used[a:b]
            neg = bool(negative[a])
            count[neg] += 1
            length, gap = ramp_extent(values[ramp])
            if gap is not None:
                raise grid.error("blank cell inside a ramp", int(ramp[gap]), j, GAP_HELP)
            take.append(ramp[:length])
            cycles.append(np.full(length, count[neg]))
        idx = np.concatenate(take)
        if len(idx) == 0:
            continue
        for q, col in ((READ_VOLTAGE, rv_col), *per_row.items()):
            if col is not None:
                data = rv if q == READ_VOLTAGE else extras[q]
                assert data is not None
                grid.require(col, data[idx], idx, "a value on every row that has a read")
        read_v = rv[idx] if rv is not None else None
        if read_v is None and (read_voltage_V is not None or spec.read_voltage_V is not None):
            read_v = np.full(len(idx), read_voltage_V if read_voltage_V is not None else spec.read_voltage_V)
        g, current = convert.conductance(grid, j, spec, idx, read_v, rv_col)
        _add(pieces, "row", idx)
        _add(pieces, "cycle", np.concatenate(cycles))
        _add(pieces, "pulse", np.concatenate([np.arange(1, len(t) + 1) for t in take]))
        _add(pieces, "conductance_S", g)
        _add(pieces, "pulse_amplitude_V", np.abs(pv[idx]))
        _add(pieces, "negative", pv[idx] < 0)
        _add(pieces, "read_voltage_V", read_v)
        _add(pieces, "read_current_A", current if current is not None else np.full(len(idx), np.nan))
        for q, col_name in ((PULSE_WIDTH, "pulse_width_s"), (TIME, "time_s")):
            if q in extras:
                _add(pieces, col_name, extras[q][idx])
        labels += [names[k]] * len(idx)
    if not labels:
        raise MeasurementError("every device column is empty", file=grid.file, expected="at least one value")

    out: dict[str, np.ndarray | list[str]] = {}
    for key, parts in pieces.items():
        joined = np.concatenate(parts)
        if key == "read_current_A" and np.isnan(joined).any():
            continue  # not every device column holds currents
        if len(joined) == len(
            labels
        ):  # shorter: only some device columns had this (e.g. header read voltage)
            out[key] = joined
    rows = grid.rows[out.pop("row").astype(np.int64)]  # type: ignore[union-attr]
    negative_rows = out.pop("negative")
    out["phase"] = np.where(negative_rows, DEPRESSION, POTENTIATION)
    out["device"] = labels
    if phase is not None:
        keep = out["phase"] == phase
        if not np.any(keep):
            raise MeasurementError(
                f"no {phase} ramps in this sheet",
                file=grid.file,
                value=phase,
                expected="phase= matching the data",
            )
        out = {key: np.asarray(v)[keep] for key, v in out.items()}
        rows = rows[keep]
    return finish(out, rows, grid.file)


def _device_names(grid: Grid, specs: list[ColumnSpec], devices: list[int]) -> list[str]:
    """Header labels; a bare ``G (uS)`` is ``device`` (or ``device 2``... when there are several)."""
    names: list[str] = []
    for k, j in enumerate(devices):
        label = specs[j].label.strip()
        if not label or alias_of(label) in RESPONSES:
            label = "device" if len(devices) == 1 else f"device {k + 1}"
        if label in names:
            raise MeasurementError(
                f"two device columns are named {label!r}",
                file=grid.file,
                row=grid.header_row,
                column=grid.header[j],
                expected="a distinct name per device column",
            )
        names.append(label)
    return names


def _add(pieces: dict[str, list[np.ndarray]], key: str, values: np.ndarray | None) -> None:
    if values is not None:
        pieces.setdefault(key, []).append(values)


def _twice(grid: Grid, first: int | None, second: int) -> MeasurementError:
    return MeasurementError(
        f"two columns hold the same quantity: {grid.header[first]!r} and {grid.header[second]!r}"
        if first is not None
        else "a second voltage column",
        file=grid.file,
        row=grid.header_row,
        column=grid.header[second],
        expected="one pulse-voltage and one read-voltage column",
    )
