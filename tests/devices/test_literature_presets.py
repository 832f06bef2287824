"""Literature presets carry their sources' numbers; the reported-accuracy table is complete.

Expected values are typed in from the sources (NeuroSim V3.0 manual Table II, AIHWKIT presets, CrossSim's
RRAM_Milo, the HfS2 paper) or computed by hand, not from the module under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from memtwin.devices import DeviceModel, list_presets, preset
from memtwin.devices.literature import (
    LITERATURE_GAPS,
    LITERATURE_PRESETS,
    LITERATURE_RESULTS,
    NONIDEALITIES,
    neurosim_levels,
    pulsed_response,
)

NAMES = sorted(LITERATURE_PRESETS)


def _steps(levels: tuple[float, ...]) -> list[float]:
    return [b - a for a, b in zip(levels, levels[1:], strict=False)]


@pytest.mark.parametrize("name", NAMES)
def test_preset_builds_validates_and_round_trips(name: str) -> None:
    assert name in list_presets()
    d = preset(name)
    assert isinstance(d, DeviceModel) and d.name == name
    assert d.citation.strip() and "Assumed" in d.notes and "Published" in d.notes
    assert DeviceModel.from_toml_str(d.to_toml_str()) == d
    assert preset(name) == d  # deterministic
    figures = d.key_figures()
    assert figures["on_off_ratio"] > 1
    # potentiation rises from the bottom, depression falls from the top
    assert d.potentiation.g_levels_S[0] < d.potentiation.g_levels_S[-1]
    assert d.depression.g_levels_S[0] > d.depression.g_levels_S[-1]


def test_core_presets_are_untouched() -> None:
    assert {"hfs2-xhameni2025", "reram-wan2022", "ideal"} <= set(list_presets())
    assert not {"hfs2-xhameni2025", "reram-wan2022", "ideal"} & set(LITERATURE_PRESETS)


# --------------------------------------------------------------------------------------- NeuroSim
def test_ag_asi_has_the_neurosim_table_numbers() -> None:
    d = preset("ag-asi-neurosim")
    pot, dep = d.potentiation, d.depression
    assert pot.levels == 97 and dep.levels == 100
    g_max, g_min = 1 / 26e6, 1 / 26e6 / 12.5
    assert math.isclose(max(pot.g_levels_S), g_max, rel_tol=1e-9)
    assert math.isclose(min(pot.g_levels_S), g_min, rel_tol=1e-9)
    assert math.isclose(d.key_figures()["on_off_ratio"], 12.5, rel_tol=1e-9)
    # NL 2.40 -> normalized A 0.4992: halfway in pulses is 73.1 % of the way in conductance (by hand:
    # (1 - e^-1.0016) / (1 - e^-2.0032) = 0.6327 / 0.8651)
    assert math.isclose((pot.g_levels_S[48] - g_min) / (g_max - g_min), 0.7314, abs_tol=5e-4)
    # concave potentiation, steep start of depression
    assert _steps(pot.g_levels_S)[0] > 5 * _steps(pot.g_levels_S)[-1]
    assert abs(_steps(dep.g_levels_S)[0]) > 5 * abs(_steps(dep.g_levels_S)[-1])
    # cycle-to-cycle 3.5 % of the range per update, growing with sqrt(pulses) (NeuroSim's model)
    assert pot.sigma_S[0] == 0
    assert math.isclose(pot.sigma_S[1], 0.035 * (g_max - g_min), rel_tol=1e-9)
    assert math.isclose(pot.sigma_S[4], 2 * 0.035 * (g_max - g_min), rel_tol=1e-9)
    ps = d.pulse_scheme
    assert ps.max_voltage_V == 3.2 and ps.amplitude_range_V == (2.8, 3.2)
    assert ps.width_range_s == (300e-6, 300e-6)
    assert d.variability.d2d_update == 0.3  # assumed: the paper's baseline
    assert "Nano Lett. 10" in d.citation


@pytest.mark.parametrize(
    ("name", "levels", "r_on", "on_off", "v_max", "c2c"),
    [
        ("taox-hfox-neurosim", 128, 100e3, 10.0, 1.6, 0.037),
        ("pcmo-neurosim", 50, 23e6, 6.84, 2.0, 0.01),
        ("alox-hfo2-neurosim", 40, 16.9e3, 4.43, 1.0, 0.05),
        ("epiram-neurosim", 64, 81e3, 50.2, 5.0, 0.02),
    ],
)
def test_neurosim_devices(
    name: str, levels: int, r_on: float, on_off: float, v_max: float, c2c: float
) -> None:
    d = preset(name)
    assert d.potentiation.levels == levels == d.depression.levels
    assert math.isclose(d.potentiation.g_levels_S[-1], 1 / r_on, rel_tol=1e-9)
    assert math.isclose(d.key_figures()["on_off_ratio"], on_off, rel_tol=1e-9)
    assert d.pulse_scheme.max_voltage_V == v_max
    span = 1 / r_on - 1 / r_on / on_off
    assert math.isclose(d.potentiation.sigma_S[1], c2c * span, rel_tol=1e-9)


def test_near_zero_nonlinearity_is_nearly_linear_and_opposite_labels_are_symmetric() -> None:
    taox = preset("taox-hfox-neurosim").potentiation.g_levels_S  # NL 0.04
    steps = _steps(taox)
    assert max(steps) / min(steps) < 1.05
    epi = preset("epiram-neurosim")  # NL +0.5 / -0.5: depression mirrors potentiation
    g_min, g_max = epi.potentiation.g_levels_S[0], epi.potentiation.g_levels_S[-1]
    for p, q in zip(epi.potentiation.g_levels_S, epi.depression.g_levels_S, strict=True):
        assert math.isclose(p - g_min, g_max - q, rel_tol=1e-9, abs_tol=1e-18)


def test_neurosim_levels_endpoints() -> None:
    g = neurosim_levels(5, 0.5, 1e-6, 11e-6)
    assert g[0] == 1e-6 and math.isclose(g[-1], 11e-6)
    d = neurosim_levels(5, -0.5, 1e-6, 11e-6, depression=True)
    assert math.isclose(d[0], 11e-6) and math.isclose(d[-1], 1e-6)


# ---------------------------------------------------------------------------------------- AIHWKIT
def test_reram_sb_follows_the_soft_bounds_curve() -> None:
    d = preset("reram-sb-aihwkit")
    pot = d.potentiation
    assert pot.levels == 1001  # (1.25 + 0.75) / 0.002 pulses
    # soft bounds from w_min: w_n = w_max - (w_max - w_min) (1 - dw/w_max)^n
    w_1000 = 1.25 - 2.0 * (1 - 0.002 / 1.25) ** 1000
    g_1000 = 1e-6 + (w_1000 + 0.75) / 2.0 * 24e-6
    assert math.isclose(pot.g_levels_S[-1], g_1000, rel_tol=1e-9)
    # level 0 carries only the write noise: 56 dw_min = 0.112 weight units = 1.344 uS
    assert math.isclose(pot.sigma_S[0], 0.112 * 24e-6 / 2.0, rel_tol=1e-9)
    assert d.variability.d2d_update == 0.3
    assert math.isclose(d.variability.d2d_bounds, 0.15)  # 0.3 absolute / weight range 2.0
    assert "s41467-018-04485-1" in d.citation


def test_measured_reram_arrays() -> None:
    om = preset("reram-array-om-aihwkit")
    assert om.potentiation.levels == 22  # round(2 / 0.0949) + 1
    assert om.variability.d2d_update == 0.7829
    hfo2 = preset("reram-array-hfo2-aihwkit")
    assert hfo2.potentiation.levels == 5  # round(2 / 0.4622) + 1
    assert "10019569" in hfo2.citation


def test_ecram_and_capacitor_stop_at_the_hard_bound() -> None:
    ecram = preset("ecram-aihwkit")
    cap = preset("capacitor-aihwkit")
    for d in (ecram, cap):
        assert d.potentiation.g_levels_S[-1] < 25e-6 and d.depression.g_levels_S[-1] > 1e-6
    # capacitor: step 0.005 (1 - 0.05 w) over [-1, 1] takes ~400 pulses
    assert 395 <= cap.potentiation.levels <= 405
    assert ecram.variability.d2d_update == 0.1


@pytest.mark.parametrize("mult_noise", [True, False])
def test_pulsed_response_variance_matches_monte_carlo(mult_noise: bool) -> None:
    means, variances = pulsed_response(
        start=-0.8,
        direction=1,
        dw_min=0.02,
        slope=-0.3,
        dw_min_std=0.5,
        mult_noise=mult_noise,
        bound=1.0,
        max_pulses=40,
    )
    rng = np.random.default_rng(0)
    w = np.full(40_000, -0.8)
    for _ in range(40):
        xi = rng.standard_normal(w.shape)
        step = 0.02 * (1 - 0.3 * w)
        w = w + (step * (1 + 0.5 * xi) if mult_noise else step + 0.02 * 0.5 * xi)
    n = w.size
    assert abs(w.mean() - means[-1]) < 4 * math.sqrt(variances[-1] / n)  # 4 standard errors
    assert math.isclose(w.var(), variances[-1], rel_tol=4 * math.sqrt(2 / n))


# --------------------------------------------------------------------------------- CrossSim, Yao
def test_rram_milo_levels_are_distinguishable() -> None:
    d = preset("rram-milo2021-crosssim")
    pot = d.potentiation
    assert pot.g_levels_S[0] == 50e-6 and math.isclose(pot.g_levels_S[-1], 225e-6)
    sigma_at_50 = (-0.009107 * 50 + 4.782321) * 1e-6  # CrossSim's fit, by hand: 4.327 uS
    assert math.isclose(pot.sigma_S[0], sigma_at_50, rel_tol=1e-9)
    assert all(s > 2 * sigma_at_50 for s in _steps(pot.g_levels_S))
    assert pot.levels == 21  # floor(175 / 8.654) + 1
    assert d.variability.d2d_update == 0.0


def test_yao_preset() -> None:
    d = preset("taox-hfox-yao2020")
    assert d.potentiation.levels == 8  # 15 signed weight levels on a differential pair
    assert d.pulse_scheme.width_range_s == (50e-9, 50e-9)
    assert d.pulse_scheme.max_voltage_V is None  # not found: stays unset
    assert "10.1038/s41586-020-1942-4" in d.citation


# ------------------------------------------------------------------------------ reported results
def test_literature_results_are_complete() -> None:
    keys = [r.key for r in LITERATURE_RESULTS]
    assert len(keys) == len(set(keys))
    presets = set(list_presets())
    for r in LITERATURE_RESULTS:
        for text in (r.key, r.work, r.device, r.network, r.toolkit, r.citation, r.source):
            assert text.strip(), r.key
        assert r.task in ("mnist", "cifar10")
        assert r.evaluation in ("hardware", "simulation")
        assert 0 < r.analog_accuracy_pct <= r.digital_accuracy_pct <= 100
        assert r.nonidealities and set(r.nonidealities) <= set(NONIDEALITIES)
        assert r.preset is None or r.preset in presets
        if r.max_programming_voltage_V is None:
            assert "not found" in r.notes
        else:
            assert r.max_programming_voltage_V > 0


def test_literature_results_spot_checks() -> None:
    rows = {r.key: r for r in LITERATURE_RESULTS}
    assert math.isclose(rows["xhameni2025-mnist"].accuracy_loss_pct, 0.07)  # "only 0.07% lower"
    assert math.isclose(rows["xhameni2025-cifar10"].accuracy_loss_pct, 0.71)  # "<0.9%"
    assert rows["xhameni2025-mnist"].max_programming_voltage_V == 0.995
    yao = rows["yao2020-mnist"]
    assert (yao.digital_accuracy_pct, yao.analog_accuracy_pct) == (97.99, 96.19)
    assert yao.evaluation == "hardware"
    assert math.isclose(rows["yao2020-cifar10"].accuracy_loss_pct, 1.49)


def test_gaps_are_recorded_for_the_works_not_found() -> None:
    assert {"lu2021-sns", "nguyen2021", "pan2020"} <= set(LITERATURE_GAPS)
    for text in LITERATURE_GAPS.values():
        assert "Not found" in text or "not found" in text
