"""Error types users see. Every error raised at an input edge is one of these, never a bare traceback."""

from __future__ import annotations

from typing import Any


class MemtwinError(Exception):
    """Base of every error memtwin raises on purpose."""


class ConfigError(MemtwinError, ValueError):
    """A configuration value (device parameter, periphery, experiment) is invalid."""


class DataError(MemtwinError):
    """A dataset is missing or corrupt; the message says where to put it or how to get it."""


class MeasurementError(MemtwinError, ValueError):
    """A measurement file cannot be read. Says which file, row, column and value, and what was expected.

    ``row`` is the 1-based line number in the file as a spreadsheet or editor shows it (header = 1)
    where that is meaningful, otherwise the 0-based index of the offending record.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        expected: str | None = None,
    ) -> None:
        self.reason = message
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file!s}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where)
        text = f"{text}: {self.reason}" if text else self.reason
        if self.value is not None:
            text += f" (value {self.value!r})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


class MemtwinWarning(UserWarning):
    """Base of every warning memtwin emits on purpose (filter them all with this class)."""


class MeasurementWarning(MemtwinWarning):
    """A measurement file was read, but something in it looks implausible (e.g. a unit missing from a header)."""


class SingleCycleWarning(MeasurementWarning):
    """A device has one ramp per phase: its σ comes from the fit residuals, not from cycle to cycle."""
