"""``memtwin.export.aihwkit_module``: the generated module compiles, defines rpu_config, imports only
aihwkit, and holds the values computed by hand for small devices (see export_helpers.py)."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest
from export_helpers import curved_device, linear_device, load_module

import memtwin
from memtwin import __version__
from memtwin.crossbar import Periphery
from memtwin.devices import ModeLevels, Variability, preset
from memtwin.export import aihwkit_module


def _imported_modules(text: str) -> list[str]:
    return [
        str(node.module) if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]


def test_module_compiles_defines_rpu_config_and_imports_only_aihwkit() -> None:
    for kind in ("pulsed", "inference"):
        text = aihwkit_module(linear_device(), kind=kind)
        namespace = load_module(text)
        assert callable(namespace["rpu_config"]) and namespace["KIND"] == kind
        imported = _imported_modules(text)
        assert imported and all(name.split(".")[0] == "aihwkit" for name in imported)


def test_memtwin_never_imports_aihwkit() -> None:
    for source in Path(memtwin.__file__).parent.rglob("*.py"):
        names = _imported_modules(source.read_text(encoding="utf-8"))
        assert not [n for n in names if n.split(".")[0] == "aihwkit"], source


def test_pulsed_values_of_a_linear_device_by_hand() -> None:
    """span = 20 - 10 µS; Δp = 2 µS, Δd = 1.6 µS; σ/Δ = 0.5/2 and 0.4/1.6, written by 5 pulses: per
    pulse σ/Δ/√5."""
    namespace = load_module(aihwkit_module(linear_device()))
    fields = namespace["DEVICE_FIELDS"]
    assert namespace["DEVICE_CLASS"] == "ConstantStepDevice"
    assert fields["dw_min"] == pytest.approx(2.0 / 10.0)
    assert fields["up_down"] == pytest.approx(1.0 - 1.6 / 2.0)
    # AIHWKIT's steps: up = dw_min·(1 + min(up_down, 0)), down = dw_min·(1 - max(up_down, 0)).
    assert fields["dw_min"] * (1 - fields["up_down"]) == pytest.approx(1.6 / 10.0)
    assert fields["dw_min_std"] == pytest.approx(0.25 / 5**0.5)
    assert (fields["dw_min_dtod"], fields["w_max_dtod"], fields["w_min_dtod"]) == (0.2, 0.1, 0.1)
    assert (fields["w_min"], fields["w_max"], fields["up_down_dtod"]) == (-1.0, 1.0, 0.0)
    assert fields["dw_min_dtod_log_normal"] is False


def test_depression_larger_than_potentiation_gives_a_negative_up_down() -> None:
    """Depression 20 → 7.5 µS in steps of 2.5 µS: span 12.5 µS, the larger step (2.5 µS) is dw_min."""
    device = replace(linear_device(), depression=ModeLevels.linear(20e-6, -2.5e-6, 6, 0.4e-6))
    fields = load_module(aihwkit_module(device))["DEVICE_FIELDS"]
    span = 20e-6 - 7.5e-6
    assert fields["dw_min"] == pytest.approx(2.5e-6 / span)
    assert fields["up_down"] == pytest.approx(2.0 / 2.5 - 1.0)
    assert fields["dw_min"] * (1 + fields["up_down"]) == pytest.approx(2e-6 / span)


def test_non_linear_levels_give_a_piecewise_device_by_hand() -> None:
    """7 nodes at w = -1, -2/3, -1/3, 0, 1/3, 2/3, 1 → the moving device at 7, 5, 3, 1, 3, 5, 7 µS;
    potentiation steps 1, 2, 3 µS sit at 1.5, 3, 5.5 µS, depression steps 1, 2, 3 µS at 6.5, 5, 2.5 µS;
    mean step 2 µS. Up: depression of G⁻ where w < 0 (at 7, 5, 3 µS: 1, 2, 2.8 µS), potentiation of G⁺
    from w = 0 (at 1, 3, 5, 7 µS: 1, 2, 2.8, 3 µS); down mirrors it."""
    namespace = load_module(aihwkit_module(curved_device()))
    fields = namespace["DEVICE_FIELDS"]
    assert namespace["DEVICE_CLASS"] == "PiecewiseStepDevice"
    assert fields["dw_min"] == pytest.approx(2.0 / 6.0) and fields["up_down"] == pytest.approx(0.0)
    assert fields["piecewise_up"] == pytest.approx([0.5, 1.0, 1.4, 0.5, 1.0, 1.4, 1.5])
    assert fields["piecewise_down"] == pytest.approx([1.5, 1.4, 1.0, 0.5, 1.4, 1.0, 0.5])


def test_periphery_converters_ir_drop_and_tiles() -> None:
    paper = load_module(aihwkit_module(preset("hfs2-xhameni2025")))
    assert paper["FORWARD_FIELDS"]["inp_res"] == 1 / 254 and paper["FORWARD_FIELDS"]["out_res"] == 1 / 254
    assert paper["FORWARD_FIELDS"]["ir_drop_g_ratio"] == pytest.approx(1 / (0.35 * 5e-6))
    assert paper["MAPPING_FIELDS"] == {
        "weight_scaling_omega": 1.0,
        "weight_scaling_columnwise": True,
        "max_input_size": 512,
        "max_output_size": 512,
    }
    ideal = load_module(aihwkit_module(preset("hfs2-xhameni2025"), Periphery.ideal()))
    assert ideal["FORWARD_FIELDS"] == {"inp_res": -1.0, "out_res": -1.0, "out_bound": 0.0, "out_noise": 0.0,
                                       "ir_drop": 0.0}  # fmt: skip
    assert ideal["MAPPING_FIELDS"]["max_input_size"] == 0
    six_bit = load_module(aihwkit_module(preset("ideal"), replace(Periphery.ideal(), dac_bits=6)))
    assert six_bit["FORWARD_FIELDS"]["inp_res"] == 1 / 62  # 2^5 - 1 = 31 positive codes


@pytest.mark.parametrize(("drift", "g_max"), [(None, 25.0), ("reram-wan2022", 40.0)])
def test_inference_wan2022_noise_model_uses_the_drift_scale(drift: str | None, g_max: float) -> None:
    device = preset("hfs2-xhameni2025") if drift is None else preset("hfs2-xhameni2025", drift=drift)
    namespace = load_module(aihwkit_module(device, kind="inference"))
    assert namespace["NOISE_MODEL_CLASS"] == "ReRamWan2022NoiseModel"
    assert namespace["NOISE_MODEL_FIELDS"] == {"g_max": g_max, "noise_scale": 1.0}
    assert namespace["DRIFT_COMPENSATION"] is True


def test_inference_without_drift_carries_the_programming_noise() -> None:
    """Mean σ (0.5 + 0.4)/2 µS over the 10 µS span, on AIHWKIT's 25 µS scale: 1.125 µS."""
    periphery = replace(Periphery.paper(), drift_compensation=False)
    namespace = load_module(aihwkit_module(linear_device(), periphery, kind="inference"))
    noise = namespace["NOISE_MODEL_FIELDS"]
    assert namespace["NOISE_MODEL_CLASS"] == "StateIndependentNoiseModel"
    assert noise["prog_coeff"] == pytest.approx([1.125, 0.0, 0.0]) and noise["g_max"] == 25.0
    assert (noise["drift_nu_mean"], noise["drift_nu_std"], noise["read_noise_scale"]) == (0.0, 0.0, 0.0)
    assert namespace["DRIFT_COMPENSATION"] is False


def test_power_law_drift_maps_to_aihwkit_power_law() -> None:
    device = replace(linear_device(), drift={"kind": "power_law", "nu": 0.05, "nu_std": 0.01, "t0_s": 2.0})
    noise = load_module(aihwkit_module(device, kind="inference"))["NOISE_MODEL_FIELDS"]
    assert (noise["drift_nu_mean"], noise["drift_nu_std"], noise["t_0"]) == (0.05, 0.01, 2.0)


def test_header_names_version_device_source_and_what_is_lost() -> None:
    device = replace(linear_device(), variability=Variability(d2d_offset=0.05, stuck_at_max_rate=0.01),
                     drift="hfs2-retention")  # fmt: skip
    text = aihwkit_module(device)
    header = text[: text.index('"""')]
    assert all(line.startswith("#") for line in header.splitlines())
    for expected in (f"memtwin {__version__}", "'hand-linear'", "hand-made for the export tests",
                     "dw_min = 0.2: max(Δp, Δd) / span", "d2d_offset = 0.05", "stuck-at faults",
                     "Not represented in AIHWKIT"):  # fmt: skip
        assert expected in header, expected
    assert "drift 'hfs2-retention'" in aihwkit_module(device, kind="inference")
