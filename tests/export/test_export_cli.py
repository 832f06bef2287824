"""``memtwin export aihwkit DEVICE --out FILE.py``: writes the module atomically, takes a preset or a
device file, and fails clearly (and without touching --out) on an unknown device or kind."""

from __future__ import annotations

from pathlib import Path

from export_helpers import linear_device, load_module
from typer.testing import CliRunner

from memtwin.cli.app import app
from memtwin.crossbar import Periphery
from memtwin.devices import preset
from memtwin.errors import ConfigError
from memtwin.export import aihwkit_module

runner = CliRunner()


def test_writes_the_module_of_a_preset(tmp_path: Path) -> None:
    out = tmp_path / "hfs2.py"
    result = runner.invoke(app, ["export", "aihwkit", "hfs2-xhameni2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    assert out.read_text(encoding="utf-8") == aihwkit_module(preset("hfs2-xhameni2025"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hfs2.py"]  # no temporary file left behind


def test_device_file_kind_periphery_and_overrides(tmp_path: Path) -> None:
    device_file = linear_device().to_toml(tmp_path / "hand.toml")
    out = tmp_path / "hand_inference.py"
    args = ["export", "aihwkit", str(device_file), "--out", str(out), "--kind", "inference",
            "--periphery", "ideal", "--d2d", "0.05", "--drift", "none"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = aihwkit_module(linear_device(), Periphery.ideal(), "inference")
    assert out.read_text(encoding="utf-8") == expected
    pulsed = load_module(runner.invoke(app, ["export", "aihwkit", str(device_file), "--d2d", "0.05"]).output)
    assert pulsed["DEVICE_FIELDS"]["dw_min_dtod"] == 0.05 and pulsed["DEVICE_FIELDS"]["w_max_dtod"] == 0.05


def test_unknown_device_is_a_clear_error_and_leaves_out_alone(tmp_path: Path) -> None:
    out = tmp_path / "kept.py"
    out.write_text("# an earlier export\n", encoding="utf-8")
    result = runner.invoke(app, ["export", "aihwkit", "no-such-device", "--out", str(out)])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert "'no-such-device'" in str(result.exception) and "neither a preset" in str(result.exception)
    assert out.read_text(encoding="utf-8") == "# an earlier export\n"


def test_unknown_kind_names_the_flag_and_value(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["export", "aihwkit", "ideal", "--kind", "training", "--out", str(tmp_path / "x.py")]
    )
    assert isinstance(result.exception, ConfigError)
    assert "--kind" in str(result.exception) and "'training'" in str(result.exception)
    assert not (tmp_path / "x.py").exists()
