"""Two-column up/down table: the response to successive up pulses, and to successive down pulses.

Headers name the two columns by phase words (``up, down``; ``potentiation, depression``;
``LTP (uS), LTD (uS)``; ``set, reset``); a unit may follow, as everywhere. Without a header row
(AIHWKIT's ``gong_et_al.csv``) or with ``columns=`` naming two columns, the first is up and the
second down. An optional pulse index column is ignored (by header, or by content: 1, 2, 3...), as
is a constant column, which is the read voltage when it lies between 1 mV and 5 V: reads are
numbered by position. Each column is one ramp (cycle 1) unless ``pulses_per_cycle=`` splits
concatenated cycles. Values are absolute responses (conductance, or resistance/current by unit,
``quantity=``, or unitless values mapped onto ``g_range=``), not changes per pulse.
"""

from __future__ import annotations

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements import convert
from memtwin.measurements.assemble import Pieces, finish_phase
from memtwin.measurements.checks import GAP_HELP, apply_g_range, ramp_extent
from memtwin.measurements.columns import resolve_columns
from memtwin.measurements.grid import Grid
from memtwin.measurements.phases import phases_in_name
from memtwin.measurements.reading import Report, Request
from memtwin.measurements.roles import READ_VOLTAGE, Role, column_roles, describe_roles, role_column
from memtwin.measurements.table import DEPRESSION, PHASES, POTENTIATION, PulseTable
from memtwin.measurements.units import PULSE, RESPONSES, ColumnSpec, parse_header, ramp_spec

UPDOWN_HELP = (
    "two columns named like 'up, down', 'potentiation, depression' or 'LTP, LTD', "
    "or --columns naming the up and the down column"
)


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


def read_updown(grid: Grid, req: Request, report: Report) -> PulseTable:
    """Read an up/down grid into a validated table (see the module notes)."""
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    columns, roles = _find_columns(grid, specs, req)
    rv_col = role_column(roles, READ_VOLTAGE)
    for j in columns.values():
        specs[j] = ramp_spec(specs[j], grid.file)
    cols = [columns[p] for p in PHASES]
    convert.resolve_responses(grid, cols, specs, req, report, rv_col)
    _describe(report, specs, cols, roles, rv_col)
    pieces = Pieces()
    phases: list[str] = []
    for p in PHASES:
        j = columns[p]
        length = _column_length(grid, j, specs[j], req.pulses_per_cycle)
        if length == 0:
            continue
        size = req.pulses_per_cycle or length
        idx = np.arange(length)
        rv = _read_voltage(grid, specs[j], req, rv_col, idx)
        g, current = convert.conductance(grid, j, specs[j], idx, rv, rv_col)
        pieces.add(
            cycle=idx // size + 1,
            pulse=idx % size + 1,
            conductance_S=g,
            rows=grid.rows[idx],
            read_current_A=current,
            read_voltage_V=rv,
        )
        phases += [p] * length
    out, rows = pieces.joined(grid.file, "the up/down columns are empty")
    out["phase"] = phases
    out["device"] = [req.device or "device"] * len(phases)
    apply_g_range(out, report, req.g_range)
    return finish_phase(out, rows, report, req.phase, f"the {req.phase} column is empty", "--phase with data")


def _describe(
    report: Report, specs: list[ColumnSpec], cols: list[int], roles: dict[int, Role], rv_col: int | None
) -> None:
    """The layout line: which column is up and which down, the read voltage, the columns left out."""
    report.layout = "up/down columns"
    up, down = cols
    kinds = "; ".join(dict.fromkeys(convert.kind(specs[j]) for j in cols))
    report.add(f"{report.columns([up])} up, {report.columns([down])} down ({kinds})")
    describe_roles(report, roles, [rv_col] if rv_col is not None else [])
    indices = [j for j, spec in enumerate(specs) if spec.quantity == PULSE]
    report.add_unused([*cols, *roles, *indices])


def _column_length(grid: Grid, j: int, spec: ColumnSpec, per_cycle: int | None) -> int:
    """How many reads column ``j`` holds: whole cycles of ``per_cycle``, no blank before the last."""
    length, gap = ramp_extent(grid.numbers(j, convert.describe(spec)))
    if gap is not None:
        raise grid.error("blank cell inside the column", gap, j, GAP_HELP)
    size = per_cycle or length
    if length and length % size:
        raise grid.error(
            f"{length} values are not whole cycles of --pulses-per-cycle {size}",
            length - length % size,
            j,
            f"a multiple of {size} values",
        )
    return length


def _find_columns(
    grid: Grid, specs: list[ColumnSpec], req: Request
) -> tuple[dict[str, int], dict[int, Role]]:
    """``{phase: column}`` from ``--columns``, the headers' phase words, or (no header) by position."""
    chosen = resolve_columns(grid, req.columns) if req.columns else None
    named = updown_columns(specs) if chosen is None else None
    exclude = chosen if chosen is not None else list(named.values()) if named else []
    roles = column_roles(grid, specs, exclude, pulse_voltage=False)
    data = chosen if chosen is not None else [j for j in range(len(specs)) if j not in roles]
    if named is None and (chosen is not None or grid.headerless):
        named = _by_position(grid, specs, data)
    if named is None:
        raise grid.header_error("not an up/down table", UPDOWN_HELP)
    return named, roles


def _by_position(grid: Grid, specs: list[ColumnSpec], data: list[int]) -> dict[str, int]:
    """Two columns: up then down, unless their headers name the phases the other way round."""
    if len(data) != 2:
        raise MeasurementError(
            f"an up/down table has two response columns, this one {len(data)}",
            file=grid.file,
            value=", ".join(grid.header[j] for j in data),
            expected=UPDOWN_HELP,
        )
    first, second = (phases_in_name(specs[j].label) for j in data)
    if first == {DEPRESSION} and second == {POTENTIATION}:
        return {POTENTIATION: data[1], DEPRESSION: data[0]}
    return {POTENTIATION: data[0], DEPRESSION: data[1]}


def _read_voltage(
    grid: Grid, spec: ColumnSpec, req: Request, rv_col: int | None, idx: np.ndarray
) -> np.ndarray | None:
    if rv_col is not None:
        values = grid.numbers(rv_col, "a read voltage in V")[idx]
        grid.require(rv_col, values, idx, "a read voltage on every row that has a read")
        return values
    return convert.stated_read_voltage(req, spec, len(idx))
