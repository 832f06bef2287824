"""Device-to-device variation measured over the devices of one file."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from memtwin.characterization import (
    characterize_devices,
    read_characterizations,
    read_device_to_device,
    representative,
    write_characterizations,
)
from memtwin.devices import DeviceModel
from memtwin.errors import ConfigError, MeasurementError, MeasurementWarning
from memtwin.measurements.table import PulseTable


def _array(slopes: list[float], dead: int = 0, cycles: int = 5) -> PulseTable:
    """Devices with exact linear ramps of 16 pulses (tiny noise), a known slope each; ``dead`` devices
    that never switch are appended."""
    rng = np.random.default_rng(0)
    rows = []
    for k, slope in enumerate(slopes):
        up = 1e-4 + slope * np.arange(16)
        for c in range(1, cycles + 1):
            for phase, ramp in (("potentiation", up), ("depression", up[::-1])):
                noisy = ramp + 1e-9 * rng.standard_normal(16)
                rows += [
                    {"device": f"D{k}", "cycle": c, "phase": phase, "pulse": p + 1, "conductance_S": g}
                    for p, g in enumerate(noisy)
                ]
    for k in range(dead):
        for c in range(1, cycles + 1):
            for phase in ("potentiation", "depression"):
                rows += [
                    {"device": f"dead{k}", "cycle": c, "phase": phase, "pulse": p + 1,
                     "conductance_S": 1e-4 + 1e-7 * rng.standard_normal()}
                    for p in range(16)
                ]  # fmt: skip
    return PulseTable.from_frame(pd.DataFrame(rows), "array.csv")


def test_spread_of_slopes_and_ranges_by_hand(tmp_path):
    slopes = [4e-6, 5e-6, 6e-6]  # mean 5e-6, sample std 1e-6 → 20 %
    found = characterize_devices(_array(slopes))
    spread = found.device_to_device
    assert spread is not None and spread.devices == 3
    assert spread.slope_rel_std == pytest.approx(0.2, rel=1e-3)
    # each device spans 15 steps, so the range spreads exactly like the slope
    assert spread.range_rel_std == pytest.approx(0.2, rel=1e-3)
    assert set(spread.slope_rel_std_by_phase) == {"potentiation", "depression"}
    path = write_characterizations(found.results, tmp_path / "characterization.json", found.skipped)
    data = json.loads(path.read_text())
    assert data["device_to_device"]["devices"] == 3
    assert read_device_to_device(path) == spread
    assert list(read_characterizations(path)) == ["D0", "D1", "D2"]
    assert representative(found.results) == "D1"


def test_one_device_has_no_spread(tmp_path):
    found = characterize_devices(_array([5e-6]))
    assert found.device_to_device is None
    path = write_characterizations(found.results, tmp_path / "c.json")
    assert json.loads(path.read_text())["device_to_device"] is None


def test_dead_devices_are_skipped_and_listed():
    with pytest.warns(MeasurementWarning, match="2 of 5 devices skipped"):
        found = characterize_devices(_array([4e-6, 5e-6, 6e-6], dead=2))
    assert list(found.results) == ["D0", "D1", "D2"]
    assert set(found.skipped) == {"dead0", "dead1"}
    with pytest.raises(MeasurementError, match="none of the 2 devices"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        characterize_devices(_array([], dead=2))


def test_device_model_uses_the_measured_spread_when_asked(tmp_path):
    found = characterize_devices(_array([4e-6, 5e-6, 6e-6]))
    path = write_characterizations(found.results, tmp_path / "characterization.json")
    assumed = DeviceModel.from_characterization(path)
    assert assumed.variability.d2d_update == 0.3 and assumed.name == "D1"
    measured = DeviceModel.from_characterization(path, d2d="measured")
    assert measured.variability.d2d_update == pytest.approx(0.2, rel=1e-3)
    assert measured.variability.d2d_bounds == pytest.approx(0.2, rel=1e-3)
    assert "measured over 3 devices" in measured.notes
    assert measured.measured is not None and measured.measured.d2d_devices == 3
    one = write_characterizations(characterize_devices(_array([5e-6])).results, tmp_path / "one.json")
    with pytest.raises(ConfigError, match="--d2d measured"):
        DeviceModel.from_characterization(one, d2d="measured")
