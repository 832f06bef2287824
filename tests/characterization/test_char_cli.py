import json
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from memtwin.cli import app as app_module
from memtwin.errors import MeasurementError
from memtwin.synthetic import generate_hfs2_like

runner = CliRunner()


def _csv(tmp_path, frame, name="dev.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_characterize_tidy_csv_writes_json_and_figures(tmp_path):
    path = _csv(tmp_path, generate_hfs2_like(seed=3, cycles=30).frame)
    out = tmp_path / "out"
    res = runner.invoke(app_module.app, ["characterize", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads((out / "characterization.json").read_text())
    for key in (
        "bins",
        "bits",
        "sigma_mean_S",
        "symmetry",
        "on_off_ratio",
        "energy_per_cycle_J",
        "max_programming_voltage_V",
        "potentiation",
        "depression",
    ):
        assert key in d
    assert d["bins"] == 31
    assert d["potentiation"]["linear_range"] == [3, 18]
    assert d["potentiation"]["slope_S_per_pulse"] == pytest.approx(81.077e-6, rel=0.02)
    assert d["energy_per_cycle_J"]["mean"] == pytest.approx(23.74e-9, rel=0.05)
    assert sorted(p.suffix for p in out.glob("fig2*")) == [".png"] * 3 + [".svg"] * 3
    assert "81.077" in res.output or "81.0" in res.output
    assert "µS" in res.output


def test_json_flag_min_r2_and_linear_range(tmp_path):
    path = _csv(tmp_path, generate_hfs2_like(seed=4, cycles=10).frame)
    res = runner.invoke(
        app_module.app,
        [
            "characterize",
            str(path),
            "--out",
            str(tmp_path / "o"),
            "--json",
            "--no-figures",
            "--linear-range",
            "4-17",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)  # the layout line goes to stderr, so the JSON stays parseable
    assert d["potentiation"]["linear_range"] == [4, 17] and d["depression"]["levels"] == 14
    assert d["potentiation"]["range_automatic"] is False
    res = runner.invoke(app_module.app, ["characterize", str(path), "--linear-range", "9-3"])
    assert res.exit_code == 2


def test_several_devices_in_one_json(tmp_path):
    a = generate_hfs2_like(seed=5, cycles=10, device="left").frame
    b = generate_hfs2_like(seed=6, cycles=10, device="right").frame
    path = _csv(tmp_path, pd.concat([a, b]))
    out = tmp_path / "o"
    res = runner.invoke(app_module.app, ["characterize", str(path), "--out", str(out), "--no-figures"])
    assert res.exit_code == 0, res.output
    d = json.loads((out / "characterization.json").read_text())
    assert d["schema"] == "memtwin.characterization-set/1"
    assert set(d["devices"]) == {"left", "right"}
    res = runner.invoke(
        app_module.app,
        ["characterize", str(path), "--out", str(tmp_path / "r"), "--no-figures", "--device", "right"],
    )
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "r" / "characterization.json").read_text())["device"] == "right"


def test_example_flag_and_default_out_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app_module.app, ["characterize", "--example", "--no-figures"])
    assert res.exit_code == 0, res.output
    d = json.loads((tmp_path / "runs" / "characterize-hfs2_example" / "characterization.json").read_text())
    assert d["bins"] == 31 and d["device"] == "hfs2-synthetic"


def test_usage_errors_and_measurement_errors(tmp_path, monkeypatch, capsys):
    assert runner.invoke(app_module.app, ["characterize"]).exit_code == 2
    single = generate_hfs2_like(seed=1, cycles=2).frame
    path = _csv(tmp_path, single[single["phase"] == "potentiation"], "potentiation_only.csv")
    res = runner.invoke(app_module.app, ["characterize", str(path), "--out", str(tmp_path / "o")])
    assert isinstance(res.exception, MeasurementError)
    # app.main turns it into one line on stderr and exit status 2
    monkeypatch.setattr(sys, "argv", ["memtwin", "characterize", str(path), "--out", str(tmp_path / "o")])
    with pytest.raises(SystemExit) as exc:
        app_module.main()
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err
