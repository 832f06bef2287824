"""Write a run folder's report files, atomically."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from memtwin.atomic import write_text_atomic
from memtwin.errors import ConfigError
from memtwin.report.content import build_report
from memtwin.report.html import render_html
from memtwin.report.markdown import render_markdown
from memtwin.report.run import read_run

HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"


def write_report(run_dir: Path | str, out: Path | str | None = None) -> tuple[Path, Path]:
    """Write ``report.html`` (self-contained) and ``report.md`` for the run in ``run_dir``.

    ``out`` is the folder to write them to (default: the run folder itself, so the Markdown's
    relative figure links stay short). Both files are replaced atomically: a reader, or a browser
    refreshing the page while a run is still going, never sees half a report.

    Returns:
        (path of report.html, path of report.md).

    Raises:
        ConfigError: ``run_dir`` is missing or not a memtwin run folder, or ``out`` cannot be written.
    """
    run = read_run(run_dir)
    out_dir = Path(out) if out is not None else run.path
    report = build_report(run)
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir} is a file; give a folder for report.html and report.md")
    try:
        html_path = write_text_atomic(out_dir / HTML_NAME, render_html(report))
        md_path = write_text_atomic(out_dir / MARKDOWN_NAME, render_markdown(report, out_dir))
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {out_dir}: {exc.strerror or exc}") from exc
    for path in (html_path, md_path):
        _shareable(path)
    return html_path, md_path


def _shareable(path: Path) -> None:
    """Give a report the permissions of a normally created file (0666 less the umask): the atomic
    writer's temporary file is private (0600), but a report is made to be opened and shared."""
    mask = os.umask(0)
    os.umask(mask)
    with contextlib.suppress(OSError):  # e.g. a file system without permissions
        path.chmod(0o666 & ~mask)
