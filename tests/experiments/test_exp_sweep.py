import pytest

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import preset
from memtwin.errors import ConfigError
from memtwin.experiments.devices import resolve_device
from memtwin.experiments.sweep import apply_parameter, parameter_names, resample_levels

HFS2 = preset("hfs2-xhameni2025")
PAPER = Periphery.paper()


def test_d2d_sets_update_and_bounds_spread():
    device, periphery = apply_parameter(HFS2, PAPER, "device.d2d", 0.1)
    assert (device.variability.d2d_update, device.variability.d2d_bounds) == (0.1, 0.1)
    assert periphery == PAPER


def test_sigma_scale_multiplies_every_level():
    device, _ = apply_parameter(HFS2, PAPER, "device.sigma_scale", 2.0)
    assert device.potentiation.sigma_S == tuple(2 * s for s in HFS2.potentiation.sigma_S)
    assert device.depression.sigma_S == tuple(2 * s for s in HFS2.depression.sigma_S)


def test_levels_keep_the_range_and_space_evenly():
    device, _ = apply_parameter(HFS2, PAPER, "device.levels", 4)
    g = device.potentiation.g_levels_S
    assert len(g) == 4
    assert g[0] == pytest.approx(HFS2.potentiation.g_levels_S[0])
    assert g[-1] == pytest.approx(HFS2.potentiation.g_levels_S[-1])
    assert g[1] - g[0] == pytest.approx((g[-1] - g[0]) / 3)


def test_resampling_to_the_same_count_is_identity():
    same = resample_levels(HFS2.potentiation, HFS2.potentiation.levels)
    assert same.g_levels_S == pytest.approx(HFS2.potentiation.g_levels_S)
    assert same.sigma_S == pytest.approx(HFS2.potentiation.sigma_S)


def test_periphery_fields_are_cast_to_their_type():
    _, periphery = apply_parameter(HFS2, PAPER, "periphery.adc_bits", 6.0)
    assert periphery.adc_bits == 6 and isinstance(periphery.adc_bits, int)
    _, periphery = apply_parameter(HFS2, PAPER, "periphery.wire_resistance_ohm", 1.5)
    assert periphery.wire_resistance_ohm == 1.5


def test_unknown_parameter_lists_the_known_ones():
    with pytest.raises(ConfigError, match="device.d2d"):
        apply_parameter(HFS2, PAPER, "device.colour", 1)
    assert "periphery.adc_bits" in parameter_names()


def test_resolve_device_from_preset_toml_and_characterization(tmp_path):
    assert resolve_device("hfs2-xhameni2025", d2d=0.0).variability.d2d_update == 0.0
    path = tmp_path / "dev.toml"
    HFS2.to_toml(path)
    assert resolve_device(str(path)) == HFS2
    with pytest.raises(ConfigError, match="neither a preset"):
        resolve_device("no-such-device")


def test_resolve_device_characterizes_a_measurement_file():
    from memtwin.data import example_csv_path

    device = resolve_device(str(example_csv_path()))
    assert device.potentiation.levels == 16
    assert device.potentiation.mean_step_S == pytest.approx(81.077e-6, rel=1e-3)
