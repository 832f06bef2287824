"""Signed pulse-voltage layout (typical XLSX export): the pulse voltage's sign gives the phase.

Columns: a pulse voltage (+ potentiation, − depression), optionally a read voltage, pulse width and
time, then one response column per device (header = device name, unit optional: ``D1 (uS)``).
Consecutive rows of the same sign form a ramp; the k-th potentiation and the k-th depression ramp
are cycle k. ``pulses_per_cycle=`` splits a longer run of one sign into ramps of that many pulses
(a run must be whole ramps). ``pulse_amplitude_V`` stores |V|.

Finding the columns: a pulse-voltage header (``V_pulse``, ``pulse (V)``, ``Vp``...), else the first
plain voltage (``V``), else a unit-less ``pulse`` column, else a column whose header says nothing
but whose values are a pulse-voltage pattern; the read voltage is a read-voltage header, the next
plain voltage, or a constant column. Columns without a telling header (all of them without a
header row) are judged by content (:mod:`~memtwin.measurements.roles`): a constant, pulse index or
copied column is never a device. ``columns=`` names the device columns; ``device=``
keeps one device (by name, header, letter or number), ``phase=`` keeps one phase. Blank device
cells are allowed after a ramp's last read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements import convert
from memtwin.measurements.assemble import PerRow, Pieces, finish_phase
from memtwin.measurements.checks import GAP_HELP, apply_g_range, ramp_extent
from memtwin.measurements.columns import column_position, resolve_columns
from memtwin.measurements.grid import Grid
from memtwin.measurements.reading import Report, Request
from memtwin.measurements.roles import (
    PULSE_VOLTAGE,
    READ_VOLTAGE,
    Role,
    column_roles,
    constant_text,
    describe_roles,
    role_column,
)
from memtwin.measurements.table import DEPRESSION, POTENTIATION, PulseTable
from memtwin.measurements.units import (
    PULSE,
    PULSE_AMPLITUDE,
    PULSE_WIDTH,
    RESPONSES,
    TIDY_ONLY,
    TIME,
    VOLTAGE,
    ColumnSpec,
    alias_of,
    parse_header,
    ramp_spec,
)
from memtwin.measurements.units import READ_VOLTAGE as READ_VOLTAGE_Q

SIGNED_HELP = (
    "a pulse-voltage column (e.g. 'V_pulse (V)', + potentiation / - depression), then one column per device"
)


def voltage_columns(
    specs: list[ColumnSpec], roles: dict[int, Role] | None = None, exclude: set[int] | None = None
) -> tuple[int | None, int | None]:
    """``(pulse-voltage column, read-voltage column)`` by the rules in the module notes.

    ``roles``: content roles (:func:`~memtwin.measurements.roles.column_roles`); ``exclude``:
    columns the user named as devices.
    """
    roles = roles or {}
    skip = exclude or set()
    usable = [(j, s) for j, s in enumerate(specs) if j not in skip]
    pulse = next((j for j, s in usable if s.quantity == PULSE_AMPLITUDE), None)
    read = next((j for j, s in usable if s.quantity == READ_VOLTAGE_Q), None)
    for j, s in usable:
        if s.quantity == VOLTAGE:
            if pulse is None:
                pulse = j
            elif read is None:
                read = j
    if pulse is None:
        pulse = next(
            (j for j, s in usable if s.quantity == PULSE and s.unit is None and j not in roles), None
        )
    if pulse is None:
        pulse = role_column(roles, PULSE_VOLTAGE, skip)
    if read is None:
        read = role_column(roles, READ_VOLTAGE, skip)
    return pulse, read


@dataclass(frozen=True)
class _Sheet:
    """What each column of a signed sheet is: ``devices`` are those read (``--device``), of ``every``."""

    roles: dict[int, Role]
    pv_col: int
    rv_col: int | None
    per_row: dict[str, int]
    every: list[int]
    devices: list[int]
    names: list[str]


def plan(
    grid: Grid, specs: list[ColumnSpec], chosen: list[int] | None
) -> tuple[dict[int, Role], int | None, int | None]:
    """Content roles and the pulse- and read-voltage columns of a signed sheet."""
    roles = column_roles(grid, specs, chosen or (), pulse_voltage=True)
    pv_col, rv_col = voltage_columns(specs, roles)  # a voltage named in --columns is refused later
    return roles, pv_col, rv_col


def read_signed(grid: Grid, req: Request, report: Report) -> PulseTable:
    """Read a signed-pulse-voltage grid into a validated table (see the module notes)."""
    grid = grid.drop_blank_rows()
    report.grid = grid
    report.layout = "signed pulse voltage"
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    sheet = _sheet(grid, specs, req, report)
    _describe(report, grid, specs, sheet)
    pv = grid.numbers(sheet.pv_col, "a pulse voltage in V") * specs[sheet.pv_col].scale
    used, negative, ramps = _ramps(grid, pv, sheet.pv_col, sheet.devices, req.pulses_per_cycle)
    columns = {READ_VOLTAGE_Q: sheet.rv_col} if sheet.rv_col is not None else {}
    expected = {READ_VOLTAGE_Q: "a read voltage in V", PULSE_WIDTH: "a number", TIME: "a number"}
    per_row = PerRow.read(grid, {**columns, **sheet.per_row}, specs, expected)
    pieces = Pieces()
    labels: list[str] = []
    for name, j in zip(sheet.names, sheet.devices, strict=True):
        idx, cycles, pulses = _device_reads(grid, j, specs[j], used, negative, ramps)
        if len(idx) == 0:
            continue
        values = per_row.at(grid, idx)
        read_v = values.get(READ_VOLTAGE_Q)
        if read_v is None:
            read_v = convert.stated_read_voltage(req, specs[j], len(idx))
        g, current = convert.conductance(grid, j, specs[j], idx, read_v, sheet.rv_col)
        pieces.add(
            rows=grid.rows[idx],
            cycle=cycles,
            pulse=pulses,
            conductance_S=g,
            pulse_amplitude_V=np.abs(pv[idx]),
            negative=pv[idx] < 0,
            read_voltage_V=read_v,
            read_current_A=current,
            pulse_width_s=values.get(PULSE_WIDTH),
            time_s=values.get(TIME),
        )
        labels += [name] * len(idx)
    out, rows = pieces.joined(grid.file, "every device column is empty")
    out["phase"] = np.where(out.pop("negative"), DEPRESSION, POTENTIATION)
    out["device"] = labels
    apply_g_range(out, report, req.g_range)
    empty = f"no {req.phase} ramps in this sheet"
    return finish_phase(out, rows, report, req.phase, empty, "--phase matching the data")


def _sheet(grid: Grid, specs: list[ColumnSpec], req: Request, report: Report) -> _Sheet:
    """Find the voltage, per-row and device columns and settle what the devices hold (``specs``)."""
    chosen = resolve_columns(grid, req.columns) if req.columns else None
    roles, pv_col, rv_col = plan(grid, specs, chosen)
    if pv_col is None:
        raise grid.header_error("no pulse-voltage column", SIGNED_HELP)
    per_row, devices = _sort_columns(grid, specs, roles, pv_col, rv_col, chosen)
    if not devices:
        raise grid.header_error("no device columns", SIGNED_HELP + " (or --columns naming them)")
    for j in devices:
        specs[j] = ramp_spec(specs[j], grid.file)
    convert.resolve_responses(grid, devices, specs, req, report, rv_col)
    names = _device_names(grid, specs, devices)
    every = list(devices)
    if req.device is not None:
        devices, names = _select_device(grid, req.device, devices, names)
    return _Sheet(roles, pv_col, rv_col, per_row, every, devices, names)


def _device_reads(
    grid: Grid,
    j: int,
    spec: ColumnSpec,
    used: np.ndarray,
    negative: np.ndarray,
    ramps: list[tuple[int, int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The data rows device column ``j`` has a read on (each ramp up to its last read), with their
    cycle (the k-th ramp of a sign is cycle k) and pulse number; a blank inside a ramp raises."""
    values = grid.numbers(j, convert.describe(spec))
    take: list[np.ndarray] = []
    cycles: list[np.ndarray] = []
    count = {False: 0, True: 0}
    for a, b in ramps:
        ramp = used[a:b]
        neg = bool(negative[a])
        count[neg] += 1
        length, gap = ramp_extent(values[ramp])
        if gap is not None:
            raise grid.error("blank cell inside a ramp", int(ramp[gap]), j, GAP_HELP)
        take.append(ramp[:length])
        cycles.append(np.full(length, count[neg]))
    pulses = [np.arange(1, len(t) + 1) for t in take]
    return np.concatenate(take), np.concatenate(cycles), np.concatenate(pulses)


