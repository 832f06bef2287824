"""The shared measurement-file options (memtwin.cli.loading) on a tiny app built here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from memtwin.cli import loading
from memtwin.cli.flags import with_flags
from memtwin.errors import MeasurementError

runner = CliRunner()
app = typer.Typer()


@app.command()
@with_flags(loading.LoadOptions)
def read(files: list[Path], options: loading.LoadOptions, quiet_layout: loading.QuietLayout = False) -> None:
    """Load FILES and print the devices and their conductances as JSON on stdout."""
    table = loading.load_files(files, options, quiet=quiet_layout)
    frame = table.frame
    typer.echo(json.dumps({d: frame[frame["device"] == d]["conductance_S"].tolist() for d in table.devices}))


def _signed_book(path: Path) -> Path:
    """Headerless sheet: pulse V, read V -0.1 (constant), read currents of devices C and D (A)."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "S1"
    for v, i in [(1.0, 1e-6), (1.0, 2e-6), (-1.0, 1.5e-6), (-1.0, 0.5e-6)] * 2:
        ws.append([v, -0.1, -i, -2 * i])
    book.save(path)
    return path


def test_unitless_currents_with_read_voltage(tmp_path: Path) -> None:
    path = tmp_path / "iv_set.csv"
    path.write_text("D1,D2\n1e-6,2e-6\n2e-6,3e-6\n")
    result = runner.invoke(app, [str(path), "--read-voltage", "0.1"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    # G = |I / V| by hand: 1 uA / 0.1 V = 10 uS
    assert json.loads(result.stdout) == {"device": pytest.approx([1e-5, 2e-5, 2e-5, 3e-5])}
    assert (
        "read iv_set.csv: wide, one column per potentiation ramp (phase from the file name)" in result.stderr
    )
    assert "warning:" in result.stderr and "values taken as read currents in A" in result.stderr


def test_headerless_sheet_by_letter_and_sheet_name(tmp_path: Path) -> None:
    path = _signed_book(tmp_path / "run.xlsx")
    args = [str(path), "--sheet", "S1", "--device", "D", "--quantity", "current"]
    result = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"column D": pytest.approx([2e-5, 4e-5, 3e-5, 1e-5] * 2)}
    assert "run.xlsx (sheet 'S1'): signed pulse voltage" in result.stderr
    assert "warning:" not in result.stderr
    both = runner.invoke(app, [str(path), "--columns", "C:D", "--quantity", "current", "--quiet-layout"])
    assert both.exit_code == 0, both.output
    assert sorted(json.loads(both.stdout)) == ["column C", "column D"]
    assert "read " not in both.stderr


@pytest.mark.parametrize("text", ["1e-6,1e-4", "1u,100u", "1uS, 100uS", "0.001m,0.1mS"])
def test_g_range_forms(text: str) -> None:
    low, high = loading.parse_g_range(text) or (0.0, 0.0)
    assert (low, high) == (pytest.approx(1e-6), pytest.approx(1e-4))


@pytest.mark.parametrize("text", ["5", "1e-4,1e-6", "0,1", "a,b", "1e-6,1e-4,1e-3", "1kS,2kS"])
def test_bad_g_range(text: str) -> None:
    with pytest.raises(typer.BadParameter) as info:
        loading.parse_g_range(text)
    assert info.value.param_hint == "--g-range"


def test_g_range_through_the_command(tmp_path: Path) -> None:
    path = tmp_path / "gong_et_al.csv"
    path.write_text("-1.0,1.0\n0.0,0.0\n1.0,-1.0\n")
    result = runner.invoke(app, [str(path), "--g-range", "1u,100u"])
    assert result.exit_code == 0, result.output
    expected = np.interp([-1, 0, 1, 1, 0, -1], [-1, 1], [1e-6, 1e-4])  # both columns, one span
    assert json.loads(result.stdout) == {"device": pytest.approx(expected.tolist())}
    bad = runner.invoke(app, [str(path), "--g-range", "100u,1u"])
    assert bad.exit_code == 2 and "--g-range" in bad.output


def test_bad_quantity_and_format_are_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "x_set.csv"
    path.write_text("G (uS)\n1\n2\n")
    for flag, value in (("--quantity", "charge"), ("--format", "parquet")):
        result = runner.invoke(app, [str(path), flag, value])
        assert result.exit_code == 2
        assert flag in result.output


def test_measurement_errors_reach_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "g_set.csv"
    path.write_text("G (uS)\n1\n2\n")
    result = runner.invoke(app, [str(path), "--read-voltage", "0.1"])
    assert isinstance(result.exception, MeasurementError)  # memtwin's main prints it as one line
    assert "--read-voltage" in str(result.exception)
