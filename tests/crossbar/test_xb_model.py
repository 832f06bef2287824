"""convert / AnalogModel: ideal limits, repetitions, drift and compensation, HWAT, state dicts."""

from __future__ import annotations

import contextlib

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from xb_helpers import RandomDrift, UniformDrift, gen, make_device

from memtwin.crossbar import AnalogConv2d, AnalogLinear, NotProgrammedError, Periphery, convert
from memtwin.crossbar.hwat import hwat_weights
from memtwin.devices.model import Variability
from memtwin.errors import ConfigError


def _mlp(seed: int = 0) -> nn.Sequential:
    model = nn.Sequential(nn.Flatten(), nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 5))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen(seed + p.numel())) * 0.3)
    return model.eval()


class TinyResNet(nn.Module):
    """A residual block as in the paper's CIFAR network, plus a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1)
        self.short = nn.Conv2d(3, 6, 1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(6 * 4 * 4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        up = F.relu(self.conv2(F.relu(self.bn(self.conv1(x)))))
        return self.fc(torch.flatten(self.pool(up + self.short(x)), 1))


def test_ideal_device_matches_digital_within_quantization_bound(ideal_device) -> None:
    """Each weight is off by at most half a level, scale/(L-1)/2, so a linear output is off by at most
    scale_j/(L-1)/2 * sum_i |x_i| (per-column scale = max |w| of the column)."""
    lin = nn.Linear(20, 16)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(16, 20, generator=gen(1)))
    x = torch.randn(100, 20, generator=gen(2))
    analog = convert(lin, ideal_device).eval().program(seed=0)
    with torch.no_grad():
        err = (analog(x) - lin(x)).abs()
    levels = ideal_device.potentiation.levels
    bound = lin.weight.abs().amax(dim=1) / (levels - 1) / 2 * x.abs().sum(dim=1, keepdim=True)
    assert torch.all(err <= bound.detach() + 1e-5)
    assert err.max() > 0.05 * bound.max()  # quantization is present, the bound is not vacuous


@pytest.mark.parametrize("mode", ["potentiation", "depression"])
def test_modes_agree_when_ideal(ideal_device, mode: str) -> None:
    model = _mlp()
    x = torch.randn(32, 4, 5, generator=gen(3))
    analog = convert(model, ideal_device, mode=mode, weight_scaling="layer").eval().program(seed=1)
    with torch.no_grad():
        torch.testing.assert_close(analog(x), model(x), rtol=0, atol=0.01)


def test_conv_analog_equals_digital_when_ideal(ideal_device) -> None:
    """Conv bound: |dy| <= scale_o/(L-1)/2 * sum over the receptive field of |x|."""
    conv = nn.Conv2d(3, 5, 3, padding=1, stride=2)
    x = torch.randn(8, 3, 9, 9, generator=gen(4))
    analog = convert(conv, ideal_device, Periphery(tile_rows=10)).eval().program(seed=0)  # 3 row tiles
    assert analog.summary().layers[0].tiles == (3, 1)
    with torch.no_grad():
        err = (analog(x) - conv(x)).abs()
        patches = F.unfold(x.abs(), 3, padding=1, stride=2).sum(dim=1).view(8, 1, 5, 5)
    levels = ideal_device.potentiation.levels
    scale = conv.weight.detach().abs().flatten(1).amax(dim=1).view(1, 5, 1, 1)
    bound = scale / (levels - 1) / 2 * patches
    assert torch.all(err <= bound + 1e-5)


def test_convert_keeps_digital_layers_and_does_not_touch_original(ideal_device) -> None:
    model = TinyResNet().eval()
    analog = convert(model, ideal_device, Periphery.paper())
    inner = analog.model
    assert isinstance(inner.conv1, AnalogConv2d) and isinstance(inner.short, AnalogConv2d)
    assert isinstance(inner.fc, AnalogLinear)
    assert type(inner.bn) is nn.BatchNorm2d and type(inner.pool) is nn.MaxPool2d
    assert type(model.conv1) is nn.Conv2d  # original untouched
    assert [name for name, _ in analog.analog_layers()] == ["conv1", "conv2", "short", "fc"]
    excluded = convert(model, ideal_device, exclude=["fc"])
    assert type(excluded.model.fc) is nn.Linear
    summary = analog.summary()
    assert summary.total_devices == 2 * sum(
        m.weight.numel() for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)
    )
    assert "devices" in str(summary)


def test_resnet_with_batchnorm_and_repetitions(noisy_device) -> None:
    model = TinyResNet().eval()
    x = torch.randn(6, 3, 8, 8, generator=gen(5))
    analog = convert(model, noisy_device, Periphery.paper()).eval().program(seed=4, repetitions=3)
    with torch.no_grad():
        y = analog(x)
        y_again = analog(x)
    assert y.shape == (3, 6, 4)
    torch.testing.assert_close(y, y_again, rtol=1e-4, atol=1e-4)  # calibration pass == folded pass
    assert not torch.allclose(y[0], y[1])  # independent chips


def test_repetition_streams_independent_of_count(noisy_device) -> None:
    """Repetition r with seed s is the same chip whether 1 or 5 are programmed, also after drift."""
    model = _mlp()
    x = torch.randn(10, 20, generator=gen(6))
    one = convert(model, noisy_device, Periphery.ideal()).eval().program(seed=7, repetitions=1)
    five = convert(model, noisy_device, Periphery.ideal()).eval().program(seed=7, repetitions=5)
    with torch.no_grad():
        torch.testing.assert_close(five(x)[0], one(x), rtol=1e-5, atol=1e-6)
    for analog in (one, five):
        analog.drift_model = RandomDrift()
        analog.drift_to(3600.0, compensate=False)
    with torch.no_grad():
        torch.testing.assert_close(five(x)[0], one(x), rtol=1e-5, atol=1e-6)
    g1 = next(layer for _, layer in one.analog_layers()).array.g_current
    g5 = next(layer for _, layer in five.analog_layers()).array.g_current
    assert torch.equal(g1[0], g5[0])
    other = convert(model, noisy_device).eval().program(seed=8)
    assert not torch.equal(next(layer for _, layer in other.analog_layers()).array.g_programmed[0], g1[0])


def test_not_programmed_error_in_eval(ideal_device) -> None:
    analog = convert(_mlp(), ideal_device).eval()
    with pytest.raises(NotProgrammedError, match="program"):
        analog(torch.zeros(1, 20))
    with pytest.raises(NotProgrammedError):
        analog.drift_to(1.0)


def test_global_drift_compensation_removes_uniform_drift(noisy_device) -> None:
    model = _mlp()
    x = torch.randn(40, 20, generator=gen(7))
    analog = convert(model, noisy_device, Periphery.ideal()).eval().program(seed=2, repetitions=2)
    analog.drift_model = UniformDrift(0.7)
    with torch.no_grad():
        y0 = analog(x)
        analog.drift_to(1e4, compensate=True)
        y_comp = analog(x)
        analog.drift_to(1e4, compensate=False)
        y_raw = analog(x)
        analog.drift_to(0.0)
        y_back = analog(x)
    torch.testing.assert_close(y_comp, y0, rtol=1e-5, atol=1e-5)
    assert (y_raw - y0).abs().max() > 0.05
    torch.testing.assert_close(y_back, y0)
    analog.drift_to(1e4, compensate=False)
    array = next(layer for _, layer in analog.analog_layers()).array
    torch.testing.assert_close(array.g_current, 0.7 * array.g_programmed)


def test_drift_with_device_drift_model(noisy_device) -> None:
    """The device's own drift spec is built lazily via memtwin.devices.drift.build_drift."""
    pytest.importorskip("memtwin.devices.drift")
    from dataclasses import replace

    device = replace(noisy_device, drift={"kind": "power_law", "nu": 0.05})
    analog = convert(_mlp(), device).eval().program(seed=1, repetitions=2)
    array = next(layer for _, layer in analog.analog_layers()).array
    analog.drift_to(1e5, compensate=False)
    g_a = array.g_current.clone()
    analog.drift_to(1e5, compensate=False)
    assert torch.equal(array.g_current, g_a)  # same time, same stream
    assert not torch.allclose(g_a, array.g_programmed)


