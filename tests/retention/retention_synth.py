"""Synthetic retention data with a known drift, written with numpy alone (independent of memtwin), and
the analytic standard errors of the fitted drift parameters for the noise it adds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

T0 = 1.0


@dataclass(frozen=True)
class Truth:
    t_s: np.ndarray
    g_S: dict[str, np.ndarray]  # state → conductances
    param: dict[str, float]  # state → nu or m
    g0_S: dict[str, float]


def log_times(n: int = 30, first_s: float = 1.0, last_s: float = 1e5) -> np.ndarray:
    return np.geomspace(first_s, last_s, n)


def power_law(
    t_s: np.ndarray, g0_S: dict[str, float], nu: dict[str, float], rel_noise: float, seed: int
) -> Truth:
    """``G = G0 (1 + t/t0)^-nu * exp(rel_noise * z)``: multiplicative (log-normal) read noise."""
    rng = np.random.default_rng(seed)
    g = {
        k: g0 * (1 + t_s / T0) ** (-nu[k]) * np.exp(rel_noise * rng.standard_normal(t_s.size))
        for k, g0 in g0_S.items()
    }
    return Truth(t_s, g, dict(nu), dict(g0_S))


def log_time(
    t_s: np.ndarray, g0_S: dict[str, float], m: dict[str, float], abs_noise_S: float, seed: int
) -> Truth:
    """``G = G0 (1 + m log10(1 + t/t0)) + abs_noise_S * z``: additive read noise."""
    rng = np.random.default_rng(seed)
    g = {
        k: g0 * (1 + m[k] * np.log10(1 + t_s / T0)) + abs_noise_S * rng.standard_normal(t_s.size)
        for k, g0 in g0_S.items()
    }
    return Truth(t_s, g, dict(m), dict(g0_S))


def se_nu(t_s: np.ndarray, rel_noise: float) -> float:
    """Standard error of the slope of ln G on ln(1 + t/t0) with log-normal noise ``rel_noise``."""
    x = np.log1p(t_s / T0)
    return rel_noise / float(np.sqrt(((x - x.mean()) ** 2).sum()))


def se_m(t_s: np.ndarray, g0_S: float, m: float, abs_noise_S: float) -> float:
    """Standard error of m = b/a for the line G = a + b log10(1 + t/t0) (delta method, true a, b)."""
    x = np.log10(1 + t_s / T0)
    n, xm = len(x), x.mean()
    sxx = ((x - xm) ** 2).sum()
    s2 = abs_noise_S**2
    var_a, var_b, cov = s2 * (1 / n + xm**2 / sxx), s2 / sxx, -xm * s2 / sxx
    a, b = g0_S, g0_S * m
    return float(np.sqrt(var_b / a**2 + b**2 * var_a / a**4 - 2 * b * cov / a**3))


def write_tidy_csv(
    path: Path, truth: Truth, *, time_header: str = "time_s", time_scale: float = 1.0, value_header: str = "G (S)",
    value_scale: float = 1.0, state_header: str = "state",
) -> Path:  # fmt: skip
    """One row per read: time, state, value (values divided by the scales, to write other units)."""
    lines = [f"{time_header},{state_header},{value_header}"]
    for name, g in truth.g_S.items():
        lines += [
            f"{t / time_scale:.17g},{name},{v / value_scale:.17g}" for t, v in zip(truth.t_s, g, strict=True)
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_wide_xlsx(path: Path, truth: Truth, *, time_header: str = "t (h)", value_unit: str = "uS") -> Path:
    """A time column in hours, then one column per state in ``value_unit``."""
    import openpyxl

    scale = {"uS": 1e-6, "nS": 1e-9, "S": 1.0}[value_unit]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([time_header, *(f"{k} ({value_unit})" for k in truth.g_S)])
    for i, t in enumerate(truth.t_s):
        ws.append([float(t / 3600.0), *(float(g[i] / scale) for g in truth.g_S.values())])
    wb.save(path)
    return path
