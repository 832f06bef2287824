"""AnalogConfig and convert's two forms; the converter objects; the parts of a layer."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from torch import nn
from xb_helpers import gen, make_device

from memtwin.crossbar import AnalogConfig, HwatConfig, MappingConfig, Periphery, convert
from memtwin.crossbar.converters import Adc, Dac, IdealAdc, IdealDac, half_codes, quantize
from memtwin.devices.drift import build_drift
from memtwin.devices.model import Variability
from memtwin.errors import ConfigError


def _mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 10), nn.ReLU(), nn.Linear(10, 3))


class _Nested(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Sequential(nn.Conv2d(2, 3, 3), nn.Sequential(nn.ReLU(), nn.Conv2d(3, 3, 1)))
        self.skip = nn.Linear(4, 4)
        self.tail = nn.Linear(4, 2)


def test_config_form_equals_flat_form(noisy_device) -> None:
    """``convert(model, AnalogConfig(...))`` builds the same chips and trains on the same noise as the
    flat parameters it replaces."""
    periphery = Periphery(dac_bits=6, adc_bits=6, tile_rows=5, output_noise_rel=0.01)
    flat = dict(mode="depression", weight_scaling="layer", weight_clip_sigma=2.0)
    config = AnalogConfig(
        noisy_device,
        periphery,
        MappingConfig("depression", "layer", 2.0),
        HwatConfig(training_seed=4, hwat_noise_scale=1.5),
    )
    x = torch.randn(8, 12, generator=gen(1))
    a = convert(_mlp(), noisy_device, periphery, training_seed=4, hwat_noise_scale=1.5, **flat)
    b = convert(_mlp(), config)
    assert a.config == b.config and b.mode == "depression" and b.config.mapping.weight_clip_sigma == 2.0
    torch.testing.assert_close(a.train()(x), b.train()(x), rtol=0, atol=0)
    a.eval().program(seed=3, repetitions=2)
    b.eval().program(seed=3, repetitions=2)
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x), rtol=0, atol=0)


def test_convert_takes_a_config_or_the_flat_parameters_not_both(ideal_device) -> None:
    with pytest.raises(ConfigError, match="mode"):
        convert(nn.Linear(3, 2), AnalogConfig(ideal_device), mode="depression")


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda d: AnalogConfig(d, mapping=MappingConfig(mode="sideways")), "mode"),
        (lambda d: AnalogConfig(d, mapping=MappingConfig(weight_scaling="row")), "weight_scaling"),
        (lambda d: AnalogConfig(d, mapping=MappingConfig(weight_clip_sigma=0.0)), "weight_clip_sigma"),
        (lambda d: AnalogConfig(d, training=HwatConfig(hwat_noise_scale=-1.0)), "hwat_noise_scale"),
        (lambda d: AnalogConfig(d, training=HwatConfig(training_seed=-1)), "seed"),
        (lambda d: AnalogConfig("hfs2"), "DeviceModel"),  # type: ignore[arg-type]
        (lambda d: AnalogConfig(d, periphery={"dac_bits": 8}), "Periphery"),  # type: ignore[arg-type]
    ],
)
def test_analog_config_names_what_is_wrong(ideal_device, build, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        build(ideal_device)


def test_layer_indices_follow_module_order(ideal_device) -> None:
    """Each layer gets its index (the key of its random streams) when it is built, in module order."""
    analog = convert(_Nested(), ideal_device, exclude=["skip"])
    names = [name for name, _ in analog.analog_layers()]
    assert names == ["head.0", "head.1.1", "tail"]
    assert [layer.layer_index for _, layer in analog.analog_layers()] == [0, 1, 2]
    assert all(layer.config is analog.config for _, layer in analog.analog_layers())


def test_training_settings_live_in_the_layer_config(noisy_device) -> None:
    # no DAC: its training range would carry over from the first batches
    analog = convert(_mlp(), noisy_device, Periphery(adc_bits=8, tile_rows=5)).train()
    layer = next(layer for _, layer in analog.analog_layers())
    layer.hwat_noise_scale = 2.0
    assert layer.config.training == HwatConfig(training_seed=0, hwat_noise_scale=2.0)
    with pytest.raises(ConfigError, match="hwat_noise_scale"):
        layer.hwat_noise_scale = -1.0
    x = torch.randn(4, 12, generator=gen(2))
    first = analog.seed_training(7)(x)
    analog(x)
    again = analog.seed_training(7)(x)  # the training streams restart with the seed
    torch.testing.assert_close(first, again, rtol=0, atol=0)
    assert layer.config.training.training_seed == 7


def test_converters_from_the_periphery() -> None:
    assert isinstance(Periphery().dac, IdealDac) and isinstance(Periphery().adc, IdealAdc)
    paper = Periphery.paper()
    assert paper.dac == Dac(8, 100.0) and paper.adc == Adc(8, 100.0) and paper.adc.codes == half_codes(8)
    x = torch.randn(3, 50, generator=gen(3))
    assert IdealDac().quantize(x, None, 3) is x and IdealAdc().quantize(x, torch.ones(3)) is x
    full_scale = torch.tensor([1.0, 2.0, 0.5])
    expected = torch.cat([quantize(x[r], full_scale[r] / 127, 127) for r in range(3)]).view_as(x)
    torch.testing.assert_close(Dac(8).quantize(x, full_scale, reps=3), expected)
    step, gain = Adc(8).fold_step(torch.tensor([[2.54, 0.0]]), (1, 2), x)
    torch.testing.assert_close(step, torch.tensor([[0.02, 1.0]]))
    torch.testing.assert_close(gain, torch.tensor([[0.02, 0.0]]))  # a zero-range tile reads 0


def test_programmed_state_follows_the_model_to_another_dtype(noisy_device) -> None:
    """The array, converter ranges and folded weights are buffers: ``.to()`` moves them with the
    weights (and state dicts keep the digital layout)."""
    periphery = Periphery(dac_bits=8, adc_bits=8)
    analog = convert(_mlp(), noisy_device, periphery).eval().program(seed=1, repetitions=2)
    x = torch.randn(16, 12, generator=gen(4))
    analog.calibrate(x)
    with torch.no_grad():
        y32 = analog(x)
        analog.to(torch.float64)
        y64 = analog(x.double())
    layer = next(layer for _, layer in analog.analog_layers())
    assert layer.array.g_current is not None and layer.array.g_current.dtype == torch.float64
    assert layer.fold.w is not None and layer.fold.w.dtype == torch.float64
    assert y64.dtype == torch.float64
    torch.testing.assert_close(y64.float(), y32, rtol=1e-3, atol=1e-3)
    assert set(analog.digital_state_dict()) == set(_mlp().state_dict())


def test_device_drift_goes_through_the_devices_builder(noisy_device) -> None:
    """A device's drift spec and the same model set by hand give the same drifted chip."""
    spec = {"kind": "power_law", "nu": 0.05, "nu_std": 0.01}
    by_device = convert(_mlp(), replace(noisy_device, drift=spec)).eval().program(seed=2, repetitions=2)
    by_hand = convert(_mlp(), noisy_device).eval().program(seed=2, repetitions=2)
    assert by_device.drift_model is None  # built on the first drift
    by_hand.drift_model = build_drift(spec)
    for analog in (by_device, by_hand):
        analog.drift_to(1e4, compensate=False)
    assert by_device.drift_model == build_drift(spec)
    g = [next(layer for _, layer in a.analog_layers()).array.g_current for a in (by_device, by_hand)]
    assert g[0] is not None and torch.equal(g[0], g[1])


def test_hwat_noise_scale_zero_removes_the_device_spread() -> None:
    """With the spreads scaled to 0, hardware-aware training sees the nominal device: two draws agree."""
    device = make_device(levels=16, sigma_S=5e-6, variability=Variability(0.3, 0.3))
    analog = convert(_mlp(), device, hwat_noise_scale=0.0).train()
    x = torch.randn(4, 12, generator=gen(5))
    torch.testing.assert_close(analog(x), analog(x), rtol=0, atol=0)
