"""Program-and-verify: hand-computed device responses and the statistics of the verify window."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from xb_helpers import gen, make_device

from memtwin.crossbar import AnalogConfig, AnalogLinear, Periphery, convert
from memtwin.crossbar.hwat import hwat_weights
from memtwin.crossbar.programming import DeviceDraws, LevelTable, draw_devices, program_conductances
from memtwin.crossbar.verify import (
    extended_delta_magnitudes,
    nearest_response,
    program_verified,
    program_verified_with_slope,
    verify_writes,
)
from memtwin.devices.model import ModeLevels, Variability
from memtwin.errors import ConfigError
from memtwin.experiments.knobs import apply_parameter

STEP = 80e-6
G0 = 100e-6


def _linear_table(levels: int = 16, mode: str = "potentiation") -> LevelTable:
    return LevelTable.from_mode(make_device(levels=levels, g_start_S=G0, step_S=STEP).mode(mode))


def _draws(n: int, *, update: float | None = None, bound: float | None = None, offset: float | None = None,
           noise: list[float] | None = None) -> DeviceDraws:  # fmt: skip
    """Hand-set draws for ``n`` identical devices; ``noise``: one ε per write."""

    def full(v: float | None) -> torch.Tensor | None:
        return None if v is None else torch.full((n,), v)

    eps = torch.tensor(noise if noise is not None else [0.0])[:, None].expand(-1, n).contiguous()
    return DeviceDraws(update=full(update), bound=full(bound), offset=full(offset), noise=eps, stuck_u=None)


def test_nearest_response_linear_closed_form() -> None:
    table = _linear_table()
    needed = torch.tensor([5 * STEP])
    # step 1.3: 3 pulses -> 3.9 steps, 4 pulses -> 5.2 steps; 5.2 is nearer 5
    assert nearest_response(needed, table, 1.3, table.top_delta_S).item() == pytest.approx(5.2 * STEP)
    # the device saturates at 4.5 steps: 4 pulses read 4.5 steps, nearer 5 than 3.9
    assert nearest_response(needed, table, 1.3, 4.5 * STEP).item() == pytest.approx(4.5 * STEP)
    # a slow device (step 0.6) may use more than L - 1 = 15 pulses: 14 steps = 23.3 pulses -> 23 -> 13.8
    slow = nearest_response(torch.tensor([14 * STEP]), table, 0.6, 2 * table.top_delta_S)
    assert slow.item() == pytest.approx(13.8 * STEP)
    # ... but not more than twice that: 30 pulses x 0.3 = 9 steps
    assert nearest_response(torch.tensor([14 * STEP]), table, 0.3, 99.0).item() == pytest.approx(9 * STEP)


def test_nearest_response_nonlinear_table() -> None:
    """Level changes 0, 2, 3, 3.5 µS: the pulses past the table keep the last step (0.5 µS)."""
    mode = ModeLevels(g_levels_S=(1e-6, 3e-6, 4e-6, 4.5e-6), sigma_S=(0.0,) * 4)
    table = LevelTable.from_mode(mode)
    assert table.linear_step_S is None
    mags = extended_delta_magnitudes(table, 6)
    torch.testing.assert_close(mags, torch.tensor([0.0, 2, 3, 3.5, 4, 4.5, 5]) * 1e-6)
    needed = torch.tensor([4.2e-6, 1.2e-6, 0.9e-6])
    got = nearest_response(needed, table, torch.ones(3), torch.full((3,), 10e-6))
    torch.testing.assert_close(got, torch.tensor([4.0e-6, 2.0e-6, 0.0]))
    # with a per-device factor 2: responses 0, 4, 6, 7, 8, ...; cap 6.5 -> 0, 4, 6, 6.5, 6.5, ...
    got = nearest_response(torch.tensor([6.4e-6]), table, torch.tensor([2.0]), torch.tensor([6.5e-6]))
    assert got.item() == pytest.approx(6.5e-6)


def test_verify_writes_keeps_first_accepted_else_last() -> None:
    det = torch.tensor([10.0, 10.0])
    target = torch.tensor([10.0, 10.0])
    noise = torch.tensor([[3.0, 3.0], [0.2, 2.0], [-0.1, -4.0]])
    got = verify_writes(det, target, 1.0, noise, tolerance_S=0.5)
    assert got.tolist() == pytest.approx([10.2, 6.0])


def test_verify_undoes_the_step_spread_open_loop_keeps() -> None:
    """A device whose pulses are 1.25 x nominal, target level 8: open loop lands at 10 steps;
    verify finds 6 pulses (7.5 steps) nearer than 7 (8.75 steps)."""
    table = _linear_table()
    var = Variability(0.3, 0.0)
    n = torch.full((1,), 8)
    open_loop = program_conductances(n, table, var, replace(_draws(1, update=0.25), noise=torch.zeros(1)))
    assert open_loop.item() == pytest.approx(G0 + 10 * STEP)
    verified = program_verified(n, table, var, _draws(1, update=0.25), tolerance_steps=0.5)
    assert verified.item() == pytest.approx(G0 + 7.5 * STEP)


def test_verify_in_depression_and_with_a_zero_state_offset() -> None:
    table = _linear_table(mode="depression")  # starts at G0 + 15 steps and falls
    top = G0 + 15 * STEP
    var = Variability(0.0, 0.0, d2d_offset=0.1)
    n = torch.full((1,), 4)
    # the device starts 10 % high; the target is top - 4 steps, so it must fall 4 steps + 0.1·top
    needed_steps = 4 + 0.1 * top / STEP
    expected = 1.1 * top - round(needed_steps) * STEP
    got = program_verified(n, table, var, _draws(1, offset=0.1), tolerance_steps=0.5)
    assert got.item() == pytest.approx(expected)


def test_device_saturating_below_target_has_no_gradient() -> None:
    table = _linear_table()
    var = Variability(0.0, 0.3)
    n = torch.tensor([15, 5])
    g, slope = program_verified_with_slope(n, table, var, _draws(2, bound=-0.2), tolerance_steps=0.5)
    # the cap is 0.8 x 15 = 12 steps: level 15 saturates there, level 5 is reached
    torch.testing.assert_close(g, torch.tensor([G0 + 12 * STEP, G0 + 5 * STEP]))
    torch.testing.assert_close(slope, torch.tensor([0.0, STEP]))


def test_verify_window_narrows_cycle_to_cycle_noise() -> None:
    """Only c2c noise (σ = 0.3 step), window ±0.5 step = ±1.667σ, 5 writes: a write is accepted with
    p = 0.9044, so P(no write accepted) = 0.0956⁵ ≈ 8e-6 and the kept error is a normal truncated at
    ±1.667σ, whose std is σ·sqrt(1 − 2·1.667·φ(1.667)/(2Φ(1.667) − 1)) = 0.796σ."""
    sigma = 0.3 * STEP
    dev = make_device(levels=16, g_start_S=G0, step_S=STEP, sigma_S=sigma)
    table = LevelTable.from_mode(dev.mode("potentiation"))
    var = dev.variability
    count = 200_000
    n = torch.full((count,), 7)
    draws = draw_devices((count,), var, gen(3), noise_draws=5)
    err = program_verified(n, table, var, draws, tolerance_steps=0.5) - (G0 + 7 * STEP)
    assert (err.abs() > 0.5 * STEP * (1 + 1e-5)).float().mean().item() < 1e-4
    assert err.std().item() / sigma == pytest.approx(0.796, abs=0.01)
    assert err.mean().item() / sigma == pytest.approx(0.0, abs=0.01)


def test_layer_with_verify_recovers_the_step_spread(noisy_device) -> None:
    """30 % update spread only: open loop leaves a multiplicative error of ~30 % × the level, verify
    removes it down to the rounding to each device's own step and the c2c noise."""
    device = replace(noisy_device, variability=Variability(0.3, 0.0))
    lin = torch.nn.Linear(256, 64, bias=False)
    torch.nn.init.uniform_(lin.weight, -1.0, 1.0, generator=gen(5))

    def rel_error(periphery: Periphery) -> float:
        layer = AnalogLinear.from_digital(lin, AnalogConfig(device, periphery))
        layer.program(seed=2)
        w_eff, w_scale = layer.array.w_eff, layer.array.w_scale
        assert w_eff is not None and w_scale is not None
        w = w_eff[0] * (w_scale / layer.table().top_delta_S)[:, None]
        return ((w - lin.weight).pow(2).mean() / lin.weight.pow(2).mean()).sqrt().item()

    open_loop = rel_error(Periphery.ideal())
    verified = rel_error(replace(Periphery.ideal(), write="verify"))
    # uniform weights: E[n²]/E[n²] → the open-loop error is ≈ 0.3 relative; verify ≈ (rounding + noise)
    assert open_loop == pytest.approx(0.3, abs=0.04)
    assert verified < 0.4 * open_loop


