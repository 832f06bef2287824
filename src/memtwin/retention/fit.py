"""Fit memtwin's drift models to retention series: per state, then over all states.

Models (the mean laws of :mod:`memtwin.devices.drift`, with t measured from programming and ``t0_s``
fixed, 1 s by default):

- ``power_law``: ``G(t) = G0 * (1 + t/t0)**(-nu)``, fitted as the straight line
  ``ln G = ln G0 - nu * ln(1 + t/t0)`` (least squares in log conductance: relative errors weigh equally
  at every conductance). Relative change per decade of time (for t >> t0): ``10**(-nu) - 1``.
- ``log_time``: ``G(t) = G0 * (1 + m * log10(1 + t/t0))``, fitted as the straight line
  ``G = G0 + (G0 m) * log10(1 + t/t0)`` (least squares in conductance); ``m`` is the relative change
  per decade.

Both are linear least squares with a closed form: no starting values, no iterations, and the standard
error of the drift parameter comes with the fit. R² is computed for both models on the conductances
themselves, ``1 - SS_res / SS_tot`` (SS_tot around the state's mean), so the two are comparable;
a state that hardly drifts has SS_tot of the order of its read noise and then a low R² even when the
model is right: read R² together with the size of the change.

Over all states: the drift parameter is the mean of the states' parameters (every state weighs the
same, as every programmed conductance follows the same relative law in the simulation); its
device-to-device spread (``nu_std`` / ``std_per_decade``) is the spread of the states' parameters less
the part their fit errors explain, ``sqrt(max(0, var(p_i) - mean(se_i**2)))`` (0 with a single state).
The overall R² pools the states, ``1 - sum SS_res / sum SS_tot``. The better model is the one with
the higher overall R² (both have two parameters per state).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from memtwin.errors import ConfigError
from memtwin.retention.series import RetentionSeries

__all__ = [
    "DEFAULT_T0_S",
    "MODELS",
    "ModelFit",
    "OverallFit",
    "RetentionFit",
    "StateFit",
    "fit_retention",
    "fit_state",
    "predict",
]

MODELS = ("power_law", "log_time")
#: The drift models' onset time scale, kept fixed: with reads from seconds on it barely matters, and
#: fitting it would trade it off against nu / m on data that do not constrain it.
DEFAULT_T0_S = 1.0
#: Name of each model's drift parameter in its spec (memtwin.devices.drift), and of its spread.
PARAMETER = {"power_law": "nu", "log_time": "mean_per_decade"}
SPREAD = {"power_law": "nu_std", "log_time": "std_per_decade"}


@dataclass(frozen=True)
class ModelFit:
    """One model fitted to one state. ``param`` is nu (power law) or m (log time) and ``param_se`` its
    standard error; ``g0_S`` the fitted conductance at t = 0 (programming)."""

    model: str
    g0_S: float
    param: float
    param_se: float
    r2: float | None
    rmse_S: float
    ss_res: float
    ss_tot: float
    per_decade_change: float
    change_over_span: float
    t0_s: float

    def predict(self, t_s: np.ndarray) -> np.ndarray:
        return predict(self.model, self.g0_S, self.param, t_s, self.t0_s)


@dataclass(frozen=True)
class StateFit:
    """Both models fitted to one state."""

    series: RetentionSeries
    fits: dict[str, ModelFit]


@dataclass(frozen=True)
class OverallFit:
    """One model over all states: the spec's parameter (mean), its spread, and the pooled R²."""

    model: str
    param: float
    param_std: float
    param_spread_raw: float
    param_se_mean: float
    r2: float | None
    per_decade_change: float
    n_states: int
    t0_s: float

    def spec(self) -> dict[str, object]:
        """The drift spec (``{"kind": ..., **params}``) of :mod:`memtwin.devices.drift`."""
        return {
            "kind": self.model,
            PARAMETER[self.model]: self.param,
            SPREAD[self.model]: self.param_std,
            "t0_s": self.t0_s,
        }


@dataclass(frozen=True)
class RetentionFit:
    states: tuple[StateFit, ...]
    overall: dict[str, OverallFit]
    t0_s: float

    @property
    def best(self) -> str:
        """The model with the higher pooled R² (power law on a tie or when R² is undefined)."""
        r2 = {m: self.overall[m].r2 for m in MODELS}
        if r2["log_time"] is not None and (r2["power_law"] is None or r2["log_time"] > r2["power_law"]):
            return "log_time"
        return "power_law"