def _sort_columns(
    grid: Grid,
    specs: list[ColumnSpec],
    roles: dict[int, Role],
    pv_col: int,
    rv_col: int | None,
    chosen: list[int] | None,
) -> tuple[dict[str, int], list[int]]:
    """Per-row columns (pulse width, time) and device columns; columns that do not belong raise."""
    per_row: dict[str, int] = {}
    devices: list[int] = []
    for j, spec in enumerate(specs):
        q = spec.quantity
        if chosen is not None and j in chosen:
            if j in (pv_col, rv_col):
                what = "the pulse voltage" if j == pv_col else "the read voltage"
                raise grid.column_error(
                    j, f"--columns names {what} as a device column", "--columns naming only device columns"
                )
            devices.append(j)
            continue
        if j in (pv_col, rv_col) or j in roles or (q == PULSE and spec.unit is None):
            continue
        if q in TIDY_ONLY:
            why = "use the tidy layout, one row per read, and --format tidy"
            raise grid.column_error(
                j,
                f"a {q.replace('_', ' ')} column does not belong in a signed-pulse-voltage sheet ({why})",
                SIGNED_HELP,
            )
        if q in (PULSE_WIDTH, TIME):
            if q in per_row:
                raise _twice(grid, per_row[q], j)
            per_row[q] = j
        elif q in (VOLTAGE, PULSE_AMPLITUDE, READ_VOLTAGE_Q):
            raise _twice(grid, rv_col if q == READ_VOLTAGE_Q and rv_col is not None else pv_col, j)
        elif chosen is None:
            devices.append(j)
    return per_row, devices


