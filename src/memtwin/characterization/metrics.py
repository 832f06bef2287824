"""Figures of merit beyond the linear range: symmetry, non-linearity, ON/OFF ratio, energy, voltage.

Each function documents its exact definition, since the literature uses several.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar

from memtwin.characterization.bins import level_magnitudes
from memtwin.measurements.table import DEPRESSION, POTENTIATION, PulseTable

FloatArray = npt.NDArray[np.float64]


# --- symmetry -------------------------------------------------------------------------------------


def slope_symmetry(slope_p: float, slope_d: float) -> float:
    """``min(|s_P|, |s_D|) / max(|s_P|, |s_D|)``: 1 when both phases move the conductance by the same
    amount per pulse (paper: 80.520 / 81.077 ≈ 0.993), towards 0 as they diverge."""
    a, b = abs(slope_p), abs(slope_d)
    if max(a, b) == 0:
        return float("nan")
    return min(a, b) / max(a, b)


def level_mismatch(levels_p_S: npt.ArrayLike, levels_d_S: npt.ArrayLike) -> float:
    """Mean ``|Δ_P[n] − Δ_D[n]|`` over the levels both linear ranges have, divided by the larger
    full-scale ``Δ``: how far a weight written by depression lands from the same weight written by
    potentiation, as a fraction of full scale (0 = perfectly symmetric)."""
    dp = level_magnitudes(levels_p_S)
    dd = level_magnitudes(levels_d_S)
    n = min(dp.size, dd.size)
    full = max(float(dp[-1]), float(dd[-1]))
    if n < 2 or full == 0:
        return float("nan")
    return float(np.mean(np.abs(dp[:n] - dd[:n])) / full)


def _normalised(curve: FloatArray) -> FloatArray:
    span = curve[-1] - curve[0]
    return np.asarray((curve - curve[0]) / span, dtype=float) if span != 0 else np.full_like(curve, np.nan)


def curve_mismatch(mean_p_S: npt.ArrayLike, mean_d_S: npt.ArrayLike) -> float:
    """Mean absolute difference of the full potentiation and depression mean curves, each normalised to
    run from 0 (first pulse) to 1 (last pulse), over the pulses both have: a shape asymmetry of the whole
    ramp, independent of its span (0 = mirror images)."""
    p = np.asarray(mean_p_S, dtype=float)
    d = np.asarray(mean_d_S, dtype=float)
    p, d = p[np.isfinite(p)], d[np.isfinite(d)]
    n = min(p.size, d.size)
    if n < 2:
        return float("nan")
    return float(np.nanmean(np.abs(_normalised(p[:n]) - _normalised(d[:n]))))


# --- non-linearity: NeuroSim-style exponential fit -------------------------------------------------


@dataclass(frozen=True)
class ExponentialFit:
    """``G(x) = G0 + B·(1 − exp(−x/A))`` fitted to a full mean ramp, ``x = pulse − first pulse``.

    This is NeuroSim's device form (``G = B(1 − e^{−P/A}) + Gmin``), written for either direction: B > 0
    for a rising ramp, B < 0 for a falling one. ``A`` is in pulses (``None`` when the ramp is linear
    within numerical precision, i.e. A → ∞); ``A_norm = A / P_max`` with ``P_max`` the number of steps
    between the first and last read, which is how NeuroSim normalises A. A > 0: steps shrink along the
    ramp (saturating), A < 0: they grow. ``nonlinearity`` is the largest deviation of the normalised
    fitted curve from the straight line joining its ends, in [−1, 1] with the sign of 1/A (0 = linear);
    it is a derived measure, not NeuroSim's look-up label.
    """

    A_pulses: float | None
    A_norm: float | None
    B_S: float
    G0_S: float
    r2: float
    nonlinearity: float


def _exp_basis(x: FloatArray, c: float) -> FloatArray:
    """``(1 − exp(−c·x)) / c``, which tends to ``x`` as ``c → 0`` (so c = 1/A spans linear and both signs)."""
    if abs(c) < 1e-12:
        return x.copy()
    return np.asarray(-np.expm1(-c * x) / c, dtype=float)


def _fit_given_c(x: FloatArray, y: FloatArray, c: float) -> tuple[float, float, float]:
    f = _exp_basis(x, c)
    design = np.column_stack([np.ones_like(x), f])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return float(resid @ resid), float(coef[0]), float(coef[1])


def fit_exponential(pulses: npt.ArrayLike, mean_S: npt.ArrayLike) -> ExponentialFit:
    """Least-squares NeuroSim-style fit of a mean ramp (NaN pulses are skipped).

    For a fixed ``c = 1/A`` the model is linear in ``G0`` and ``B``; ``c`` is found by a grid search over
    ``|c|·P_max <= 30`` refined with a bounded scalar minimisation, which is robust and fast.
    """
    p = np.asarray(pulses, dtype=float)
    y = np.asarray(mean_S, dtype=float)
    keep = np.isfinite(y)
    p, y = p[keep], y[keep]
    if p.size < 3:
        return ExponentialFit(None, None, float("nan"), float("nan"), float("nan"), float("nan"))
    x = p - p[0]
    pmax = float(x[-1])
    # Scale y so the least-squares problem is well conditioned.
    y0, ys = float(y.mean()), float(np.ptp(y)) or 1.0
    yn = (y - y0) / ys
    grid = np.linspace(-30.0, 30.0, 241) / pmax
    sse = np.array([_fit_given_c(x, yn, c)[0] for c in grid])
    i = int(np.argmin(sse))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    if hi > lo:
        res = minimize_scalar(lambda c: _fit_given_c(x, yn, float(c))[0], bounds=(lo, hi), method="bounded")
        c_best = float(res.x) if res.fun <= sse[i] else float(grid[i])
    else:
        c_best = float(grid[i])
    ss_res, g0n, bn_c = _fit_given_c(x, yn, c_best)
    ss_tot = float(((yn - yn.mean()) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    # G = G0 + b·(1 − e^{−cx})/c  ⇒  B = b / c (NeuroSim amplitude); in the linear limit B is the slope·P_max.
    linear = abs(c_best) * pmax < 1e-6
    b = bn_c * ys
    if linear:
        a_pulses, a_norm, big_b = None, None, b * pmax
        nl = 0.0
    else:
        a_pulses = 1.0 / c_best
        a_norm = a_pulses / pmax
        big_b = b / c_best
        xs = np.linspace(0.0, pmax, 201)
        g = _exp_basis(xs, c_best)
        dev = g / g[-1] - xs / pmax
        nl = float(dev[np.argmax(np.abs(dev))])
    return ExponentialFit(
        A_pulses=a_pulses,
        A_norm=a_norm,
        B_S=float(big_b),
        G0_S=float(g0n * ys + y0),
        r2=float(r2),
        nonlinearity=nl,
    )


# --- ON/OFF ---------------------------------------------------------------------------------------


def on_off_ratio(*mean_curves_S: npt.ArrayLike) -> float:
    """Largest over smallest mean conductance over the whole cycle (all phases' mean curves)."""
    values = np.concatenate([np.asarray(m, dtype=float).ravel() for m in mean_curves_S])
    values = values[np.isfinite(values)]
    if values.size == 0 or values.min() <= 0:
        return float("nan")
    return float(values.max() / values.min())


# --- programming energy and voltage ---------------------------------------------------------------


@dataclass(frozen=True)
class EnergyStats:
    """Programming energy per full cycle (one potentiation plus one depression ramp), in joules.

    ``method``: ``"measured_pulse_current"`` when the table carries a ``pulse_current_A`` column,
    otherwise ``"ohmic_estimate"``: the current during a pulse is estimated as ``I = G·|V|`` with ``G``
    the conductance read right after that pulse (equivalently ``I_read·V/V_read``), which assumes a linear
    I–V up to the programming voltage and so is an estimate, not a measurement.
    """

    mean: float
    std: float | None
    cycles: int
    per_pulse_mean: float
    method: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> EnergyStats:
        std = d.get("std")
        return cls(
            mean=float(d["mean"]),  # type: ignore[arg-type]
            std=None if std is None else float(std),  # type: ignore[arg-type]
            cycles=int(d.get("cycles", 0)),  # type: ignore[call-overload]
            per_pulse_mean=float(d.get("per_pulse_mean", float("nan"))),  # type: ignore[arg-type]
            method=str(d.get("method", "ohmic_estimate")),
        )


def energy_per_cycle(table: PulseTable) -> EnergyStats | None:
    """``Σ |V|·I·t`` over the pulses of each full cycle; mean and sample std (ddof=1) over the cycles.

    Only cycles with both phases count. ``None`` when pulse amplitude or width are unknown.
    """
    df = table.frame
    if "pulse_amplitude_V" not in df.columns or "pulse_width_s" not in df.columns:
        return None
    v = np.abs(df["pulse_amplitude_V"].to_numpy(dtype=float))
    t = df["pulse_width_s"].to_numpy(dtype=float)
    if "pulse_current_A" in df.columns:
        current = np.abs(df["pulse_current_A"].to_numpy(dtype=float))
        method = "measured_pulse_current"
    else:
        current = df["conductance_S"].to_numpy(dtype=float) * v
        method = "ohmic_estimate"
    per_pulse = v * current * t
    work = df[["cycle", "phase"]].assign(_e=per_pulse)
    phases = work.groupby("cycle")["phase"].nunique()
    full = phases[phases >= len({POTENTIATION, DEPRESSION})].index
    if len(full) == 0:
        return None
    sub = work[work["cycle"].isin(full)]
    per_cycle = sub.groupby("cycle")["_e"].sum().to_numpy(dtype=float)
    std = float(np.std(per_cycle, ddof=1)) if per_cycle.size >= 2 else None
    return EnergyStats(
        mean=float(per_cycle.mean()),
        std=std,
        cycles=int(per_cycle.size),
        per_pulse_mean=float(sub["_e"].mean()),
        method=method,
    )


def max_programming_voltage(table: PulseTable) -> float | None:
    """Largest ``|pulse_amplitude_V|`` applied, or ``None`` when the pulse scheme is unknown."""
    if "pulse_amplitude_V" not in table.frame.columns:
        return None
    v = np.abs(table.frame["pulse_amplitude_V"].to_numpy(dtype=float))
    return float(v.max()) if v.size and math.isfinite(float(v.max())) else None
