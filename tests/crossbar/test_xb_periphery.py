"""Converters, tiling and configuration errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from xb_helpers import gen, make_device

from memtwin.crossbar import Periphery, convert
from memtwin.crossbar.converters import abs_percentile, half_codes, quantize
from memtwin.crossbar.tiles import balanced_slices
from memtwin.errors import ConfigError


def test_quantizer_error_within_half_lsb_and_clips() -> None:
    x = torch.rand(10_000, generator=gen(0)) * 2 - 1
    codes = half_codes(8)
    step = 1.0 / codes
    q = quantize(x, step, codes)
    assert (q - x).abs().max().item() <= step / 2 + 1e-7
    assert torch.allclose(q / step, torch.round(q / step), atol=1e-4)  # on the grid
    assert quantize(torch.tensor([5.0, -5.0]), step, codes).tolist() == pytest.approx([1.0, -1.0])


def test_quantizer_straight_through_gradient() -> None:
    x = torch.tensor([0.3, 0.9, 3.0], requires_grad=True)
    quantize(x, 0.25, 4).sum().backward()  # full scale 1.0: the last input clips
    assert x.grad is not None
    assert x.grad.tolist() == [1.0, 1.0, 0.0]


def test_percentile_is_nearest_rank() -> None:
    x = torch.arange(1.0, 101.0)[None]  # 1..100
    assert abs_percentile(x, 100).item() == 100
    assert abs_percentile(x, 99).item() == 99
    assert abs_percentile(-x, 50).item() == 50


def test_balanced_slices() -> None:
    assert balanced_slices(784, 512) == [slice(0, 392), slice(392, 784)]
    assert balanced_slices(10, None) == [slice(0, 10)]
    sizes = [s.stop - s.start for s in balanced_slices(1001, 100)]
    assert len(sizes) == 11 and max(sizes) - min(sizes) <= 1 and sum(sizes) == 1001


def _exact_linear(n_in: int, n_out: int, levels: int, seed: int) -> nn.Linear:
    """Weights exactly on the pulse grid of every column (so mapping adds no error): k/(L-1) * scale with
    the column maximum at the top level."""
    lin = nn.Linear(n_in, n_out, bias=False)
    k = torch.randint(-(levels - 1), levels, (n_out, n_in), generator=gen(seed)).float()
    k[:, 0] = levels - 1
    with torch.no_grad():
        lin.weight.copy_(k / (levels - 1) * 0.5)
    return lin


def test_dac_error_within_half_lsb_through_a_layer() -> None:
    """Only the DAC is non-ideal: |y - y_digital| <= sum_i |w_ji| * LSB/2, LSB = max|x|/(2^(b-1)-1)
    with the range calibrated on the same batch."""
    device = make_device(levels=8)
    lin = _exact_linear(30, 6, 8, seed=1)
    analog = convert(lin, device, Periphery(dac_bits=6)).eval().program(seed=0)
    x = torch.randn(200, 30, generator=gen(2))
    with torch.no_grad():
        y = analog(x)
        y_fast = analog(x)  # calibrated now: the folded fast path
    lsb = x.abs().max().item() / half_codes(6)
    bound = lin.weight.abs().sum(dim=1) * lsb / 2 + 1e-5
    err = (y - lin(x)).abs()
    assert torch.all(err <= bound)
    assert err.max() > 0.1 * bound.max()  # the DAC is really there
    torch.testing.assert_close(y_fast, y, rtol=1e-5, atol=1e-5)


def test_adc_error_within_half_lsb_per_tile() -> None:
    """Only the ADC is non-ideal, two row tiles: each tile's partial sum is off by at most half its LSB
    (range = that tile's max |partial sum| over the calibration batch), in weight units."""
    device = make_device(levels=8)
    lin = _exact_linear(40, 7, 8, seed=3)
    periphery = Periphery(adc_bits=5, tile_rows=20)
    analog = convert(lin, device, periphery).eval().program(seed=0)
    x = torch.randn(300, 40, generator=gen(4))
    with torch.no_grad():
        y = analog(x)
    bound = torch.zeros(7)
    for rows in (slice(0, 20), slice(20, 40)):
        part = x[:, rows] @ lin.weight[:, rows].T.detach()
        bound += part.abs().max() / half_codes(5) / 2  # per-tile full scale shared by the tile's columns
    err = (y - lin(x).detach()).abs()
    assert torch.all(err <= bound + 1e-5)
    assert err.max() > 0.1 * bound.max()


def test_tiled_equals_untiled_when_ideal(noisy_device) -> None:
    """With ideal converters and wires, tiling only regroups the sums."""
    lin = nn.Linear(50, 23)
    x = torch.randn(64, 50, generator=gen(5))
    outs = []
    for periphery in (Periphery.ideal(), Periphery(tile_rows=7, tile_cols=4)):
        analog = convert(lin, noisy_device, periphery).eval().program(seed=3, repetitions=2)
        assert analog.summary().layers[0].tiles == ((1, 1) if periphery.tile_rows is None else (8, 6))
        with torch.no_grad():
            outs.append(analog(x))
    torch.testing.assert_close(outs[0], outs[1], rtol=1e-5, atol=1e-5)


def test_output_noise_statistics(ideal_device) -> None:
    """Output noise std = output_noise_rel x calibrated range (no ADC), in weight units."""
    lin = nn.Linear(8, 4, bias=False)
    periphery = Periphery(output_noise_rel=0.05, calibration_batches=1)
    analog = convert(lin, ideal_device, periphery).eval().program(seed=0)
    x = torch.randn(4000, 8, generator=gen(6))
    with torch.no_grad():
        analog(x)  # calibrates
        layer = next(layer for _, layer in analog.analog_layers())
        clean = x @ (layer.array.w_eff[0].T * (layer.array.w_scale / layer.table().top_delta_S))
        noisy = analog(x)
    expected = 0.05 * layer.ranges.out_range[0, 0] * (layer.array.w_scale / layer.table().top_delta_S)
    measured = (noisy - clean).std(dim=0)
    assert torch.allclose(measured, expected, rtol=0.08)  # 4000 samples: std error ~1.1 %


def test_read_noise_statistics(device_factory) -> None:
    """Read noise per device sigma = rel*G: one weight, x = 1, output std = rel*sqrt(G+^2 + G-^2)*scale."""
    from memtwin.devices.model import Variability

    device = device_factory(levels=4, variability=Variability(0.0, 0.0, read_noise_rel=0.02))
    lin = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        lin.weight.fill_(1.0)
    analog = convert(lin, device, Periphery.ideal()).eval().program(seed=0)
    with torch.no_grad():
        y = analog(torch.ones(20_000, 1))
    layer = next(layer for _, layer in analog.analog_layers())
    g = layer.array.g_current[0, :, 0, 0]
    expected = 0.02 * g.pow(2).sum().sqrt() / layer.table().top_delta_S
    assert abs(y.std().item() / expected.item() - 1) < 0.03
    assert abs(y.mean().item() - 1.0) < 5 * expected.item() / 141


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dac_bits": -1},
        {"adc_bits": 1},
        {"adc_bits": 40},
        {"dac_bits": 8.0},
        {"tile_rows": 0},
        {"tile_cols": -3},
        {"calibration_batches": 0},
        {"dac_percentile": 0},
        {"adc_percentile": 101},
        {"output_noise_rel": -0.1},
        {"wire_resistance_ohm": -1.0},
        {"ir_drop_g_max_S": 0.0},
        {"read_voltage_V": 0.0},
    ],
)
def test_bad_periphery_configs(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        Periphery(**kwargs)


def test_bad_convert_configs(ideal_device) -> None:
    model = nn.Linear(3, 2)
    with pytest.raises(ConfigError, match="mode"):
        convert(model, ideal_device, mode="sideways")
    with pytest.raises(ConfigError, match="weight_scaling"):
        convert(model, ideal_device, weight_scaling="row")
    with pytest.raises(ConfigError):
        convert(model, ideal_device, weight_clip_sigma=-1.0)
    with pytest.raises(ConfigError):
        convert(model, "hfs2")
    with pytest.raises(ConfigError):
        convert(model, ideal_device, exclude=["nope"])
    with pytest.raises(ConfigError, match="kernel"):
        convert(nn.Conv2d(2, 2, 5), ideal_device, Periphery(tile_rows=10))
    with pytest.raises(ConfigError, match="grouped"):
        convert(nn.Conv2d(4, 4, 3, groups=2), ideal_device)
    analog = convert(model, ideal_device)
    with pytest.raises(ConfigError):
        analog.program(seed=-1)
    with pytest.raises(ConfigError):
        analog.program(seed=0, repetitions=0)
    analog.program(seed=0)
    with pytest.raises(ConfigError):
        analog.drift_to(-1.0)


def test_periphery_dict_round_trip() -> None:
    p = Periphery.paper()
    assert Periphery.from_dict(p.to_dict()) == p
    assert Periphery.from_dict(Periphery.ideal().to_dict()) == Periphery.ideal()
    with pytest.raises(ConfigError, match="unknown"):
        Periphery.from_dict({"dac_bitz": 8})


def test_eager_kernels_match_reference_expressions() -> None:
    """The in-place eager kernels compute the same as the expressions that get compiled when fused."""
    from memtwin.crossbar import kernels

    x = torch.randn(3, 40, generator=gen(20)) * 3
    inv = torch.tensor([[10.0], [20.0], [5.0]])
    torch.testing.assert_close(kernels.dac_codes(x, inv, 31), kernels._dac(x, inv, 31.0))
    part = torch.randn(6, 4, generator=gen(21)) * 50
    gain = torch.rand(1, 4, generator=gen(22))
    bias = torch.rand(1, 4, generator=gen(23))
    expected = kernels._adc_first(torch.empty(6, 4), part.clone(), gain, bias, 31.0)
    got = kernels.adc_first(part.clone(), gain, bias, 31, out=torch.empty(6, 4))
    torch.testing.assert_close(got, expected)
    acc = torch.randn(6, 4, generator=gen(24))
    expected = kernels._adc_accumulate(acc.clone(), part.clone(), gain, None)
    torch.testing.assert_close(kernels.adc_accumulate(acc.clone(), part.clone(), gain, None), expected)
