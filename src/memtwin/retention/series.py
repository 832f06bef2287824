"""Retention measurements as memtwin holds them: one time series of conductance per programmed state, SI."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RetentionSeries:
    """Conductance reads of one programmed state against time since programming.

    ``t_s`` (seconds, >= 0, ascending; t = 0 is the moment of programming) and ``g_S`` (siemens, > 0)
    have one entry per read. ``file``/``column`` say where the reads came from and ``rows`` their
    spreadsheet row numbers, so that a result can be traced back to the cells.
    """

    name: str
    t_s: np.ndarray
    g_S: np.ndarray
    file: str
    column: str
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=float)
        g = np.asarray(self.g_S, dtype=float)
        if t.shape != g.shape or t.ndim != 1:
            raise ValueError(f"state {self.name!r}: t_s and g_S must be 1-d and of equal length")
        object.__setattr__(self, "t_s", t)
        object.__setattr__(self, "g_S", g)

    @property
    def n_points(self) -> int:
        return len(self.t_s)

    @property
    def n_times(self) -> int:
        """Number of distinct read times."""
        return len(np.unique(self.t_s))


@dataclass(frozen=True)
class RetentionData:
    """Every state read from one or more files, plus what the reader noticed on the way."""

    series: tuple[RetentionSeries, ...]
    files: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.series]
