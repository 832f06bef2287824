"""Cycle-to-cycle statistics of one phase: mean and sigma of the conductance per pulse number.

Every later figure of merit (linear range, bins, sigma per state) is built on these two curves, so they
live in one small, well-tested place. Ramps may be ragged (a cycle with fewer pulses): statistics are
nan-aware and a pulse read in fewer than two cycles has an undefined (NaN) sigma.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from memtwin.errors import MeasurementError
from memtwin.measurements.table import PulseTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PhaseStats:
    """Per-pulse statistics of one phase over the cycles (SI units).

    ``pulses[i]`` is the 1-based pulse number of column ``i``; ``mean_S``/``sigma_S`` are the mean and
    the sample standard deviation (ddof=1) of the conductance over the cycles that reached that pulse;
    ``count`` is how many cycles did. ``matrix_S`` is the raw ``(cycles, pulses)`` data, NaN where ragged.
    """

    phase: str
    pulses: IntArray
    cycles: IntArray
    matrix_S: FloatArray
    mean_S: FloatArray
    sigma_S: FloatArray
    count: IntArray

    @property
    def n_pulses(self) -> int:
        return int(self.pulses.size)

    @property
    def n_cycles(self) -> int:
        return int(self.cycles.size)


def phase_matrix(
    table: PulseTable, phase: str, column: str = "conductance_S"
) -> tuple[IntArray, IntArray, FloatArray]:
    """``(cycles, pulses, matrix)`` of one phase of a single-device table, NaN where a ramp is shorter.

    Unlike :meth:`PulseTable.matrix` this also returns the cycle and pulse labels, which the plots and the
    linear-range boundaries need.
    """
    if len(table.devices) != 1:
        raise MeasurementError(
            "characterization needs a single device; select one with for_device()",
            file=table.source,
            column="device",
            value=table.devices,
        )
    sub = table.frame[table.frame["phase"] == phase]
    if sub.empty:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty((0, 0))
    wide = sub.pivot(index="cycle", columns="pulse", values=column).sort_index().sort_index(axis=1)
    cycles = wide.index.to_numpy(dtype=np.int64)
    pulses = wide.columns.to_numpy(dtype=np.int64)
    return cycles, pulses, wide.to_numpy(dtype=float)


def stats_from_matrix(
    matrix_S: npt.ArrayLike,
    phase: str = "potentiation",
    pulses: npt.ArrayLike | None = None,
    cycles: npt.ArrayLike | None = None,
) -> PhaseStats:
    """Mean and sigma (ddof=1) per column of a ``(cycles, pulses)`` array, ignoring NaN."""
    m = np.asarray(matrix_S, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"expected a (cycles, pulses) array, got shape {m.shape}")
    n_cyc, n_pul = m.shape
    count = np.sum(np.isfinite(m), axis=0).astype(np.int64)
    mean = np.full(n_pul, np.nan)
    sigma = np.full(n_pul, np.nan)
    has1 = count >= 1
    has2 = count >= 2
    if has1.any():
        mean[has1] = np.nanmean(m[:, has1], axis=0)
    if has2.any():
        sigma[has2] = np.nanstd(m[:, has2], axis=0, ddof=1)
    p = np.arange(1, n_pul + 1, dtype=np.int64) if pulses is None else np.asarray(pulses, dtype=np.int64)
    c = np.arange(1, n_cyc + 1, dtype=np.int64) if cycles is None else np.asarray(cycles, dtype=np.int64)
    return PhaseStats(phase=phase, pulses=p, cycles=c, matrix_S=m, mean_S=mean, sigma_S=sigma, count=count)


def phase_statistics(table: PulseTable, phase: str) -> PhaseStats:
    """Statistics of one phase of a single-device table; raises if the phase has no data."""
    cycles, pulses, m = phase_matrix(table, phase)
    if m.size == 0:
        raise MeasurementError(
            f"no {phase} pulses for this device",
            file=table.source,
            column="phase",
            expected="both a potentiation and a depression ramp per cycle",
        )
    return stats_from_matrix(m, phase=phase, pulses=pulses, cycles=cycles)
