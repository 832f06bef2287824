"""The most linear contiguous range of a phase: the pulses a weight is programmed with.

A device is only useful for open-loop weight programming where each pulse moves the mean conductance by
about the same amount (a straight line of mean vs. pulse number) and neighbouring states can be told
apart despite cycle-to-cycle noise. This module finds that range automatically under explicit,
configurable criteria, or fits a range the user fixes.

Definitions (documented because papers differ):

* Fit: ordinary least squares of the mean conductance vs. the 1-based pulse number,
  ``G = slope * pulse + intercept``; ``R² = 1 - SS_res / SS_tot``.
* Distinguishable neighbours: the step between neighbouring means, taken in the ramp's direction
  (up for a rising ramp, down for a falling one), exceeds ``k_sigma`` times the pair's sigma. The pair's
  sigma is the mean of the two levels' sigmas by default, so with ``k_sigma = 2`` the criterion is exactly
  "the ±1σ bars of neighbouring states do not overlap" (the paper's Fig. 2(e)); ``sigma_pair="max"`` is
  stricter.
* Ranking: among windows of at least ``min_levels`` consecutive pulses whose steps are all
  distinguishable and whose fit has ``R² >= min_r2``, the one with the most levels wins; ties go to the
  highest R², then to the earliest window.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from memtwin.errors import ConfigError, MeasurementError

FloatArray = npt.NDArray[np.float64]
#: What to change when no range qualifies, in the words of the ``memtwin characterize`` flags.
RANGE_HELP = (
    "a looser criterion (--min-r2, --k-sigma, --min-levels) or an explicit range (--linear-range FIRST-LAST)"
)


@dataclass(frozen=True)
class LinearRangeCriteria:
    """What makes a range of pulses usable; the defaults follow the paper's reading of Fig. 2(e)."""

    min_r2: float = 0.995
    k_sigma: float = 2.0
    min_levels: int = 4
    sigma_pair: Literal["mean", "max"] = "mean"

    def __post_init__(self) -> None:
        if not (0.0 <= self.min_r2 <= 1.0):
            raise ConfigError(f"min_r2 must be within [0, 1], got {self.min_r2}")
        if not (np.isfinite(self.k_sigma) and self.k_sigma >= 0):
            raise ConfigError(f"k_sigma must be >= 0, got {self.k_sigma}")
        if int(self.min_levels) != self.min_levels or self.min_levels < 2:
            raise ConfigError(f"min_levels must be an integer >= 2, got {self.min_levels}")
        if self.sigma_pair not in ("mean", "max"):
            raise ConfigError(f"sigma_pair must be 'mean' or 'max', got {self.sigma_pair!r}")

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class LinearFit:
    """``y = slope * x + intercept`` by least squares, with its coefficient of determination."""

    slope: float
    intercept: float
    r2: float
    n: int


@dataclass(frozen=True)
class LinearRange:
    """A contiguous range of pulses: column indices ``[start, stop]`` (inclusive) and pulse numbers."""

    start: int
    stop: int
    first_pulse: int
    last_pulse: int
    fit: LinearFit
    automatic: bool
    min_separation_sigma: float

    @property
    def levels(self) -> int:
        return self.stop - self.start + 1


def fit_line(x: npt.ArrayLike, y: npt.ArrayLike) -> LinearFit:
    """Least-squares line through ``(x, y)``; R² is 1 for a perfect line and NaN for constant ``y``."""
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.shape != ya.shape or xa.ndim != 1 or xa.size < 2:
        raise ValueError("fit_line needs two 1-D arrays of equal length >= 2")
    xc = xa - xa.mean()
    yc = ya - ya.mean()
    sxx = float(xc @ xc)
    if sxx == 0:
        raise ValueError("fit_line needs at least two distinct x values")
    slope = float(xc @ yc) / sxx
    intercept = float(ya.mean() - slope * xa.mean())
    ss_tot = float(yc @ yc)
    resid = ya - (slope * xa + intercept)
    ss_res = float(resid @ resid)
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    return LinearFit(slope=slope, intercept=intercept, r2=r2, n=int(xa.size))


def ramp_direction(mean: npt.ArrayLike) -> int:
    """+1 for a rising ramp, -1 for a falling one (sign of last minus first finite mean)."""
    m = np.asarray(mean, dtype=float)
    finite = m[np.isfinite(m)]
    if finite.size < 2:
        return 1
    return -1 if finite[-1] < finite[0] else 1


