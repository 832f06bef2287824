import numpy as np
import pytest

from memtwin.characterization import (
    LinearRangeCriteria,
    characterize,
    find_linear_range,
    fit_line,
    fixed_linear_range,
    stats_from_matrix,
)
from memtwin.errors import ConfigError, MeasurementError


def test_r2_of_a_perfect_line_is_one():
    f = fit_line([1, 2, 3, 4], [3.0, 5.0, 7.0, 9.0])
    assert f.slope == pytest.approx(2.0)
    assert f.intercept == pytest.approx(1.0)
    assert f.r2 == pytest.approx(1.0)


def test_r2_hand_computed():
    # y = (0, 1, 3): fit slope 1.5, intercept -1/6; residuals (1/6, -1/3, 1/6) → SS_res = 1/6; SS_tot = 14/3
    f = fit_line([0, 1, 2], [0.0, 1.0, 3.0])
    assert f.slope == pytest.approx(1.5)
    assert f.r2 == pytest.approx(1 - (1 / 6) / (14 / 3))


def _noisy(rng, mean_curve, sigma, cycles):
    return mean_curve[None, :] + sigma * rng.standard_normal((cycles, mean_curve.size))


def test_recovers_slope_sigma_and_levels_of_noisy_linear_data(make_table):
    rng = np.random.default_rng(7)
    slope, sigma, pulses = 50e-6, 5e-6, 20
    up = 1e-3 + slope * np.arange(pulses)
    down = up[::-1].copy()
    res = characterize(make_table(_noisy(rng, up, sigma, 200), _noisy(rng, down, sigma, 200)))
    for ph, sign in ((res.potentiation, 1), (res.depression, -1)):
        assert ph.slope_S_per_pulse == pytest.approx(sign * slope, rel=0.01)
        assert ph.sigma_mean_S == pytest.approx(sigma, rel=0.05)
        assert ph.levels == pulses
        assert ph.linear_range == (1, pulses)
        assert ph.bins == 2 * pulses - 1


def test_finds_embedded_linear_segment_between_saturating_ends():
    rng = np.random.default_rng(11)
    sigma, slope = 5e-6, 40e-6
    steps = [3e-6, 6e-6] + [slope] * 11 + [6e-6, 3e-6, 1e-6]  # pulses 3..14 linear (12 levels)
    mean = 1e-3 + np.concatenate([[0.0], np.cumsum(steps)])
    s = stats_from_matrix(_noisy(rng, mean, sigma, 300))
    r = find_linear_range(s.pulses, s.mean_S, s.sigma_S)
    assert (r.first_pulse, r.last_pulse) == (3, 14)
    assert r.levels == 12
    assert r.fit.slope == pytest.approx(slope, rel=0.01)
    assert r.automatic


def test_r2_criterion_limits_a_curved_ramp():
    x = np.arange(30, dtype=float)
    mean = 1e-3 + 1e-3 * (1 - np.exp(-x / 15))  # every step distinguishable, but curved
    sigma = np.full(x.size, 1e-9)
    loose = find_linear_range(x + 1, mean, sigma, LinearRangeCriteria(min_r2=0.95))
    strict = find_linear_range(x + 1, mean, sigma, LinearRangeCriteria(min_r2=0.995))
    assert strict.fit.r2 >= 0.995
    assert loose.fit.r2 >= 0.95
    assert loose.levels > strict.levels >= 4


def test_fixed_range_and_no_range_errors():
    mean = np.array([1.0, 2.0, 3.0, 3.1, 3.2]) * 1e-3
    sigma = np.full(5, 0.2e-3)
    r = fixed_linear_range([1, 2, 3, 4, 5], mean, sigma, 1, 3)
    assert (r.levels, r.fit.r2, r.automatic) == (3, pytest.approx(1.0), False)
    with pytest.raises(MeasurementError, match="not within"):
        fixed_linear_range([1, 2, 3, 4, 5], mean, sigma, 2, 9)
    with pytest.raises(MeasurementError, match="no contiguous range"):
        find_linear_range([1, 2, 3, 4, 5], mean, sigma, LinearRangeCriteria(min_levels=4))


@pytest.mark.parametrize(
    "kwargs", [{"min_r2": 1.5}, {"k_sigma": -1.0}, {"min_levels": 1}, {"sigma_pair": "median"}]
)
def test_criteria_are_validated(kwargs):
    with pytest.raises(ConfigError):
        LinearRangeCriteria(**kwargs)


def test_sigma_pair_max_is_stricter():
    mean = np.array([0.0, 10.0, 20.0, 30.0, 40.0])
    sigma = np.array([2.0, 2.0, 6.0, 2.0, 2.0])  # pair mean 4 → step 10 > 8; pair max 6 → 10 < 12
    s_mean = find_linear_range(np.arange(1, 6), mean, sigma, LinearRangeCriteria(min_levels=2))
    s_max = find_linear_range(
        np.arange(1, 6), mean, sigma, LinearRangeCriteria(min_levels=2, sigma_pair="max")
    )
    assert s_mean.levels == 5
    assert s_max.levels == 2


def test_ragged_ramps_are_characterized(make_table):
    rng = np.random.default_rng(5)
    up = 1e-3 + 50e-6 * np.arange(12)
    pot = _noisy(rng, up, 4e-6, 40)
    dep = _noisy(rng, up[::-1].copy(), 4e-6, 40)
    pot[::3, 10:] = np.nan  # every third potentiation ramp stops after 10 pulses
    res = characterize(make_table(pot, dep))
    assert res.potentiation.levels == 12
    assert res.potentiation.slope_S_per_pulse == pytest.approx(50e-6, rel=0.01)