def _ramps(
    grid: Grid, pv: np.ndarray, pv_col: int, devices: list[int], per_cycle: int | None
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Rows with a pulse voltage, their signs, and the ``(start, stop)`` of each ramp among them."""
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
    if not len(used):
        raise MeasurementError("the device columns are empty", file=grid.file, expected="at least one read")
    negative = pv[used] < 0
    starts = np.flatnonzero(np.r_[True, negative[1:] != negative[:-1]])
    stops = np.r_[starts[1:], len(used)]
    if per_cycle is None:
        return used, negative, list(zip(starts.tolist(), stops.tolist(), strict=True))
    ramps: list[tuple[int, int]] = []
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        if (b - a) % per_cycle:
            sign = "-" if negative[a] else "+"
            raise grid.error(
                f"a run of {b - a} {sign} pulses (from row {int(grid.rows[used[a]])}) is not whole ramps "
                f"of --pulses-per-cycle {per_cycle}",
                int(used[b - 1]),
                pv_col,
                f"runs of one sign that are a multiple of {per_cycle} pulses",
            )
        ramps += [(s, s + per_cycle) for s in range(a, b, per_cycle)]
    return used, negative, ramps


def _describe(report: Report, grid: Grid, specs: list[ColumnSpec], sheet: _Sheet) -> None:
    """The layout line's column roles, in file order of the kinds: voltages, per-row, devices, others."""
    roles, pv_col, rv_col, devices, every = (
        sheet.roles,
        sheet.pv_col,
        sheet.rv_col,
        sheet.devices,
        sheet.every,
    )
    by_content = pv_col in roles and not grid.headerless  # without a header, everything is by content
    report.add(f"{report.columns([pv_col])} pulse voltage" + (" (by content)" if by_content else ""))
    if rv_col is not None:
        report.add(f"{report.columns([rv_col])} read voltage{constant_text(roles, rv_col)}")
    for q, j in sheet.per_row.items():
        report.add(f"{report.columns([j])} {q.replace('_', ' ')}")
    kinds = "; ".join(dict.fromkeys(convert.kind(specs[j]) for j in devices))
    if devices == every:
        count = f"{len(devices)} device{'s' if len(devices) > 1 else ''}"
        report.add(f"{report.columns(devices)}: {count} ({kinds})")
    else:
        report.add(f"{report.columns(devices)}: device selected by --device, of {len(every)} ({kinds})")
    describe_roles(report, {j: r for j, r in roles.items() if j not in (pv_col, rv_col)})
    report.add_unused([pv_col, rv_col, *sheet.per_row.values(), *every, *roles])


def _select_device(
    grid: Grid, wanted: str, devices: list[int], names: list[str]
) -> tuple[list[int], list[str]]:
    """``--device``: a device name or header (any case), else a column letter or 1-based number."""
    key = wanted.strip().lower()
    chosen = [k for k, j in enumerate(devices) if key in (names[k].lower(), grid.header[j].strip().lower())]
    pos = column_position(wanted)
    at = [k for k, j in enumerate(devices) if pos is not None and grid.position(j) == pos]
    if chosen and at and chosen != at:
        raise MeasurementError(
            f"--device {wanted!r} is both the device {names[chosen[0]]!r} and the device in column {grid.ref(devices[at[0]])}",
            file=grid.file,
            value=wanted,
            expected=f"the full header {grid.header[devices[chosen[0]]]!r}, or the column's number {grid.position(devices[at[0]]) + 1}",
        )
    chosen = chosen or at
    if not chosen:
        listed = ", ".join(names[:12]) + (" …" if len(names) > 12 else "")
        refs = f"{grid.ref(devices[0])}-{grid.ref(devices[-1])}" if len(devices) > 1 else grid.ref(devices[0])
        raise MeasurementError(
            "no such device column",
            file=grid.file,
            value=wanted,
            expected=f"--device with one of {listed} (or a device column's letter/number, {refs})",
        )
    return [devices[k] for k in chosen], [names[k] for k in chosen]


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
