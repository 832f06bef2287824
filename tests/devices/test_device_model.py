"""DeviceModel: TOML round trip (lossless) and the errors bad configurations get."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memtwin.devices import (
    DeviceModel,
    ModeLevels,
    PulseScheme,
    Variability,
    build_drift,
    list_presets,
    preset,
)
from memtwin.errors import ConfigError

# ------------------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("name", list_presets())
def test_preset_round_trips_through_a_toml_file(name: str, tmp_path: Path) -> None:
    device = preset(name)
    path = device.to_toml(tmp_path / "sub" / f"{name}.toml")
    back = DeviceModel.from_toml(path)
    assert back == device
    assert back.to_dict() == device.to_dict()
    assert path.read_text().startswith("# memtwin device model")


def test_round_trip_keeps_floats_bit_exact() -> None:
    awkward = (0.1 + 0.2, 1e-300, 5e-324 * 3, 8.1077e-05, 1 / 3)
    device = DeviceModel(
        name="exact",
        potentiation=ModeLevels(g_levels_S=tuple(sorted(awkward)), sigma_S=(0.0, 1 / 7, 2e-5, 1e-310, 3.0)),
        depression=ModeLevels.linear(1.0, -1 / 9, 5, 1 / 11),
        drift={"kind": "log_time", "mean_per_decade": -1 / 3, "std_per_decade": 1 / 7},
        pulse_scheme=PulseScheme(max_voltage_V=0.995, amplitudes_V=(0.7, 1 / 3)),
    )
    back = DeviceModel.from_toml_str(device.to_toml_str())
    for a, b in zip(back.potentiation.g_levels_S, device.potentiation.g_levels_S, strict=True):
        assert a.hex() == b.hex()
    assert back == device


_text = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30)


@st.composite
def _mode(draw: st.DrawFn, rising: bool) -> ModeLevels:
    g = draw(
        st.lists(
            st.floats(1e-12, 1.0, allow_nan=False, allow_infinity=False), min_size=2, max_size=12, unique=True
        )
    )
    g = sorted(g, reverse=not rising)
    s = draw(st.lists(st.floats(0.0, 1e-3), min_size=len(g), max_size=len(g)))
    return ModeLevels(g_levels_S=tuple(g), sigma_S=tuple(s))


_unit = st.floats(0.0, 1.0, allow_nan=False)
_drifts = st.one_of(
    st.just({"kind": "none"}),
    st.builds(
        lambda m, s, t0: {"kind": "log_time", "mean_per_decade": m, "std_per_decade": s, "t0_s": t0},
        st.floats(-1, 1),
        _unit,
        st.floats(1e-6, 1e6),
    ),
    st.builds(lambda nu, sd: {"kind": "power_law", "nu": nu, "nu_std": sd}, st.floats(-1, 1), _unit),
    st.builds(
        lambda c, span, beyond: {"kind": "hfs2-retention", "max_change": c, "span_s": span, "beyond": beyond},
        st.floats(1e-6, 0.5),
        st.floats(1.0, 1e9),
        st.sampled_from(["hold", "extrapolate"]),
    ),
    st.builds(
        lambda g, sc, spread: {"kind": "reram-wan2022", "g_ref_S": g, "noise_scale": sc, "spread": spread},
        st.floats(1e-9, 1e-3),
        st.floats(0, 5),
        st.sampled_from(["increment", "total"]),
    ),
    st.builds(lambda strict: {"kind": "reram-wan2022-aihwkit", "strict_times": strict}, st.booleans()),
)
_opt_pos = st.one_of(st.none(), st.floats(1e-12, 1e3))


@st.composite
def _devices(draw: st.DrawFn) -> DeviceModel:
    return DeviceModel(
        name=draw(_text.filter(lambda s: s.strip() != "")),
        potentiation=draw(_mode(rising=True)),
        depression=draw(_mode(rising=False)),
        variability=Variability(
            d2d_update=draw(st.floats(0, 2)),
            d2d_bounds=draw(st.floats(0, 2)),
            d2d_offset=draw(st.floats(0, 2)),
            read_noise_rel=draw(st.floats(0, 1)),
            stuck_at_min_rate=draw(st.floats(0, 0.5)),
            stuck_at_max_rate=draw(st.floats(0, 0.5)),
        ),
        drift=draw(_drifts),
        pulse_scheme=PulseScheme(
            max_voltage_V=draw(_opt_pos),
            energy_per_cycle_J=draw(_opt_pos),
            energy_per_cycle_std_J=draw(_opt_pos),
            pulses_per_cycle=draw(st.one_of(st.none(), st.integers(1, 1000))),
            amplitudes_V=tuple(draw(st.lists(st.floats(-5, 5), max_size=5))),
            widths_s=tuple(draw(st.lists(st.floats(1e-12, 1.0), max_size=5))),
        ),
        citation=draw(st.one_of(st.just(""), _text)),
        notes=draw(st.one_of(st.just(""), _text)),
    )


@settings(max_examples=60, deadline=None)
@given(_devices())
def test_any_valid_model_round_trips_losslessly(device: DeviceModel) -> None:
    back = DeviceModel.from_toml_str(device.to_toml_str())
    assert back == device
    assert DeviceModel.from_dict(device.to_dict()) == device


def test_drift_is_stored_with_every_parameter() -> None:
    d = DeviceModel(
        name="x",
        potentiation=ModeLevels.linear(1e-6, 1e-6, 4, 0.0),
        depression=ModeLevels.linear(4e-6, -1e-6, 4, 0.0),
        drift={"kind": "power_law", "nu": 0.01},
    )
    assert d.drift.to_dict() == {"kind": "power_law", "nu": 0.01, "nu_std": 0.0, "t0_s": 1.0}


def test_integers_in_toml_are_read_as_floats() -> None:
    text = """