def test_hwat_forward_is_noisy_and_differentiable(noisy_device) -> None:
    model = _mlp()
    analog = convert(model, noisy_device, Periphery.paper()).train()
    x = torch.randn(16, 20, generator=gen(8))
    y1 = analog(x)
    y2 = analog(x)
    assert y1.shape == (16, 5)
    assert not torch.allclose(y1, y2)  # fresh programming noise and device draws per batch
    (y1.square().mean() + y2.square().mean()).backward()
    for name, p in analog.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name
    # reproducible from the training seed
    again = convert(model, noisy_device, Periphery.paper()).train()
    torch.testing.assert_close(again(x), y1)
    # it still computes the network: averaged over draws, strongly correlated with the digital output
    # (not equal: bound saturation and IR drop are systematic)
    with torch.no_grad():
        mean = torch.stack([analog(x) for _ in range(30)]).mean(0)
        corr = torch.corrcoef(torch.stack((mean.flatten(), model(x).flatten())))[0, 1]
    assert corr > 0.9


def test_hwat_straight_through_gradient_matches_digital_when_ideal(ideal_device) -> None:
    lin = nn.Linear(6, 3)
    x = torch.randn(5, 6, generator=gen(9))
    analog = convert(lin, ideal_device).train()
    analog(x).sum().backward()
    lin(x).sum().backward()
    layer = next(layer for _, layer in analog.analog_layers())
    assert layer.weight.grad is not None and lin.weight.grad is not None
    torch.testing.assert_close(layer.weight.grad, lin.weight.grad, rtol=1e-3, atol=1e-3)


