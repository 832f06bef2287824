"""``characterize``: a device's pulse trains in, its figures of merit (paper Section III) out."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from memtwin.characterization.bins import bits as to_bits
from memtwin.characterization.bins import count_bins
from memtwin.characterization.levels import FIT_RESIDUALS, LevelGrid, find_levels
from memtwin.characterization.linear import LinearRangeCriteria
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
from memtwin.characterization.spread import DeviceToDevice, device_to_device
from memtwin.characterization.stats import PhaseStats, phase_statistics
from memtwin.errors import MeasurementError, MeasurementWarning, SingleCycleWarning
from memtwin.measurements.checks import caller_stacklevel
from memtwin.measurements.table import DEPRESSION, PHASES, POTENTIATION, PulseTable

RangeSpec = tuple[int, int] | dict[str, tuple[int, int]] | None


def _range_for(linear_range: RangeSpec, phase: str) -> tuple[int, int] | None:
    if linear_range is None:
        return None
    if isinstance(linear_range, dict):
        return linear_range.get(phase)
    return linear_range


def _phase_result(
    stats: PhaseStats, grid: LevelGrid, criteria: LinearRangeCriteria
) -> tuple[PhaseCharacterization, tuple[float, ...]]:
    """One phase's figures, and the level conductances its bins are counted on: the measured means
    when every pulse is a level judged on them, the fitted line when pulses were grouped (their
    spacing was chosen on the fit) or σ came from the fit residuals (one cycle)."""
    rng = grid.range
    idx = grid.level_index
    level_pulses = stats.pulses[idx]
    means = grid.level_means_S
    sigmas = grid.level_sigmas_S
    fitted = rng.fit.slope * level_pulses + rng.fit.intercept
    bin_levels = tuple(float(v) for v in (fitted if grid.grouped else means))
    bins = count_bins(bin_levels, sigmas, criteria=criteria)
    levels = grid.levels
    result = PhaseCharacterization(
        phase=stats.phase,
        linear_range=(rng.first_pulse, rng.last_pulse),
        levels=levels,
        slope_S_per_pulse=rng.fit.slope,
        intercept_S=rng.fit.intercept,
        r2=rng.fit.r2,
        sigma_mean_S=float(np.nanmean(sigmas)) if np.isfinite(sigmas).any() else float("nan"),
        bin_width_S=abs(rng.fit.slope) * grid.pulses_per_level,
        mean_step_S=abs(float(means[-1] - means[0])) / (levels - 1),
        level_means_S=tuple(float(v) for v in means),
        level_sigmas_S=tuple(float(v) for v in sigmas),
        bins=bins,
        bits=to_bits(bins),
        min_separation_sigma=grid.min_separation_sigma,
        range_automatic=rng.automatic,
        cycles=stats.n_cycles,
        pulses=tuple(int(p) for p in stats.pulses),
        mean_S=tuple(float(v) for v in stats.mean_S),
        sigma_S=tuple(float(v) for v in grid.sigma_S),
        nonlinearity=fit_exponential(stats.pulses, stats.mean_S),
        pulses_per_level=grid.pulses_per_level,
        sigma_source=grid.sigma_source,
        range_smoothing_pulses=grid.smoothing_pulses,
    )
    return result, bin_levels


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
    With one cycle per phase σ comes from the fit residuals (a :class:`MeasurementWarning` says so; see
    :mod:`memtwin.characterization.levels`). Raises :class:`MeasurementError` for a missing phase or
    when no range qualifies.
    """
    crit = criteria or LinearRangeCriteria()
    table = _one_device(table, device)
    name = table.devices[0]
    stats = {p: phase_statistics(table, p) for p in PHASES}
    grids = {p: _levels(s, crit, _range_for(linear_range, p), table.source) for p, s in stats.items()}
    residual = [p for p, g in grids.items() if g.sigma_source == FIT_RESIDUALS]
    if residual:
        _warn_single_cycle(name, table.source, residual, grids)
    pot, pot_bins = _phase_result(stats[POTENTIATION], grids[POTENTIATION], crit)
    dep, dep_bins = _phase_result(stats[DEPRESSION], grids[DEPRESSION], crit)
    bins = count_bins(pot_bins, pot.level_sigmas_S, dep_bins, dep.level_sigmas_S, crit)
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
        sigma_mean_S=float(np.nanmean(np.array(pot.level_sigmas_S + dep.level_sigmas_S))),
        symmetry=slope_symmetry(pot.slope_S_per_pulse, dep.slope_S_per_pulse),
        asymmetry=_asymmetry(pot, dep, stats),
        on_off_ratio=on_off_ratio(all_means),
        g_min_S=float(finite.min()),
        g_max_S=float(finite.max()),
        energy_per_cycle_J=energy_per_cycle(table),
        max_programming_voltage_V=max_programming_voltage(table),
        criteria=crit,
    )


