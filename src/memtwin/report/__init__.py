"""Reports of a run folder: one self-contained HTML file and a Markdown summary; and the presentation
of a run's results (tables, figures) that the run commands write into the folder.

``write_report(run_dir)`` reads whatever the folder holds (status, resolved config, results,
characterization, device model, figures), decides the content once (:mod:`.content`) and renders it
twice (:mod:`.html`, :mod:`.markdown`). It works on running, partial and characterization-only
folders; only a folder that is not a memtwin run at all is refused. ``present_run(run_dir, results)``
draws a finished run's figures and writes an analysis' ``results.md`` (:mod:`.present`); the tables of
each analysis (:mod:`.tables`) also print in a terminal (:mod:`.terminal`).
"""

from __future__ import annotations

from memtwin.report.content import build_report
from memtwin.report.doc import Report
from memtwin.report.html import render_html
from memtwin.report.markdown import render_markdown
from memtwin.report.present import present_run
from memtwin.report.run import RunContents, read_run
from memtwin.report.terminal import print_blocks
from memtwin.report.write import HTML_NAME, MARKDOWN_NAME, write_report

__all__ = [
    "HTML_NAME",
    "MARKDOWN_NAME",
    "Report",
    "RunContents",
    "build_report",
    "present_run",
    "print_blocks",
    "read_run",
    "render_html",
    "render_markdown",
    "write_report",
]