def test_digital_state_dict_round_trip(noisy_device) -> None:
    model = TinyResNet().eval()
    analog = convert(model, noisy_device, Periphery.paper())
    sd = analog.digital_state_dict()
    assert set(sd) == set(model.state_dict())
    fresh = TinyResNet()
    fresh.load_state_dict(sd)
    # a digital checkpoint loads into the analog model, and HWAT weights export back
    other = TinyResNet()
    analog.load_digital_state_dict(other.state_dict())
    torch.testing.assert_close(analog.model.fc.weight, other.fc.weight)
    analog.train()
    opt = torch.optim.SGD(analog.parameters(), lr=0.1)
    analog(torch.randn(4, 3, 8, 8, generator=gen(10))).sum().backward()
    opt.step()
    exported = analog.to_digital()
    assert type(exported.fc) is nn.Linear
    torch.testing.assert_close(exported.fc.weight, analog.model.fc.weight)
    assert not torch.allclose(exported.fc.weight, other.fc.weight)


def test_calibrate_with_data_then_fast_path(noisy_device) -> None:
    model = _mlp()
    periphery = Periphery(dac_bits=6, adc_bits=6, calibration_batches=5)
    analog = convert(model, noisy_device, periphery).eval().program(seed=0, repetitions=2)
    x = torch.randn(64, 20, generator=gen(11))
    analog.calibrate([x[:32], x[32:]])
    layer = next(layer for _, layer in analog.analog_layers())
    assert layer.fold.ready  # frozen after explicit calibration
    with torch.no_grad():
        y = analog(x)
    assert y.shape == (2, 64, 5)
    analog.calibrate()
    assert not layer.fold.ready  # the next forwards calibrate again


def test_weight_clipping_maps_outliers_to_top_level(ideal_device) -> None:
    lin = nn.Linear(100, 1, bias=False)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(1, 100, generator=gen(12)))
        lin.weight[0, 0] = 50.0  # outlier
    analog = convert(lin, ideal_device, weight_clip_sigma=2.5).eval().program(seed=0)
    layer = next(layer for _, layer in analog.analog_layers())
    assert layer.array.w_scale.item() < 50.0
    assert layer.array.pulses[0, 0, 0].item() == ideal_device.potentiation.levels - 1


