"""The steps every layout reader ends with: gather its ramps' columns, keep ``--phase``, finish.

Why one place: a column that only some ramps carry (a read voltage one device's header gives, a
current only some columns hold) must be left out the same way in every layout, and ``--phase`` must
select after ``--g-range`` mapped each device over its whole trace
(:func:`~memtwin.measurements.checks.apply_g_range`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements.checks import finish
from memtwin.measurements.grid import Grid
from memtwin.measurements.reading import Report
from memtwin.measurements.table import PulseTable
from memtwin.measurements.units import ColumnSpec

Columns = dict[str, np.ndarray | list[str]]


class Pieces:
    """The columns a reader gathers ramp by ramp (``rows``: the spreadsheet row of every read)."""

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray | None]] = {}

    def add(self, **columns: np.ndarray | None) -> None:
        """One ramp's columns; ``None`` where this ramp has no such values."""
        for key, values in columns.items():
            self._parts.setdefault(key, []).append(values)

    def joined(self, file: str, empty: str) -> tuple[Columns, np.ndarray]:
        """``(columns, rows)`` over all ramps, without the columns some ramp lacks; ``empty`` is the
        error when no ramp was added (every column blank)."""
        if not self._parts:
            raise MeasurementError(empty, file=file, expected="at least one value")
        out: Columns = {
            key: np.concatenate([p for p in parts if p is not None])
            for key, parts in self._parts.items()
            if all(p is not None for p in parts)
        }
        rows = out.pop("rows")
        assert isinstance(rows, np.ndarray)
        return out, rows


def finish_phase(
    columns: Columns, rows: np.ndarray, report: Report, phase: str | None, empty: str, expected: str
) -> PulseTable:
    """:func:`~memtwin.measurements.checks.finish` the reads of ``phase`` (``--phase``; ``None``: all);
    ``empty`` and ``expected`` are the error when the file has none (the layout's words for it)."""
    if phase is not None:
        columns, rows = keep_rows(columns, rows, np.asarray(columns["phase"]) == phase)
        if not len(rows):
            raise MeasurementError(empty, file=report.grid.file, value=phase, expected=expected)
    return finish(columns, rows, report)


def keep_rows(columns: Columns, rows: np.ndarray, keep: np.ndarray) -> tuple[Columns, np.ndarray]:
    """Only the reads where ``keep`` is true."""
    return {key: np.asarray(values)[keep] for key, values in columns.items()}, rows[keep]


@dataclass(frozen=True)
class PerRow:
    """Columns with one value per row that every ramp shares (pulse width, read voltage...), in SI."""

    columns: dict[str, int]
    values: dict[str, np.ndarray]

    @classmethod
    def read(
        cls, grid: Grid, columns: dict[str, int], specs: list[ColumnSpec], expected: dict[str, str]
    ) -> PerRow:
        """Read the ``columns`` (by quantity); ``expected[quantity]`` is what a bad cell should be."""
        values = {q: grid.numbers(j, expected[q]) * specs[j].scale for q, j in columns.items()}
        return cls(columns, values)

    def at(self, grid: Grid, idx: np.ndarray) -> dict[str, np.ndarray]:
        """The values of data rows ``idx``; a blank or non-finite one raises at its cell."""
        for q, j in self.columns.items():
            grid.require(j, self.values[q][idx], idx, "a value on every row that has a read")
        return {q: values[idx] for q, values in self.values.items()}
