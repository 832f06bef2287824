"""Where a noisy loss curve crosses a budget: the search behind the tolerance analysis.

1. evaluate a coarse grid (all points at once, so an executor runs them in parallel);
2. walk the grid from the safe end (small d2d or sigma, many levels) and bracket the first crossing of
   the budget by the mean loss: the last point within budget and the first beyond it. Noise may make
   the loss dip below the budget again further out; the first crossing is the conservative answer, and
   the region before it is where the loss is treated as monotone;
3. refine the bracket by ``rounds`` of k-section (``points_per_round`` interior points per round, in
   parallel), or for integer parameters until the bracket ends are neighbours;
4. report the threshold where the linearly interpolated mean loss crosses the budget, and an
   uncertainty band where mean ± ``z`` standard errors cross it.

:func:`search_threshold` only sees a function from a list of values to :class:`LossPoint` s, so it can
be tested against an analytic loss curve.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from memtwin.errors import ConfigError

__all__ = ["LossPoint", "ThresholdResult", "grid_values", "search_threshold"]


@dataclass(frozen=True)
class LossPoint:
    """Mean accuracy loss (points) at one value, with its sample std and standard error."""

    value: float
    mean: float
    std: float
    se: float
    n: int


@dataclass(frozen=True)
class ThresholdResult:
    """Outcome of a search. ``threshold`` is the interpolated crossing of the mean loss (``None`` if the
    budget is met nowhere, i.e. already violated at the safe end); ``censored`` is ``"below_grid"``
    (violated at the safe end), ``"beyond_grid"`` (met everywhere: the threshold is beyond the grid) or
    ``None``. ``last_within``/``first_beyond`` are the final bracket (evaluated values). ``band`` is
    (conservative, optimistic): where mean + z·SE and mean − z·SE cross the budget (a side is ``None``
    when that curve does not cross inside the evaluated range)."""

    threshold: float | None
    censored: str | None
    last_within: float | None
    first_beyond: float | None
    band: tuple[float | None, float | None]
    points: tuple[LossPoint, ...]


def grid_values(grid: Sequence[float], integer: bool) -> list[float]:
    """The distinct values of a coarse grid, in increasing order (whole numbers for an integer knob)."""
    return [float(v) for v in sorted({int(round(v)) if integer else float(v) for v in grid})]


def _walk(points: Sequence[LossPoint], increasing: bool) -> list[LossPoint]:
    """Points ordered from the safe end (where the loss is expected to be smallest) outwards."""
    return sorted(points, key=lambda p: p.value, reverse=not increasing)


def _first_crossing(
    walk: Sequence[LossPoint], losses: Sequence[float], budget: float
) -> tuple[int | None, float | None]:
    """Index of the first point along the walk whose loss exceeds the budget, and the linearly
    interpolated value of the crossing (None, None when no point exceeds it; (0, None) when the first does)."""
    for i, loss in enumerate(losses):
        if loss > budget:
            if i == 0:
                return 0, None
            v0, v1 = walk[i - 1].value, walk[i].value
            l0 = losses[i - 1]
            frac = (budget - l0) / (loss - l0) if loss != l0 else 0.0
            return i, v0 + frac * (v1 - v0)
    return None, None


def _band_side(
    walk: Sequence[LossPoint], losses: Sequence[float], budget: float, integer: bool
) -> float | None:
    """Where a shifted loss curve (mean ± z SE) first crosses the budget along the walk: interpolated for
    a continuous parameter; for an integer one, the last evaluated value still within budget (a value
    between two integers cannot be built). ``None`` when the curve exceeds the budget already at the safe
    end; the last value of the walk when it never does."""
    idx, crossing = _first_crossing(walk, losses, budget)
    if idx is None:
        return walk[-1].value
    if idx == 0:
        return None
    return walk[idx - 1].value if integer else crossing


def _inner_values(lo: float, hi: float, integer: bool, points_per_round: int) -> list[float]:
    """The values a refinement round evaluates strictly inside the bracket (lo, hi)."""
    if not integer:
        return [lo + (hi - lo) * (k + 1) / (points_per_round + 1) for k in range(points_per_round)]
    inner = list(range(int(lo) + 1, int(hi)))
    if not inner:
        return []
    n_in = len(inner)
    spots = (round((k + 1) * (n_in + 1) / (points_per_round + 1)) - 1 for k in range(points_per_round))
    return [float(v) for v in sorted({inner[min(n_in - 1, max(0, i))] for i in spots})]


def _conclude(
    points: dict[float, LossPoint], budget: float, increasing: bool, integer: bool, z: float
) -> ThresholdResult:
    """The threshold, censoring, bracket and band of the evaluated points."""
    walk = _walk(list(points.values()), increasing)
    means = [p.mean for p in walk]
    idx, threshold = _first_crossing(walk, means, budget)
    censored: str | None = None
    if idx is None:
        censored, threshold = "beyond_grid", walk[-1].value
        last_within, first_beyond = walk[-1].value, None
    elif idx == 0:
        censored, threshold, last_within, first_beyond = "below_grid", None, None, walk[0].value
    else:
        last_within, first_beyond = walk[idx - 1].value, walk[idx].value
        if integer:
            threshold = last_within  # the last integer value that meets the budget
    return ThresholdResult(
        threshold=threshold,
        censored=censored,
        last_within=last_within,
        first_beyond=first_beyond,
        band=(
            _band_side(walk, [p.mean + z * p.se for p in walk], budget, integer),
            _band_side(walk, [p.mean - z * p.se for p in walk], budget, integer),
        ),
        points=tuple(sorted(points.values(), key=lambda p: p.value)),
    )


def search_threshold(
    evaluate: Callable[[list[float]], list[LossPoint]],
    grid: Sequence[float],
    budget: float,
    *,
    increasing: bool,
    integer: bool = False,
    rounds: int = 2,
    points_per_round: int = 3,
    z: float = 2.0,
) -> ThresholdResult:
    """Find where the loss crosses ``budget`` (module docstring). ``increasing``: the loss grows with
    the value (d2d, sigma); otherwise it shrinks (levels). ``evaluate`` gets a list of new values and
    returns one :class:`LossPoint` per value."""
    if len(grid) < 2:
        raise ConfigError(f"a tolerance grid needs at least 2 values, got {list(grid)}")
    if rounds < 0 or points_per_round < 1:
        raise ConfigError("rounds must be >= 0 and points_per_round >= 1")
    points = {p.value: p for p in evaluate(grid_values(grid, integer))}
    for _ in range(rounds if not integer else 64):
        walk = _walk(list(points.values()), increasing)
        idx, _ = _first_crossing(walk, [p.mean for p in walk], budget)
        if idx is None or idx == 0:
            break
        a, b = walk[idx - 1].value, walk[idx].value
        new = [v for v in _inner_values(min(a, b), max(a, b), integer, points_per_round) if v not in points]
        if not new:
            break
        for p in evaluate(new):
            points[p.value] = p
    return _conclude(points, budget, increasing, integer, z)
