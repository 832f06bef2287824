"""``memtwin devices``: the preset table, one device, and its TOML export round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memtwin.cli.app import app
from memtwin.devices import DeviceModel, list_presets, preset
from memtwin.errors import ConfigError

runner = CliRunner()


def test_lists_every_preset_with_its_key_figures() -> None:
    result = runner.invoke(app, ["devices"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in list_presets():
        assert name in result.output
    assert "23.74 nJ" in result.output and "0.995 V" in result.output
    rows = json.loads(runner.invoke(app, ["devices", "--json"]).output)
    hfs2 = next(r for r in rows if r["name"] == "hfs2-xhameni2025")
    assert hfs2["levels"] == [16, 16] and hfs2["d2d_update"] == 0.3
    assert hfs2["sigma_over_bin_width"][0] == pytest.approx(23.7 / 81.077)


def test_show_prints_citation_and_notes() -> None:
    result = runner.invoke(app, ["devices", "show", "hfs2-xhameni2025"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "doi:10.1063/5.0286727" in result.output
    assert "Published (Xhameni & Lombardo 2025" in result.output


def test_toml_export_round_trips(tmp_path: Path) -> None:
    result = runner.invoke(app, ["devices", "show", "hfs2-xhameni2025", "--toml"])
    assert result.exit_code == 0
    assert DeviceModel.from_toml_str(result.output) == preset("hfs2-xhameni2025")
    out = tmp_path / "dev.toml"
    result = runner.invoke(app, ["devices", "show", "ag-asi-neurosim", "--toml", "--out", str(out)])
    assert result.exit_code == 0 and result.output.strip() == str(out)
    assert DeviceModel.from_toml(out) == preset("ag-asi-neurosim")
    # An exported file is itself a valid device argument.
    shown = runner.invoke(app, ["devices", "show", str(out), "--json"])
    assert json.loads(shown.output)["name"] == "ag-asi-neurosim"


def test_unknown_device_is_a_clear_error() -> None:
    result = runner.invoke(app, ["devices", "show", "no-such-device"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert "neither a preset" in str(result.exception)


def test_one_truth_for_a_measured_device_across_commands(tmp_path: Path) -> None:
    """characterize, devices show, the Python API and an experiment's resolver read the same device."""
    import numpy as np

    from memtwin.characterization import characterize
    from memtwin.experiments.devices import resolve_device
    from memtwin.measurements import load

    rng = np.random.default_rng(0)
    lines = ["cycle,phase,pulse,G (uS)"]
    for c in range(1, 11):  # a fine-step device: 120 pulses of 0.5 uS under sigma 1 uS
        for phase, sign in (("potentiation", 1), ("depression", -1)):
            for p in range(120):
                n = p if sign > 0 else 119 - p
                lines.append(f"{c},{phase},{p + 1},{100 + 0.5 * n + rng.standard_normal():.4f}")
    data = tmp_path / "fine.csv"
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "char"
    assert runner.invoke(app, ["characterize", str(data), "--out", str(out), "--no-figures"]).exit_code == 0
    path = out / "characterization.json"
    measured = json.loads(path.read_text())
    shown = json.loads(runner.invoke(app, ["devices", "show", str(path), "--json"]).stdout)
    assert shown["levels"] == [measured["potentiation"]["levels"], measured["depression"]["levels"]]
    assert shown["bins"] == measured["bins"] and shown["bits"] == pytest.approx(measured["bits"])
    assert shown["on_off_ratio"] == pytest.approx(measured["on_off_ratio"])  # whole ramps, not the levels
    assert shown["pulses_per_level"][0] == measured["potentiation"]["pulses_per_level"] > 1
    api = DeviceModel.from_characterization(characterize(load(data)))
    cli = resolve_device(str(path))
    assert api.drift == cli.drift and api.drift.kind == shown["drift"] == "reram-wan2022"
    assert "'reram-wan2022'" in cli.notes and "drift none" not in cli.notes
    assert api.potentiation == cli.potentiation and api.depression == cli.depression


def _cells(row: dict) -> list[str]:
    """A preset's values as the list prints them, written out here independently of the command."""
    levels = row["levels"]
    sigma = [f"{v:.3g}" for v in row["sigma_over_bin_width"]]
    return [
        row["name"],
        str(levels[0]) if levels[0] == levels[1] else f"{levels[0]} / {levels[1]}",
        f"{row['bits']:.2f}",
        sigma[0] if sigma[0] == sigma[1] else f"{sigma[0]} / {sigma[1]}",
        f"{row['d2d_update']:.2g} / {row['d2d_bounds']:.2g}",
        f"{row['on_off_ratio']:.3g}",
        str(row["drift"]),
    ]


def test_the_list_and_one_device_fit_80_columns_with_every_value_whole() -> None:
    rows = json.loads(runner.invoke(app, ["devices", "--json"]).output)
    result = runner.invoke(app, ["devices"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in result.output
    for row in rows:
        # Every value stands whole on a line of its own device (the tables may be split, never cut).
        own = [line for line in lines if f" {row['name']} " in line]
        assert own, row["name"]
        for cell in _cells(row):
            assert any(f" {cell} " in line for line in own), (row["name"], cell)
    hfs2 = [line for line in lines if " hfs2-xhameni2025 " in line]
    assert any(" 0.995 V " in line for line in hfs2) and any(" 23.74 nJ " in line for line in hfs2)

    shown = runner.invoke(app, ["devices", "show", "hfs2-xhameni2025"], env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    table = shown.output.split("citation")[0]
    assert max(len(line) for line in table.splitlines()) <= 80 and "…" not in table
    for value in (
        "16",
        "4.95",
        "0.292 / 0.294",
        "0.3 / 0.3",
        "1.5",
        "0.995 V",
        "23.74 nJ",
        "reram-wan2022-aihwkit",
    ):
        assert f" {value} " in table, value


def test_a_wide_terminal_gets_one_table() -> None:
    result = runner.invoke(app, ["devices"], env={"COLUMNS": "200"})
    header = [line for line in result.output.splitlines() if "┃ device " in line]
    assert len(header) == 1 and all(h in header[0] for h in ("levels", "ON/OFF", "E/cycle", "drift"))
