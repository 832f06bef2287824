"""Mapping and programming: each expectation is computed independently of the code under test."""

from __future__ import annotations

import math

import pytest
import torch
from xb_helpers import gen, make_device

from memtwin.crossbar.mapping import effective_weight, pulse_counts, split_differential, weight_scale
from memtwin.crossbar.programming import LevelTable, draw_devices, program_conductances
from memtwin.devices.model import Variability
from memtwin.errors import ConfigError

N = 200_000  # devices per statistical test: relative std error of a std estimate ~ 1/sqrt(2N) = 0.16 %


def _program(levels: int, n_value: int, var: Variability, sigma_S: float = 0.0, mode: str = "potentiation"):
    dev = make_device(levels=levels, sigma_S=sigma_S, variability=var)
    table = LevelTable.from_mode(dev.mode(mode))
    n = torch.full((N,), n_value, dtype=torch.int64)
    draws = draw_devices((N,), var, gen(11))
    return table, program_conductances(n, table, var, draws)


def test_pulse_counts_round_to_nearest_level_and_clip() -> None:
    w = torch.tensor([[0.0, 0.5, -1.0, 0.26, 2.0]])
    scale = torch.tensor([1.0])
    assert pulse_counts(w, scale, 5).tolist() == [[0, 2, 4, 1, 4]]  # 0.26*4 = 1.04 -> 1; 2.0 clipped


def test_weight_scale_column_layer_and_clip() -> None:
    w = torch.tensor([[1.0, -3.0], [0.5, 0.25], [0.0, 0.0]])
    assert weight_scale(w, "column").tolist() == [3.0, 0.5, 1.0]  # zero column -> 1
    assert weight_scale(w, "layer").tolist() == [3.0, 3.0, 3.0]
    clipped = weight_scale(w, "column", clip_sigma=1.0)
    assert clipped[0].item() == pytest.approx(2.0)  # std of (1, -3) is 2
    with pytest.raises(ConfigError):
        weight_scale(w, "row")


@pytest.mark.parametrize("increasing", [True, False])
def test_differential_pair_sign_convention(increasing: bool) -> None:
    """Potentiation: w > 0 pulses G+; depression: w > 0 pulses G- (its levels fall), so that G+ - G-
    has the sign of w in both modes."""
    levels = 8
    dev = make_device(levels=levels)
    table = LevelTable.from_mode(dev.mode("potentiation" if increasing else "depression"))
    w = torch.tensor([[0.5, -1.0, 0.0]])
    scale = weight_scale(w)
    n = pulse_counts(w, scale, levels)
    n_plus, n_minus = split_differential(n, w, table.increasing)
    g_plus = table.g_S[n_plus]
    g_minus = table.g_S[n_minus]
    w_eff = effective_weight(g_plus, g_minus, scale, table.top_delta_S)
    expected = torch.round(w / scale * (levels - 1)) / (levels - 1) * scale
    torch.testing.assert_close(w_eff, expected, rtol=1e-5, atol=1e-7)
    pulsed_for_positive = n_plus if increasing else n_minus
    assert pulsed_for_positive[0, 0].item() > 0


def test_cycle_to_cycle_sigma_is_reproduced() -> None:
    sigma = 23.7e-6
    table, g = _program(16, 7, Variability(0.0, 0.0), sigma_S=sigma)
    mean_expected = table.g_S[7].item()
    std = g.double().std().item()
    assert abs(std / sigma - 1) < 5 / math.sqrt(2 * N)
    assert abs(g.double().mean().item() - mean_expected) < 5 * sigma / math.sqrt(N)


def test_level_zero_device_gets_level_zero_sigma() -> None:
    sigma = 10e-6
    table, g = _program(16, 0, Variability(0.0, 0.0), sigma_S=sigma)
    assert abs(g.double().std().item() / sigma - 1) < 5 / math.sqrt(2 * N)
    assert abs(g.double().mean().item() - table.g0_S) < 5 * sigma / math.sqrt(N)


