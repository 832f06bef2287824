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

from pathlib import Path

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements import convert
from memtwin.measurements.checks import GAP_HELP, apply_g_range, finish, ramp_extent
from memtwin.measurements.columns import resolve_columns
from memtwin.measurements.grid import Grid
from memtwin.measurements.phases import phases_in_name
from memtwin.measurements.reading import Report, Request
from memtwin.measurements.roles import INDEX, Role, content_roles, describe_roles, role_candidates
from memtwin.measurements.roles import READ_VOLTAGE as READ_ROLE
from memtwin.measurements.table import PulseTable
from memtwin.measurements.units import (
    CURRENT,
    CYCLE,
    CYCLE_WORDS,
    DEVICE,
    PHASE,
    PULSE,
    PULSE_AMPLITUDE,
    PULSE_CURRENT,
    PULSE_WIDTH,
    READ_VOLTAGE,
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


def read_wide(grid: Grid, req: Request, report: Report) -> PulseTable:
    """Read a wide grid (one phase) into a validated table (see the module notes for the rules)."""
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    chosen = resolve_columns(grid, req.columns) if req.columns else None
    roles = content_roles(grid, role_candidates(grid, specs, chosen or ()), pulse_voltage=False)
    per_row, generic, ramps = _sort_columns(grid, specs, roles, chosen)
    if not ramps:
        raise MeasurementError(
            "no ramp columns",
            file=grid.file,
            row=grid.header_row,
            value=", ".join(grid.header),
            expected=WIDE_HELP + " (or --columns naming them)",
        )
    for j in ramps:
        specs[j] = ramp_spec(specs[j], grid.file)
    rv_role = next((j for j, r in roles.items() if r.kind == READ_ROLE), None)
    if READ_VOLTAGE not in per_row and rv_role is not None:
        per_row[READ_VOLTAGE] = rv_role
    rv_col = per_row.get(READ_VOLTAGE)
    sequence, why = _phase_sequence(grid, specs, ramps, req)
    convert.resolve_responses(
        grid, ramps, specs, req, report, report.columns([rv_col]) if rv_col is not None else None
    )
    currents = any(specs[j].quantity == CURRENT for j in ramps) and req.read_voltage_V is None
    for j in generic:
        _put(per_row, READ_VOLTAGE if currents and READ_VOLTAGE not in per_row else PULSE_AMPLITUDE, j, grid)

    skip = _initial_read(grid, per_row, roles, req)
    _describe(report, specs, roles, per_row, ramps, sequence, why, req.pulses_per_cycle)
    if skip:
        report.add(f"row {int(grid.rows[0])} (pulse 0, read before the first pulse) left out")
    extras = {q: grid.numbers(j, f"a {_WORD[q]}") * specs[j].scale for q, j in per_row.items()}
    numbers = None
    if req.pulses_per_cycle is None and not grid.headerless:
        numbers = _cycle_numbers(grid, [specs[j] for j in ramps], ramps)

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("cycle", "pulse", "conductance_S", "rows")}
    optional: dict[str, list[np.ndarray | None]] = {c: [] for c in ("read_current_A", *_PER_ROW.values())}
    phases: list[str] = []
    counts = dict.fromkeys(sequence, 0)
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
        if length <= skip:
            continue
        for n, (start, stop) in enumerate(
            _chunks(grid, j, length, req.pulses_per_cycle, skip, len(sequence))
        ):
            idx = np.arange(start, stop)
            phase = sequence[n % len(sequence)]
            counts[phase] += 1
            for q, col in per_row.items():
                grid.require(col, extras[q][idx], idx, "a value on every row that has a read")
            rv: np.ndarray | None = extras[READ_VOLTAGE][idx] if READ_VOLTAGE in extras else None
            if rv is None and req.read_voltage_V is not None:
                rv = np.full(len(idx), float(req.read_voltage_V))
            elif rv is None and spec.read_voltage_V is not None:
                rv = np.full(len(idx), spec.read_voltage_V)
            g, current = convert.conductance(grid, j, spec, idx, rv, per_row.get(READ_VOLTAGE))
            parts["cycle"].append(np.full(len(idx), numbers[k] if numbers is not None else counts[phase]))
            if PULSE in per_row and req.pulses_per_cycle is None:
                pulse = extras[PULSE][idx]
                _require_whole(grid, pulse, idx, per_row[PULSE])
                parts["pulse"].append(pulse.astype(np.int64))
            else:
                parts["pulse"].append(idx - start + 1)
            parts["conductance_S"].append(g)
            parts["rows"].append(grid.rows[idx])
            phases += [phase] * len(idx)
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
    out["phase"] = phases
    out["device"] = [req.device or "device"] * len(phases)
    apply_g_range(out, report, req.g_range)
    return finish(out, np.concatenate(parts["rows"]), report)


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
        index = next((j for j, r in roles.items() if r.kind == INDEX), None)
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
        if q in (CYCLE, PHASE, DEVICE, TIME, PULSE_CURRENT):
            raise MeasurementError(
                f"a {q.replace('_', ' ')} column does not belong in a wide file "
                "(it is one value per read: write the file in the tidy layout, or use --format tidy)",
                file=grid.file,
                column=grid.header[j],
                expected=WIDE_HELP,
            )
        if q == VOLTAGE:
            generic.append(j)
        elif q in _PER_ROW:
            _put(per_row, q, j, grid)
        elif chosen is None:
            ramps.append(j)
    return per_row, generic, ramps


def _describe(
    report: Report,
    specs: list[ColumnSpec],
    roles: dict[int, Role],
    per_row: dict[str, int],
    ramps: list[int],
    sequence: tuple[str, ...],
    why: str,
    per_cycle: int | None,
) -> None:
    """The layout line: the phase(s) and whence, the ramp columns, the per-row and ignored columns."""
    if per_cycle is None:
        report.layout = f"wide, one column per {sequence[0]} ramp ({why})"
    elif len(sequence) == 1:
        report.layout = f"wide, {sequence[0]} ramps of {per_cycle} pulses ({why}, --pulses-per-cycle)"
    else:
        report.layout = (
            f"wide, {'/'.join(sequence)} ramps of {per_cycle} pulses in turn (--phase, --pulses-per-cycle)"
        )
    kinds = "; ".join(dict.fromkeys(convert.kind(specs[j]) for j in ramps))
    what = f"{len(ramps)} ramp{'s' if len(ramps) > 1 else ''}"
    if per_cycle is not None:
        what = "ramps" if len(ramps) == 1 else f"{len(ramps)} columns of ramps"
    report.add(f"{report.columns(ramps)}: {what} ({kinds})")
    for q, j in per_row.items():
        role = roles.get(j)
        constant = f" (constant {role.value:g} V)" if role is not None and role.value is not None else ""
        ignored = " (ignored: --pulses-per-cycle numbers the pulses)" if q == PULSE and per_cycle else ""
        report.add(f"{report.columns([j])} {_WORD[q]}{constant}{ignored}")
    describe_roles(report, {j: r for j, r in roles.items() if j not in per_row.values()})
    unused = [j for j in range(len(specs)) if j not in ramps and j not in per_row.values() and j not in roles]
    if unused:
        report.add(f"{report.columns(unused)} not used")


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
