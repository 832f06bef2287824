import json
import math

import pytest

from memtwin.characterization import (
    Characterization,
    characterizations_to_dict,
    read_characterizations,
    write_characterizations,
)
from memtwin.errors import MeasurementError

PHASE_KEYS = {
    "linear_range",
    "levels",
    "slope_S_per_pulse",
    "intercept_S",
    "r2",
    "sigma_mean_S",
    "bin_width_S",
    "level_means_S",
    "level_sigmas_S",
}
TOP_KEYS = {
    "bins",
    "bits",
    "sigma_mean_S",
    "symmetry",
    "on_off_ratio",
    "energy_per_cycle_J",
    "max_programming_voltage_V",
    "device",
    "cycles",
    "source",
    "potentiation",
    "depression",
}


def test_json_keys_and_round_trip(example_result):
    d = json.loads(example_result.to_json())
    assert set(d) >= TOP_KEYS
    for phase in ("potentiation", "depression"):
        assert set(d[phase]) >= PHASE_KEYS
        assert len(d[phase]["level_means_S"]) == d[phase]["levels"] == len(d[phase]["level_sigmas_S"])
    assert set(d["energy_per_cycle_J"]) >= {"mean", "std"}
    back = Characterization.from_json(example_result.to_json())
    assert back.to_dict() == example_result.to_dict()


def test_nan_is_written_as_null(example_result):
    import dataclasses

    r = dataclasses.replace(example_result, on_off_ratio=float("nan"), energy_per_cycle_J=None)
    d = json.loads(r.to_json())
    assert d["on_off_ratio"] is None and d["energy_per_cycle_J"] is None
    assert math.isnan(Characterization.from_dict(d).on_off_ratio)


def test_file_layouts_one_and_several_devices(example_result, tmp_path):
    import dataclasses

    one = write_characterizations({"x": example_result}, tmp_path / "one.json")
    assert json.loads(one.read_text())["device"] == example_result.device
    other = dataclasses.replace(example_result, device="twin")
    both = {example_result.device: example_result, "twin": other}
    assert set(characterizations_to_dict(both)["devices"]) == set(both)
    path = write_characterizations(both, tmp_path / "two.json")
    assert list(read_characterizations(path)) == list(both)
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write leaves no temporary file
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(MeasurementError):
        read_characterizations(bad)
