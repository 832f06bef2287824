"""``memtwin retention``: files in; retention.json, drift.toml (accepted by --drift) and figures out."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from memtwin.cli.app import app
from memtwin.cli.options import config_from_flags
from memtwin.devices import read_drift_file
from memtwin.devices.drift import build_drift
from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.devices import resolve_device_source

runner = CliRunner()
NU = {"L1": 0.015, "L2": 0.025, "L3": 0.035}
NOISE = 0.002


def _power_law_csv(path: Path, seed: int = 0) -> tuple[Path, np.ndarray]:
    """Three states in µS against time in hours, G = G0 (1 + t/1 s)^-nu with log-normal read noise."""
    rng = np.random.default_rng(seed)
    t = np.geomspace(1.0, 1e6, 30)
    lines = ["t (h),level,G (uS)"]
    for (name, nu), g0 in zip(NU.items(), (5.0, 15.0, 45.0), strict=True):
        g = g0 * (1 + t) ** -nu * np.exp(NOISE * rng.standard_normal(t.size))
        lines += [f"{a / 3600:.17g},{name},{b:.17g}" for a, b in zip(t, g, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path, t


def _se_nu(t: np.ndarray) -> float:
    x = np.log1p(t)
    return NOISE / math.sqrt(float(((x - x.mean()) ** 2).sum()))


def test_retention_writes_json_toml_and_figures(tmp_path: Path) -> None:
    path, t = _power_law_csv(tmp_path / "ret.csv")
    out = tmp_path / "run"
    result = runner.invoke(app, ["retention", str(path), "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "drift model: power_law" in result.output
    for name in ("retention.json", "drift.toml", "retention.png", "retention.svg"):
        assert (out / name).is_file(), name
    data = json.loads((out / "retention.json").read_text())
    assert data["model"] == "power_law" and data["t0_s"] == 1.0
    assert [s["name"] for s in data["states"]] == list(NU)
    tol = 4 * _se_nu(t)
    for s in data["states"]:
        assert abs(s["power_law"]["nu"] - NU[s["name"]]) < tol
        assert s["power_law"]["per_decade_change"] == pytest.approx(10 ** -s["power_law"]["nu"] - 1)
    overall = data["overall"]["power_law"]
    assert abs(overall["nu"] - np.mean(list(NU.values()))) < tol
    # Spread over states, less the fit noise: close to the states' own spread (0.01).
    assert overall["nu_std"] == pytest.approx(np.std(list(NU.values()), ddof=1), abs=tol)
    # Projections are the drift model's own: mean of G(t)/G0 - 1 of a log-normal exponent.
    spec = read_drift_file(out / "drift.toml")
    assert spec == data["drift"] == overall["spec"]
    day = next(p for p in overall["projected"] if p["t_s"] == 86400.0)
    lt = math.log1p(86400.0)
    assert day["mean_relative_change"] == pytest.approx(
        math.exp(-spec["nu"] * lt + 0.5 * (spec["nu_std"] * lt) ** 2) - 1
    )
    toml = tomllib.loads((out / "drift.toml").read_text())
    assert set(toml["drift"]) == {"kind", "nu", "nu_std", "t0_s"}


def test_drift_toml_goes_into_an_experiment(tmp_path: Path) -> None:
    """The round trip of `memtwin evaluate --task digits --drift RUN/drift.toml`, short of training."""
    path, _ = _power_law_csv(tmp_path / "ret.csv")
    out = tmp_path / "run"
    assert (
        runner.invoke(app, ["retention", str(path), "--out", str(out), "--model", "log_time"]).exit_code == 0
    )
    drift_toml = out / "drift.toml"
    cfg = config_from_flags(ExperimentConfig.for_task("digits"), drift=str(drift_toml))
    device = resolve_device_source(cfg.device, d2d=cfg.d2d, drift=cfg.drift).device
    fitted = json.loads((out / "retention.json").read_text())["overall"]["log_time"]
    assert device.drift.to_dict() == {
        "kind": "log_time",
        "mean_per_decade": fitted["mean_per_decade"],
        "std_per_decade": fitted["std_per_decade"],
        "t0_s": 1.0,
    }
    # The simulated mean change per decade is the fitted one.
    import torch

    model = build_drift(device.drift)
    change = float(model.expected_relative_change(torch.ones(1), 9.0)[0])  # log10(1 + 9/1) = 1 decade
    assert change == pytest.approx(fitted["mean_per_decade"], rel=1e-6)


def test_json_flag_and_two_columns_in_hours(tmp_path: Path) -> None:
    path = tmp_path / "dev.csv"
    t_h = np.array([0.1, 0.5, 1, 5, 10, 50, 100])
    g = 2e-9 * (1 + 0.015 * np.log10(1 + t_h * 3600))  # log-time, +1.5 % per decade, in S
    path.write_text("time,G\n" + "".join(f"{a:.17g},{b:.17g}\n" for a, b in zip(t_h, g, strict=True)))
    args = [
        "retention",
        str(path),
        "--out",
        str(tmp_path / "o"),
        "--json",
        "--time-unit",
        "h",
        "--no-figures",
    ]
    with pytest.warns(MeasurementWarning, match="no unit"):  # 'G' without a unit: siemens
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("{") :])
    assert data["model"] == "log_time"
    assert data["overall"]["log_time"]["mean_per_decade"] == pytest.approx(0.015, rel=1e-9)
    assert not (tmp_path / "o" / "retention.png").exists()


def test_currents_with_read_voltage_option(tmp_path: Path) -> None:
    path = tmp_path / "i.csv"
    t = np.geomspace(1, 1e4, 10)
    path.write_text("t (s),I (nA)\n" + "".join(f"{a:.17g},{-20 * (1 + a) ** -0.02:.17g}\n" for a in t))
    out = tmp_path / "o"
    result = runner.invoke(
        app, ["retention", str(path), "--out", str(out), "--read-voltage", "-0.1", "--no-figures"]
    )
    assert result.exit_code == 0, result.output
    state = json.loads((out / "retention.json").read_text())["states"][0]
    assert state["power_law"]["g0_S"] == pytest.approx(20e-9 / 0.1, rel=1e-9)
    assert state["power_law"]["nu"] == pytest.approx(0.02, rel=1e-9)


def test_errors_name_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("t (s),G (uS)\n1,10\n10,n/a?\n100,9.8\n")
    result = runner.invoke(app, ["retention", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    err = result.exception
    assert isinstance(err, MeasurementError)
    assert (err.file, err.row, err.column, err.value) == (str(path), 3, "G (uS)", "n/a?")
    few = tmp_path / "few.csv"
    few.write_text("t (s),G (uS)\n1,10\n10,9.9\n")
    result = runner.invoke(app, ["retention", str(few), "--out", str(tmp_path / "o")])
    assert isinstance(result.exception, MeasurementError) and "at least 3" in str(result.exception)


def test_columns_by_spreadsheet_letter(tmp_path: Path) -> None:
    """--columns takes letters and ranges as every measurement command does (memtwin.measurements.columns)."""
    path = tmp_path / "wide.csv"
    t = np.geomspace(1, 1e4, 8)
    rows = "".join(
        f"{a:.17g},{1e-9 * a:.17g},{10 * (1 + a) ** -0.01:.17g},{20 * (1 + a) ** -0.03:.17g}\n" for a in t
    )
    path.write_text("t (s),leak (A),L1 (uS),L2 (uS)\n" + rows)
    out = tmp_path / "o"
    args = ["retention", str(path), "--out", str(out), "--columns", "C:D", "--no-figures"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    states = json.loads((out / "retention.json").read_text())["states"]
    assert [s["name"] for s in states] == ["L1", "L2"]
    assert [s["power_law"]["nu"] for s in states] == pytest.approx([0.01, 0.03], rel=1e-9)