def predict(model: str, g0_S: float, param: float, t_s: np.ndarray, t0_s: float = DEFAULT_T0_S) -> np.ndarray:
    """The model's mean conductance at ``t_s`` seconds after programming."""
    t = np.asarray(t_s, dtype=float)
    if model == "power_law":
        return g0_S * np.exp(-param * np.log1p(t / t0_s))
    if model == "log_time":
        return g0_S * (1.0 + param * np.log10(1.0 + t / t0_s))
    raise ConfigError(f"model = {model!r}: must be one of {', '.join(MODELS)}")


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Least-squares ``y = a + b x``: a, b and their covariance matrix (residual variance from n - 2)."""
    n = len(x)
    xm = float(x.mean())
    sxx = float(((x - xm) ** 2).sum())
    b = float(((x - xm) * (y - y.mean())).sum() / sxx)
    a = float(y.mean() - b * xm)
    resid = y - (a + b * x)
    s2 = float((resid**2).sum() / (n - 2)) if n > 2 else 0.0
    cov = s2 * np.array([[1.0 / n + xm**2 / sxx, -xm / sxx], [-xm / sxx, 1.0 / sxx]])
    return a, b, cov


def _quality(g: np.ndarray, g_hat: np.ndarray) -> tuple[float, float, float | None, float]:
    ss_res = float(((g - g_hat) ** 2).sum())
    ss_tot = float(((g - g.mean()) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else None
    return ss_res, ss_tot, r2, math.sqrt(ss_res / len(g))


def fit_state(series: RetentionSeries, model: str, t0_s: float = DEFAULT_T0_S) -> ModelFit:
    """Fit one model to one state (see the module notes for the method)."""
    t, g = series.t_s, series.g_S
    if len(np.unique(t)) < 2:
        raise ConfigError(f"state {series.name!r}: a drift model needs reads at two or more times")
    if model == "power_law":
        x = np.log1p(t / t0_s)
        a, b, cov = _line(x, np.log(g))
        g0, param, se = math.exp(a), -b, math.sqrt(cov[1, 1])
        per_decade = 10.0 ** (-param) - 1.0
    elif model == "log_time":
        x = np.log10(1.0 + t / t0_s)
        a, b, cov = _line(x, g)
        if not a > 0:
            raise ConfigError(
                f"state {series.name!r}: the log-time fit extrapolates to G0 = {a:.3g} S <= 0 at programming"
            )
        g0, param = a, b / a
        grad = np.array([-b / a**2, 1.0 / a])  # d(b/a)/d(a, b): delta method
        se = math.sqrt(max(float(grad @ cov @ grad), 0.0))
        per_decade = param
    else:
        raise ConfigError(f"model = {model!r}: must be one of {', '.join(MODELS)}")
    g_hat = predict(model, g0, param, t, t0_s)
    ss_res, ss_tot, r2, rmse = _quality(g, g_hat)
    ends = predict(model, g0, param, np.array([t[0], t[-1]]), t0_s)
    return ModelFit(
        model=model,
        g0_S=g0,
        param=param,
        param_se=se,
        r2=r2,
        rmse_S=rmse,
        ss_res=ss_res,
        ss_tot=ss_tot,
        per_decade_change=per_decade,
        change_over_span=float(ends[1] / ends[0] - 1.0),
        t0_s=t0_s,
    )


def _overall(model: str, states: Sequence[StateFit], t0_s: float) -> OverallFit:
    fits = [s.fits[model] for s in states]
    p = np.array([f.param for f in fits])
    se2 = np.array([f.param_se**2 for f in fits])
    raw = float(p.std(ddof=1)) if len(p) > 1 else 0.0
    std = math.sqrt(max(raw**2 - float(se2.mean()), 0.0)) if len(p) > 1 else 0.0
    ss_res = sum(f.ss_res for f in fits)
    ss_tot = sum(f.ss_tot for f in fits)
    mean = float(p.mean())
    return OverallFit(
        model=model,
        param=mean,
        param_std=std,
        param_spread_raw=raw,
        param_se_mean=float(math.sqrt(se2.mean())),
        r2=1.0 - ss_res / ss_tot if ss_tot > 0 else None,
        per_decade_change=10.0 ** (-mean) - 1.0 if model == "power_law" else mean,
        n_states=len(fits),
        t0_s=t0_s,
    )


def fit_retention(series: Sequence[RetentionSeries], t0_s: float = DEFAULT_T0_S) -> RetentionFit:
    """Fit both models to every state and over all states."""
    if not series:
        raise ConfigError("no retention series to fit")
    if not (math.isfinite(t0_s) and t0_s > 0):
        raise ConfigError(f"t0_s = {t0_s!r}: must be a positive, finite time in seconds")
    states = tuple(StateFit(s, {m: fit_state(s, m, t0_s) for m in MODELS}) for s in series)
    return RetentionFit(states=states, overall={m: _overall(m, states, t0_s) for m in MODELS}, t0_s=t0_s)
