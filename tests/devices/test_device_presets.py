"""Presets carry the published numbers (checked against the paper's text, typed in here by hand)."""

from __future__ import annotations

import math

import pytest

from memtwin.devices import DeviceModel, list_presets, preset
from memtwin.errors import ConfigError


def test_list_presets() -> None:
    assert {"hfs2-xhameni2025", "reram-wan2022", "ideal"} <= set(list_presets())
    for name in list_presets():
        d = preset(name)
        assert isinstance(d, DeviceModel) and d.name == name
        assert d.citation and d.notes


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown device preset 'hfs3'.*hfs2-xhameni2025"):
        preset("hfs3")


def _steps(levels: tuple[float, ...]) -> list[float]:
    return [b - a for a, b in zip(levels, levels[1:], strict=False)]


def test_hfs2_preset_has_the_papers_numbers() -> None:
    d = preset("hfs2-xhameni2025")
    pot, dep = d.potentiation, d.depression
    assert pot.levels == 16 and dep.levels == 16
    for step in _steps(pot.g_levels_S):
        assert math.isclose(step, 81.077e-6, rel_tol=1e-9)
    for step in _steps(dep.g_levels_S):
        assert math.isclose(step, -80.520e-6, rel_tol=1e-9)
    assert math.isclose(pot.mean_step_S, 81.077e-6, rel_tol=1e-12)
    assert math.isclose(dep.mean_step_S, 80.520e-6, rel_tol=1e-12)
    assert pot.sigma_S == (23.7e-6,) * 16 and dep.sigma_S == (23.7e-6,) * 16
    assert d.variability.d2d_update == 0.3 and d.variability.d2d_bounds == 0.3
    assert d.variability.d2d_offset == 0.0
    ps = d.pulse_scheme
    assert ps.max_voltage_V == 0.995
    assert ps.energy_per_cycle_J == 23.74e-9 and ps.energy_per_cycle_std_J == 1.26e-9
    assert ps.pulses_per_cycle == 40
    assert ps.amplitude_range_V == (0.7, 0.995) and ps.width_range_s == (160e-9, 350e-9)
    assert "10.1063/5.0286727" in d.citation and "036124" in d.citation
    # assumptions are written down
    assert dep.g_levels_S[0] == pot.g_levels_S[-1]
    assert "2450 uS" in d.notes and "Assumed" in d.notes
    assert d.drift.kind == "reram-wan2022-aihwkit"


def test_hfs2_drift_alternatives() -> None:
    assert preset("hfs2-xhameni2025", drift="hfs2-retention").drift.kind == "hfs2-retention"
    spec = {"kind": "reram-wan2022", "spread": "total"}
    assert preset("hfs2-xhameni2025", drift=spec).drift.to_dict()["spread"] == "total"
    with pytest.raises(ConfigError, match="drift.kind"):
        preset("hfs2-xhameni2025", drift="sometimes")


def test_reram_wan2022_preset() -> None:
    d = preset("reram-wan2022")
    assert d.potentiation.g_levels_S[-1] == 40e-6 and d.depression.g_levels_S[0] == 40e-6
    # programming sigma at the top level = 1 s polynomial at x = 1, in uS for the 40 uS device
    at_top = 0.348 + 16.030 - 43.853 + 45.393 - 16.815
    assert math.isclose(d.potentiation.sigma_S[-1], at_top * 1e-6, rel_tol=1e-9)
    assert d.variability.d2d_update == 0.0 and d.drift.kind == "reram-wan2022"
    assert "Nature 608" in d.citation


def test_ideal_preset() -> None:
    d = preset("ideal")
    assert d.potentiation.levels >= 256
    assert set(d.potentiation.sigma_S) == {0.0} and set(d.depression.sigma_S) == {0.0}
    v = d.variability
    assert (v.d2d_update, v.d2d_bounds, v.d2d_offset, v.read_noise_rel) == (0.0, 0.0, 0.0, 0.0)
    assert d.drift.to_dict() == {"kind": "none"}


def test_a_preset_cannot_be_changed_behind_its_back() -> None:
    import dataclasses

    a = preset("hfs2-xhameni2025")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.drift.kind = "mutated"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.drift.beyond = "extrapolate"  # type: ignore[misc]
    assert preset("hfs2-xhameni2025").drift.kind == "reram-wan2022-aihwkit"
    assert hash(a) == hash(preset("hfs2-xhameni2025"))  # a frozen, hashable value
