"""DeviceModel.from_characterization on hand-written characterizations with known answers."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest

from memtwin.devices import DeviceModel, Variability
from memtwin.errors import ConfigError


def _char(schema: bool = True) -> dict[str, Any]:
    """Fits on the 1-based pulse number, as memtwin's characterization writes them.

    Potentiation: range pulses 3..6, G = 2e-4 + 1e-4 * pulse -> levels 5, 6, 7, 8 (x 1e-4 S).
    Depression: range pulses 1..4, G = 9e-4 - 1e-4 * pulse -> levels 8, 7, 6, 5 (x 1e-4 S).
    """
    d: dict[str, Any] = {
        "device": "D7",
        "potentiation": {
            "linear_range": [3, 6],
            "levels": 4,
            "slope_S_per_pulse": 1e-4,
            "intercept_S": 2e-4,
            "r2": 0.999,
            "sigma_mean_S": 1.5e-5,
            "bin_width_S": 1e-4,
            "level_means_S": [5.1e-4, 5.9e-4, 7.05e-4, 7.95e-4],
            "level_sigmas_S": [1e-5, 2e-5, 1.5e-5, 1.5e-5],
        },
        "depression": {
            "linear_range": [1, 4],
            "levels": 4,
            "slope_S_per_pulse": -1e-4,
            "intercept_S": 9e-4,
            "r2": 0.998,
            "sigma_mean_S": 2e-5,
            "bin_width_S": 1e-4,
            "level_means_S": [8.02e-4, 6.97e-4, 6.01e-4, 4.99e-4],
            "level_sigmas_S": [2e-5, 2e-5, 2e-5, 2e-5],
        },
        "energy_per_cycle_J": {"mean": 2.0e-8, "std": 1.0e-9},
        "max_programming_voltage_V": 0.9,
    }
    if schema:
        d["schema"] = "memtwin.characterization/1"
    return d


def _close(a: tuple[float, ...], b: list[float]) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=1e-12) for x, y in zip(a, b, strict=True))


def test_levels_from_the_fit_on_pulse_numbers() -> None:
    d = DeviceModel.from_characterization(_char())
    assert _close(d.potentiation.g_levels_S, [5e-4, 6e-4, 7e-4, 8e-4])
    assert _close(d.depression.g_levels_S, [8e-4, 7e-4, 6e-4, 5e-4])
    assert d.potentiation.sigma_S == (1e-5, 2e-5, 1.5e-5, 1.5e-5)
    assert d.name == "D7"
    assert d.variability == Variability()  # the paper's 30 % baseline
    # No retention data: the paper's worst case, the same drift the CLI picks for the same file.
    assert d.drift.kind == "reram-wan2022"
    assert "worst-case ReRAM drift" in d.notes and "30 % baseline" in d.notes
    assert d.pulse_scheme.max_voltage_V == 0.9
    assert d.pulse_scheme.energy_per_cycle_J == 2.0e-8 and d.pulse_scheme.energy_per_cycle_std_J == 1.0e-9
    assert "levels_from='fit'" in d.notes


def test_auto_origin_without_schema_picks_the_one_matching_the_means() -> None:
    d = DeviceModel.from_characterization(_char(schema=False))
    assert _close(d.potentiation.g_levels_S, [5e-4, 6e-4, 7e-4, 8e-4])
    data = _char(schema=False)
    data["potentiation"]["intercept_S"] = 5e-4  # now a fit on the position in the range
    data["potentiation"]["linear_range"] = [3, 6]
    d = DeviceModel.from_characterization(data)
    assert _close(d.potentiation.g_levels_S, [5e-4, 6e-4, 7e-4, 8e-4])


def test_explicit_range_start_origin() -> None:
    d = DeviceModel.from_characterization(_char(), fit_origin="range_start")
    assert _close(d.potentiation.g_levels_S, [2e-4, 3e-4, 4e-4, 5e-4])


def test_levels_from_measured_means() -> None:
    d = DeviceModel.from_characterization(_char(), levels_from="means")
    assert d.potentiation.g_levels_S == (5.1e-4, 5.9e-4, 7.05e-4, 7.95e-4)
    assert d.depression.g_levels_S == (8.02e-4, 6.97e-4, 6.01e-4, 4.99e-4)


def test_sigma_mean_when_per_level_sigmas_are_missing() -> None:
    data = _char()
    del data["depression"]["level_sigmas_S"]
    d = DeviceModel.from_characterization(data)
    assert d.depression.sigma_S == (2e-5,) * 4


def test_json_path_object_and_device_set(tmp_path: Path) -> None:
    path = tmp_path / "characterization.json"
    path.write_text(json.dumps(_char()))
    from_path = DeviceModel.from_characterization(path, name="mine", drift="hfs2-retention")
    assert from_path.name == "mine" and from_path.drift.kind == "hfs2-retention"

    class Result:
        def to_dict(self) -> dict[str, Any]:
            return _char()

    assert DeviceModel.from_characterization(Result()) == DeviceModel.from_characterization(_char())

    other = _char()
    other["device"] = "D8"
    both = {"schema": "memtwin.characterization-set/1", "devices": {"D7": _char(), "D8": other}}
    third = _char()
    third["device"] = "D9"
    first = _char()
    first["g_min_S"], first["g_max_S"] = 5e-4, 1e-3
    other["g_min_S"], other["g_max_S"] = 5e-4, 3e-3
    third["g_min_S"], third["g_max_S"] = 5e-4, 2e-3
    trio = {"schema": "memtwin.characterization-set/1", "devices": {"D7": first, "D8": other, "D9": third}}
    median = DeviceModel.from_characterization(trio)  # ranges 0.5, 2.5, 1.5 mS: D9 is the median
    assert median.name == "D9" and "median reachable range of 3 devices" in median.notes
    with pytest.raises(ConfigError, match="'D7', 'D8'"):
        DeviceModel.from_characterization(both, device="D5")
    assert DeviceModel.from_characterization(both, device="D8").name == "D8"


def test_result_round_trips_through_toml() -> None:
    d = DeviceModel.from_characterization(_char(), variability=Variability(d2d_update=0.1, d2d_bounds=0.2))
    assert DeviceModel.from_toml_str(d.to_toml_str()) == d


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (
            lambda d: d["potentiation"].pop("slope_S_per_pulse"),
            "potentiation: missing key 'slope_S_per_pulse'",
        ),
        (lambda d: d["depression"].update(levels=1), "depression.levels = 1"),
        (
            lambda d: d["potentiation"].update(level_means_S=[1e-4, 2e-4]),
            "potentiation.level_means_S has 2 values but levels = 4",
        ),
        (lambda d: d["depression"]["level_sigmas_S"].__setitem__(1, -1.0), "depression.sigma_S[1] = -1.0"),
        (lambda d: d["potentiation"].update(intercept_S=-1e-3), "potentiation.g_levels_S[0]"),
        (lambda d: d.pop("depression"), "characterization.depression: missing"),
    ],
)
def test_bad_characterizations(edit: Any, expect: str) -> None:
    data = copy.deepcopy(_char())
    edit(data)
    with pytest.raises(ConfigError) as info:
        DeviceModel.from_characterization(data)
    assert expect in str(info.value)


def test_bad_options_and_sources(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="levels_from"):
        DeviceModel.from_characterization(_char(), levels_from="median")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="not valid JSON"):
        bad = tmp_path / "c.json"
        bad.write_text("{")
        DeviceModel.from_characterization(bad)
    with pytest.raises(ConfigError, match="cannot build a device from int"):
        DeviceModel.from_characterization(3)
    data = _char(schema=False)
    for phase in ("potentiation", "depression"):
        del data[phase]["level_means_S"]
    with pytest.raises(ConfigError, match="fit_origin"):
        DeviceModel.from_characterization(data)
