"""The exact write (``Periphery.write = "exact"``): every device holds its target, clipped at its own bound."""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest
import torch
from torch import nn
from xb_helpers import gen, make_device

from memtwin.crossbar import AnalogConfig, AnalogLinear, MappingConfig, Periphery, convert
from memtwin.crossbar.exact import nominal_target, program_exact, program_exact_with_slope
from memtwin.crossbar.hwat import hwat_weights
from memtwin.crossbar.programming import LevelTable, draw_devices
from memtwin.crossbar.seeding import make_generator
from memtwin.devices.model import DeviceModel, ModeLevels, Variability
from memtwin.errors import ConfigError

EXACT = Periphery(write="exact")
G0, STEP = 100e-6, 80e-6


def programmed_weights(
    device: DeviceModel, periphery: Periphery, weight: torch.Tensor, mode: str
) -> torch.Tensor:
    """The weights layer ``weight`` represents once programmed (one chip), in weight units."""
    lin = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
    with torch.no_grad():
        lin.weight.copy_(weight)
    layer = AnalogLinear.from_digital(lin, AnalogConfig(device, periphery, MappingConfig(mode)))
    layer.program(seed=3)
    w_eff, w_scale = layer.array.w_eff, layer.array.w_scale
    assert w_eff is not None and w_scale is not None
    return w_eff[0] * (w_scale / layer.table().top_delta_S)[:, None]


@pytest.mark.parametrize("mode", ["potentiation", "depression"])
def test_exact_write_copies_weights_whatever_the_step_spread_and_noise(mode: str) -> None:
    """30 % update spread and a cycle-to-cycle σ of half a step move an open-loop write; the exact write
    holds every weight as it is, not even rounded to the 16 levels."""
    device = make_device(
        levels=16, g_start_S=G0, step_S=STEP, sigma_S=0.5 * STEP, variability=Variability(0.3, 0.0)
    )
    w = torch.randn(12, 20, generator=gen(1))
    exact = programmed_weights(device, EXACT, w, mode)
    torch.testing.assert_close(exact, w, rtol=1e-5, atol=1e-6)
    open_loop = programmed_weights(device, Periphery(), w, mode)
    assert (open_loop - w).abs().max().item() > 0.1


def test_exact_write_is_linear_in_the_weight_on_a_curved_table() -> None:
    """The target conductance is g_0 + |w|/s·Δ_top, not the level curve: a quadratic table, hand-computed."""
    g = tuple(G0 + 1e-3 * (n / 4) ** 2 for n in range(5))  # Δ_top = 1 mS, curved
    mode = ModeLevels(g_levels_S=g, sigma_S=(0.0,) * 5)
    table = LevelTable.from_mode(mode)
    n = torch.tensor([0.0, 1.0, 2.5, 4.0])
    draws = draw_devices((4,), Variability(0.0, 0.0), gen(2))
    got = program_exact(n, table, Variability(0.0, 0.0), draws)
    expected = torch.tensor([G0 + 1e-3 * k / 4 for k in (0.0, 1.0, 2.5, 4.0)])
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(nominal_target(table, n), expected, rtol=1e-6, atol=1e-12)
    # an integer count still means the level table
    assert nominal_target(table, torch.tensor([2])).item() == pytest.approx(g[2], rel=1e-6)


def test_exact_write_clips_at_each_devices_own_bound() -> None:
    """Bound spread β: a device asked for more than Δ_top·(1 + β) holds exactly that; the slope is 0 there."""
    device = make_device(levels=11, g_start_S=G0, step_S=STEP, variability=Variability(0.0, 0.3))
    table = LevelTable.from_mode(device.mode("potentiation"))
    var = device.variability
    n = torch.full((2000,), 10.0)  # every device asked for the nominal top
    draws = draw_devices((2000,), var, gen(4))
    assert draws.bound is not None
    cap = table.top_delta_S * (1.0 + draws.bound).clamp(min=0.01)
    expected = G0 + torch.minimum(torch.full_like(cap, 10 * STEP), cap)
    g, slope = program_exact_with_slope(n, table, var, draws)
    torch.testing.assert_close(g, expected, rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(program_exact(n, table, var, draws), g)
    below = cap < 10 * STEP
    assert 0.3 < below.float().mean().item() < 0.7  # about half the devices saturate below the target
    assert (slope[below] == 0).all() and torch.allclose(slope[~below], torch.tensor(STEP))


@pytest.mark.parametrize("mode", ["potentiation", "depression"])
def test_hwat_jacobian_of_the_exact_write_equals_autograd(mode: str) -> None:
    """The straight-through Jacobian under the exact write equals autograd through :func:`program_exact`
    on the continuous counts (same draws): bound spread, offsets, stuck-at faults and IR drop included."""
    from memtwin.crossbar.mapping import split_differential, weight_scale

    var = Variability(0.3, 0.3, d2d_offset=0.05, stuck_at_min_rate=0.02, stuck_at_max_rate=0.02)
    device = make_device(levels=16, sigma_S=20e-6, variability=var)
    periphery = Periphery(tile_rows=7, tile_cols=5, wire_resistance_ohm=20.0, write="exact")
    lin = nn.Linear(15, 9)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(9, 15, generator=gen(40)))
    model = convert(lin, device, periphery, mode=mode, weight_clip_sigma=1.5).train()
    layer = next(layer for _, layer in model.analog_layers())
    probe = torch.randn(1, 9, 15, generator=gen(41))
    w_eff, _, _ = hwat_weights(layer, make_generator("cpu", 99))
    (w_eff * probe).sum().backward()
    assert layer.weight.grad is not None

    table = layer.table()
    w = layer.weight.detach().clone().requires_grad_(True)
    scale = weight_scale(w, "column", 1.5)
    n = (w.abs() / scale[:, None]).clamp(max=1.0) * (table.levels - 1)
    n_plus, n_minus = split_differential(n, w.detach(), table.increasing)
    pulses = torch.stack((n_plus, n_minus))
    draws = draw_devices(tuple(pulses.shape), var, make_generator("cpu", 99), pair_shared_update=True)
    ref = layer.array.effective(*(g[None] for g in program_exact(pulses, table, var, draws))).w_eff
    (ref * probe).sum().backward()
    torch.testing.assert_close(w_eff.detach(), ref.detach())
    assert w.grad is not None
    torch.testing.assert_close(layer.weight.grad, w.grad, rtol=1e-5, atol=1e-6)


def test_write_model_is_checked_and_the_older_flag_folds_into_it() -> None:
    with pytest.raises(ConfigError, match="write"):
        Periphery(write="closed-loop")
    with pytest.warns(DeprecationWarning, match="write='verify'"):
        verify = Periphery(program_verify=True)
    assert verify.write == "verify" and verify.program_verify is None
    assert replace(verify, write="open-loop").write == "open-loop"  # the old flag does not overrule it
    with pytest.warns(DeprecationWarning):
        assert Periphery.from_dict({"program_verify": True}).write == "verify"
    with pytest.raises(ConfigError, match="exact"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        Periphery(write="exact", program_verify=True)
    assert "program_verify" not in verify.to_dict() and verify.to_dict()["write"] == "verify"