def _levels(
    stats: PhaseStats, crit: LinearRangeCriteria, fixed: tuple[int, int] | None, source: str
) -> LevelGrid:
    """One phase's linear range and levels (``fixed``: the user's range instead of a search)."""
    return find_levels(
        stats.pulses, stats.mean_S, stats.sigma_S, crit, fixed=fixed, phase=stats.phase, source=source
    )


def _one_device(table: PulseTable, device: str | None) -> PulseTable:
    """The table of the one device to characterize, which has both phases; else an error saying why."""
    if device is not None:
        table = table.for_device(device)
    if len(table.devices) != 1:
        raise MeasurementError(
            "several devices in one table; characterize one (--device NAME, device= in Python) or use "
            "characterize_devices()",
            file=table.source,
            column="device",
            value=table.devices,
        )
    missing = [p for p in PHASES if p not in table.phases()]
    if missing:
        raise MeasurementError(
            f"device {table.devices[0]!r} has no {' or '.join(missing)} pulses",
            file=table.source,
            column="phase",
            expected="both a potentiation and a depression ramp",
        )
    return table


def _asymmetry(
    pot: PhaseCharacterization, dep: PhaseCharacterization, stats: dict[str, PhaseStats]
) -> dict[str, float]:
    """How potentiation and depression differ: slopes, level means and whole mean curves."""
    return {
        "slope_ratio": slope_symmetry(pot.slope_S_per_pulse, dep.slope_S_per_pulse),
        "level_mismatch": level_mismatch(pot.level_means_S, dep.level_means_S),
        "curve_mismatch": curve_mismatch(stats[POTENTIATION].mean_S, stats[DEPRESSION].mean_S),
    }


def _warn_single_cycle(name: str, source: str, phases: list[str], grids: dict[str, LevelGrid]) -> None:
    where = ", ".join(
        f"{p} pulses {g.range.first_pulse}-{g.range.last_pulse}" for p, g in grids.items() if p in phases
    )
    warnings.warn(
        f"{source}: device {name!r} has one {' and one '.join(phases)} ramp: sigma is the spread of the "
        f"residuals around the linear fit ({where}), which mixes cycle-to-cycle noise with non-linearity; "
        "measure several cycles for a cycle-to-cycle sigma",
        SingleCycleWarning,
        stacklevel=caller_stacklevel(),
    )


def characterize_all(
    table: PulseTable,
    criteria: LinearRangeCriteria | None = None,
    *,
    linear_range: RangeSpec = None,
) -> dict[str, Characterization]:
    """:func:`characterize` every device of ``table``, in the order they were read; the first device
    that cannot be characterized raises (see :func:`characterize_devices` to skip it instead)."""
    return {
        name: characterize(table.for_device(name), criteria, linear_range=linear_range)
        for name in table.devices
    }


@dataclass(frozen=True)
class CharacterizedDevices:
    """The devices of a file that could be characterized, and why the others could not."""

    results: dict[str, Characterization]
    skipped: dict[str, str]

    @property
    def device_to_device(self) -> DeviceToDevice | None:
        return device_to_device(self.results)


def characterize_devices(
    table: PulseTable,
    criteria: LinearRangeCriteria | None = None,
    *,
    linear_range: RangeSpec = None,
) -> CharacterizedDevices:
    """:func:`characterize` every device, skipping those that cannot be (an array measurement often
    holds a few dead or stuck devices) with one :class:`MeasurementWarning` listing them. Raises the
    first device's error when none can be characterized."""
    results: dict[str, Characterization] = {}
    skipped: dict[str, str] = {}
    first: MeasurementError | None = None
    single_cycle = 0
    for name in table.devices:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                results[name] = characterize(table.for_device(name), criteria, linear_range=linear_range)
            except MeasurementError as exc:
                skipped[name] = exc.reason
                first = first or exc
        for item in caught:  # one line for all one-cycle devices, not one per device
            if issubclass(item.category, SingleCycleWarning) and len(table.devices) > 1:
                single_cycle += 1
            else:
                warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    if single_cycle:
        warnings.warn(
            f"{table.source}: {single_cycle} devices have one ramp per phase: their sigma is the spread of "
            "the residuals around the linear fit, which mixes cycle-to-cycle noise with non-linearity; "
            "measure several cycles for a cycle-to-cycle sigma",
            SingleCycleWarning,
            stacklevel=caller_stacklevel(),
        )
    if not results:
        assert first is not None
        if len(skipped) == 1:
            raise first
        raise MeasurementError(
            f"none of the {len(skipped)} devices could be characterized; the first: {first.reason}",
            file=table.source,
            column=first.column,
            expected=first.expected,
        )
    if skipped:
        listed = "; ".join(f"{n}: {why}" for n, why in list(skipped.items())[:3])
        more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
        warnings.warn(
            f"{table.source}: {len(skipped)} of {len(table.devices)} devices skipped: {listed}{more}",
            MeasurementWarning,
            stacklevel=caller_stacklevel(),
        )
    return CharacterizedDevices(results, skipped)
