"""Render document blocks (:mod:`memtwin.report.doc`) in a terminal with rich: the third renderer of
the same tables, next to HTML and Markdown, for the commands that print what they found."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from memtwin.report.doc import Block, Cards, Collapsed, Paragraph, Table

__all__ = ["print_blocks", "render_block", "render_table"]

_STYLES = {"text": "", "note": "italic", "warning": "yellow"}


def render_table(table: Table) -> RichTable:
    """A rich table with the same header, cells, alignment and caption."""
    out = RichTable(title=table.caption or None, caption=table.note or None, caption_justify="left")
    for i, name in enumerate(table.header):
        right = table.alignment(i) == "r"
        out.add_column(name, justify="right" if right else "left", no_wrap=i == 0)
    for row in table.rows:
        out.add_row(*(Text(cell) for cell in row))
    return out


def render_block(block: Block) -> RenderableType | None:
    """A block as a rich renderable (figures and verbatim files are left to the report)."""
    if isinstance(block, Table):
        return render_table(block)
    if isinstance(block, Paragraph):
        return Text(block.text, style=_STYLES.get(block.kind, ""))
    if isinstance(block, Cards):
        return Text("\n".join(f"{c.label}: {c.value}  {c.detail}".rstrip() for c in block.cards))
    if isinstance(block, Collapsed):
        return None
    return None


def print_blocks(blocks: Iterable[Block], console: Console | None = None) -> None:
    """Print ``blocks`` (tables and paragraphs) to ``console`` (default: stdout)."""
    console = console or Console()
    for block in blocks:
        rendered = render_block(block)
        if rendered is not None:
            console.print(rendered)