name = "ints"
[potentiation]
g_levels_S = [1, 2, 3]
sigma_S = [0, 0, 0]
[depression]
g_levels_S = [3, 2, 1]
sigma_S = [0, 0, 0]
[variability]
d2d_update = 0
[pulse_scheme]
max_voltage_V = 1
pulses_per_cycle = 40
"""
    d = DeviceModel.from_toml_str(text)
    assert d.potentiation.g_levels_S == (1.0, 2.0, 3.0)
    assert isinstance(d.variability.d2d_update, float) and d.variability.d2d_update == 0.0
    assert d.pulse_scheme.max_voltage_V == 1.0 and d.pulse_scheme.pulses_per_cycle == 40
    assert d.drift.to_dict() == {"kind": "none"} and d.variability.d2d_bounds == 0.3


# ---------------------------------------------------------------------------------------- errors


def _base() -> dict[str, object]:
    return preset("ideal").to_dict()


def _error(data: dict[str, object]) -> str:
    with pytest.raises(ConfigError) as info:
        DeviceModel.from_dict(data)
    return str(info.value)


def test_negative_sigma_names_key_and_value() -> None:
    data = _base()
    pot = dict(data["potentiation"])  # type: ignore[call-overload]
    sig = list(pot["sigma_S"])
    sig[2] = -1e-6
    pot["sigma_S"] = sig
    data["potentiation"] = pot
    msg = _error(data)
    assert "potentiation.sigma_S[2]" in msg and "-1e-06" in msg


@pytest.mark.parametrize("levels", [[], [5e-4]])
def test_zero_or_one_level_is_rejected(levels: list[float]) -> None:
    data = _base()
    data["depression"] = {"g_levels_S": levels, "sigma_S": [0.0] * len(levels)}
    msg = _error(data)
    assert "depression.g_levels_S" in msg and "at least 2 levels" in msg and repr(levels) in msg


def test_unknown_key_lists_valid_keys() -> None:
    data = _base()
    data["variability"] = {"d2d_update": 0.3, "d2d_updte": 0.1}
    msg = _error(data)
    assert "'d2d_updte'" in msg and "valid keys" in msg and "d2d_bounds" in msg and "variability" in msg


def test_unknown_mode_section_is_rejected() -> None:
    data = _base()
    data["set"] = data.pop("potentiation")
    msg = _error(data)
    assert "'set'" in msg and "potentiation and depression" in msg


def test_unknown_mode_name() -> None:
    with pytest.raises(ConfigError, match="unknown programming mode 'set'"):
        preset("ideal").mode("set")


def test_unknown_drift_kind_lists_known_kinds() -> None:
    data = _base()
    data["drift"] = {"kind": "pcm-forever"}
    msg = _error(data)
    assert "'pcm-forever'" in msg and "log_time" in msg and "reram-wan2022" in msg


def test_unknown_drift_parameter() -> None:
    data = _base()
    data["drift"] = {"kind": "log_time", "slope": 0.1}
    msg = _error(data)
    assert "'slope'" in msg and "mean_per_decade" in msg


@pytest.mark.parametrize(
    ("section", "key", "value", "expect"),
    [
        ("variability", "d2d_update", -0.1, "variability.d2d_update = -0.1"),
        ("variability", "d2d_bounds", "high", "variability.d2d_bounds = 'high'"),
        ("variability", "stuck_at_min_rate", 1.5, "variability.stuck_at_min_rate = 1.5"),
        ("pulse_scheme", "max_voltage_V", -1.0, "pulse_scheme.max_voltage_V = -1.0"),
        ("pulse_scheme", "pulses_per_cycle", 2.5, "pulse_scheme.pulses_per_cycle = 2.5"),
        ("pulse_scheme", "widths_s", [1e-7, -1e-7], "pulse_scheme.widths_s[1] = -1e-07"),
        ("drift", "std_per_decade", -0.2, "drift.std_per_decade = -0.2"),
    ],
)
def test_bad_values_name_key_and_value(section: str, key: str, value: object, expect: str) -> None:
    data = _base()
    table = dict(data[section])  # type: ignore[call-overload]
    if section == "drift":
        table = {"kind": "log_time"}
    table[key] = value
    data[section] = table
    assert expect in _error(data)


def test_non_monotonic_levels_and_bad_conductance() -> None:
    data = _base()
    data["potentiation"] = {"g_levels_S": [1e-6, 3e-6, 2e-6], "sigma_S": [0, 0, 0]}
    assert "monotonic" in _error(data)
    data["potentiation"] = {"g_levels_S": [0.0, 3e-6], "sigma_S": [0, 0]}
    assert "potentiation.g_levels_S[0] = 0.0" in _error(data)
    data["potentiation"] = {"g_levels_S": [1e-6, 3e-6], "sigma_S": [0]}
    assert "sigma_S has 1 values" in _error(data)


def test_missing_required_keys_and_bad_version() -> None:
    data = _base()
    del data["depression"]
    assert "missing key 'depression'" in _error(data)
    data = _base()
    data["format_version"] = 99
    assert "format_version = 99" in _error(data)
    data = _base()
    data["name"] = ""
    assert "non-empty name" in _error(data)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing.toml"):
        DeviceModel.from_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        DeviceModel.from_toml(bad)
    worse = tmp_path / "worse.toml"
    worse.write_text('name = "x"\n[potentiation]\ng_levels_S = [1e-6]\nsigma_S = [0.0]\n')
    with pytest.raises(ConfigError, match=r"worse.toml: .*missing key 'depression'"):
        DeviceModel.from_toml(worse)


def test_constructor_validates_too() -> None:
    with pytest.raises(ConfigError, match="d2d_update = -0.3"):
        Variability(d2d_update=-0.3)
    with pytest.raises(ConfigError, match="levels = 1"):
        ModeLevels.linear(1e-6, 1e-6, 1, 0.0)
    with pytest.raises(ConfigError, match="drift.kind = 'nope'"):
        DeviceModel(
            name="x",
            potentiation=ModeLevels.linear(1e-6, 1e-6, 2, 0.0),
            depression=ModeLevels.linear(2e-6, -1e-6, 2, 0.0),
            drift={"kind": "nope"},
        )


def test_key_figures_of_the_paper_device() -> None:
    k = preset("hfs2-xhameni2025").key_figures()
    pot = k["potentiation"]
    assert isinstance(pot, dict)
    assert pot["levels"] == 16 and pot["bins"] == 31
    assert math.isclose(pot["sigma_over_bin_width"], 23.7 / 81.077, rel_tol=1e-9)
    assert k["max_voltage_V"] == 0.995


def test_devices_are_hashable_and_their_drift_spec_builds() -> None:
    a, b = preset("hfs2-xhameni2025"), preset("hfs2-xhameni2025")
    assert hash(a) == hash(b) and len({a, b, preset("ideal")}) == 2
    assert build_drift(a.drift).kind == "reram-wan2022-aihwkit"
