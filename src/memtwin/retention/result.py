"""A retention fit as the plain dict ``retention.json`` holds, and the drift spec chosen from it.

Projections (mean and spread of ``G(t)/G0 - 1`` at 1 h ... 1 year) come from the very drift model the
simulation would use (:func:`memtwin.devices.drift.build_drift`), so what the JSON promises is what
``--drift drift.toml`` does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from memtwin.devices.drift import build_drift, normalize_drift_spec
from memtwin.errors import ConfigError
from memtwin.retention.fit import MODELS, PARAMETER, SPREAD, ModelFit, OverallFit, RetentionFit
from memtwin.retention.series import RetentionData

__all__ = [
    "PROJECTION_TIMES_S",
    "choose_model",
    "drift_spec",
    "expected_change",
    "fit_notes",
    "retention_to_dict",
]

#: 1 h, 1 day, 1 week, 30 days, 1 year after programming (the protocol's times beyond 1 s).
PROJECTION_TIMES_S = (3600.0, 86400.0, 604800.0, 2592000.0, 31536000.0)
FORMAT_VERSION = 1
TIME_ZERO = (
    "t = 0 is the end of programming; times are taken as given in the files, so the first read may be "
    "at t > 0"
)


def choose_model(fit: RetentionFit, model: str | None = None) -> tuple[str, str]:
    """``(model, why)``: ``model`` if given, else the one with the higher pooled R²."""
    if model is not None:
        if model not in MODELS:
            raise ConfigError(f"model = {model!r}: must be one of {', '.join(MODELS)}")
        return model, "chosen by the user (--model)"
    return fit.best, "higher R² over all states"


def drift_spec(fit: RetentionFit, model: str | None = None) -> dict[str, object]:
    """The drift spec (every parameter explicit) of ``model``, or of the better-fitting model."""
    chosen, _ = choose_model(fit, model)
    return normalize_drift_spec(fit.overall[chosen].spec())


def expected_change(spec: dict[str, object], times_s: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of ``G(t)/G0 - 1`` under ``spec`` at each time (deterministic)."""
    import torch

    model = build_drift(spec)
    one = torch.ones(1, dtype=torch.float64)
    means, stds = [], []
    for t in np.asarray(times_s, dtype=float).ravel():
        means.append(float(model.expected_relative_change(one, float(t))[0]))
        stds.append(float(model.expected_relative_std(one, float(t))[0]))
    return np.array(means), np.array(stds)


def fit_notes(fit: RetentionFit, model: str) -> list[str]:
    """What a reader of the fit should know before trusting it in a simulation."""
    notes = []
    overall = fit.overall[model]
    if overall.r2 is not None and overall.r2 < 0.5:
        notes.append(
            f"the {model} model explains {100 * overall.r2:.0f} % of the variation of the reads (R² over all "
            "states): read or telegraph noise dominates, and the fitted drift is uncertain"
        )
    spans = [
        math.log10((1.0 + s.series.t_s[-1] / fit.t0_s) / (1.0 + s.series.t_s[0] / fit.t0_s))
        for s in fit.states
    ]
    last = max(s.series.t_s[-1] for s in fit.states)
    beyond = math.log10((1.0 + PROJECTION_TIMES_S[-1] / fit.t0_s) / (1.0 + last / fit.t0_s))
    if beyond > 1.0:
        notes.append(
            f"the reads span {max(spans):.1f} decades of time and end at {last:.3g} s; projections to 1 year "
            f"extrapolate {beyond:.1f} decades beyond the data"
        )
    if overall.n_states == 1:
        notes.append(
            f"one state: the spread over states ({SPREAD[model]}) cannot be estimated and is set to 0"
        )
    return notes


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _model_dict(f: ModelFit) -> dict[str, Any]:
    return {
        "g0_S": f.g0_S,
        PARAMETER[f.model]: f.param,
        PARAMETER[f.model] + "_se": f.param_se,
        "r2": _finite(f.r2),
        "rmse_S": f.rmse_S,
        "per_decade_change": f.per_decade_change,
        "change_over_span": f.change_over_span,
    }


def _overall_dict(o: OverallFit) -> dict[str, Any]:
    spec = normalize_drift_spec(o.spec())
    mean, std = expected_change(spec, PROJECTION_TIMES_S)
    return {
        "spec": spec,
        PARAMETER[o.model]: o.param,
        SPREAD[o.model]: o.param_std,
        SPREAD[o.model] + "_raw": o.param_spread_raw,
        PARAMETER[o.model] + "_se_mean": o.param_se_mean,
        "r2": _finite(o.r2),
        "per_decade_change": o.per_decade_change,
        "n_states": o.n_states,
        "projected": [
            {"t_s": t, "mean_relative_change": float(m), "relative_std": float(s)}
            for t, m, s in zip(PROJECTION_TIMES_S, mean, std, strict=True)
        ],
    }


def retention_to_dict(data: RetentionData, fit: RetentionFit, model: str | None = None) -> dict[str, Any]:
    """Everything ``retention.json`` holds: files, chosen model and spec, per-model overall figures with
    projections, and every state's fits (SI units; relative changes as fractions, not %)."""
    chosen, why = choose_model(fit, model)
    states = []
    for sf in fit.states:
        s = sf.series
        decades = math.log10((1.0 + s.t_s[-1] / fit.t0_s) / (1.0 + s.t_s[0] / fit.t0_s))
        states.append(
            {
                "name": s.name,
                "file": s.file,
                "column": s.column,
                "n_points": s.n_points,
                "t_first_s": float(s.t_s[0]),
                "t_last_s": float(s.t_s[-1]),
                "decades": decades,
                "g_first_S": float(s.g_S[0]),
                "g_last_S": float(s.g_S[-1]),
                **{m: _model_dict(sf.fits[m]) for m in MODELS},
            }
        )
    return {
        "format": "memtwin-retention",
        "format_version": FORMAT_VERSION,
        "files": list(data.files),
        "time_zero": TIME_ZERO,
        "t0_s": fit.t0_s,
        "model": chosen,
        "model_chosen_by": why,
        "drift": drift_spec(fit, chosen),
        "overall": {m: _overall_dict(fit.overall[m]) for m in MODELS},
        "states": states,
        "fit_notes": fit_notes(fit, chosen),
        "warnings": list(data.warnings),
        "ignored_columns": list(data.ignored_columns),
    }