def test_update_spread_is_multiplicative_on_the_step() -> None:
    """Device-to-device update spread 30 %: (g - g0)/Delta_n - 1 ~ N(0, 0.3) (no bound spread; n below
    the top so the nominal bound does not cut the upper tail except for > 3.3 sigma draws at n = 7/15)."""
    table, g = _program(16, 7, Variability(d2d_update=0.3, d2d_bounds=0.0))
    delta_n = (table.g_S[7] - table.g_S[0]).item()
    rel = (g.double() - table.g0_S) / delta_n - 1.0
    assert abs(rel.mean().item()) < 5 * 0.3 / math.sqrt(N)
    assert abs(rel.std().item() / 0.3 - 1) < 5 / math.sqrt(2 * N)


def test_bound_spread_saturates_at_device_maximum() -> None:
    """At the top level with bound spread beta ~ N(0, 0.3) and no update spread, the change is
    Delta_top * min(1, 1 + beta): half the devices saturate below the nominal top, and the mean is
    1 - 0.3/sqrt(2 pi) of nominal (E[min(0, beta)] = -sigma/sqrt(2 pi))."""
    table, g = _program(16, 15, Variability(d2d_update=0.0, d2d_bounds=0.3))
    frac = (g.double() - table.g0_S) / table.top_delta_S
    assert frac.max().item() <= 1.0 + 1e-6
    below = (frac < 1 - 1e-6).double().mean().item()
    assert abs(below - 0.5) < 5 * 0.5 / math.sqrt(N)
    expected_mean = 1 - 0.3 / math.sqrt(2 * math.pi)
    # std of min(1, 1 + beta) is 0.3*sqrt(1/2 - 1/(2 pi)) ~ 0.175
    assert abs(frac.mean().item() - expected_mean) < 5 * 0.175 / math.sqrt(N)


def test_bound_applies_to_lower_levels_too() -> None:
    """A device whose own maximum is below its target saturates there: at n = 10 of 15 with bound
    spread, devices with 1 + beta < 10/15 are capped at Delta_top*(1 + beta)."""
    table, g = _program(16, 10, Variability(d2d_update=0.0, d2d_bounds=0.3))
    frac = (g.double() - table.g0_S) / table.top_delta_S
    p_cap = 0.5 * math.erfc((1 - 10 / 15) / 0.3 / math.sqrt(2))  # P(beta < -1/3)
    capped = (frac < 10 / 15 - 1e-6).double().mean().item()
    assert abs(capped - p_cap) < 5 * math.sqrt(p_cap * (1 - p_cap) / N)


def test_depression_mode_moves_down_and_saturates() -> None:
    table, g = _program(16, 15, Variability(d2d_update=0.3, d2d_bounds=0.0), mode="depression")
    drop = (table.g0_S - g.double()) / table.top_delta_S
    assert drop.max().item() <= 1.0 + 1e-6  # never below the nominal bottom
    assert drop.min().item() > 0


def test_stuck_at_faults_and_positive_conductance() -> None:
    var = Variability(d2d_update=0.0, d2d_bounds=0.0, stuck_at_min_rate=0.1, stuck_at_max_rate=0.05)
    table, g = _program(16, 7, var, sigma_S=200e-6)  # huge sigma: negative tails must be clamped
    assert g.min().item() >= 0.0
    at_max = (g == table.g_max_S).double().mean().item()
    assert abs(at_max - 0.05) < 5 * math.sqrt(0.05 * 0.95 / N)
    at_min = (g == table.g_min_S).double().mean().item()
    assert abs(at_min - 0.1) < 5 * math.sqrt(0.1 * 0.9 / N)


def test_offset_is_separate_and_defaults_to_zero() -> None:
    _, g0 = _program(16, 0, Variability(0.0, 0.0))
    assert torch.all(g0 == g0[0])
    table, g = _program(16, 0, Variability(0.0, 0.0, d2d_offset=0.1))
    rel = g.double() / table.g0_S - 1
    assert abs(rel.std().item() / 0.1 - 1) < 5 / math.sqrt(2 * N)
