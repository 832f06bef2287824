"""Differential bins: how many distinguishable weight values a pair of devices (w ∝ G⁺ − G⁻) offers.

Definition used throughout memtwin (the paper counts "unique values of G⁺ − G⁻", Fig. 2(f)):

* The levels of a phase's linear range, as weight magnitudes, are ``Δ[n] = |G[n] − G[0]|`` for
  ``n = 0 .. L−1`` (``G[0]`` is the start of the range, weight 0).
* A pair writes a weight with one device kept at its zero level and the other programmed ``n`` pulses:
  ``w = +Δ⁺[n]`` (G⁺ programmed) or ``w = −Δ⁻[n]`` (G⁻ programmed). The sigma of that value is the
  programmed level's sigma ``σ[n]``.
* Bins are counted outward from ``w = 0`` on each side, greedily: a value opens a new bin when it lies
  more than ``k_sigma`` pair-sigmas beyond the last bin opened on that side (pair sigma as in
  :class:`~memtwin.characterization.linear.LinearRangeCriteria`); otherwise it falls into that bin.
  ``bins = 1 + (bins opened on the + side) + (bins opened on the − side)``.

So ``L`` distinguishable levels on each side give ``2L − 1`` bins (16 → 31, ≈ 5 bits); overlapping
levels give fewer. ``bits = log2(bins)``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from memtwin.characterization.linear import LinearRangeCriteria


def level_magnitudes(level_means_S: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """``|G[n] − G[0]|``: the weight magnitude each level stands for, in siemens."""
    g = np.asarray(level_means_S, dtype=float)
    return np.asarray(np.abs(g - g[0]), dtype=float)


def _side_bins(
    magnitudes: npt.NDArray[np.float64], sigmas: npt.NDArray[np.float64], crit: LinearRangeCriteria
) -> int:
    """Bins opened beyond w = 0 on one side of the weight axis."""
    order = np.argsort(magnitudes[1:], kind="stable") + 1
    last_v, last_s = 0.0, float(sigmas[0])
    opened = 0
    for i in order:
        v, s = float(magnitudes[i]), float(sigmas[i])
        pair = max(last_s, s) if crit.sigma_pair == "max" else 0.5 * (last_s + s)
        if v - last_v > crit.k_sigma * pair and v > last_v:
            opened += 1
            last_v, last_s = v, s
    return opened


def count_bins(
    plus_levels_S: npt.ArrayLike,
    plus_sigmas_S: npt.ArrayLike,
    minus_levels_S: npt.ArrayLike | None = None,
    minus_sigmas_S: npt.ArrayLike | None = None,
    criteria: LinearRangeCriteria | None = None,
) -> int:
    """Distinguishable values of G⁺ − G⁻ (see module docstring).

    ``plus_*`` are the absolute level conductances (in pulse order) used for positive weights,
    ``minus_*`` those for negative weights (default: the same levels, i.e. both devices in one mode).
    """
    crit = criteria or LinearRangeCriteria()
    pg = np.asarray(plus_levels_S, dtype=float)
    ps = np.asarray(plus_sigmas_S, dtype=float)
    mg = pg if minus_levels_S is None else np.asarray(minus_levels_S, dtype=float)
    ms = ps if minus_sigmas_S is None else np.asarray(minus_sigmas_S, dtype=float)
    if pg.shape != ps.shape or mg.shape != ms.shape or pg.size == 0 or mg.size == 0:
        raise ValueError("levels and sigmas must be non-empty arrays of equal length")
    return 1 + _side_bins(level_magnitudes(pg), ps, crit) + _side_bins(level_magnitudes(mg), ms, crit)


def bits(bins: int) -> float:
    """Resolution in bits of ``bins`` distinguishable values."""
    return math.log2(bins) if bins > 0 else 0.0
