"""``memtwin compare`` / ``ablate`` / ``tolerance`` / ``cost`` from the command line (tiny runs)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memtwin.cli.app import app
from memtwin.cli.options import parse_periphery
from memtwin.crossbar import Periphery
from memtwin.errors import ConfigError

runner = CliRunner()
TINY = ["--task", "digits", "--epochs", "2", "--repetitions", "1", "--times", "1", "--modes", "potentiation",
        "--executor", "serial"]  # fmt: skip


def test_compare_command(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = [
        "compare",
        *TINY,
        "--devices",
        "ideal,hfs2-xhameni2025",
        "--variants",
        "baseline",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["run_dir"] == str(out) and [d["name"] for d in data["devices"]] == [
        "ideal",
        "hfs2-xhameni2025",
    ]
    # A complete run is not silently replaced.
    again = runner.invoke(app, args)
    assert again.exit_code != 0 and "complete run" in str(again.exception)


def test_ablate_and_tolerance_commands_print_tables(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["ablate", *TINY, "--variant", "baseline", "--out", str(tmp_path / "abl")],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "device-to-device variation" in result.output and "0 s (just programmed)" in result.output
    assert "dominates" in result.output
    result = runner.invoke(
        app,
        ["tolerance", *TINY, "--variant", "baseline", "--parameters", "levels", "--levels-grid", "2,16",
         "--out", str(tmp_path / "tol")],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "levels per device" in result.output
    assert (
        json.loads((tmp_path / "tol" / "results.json").read_text())["thresholds"][0]["parameter"] == "levels"
    )


def test_cost_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["cost", "--task", "mnist", "--device", "hfs2-xhameni2025,ideal", "--json"])
    assert result.exit_code == 0, result.output
    costs = json.loads(result.output)["costs"]
    assert [c["device"] for c in costs] == ["hfs2-xhameni2025", "ideal"]
    assert costs[0]["devices"] == 794_000 and costs[1]["energy_J"]["potentiation"] is None
    out = tmp_path / "cost"
    result = runner.invoke(app, ["cost", "--task", "digits", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "results.csv").read_text().startswith("device,weights,devices,tiles,pulses_potentiation")
    assert json.loads((out / "status.json").read_text())["state"] == "complete"
    refused = runner.invoke(app, ["cost", "--task", "digits", "--periphery", "paper+verify"])
    assert refused.exit_code != 0 and "write 'verify'" in str(refused.exception)


def test_periphery_flag_takes_a_verify_suffix() -> None:
    assert parse_periphery("paper+verify") == replace(Periphery.paper(), write="verify")
    assert parse_periphery("ideal") == Periphery.ideal()
    with pytest.raises(ConfigError, match="'paper' or 'ideal'"):
        parse_periphery("paper+verfy")


def test_sweep_of_the_write_model_from_the_command_line(tmp_path: Path) -> None:
    """The write model swept by name on one HWAT network: with the device-to-device spread raised to
    50 % the verified and the exact chips must read at least as well as the open-loop one."""
    out = tmp_path / "pv"
    args = ["sweep", "--epochs", "2", "--repetitions", "2", "--modes", "potentiation",
            "--parameter", "write", "--values", "open-loop,verify,exact", "--hwat", "once",
            "--periphery", "ideal", "--time", "0", "--out", str(out), "--json"]  # fmt: skip
    config = tmp_path / "d2d.toml"
    config.write_text('task = "digits"\nd2d = 0.5\n')
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    results = json.loads(result.output)
    rows = {r["value"]: r for r in results["analog"]}
    assert set(rows) == {"open-loop", "verify", "exact"} and all(
        r["parameter"] == "write" for r in rows.values()
    )
    assert results["write"] == "swept"
    assert rows["verify"]["accuracy_mean"] >= rows["open-loop"]["accuracy_mean"]
    assert rows["exact"]["accuracy_mean"] >= rows["open-loop"]["accuracy_mean"]
