"""The columns of a retention sheet and their roles: time, state, read voltage and reads (:class:`Roles`).

Columns a user names (``--columns``, ``--time-column``) are found as every measurement reader finds
them (:mod:`memtwin.measurements.columns`: spreadsheet letters, 1-based numbers, ranges, header names),
with two rules retention had before: a name also matches a header's label (``time`` finds ``time_s``,
``I`` finds ``I (nA) @ 0.1 V``), and a header name wins over the letter or number it also reads as
(``--columns A`` on a sheet ``t (h), A, B`` is the column headed ``A``).

Without ``--columns``, the reads are the conductance/current/resistance columns; when no header names
one, the columns of unknown labels are (a wide sheet ``t (h), L1, L2`` or a headerless file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memtwin.errors import MeasurementError
from memtwin.measurements.columns import ColumnRef, available, by_name, parse_column_spec, resolve_columns
from memtwin.measurements.grid import Grid
from memtwin.measurements.units import DEVICE, READ_VOLTAGE, TIME, ColumnSpec, label_words
from memtwin.retention.options import QUANTITIES, TIME_UNITS, RetentionOptions

#: Labels of a state column (besides the device/cell/sample names parse_header already knows).
_STATE_LABELS = frozenset(
    {"state", "states", "level", "levels", "target", "target level", "target state", "programmed state",
     "programmed level", "state name", "level name"}
)  # fmt: skip
_UNIT_EXAMPLES = "a unit in the header, e.g. 'G (uS)', 'I (nA)' or 'R (kOhm)', or --quantity / --unit"


@dataclass(frozen=True)
class ValueColumn:
    """A column of reads: what it holds and the factor to SI, from its header or the options."""

    j: int
    header: str
    label: str
    quantity: str
    scale: float
    read_voltage_V: float | None
    #: a named column (``G``, ``current``) without a unit and no --unit/--quantity: taken as SI, with a note
    si_assumed: bool = False


@dataclass(frozen=True)
class Roles:
    """Which grid column plays which part; ``ignored`` are the headers of columns left aside."""

    time: int
    time_scale: float
    states: list[int]
    read_voltage: int | None
    read_voltage_scale: float
    values: list[ValueColumn]
    ignored: list[str]


def sheet_roles(grid: Grid, specs: list[ColumnSpec], opts: RetentionOptions) -> Roles:
    """The role of each column of ``grid`` (``specs``: its parsed headers)."""
    tj = _time_column(grid, specs, opts)
    states = _state_columns(specs, exclude={tj})
    vj = _read_voltage_column(specs, exclude={tj, *states})
    values, ignored = _value_columns(grid, specs, opts, exclude={tj, vj, *states})
    time_scale = _time_scale(grid, specs[tj], tj, opts)
    return Roles(tj, time_scale, states, vj, 1.0 if vj is None else specs[vj].scale, values, ignored)


def _option_error(grid: Grid, message: str, value: object, expected: str | None) -> MeasurementError:
    """An error about a column an option names (``value``: what the option says)."""
    return MeasurementError(message, file=grid.file, value=value, expected=expected)


# ------------------------------------------------------------------------------- named columns


def find_columns(grid: Grid, specs: list[ColumnSpec], keys: Sequence[str], flag: str) -> list[int]:
    """The grid columns ``keys`` name, in order (see the module notes); errors name ``flag``."""
    try:
        refs = parse_column_spec(keys, flag=flag)
    except MeasurementError as err:  # the parser knows no file; name it
        raise _option_error(grid, err.reason, err.value, err.expected) from None
    return resolve_columns(grid, [_pinned(grid, specs, ref, flag) for ref in refs], flag=flag)


def _pinned(grid: Grid, specs: list[ColumnSpec], ref: ColumnRef, flag: str) -> ColumnRef:
    """``ref`` pinned to the one column whose header or label it names, if there is one."""
    if ref.is_range:
        return ref
    named = by_name(grid, ref.text)
    if len(named) > 1:
        return ref  # resolve_columns says that several columns have this name
    key = ref.text.casefold()
    named = named or [j for j, s in enumerate(specs) if s.label.casefold() == key]
    if len(named) == 1:
        return ColumnRef(ref.text, (grid.position(named[0]),))
    last = grid.position(len(grid.header) - 1)
    if all(pos > last for pos in ref.positions):
        headers = ", ".join(map(repr, grid.header))
        expected = f"a column header, letter or number ({available(grid)}): {headers}"
        raise _option_error(grid, f"{flag}: no such column", ref.text, expected)
    return ref


# --------------------------------------------------------------------------------------- time


def _time_column(grid: Grid, specs: list[ColumnSpec], opts: RetentionOptions) -> int:
    if opts.time_column is not None:
        found = find_columns(grid, specs, (opts.time_column,), "--time-column")
        if len(found) > 1:
            raise _option_error(
                grid, f"--time-column names {len(found)} columns", opts.time_column, "one time column"
            )
        return found[0]
    hits = [j for j, s in enumerate(specs) if s.quantity == TIME]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        listed = ", ".join(repr(grid.header[j]) for j in hits)
        raise grid.header_error(
            f"several time columns ({listed})",
            "one time column, or pick it with --time-column",
            listed=False,
        )
    if grid.header_row is None:  # headerless: time, then values
        return 0
    raise grid.header_error(
        "no time column",
        "a column of times since programming, e.g. 'time (s)', 't [h]' or 'time_s', or --time-column",
    )


def _time_scale(grid: Grid, spec: ColumnSpec, tj: int, opts: RetentionOptions) -> float:
    spec.check(grid.file)
    if spec.unit is not None:
        if spec.quantity not in (TIME, None) or spec.scale <= 0:
            raise grid.column_error(
                tj,
                "the time column's unit is not a unit of time",
                "a unit of time: s, ms, us, min, h",
                spec.unit,
            )
        return spec.scale
    if opts.time_unit is not None:
        return TIME_UNITS[opts.time_unit]
    raise grid.column_error(
        tj,
        "the time column has no unit",
        f"a unit in the header (e.g. 'time (s)', 't [h]') or --time-unit {'|'.join(TIME_UNITS)}",
    )


# ------------------------------------------------------------------------ states, read voltage


def _state_columns(specs: list[ColumnSpec], exclude: set[int]) -> list[int]:
    """Columns naming the state of each read (a device column and a state column may both be there)."""
    return [
        j
        for j, s in enumerate(specs)
        if j not in exclude
        and s.unit is None
        and (s.quantity == DEVICE or label_words(s.label) in _STATE_LABELS)
    ]


def state_labels(grid: Grid, columns: list[int]) -> list[str]:
    """Each row's state name: the state columns' texts joined with '/'."""
    texts = [grid.texts(j) for j in columns]
    labels = []
    for i in range(grid.n_rows):
        parts = []
        for j, col in zip(columns, texts, strict=True):
            if col[i] is None:
                raise grid.error("missing value", i, j, "the name of the programmed state of this read")
            parts.append(str(col[i]))
        labels.append("/".join(parts))
    return labels


def _read_voltage_column(specs: list[ColumnSpec], exclude: set[int]) -> int | None:
    hits = [j for j, s in enumerate(specs) if j not in exclude and s.quantity == READ_VOLTAGE]
    return hits[0] if hits else None


# -------------------------------------------------------------------------------------- reads


def _value_columns(
    grid: Grid, specs: list[ColumnSpec], opts: RetentionOptions, exclude: set[int | None]
) -> tuple[list[ValueColumn], list[str]]:
    """The columns holding reads, and the headers of the columns left aside."""
    if opts.columns is not None:
        chosen = find_columns(grid, specs, opts.columns, "--columns")
        for j in chosen:
            if j in exclude:
                what = "--columns names the time, state or read-voltage column"
                raise _option_error(grid, what, grid.header[j], "conductance/current/resistance columns")
        return [_value_column(grid, j, specs[j], opts) for j in chosen], []
    free = [j for j in range(len(specs)) if j not in exclude]
    responses = [j for j in free if specs[j].quantity in QUANTITIES]
    if opts.quantity is not None and responses:
        responses = [j for j in responses if specs[j].quantity == opts.quantity]
        if not responses:
            raise grid.header_error(
                f"no {opts.quantity} column",
                f"a {opts.quantity} column, or pick columns with --columns",
            )
    kinds = sorted({str(specs[j].quantity) for j in responses})
    if len(kinds) > 1:
        raise grid.header_error(
            f"the file holds {' and '.join(kinds)} columns "
            f"({', '.join(repr(grid.header[j]) for j in responses)}); which one is the retention data?",
            "--quantity " + "|".join(kinds) + " or --columns",
            listed=False,
        )
    # Columns of other known quantities (cycle, pulse, voltage...) are never reads.
    chosen = responses or [j for j in free if specs[j].quantity is None]
    if not chosen:
        raise grid.header_error(
            "no conductance, current or resistance column",
            "a column such as 'G (uS)', 'I (nA)' or 'R (kOhm)' next to the time column",
        )
    ignored = [grid.header[j] for j in free if j not in chosen]
    return [_value_column(grid, j, specs[j], opts) for j in chosen], ignored


def _value_column(grid: Grid, j: int, spec: ColumnSpec, opts: RetentionOptions) -> ValueColumn:
    """What column ``j`` holds: its header's unit or name wins, then ``--unit``, then ``--quantity``."""
    spec.check(grid.file)
    quantity = spec.quantity if spec.quantity in QUANTITIES else None
    if spec.quantity is not None and quantity is None:
        what = spec.quantity.replace("_", " ")
        raise grid.column_error(
            j, f"this column holds a {what}, not reads", "a conductance, current or resistance column"
        )
    si_assumed = False
    if quantity is not None and spec.unit is not None:
        scale = spec.scale
    elif opts.unit is not None:
        implied, scale = opts.unit_quantity_scale
        if quantity is not None and implied != quantity:
            raise grid.column_error(
                j,
                f"--unit {opts.unit} measures a {implied}, but this column holds a {quantity}",
                f"a unit of {quantity}",
                opts.unit,
            )
        quantity = implied
    elif quantity is not None:
        scale, si_assumed = 1.0, opts.quantity is None  # a known name without a unit: SI
    elif opts.quantity is not None:
        quantity, scale = opts.quantity, 1.0
    else:
        raise grid.column_error(j, "which quantity does this column hold?", _UNIT_EXAMPLES)
    if opts.quantity is not None and quantity != opts.quantity:
        raise grid.column_error(
            j,
            f"--quantity {opts.quantity}, but this column holds a {quantity}",
            f"a {opts.quantity} column",
        )
    return ValueColumn(j, grid.header[j], spec.label, quantity, scale, spec.read_voltage_V, si_assumed)
