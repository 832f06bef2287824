"""Fine-step devices, one-cycle data and the paper's device: how levels are found and counted.

Expected values are computed here from the generating parameters (span, step, σ), independently of the
code under test.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from memtwin.characterization import (
    FIT_RESIDUALS,
    LinearRangeCriteria,
    characterize,
    find_levels,
    stats_from_matrix,
)
from memtwin.characterization.levels import mean_curve_noise, pulses_per_level, residual_sigma
from memtwin.errors import MeasurementError, MeasurementWarning


def _ramps(rng: np.random.Generator, pulses: int, step: float, sigma: float, cycles: int):
    up = 10e-6 + step * np.arange(pulses)
    pot = up + sigma * rng.standard_normal((cycles, pulses))
    dep = up[::-1] + sigma * rng.standard_normal((cycles, pulses))
    return pot, dep


def test_fine_steps_are_grouped_into_distinguishable_levels(make_table):
    # 300 pulses of 0.2 µS under σ = 1 µS: neighbouring pulses overlap; levels must be > 2σ = 2 µS
    # apart, so p = floor(2 / 0.2) + 1 = 11 pulses per level and floor(299 / 11) + 1 = 28 levels.
    pulses, step, sigma = 300, 0.2e-6, 1e-6
    pot, dep = _ramps(np.random.default_rng(0), pulses, step, sigma, cycles=40)
    res = characterize(make_table(pot, dep))
    for ph in (res.potentiation, res.depression):
        p = ph.pulses_per_level
        assert p in (11, 12)  # 11 exactly with the true σ; the estimated σ may need one more pulse
        assert ph.levels == (pulses - 1) // p + 1
        assert ph.bin_width_S == pytest.approx(abs(ph.slope_S_per_pulse) * p)
        assert ph.bins == 2 * ph.levels - 1
        assert ph.level_pulses[:3] == (1, 1 + p, 1 + 2 * p)
        assert ph.sigma_source == "cycle_to_cycle"
    # span / (k σ) + 1 counting, the way device papers count states: 299 · 0.2 / 2 + 1 = 30.9
    span_count = (pulses - 1) * step / (2 * sigma) + 1
    assert 0.85 * span_count <= res.potentiation.levels <= span_count
    assert res.bins == res.potentiation.levels + res.depression.levels - 1
    assert res.bits == pytest.approx(math.log2(res.bins))


def test_k_sigma_zero_counts_every_pulse(make_table):
    pot, dep = _ramps(np.random.default_rng(1), 120, 0.2e-6, 1e-6, cycles=30)
    res = characterize(make_table(pot, dep), LinearRangeCriteria(k_sigma=0.0))
    assert res.potentiation.pulses_per_level == 1
    assert res.potentiation.levels == 120


def test_pulses_per_level_by_hand():
    # slope 1, σ 3 everywhere, k = 2: the step must exceed 6 → p = 7; 15 pulses → levels 0, 7, 14.
    sigma = np.full(15, 3.0)
    assert pulses_per_level(1.0, sigma, 0, 14, LinearRangeCriteria())[0] == 7
    # σ_pair = max is no stricter when σ is constant; a bigger σ in the middle is pooled per level
    sigma[7] = 9.0
    p, ratio = pulses_per_level(1.0, sigma, 0, 14, LinearRangeCriteria())
    assert p > 7 and ratio > 2.0
    # no two states apart: the whole span (14) is below 2σ = 20
    assert pulses_per_level(1.0, np.full(15, 10.0), 0, 14, LinearRangeCriteria()) is None


def test_single_cycle_sigma_comes_from_the_fit_residuals(make_table):
    # One ramp per phase: σ is the residual spread around the fit (ddof 2), near the true 1 µS.
    pot, dep = _ramps(np.random.default_rng(2), 300, 0.2e-6, 1e-6, cycles=1)
    with pytest.warns(MeasurementWarning, match="mixes cycle-to-cycle noise with non-linearity"):
        res = characterize(make_table(pot, dep))
    ph = res.potentiation
    assert ph.sigma_source == FIT_RESIDUALS and ph.cycles == 1
    first, last = ph.linear_range  # whole blocks of the smoothing: at most one block short of 300
    assert first == 1 and last >= 300 - ph.pulses_per_level - 1
    x = np.arange(first, last + 1.0)
    y = pot[0][first - 1 : last]
    a, b = np.polyfit(x, y, 1)
    expected = math.sqrt(np.sum((y - (a * x + b)) ** 2) / (x.size - 2))
    assert ph.sigma_mean_S == pytest.approx(expected, rel=1e-9)
    assert ph.sigma_mean_S == pytest.approx(1e-6, rel=0.15)
    assert ph.pulses_per_level in (10, 11, 12)
    data = json.loads(res.to_json())
    assert data["potentiation"]["sigma_source"] == "fit_residuals"


def test_residual_sigma_by_hand():
    # y = (0, 1, 3): residuals (1/6, -1/3, 1/6) → SS 1/6 over 1 degree of freedom
    assert residual_sigma(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 3.0]), 0, 2) == pytest.approx(
        math.sqrt(1 / 6)
    )


def test_mean_curve_noise_sees_noise_not_trend():
    rng = np.random.default_rng(3)
    trend = np.linspace(0.0, 100.0, 2000)  # a big, smooth trend
    noisy = trend + 0.5 * rng.standard_normal(2000)
    assert mean_curve_noise(trend) == pytest.approx(0.0, abs=1e-9)
    assert mean_curve_noise(noisy) == pytest.approx(0.5, rel=0.08)


def test_the_paper_device_keeps_every_pulse_a_level(example_result):
    for ph in (example_result.potentiation, example_result.depression):
        assert ph.pulses_per_level == 1
        assert ph.level_pulses == tuple(range(3, 19))
        assert ph.sigma_source == "cycle_to_cycle"


def test_a_curved_noisy_ramp_names_the_flags_that_loosen_it():
    x = np.arange(1, 201, dtype=float)
    mean = 1e-3 * (1 - np.exp(-x / 20))  # saturates within the ramp: no long line
    rng = np.random.default_rng(4)
    m = mean + 1e-6 * rng.standard_normal((3, x.size))
    s = stats_from_matrix(m, pulses=x.astype(int))
    with pytest.raises(MeasurementError) as err:
        find_levels(s.pulses, s.mean_S, s.sigma_S, LinearRangeCriteria(min_r2=0.9999, min_levels=150))
    assert "--min-r2" in str(err.value) and "--linear-range" in str(err.value)


def test_fixed_range_groups_fine_steps_too(make_table):
    pot, dep = _ramps(np.random.default_rng(5), 200, 0.2e-6, 1e-6, cycles=40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # many cycles: no single-cycle warning
        res = characterize(make_table(pot, dep), linear_range=(21, 180))
    assert res.potentiation.linear_range == (21, 180)
    assert res.potentiation.pulses_per_level in (11, 12)
    assert not res.potentiation.range_automatic
