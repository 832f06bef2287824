"""What the experiment commands hand to the experiments layer: the executor, the tolerance grids (also
under a knob's old name), and the defaults each command keeps. The analyses themselves are stubbed:
their numbers are tested in tests/experiments and tests/golden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memtwin.cli.app import app
from memtwin.errors import ConfigError
from memtwin.experiments.executors import LocalExecutor, SerialExecutor

runner = CliRunner()


def _recording(calls: list[dict[str, Any]], results: dict[str, Any]) -> Any:
    def run(config: Any, out: Path, *args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append({"config": config, "out": out, "args": args, **kwargs})
        return results

    return run


def test_evaluate_runs_in_this_process_unless_an_executor_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("memtwin.cli.experiments.run_experiment", _recording(calls, {"analog": []}))
    assert runner.invoke(app, ["evaluate", "--epochs", "2", "--json"]).exit_code == 0
    assert calls[-1]["executor"] is None and calls[-1]["config"].digital.epochs == 2
    assert calls[-1]["out"] == Path("runs/evaluate-digits-hfs2-xhameni2025")
    result = runner.invoke(app, ["sweep", "--executor", "serial", "--json"])
    assert result.exit_code == 0, result.output
    assert isinstance(calls[-1]["executor"], SerialExecutor)
    assert calls[-1]["config"].sweep.parameter == "d2d" and calls[-1]["config"].variants == ("hwat_gdc",)
    refused = runner.invoke(app, ["evaluate", "--workers", "2"])
    assert isinstance(refused.exception, ConfigError) and "--executor" in str(refused.exception)


def test_tolerance_hands_over_its_grids_under_the_searched_names(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("memtwin.cli.analyses.run_tolerance", _recording(calls, {"thresholds": []}))
    args = ["tolerance", "--sigma-grid", "1,2", "--levels-grid", "4,8", "--json"]
    assert runner.invoke(app, args).exit_code == 0
    call = calls[-1]
    assert call["parameters"] == ["d2d", "sigma_scale", "levels"]
    assert call["grids"] == {"sigma_scale": (1.0, 2.0), "levels": (4.0, 8.0)}
    assert isinstance(call["executor"], LocalExecutor) and call["config"].device == "hfs2-xhameni2025"
    # The old name of a knob still finds its grid.
    assert runner.invoke(app, [*args, "--parameters", "sigma"]).exit_code == 0
    assert calls[-1]["parameters"] == ["sigma"] and calls[-1]["grids"]["sigma"] == (1.0, 2.0)


def test_compare_and_ablate_forward_their_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("memtwin.cli.analyses.compare_devices", _recording(calls, {"devices": []}))
    monkeypatch.setattr("memtwin.cli.analyses.run_ablation", _recording(calls, {"by_time": []}))
    result = runner.invoke(app, ["compare", "--devices", "ideal, reram-wan2022", "--d2d", "0.1", "--json"])
    assert result.exit_code == 0, result.output
    assert calls[-1]["args"] == (["ideal", "reram-wan2022"],) and calls[-1]["config"].d2d == 0.1
    assert json.loads(result.output)["run_dir"] == str(Path("runs/compare-digits"))
    result = runner.invoke(app, ["ablate", "--variant", "baseline", "--at", "0,60", "--quiet"])
    assert result.exit_code == 0, result.output
    assert calls[-1]["variant"] == "baseline" and calls[-1]["times_s"] == (0.0, 60.0)
    assert result.output.strip() == str(Path("runs/ablate-digits-hfs2-xhameni2025"))
