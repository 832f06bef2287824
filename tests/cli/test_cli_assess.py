"""``memtwin assess`` on real-style files: every characterize flag, several files, the measured spread,
no run folder before the inputs are valid, and ``failed`` when a run stops on an error."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from typer.testing import CliRunner

from memtwin.cli.app import app
from memtwin.devices import DeviceModel
from memtwin.errors import DataError, MeasurementError

runner = CliRunner()


def _array_sheet(path: Path, devices: int = 5, seed: int = 0) -> tuple[Path, np.ndarray]:
    """Headerless XLSX: signed pulse voltage, read voltage 0.2 V, read currents of ``devices`` devices,
    two cycles each; steps spread by 15 % over the devices."""
    rng = np.random.default_rng(seed)
    steps = 2e-7 * (1 + 0.15 * rng.standard_normal(devices))
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for _cycle in range(2):
        for phase, v in (("up", 1.0), ("down", -1.2)):
            for i in range(20):
                n = i if phase == "up" else 19 - i
                g = 5e-6 + steps * n + 1e-8 * rng.standard_normal(devices)
                ws.append([v, 0.2, *(0.2 * g).tolist()])
    book.save(path)
    return path, steps


def test_bad_inputs_leave_no_run_folder(tmp_path: Path) -> None:
    path, _ = _array_sheet(tmp_path / "array.xlsx")
    out = tmp_path / "run"
    bad = runner.invoke(
        app, ["assess", str(path), "--task", "digits", "--out", str(out), "--quantity", "ohms"]
    )
    assert bad.exit_code != 0 and not out.exists()
    broken = tmp_path / "broken.csv"
    broken.write_text("cycle,phase,pulse,G (uS)\n1,potentiation,1,ten\n")
    bad = runner.invoke(app, ["assess", str(broken), "--task", "digits", "--out", str(out)])
    assert isinstance(bad.exception, MeasurementError) and not out.exists()
    missing = runner.invoke(
        app, ["assess", str(path), "--task", "mnist", "--data-dir", str(tmp_path / "none"), "--out", str(out)]
    )
    assert isinstance(missing.exception, DataError) and not out.exists()


def test_a_run_that_fails_says_failed_with_the_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = _array_sheet(tmp_path / "array.xlsx")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("out of memory on the chip")

    monkeypatch.setattr("memtwin.experiments.analysis.run_eval_job", crash)  # the evaluation, in this process
    out = tmp_path / "run"
    result = runner.invoke(app, ["assess", str(path), "--task", "digits", "--out", str(out), "--quiet"])
    assert isinstance(result.exception, RuntimeError)
    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "failed" and "out of memory on the chip" in status["error"]


@pytest.mark.slow
def test_assess_several_files_with_flags_uses_the_measured_spread(tmp_path: Path) -> None:
    first, steps_a = _array_sheet(tmp_path / "array_a.xlsx", seed=1)
    second, steps_b = _array_sheet(tmp_path / "array_b.xlsx", seed=2)
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        ["assess", str(first), str(second), "--task", "digits", "--out", str(out), "--quiet",
         "--quantity", "current", "--min-r2", "0.99", "--repetitions", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, (result.stdout, result.exception)
    assert "device-to-device variation measured over 10 devices" in result.stdout
    assert json.loads((out / "status.json").read_text())["state"] == "complete"
    characterization = json.loads((out / "characterization.json").read_text())
    spread = characterization["device_to_device"]
    assert spread["devices"] == 10
    steps = np.concatenate([steps_a, steps_b])
    assert spread["slope_rel_std"] == pytest.approx(np.std(steps, ddof=1) / np.mean(steps), rel=0.2)
    device = DeviceModel.from_toml(out / "device.toml")
    assert device.variability.d2d_update == pytest.approx(spread["slope_rel_std"])
    assert device.variability.d2d_bounds == pytest.approx(spread["range_rel_std"])
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["d2d"] == "measured" and config["device"].endswith("characterization.json")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "device-to-device variation, measured" in html
    results = json.loads((out / "results.json").read_text())
    assert len(results["devices"]) == 4  # the assessed device and the three library devices
    # The device under every write model, on the networks the assessment trained, just programmed.
    writes = {(r["write"], r["mode"]): r for r in results["writes"]}
    assert set(writes) == {
        (w, m) for w in ("open-loop", "verify", "exact") for m in ("potentiation", "depression")
    }
    evaluated = next(
        r
        for r in results["analog"]
        if r["mode"] == "potentiation" and r["variant"] == "hwat_gdc" and r["time_s"] == 0
    )
    assert writes[("open-loop", "potentiation")]["accuracy_mean"] == evaluated["accuracy_mean"]
    assert "Write model" in html
