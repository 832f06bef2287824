"""Cells of a retention sheet → :class:`~memtwin.retention.series.RetentionSeries`, one per state, SI.

Currents become conductances as ``G = |I / V_read|`` (the read voltage from the header, a read-voltage
column or ``--read-voltage``), resistances as ``G = 1 / R``. Every bad cell raises
:class:`~memtwin.errors.MeasurementError` naming the file, the spreadsheet row, the column and the value;
a state with fewer than :data:`MIN_TIMES` distinct read times is refused.
"""

from __future__ import annotations

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements.convert import READ_VOLTAGE_HELP
from memtwin.measurements.grid import Grid
from memtwin.measurements.units import CONDUCTANCE, DIMENSION, RESISTANCE
from memtwin.retention.options import RetentionOptions
from memtwin.retention.series import RetentionSeries
from memtwin.retention.sheet import Roles, ValueColumn, state_labels

#: Fewest distinct read times a state needs: two parameters per model, plus one to judge the fit.
MIN_TIMES = 3


def file_series(grid: Grid, roles: Roles, opts: RetentionOptions, stem: str) -> list[RetentionSeries]:
    """The states of one sheet: one per state-column value (tidy), per value column (wide), or one
    named ``stem`` (two columns)."""
    reads = _Reads(grid, roles, opts)
    values = roles.values
    if roles.states:
        if len(values) != 1:
            raise grid.header_error(
                f"a file with a state column ({grid.header[roles.states[0]]!r}) holds one value column, found "
                f"{', '.join(repr(c.header) for c in values)}",
                "one conductance/current/resistance column, or pick one with --columns",
                listed=False,
            )
        labels = state_labels(grid, roles.states)
        return [
            reads.series(name, values[0], np.flatnonzero([label == name for label in labels]))
            for name in dict.fromkeys(labels)
        ]
    names = [c.label or c.header for c in values]
    if len(set(names)) < len(names):
        names = [c.header for c in values]
    if len(values) == 1:
        names = [stem]
    # blank cells of a wide sheet: reads not taken
    return [
        reads.series(name, c, np.flatnonzero(grid.filled()[:, c.j]))
        for c, name in zip(values, names, strict=True)
    ]


class _Reads:
    """A sheet's times (s) and read voltages (V), taken once for all its states."""

    def __init__(self, grid: Grid, roles: Roles, opts: RetentionOptions) -> None:
        self.grid, self.opts, self.tj, self.vj = grid, opts, roles.time, roles.read_voltage
        self.t_all = grid.numbers(self.tj, "a time since programming") * roles.time_scale
        self.v_all: np.ndarray | None = None
        if self.vj is not None:
            self.v_all = grid.numbers(self.vj, "a read voltage") * roles.read_voltage_scale

    def series(self, name: str, col: ValueColumn, idx: np.ndarray) -> RetentionSeries:
        """State ``name``: the reads of column ``col`` at data rows ``idx``, in time order."""
        grid, tj = self.grid, self.tj
        t = self.t_all[idx]
        grid.require(tj, t, idx, expected="a time since programming")
        negative = t < 0
        if negative.any():
            raise grid.error(
                "negative time", int(idx[np.argmax(negative)]), tj, "a time >= 0 since programming"
            )
        raw = grid.numbers(col.j)[idx]
        grid.require(col.j, raw, idx, expected=f"a {col.quantity}")
        g = self._conductance(col, raw * col.scale, idx)
        order = np.argsort(t, kind="stable")
        series = RetentionSeries(
            name=name,
            t_s=t[order],
            g_S=g[order],
            file=grid.file,
            column=col.header,
            rows=grid.rows[idx][order],
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

    def _conductance(self, col: ValueColumn, values: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if col.quantity == CONDUCTANCE:
            g, bad, expected = values, ~(values > 0), "a conductance > 0"
        elif col.quantity == RESISTANCE:
            bad, expected = ~(values > 0), "a resistance > 0"
            g = 1.0 / np.where(bad, 1.0, values)
        else:
            g = np.abs(values / self._read_voltage(col, idx))
            bad, expected = ~(g > 0), "a non-zero read current"
        if bad.any():
            raise self.grid.error("not a usable read", int(idx[int(np.argmax(bad))]), col.j, expected)
        return np.asarray(g, dtype=float)

    def _read_voltage(self, col: ValueColumn, idx: np.ndarray) -> np.ndarray | float:
        """The header's ``@ V``, else the read-voltage column, else ``--read-voltage``."""
        if col.read_voltage_V is not None:
            return col.read_voltage_V
        if self.v_all is not None and self.vj is not None:
            v = self.v_all[idx]
            bad = ~np.isfinite(v) | (v == 0)
            if bad.any():
                raise self.grid.error(
                    "not a usable read voltage", int(idx[np.argmax(bad)]), self.vj, "a non-zero voltage"
                )
            return v
        if self.opts.read_voltage_V is not None:
            return self.opts.read_voltage_V
        raise MeasurementError(
            "a current needs the read voltage to become a conductance",
            file=self.grid.file,
            column=col.header,
            expected=READ_VOLTAGE_HELP,
        )


# ---------------------------------------------------------------------------------------- notes


def file_notes(series: list[RetentionSeries], values: list[ValueColumn], file: str) -> list[str]:
    """What a user should check: reads at t = 0, clock timestamps, implausible magnitudes, missing units."""
    notes: list[str] = []
    for s in series:
        notes += _time_notes(s) + _unit_notes(s)
    notes += [
        f"{file}: column {col.header!r} has no unit; its values are taken as {DIMENSION[col.quantity]} "
        "(SI). Write the unit in the header or give --unit"
        for col in values
        if col.si_assumed
    ]
    return notes


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
