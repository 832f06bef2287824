"""Per-column gain calibration after programming (Periphery.column_calibration)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from torch import nn
from xb_helpers import gen, make_device

from memtwin.crossbar import Periphery, convert
from memtwin.crossbar.calibration import apply_column_gains, column_gains
from memtwin.devices.model import Variability


def _layer(analog):
    return next(layer for _, layer in analog.analog_layers())


def test_gain_undoes_a_known_attenuation_and_leaves_dead_columns_alone() -> None:
    target = torch.tensor([[1.0, 2.0, -1.0], [0.5, -0.5, 1.0], [0.0, 0.0, 0.0]])
    # read: column 0 at half strength in block 0 (rows 0-1) and a quarter in block 1 (row 2); column 1
    # exact; column 2 reads nothing
    read = target.clone()
    read[0, :2] *= 0.5
    read[0, 2:] *= 0.25
    x = torch.randn(16, 3, generator=gen(1))
    blocks = [slice(0, 2), slice(2, 3)]
    gains = column_gains(read[None], torch.ones(3), target, x, blocks)
    torch.testing.assert_close(gains[:, 0], torch.tensor([[2.0, 1.0, 1.0], [4.0, 1.0, 1.0]]))
    torch.testing.assert_close(apply_column_gains(read[None], gains, blocks)[0], target)


def _outputs(
    periphery: Periphery,
    device,
    weight: torch.Tensor,
    x: torch.Tensor,
    reps: int = 2,
    scaling: str = "column",
):
    lin = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
    with torch.no_grad():
        lin.weight.copy_(weight)
    analog = convert(lin, device, periphery, weight_scaling=scaling).eval().program(seed=4, repetitions=reps)
    with torch.no_grad():
        analog.calibrate([x])
        return analog(x).reshape(reps, x.shape[0], -1), _layer(analog)


def test_calibrated_output_is_the_gain_times_the_uncalibrated_one_through_the_adc() -> None:
    """The gains act digitally after the ADC: same conductances, same converter ranges, scaled outputs."""
    device = make_device(levels=16, sigma_S=5e-6, variability=Variability(0.3, 0.3))
    periphery = Periphery(dac_bits=8, adc_bits=8, wire_resistance_ohm=2.0, ir_drop_g_max_S=None)
    w = torch.randn(12, 40, generator=gen(2))
    x = torch.rand(64, 40, generator=gen(3))
    plain, _ = _outputs(periphery, device, w, x)
    calibrated, layer = _outputs(replace(periphery, column_calibration=True), device, w, x)
    gains = layer.array.column_gain
    assert gains is not None and gains.shape == (1, 2, 12)
    assert not torch.allclose(gains, torch.ones_like(gains), atol=1e-3)
    torch.testing.assert_close(calibrated, plain * gains[0][:, None, :], rtol=1e-4, atol=1e-5)


def test_calibration_removes_most_of_the_ir_drop_error() -> None:
    """A wide tile: the word-line drop (a cell's distance from the driver, the same for a whole column)
    dominates, as in the paper's 512 × 512 tiles, and one gain per column takes most of it away."""
    device = make_device(levels=64, g_start_S=100e-6, step_S=5e-6)  # noiseless, large zero-state current
    periphery = Periphery(tile_rows=50, tile_cols=200, wire_resistance_ohm=0.03)
    w = torch.randn(200, 50, generator=gen(5))
    x = torch.rand(256, 50, generator=gen(6))
    ideal = x @ w.T
    plain, layer = _outputs(periphery, device, w, x, reps=1)
    calibrated, _ = _outputs(replace(periphery, column_calibration=True), device, w, x, reps=1)
    err_plain = float((plain[0] - ideal).pow(2).mean().sqrt())
    err_calibrated = float((calibrated[0] - ideal).pow(2).mean().sqrt())
    assert err_plain > 0.1 * float(ideal.std())  # the wires matter here ...
    assert err_calibrated < 0.25 * err_plain  # ... and calibration takes most of it away


def test_random_programming_errors_leave_the_gains_unbiased() -> None:
    """Ideal wires, 30 % update spread: each column's read is target + independent errors, so the
    fitted gains scatter around 1 (a fit of the target on the read would shrink them by ~8 %). One
    layer-wide scale whose maximum sits in a single cell, all other weights under half of it (no device
    saturates), fine levels (rounding adds no bias)."""
    device = make_device(levels=256, step_S=5e-6, variability=Variability(0.3, 0.0))
    w = (torch.randn(400, 300, generator=gen(7)) * 0.15).clamp(-0.5, 0.5)
    w[0, 0] = 1.0
    x = torch.rand(8, 300, generator=gen(8))
    _, layer = _outputs(Periphery(column_calibration=True), device, w, x, reps=1, scaling="layer")
    assert float(layer.array.column_gain.mean()) == pytest.approx(1.0, abs=0.01)


def test_hardware_aware_training_trains_through_the_calibrated_chip() -> None:
    device = make_device(levels=16, sigma_S=5e-6, variability=Variability(0.3, 0.3))
    periphery = Periphery(
        dac_bits=8, adc_bits=8, tile_rows=16, wire_resistance_ohm=5.0, column_calibration=True
    )
    analog = convert(nn.Linear(40, 6), device, periphery).train()
    loss = analog(torch.rand(32, 40, generator=gen(9))).pow(2).mean()
    loss.backward()
    grad = _layer(analog).weight.grad
    assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0