def test_hwat_weights_under_verify_carry_the_nominal_slope(device_factory) -> None:
    """Verify follows the target whatever the device's step, so the straight-through gradient of a chip
    with a 30 % update spread equals that of a chip with no spread (open loop scales it by 1 + δ)."""
    lin = torch.nn.Linear(32, 8, bias=False)
    torch.nn.init.uniform_(lin.weight, -1.0, 1.0, generator=gen(9))
    verify = replace(Periphery.ideal(), write="verify")

    def weight_grad(variability: Variability, periphery: Periphery) -> torch.Tensor:
        device = device_factory(levels=16, step_S=81e-6, sigma_S=23.7e-6, variability=variability)
        layer = AnalogLinear.from_digital(lin, AnalogConfig(device, periphery))
        w_eff, _, _ = hwat_weights(layer, gen(7))
        w_eff.sum().backward()
        assert layer.weight.grad is not None
        return layer.weight.grad

    nominal = weight_grad(Variability(0.0, 0.0), Periphery.ideal())
    assert (nominal != 0).all()
    torch.testing.assert_close(weight_grad(Variability(0.3, 0.0), verify), nominal)
    assert not torch.allclose(weight_grad(Variability(0.3, 0.0), Periphery.ideal()), nominal)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"program_verify": "yes"}, "program_verify"),
        ({"write": "closed-loop"}, "write"),
        ({"verify_tolerance_steps": 0.0}, "verify_tolerance_steps"),
        ({"verify_attempts": 0}, "verify_attempts"),
    ],
)
def test_periphery_rejects_bad_verify_settings(changes: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Periphery(**changes)


def test_program_verify_is_sweepable_as_zero_or_one(noisy_device) -> None:
    """The older knob name still sweeps over 0 / 1, now as the write model."""
    with pytest.warns(DeprecationWarning, match="'write'"):
        _, periphery = apply_parameter(noisy_device, Periphery.paper(), "program_verify", 1.0)
    assert periphery.write == "verify" and periphery.verified
    with pytest.warns(DeprecationWarning):
        _, periphery = apply_parameter(noisy_device, periphery, "program_verify", 0.0)
    assert periphery.write == "open-loop"


def test_hwat_under_verify_on_a_curved_table_with_pair_shared_spreads() -> None:
    """Hardware-aware training draws the device spreads once per pair; on a non-linear table the verify
    controller's candidate responses must still broadcast over both devices of the pair (this crashed)."""
    from memtwin.crossbar.seeding import make_generator
    from memtwin.devices import preset

    device = preset("ag-asi-neurosim")
    assert LevelTable.from_mode(device.mode("potentiation")).linear_step_S is None  # a curved table
    lin = torch.nn.Linear(10, 4)
    model = convert(lin, device, replace(Periphery.ideal(), write="verify"), mode="potentiation").train()
    layer = next(layer for _, layer in model.analog_layers())
    w_eff, _, _ = hwat_weights(layer, make_generator("cpu", 1))
    assert w_eff.shape == (1, 4, 10) and torch.isfinite(w_eff).all()
    w_eff.sum().backward()
    assert layer.weight.grad is not None and torch.isfinite(layer.weight.grad).all()
