"""``memtwin report RUN_DIR``: a self-contained HTML report and a Markdown summary of one run folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from memtwin.errors import ConfigError, MemtwinError


def report_command(
    run_dir: Annotated[
        Path,
        typer.Argument(
            help="A run folder (written by memtwin evaluate, run or characterize).",
            show_default=False,
            metavar="RUN_DIR",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for report.html and report.md (default: RUN_DIR)."),
    ] = None,
    redraw: Annotated[
        bool,
        typer.Option(
            "--redraw",
            help="Draw RUN_DIR/figures again from results.json first (after an upgrade of memtwin).",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"html": PATH, "markdown": PATH} instead of the path.')
    ] = False,
) -> None:
    """Write RUN_DIR/report.html (figures embedded, opens offline) and report.md; print the HTML's path.

    Partial runs work too: an unfinished run gets an INCOMPLETE RUN banner; missing parts are listed.
    """
    from memtwin.report import write_report

    try:
        if redraw:
            _redraw(run_dir)
        html_path, md_path = write_report(run_dir, out)
    except MemtwinError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps({"html": str(html_path), "markdown": str(md_path)}))
    else:
        typer.echo(str(html_path))


def _redraw(run_dir: Path) -> None:
    """Draw the run's figures again from its results.json, as the run drew them when it finished."""
    from memtwin.report import present_run

    if not (run_dir / "results.json").is_file():
        raise ConfigError(
            f"{run_dir} has no results.json (not finished, or not a run folder): nothing to redraw"
        )
    try:
        present_run(run_dir)
    except (ValueError, KeyError, TypeError) as exc:  # results.json unreadable or not memtwin's
        raise ConfigError(f"cannot redraw {run_dir}: its results.json is not readable ({exc})") from exc


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``memtwin`` command."""
    app.command("report")(report_command)
