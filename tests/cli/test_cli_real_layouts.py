"""``memtwin characterize`` as a new user runs it on the kinds of files other labs publish.

Each fixture is generated here with known parameters (step, σ, read voltage, device spread); the
expected figures are computed in the test from those parameters, not by memtwin.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from typer.testing import CliRunner

from memtwin.cli.app import app
from memtwin.errors import MeasurementError

runner = CliRunner()


def _characterize(*args: str) -> tuple[dict, str]:
    result = runner.invoke(app, ["characterize", *args, "--json", "--no-figures"])
    assert result.exit_code == 0, (result.stderr, result.exception)
    return json.loads(result.stdout), result.stderr


def _wide_currents(path: Path, ramps: np.ndarray) -> Path:
    """A wide CSV of read currents, one column per cycle, unitless headers, ragged (last cycle short)."""
    header = ",".join(f"{k + 1}" for k in range(ramps.shape[0]))
    lines = [header]
    for i in range(ramps.shape[1]):
        cells = [
            f"{v:.6e}" if not (k == ramps.shape[0] - 1 and i >= ramps.shape[1] - 5) else ""
            for k, v in enumerate(ramps[:, i])
        ]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fine_step_currents_in_wide_set_and_reset_files(tmp_path: Path) -> None:
    # A metal-oxide-like device: 400 fine pulses per ramp, read currents at 0.1 V, unitless headers.
    rng = np.random.default_rng(0)
    v_read, step_g, sigma_g, pulses, cycles = 0.1, 0.05e-6, 0.4e-6, 400, 12
    g_up = 20e-6 + step_g * np.arange(pulses)
    set_i = v_read * (g_up + sigma_g * rng.standard_normal((cycles, pulses)))
    reset_i = v_read * (g_up[::-1] + sigma_g * rng.standard_normal((cycles, pulses)))
    files = [
        _wide_currents(tmp_path / "dev_set.csv", set_i),
        _wide_currents(tmp_path / "dev_reset.csv", reset_i),
    ]
    # Without --quantity or --read-voltage the values would be taken as conductances: 10x off.
    data, err = _characterize(*map(str, files), "--read-voltage", "0.1", "--out", str(tmp_path / "o"))
    assert "read current" in err and "--quantity" in err  # says what it assumed and how to override
    p = data["potentiation"]
    assert p["slope_S_per_pulse"] == pytest.approx(step_g, rel=0.05)  # G = I / 0.1 V, not I
    assert data["g_min_S"] == pytest.approx(20e-6, rel=0.1)
    # distinguishable states: levels > 2σ apart → p = floor(2·0.4 / 0.05) + 1 = 17 (18 with a noisy σ)
    assert p["pulses_per_level"] in (17, 18, 19)
    assert p["levels"] == (p["linear_range"][1] - p["linear_range"][0]) // p["pulses_per_level"] + 1
    span_count = (pulses - 1) * step_g / (2 * sigma_g) + 1  # 25.9: span / (k σ), as device papers count
    assert 0.8 * span_count <= p["levels"] <= span_count
    assert data["bits"] == pytest.approx(math.log2(data["bins"]))
    # A read voltage while the values are conductances is refused, not ignored.
    bad = runner.invoke(
        app, ["characterize", *map(str, files), "--read-voltage", "0.1", "--quantity", "conductance"]
    )
    assert bad.exit_code != 0 and isinstance(bad.exception, MeasurementError)
    assert "--read-voltage" in str(bad.exception)


def _signed_sheet(path: Path, currents: np.ndarray, v_read: float, amplitudes: tuple[float, float]) -> Path:
    """Headerless XLSX: signed pulse voltage, constant read voltage, then one read-current column per device."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    half = currents.shape[1] // 2
    for i in range(currents.shape[1]):
        pulse_v = amplitudes[0] if i < half else -amplitudes[1]
        ws.append([pulse_v, v_read, *[float(c) for c in currents[:, i]]])
    book.save(path)
    return path


