"""Retention files (CSV or XLSX) → :class:`~memtwin.retention.series.RetentionData`, SI inside.

Three layouts, told apart by their columns (headers are read by :func:`memtwin.measurements.units.parse_header`,
so ``t [ms]``, ``time_s``, ``G (uS)``, ``I (nA) @ 0.1 V``, ``R (kOhm)`` all work):

- **tidy**: a time column, one conductance/current/resistance column and a state column (``state``,
  ``level``, ``target``, ``device``, ``cell``...): one series per distinct state;
- **wide**: a time column then one value column per programmed state (blank cells are reads that were
  not taken); each column is a state named after its label;
- **two columns**: time and value, one state named after the file (a headerless file is read this way,
  with ``--time-unit`` and ``--quantity``/``--unit`` saying what the numbers are).

A numpy-style header written as a comment (``# time (s),G (S)``) above headerless data is used as the
header. Times are taken as given, **measured from programming** (t = 0 is the end of the programming
pulse). Currents become conductances as ``G = |I / V_read|``, resistances as ``G = 1 / R``.

Every bad cell raises :class:`~memtwin.errors.MeasurementError` naming the file, the spreadsheet row, the
column and the value; a state with fewer than :data:`MIN_TIMES` distinct read times is refused.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from memtwin.errors import ConfigError, MeasurementError, MeasurementWarning
from memtwin.measurements.grid import Grid, read_grid
from memtwin.measurements.units import (
    CONDUCTANCE,
    CURRENT,
    DEVICE,
    READ_VOLTAGE,
    RESISTANCE,
    TIME,
    ColumnSpec,
    parse_header,
    parse_unit,
)
from memtwin.retention.series import RetentionData, RetentionSeries

__all__ = ["MIN_TIMES", "QUANTITIES", "TIME_UNITS", "RetentionOptions", "read_retention"]

#: Fewest distinct read times a state needs: two parameters per model, plus one to judge the fit.
MIN_TIMES = 3
QUANTITIES = (CONDUCTANCE, CURRENT, RESISTANCE)
#: ``--time-unit`` choices and their factor to seconds.
TIME_UNITS: dict[str, float] = {
    "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "min": 60.0, "h": 3600.0, "d": 86400.0,
}  # fmt: skip
_SI_UNIT = {CONDUCTANCE: "S", CURRENT: "A", RESISTANCE: "Ohm"}
_DIM_QUANTITY = {"S": CONDUCTANCE, "A": CURRENT, "Ohm": RESISTANCE}
#: Labels of a state column (besides the device/cell/sample names parse_header already knows).
_STATE_LABELS = frozenset(
    {"state", "states", "level", "levels", "target", "target level", "target state", "programmed state",
     "programmed level", "state name", "level name"}
)  # fmt: skip
_NUMBER_SUFFIXES = frozenset({"#", "no", "nr", "number", "num", "index", "idx", "id"})
_UNIT_EXAMPLES = "a unit in the header, e.g. 'G (uS)', 'I (nA)' or 'R (kOhm)', or --quantity / --unit"


@dataclass(frozen=True)
class RetentionOptions:
    """How to read retention files whose headers do not say everything.

    ``quantity`` (conductance, current, resistance): what value columns without a unit hold, in SI
    (S, A, Ohm); with several kinds of value column it picks which to use. ``unit`` (e.g. ``uS``, ``nA``,
    ``kOhm``): the unit of value columns whose header has none (it implies the quantity).
    ``time_unit`` (:data:`TIME_UNITS`): the unit of a time column whose header has none. A unit written
    in a header always wins over these. ``read_voltage_V``: the read voltage of currents whose file does
    not state it. ``columns``: the value columns to use (header text, label or 1-based number);
    ``time_column`` likewise for the time column. ``states``: keep only these states. ``sheet``: the
    workbook sheet (name or 0-based index; default the first).
    """

    quantity: str | None = None
    unit: str | None = None
    time_unit: str | None = None
    read_voltage_V: float | None = None
    columns: tuple[str, ...] | None = None
    time_column: str | None = None
    states: tuple[str, ...] | None = None
    sheet: str | int | None = None

    def __post_init__(self) -> None:
        if self.quantity is not None and self.quantity not in QUANTITIES:
            raise ConfigError(f"quantity = {self.quantity!r}: must be one of {', '.join(QUANTITIES)}")
        if self.unit is not None:
            implied = self.unit_quantity_scale[0]
            if self.quantity is not None and implied != self.quantity:
                raise ConfigError(
                    f"unit = {self.unit!r} measures a {implied} but quantity = {self.quantity!r}"
                )
        if self.time_unit is not None and self.time_unit not in TIME_UNITS:
            raise ConfigError(f"time_unit = {self.time_unit!r}: must be one of {', '.join(TIME_UNITS)}")
        v = self.read_voltage_V
        if v is not None and (isinstance(v, bool) or not math.isfinite(v) or v == 0):
            raise ConfigError(f"read_voltage_V = {v!r}: must be a finite, non-zero voltage")
        for key in ("columns", "states"):
            value = getattr(self, key)
            if value is not None:
                object.__setattr__(self, key, tuple(str(v) for v in value))

    @property
    def unit_quantity_scale(self) -> tuple[str, float]:
        """``(quantity, factor to SI)`` of ``unit``."""
        assert self.unit is not None
        parsed = parse_unit(self.unit)
        if parsed is None or parsed[0] not in _DIM_QUANTITY:
            raise ConfigError(
                f"unit = {self.unit!r}: not a unit of conductance (S, mS, uS, nS), current (A, mA, uA, "
                "nA, pA) or resistance (Ohm, kOhm, MOhm)"
            )
        return _DIM_QUANTITY[parsed[0]], parsed[1]


@dataclass(frozen=True)
class _ValueColumn:
    j: int
    header: str
    label: str
    quantity: str
    scale: float
    read_voltage_V: float | None


def read_retention(
    paths: str | Path | Sequence[str | Path], options: RetentionOptions | None = None
) -> RetentionData:
    """Read retention files into one :class:`RetentionData` (states of every file together).

    State names: the state column's values (tidy), the value columns' labels (wide) or the file's stem
    (two columns). Names that two files share get the file's stem in front (``stem/name``).
    """
    opts = options or RetentionOptions()
    path_list = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not path_list:
        raise ConfigError("no retention files given")
    found: list[RetentionSeries] = []
    notes: list[str] = []
    ignored: list[str] = []
    for path in path_list:
        series, file_notes, file_ignored = _read_file(path, opts)
        found += series
        notes += file_notes
        ignored += [f"{path}: {c}" for c in file_ignored]
    found = _unique_names(_short_file_names(found))
    if opts.states is not None:
        known = {s.name for s in found}
        missing = [s for s in opts.states if s not in known]
        if missing:
            raise ConfigError(
                f"states = {', '.join(map(repr, missing))}: no such state; the files hold "
                f"{', '.join(map(repr, sorted(known)))}"
            )
        found = [s for s in found if s.name in opts.states]
    for note in notes:
        warnings.warn(note, MeasurementWarning, stacklevel=2)
    return RetentionData(
        series=tuple(found),
        files=tuple(str(p) for p in path_list),
        warnings=tuple(notes),
        ignored_columns=tuple(ignored),
    )


# ----------------------------------------------------------------------------------------- one file


def _read_file(path: Path, opts: RetentionOptions) -> tuple[list[RetentionSeries], list[str], list[str]]:
    file = str(path)
    grid = _commented_header(read_grid(path, file, opts.sheet), path).drop_blank_rows()
    if len(grid.header) < 2:
        raise MeasurementError(
            "the file has a single column",
            file=file,
            value=grid.header[0] if grid.header else None,
            expected="a time column and at least one column of reads (values before and after a bake "
            "are two reads, not a time series)",
        )
    specs = [parse_header(h, file=file) for h in grid.header]
    tj = _time_column(grid, specs, opts)
    state_cols = _state_columns(specs, exclude={tj})
    vj = _read_voltage_column(specs, exclude={tj, *state_cols})
    values, ignored = _value_columns(grid, specs, opts, exclude={tj, vj, *state_cols})
    t_scale = _time_scale(grid, specs[tj], tj, opts)
    t_all = grid.numbers(tj, "a time since programming") * t_scale
    v_all = None if vj is None else grid.numbers(vj, "a read voltage") * specs[vj].scale
    notes: list[str] = []

    series: list[RetentionSeries] = []
    if state_cols:
        if len(values) != 1:
            raise MeasurementError(
                f"a file with a state column ({grid.header[state_cols[0]]!r}) holds one value column, found "
                f"{', '.join(repr(c.header) for c in values)}",
                file=file,
                row=grid.header_row,
                expected="one conductance/current/resistance column, or pick one with --columns",
            )
        col = values[0]
        labels = _state_labels(grid, state_cols)
        for name in dict.fromkeys(labels):
            idx = np.flatnonzero([label == name for label in labels])
            series.append(_series(grid, name, col, tj, t_all, v_all, vj, idx, opts))
    else:
        single = len(values) == 1
        names = [c.label or c.header for c in values]
        if len(set(names)) < len(names):
            names = [c.header for c in values]
        for col, name in zip(values, names, strict=True):
            idx = np.flatnonzero(grid.filled()[:, col.j])  # blank cells: reads not taken
            series.append(_series(grid, path.stem if single else name, col, tj, t_all, v_all, vj, idx, opts))

    for s in series:
        notes += _time_notes(s)
        notes += _unit_notes(s)
    for col in values:
        spec = specs[col.j]
        if (
            spec.quantity in QUANTITIES
            and not _has_unit(spec)
            and opts.unit is None
            and opts.quantity is None
        ):
            notes.append(
                f"{file}: column {col.header!r} has no unit; its values are taken as "
                f"{_SI_UNIT[col.quantity]} (SI). Write the unit in the header or give --unit"
            )
    return series, notes, ignored


def _series(
    grid: Grid,
    name: str,
    col: _ValueColumn,
    tj: int,
    t_all: np.ndarray,
    v_all: np.ndarray | None,
    vj: int | None,
    idx: np.ndarray,
    opts: RetentionOptions,
) -> RetentionSeries:
    t = t_all[idx]
    grid.require(tj, t, idx, expected="a time since programming")
    negative = t < 0
    if negative.any():
        raise grid.error("negative time", int(idx[np.argmax(negative)]), tj, "a time >= 0 since programming")
    raw = grid.numbers(col.j)[idx]
    grid.require(col.j, raw, idx, expected=f"a {col.quantity}")
    g = _to_conductance(grid, col, raw * col.scale, idx, v_all, vj, opts)
    order = np.argsort(t, kind="stable")
    series = RetentionSeries(
        name=name, t_s=t[order], g_S=g[order], file=grid.file, column=col.header, rows=grid.rows[idx][order]
    )
    if series.n_times < MIN_TIMES:
        raise MeasurementError(
            f"state {name!r} has {series.n_times} distinct read time(s)",
            file=grid.file,
            column=col.header,
            value=series.n_times,
            expected=f"at least {MIN_TIMES} reads at different times after programming, to fit a drift model",
        )
    return series


def _to_conductance(
    grid: Grid,
    col: _ValueColumn,
    values: np.ndarray,
    idx: np.ndarray,
    v_all: np.ndarray | None,
    vj: int | None,
    opts: RetentionOptions,
) -> np.ndarray:
    if col.quantity == CONDUCTANCE:
        g, bad, expected = values, ~(values > 0), "a conductance > 0"
    elif col.quantity == RESISTANCE:
        bad, expected = ~(values > 0), "a resistance > 0"
        g = 1.0 / np.where(bad, 1.0, values)
    else:
        v_read = _read_voltage(grid, col, idx, v_all, vj, opts)
        g = np.abs(values / v_read)
        bad, expected = ~(g > 0), "a non-zero read current"
    if bad.any():
        k = int(np.argmax(bad))
        raise grid.error("not a usable read", int(idx[k]), col.j, expected)
    return np.asarray(g, dtype=float)


def _read_voltage(
    grid: Grid,
    col: _ValueColumn,
    idx: np.ndarray,
    v_all: np.ndarray | None,
    vj: int | None,
    opts: RetentionOptions,
) -> np.ndarray | float:
    if col.read_voltage_V is not None:
        return col.read_voltage_V
    if v_all is not None and vj is not None:
        v = v_all[idx]
        bad = ~np.isfinite(v) | (v == 0)
        if bad.any():
            raise grid.error("not a usable read voltage", int(idx[np.argmax(bad)]), vj, "a non-zero voltage")
        return v
    if opts.read_voltage_V is not None:
        return opts.read_voltage_V
    raise MeasurementError(
        "a current needs the read voltage to become a conductance",
        file=grid.file,
        column=col.header,
        expected="--read-voltage V, a header such as 'I (nA) @ 0.1 V', or a read-voltage column",
    )


# --------------------------------------------------------------------------------------- columns


def _find_column(grid: Grid, specs: list[ColumnSpec], key: str, option: str) -> int:
    """A column by its header, its label (case-insensitive) or its 1-based number."""
    for match in (
        lambda j: grid.header[j] == key,
        lambda j: grid.header[j].casefold() == key.casefold(),
        lambda j: specs[j].label.casefold() == key.casefold(),
    ):
        hits = [j for j in range(len(grid.header)) if match(j)]
        if len(hits) == 1:
            return hits[0]
    if key.strip().isdigit() and 1 <= int(key) <= len(grid.header):
        return int(key) - 1
    raise MeasurementError(
        f"{option}: no such column",
        file=grid.file,
        value=key,
        expected=f"a column header or number (1-{len(grid.header)}): {', '.join(map(repr, grid.header))}",
    )


def _time_column(grid: Grid, specs: list[ColumnSpec], opts: RetentionOptions) -> int:
    if opts.time_column is not None:
        return _find_column(grid, specs, opts.time_column, "--time-column")
    hits = [j for j, s in enumerate(specs) if s.quantity == TIME]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise MeasurementError(
            f"several time columns ({', '.join(repr(grid.header[j]) for j in hits)})",
            file=grid.file,
            row=grid.header_row,
            expected="one time column, or pick it with --time-column",
        )
    if grid.header_row is None:  # headerless: time, then values
        return 0
    raise MeasurementError(
        "no time column",
        file=grid.file,
        row=grid.header_row,
        value=", ".join(grid.header),
        expected="a column of times since programming, e.g. 'time (s)', 't [h]' or 'time_s', or --time-column",
    )


def _time_scale(grid: Grid, spec: ColumnSpec, tj: int, opts: RetentionOptions) -> float:
    spec.check(grid.file)
    if spec.unit is not None:
        if spec.quantity not in (TIME, None) or spec.scale <= 0:
            raise MeasurementError(
                "the time column's unit is not a unit of time",
                file=grid.file,
                column=grid.header[tj],
                value=spec.unit,
                expected="a unit of time: s, ms, us, min, h",
            )
        return spec.scale
    if opts.time_unit is not None:
        return TIME_UNITS[opts.time_unit]
    raise MeasurementError(
        "the time column has no unit",
        file=grid.file,
        column=grid.header[tj],
        expected=f"a unit in the header (e.g. 'time (s)', 't [h]') or --time-unit {'|'.join(TIME_UNITS)}",
    )


def _label_words(spec: ColumnSpec) -> str:
    tokens = spec.tokens
    if len(tokens) > 1 and tokens[-1] in _NUMBER_SUFFIXES:
        tokens = tokens[:-1]
    return " ".join(tokens)


def _state_columns(specs: list[ColumnSpec], exclude: set[int]) -> list[int]:
    """Columns naming the state of each read (a device column and a state column may both be there)."""
    return [
        j
        for j, s in enumerate(specs)
        if j not in exclude and s.unit is None and (s.quantity == DEVICE or _label_words(s) in _STATE_LABELS)
    ]


def _state_labels(grid: Grid, columns: list[int]) -> list[str]:
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


def _value_columns(
    grid: Grid, specs: list[ColumnSpec], opts: RetentionOptions, exclude: set[int | None]
) -> tuple[list[_ValueColumn], list[str]]:
    """The columns holding reads, and the headers of the columns left aside."""
    if opts.columns is not None:
        chosen = [_find_column(grid, specs, key, "--columns") for key in opts.columns]
        for j in chosen:
            if j in exclude:
                raise MeasurementError(
                    "--columns names the time, state or read-voltage column",
                    file=grid.file,
                    value=grid.header[j],
                    expected="conductance/current/resistance columns",
                )
        return [_value_column(grid, j, specs[j], opts) for j in chosen], []
    free = [j for j in range(len(specs)) if j not in exclude]
    responses = [j for j in free if specs[j].quantity in QUANTITIES]
    if opts.quantity is not None and responses:
        responses = [j for j in responses if specs[j].quantity == opts.quantity]
        if not responses:
            raise MeasurementError(
                f"no {opts.quantity} column",
                file=grid.file,
                row=grid.header_row,
                value=", ".join(grid.header),
                expected=f"a {opts.quantity} column, or pick columns with --columns",
            )
    kinds = sorted({str(specs[j].quantity) for j in responses})
    if len(kinds) > 1:
        raise MeasurementError(
            f"the file holds {' and '.join(kinds)} columns "
            f"({', '.join(repr(grid.header[j]) for j in responses)}); which one is the retention data?",
            file=grid.file,
            row=grid.header_row,
            expected="--quantity " + "|".join(kinds) + " or --columns",
        )
    # Without a conductance/current/resistance header, columns of unknown labels are the states
    # (a wide sheet "t (h), L1, L2, ..." or a headerless file); columns of other known quantities
    # (cycle, pulse, voltage...) are never reads.
    chosen = responses or [j for j in free if specs[j].quantity is None]
    if not chosen:
        raise MeasurementError(
            "no conductance, current or resistance column",
            file=grid.file,
            row=grid.header_row,
            value=", ".join(grid.header),
            expected="a column such as 'G (uS)', 'I (nA)' or 'R (kOhm)' next to the time column",
        )
    ignored = [grid.header[j] for j in free if j not in chosen]
    return [_value_column(grid, j, specs[j], opts) for j in chosen], ignored


def _has_unit(spec: ColumnSpec) -> bool:
    return spec.unit is not None


def _value_column(grid: Grid, j: int, spec: ColumnSpec, opts: RetentionOptions) -> _ValueColumn:
    spec.check(grid.file)
    header = grid.header[j]
    quantity = spec.quantity if spec.quantity in QUANTITIES else None
    if spec.quantity is not None and quantity is None:
        raise MeasurementError(
            f"this column holds a {spec.quantity.replace('_', ' ')}, not reads",
            file=grid.file,
            column=header,
            expected="a conductance, current or resistance column",
        )
    if quantity is not None and _has_unit(spec):
        scale = spec.scale
    elif opts.unit is not None:
        implied, scale = opts.unit_quantity_scale
        if quantity is not None and implied != quantity:
            raise MeasurementError(
                f"--unit {opts.unit} measures a {implied}, but this column holds a {quantity}",
                file=grid.file,
                column=header,
                value=opts.unit,
                expected=f"a unit of {quantity}",
            )
        quantity = implied
    elif quantity is not None:
        scale = 1.0  # a known name without a unit: SI, with a warning (see _read_file)
    elif opts.quantity is not None:
        quantity, scale = opts.quantity, 1.0
    else:
        raise MeasurementError(
            "which quantity does this column hold?", file=grid.file, column=header, expected=_UNIT_EXAMPLES
        )
    if opts.quantity is not None and quantity != opts.quantity:
        raise MeasurementError(
            f"--quantity {opts.quantity}, but this column holds a {quantity}",
            file=grid.file,
            column=header,
            expected=f"a {opts.quantity} column",
        )
    return _ValueColumn(j, header, spec.label, quantity, scale, spec.read_voltage_V)


def _commented_header(grid: Grid, path: Path) -> Grid:
    """Use a header written as a comment (numpy's ``savetxt(header=...)``: ``# time (s),G (S)``) above
    headerless CSV data, when it has one name per column."""
    if grid.header_row is not None or grid.container != "csv" or grid.n_rows == 0:
        return grid
    try:
        lines = path.read_bytes().decode("utf-8-sig", errors="replace").splitlines()
    except OSError:
        return grid
    first = int(grid.rows[0])
    for number in range(min(first, len(lines)) - 1, 0, -1):
        line = lines[number - 1].strip()
        if not line:
            continue
        if not line.startswith("#"):
            return grid
        text = line.lstrip("#").strip()
        for delimiter in (",", "\t", ";"):
            names = [n.strip() for n in text.split(delimiter)]
            if len(names) == len(grid.header) and all(names):
                return replace(grid, header=names, header_row=number)
        return grid
    return grid


# ---------------------------------------------------------------------------------------- notes


def _time_notes(series: RetentionSeries) -> list[str]:
    t = series.t_s
    notes = []
    if t[0] == 0.0:
        notes.append(
            f"{series.file}: state {series.name!r}: the first read is at t = 0, the moment of programming; "
            "memtwin measures time from programming, so this read is taken as the programmed state G0"
        )
    span = t[-1] - t[0]
    if t[0] > 1e6 and t[0] > 1e3 * span:
        notes.append(
            f"{series.file}: state {series.name!r}: times start at {t[0]:.4g} s and span only {span:.4g} s; "
            "they look like clock timestamps. memtwin measures time from programming: subtract the "
            "programming time, else the drift models see almost no change in log time"
        )
    return notes


def _unit_notes(series: RetentionSeries) -> list[str]:
    g = float(np.median(series.g_S))
    if g > 1.0 or g < 1e-15:
        return [
            f"{series.file}: state {series.name!r}: median conductance {g:.3g} S is implausible for a "
            "memristor; check the unit of column " + repr(series.column)
        ]
    return []


def _short_file_names(series: list[RetentionSeries]) -> list[RetentionSeries]:
    """States named after their files (one state per file) without the part all the names share:
    ``dev_state_102_retention``, ``dev_state_103_retention`` → ``102``, ``103``."""
    stems = [Path(s.file).stem for s in series]
    if len(series) < 2 or any(s.name != stem for s, stem in zip(series, stems, strict=True)):
        return series
    if len(set(stems)) < len(stems):
        return series
    cut = re.compile(r"[-_. ]")
    prefix = os.path.commonprefix(stems)
    suffix = os.path.commonprefix([t[::-1] for t in stems])[::-1]
    # Cut only at separators, so that "state_10" and "state_11" keep their whole numbers.
    while prefix and not cut.fullmatch(prefix[-1]):
        prefix = prefix[:-1]
    while suffix and not cut.fullmatch(suffix[0]):
        suffix = suffix[1:]
    short = [t[len(prefix) : len(t) - len(suffix)] for t in stems]
    if not all(short) or len(set(short)) < len(short):
        return series
    return [replace(s, name=n) for s, n in zip(series, short, strict=True)]


def _unique_names(series: list[RetentionSeries]) -> list[RetentionSeries]:
    names = [s.name for s in series]
    if len(set(names)) == len(names):
        return series
    dup = {n for n in names if names.count(n) > 1}

    def prefixed(s: RetentionSeries) -> str:
        path = Path(s.file)
        return f"{path.parent.name}/{s.name}" if s.name == path.stem else f"{path.stem}/{s.name}"

    renamed = [replace(s, name=prefixed(s)) if s.name in dup else s for s in series]
    final = [s.name for s in renamed]
    if len(set(final)) < len(final):
        twice = sorted({n for n in final if final.count(n) > 1})
        raise ConfigError(f"state(s) {', '.join(map(repr, twice))} appear twice; was a file given twice?")
    return renamed
