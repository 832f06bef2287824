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


def _png_width(path: Path) -> int:
    return int.from_bytes(
        path.read_bytes()[16:20], "big"
    )  # IHDR width: after the signature (8 bytes), chunk length and type (8)


def test_redraw_replaces_the_figures_from_results_json(make_run: RunFactory) -> None:
    from memtwin.report.plots import EVALUATION_DPI

    run = make_run()
    figure = run / "figures" / "accuracy_vs_time_potentiation.png"
    assert _png_width(figure) == 320  # the fixture's stand-in: 4 in at 80 dpi
    result = runner.invoke(app, ["report", str(run), "--redraw"])
    assert result.exit_code == 0, result.output
    # memtwin's own drift figure: 6.4 in wide at EVALUATION_DPI, less the margins a tight bounding box trims
    assert 5 * EVALUATION_DPI < _png_width(figure) <= 6.4 * EVALUATION_DPI
    assert (run / "report.html").is_file()


def test_redraw_of_an_unfinished_run_is_a_one_line_error(make_run: RunFactory) -> None:
    run = make_run(without=("results.json",))
    result = runner.invoke(app, ["report", str(run), "--redraw"])
    assert result.exit_code == 2
    assert "has no results.json" in result.output and "Traceback" not in result.output


def test_redraw_of_a_broken_results_json_is_a_one_line_error(make_run: RunFactory) -> None:
    run = make_run()
    (run / "results.json").write_text("{not json")
    result = runner.invoke(app, ["report", str(run), "--redraw"])
    assert result.exit_code == 2
    assert "results.json is not readable" in result.output and "Traceback" not in result.output