def step_separation(
    mean: npt.ArrayLike, sigma: npt.ArrayLike, criteria: LinearRangeCriteria, direction: int
) -> FloatArray:
    """Step between neighbouring means (in the ramp's direction) divided by the pair's sigma.

    Element ``i`` is for the step from column ``i`` to ``i + 1``; NaN where a mean or sigma is missing,
    ``inf`` where the pair's sigma is 0 and the step is positive.
    """
    m = np.asarray(mean, dtype=float)
    s = np.asarray(sigma, dtype=float)
    step = direction * np.diff(m)
    pair = np.maximum(s[:-1], s[1:]) if criteria.sigma_pair == "max" else 0.5 * (s[:-1] + s[1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = step / pair
    ratio[~(np.isfinite(step) & np.isfinite(pair))] = np.nan
    return np.asarray(ratio, dtype=float)


def _steps_ok(ratio: FloatArray, criteria: LinearRangeCriteria) -> npt.NDArray[np.bool_]:
    """A step qualifies when it goes the ramp's way by more than ``k_sigma`` pair sigmas (NaN never)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(ratio > criteria.k_sigma if criteria.k_sigma > 0 else ratio > 0, dtype=bool)


def window_fits(x: FloatArray, y: FloatArray, length: int) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """R² and the sign of the slope (+1, -1, 0) of the least-squares line of every window of ``length``
    consecutive points, via prefix sums. Windows holding a NaN of ``y`` get R² NaN."""
    xs = (x - x.mean()) / max(float(np.ptp(x)), 1.0)
    finite = np.isfinite(y)
    yy = np.where(finite, y, 0.0)
    scale = float(np.nanstd(y)) if finite.any() else 1.0
    ys = (yy - (float(np.nanmean(y)) if finite.any() else 0.0)) / (scale or 1.0)

    def window_sum(v: FloatArray) -> FloatArray:
        c = np.concatenate(([0.0], np.cumsum(v)))
        return np.asarray(c[length:] - c[:-length], dtype=float)

    n = float(length)
    sx, sy = window_sum(xs), window_sum(ys)
    sxx = window_sum(xs * xs) - sx * sx / n
    syy = window_sum(ys * ys) - sy * sy / n
    sxy = window_sum(xs * ys) - sx * sy / n
    holes = window_sum((~finite).astype(float)) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where((sxx > 0) & (syy > 0) & ~holes, sxy * sxy / (sxx * syy), np.nan)
    return np.asarray(r2, dtype=float), np.sign(sxy).astype(np.int64)


def find_linear_range(
    pulses: npt.ArrayLike,
    mean: npt.ArrayLike,
    sigma: npt.ArrayLike,
    criteria: LinearRangeCriteria | None = None,
    *,
    phase: str = "",
    source: str | None = None,
) -> LinearRange:
    """Search the best contiguous window (see the module docstring); raise if none qualifies."""
    crit = criteria or LinearRangeCriteria()
    p = np.asarray(pulses, dtype=float)
    m = np.asarray(mean, dtype=float)
    s = np.asarray(sigma, dtype=float)
    n = m.size
    direction = ramp_direction(m)
    ratio = step_separation(m, s, crit, direction)
    ok = _steps_ok(ratio, crit) & (np.diff(p) == 1)
    bad_before = np.concatenate(([0], np.cumsum(~ok)))  # bad_before[i] = bad steps among 0..i-1
    for length in range(n, crit.min_levels - 1, -1):
        starts = np.arange(0, n - length + 1)
        clean = bad_before[starts + length - 1] - bad_before[starts] == 0
        if not clean.any():
            continue
        r2 = window_fits(p, m, length)[0]
        good = clean & (r2 >= crit.min_r2 - 1e-12)
        if not good.any():
            continue
        best = int(starts[good][np.argmax(r2[good])])
        return _make_range(p, m, ratio, best, best + length - 1, automatic=True)
    longest = _longest_clean_run(ok)
    what = f"{phase} ramp" if phase else "ramp"
    hint = ""
    if longest is not None:
        a, b = longest
        hint = f" (longest run of distinguishable steps: pulses {int(p[a])}-{int(p[b])}, {b - a + 1} levels)"
    raise MeasurementError(
        f"no contiguous range of at least {crit.min_levels} pulses in the {what} has R² >= "
        f"{crit.min_r2} with neighbouring means more than {crit.k_sigma}σ apart{hint}",
        file=source,
        column=phase or None,
        expected=RANGE_HELP,
    )


def fixed_linear_range(
    pulses: npt.ArrayLike,
    mean: npt.ArrayLike,
    sigma: npt.ArrayLike,
    first_pulse: int,
    last_pulse: int,
    criteria: LinearRangeCriteria | None = None,
    *,
    phase: str = "",
    source: str | None = None,
) -> LinearRange:
    """Fit a range the user chose, ``first_pulse..last_pulse`` inclusive (no criteria are enforced)."""
    p = np.asarray(pulses, dtype=float)
    m = np.asarray(mean, dtype=float)
    idx = {int(v): i for i, v in enumerate(p)}
    if first_pulse not in idx or last_pulse not in idx or last_pulse - first_pulse < 1:
        raise MeasurementError(
            f"linear range {first_pulse}-{last_pulse} is not within the measured {phase or 'ramp'} pulses",
            file=source,
            column="pulse",
            value=(first_pulse, last_pulse),
            expected=f"two pulse numbers first < last within {int(p.min())}-{int(p.max())}",
        )
    a, b = idx[first_pulse], idx[last_pulse]
    if b - a != last_pulse - first_pulse or not np.all(np.isfinite(m[a : b + 1])):
        raise MeasurementError(
            f"linear range {first_pulse}-{last_pulse} has missing pulses",
            file=source,
            column="pulse",
            value=(first_pulse, last_pulse),
            expected="every pulse of the range read in at least one cycle",
        )
    # The criteria only set how the range's separation is reported (in σ), not the range.
    ratio = step_separation(m, sigma, criteria or LinearRangeCriteria(), ramp_direction(m))
    return _make_range(p, m, ratio, a, b, automatic=False)


def _make_range(
    p: FloatArray, m: FloatArray, ratio: FloatArray, a: int, b: int, *, automatic: bool
) -> LinearRange:
    fit = fit_line(p[a : b + 1], m[a : b + 1])
    sep = ratio[a:b]
    min_sep = float(np.nanmin(sep)) if sep.size and np.isfinite(sep).any() else float("nan")
    return LinearRange(
        start=a,
        stop=b,
        first_pulse=int(p[a]),
        last_pulse=int(p[b]),
        fit=fit,
        automatic=automatic,
        min_separation_sigma=min_sep,
    )


def _longest_clean_run(ok: npt.NDArray[np.bool_]) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    run_start = None
    for i, good in enumerate([*ok.tolist(), False]):
        if good and run_start is None:
            run_start = i
        elif not good and run_start is not None:
            if best is None or i - run_start > best[1] - best[0]:
                best = (run_start, i)  # steps run_start..i-1 → columns run_start..i
            run_start = None
    return best
