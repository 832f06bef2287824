"""The levels a phase is programmed with: its linear range and the distinguishable states inside it.

Two kinds of device reach memtwin, and one rule serves both:

* **Coarse steps** (the paper's device): every pulse moves the mean conductance by more than ``k_sigma``
  pair sigmas, so every pulse of the linear range is a level. The range is the one
  :func:`~memtwin.characterization.linear.find_linear_range` finds (all neighbouring *measured* means
  distinguishable, R² ≥ ``min_r2``); this is how memtwin has always counted, and it stays the answer
  whenever it gives at least as many levels as the rule below.
* **Fine steps** (hundreds of small pulses, step well below σ): no two neighbouring pulses are
  distinguishable, yet the ramp holds many states. The linear range is then the longest window of the
  mean curve with R² ≥ ``min_r2`` whose fit runs the ramp's way, and its pulses are grouped into
  levels ``p`` pulses apart, ``p`` the smallest whole number for which every pair of neighbouring levels
  is more than ``k_sigma`` pair sigmas apart *on the fitted line* (``|slope|·p > k·σ_pair``). A weight
  is then written as ``p × level`` pulses. With one σ for all pulses this gives
  ``levels = ⌊(N − 1)/p⌋ + 1 ≈ span / (k·σ) + 1``, the way device papers count states.

**One cycle per phase** (simulator reference curves, quick lab runs) has no cycle-to-cycle σ. σ is then
the standard deviation of the residuals around the linear fit of the window (ddof = 2), the same for
every pulse, marked ``sigma_source = "fit_residuals"``: it mixes cycle-to-cycle noise with whatever
non-linearity the window holds, so it is an upper bound on the former.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from memtwin.characterization.linear import (
    RANGE_HELP,
    LinearRange,
    LinearRangeCriteria,
    find_linear_range,
    fit_line,
    fixed_linear_range,
    ramp_direction,
    window_fits,
)
from memtwin.errors import MeasurementError

FloatArray = npt.NDArray[np.float64]
CYCLE_TO_CYCLE = "cycle_to_cycle"
FIT_RESIDUALS = "fit_residuals"


@dataclass(frozen=True)
class LevelGrid:
    """A phase's linear range and its levels.

    ``level_index``: column indices (into the phase's pulse axis) of the levels, ``pulses_per_level``
    apart, the first at the start of the range (weight 0). ``level_means_S``/``level_sigmas_S``: each
    level's mean and σ pooled over its own pulses (:func:`pooled`; the pulse's own values when every
    pulse is a level). ``sigma_S``: σ of every pulse of the ramp as used (measured per pulse, or the fit
    residuals' σ). ``smoothing_pulses``: how many consecutive pulses were averaged when the range was
    judged (:func:`r2_window`; 1: pulse by pulse). ``min_separation_sigma``: the
    smallest step between neighbouring levels over their pair σ (measured means for per-pulse levels,
    the fitted line for grouped ones).
    """

    range: LinearRange
    pulses_per_level: int
    level_index: npt.NDArray[np.int64]
    level_means_S: FloatArray
    level_sigmas_S: FloatArray
    sigma_S: FloatArray
    sigma_source: str
    min_separation_sigma: float
    smoothing_pulses: int = 1

    @property
    def levels(self) -> int:
        return int(self.level_index.size)

    @property
    def grouped(self) -> bool:
        """Whether the levels are judged on the fitted line (grouped pulses or a residual σ)."""
        return self.pulses_per_level > 1 or self.sigma_source == FIT_RESIDUALS


def residual_sigma(pulses: FloatArray, mean: FloatArray, a: int, b: int) -> float:
    """σ of the residuals around the least-squares line through columns ``a..b`` (ddof = 2)."""
    x, y = pulses[a : b + 1], mean[a : b + 1]
    fit = fit_line(x, y)
    resid = y - (fit.slope * x + fit.intercept)
    dof = max(resid.size - 2, 1)
    return float(np.sqrt(resid @ resid / dof))


def pair_sigma(s1: FloatArray, s2: FloatArray, criteria: LinearRangeCriteria) -> FloatArray:
    """The σ two states are compared with: their mean (default) or the larger one."""
    out = np.maximum(s1, s2) if criteria.sigma_pair == "max" else 0.5 * (s1 + s2)
    return np.asarray(out, dtype=float)


def pulses_per_level(
    slope: float, sigma: FloatArray, a: int, b: int, criteria: LinearRangeCriteria
) -> tuple[int, float] | None:
    """Smallest ``p`` whose levels ``a, a+p, ...`` (≤ ``b``) are pairwise distinguishable on the fit,
    each level's σ pooled over its own ``p`` pulses (:func:`pooled`: a σ estimated from a few cycles is
    noisy, and the worst of many noisy pairs would otherwise decide).

    Returns ``(p, smallest step / pair σ)``, or ``None`` when not even two levels can be told apart.
    """
    if not np.isfinite(sigma[a : b + 1]).any():
        return None
    for p in range(1, b - a + 1):
        idx = np.arange(a, b + 1, p, dtype=np.int64)
        if idx.size < 2:
            break
        s = pooled(sigma, idx, p, a, b, rms=True)
        s[~np.isfinite(s)] = float(np.nanmean(s))
        pair = pair_sigma(s[:-1], s[1:], criteria)
        step = abs(slope) * p
        with np.errstate(divide="ignore"):
            ratio = np.where(pair > 0, step / pair, np.inf)
        ok = ratio > criteria.k_sigma if criteria.k_sigma > 0 else np.full(ratio.shape, step > 0)
        if ok.all():
            return p, float(ratio.min())
    return None


def mean_curve_noise(mean: FloatArray) -> float:
    """Noise of a mean curve from its pulse-to-pulse differences: ``1.4826 · MAD(diff) / √2``.

    A smooth trend barely changes from one difference to the next, while independent noise of σ on
    every point gives differences of spread σ·√2; the median absolute deviation ignores the few large
    jumps of a kink or a switching event."""
    d = np.diff(mean[np.isfinite(mean)])
    if d.size < 2:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2.0))


def smoothing_block(mean: FloatArray) -> int:
    """Pulses per block that make the trend stand out of the mean curve's noise: the end-to-end step
    per pulse times the block exceeds twice the noise (1 for the paper's device)."""
    finite = mean[np.isfinite(mean)]
    if finite.size < 2:
        return 1
    step = abs(float(finite[-1] - finite[0])) / (finite.size - 1)
    noise = mean_curve_noise(mean)
    if step <= 0 or noise <= 0:
        return 1
    return max(1, min(int(np.ceil(2.0 * noise / step)), finite.size // 2))


def block_means(pulses: FloatArray, mean: FloatArray, block: int) -> tuple[FloatArray, FloatArray]:
    """Pulse and mean averaged over consecutive blocks of ``block`` pulses (a short last block dropped)."""
    n = (mean.size // block) * block
    return (
        pulses[:n].reshape(-1, block).mean(axis=1),
        mean[:n].reshape(-1, block).mean(axis=1),
    )


def r2_window(
    pulses: FloatArray, mean: FloatArray, criteria: LinearRangeCriteria, *, phase: str, source: str | None
) -> LinearRange:
    """The longest window whose trend is a line: R² ≥ ``min_r2`` and a fit that runs the ramp's way,
    judged on the means of :func:`smoothing_block` consecutive pulses (so that noise much larger than
    a step is not mistaken for curvature) over at least ``min_levels`` blocks; ties: highest R², then
    earliest. The returned fit is the per-pulse one. Raises with a hint naming the CLI flags."""
    block = smoothing_block(mean)
    bp, bm = block_means(pulses, mean, block)
    n = bm.size
    direction = ramp_direction(mean)
    consecutive = np.concatenate(([0], np.cumsum(np.diff(pulses) != 1)))[: n * block : block]
    missing = np.concatenate(([0], np.cumsum(~np.isfinite(bm))))
    best = float("nan")
    for length in range(n, criteria.min_levels - 1, -1):
        starts = np.arange(0, n - length + 1)
        stops = starts + length - 1
        clean = (consecutive[stops] == consecutive[starts]) & (missing[stops + 1] == missing[starts])
        if not clean.any():
            continue
        r2, slope_sign = window_fits(bp, bm, length)
        usable = clean & (slope_sign == direction)
        if usable.any():
            best = float(np.nanmax(np.where(usable, r2, np.nan), initial=np.nan))
        good = usable & (r2 >= criteria.min_r2 - 1e-12)
        if good.any():
            k = int(starts[good][np.argmax(r2[good])])
            a, b = k * block, (k + length) * block - 1
            return LinearRange(
                start=a,
                stop=b,
                first_pulse=int(pulses[a]),
                last_pulse=int(pulses[b]),
                fit=fit_line(pulses[a : b + 1], mean[a : b + 1]),
                automatic=True,
                min_separation_sigma=float("nan"),
            )
    unit = f"blocks of {block} pulses" if block > 1 else "pulses"
    best_text = f"best: {best:.4f}" if np.isfinite(best) else "none runs the ramp's way"
    raise MeasurementError(
        f"no {criteria.min_levels} or more consecutive {unit} of the {phase or 'ramp'} follow a line with "
        f"R² >= {criteria.min_r2} ({best_text})",
        file=source,
        column=phase or None,
        expected=RANGE_HELP,
    )


def pooled(values: FloatArray, index: npt.NDArray[np.int64], p: int, a: int, b: int, rms: bool) -> FloatArray:
    """Each level's value pooled over its own ``p`` pulses, centred on the level and kept inside
    ``a..b``: the mean (or root mean square, for σ) of the finite values there."""
    out = np.empty(index.size)
    lo_off, hi_off = (p - 1) // 2, p // 2
    for k, j in enumerate(index):
        window = values[max(a, j - lo_off) : min(b, j + hi_off) + 1]
        window = window[np.isfinite(window)]
        if window.size == 0:
            out[k] = np.nan
        else:
            out[k] = float(np.sqrt(np.mean(window**2))) if rms else float(np.mean(window))
    return out


def _grid(
    rng: LinearRange,
    mean: FloatArray,
    sigma: FloatArray,
    source_kind: str,
    criteria: LinearRangeCriteria,
    *,
    phase: str,
    source: str | None,
) -> LevelGrid:
    found = pulses_per_level(rng.fit.slope, sigma, rng.start, rng.stop, criteria)
    if found is None:
        raise MeasurementError(
            f"no two states of the {phase or 'ramp'}'s linear range (pulses {rng.first_pulse}-"
            f"{rng.last_pulse}) are more than {criteria.k_sigma:g} sigma apart",
            file=source,
            column=phase or None,
            expected=RANGE_HELP,
        )
    p, separation = found
    index = np.arange(rng.start, rng.stop + 1, p, dtype=np.int64)
    return LevelGrid(
        range=rng,
        pulses_per_level=p,
        level_index=index,
        level_means_S=pooled(mean, index, p, rng.start, rng.stop, rms=False),
        level_sigmas_S=pooled(sigma, index, p, rng.start, rng.stop, rms=True),
        sigma_S=sigma,
        sigma_source=source_kind,
        min_separation_sigma=separation,
    )


def _per_pulse(rng: LinearRange, mean: FloatArray, sigma: FloatArray) -> LevelGrid:
    index = np.arange(rng.start, rng.stop + 1, dtype=np.int64)
    return LevelGrid(
        range=rng,
        pulses_per_level=1,
        level_index=index,
        level_means_S=mean[index],
        level_sigmas_S=sigma[index],
        sigma_S=sigma,
        sigma_source=CYCLE_TO_CYCLE,
        min_separation_sigma=rng.min_separation_sigma,
    )


def find_levels(
    pulses: npt.ArrayLike,
    mean: npt.ArrayLike,
    sigma: npt.ArrayLike,
    criteria: LinearRangeCriteria | None = None,
    *,
    fixed: tuple[int, int] | None = None,
    phase: str = "",
    source: str | None = None,
) -> LevelGrid:
    """A phase's levels by the rules in the module notes. ``sigma`` all NaN means one cycle (σ from the
    fit residuals). ``fixed``: the user's ``(first_pulse, last_pulse)`` instead of a search; its pulses
    are still grouped into distinguishable levels (``--k-sigma 0`` keeps every pulse)."""
    crit = criteria or LinearRangeCriteria()
    p = np.asarray(pulses, dtype=float)
    m = np.asarray(mean, dtype=float)
    s = np.asarray(sigma, dtype=float)
    one_cycle = not np.isfinite(s).any()

    if fixed is not None:
        rng = fixed_linear_range(p, m, s, fixed[0], fixed[1], crit, phase=phase, source=source)
        if one_cycle:
            return _grid(rng, m, _flat_sigma(p, m, rng), FIT_RESIDUALS, crit, phase=phase, source=source)
        return _grid(rng, m, s, CYCLE_TO_CYCLE, crit, phase=phase, source=source)

    block = smoothing_block(m)
    if one_cycle:
        rng = r2_window(p, m, crit, phase=phase, source=source)
        grid = _grid(rng, m, _flat_sigma(p, m, rng), FIT_RESIDUALS, crit, phase=phase, source=source)
        return replace(grid, smoothing_pulses=block)
    return _best_levels(p, m, s, crit, block, phase=phase, source=source)


def _best_levels(
    p: FloatArray,
    m: FloatArray,
    s: FloatArray,
    crit: LinearRangeCriteria,
    block: int,
    *,
    phase: str,
    source: str | None,
) -> LevelGrid:
    """Several cycles: every pulse a level, or pulses grouped into levels, whichever gives more."""
    per_pulse: LevelGrid | None = None
    grouped: LevelGrid | None = None
    reasons: list[str] = []
    try:
        per_pulse = _per_pulse(find_linear_range(p, m, s, crit, phase=phase, source=source), m, s)
    except MeasurementError as exc:
        reasons.append(exc.reason)
    try:
        window = r2_window(p, m, crit, phase=phase, source=source)
        grouped = replace(
            _grid(window, m, s, CYCLE_TO_CYCLE, crit, phase=phase, source=source), smoothing_pulses=block
        )
    except MeasurementError as exc:
        reasons.append(exc.reason)
    # Every pulse a level judged on the measured means (the paper's reading) wins, unless grouping finds
    # more levels: several pulses per level, or every pulse when no separation is asked for (k = 0).
    grouping_counts = grouped is not None and (grouped.pulses_per_level > 1 or crit.k_sigma == 0)
    if per_pulse is not None and (
        grouped is None or not grouping_counts or grouped.levels <= per_pulse.levels
    ):
        return per_pulse
    if grouped is not None:
        return grouped
    raise MeasurementError(
        "; and grouping pulses into levels: ".join(reasons),
        file=source,
        column=phase or None,
        expected=RANGE_HELP,
    )


def _flat_sigma(p: FloatArray, m: FloatArray, rng: LinearRange) -> FloatArray:
    """The fit residuals' σ for every pulse of the ramp (one cycle: nothing better is measured)."""
    return np.full(m.size, residual_sigma(p, m, rng.start, rng.stop))
