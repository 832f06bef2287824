"""Render a :class:`~memtwin.report.doc.Report` as a Markdown summary.

The Markdown is the short, diffable companion of the HTML: the same tables (GitHub-flavoured pipe
tables), figures as relative links to the files in the run folder (so it renders in a repository or
a notebook viewer next to the run) and links instead of verbatim copies of the config and device
files. Links are relative to the folder the summary is written to.
"""

from __future__ import annotations

import os
from pathlib import Path

from memtwin.report.doc import Block, Cards, Collapsed, Figure, Paragraph, Report, Table, Verbatim


def render_blocks(title: str, blocks: list[Block], out_dir: Path) -> str:
    """A stand-alone Markdown page of ``blocks`` under the heading ``title`` (a run's ``results.md``)."""
    return "\n".join([f"# {title}", "", *_blocks(blocks, out_dir)]).rstrip() + "\n"


def render_markdown(report: Report, out_dir: Path) -> str:
    """The report as Markdown; relative links are computed from ``out_dir``."""
    lines = [f"# {report.title}", ""]
    if report.banner:
        head, _, rest = report.banner.partition(" — ")
        lines += [f"> **{head}** — {rest}" if rest else f"> **{head}**", ""]
    lines += [f"Run folder: `{report.subtitle}` · generated {report.generated}", ""]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        lines += _blocks(section.blocks, out_dir)
        if section.id == "summary" and report.omitted:
            lines += ["**Not in this run:**", ""]
            lines += [f"- {_inline(o)}" for o in report.omitted]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _link(path: Path, out_dir: Path) -> str:
    rel = os.path.relpath(path.resolve(), out_dir.resolve())
    return Path(rel).as_posix().replace(" ", "%20")


def _inline(text: str) -> str:
    """One line of Markdown text: line breaks joined, table pipes escaped."""
    return text.replace("\n", "; ").replace("|", "\\|")


def _blocks(blocks: tuple[Block, ...] | list[Block], out_dir: Path) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            lines += _table(block)
        elif isinstance(block, Paragraph):
            text = _inline(block.text)
            lines += [
                f"*{text}*" if block.kind == "note" else (f"> ⚠ {text}" if block.kind == "warning" else text),
                "",
            ]
        elif isinstance(block, Cards):
            lines += ["| | | |", "| --- | ---: | --- |"]
            lines += [
                f"| {_inline(c.label)} | **{_inline(c.value)}** | {_inline(c.detail)} |" for c in block.cards
            ]
            lines.append("")
        elif isinstance(block, Figure):
            alt = _inline(block.caption.partition(" — ")[0] or block.path.stem)
            lines += [f"![{alt}]({_link(block.path, out_dir)})", "", f"*{_inline(block.caption)}*", ""]
        elif isinstance(block, Verbatim):
            if block.path is not None:
                lines += [
                    f"{_inline(block.caption or block.path.name)}: [{block.path.name}]({_link(block.path, out_dir)})",
                    "",
                ]
            else:
                lines += [f"```{block.language}", block.text.rstrip("\n"), "```", ""]
        elif isinstance(block, Collapsed):
            # On-demand detail (every row, every repetition) stays in the HTML; the summary keeps
            # only the links to verbatim files.
            lines += _blocks([b for b in block.blocks if isinstance(b, Verbatim)], out_dir)
    return lines


def _table(t: Table) -> list[str]:
    lines = [f"**{_inline(t.caption)}**", ""] if t.caption else []
    lines.append("| " + " | ".join(_inline(h) for h in t.header) + " |")
    lines.append(
        "| " + " | ".join("---:" if t.alignment(i) == "r" else "---" for i in range(len(t.header))) + " |"
    )
    lines += ["| " + " | ".join(_inline(c) for c in row) + " |" for row in t.rows]
    lines.append("")
    if t.note:
        lines += [f"*{_inline(t.note)}*", ""]
    return lines
