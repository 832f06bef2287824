"""Wide layout: one column per ramp (cycle), one row per pulse; one phase per file.

Rules where labs differ:
- ramps may be ragged (shorter columns padded with blanks); a blank *followed by* a value in the
  same column is a gap and an error;
- cells are conductances unless the header says otherwise: a unit (``cycle 1 (uA)``, ``R (kOhm)``)
  or a name (``I1``, ``current 3``); currents need a read voltage (a per-row ``V_read`` column,
  ``I (uA) @ -0.1 V`` in the header, or ``read_voltage_V=``);
- optional per-row columns apply to every ramp: ``pulse`` (numbering), pulse amplitude, pulse
  width, read voltage;
- the cycle number is the integer in each ramp's header (``cycle 7``, ``G7``) when every ramp header
  has a distinct one, otherwise the column's position (1, 2, ...) among the ramp columns;
- ``pulses_per_cycle=`` splits columns that hold several ramps back to back (cycles then count
  through the columns in order);
- the phase: ``phase=``, else phase words in the ramp headers (``set 1``, ``reset 1``), else in the
  sheet or file name (``dev3_SET.csv``); headers naming both phases are an error.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements import convert
from memtwin.measurements.checks import GAP_HELP, finish, ramp_extent
from memtwin.measurements.grid import Grid
from memtwin.measurements.phases import phases_in_name
from memtwin.measurements.table import PulseTable
from memtwin.measurements.units import (
    CURRENT,
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

WIDE_HELP = "one column per ramp, plus optional pulse, pulse-amplitude, pulse-width and read-voltage columns"
_PER_ROW = {
    PULSE: "pulse",
    PULSE_AMPLITUDE: "pulse_amplitude_V",
    PULSE_WIDTH: "pulse_width_s",
    READ_VOLTAGE: "read_voltage_V",
}
_CYCLE_WORDS = {"cycle", "cycles", "cyc", "ramp", "sweep", "run", "c", "no", "nr", "#"}
_IGNORED_WORDS = _CYCLE_WORDS | {
    "potentiation",
    "pot",
    "set",
    "ltp",
    "up",
    "depression",
    "dep",
    "reset",
    "ltd",
    "down",
}


def read_wide(
    grid: Grid,
    *,
    phase: str | None = None,
    device: str | None = None,
    read_voltage_V: float | None = None,
    pulses_per_cycle: int | None = None,
) -> PulseTable:
    """Read a wide grid (one phase) into a validated table (see the module notes for the rules)."""
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    per_row: dict[str, int] = {}
    generic: list[int] = []
    ramps: list[int] = []
    for j, spec in enumerate(specs):
        q = spec.quantity
        if q in (CYCLE, PHASE, DEVICE, TIME, PULSE_CURRENT):
            raise MeasurementError(
                f"a {q.replace('_', ' ')} column does not belong in a wide file "
                "(it is one value per read: write the file in the tidy layout, or use format='tidy')",
                file=grid.file,
                column=grid.header[j],
                expected=WIDE_HELP,
            )
        if q == VOLTAGE:
            generic.append(j)
        elif q in _PER_ROW:
            _put(per_row, q, j, grid)
        else:
            ramps.append(j)
            specs[j] = ramp_spec(spec, grid.file)
    if not ramps:
        raise MeasurementError(
            "no ramp columns",
            file=grid.file,
            row=grid.header_row,
            value=", ".join(grid.header),
            expected=WIDE_HELP,
        )
    currents = any(specs[j].quantity == CURRENT for j in ramps)
    for j in generic:
        _put(per_row, READ_VOLTAGE if currents and READ_VOLTAGE not in per_row else PULSE_AMPLITUDE, j, grid)

    the_phase = resolve_phase(grid, [specs[j] for j in ramps], phase)
    extras = {
        q: grid.numbers(j, f"a {_PER_ROW[q].rsplit('_', 1)[0].replace('_', ' ')}") * specs[j].scale
        for q, j in per_row.items()
    }
    numbers = _cycle_numbers(grid, [specs[j] for j in ramps], ramps) if pulses_per_cycle is None else None

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("cycle", "pulse", "conductance_S", "rows")}
    optional: dict[str, list[np.ndarray | None]] = {c: [] for c in ("read_current_A", *_PER_ROW.values())}
    next_cycle = 1
    for k, j in enumerate(ramps):
        spec = specs[j]
        length, gap = ramp_extent(grid.numbers(j, convert.describe(spec)))
        if gap is not None:
            raise grid.error(
                f"blank cell inside a ramp (a value follows at row {_next_row(grid, j, gap)})",
                gap,
                j,
                GAP_HELP,
            )
        if length == 0:
            continue
        for start, stop in _chunks(grid, j, length, pulses_per_cycle):
            idx = np.arange(start, stop)
            for q, col in per_row.items():
                grid.require(col, extras[q][idx], idx, "a value on every row that has a read")
            rv: np.ndarray | None = extras[READ_VOLTAGE][idx] if READ_VOLTAGE in extras else None
            if rv is None and read_voltage_V is not None:
                rv = np.full(len(idx), float(read_voltage_V))
            elif rv is None and spec.read_voltage_V is not None:
                rv = np.full(len(idx), spec.read_voltage_V)
            g, current = convert.conductance(grid, j, spec, idx, rv, per_row.get(READ_VOLTAGE))
            parts["cycle"].append(np.full(len(idx), numbers[k] if numbers is not None else next_cycle))
            next_cycle += 1
            if PULSE in per_row and pulses_per_cycle is None:
                pulse = extras[PULSE][idx]
                _require_whole(grid, pulse, idx, per_row[PULSE])
                parts["pulse"].append(pulse.astype(np.int64))
            else:
                parts["pulse"].append(idx - start + 1)
            parts["conductance_S"].append(g)
            parts["rows"].append(grid.rows[idx])
            optional["read_current_A"].append(current)
            optional["read_voltage_V"].append(rv)
            amplitude = extras.get(PULSE_AMPLITUDE)
            width = extras.get(PULSE_WIDTH)
            optional["pulse_amplitude_V"].append(None if amplitude is None else np.abs(amplitude[idx]))
            optional["pulse_width_s"].append(None if width is None else width[idx])
    if not parts["conductance_S"]:
        raise MeasurementError("every ramp column is empty", file=grid.file, expected="at least one value")

    out: dict[str, np.ndarray | list[str]] = {k: np.concatenate(v) for k, v in parts.items() if k != "rows"}
    for column, pieces in optional.items():
        if column != "pulse" and pieces and all(p is not None for p in pieces):
            out[column] = np.concatenate([p for p in pieces if p is not None])
    size = len(out["conductance_S"])
    out["phase"] = [the_phase] * size
    out["device"] = [device or "device"] * size
    return finish(out, np.concatenate(parts["rows"]), grid.file)


def ramp_spec(spec: ColumnSpec, file: str) -> ColumnSpec:
    """A ramp/device column: its unit must be readable; ``I3``/``current 3`` mark currents by name."""
    spec.check(file)
    if spec.quantity is None:
        words = [t for t in spec.tokens if not t.isdigit() and t not in _IGNORED_WORDS]
        named = alias_of(" ".join(words)) if words else None
        if named in RESPONSES:
            return replace(spec, quantity=named)
    return spec


def resolve_phase(grid: Grid, ramp_specs: list[ColumnSpec], phase: str | None) -> str:
    """``phase=``, else the ramp headers' phase words, else the sheet or file name's."""
    named: dict[str, str] = {}
    for spec in ramp_specs:
        found = phases_in_name(spec.label)
        if len(found) > 1:
            raise _mixed(grid, spec.header, spec.header)
        for p in found:
            named.setdefault(p, spec.header)
    if len(named) > 1:
        first, second = named.values()
        raise _mixed(grid, first, second)
    if phase is not None:
        if named and phase not in named:
            header = next(iter(named.values()))
            raise MeasurementError(
                f"phase={phase!r} contradicts the column header",
                file=grid.file,
                column=header,
                value=phase,
                expected=f"phase={next(iter(named))!r} or no phase=",
            )
        return phase
    if named:
        return next(iter(named))
    for name in (grid.sheet or "", Path(grid.file).stem):
        found = phases_in_name(name)
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            break
    raise MeasurementError(
        "cannot tell whether this wide file holds potentiation or depression ramps",
        file=grid.file,
        expected="load(..., phase='potentiation' or 'depression'), or set/reset (pot/dep, ltp/ltd) in the file name",
    )


def _cycle_numbers(grid: Grid, specs: list[ColumnSpec], columns: list[int]) -> list[int]:
    """Each ramp's cycle from its header when all headers carry distinct numbers, else positions."""
    numbers = [_number_in(spec) for spec in specs]
    if any(n is None for n in numbers):
        return list(range(1, len(specs) + 1))
    seen: dict[int, int] = {}
    for k, n in enumerate(numbers):
        assert n is not None
        if n in seen:
            raise MeasurementError(
                f"columns {grid.header[columns[seen[n]]]!r} and {grid.header[columns[k]]!r} are both cycle {n}",
                file=grid.file,
                row=grid.header_row,
                column=grid.header[columns[k]],
                value=n,
                expected="one column per cycle",
            )
        seen[n] = k
    return [n for n in numbers if n is not None]


