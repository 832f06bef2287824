"""`memtwin report RUN_DIR [--out DIR] [--json]` through the real app."""

from __future__ import annotations

import json
from pathlib import Path

from report_run import RunFactory
from typer.testing import CliRunner

from memtwin.cli.app import COMMAND_MODULES, app

runner = CliRunner()


def test_report_is_registered() -> None:
    assert "memtwin.cli.report" in COMMAND_MODULES
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0 and "RUN_DIR" in result.output


def test_report_prints_the_html_path(make_run: RunFactory) -> None:
    run = make_run()
    result = runner.invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(run / "report.html")
    assert (run / "report.html").is_file() and (run / "report.md").is_file()


def test_report_out_and_json(make_run: RunFactory, tmp_path: Path) -> None:
    run, out = make_run(), tmp_path / "out"
    result = runner.invoke(app, ["report", str(run), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    paths = json.loads(result.stdout)
    assert paths == {"html": str(out / "report.html"), "markdown": str(out / "report.md")}
    assert not (run / "report.html").exists()


def test_report_of_a_non_run_folder_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "error:" in result.output and "is not a memtwin run folder" in result.output
    assert "Traceback" not in result.output
