"""``characterize``: a device's pulse trains in, its figures of merit (paper Section III) out."""

from __future__ import annotations

import numpy as np

from memtwin.characterization.bins import bits as to_bits
from memtwin.characterization.bins import count_bins
from memtwin.characterization.linear import (
    LinearRange,
    LinearRangeCriteria,
    find_linear_range,
    fixed_linear_range,
)
from memtwin.characterization.metrics import (
    curve_mismatch,
    energy_per_cycle,
    fit_exponential,
    level_mismatch,
    max_programming_voltage,
    on_off_ratio,
    slope_symmetry,
)
from memtwin.characterization.result import Characterization, PhaseCharacterization
from memtwin.characterization.stats import PhaseStats, phase_statistics
from memtwin.errors import MeasurementError
from memtwin.measurements.table import DEPRESSION, PHASES, POTENTIATION, PulseTable

RangeSpec = tuple[int, int] | dict[str, tuple[int, int]] | None


def _range_for(linear_range: RangeSpec, phase: str) -> tuple[int, int] | None:
    if linear_range is None:
        return None
    if isinstance(linear_range, dict):
        return linear_range.get(phase)
    return linear_range


def _phase_result(
    stats: PhaseStats, rng: LinearRange, criteria: LinearRangeCriteria
) -> PhaseCharacterization:
    a, b = rng.start, rng.stop
    means = stats.mean_S[a : b + 1]
    sigmas = stats.sigma_S[a : b + 1]
    levels = rng.levels
    bins = count_bins(means, sigmas, criteria=criteria)
    return PhaseCharacterization(
        phase=stats.phase,
        linear_range=(rng.first_pulse, rng.last_pulse),
        levels=levels,
        slope_S_per_pulse=rng.fit.slope,
        intercept_S=rng.fit.intercept,
        r2=rng.fit.r2,
        sigma_mean_S=float(np.nanmean(sigmas)) if np.isfinite(sigmas).any() else float("nan"),
        bin_width_S=abs(rng.fit.slope),
        mean_step_S=abs(float(means[-1] - means[0])) / (levels - 1),
        level_means_S=tuple(float(v) for v in means),
        level_sigmas_S=tuple(float(v) for v in sigmas),
        bins=bins,
        bits=to_bits(bins),
        min_separation_sigma=rng.min_separation_sigma,
        range_automatic=rng.automatic,
        cycles=stats.n_cycles,
        pulses=tuple(int(p) for p in stats.pulses),
        mean_S=tuple(float(v) for v in stats.mean_S),
        sigma_S=tuple(float(v) for v in stats.sigma_S),
        nonlinearity=fit_exponential(stats.pulses, stats.mean_S),
    )


def characterize(
    table: PulseTable,
    criteria: LinearRangeCriteria | None = None,
    *,
    linear_range: RangeSpec = None,
    device: str | None = None,
) -> Characterization:
    """Figures of merit of one device.

    ``table`` must hold a single device unless ``device`` picks one. ``linear_range`` fixes the range
    instead of searching it: ``(first_pulse, last_pulse)`` for both phases or ``{phase: (first, last)}``.
    Raises :class:`MeasurementError` with fewer than two cycles (no cycle-to-cycle sigma) or a missing
    phase.
    """
    crit = criteria or LinearRangeCriteria()
    if device is not None:
        table = table.for_device(device)
    if len(table.devices) != 1:
        raise MeasurementError(
            "several devices in one table; characterize one (device=...) or use characterize_all()",
            file=table.source,
            column="device",
            value=table.devices,
        )
    name = table.devices[0]
    missing = [p for p in PHASES if p not in table.phases()]
    if missing:
        raise MeasurementError(
            f"device {name!r} has no {' or '.join(missing)} pulses",
            file=table.source,
            column="phase",
            expected="both a potentiation and a depression ramp",
        )
    stats = {p: phase_statistics(table, p) for p in PHASES}
    for p, s in stats.items():
        if s.n_cycles < 2 or not np.isfinite(s.sigma_S).any():
            raise MeasurementError(
                f"device {name!r} has {s.n_cycles} {p} cycle(s); the cycle-to-cycle sigma needs at least 2",
                file=table.source,
                column="cycle",
                value=s.n_cycles,
                expected="two or more cycles",
            )
    ranges: dict[str, LinearRange] = {}
    for p, s in stats.items():
        fixed = _range_for(linear_range, p)
        if fixed is None:
            ranges[p] = find_linear_range(s.pulses, s.mean_S, s.sigma_S, crit, phase=p, source=table.source)
        else:
            ranges[p] = fixed_linear_range(
                s.pulses,
                s.mean_S,
                s.sigma_S,
                int(fixed[0]),
                int(fixed[1]),
                crit,
                phase=p,
                source=table.source,
            )
    pot = _phase_result(stats[POTENTIATION], ranges[POTENTIATION], crit)
    dep = _phase_result(stats[DEPRESSION], ranges[DEPRESSION], crit)
    bins = count_bins(pot.level_means_S, pot.level_sigmas_S, dep.level_means_S, dep.level_sigmas_S, crit)
    all_sigmas = np.array(pot.level_sigmas_S + dep.level_sigmas_S)
    all_means = np.concatenate([stats[POTENTIATION].mean_S, stats[DEPRESSION].mean_S])
    finite = all_means[np.isfinite(all_means)]
    return Characterization(
        device=name,
        source=table.source,
        cycles=int(np.union1d(stats[POTENTIATION].cycles, stats[DEPRESSION].cycles).size),
        potentiation=pot,
        depression=dep,
        bins=bins,
        bits=to_bits(bins),
        sigma_mean_S=float(np.nanmean(all_sigmas)),
        symmetry=slope_symmetry(pot.slope_S_per_pulse, dep.slope_S_per_pulse),
        asymmetry={
            "slope_ratio": slope_symmetry(pot.slope_S_per_pulse, dep.slope_S_per_pulse),
            "level_mismatch": level_mismatch(pot.level_means_S, dep.level_means_S),
            "curve_mismatch": curve_mismatch(stats[POTENTIATION].mean_S, stats[DEPRESSION].mean_S),
        },
        on_off_ratio=on_off_ratio(all_means),
        g_min_S=float(finite.min()),
        g_max_S=float(finite.max()),
        energy_per_cycle_J=energy_per_cycle(table),
        max_programming_voltage_V=max_programming_voltage(table),
        criteria=crit,
    )


def characterize_all(
    table: PulseTable,
    criteria: LinearRangeCriteria | None = None,
    *,
    linear_range: RangeSpec = None,
) -> dict[str, Characterization]:
    """:func:`characterize` every device of ``table``, in the order they were read."""
    return {
        name: characterize(table.for_device(name), criteria, linear_range=linear_range)
        for name in table.devices
    }
