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
