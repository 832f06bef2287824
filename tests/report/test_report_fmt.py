"""The report's number formatting: SI in, µS / nJ / V / % / durations out, never an exception."""

from __future__ import annotations

import math

import pytest

from memtwin.report import fmt


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (0.25, "250 ms"),
        (1.0, "1 s"),
        (90, "90 s"),
        (60, "1 min"),
        (3600.0, "1 h"),
        (7200, "2 h"),
        (86400.0, "1 day"),
        (604800.0, "1 week"),
        (2592000.0, "30 days"),
        (31536000.0, "1 year"),
        (1.5 * 31536000, "1.5 years"),
        (5000, "1.39 h"),
        (None, "—"),
        (math.nan, "—"),
        ("soon", "—"),
    ],
)
def test_duration(seconds: object, text: str) -> None:
    assert fmt.duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.84, "0.84 s"), (31.25, "31.2 s"), (540, "9 min 00 s"), (7385, "2 h 03 min")]
)
def test_elapsed(seconds: float, text: str) -> None:
    assert fmt.elapsed(seconds) == text


def test_accuracy_and_loss() -> None:
    assert fmt.percent(0.9807) == "98.07 %"
    assert fmt.mean_std_percent(0.98, 0.0005) == "98.00 ± 0.05 %"
    assert fmt.mean_std_percent(0.98, None) == "98.00 %"
    assert fmt.mean_std_percent(None, 0.1) == "—"
    assert fmt.loss_points(0.9807, 0.98) == "0.07"
    assert fmt.loss_points(0.98, 0.9812) == "−0.12"  # analog better: a negative loss, typographic minus
    assert fmt.loss_points(0.98, 0.98 + 1e-9) == "0.00"  # never "−0.00"
    assert fmt.loss_points(None, 0.98) == "—"


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("bin_width_S", 81.077e-6, "81.08 µS"),
        ("bin_width_S", 1.2e-10, "120 pS"),  # a sub-nS device must not read 0.000 µS
        ("slope_S_per_pulse", -80.52e-6, "-80.52 µS/pulse"),
        ("energy_per_cycle_J", {"mean": 23.74e-9, "std": 1.26e-9}, "23.74 ± 1.26 nJ"),
        ("max_programming_voltage_V", 0.995, "0.995"),
        ("time_s", 86400, "1 day"),
        ("hwat_s", 95.0, "1 min 35 s"),
        ("accuracy_mean", 0.9712, "97.12"),
        ("levels", 16, "16"),
        ("ratio", 1.54321, "1.543"),
        ("flag", True, "yes"),
        ("name", "hfs2", "hfs2"),
        ("values", [0.1, 0.2], "0.1, 0.2"),
        ("nested", {"a": [1, 2]}, '{"a": [1, 2]}'),
        ("missing", None, "—"),
        ("nan", math.nan, "—"),
    ],
)
def test_value_by_key_suffix(key: str, value: object, text: str) -> None:
    assert fmt.value(key, value) == text


def test_labels_and_units() -> None:
    assert fmt.label("max_programming_voltage_V") == "max programming voltage (V)"
    assert fmt.label("energy_per_cycle_J") == "energy per cycle"  # each cell carries its prefixed unit
    assert fmt.label("accuracy_mean") == "accuracy mean (%)"
    assert fmt.with_unit("g_ref_S", 25e-6) == "25 µS"
    assert fmt.with_unit("beyond", "hold") == "hold"
    assert fmt.compact_json("x" * 500, limit=10).endswith("…")