def test_more_variability_means_more_error() -> None:
    model = _mlp()
    x = torch.randn(200, 20, generator=gen(13))
    errs = []
    for d2d in (0.0, 0.3):
        device = make_device(levels=16, sigma_S=5e-6, variability=Variability(d2d, d2d))
        analog = convert(model, device).eval().program(seed=0, repetitions=4)
        with torch.no_grad():
            errs.append((analog(x) - model(x)).abs().mean().item())
    assert errs[1] > errs[0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_same_code_path(noisy_device) -> None:
    model = TinyResNet().eval()
    analog = convert(model, noisy_device, Periphery.paper()).to("cuda").eval().program(seed=0, repetitions=2)
    x = torch.randn(4, 3, 8, 8, generator=gen(14)).cuda()
    with torch.no_grad():
        y = analog(x)
    assert y.is_cuda and y.shape == (2, 4, 4)
    ideal = convert(model, make_device(levels=1024)).cuda().eval().program(seed=0)
    with torch.no_grad():
        torch.testing.assert_close(ideal(x), model.cuda()(x), rtol=0, atol=0.05)


class SkipAroundFirst(nn.Module):
    """An identity skip around the first analog layer: mixes pre- and post-analog tensors."""

    def __init__(self) -> None:
        super().__init__()
        self.pre = nn.ReLU()
        self.lin = nn.Linear(6, 6)
        self.head = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pre(x)
        return self.head(h + self.lin(h))


def test_identity_skip_around_first_analog_layer_falls_back(noisy_device) -> None:
    model = SkipAroundFirst().eval()
    x = torch.randn(7, 6, generator=gen(30))
    periphery = Periphery(dac_bits=8, adc_bits=8, calibration_batches=2)
    five = convert(model, noisy_device, periphery).eval().program(seed=3, repetitions=5)
    one = convert(model, noisy_device, periphery).eval().program(seed=3, repetitions=1)
    with torch.no_grad():
        y5 = five(x)
        y1 = one(x)
    assert y5.shape == (5, 7, 2)
    assert five._expand_at_input  # switched for good
    layer = next(layer for _, layer in five.analog_layers())
    assert layer.ranges.seen == 1  # the failed attempt was undone
    torch.testing.assert_close(y5[0], y1, rtol=1e-5, atol=1e-5)


def test_chunked_repetitions_equal_one_pass_and_noise_is_per_repetition(noisy_device) -> None:
    """Chunked evaluation gives the same numbers as one vectorized pass, and with output noise
    repetition r still sees the same noise whether 1 or 4 repetitions are programmed."""
    model = TinyResNet().eval()
    x = torch.randn(5, 3, 8, 8, generator=gen(31))
    periphery = Periphery(dac_bits=8, adc_bits=8, output_noise_rel=0.02, tile_rows=20)
    outs = {}
    for chunk in (None, 1, 3):
        analog = convert(model, noisy_device, periphery).eval().program(seed=5, repetitions=4)
        analog.repetition_chunk = chunk
        with torch.no_grad():
            analog(x)  # calibration pass
            outs[chunk] = (analog(x), analog(x))
    for chunk in (1, 3):
        torch.testing.assert_close(outs[chunk][0], outs[None][0])
        torch.testing.assert_close(outs[chunk][1], outs[None][1])
    assert not torch.allclose(outs[None][0], outs[None][1])  # fresh noise per call
    single = convert(model, noisy_device, periphery).eval().program(seed=5, repetitions=1)
    with torch.no_grad():
        single(x)
        torch.testing.assert_close(single(x), outs[None][0][0])


@pytest.mark.parametrize("mode", ["potentiation", "depression"])
def test_hwat_jacobian_equals_autograd_through_programming(mode: str) -> None:
    """The hand-derived straight-through Jacobian of hardware-aware training equals autograd through the
    device-level programming functions (same draws): rounding, clipping, update spread, saturation at the
    device bound, stuck-at faults and IR drop included."""
    from memtwin.crossbar.mapping import pulse_counts_ste, split_differential, weight_scale
    from memtwin.crossbar.programming import draw_devices, program_conductances
    from memtwin.crossbar.seeding import make_generator

    var = Variability(0.3, 0.3, d2d_offset=0.05, stuck_at_min_rate=0.02, stuck_at_max_rate=0.02)
    device = make_device(levels=16, sigma_S=20e-6, variability=var)
    periphery = Periphery(tile_rows=7, tile_cols=5, wire_resistance_ohm=20.0)
    lin = nn.Linear(15, 9)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(9, 15, generator=gen(40)))
        lin.weight[0, 0] = 0.0
    layer = next(
        layer
        for _, layer in convert(lin, device, periphery, mode=mode, weight_clip_sigma=1.5)
        .train()
        .analog_layers()
    )
    probe = torch.randn(1, 9, 15, generator=gen(41))

    w_eff, _, _ = hwat_weights(layer, make_generator("cpu", 99))
    (w_eff * probe).sum().backward()
    assert layer.weight.grad is not None
    grad = layer.weight.grad.clone()

    table = layer.table()
    w = layer.weight.detach().clone().requires_grad_(True)
    scale = weight_scale(w, "column", 1.5)
    n = pulse_counts_ste(w, scale, table.levels)
    n_plus, n_minus = split_differential(n, w.detach(), table.increasing)
    pulses = torch.stack((n_plus, n_minus))
    draws = draw_devices(tuple(pulses.shape), var, make_generator("cpu", 99), pair_shared_update=True)
    g = program_conductances(pulses, table, var, draws)
    ref = layer.array.effective(g[0][None], g[1][None]).w_eff
    (ref * probe).sum().backward()
    torch.testing.assert_close(w_eff.detach(), ref.detach())
    assert w.grad is not None
    torch.testing.assert_close(grad, w.grad, rtol=1e-5, atol=1e-6)
    assert (grad == 0).any() and (grad != 0).sum() > grad.numel() // 2  # some clipped/stuck, most alive