def test_headerless_sheet_of_many_one_cycle_devices_measures_their_spread(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    devices, pulses, v_read = 12, 60, 0.5
    slopes = 4e-12 * (1 + 0.2 * rng.standard_normal(devices))  # 20 % device-to-device spread of the step
    g = np.empty((devices, 2 * pulses))
    for k, s in enumerate(slopes):
        up = 1e-10 + s * np.arange(pulses)
        g[k, :pulses] = up + 1e-12 * rng.standard_normal(pulses)
        g[k, pulses:] = up[::-1] + 1e-12 * rng.standard_normal(pulses)
    path = _signed_sheet(tmp_path / "array.xlsx", v_read * g, v_read, (4.0, 2.0))  # sub-nA currents
    data, err = _characterize(str(path), "--out", str(tmp_path / "o"))
    # the constant read-voltage column is a read voltage, never a device
    assert "column B read voltage (constant 0.5 V)" in err and "12 devices" in err
    assert set(data["devices"]) == {f"column {chr(ord('C') + k)}" for k in range(devices)}
    one = data["devices"]["column C"]
    assert one["potentiation"]["sigma_source"] == "fit_residuals"  # one cycle: σ from the residuals
    assert one["potentiation"]["slope_S_per_pulse"] == pytest.approx(slopes[0], rel=0.05)
    spread = data["device_to_device"]
    expected = float(np.std(slopes, ddof=1) / np.mean(slopes))
    assert spread["devices"] == devices
    assert spread["slope_rel_std_by_phase"]["potentiation"] == pytest.approx(expected, rel=0.15)
    # each span is 59 steps of its own slope: the range spreads like the slope
    assert spread["range_rel_std"] == pytest.approx(expected, rel=0.15)
    # a device picked by letter
    picked, _ = _characterize(str(path), "--device", "E", "--out", str(tmp_path / "e"))
    assert picked["device"] == "column E" and picked["device_to_device"] is None


def test_normalized_up_down_pair_needs_a_conductance_range(tmp_path: Path) -> None:
    # AIHWKIT-style two-column file: up and down responses, normalized to about [-1, 1], no header.
    rng = np.random.default_rng(2)
    n = 300
    up = np.linspace(-0.9, 0.9, n) + 0.02 * rng.standard_normal(n)
    down = np.linspace(0.9, -0.9, n) + 0.02 * rng.standard_normal(n)
    path = tmp_path / "updown.csv"
    path.write_text("\n".join(f"{a:.5f},{b:.5f}" for a, b in zip(up, down, strict=True)) + "\n")
    refused = runner.invoke(app, ["characterize", str(path), "--no-figures"])
    assert isinstance(refused.exception, MeasurementError) and "--g-range" in str(refused.exception)
    data, err = _characterize(str(path), "--g-range", "1u,100u", "--out", str(tmp_path / "o"))
    assert "up/down" in err
    lo, hi = min(up.min(), down.min()), max(up.max(), down.max())
    scale = 99e-6 / (hi - lo)  # the whole span of values onto 1..100 µS
    assert data["potentiation"]["slope_S_per_pulse"] == pytest.approx(1.8 / (n - 1) * scale, rel=0.03)
    # scale-free figures do not depend on the range chosen
    other, _ = _characterize(str(path), "--g-range", "2u,200u", "--out", str(tmp_path / "o2"))
    assert other["bins"] == data["bins"] and other["symmetry"] == pytest.approx(data["symmetry"])


def test_many_devices_print_one_overview_and_the_spread(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    g = np.empty((6, 80))
    for k in range(6):
        up = 1e-6 + 2e-8 * (1 + 0.1 * k) * np.arange(40)
        g[k] = np.concatenate([up, up[::-1]]) + 2e-9 * rng.standard_normal(80)
    path = _signed_sheet(tmp_path / "six.xlsx", 0.2 * g, 0.2, (1.0, 1.0))
    result = runner.invoke(app, ["characterize", str(path), "--out", str(tmp_path / "o"), "--no-figures"])
    assert result.exit_code == 0, result.stdout
    assert "6 devices" in result.stdout and "device-to-device variation over 6 devices" in result.stdout
