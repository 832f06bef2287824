"""Wide layout: one column per ramp (cycle), one row per pulse; one phase per file.

Rules where labs differ:
- ramps may be ragged (shorter columns padded with blanks); a blank *followed by* a value in the
  same column is a gap and an error;
- what the cells hold: a header unit (``cycle 1 (uA)``, ``R (kOhm)``) or name (``I1``, ``current 3``),
  else ``quantity=``, else (unitless) :func:`~memtwin.measurements.convert.resolve_responses` decides
  and warns; currents need a read voltage (a per-row ``V_read`` column, ``I (uA) @ -0.1 V`` in the
  header, or ``read_voltage_V=``);
- ``columns=`` names the ramp columns; otherwise every column that is not a per-row column, and
  not a pulse index or constant recognised by content (:mod:`~memtwin.measurements.roles`), is one;
- optional per-row columns apply to every ramp: ``pulse`` (numbering), pulse amplitude, pulse
  width, read voltage;
- the cycle number is the integer in each ramp's header (``cycle 7``, ``G7``) when every ramp header
  has a distinct one, otherwise (and always without a header row) the column's position (1, 2, ...)
  among the ramp columns;
- ``pulses_per_cycle=`` splits columns that hold several ramps back to back (cycles then count
  through the columns in order); with ``phase="up,down"`` (two phases, comma-separated) the ramps
  take the phases in turn, so one column can hold whole cycles (up, down, up, down...); a pulse
  index whose first value is 0 marks the first read as taken before any pulse: it is left out;
- the phase: ``phase=``, else phase words in the ramp headers (``set 1``, ``reset 1``), else in the
  sheet or file name (``dev3_SET.csv``); headers naming both phases are an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements import convert
from memtwin.measurements.assemble import PerRow, Pieces
from memtwin.measurements.checks import GAP_HELP, apply_g_range, finish, ramp_extent
from memtwin.measurements.columns import resolve_columns
from memtwin.measurements.grid import Grid
from memtwin.measurements.phases import phases_in_name
from memtwin.measurements.reading import Report, Request
from memtwin.measurements.roles import INDEX, Role, column_roles, constant_text, describe_roles, role_column
from memtwin.measurements.roles import READ_VOLTAGE as READ_ROLE
from memtwin.measurements.table import PulseTable
from memtwin.measurements.units import (
    CURRENT,
    CYCLE_WORDS,
    PULSE,
    PULSE_AMPLITUDE,
    PULSE_WIDTH,
    READ_VOLTAGE,
    TIDY_ONLY,
    TIME,
    VOLTAGE,
    ColumnSpec,
    parse_header,
    ramp_spec,
)

WIDE_HELP = "one column per ramp, plus optional pulse, pulse-amplitude, pulse-width and read-voltage columns"
_PER_ROW = {
    PULSE: "pulse",
    PULSE_AMPLITUDE: "pulse_amplitude_V",
    PULSE_WIDTH: "pulse_width_s",
    READ_VOLTAGE: "read_voltage_V",
}
_WORD = {
    PULSE: "pulse number",
    PULSE_AMPLITUDE: "pulse amplitude",
    PULSE_WIDTH: "pulse width",
    READ_VOLTAGE: "read voltage",
}


@dataclass(frozen=True)
class _Plan:
    """What each column of a wide sheet is, and the phase(s) of its ramps (``why``: whence)."""

    ramps: list[int]
    per_row: dict[str, int]
    roles: dict[int, Role]
    sequence: tuple[str, ...]
    why: str


def read_wide(grid: Grid, req: Request, report: Report) -> PulseTable:
    """Read a wide grid (one phase) into a validated table (see the module notes for the rules)."""
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    plan = _plan(grid, specs, req, report)
    skip = _initial_read(grid, plan.per_row, plan.roles, req)
    _describe(report, specs, plan, req.pulses_per_cycle)
    if skip:
        report.add(f"row {int(grid.rows[0])} (pulse 0, read before the first pulse) left out")
    per_row = PerRow.read(grid, plan.per_row, specs, {q: f"a {word}" for q, word in _WORD.items()})
    numbers = None
    if req.pulses_per_cycle is None and not grid.headerless:
        numbers = _cycle_numbers(grid, [specs[j] for j in plan.ramps], plan.ramps)
    pieces = Pieces()
    phases: list[str] = []
    counts = dict.fromkeys(plan.sequence, 0)
    for k, j in enumerate(plan.ramps):
        for n, (start, stop) in enumerate(_column_ramps(grid, j, specs[j], req, skip, len(plan.sequence))):
            phase = plan.sequence[n % len(plan.sequence)]
            counts[phase] += 1
            cycle = numbers[k] if numbers is not None else counts[phase]
            _add_ramp(pieces, grid, j, specs[j], np.arange(start, stop), cycle, per_row, req)
            phases += [phase] * (stop - start)
    out, rows = pieces.joined(grid.file, "every ramp column is empty")
    out["phase"] = phases
    out["device"] = [req.device or "device"] * len(phases)
    apply_g_range(out, report, req.g_range)
    return finish(out, rows, report)


def _plan(grid: Grid, specs: list[ColumnSpec], req: Request, report: Report) -> _Plan:
    """Sort the columns, settle what the ramps hold (``specs`` is updated) and their phase(s)."""
    chosen = resolve_columns(grid, req.columns) if req.columns else None
    roles = column_roles(grid, specs, chosen or (), pulse_voltage=False)
    per_row, generic, ramps = _sort_columns(grid, specs, roles, chosen)
    if not ramps:
        raise grid.header_error("no ramp columns", WIDE_HELP + " (or --columns naming them)")
    for j in ramps:
        specs[j] = ramp_spec(specs[j], grid.file)
    rv_role = role_column(roles, READ_ROLE)
    if READ_VOLTAGE not in per_row and rv_role is not None:
        per_row[READ_VOLTAGE] = rv_role
    sequence, why = _phase_sequence(grid, specs, ramps, req)
    convert.resolve_responses(grid, ramps, specs, req, report, per_row.get(READ_VOLTAGE))
    currents = any(specs[j].quantity == CURRENT for j in ramps) and req.read_voltage_V is None
    for j in generic:
        _put(per_row, READ_VOLTAGE if currents and READ_VOLTAGE not in per_row else PULSE_AMPLITUDE, j, grid)
    return _Plan(ramps, per_row, roles, sequence, why)


def _column_ramps(
    grid: Grid, j: int, spec: ColumnSpec, req: Request, skip: int, turns: int
) -> list[tuple[int, int]]:
    """``(start, stop)`` of each ramp in column ``j`` (none: the column holds no read after ``skip``)."""
    length, gap = ramp_extent(grid.numbers(j, convert.describe(spec)))
    if gap is not None:
        raise grid.error(
            f"blank cell inside a ramp (a value follows at row {_next_row(grid, j, gap)})", gap, j, GAP_HELP
        )
    if length <= skip:
        return []
    return _chunks(grid, j, length, req.pulses_per_cycle, skip, turns)


def _add_ramp(
    pieces: Pieces,
    grid: Grid,
    j: int,
    spec: ColumnSpec,
    idx: np.ndarray,
    cycle: int,
    per_row: PerRow,
    req: Request,
) -> None:
    """The reads ``idx`` of ramp column ``j``, numbered ``cycle``."""
    values = per_row.at(grid, idx)
    rv = values.get(READ_VOLTAGE)
    if rv is None:
        rv = convert.stated_read_voltage(req, spec, len(idx))
    g, current = convert.conductance(grid, j, spec, idx, rv, per_row.columns.get(READ_VOLTAGE))
    if PULSE in values and req.pulses_per_cycle is None:
        _require_whole(grid, values[PULSE], idx, per_row.columns[PULSE])
        pulse = values[PULSE].astype(np.int64)
    else:
        pulse = idx - idx[0] + 1
    amplitude = values.get(PULSE_AMPLITUDE)
    pieces.add(
        cycle=np.full(len(idx), cycle),
        pulse=pulse,
        conductance_S=g,
        rows=grid.rows[idx],
        read_current_A=current,
        read_voltage_V=rv,
        pulse_amplitude_V=None if amplitude is None else np.abs(amplitude),
        pulse_width_s=values.get(PULSE_WIDTH),
    )


def _phase_sequence(
    grid: Grid, specs: list[ColumnSpec], ramps: list[int], req: Request
) -> tuple[tuple[str, ...], str]:
    """The phase of every ramp (one), or of successive ramps in turn (``--phase up,down``), and whence."""
    if req.phases is None:
        phase, why = resolve_phase(grid, [specs[j] for j in ramps], req.phase, len(ramps) == 2)
        return (phase,), why
    if req.pulses_per_cycle is None:
        raise MeasurementError(
            f"--phase {','.join(req.phases)} (ramps of alternating phases) needs --pulses-per-cycle",
            file=grid.file,
            value=",".join(req.phases),
            expected="--pulses-per-cycle N: the length of each ramp",
        )
    return req.phases, "phases in turn from --phase"


def _initial_read(grid: Grid, per_row: dict[str, int], roles: dict[int, Role], req: Request) -> int:
    """1 when ramps are split (``--pulses-per-cycle``) and a pulse index says the first read is pulse 0."""
    if req.pulses_per_cycle is None or grid.n_rows < 2:
        return 0
    index = per_row.get(PULSE)
    if index is None:
        index = role_column(roles, INDEX)
    if index is None:
        return 0
    values = grid.numbers(index, "a pulse number")
    return 1 if values[0] == 0 and values[1] == 1 else 0


def _sort_columns(
    grid: Grid, specs: list[ColumnSpec], roles: dict[int, Role], chosen: list[int] | None
) -> tuple[dict[str, int], list[int], list[int]]:
    """Per-row columns by quantity, plain voltages (read or pulse: decided later) and ramp columns."""
    per_row: dict[str, int] = {}
    generic: list[int] = []
    ramps: list[int] = []
    for j, spec in enumerate(specs):
        q = spec.quantity
        if chosen is not None and j in chosen:
            ramps.append(j)
            continue
        if j in roles:
            continue
        if q in (*TIDY_ONLY, TIME):
            why = "it is one value per read: write the file in the tidy layout, or use --format tidy"
            raise grid.column_error(
                j, f"a {q.replace('_', ' ')} column does not belong in a wide file ({why})", WIDE_HELP
            )
        if q == VOLTAGE:
            generic.append(j)
        elif q in _PER_ROW:
            _put(per_row, q, j, grid)
        elif chosen is None:
            ramps.append(j)
    return per_row, generic, ramps


def _describe(report: Report, specs: list[ColumnSpec], plan: _Plan, per_cycle: int | None) -> None:
    """The layout line: the phase(s) and whence, the ramp columns, the per-row and ignored columns."""
    sequence, ramps = plan.sequence, plan.ramps
    if per_cycle is None:
        report.layout = f"wide, one column per {sequence[0]} ramp ({plan.why})"
    elif len(sequence) == 1:
        report.layout = f"wide, {sequence[0]} ramps of {per_cycle} pulses ({plan.why}, --pulses-per-cycle)"
    else:
        report.layout = (
            f"wide, {'/'.join(sequence)} ramps of {per_cycle} pulses in turn (--phase, --pulses-per-cycle)"
        )
    kinds = "; ".join(dict.fromkeys(convert.kind(specs[j]) for j in ramps))
    what = f"{len(ramps)} ramp{'s' if len(ramps) > 1 else ''}"
    if per_cycle is not None:
        what = "ramps" if len(ramps) == 1 else f"{len(ramps)} columns of ramps"
    report.add(f"{report.columns(ramps)}: {what} ({kinds})")
    for q, j in plan.per_row.items():
        ignored = " (ignored: --pulses-per-cycle numbers the pulses)" if q == PULSE and per_cycle else ""
        report.add(f"{report.columns([j])} {_WORD[q]}{constant_text(plan.roles, j)}{ignored}")
    describe_roles(report, {j: r for j, r in plan.roles.items() if j not in plan.per_row.values()})
    report.add_unused([*ramps, *plan.per_row.values(), *plan.roles])


def resolve_phase(
    grid: Grid, ramp_specs: list[ColumnSpec], phase: str | None, pair: bool = False
) -> tuple[str, str]:
    """``phase=``, else the ramp headers' phase words, else the sheet or file name's; and which it was.

    ``pair``: the file has two ramp columns, so the error also suggests the up/down layout.
    """
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
                f"--phase {phase} contradicts the column header",
                file=grid.file,
                column=header,
                value=phase,
                expected=f"--phase {next(iter(named))} or no --phase",
            )
        return phase, "--phase"
    if named:
        return next(iter(named)), "phase from the headers"
    for name, where in ((grid.sheet or "", "sheet name"), (Path(grid.file).stem, "file name")):
        found = phases_in_name(name)
        if len(found) == 1:
            return found.pop(), f"phase from the {where}"
        if len(found) > 1:
            break
    raise MeasurementError(
        "cannot tell whether this wide file holds potentiation or depression ramps",
        file=grid.file,
        expected="--phase potentiation or depression (phase= in Python), --phase up,down with "
        "--pulses-per-cycle for ramps in turn, or set/reset (pot/dep, ltp/ltd) in the file name"
        + ("; or --format updown if the two columns are the up and the down response" if pair else ""),
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
        if a in CYCLE_WORDS and b.isdigit():
            return int(b) if len(b) < 10 else None
    digits = [t for t in tokens if t.isdigit()]
    return int(digits[0]) if len(digits) == 1 and len(digits[0]) < 10 else None


def _chunks(
    grid: Grid, j: int, length: int, size: int | None, skip: int = 0, turns: int = 1
) -> list[tuple[int, int]]:
    """``(start, stop)`` of each ramp in column ``j``: the whole column, or ramps of ``size`` reads
    after ``skip`` leading ones; with ``turns`` phases in turn, whole rounds of them."""
    if size is None:
        return [(skip, length)]
    count = length - skip
    if count % size:
        start = length - count % size
        raise grid.error(
            f"{count} values are not whole ramps of --pulses-per-cycle {size} (the last ramp has {count % size})",
            start,
            j,
            f"a multiple of {size} values per column",
        )
    if turns > 1 and (count // size) % turns:
        raise grid.error(
            f"{count // size} ramps of --pulses-per-cycle {size} do not alternate evenly over {turns} phases",
            length - size,
            j,
            f"a multiple of {turns * size} values per column",
        )
    return [(s, s + size) for s in range(skip, length, size)]


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
        raise grid.twice_error(quantity, found[quantity], j)
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
