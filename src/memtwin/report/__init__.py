"""Reports of a run folder: one self-contained HTML file and a Markdown summary.

``write_report(run_dir)`` reads whatever the folder holds (status, resolved config, results,
characterization, device model, figures), decides the content once (:mod:`.content`) and renders it
twice (:mod:`.html`, :mod:`.markdown`). It works on running, partial and characterization-only
folders; only a folder that is not a memtwin run at all is refused.
"""

from __future__ import annotations

from memtwin.report.content import build_report
from memtwin.report.doc import Report
from memtwin.report.html import render_html
from memtwin.report.markdown import render_markdown
from memtwin.report.run import RunContents, read_run
from memtwin.report.write import HTML_NAME, MARKDOWN_NAME, write_report

__all__ = [
    "HTML_NAME",
    "MARKDOWN_NAME",
    "Report",
    "RunContents",
    "build_report",
    "read_run",
    "render_html",
    "render_markdown",
    "write_report",
]
