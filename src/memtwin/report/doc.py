"""The report as plain data: sections of tables, figures, verbatim text and notes.

The content is decided once (:mod:`memtwin.report.content`) and rendered twice, to HTML and to
Markdown, so the two outputs can never disagree on a number. Cells are already-formatted strings; a
renderer only escapes and lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Table:
    """A table of formatted cells. ``align`` holds 'l' or 'r' per column (numbers right-aligned);
    a cell may hold a line break ('\\n'), which HTML shows as a second, smaller line."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    align: tuple[str, ...] = ()
    note: str = ""

    def alignment(self, i: int) -> str:
        return self.align[i] if i < len(self.align) else ("l" if i == 0 else "r")


@dataclass(frozen=True)
class Figure:
    """One figure file of the run; ``data`` is its bytes (embedded in HTML), ``path`` is linked from
    Markdown. ``mime`` is image/png or image/svg+xml; ``rel`` is the path inside the run folder."""

    path: Path
    caption: str
    data: bytes
    mime: str = "image/png"
    rel: str = ""


@dataclass(frozen=True)
class Verbatim:
    """Text shown exactly as stored (the resolved config, the device TOML). HTML embeds it; the
    Markdown summary links to ``path``, the file it came from, to stay short."""

    text: str
    caption: str = ""
    language: str = ""
    path: Path | None = None


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: Literal["text", "note", "warning"] = "text"


@dataclass(frozen=True)
class Card:
    """A headline number of the summary: label, big value, small line under it."""

    label: str
    value: str
    detail: str = ""
    tone: Literal["neutral", "good", "bad"] = "neutral"


@dataclass(frozen=True)
class Cards:
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Collapsed:
    """Blocks a reader opens on demand (HTML ``<details>``; Markdown shows them under a bold line)."""

    summary: str
    blocks: tuple[Block, ...]


Block = Table | Figure | Verbatim | Paragraph | Cards | Collapsed


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Report:
    """Everything both renderers need. ``banner`` is set for a run that has not completed;
    ``omitted`` lists, in words, the parts of a full run this folder does not have."""

    title: str
    subtitle: str
    generated: str
    sections: list[Section]
    banner: str | None = None
    omitted: list[str] = field(default_factory=list)
