"""The knobs a sweep (and a tolerance search, an ablation) turns: one name each, old names as
deprecated aliases, and each knob setting only its own fields."""

import pytest

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import preset
from memtwin.errors import ConfigError
from memtwin.experiments.devices import resolve_device
from memtwin.experiments.knobs import EFFECTS, KNOBS, apply_parameter, knob, parameter_names, present_effects
from memtwin.experiments.sweep import apply_parameter as old_apply_parameter
from memtwin.experiments.sweep import resample_levels

HFS2 = preset("hfs2-xhameni2025")
PAPER = Periphery.paper()


def test_d2d_sets_update_and_bounds_spread():
    device, periphery = apply_parameter(HFS2, PAPER, "d2d", 0.1)
    assert (device.variability.d2d_update, device.variability.d2d_bounds) == (0.1, 0.1)
    assert device.variability.d2d_offset == HFS2.variability.d2d_offset
    assert periphery == PAPER


def test_sigma_scale_multiplies_every_level():
    device, _ = apply_parameter(HFS2, PAPER, "sigma_scale", 2.0)
    assert device.potentiation.sigma_S == tuple(2 * s for s in HFS2.potentiation.sigma_S)
    assert device.depression.sigma_S == tuple(2 * s for s in HFS2.depression.sigma_S)


def test_linear_levels_keep_the_range_and_space_evenly():
    device, _ = apply_parameter(HFS2, PAPER, "linear_levels", 4)
    g = device.potentiation.g_levels_S
    assert len(g) == 4
    assert g[0] == pytest.approx(HFS2.potentiation.g_levels_S[0])
    assert g[-1] == pytest.approx(HFS2.potentiation.g_levels_S[-1])
    assert g[1] - g[0] == pytest.approx((g[-1] - g[0]) / 3)


def test_levels_follow_the_device_curve():
    bent = preset("ag-asi-neurosim")  # a non-linear device: levels along its own curve stay non-linear
    device, _ = apply_parameter(bent, PAPER, "levels", 5)
    g, old = device.potentiation.g_levels_S, bent.potentiation.g_levels_S
    assert len(g) == 5 and (g[0], g[-1]) == pytest.approx((old[0], old[-1]))
    assert g[1] - g[0] != pytest.approx(g[-1] - g[-2])


def test_resampling_to_the_same_count_is_identity():
    same = resample_levels(HFS2.potentiation, HFS2.potentiation.levels)
    assert same.g_levels_S == pytest.approx(HFS2.potentiation.g_levels_S)
    assert same.sigma_S == pytest.approx(HFS2.potentiation.sigma_S)


def test_periphery_fields_are_cast_to_their_type():
    _, periphery = apply_parameter(HFS2, PAPER, "adc_bits", 6.0)
    assert periphery.adc_bits == 6 and isinstance(periphery.adc_bits, int)
    _, periphery = apply_parameter(HFS2, PAPER, "wire_resistance_ohm", 1.5)
    assert periphery.wire_resistance_ohm == 1.5
    with pytest.raises(ConfigError, match="0 / 1"), pytest.warns(DeprecationWarning):
        apply_parameter(HFS2, PAPER, "program_verify", 0.5)


@pytest.mark.parametrize(
    ("old", "new", "value"),
    [
        ("device.d2d", "d2d", 0.2),
        ("device.sigma_scale", "sigma_scale", 0.5),
        ("sigma", "sigma_scale", 0.5),
        ("device.levels", "linear_levels", 4),
        ("periphery.adc_bits", "adc_bits", 6),
    ],
)
def test_old_names_still_work_and_say_the_new_one(old, new, value):
    with pytest.warns(DeprecationWarning, match=f"'{new}'"):
        assert knob(old) is KNOBS[new]
    with pytest.warns(DeprecationWarning):
        assert old_apply_parameter(HFS2, PAPER, old, value) == apply_parameter(HFS2, PAPER, new, value)


def test_unknown_parameter_lists_the_known_ones():
    with pytest.raises(ConfigError, match="d2d"):
        apply_parameter(HFS2, PAPER, "colour", 1)
    assert "adc_bits" in parameter_names() and "d2d" in parameter_names()
    assert "drift" not in parameter_names()  # it can only be switched off
    with pytest.raises(ConfigError, match="cannot be set"):
        apply_parameter(HFS2, PAPER, "drift", 1)


def test_every_knob_is_read_back_as_set():
    for name in (
        "d2d",
        "d2d_update",
        "d2d_bounds",
        "d2d_offset",
        "read_noise_rel",
        "adc_bits",
        "output_noise_rel",
    ):
        k = KNOBS[name]
        device, periphery = k.apply(HFS2, PAPER, 3)
        assert k.read(device, periphery) == 3, name


def test_switching_an_effect_off_removes_exactly_it():
    present = present_effects(HFS2, PAPER)
    for effect, name in EFFECTS.items():
        k = KNOBS[name]
        assert k.off is not None and k.effect == effect
        device, periphery = k.off(HFS2, PAPER)
        after = present_effects(device, periphery)
        assert not after[effect], effect
        others = [e for e in EFFECTS if e != effect and e != "nonlinearity"]
        assert {e: after[e] for e in others} == {e: present[e] for e in others}, effect


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