def _number_in(spec: ColumnSpec) -> int | None:
    tokens = spec.tokens
    for a, b in zip(tokens, tokens[1:], strict=False):
        if a in _CYCLE_WORDS and b.isdigit():
            return int(b) if len(b) < 10 else None
    digits = [t for t in tokens if t.isdigit()]
    return int(digits[0]) if len(digits) == 1 and len(digits[0]) < 10 else None


def _chunks(grid: Grid, j: int, length: int, size: int | None) -> list[tuple[int, int]]:
    if size is None:
        return [(0, length)]
    if length % size:
        start = length - length % size
        raise grid.error(
            f"{length} values are not whole ramps of pulses_per_cycle={size} (the last ramp has {length % size})",
            start,
            j,
            f"a multiple of {size} values per column",
        )
    return [(s, s + size) for s in range(0, length, size)]


def _require_whole(grid: Grid, values: np.ndarray, idx: np.ndarray, j: int) -> None:
    bad = (values != np.round(values)) | (values < 0) | (values > 2**31 - 1)
    if bad.any():
        raise grid.error(
            "not a whole number", int(idx[int(np.argmax(bad))]), j, "a pulse number (whole number >= 0)"
        )


def _next_row(grid: Grid, j: int, gap: int) -> int:
    after = [i for i in range(gap, grid.n_rows) if grid.columns[j][i] is not None]
    return int(grid.rows[after[0]])


def _put(found: dict[str, int], quantity: str, j: int, grid: Grid) -> None:
    if quantity in found:
        first = grid.header[found[quantity]]
        raise MeasurementError(
            f"two columns hold the {quantity.replace('_', ' ')}: {first!r} and {grid.header[j]!r}",
            file=grid.file,
            row=grid.header_row,
            column=grid.header[j],
            expected="one column per quantity",
        )
    found[quantity] = j


def _mixed(grid: Grid, first: str, second: str) -> MeasurementError:
    return MeasurementError(
        "mixed phases in one wide file"
        + (f": {first!r} and {second!r} name different phases" if first != second else ""),
        file=grid.file,
        row=grid.header_row,
        column=second,
        expected="one phase per wide file: potentiation and depression in separate files, read with load_many()",
    )