@pytest.mark.parametrize("grad_mode", [torch.no_grad, torch.inference_mode, contextlib.nullcontext])
def test_outputs_never_alias_reused_buffers(noisy_device, grad_mode) -> None:
    """With autograd off the forward reuses scratch buffers for its temporaries; what it returns must stay
    valid after later calls, and all evaluation modes must agree. A plain call with autograd on (as the
    README does it) reads the chips the same way."""
    model = _mlp()
    x = torch.randn(12, 20, generator=gen(50))
    x2 = torch.randn(12, 20, generator=gen(51))
    periphery = Periphery(dac_bits=8, adc_bits=8, tile_rows=8)
    results = []
    for reps, chunk in ((1, None), (3, None), (3, 1)):
        analog = convert(model, noisy_device, periphery).eval().program(seed=0, repetitions=reps)
        analog.repetition_chunk = chunk
        with grad_mode():
            analog(x)  # calibration pass
            y = analog(x)
            kept = y.clone()
            analog(x2)
            analog(x2)
        assert torch.equal(y, kept)
        results.append(y if reps > 1 else y[None])
    torch.testing.assert_close(results[1], results[2])
    torch.testing.assert_close(results[0][0], results[1][0])


def test_repetition_chunk_auto_and_validation(noisy_device) -> None:
    model = _mlp()
    x = torch.randn(300, 20, generator=gen(52))  # large enough for "auto" to chunk on a CPU
    analog = (
        convert(model, noisy_device, Periphery(dac_bits=8, adc_bits=8)).eval().program(seed=1, repetitions=2)
    )
    assert analog.repetition_chunk == "auto"
    with torch.no_grad():
        analog(x)
        auto = analog(x)
        analog.repetition_chunk = None
        torch.testing.assert_close(analog(x), auto)
        analog.repetition_chunk = 0
        with pytest.raises(ConfigError, match="repetition_chunk"):
            analog(x)


@pytest.mark.parametrize("noise_scale", [0.0, 1.0, 2.0])
def test_hwat_noise_scale_widens_the_device_spread_in_training_only(noise_scale: float) -> None:
    """Mid-range weights on an update-spread-only device: the relative error of each HWAT-programmed
    weight is the device's δ ~ N(0, 0.1), so its spread must be 0.1 × the scale; programming for
    inference keeps the device's own 0.1."""
    from memtwin.crossbar.seeding import make_generator

    device = make_device(levels=16, variability=Variability(0.1, 0.0))
    lin = nn.Linear(201, 50, bias=False)
    with torch.no_grad():
        lin.weight.fill_(8 / 15)  # 8 pulses of 15 ...
        lin.weight[:, 0] = 1.0  # ... under a column maximum at the top level (not measured)
    analog = convert(lin, device, Periphery.ideal(), hwat_noise_scale=noise_scale)
    layer = next(layer for _, layer in analog.analog_layers())
    w_eff, _, _ = hwat_weights(layer, make_generator("cpu", 7))
    rel = (w_eff.detach()[0, :, 1:] / (8 * 80e-6) - 1).flatten()  # G⁺ − G⁻ over its nominal 8 steps
    assert float(rel.std()) == pytest.approx(0.1 * noise_scale, rel=0.05, abs=1e-6)
    analog.eval().program(seed=3)
    g = layer.array.g_current
    assert g is not None
    programmed = (g[0, 0, :, 1:] - g[0, 1, :, 1:]) / (8 * 80e-6) - 1
    assert float(programmed.std()) == pytest.approx(0.1, rel=0.05)


def test_hwat_noise_scale_must_be_a_non_negative_number() -> None:
    with pytest.raises(ConfigError, match="hwat_noise_scale"):
        convert(nn.Linear(3, 2), make_device(), hwat_noise_scale=-1.0)
