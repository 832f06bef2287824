"""Fits recover a known drift within the tolerance the added noise allows (analytic standard errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import retention_synth as synth

from memtwin.errors import ConfigError
from memtwin.retention import RetentionSeries, drift_spec, fit_retention, fit_state

K = 4.0  # tolerance in standard errors: a seeded draw beyond 4 sigma would be a real failure


def _series(truth: synth.Truth) -> list[RetentionSeries]:
    return [RetentionSeries(k, truth.t_s, g, file="synthetic", column=k) for k, g in truth.g_S.items()]


def test_power_law_nu_is_recovered_within_its_standard_error() -> None:
    t = synth.log_times(40)
    truth = synth.power_law(t, {"a": 20e-6}, {"a": 0.03}, rel_noise=0.004, seed=1)
    fit = fit_state(_series(truth)[0], "power_law")
    se = synth.se_nu(t, 0.004)
    assert abs(fit.param - 0.03) < K * se
    assert fit.param_se == pytest.approx(se, rel=0.3)  # the fit's own error matches the analytic one
    assert fit.g0_S == pytest.approx(20e-6, rel=K * 0.004)
    assert fit.per_decade_change == pytest.approx(10 ** (-fit.param) - 1)
    ends = (1 + t[-1]) ** -fit.param / (1 + t[0]) ** -fit.param - 1
    assert fit.change_over_span == pytest.approx(ends)
    assert fit.r2 is not None and fit.r2 > 0.99


def test_log_time_per_decade_change_is_recovered_within_its_standard_error() -> None:
    t = synth.log_times(40, 0.5, 2e5)
    truth = synth.log_time(t, {"a": 5e-9}, {"a": -0.015}, abs_noise_S=5e-12, seed=2)
    fit = fit_state(_series(truth)[0], "log_time")
    se = synth.se_m(t, 5e-9, -0.015, 5e-12)
    assert abs(fit.param - (-0.015)) < K * se
    assert fit.param_se == pytest.approx(se, rel=0.3)
    assert fit.per_decade_change == fit.param
    assert fit.g0_S == pytest.approx(5e-9, abs=K * 5e-12)


def test_several_states_mean_and_spread_over_states() -> None:
    rng = np.random.default_rng(3)
    n, nu_mean, nu_std, noise = 40, 0.02, 0.006, 0.002
    nus = {f"s{i}": float(v) for i, v in enumerate(nu_mean + nu_std * rng.standard_normal(n))}
    g0 = {k: float(g) for k, g in zip(nus, np.geomspace(1e-6, 1e-4, n), strict=True)}
    t = synth.log_times(25)
    fit = fit_retention(_series(synth.power_law(t, g0, nus, noise, seed=4)))
    overall = fit.overall["power_law"]
    drawn = np.array(list(nus.values()))
    # The mean is that of the drawn exponents, up to the fit noise averaged over n states.
    assert abs(overall.param - drawn.mean()) < K * synth.se_nu(t, noise) / math.sqrt(n)
    # The spread, less the fit noise, estimates the drawn spread (SE of a std from n samples).
    assert abs(overall.param_std - drawn.std(ddof=1)) < K * nu_std / math.sqrt(2 * (n - 1)) + synth.se_nu(
        t, noise
    )
    assert overall.param_spread_raw >= overall.param_std
    assert overall.n_states == n
    spec = drift_spec(fit, "power_law")
    assert spec == {"kind": "power_law", "nu": overall.param, "nu_std": overall.param_std, "t0_s": 1.0}


def test_pooled_r2_and_the_better_model_is_chosen() -> None:
    t = synth.log_times(40, 1.0, 1e6)
    pl = fit_retention(_series(synth.power_law(t, {"a": 1e-5, "b": 3e-5}, {"a": 0.08, "b": 0.08}, 0.002, 5)))
    assert pl.best == "power_law"
    lt = fit_retention(_series(synth.log_time(t, {"a": 1e-5, "b": 3e-5}, {"a": 0.1, "b": 0.1}, 2e-9, 6)))
    assert lt.best == "log_time"
    # Pooled R² = 1 - sum SS_res / sum SS_tot over the states.
    fits = [s.fits["log_time"] for s in lt.states]
    expected = 1 - sum(f.ss_res for f in fits) / sum(f.ss_tot for f in fits)
    assert lt.overall["log_time"].r2 == pytest.approx(expected)
    assert drift_spec(lt)["kind"] == "log_time"
    assert drift_spec(lt, "power_law")["kind"] == "power_law"


def test_one_state_has_no_spread_and_t0_stays_fixed() -> None:
    t = synth.log_times(10)
    fit = fit_retention(_series(synth.power_law(t, {"a": 1e-6}, {"a": 0.01}, 0.001, 7)), t0_s=10.0)
    assert fit.overall["power_law"].param_std == 0.0
    assert drift_spec(fit, "power_law")["t0_s"] == 10.0
    assert drift_spec(fit, "log_time")["t0_s"] == 10.0


def test_read_at_t0_is_fitted_without_trouble() -> None:
    t = np.concatenate([[0.0], synth.log_times(20)])
    truth = synth.power_law(t, {"a": 1e-6}, {"a": 0.05}, 1e-4, 8)
    fit = fit_state(_series(truth)[0], "power_law")
    assert abs(fit.param - 0.05) < K * synth.se_nu(t, 1e-4)


def test_bad_arguments() -> None:
    s = RetentionSeries("a", np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), "f", "c")
    with pytest.raises(ConfigError, match="model"):
        fit_state(s, "exponential")
    with pytest.raises(ConfigError, match="t0_s"):
        fit_retention([s], t0_s=0.0)
    with pytest.raises(ConfigError, match="no retention"):
        fit_retention([])
    # A perfectly flat state: no variation to explain, R² undefined (None), no drift.
    flat = fit_state(s, "power_law")
    assert flat.r2 is None and flat.param == pytest.approx(0.0, abs=1e-12)
