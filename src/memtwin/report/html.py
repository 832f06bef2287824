"""Render a :class:`~memtwin.report.doc.Report` as one self-contained HTML file.

Self-contained means the file alone is the report: figures are embedded as base64 ``data:`` URIs,
the stylesheet is inline, and nothing is fetched (no fonts, scripts or stylesheets from elsewhere),
so it can be mailed, archived next to a paper, or opened offline years later. No JavaScript is
needed: collapsible parts use ``<details>``. Every piece of text from the run is HTML-escaped.
"""

from __future__ import annotations

import base64
import struct
from html import escape

from memtwin import __version__
from memtwin.report.doc import (
    Block,
    Cards,
    Collapsed,
    Figure,
    Paragraph,
    Report,
    Section,
    Table,
    Verbatim,
)

CSS = """
:root {
  --ink: #1b2230; --muted: #5b6678; --line: #dde3ec; --paper: #ffffff; --page: #eef1f5;
  --accent: #1f5f99; --good: #1e7a46; --bad: #b3261e; --head: #17202f;
}
* { box-sizing: border-box; }
html { background: var(--page); }
body {
  margin: 0; color: var(--ink); line-height: 1.5; font-size: 15px;
  font-family: system-ui, -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
}
header.top { background: var(--head); color: #fff; padding: 26px 0 20px; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 28px; }
header.top h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: .2px; }
header.top .sub { color: #b8c3d6; font-size: 13px; }
header.top code { color: #dbe4f3; font-size: 12.5px; }
nav.toc { margin-top: 14px; display: flex; flex-wrap: wrap; gap: 6px; }
nav.toc a {
  color: #dbe4f3; text-decoration: none; font-size: 13px; padding: 3px 10px;
  border: 1px solid #3a4a63; border-radius: 999px;
}
nav.toc a:hover { background: #2a3a55; }
.banner {
  background: var(--bad); color: #fff; font-weight: 650; padding: 14px 20px; margin: 22px 0 0;
  border-radius: 8px; font-size: 15px; letter-spacing: .2px;
  border: 3px solid #7e1a14; box-shadow: 0 2px 8px rgba(179,38,30,.25);
}
.banner strong { font-size: 18px; letter-spacing: .8px; margin-right: 6px; }
main { padding: 6px 0 30px; }
section.card {
  background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 26px 22px; margin: 22px 0; box-shadow: 0 1px 3px rgba(20,30,50,.06);
}
section.card > h2 {
  margin: 0 0 12px; font-size: 20px; font-weight: 650; color: var(--head);
  border-left: 4px solid var(--accent); padding-left: 10px;
}
p { margin: 8px 0; }
p.note { color: var(--muted); font-size: 13.5px; }
p.warning {
  background: #fff6e0; border: 1px solid #f0d48a; color: #6b4b00; padding: 8px 12px; border-radius: 6px;
  font-size: 14px;
}
.omitted { background: #f6f8fb; border: 1px dashed #c5cfdc; border-radius: 8px; padding: 8px 14px; margin-top: 12px; }
.omitted h3 { margin: 2px 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); }
.omitted ul { margin: 0; padding-left: 18px; color: var(--muted); font-size: 13.5px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; margin: 12px 0 6px; }
.kpi {
  border: 1px solid var(--line); border-left: 5px solid var(--accent); border-radius: 8px;
  padding: 10px 14px; background: #fbfcfe;
}
.kpi.good { border-left-color: var(--good); }
.kpi.bad { border-left-color: var(--bad); }
.kpi .label { font-size: 12.5px; color: var(--muted); text-transform: uppercase; letter-spacing: .4px; }
.kpi .value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; margin: 2px 0; }
.kpi .detail { font-size: 12.5px; color: var(--muted); }
.tablewrap { overflow-x: auto; margin: 14px 0 8px; max-width: 100%; }
.tables { display: flex; flex-wrap: wrap; gap: 0 36px; align-items: flex-start; }
.tables > .tablewrap { flex: 0 1 auto; }
table { border-collapse: collapse; font-size: 14px; }
td:first-child { white-space: nowrap; }
caption { caption-side: top; text-align: left; color: var(--muted); font-size: 13px; padding: 0 0 6px; font-style: italic; }
th, td { padding: 6px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef2f8; font-weight: 600; text-align: left; white-space: nowrap; color: var(--head); }
td { font-variant-numeric: tabular-nums; }
td.r, th.r { text-align: right; }
tbody tr:nth-child(even) td { background: #f9fbfd; }
td .sub { display: block; color: var(--muted); font-size: 12px; }
.tnote { color: var(--muted); font-size: 12.5px; margin: 4px 0 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 18px; margin: 16px 0 4px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px; background: #fff; }
figure img { display: block; width: 100%; height: auto; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 8px; }
figcaption .file { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 11.5px; color: #8a94a6; }
pre {
  background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px;
  font: 12.5px/1.45 ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace;
  overflow: auto; max-height: 560px; white-space: pre;
}
.vcap { color: var(--muted); font-size: 13px; font-style: italic; margin: 10px 0 4px; }
details { margin: 10px 0; }
details > summary { cursor: pointer; color: var(--accent); font-weight: 600; font-size: 14px; }
footer { color: var(--muted); font-size: 12.5px; padding: 4px 0 30px; }
@media print {
  html, body { background: #fff; }
  section.card { box-shadow: none; break-inside: avoid-page; }
  nav.toc { display: none; }
  details { display: block; }
}
"""


def _t(text: str) -> str:
    """Escape text content (quotes need no escaping there, and stay readable in the source)."""
    return escape(text, quote=False)


def render_html(report: Report) -> str:
    """The report as a complete HTML5 document (a str; the caller writes it atomically)."""
    toc = "".join(f'<a href="#{escape(s.id)}">{_t(s.title)}</a>' for s in report.sections)
    banner = ""
    if report.banner:
        head, _, rest = report.banner.partition(" — ")
        banner = (
            f'<div class="banner" role="alert"><strong>{_t(head)}</strong>'
            f"{' — ' + _t(rest) if rest else ''}</div>"
        )
    sections = "\n".join(_section(s, report if s.id == "summary" else None) for s in report.sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="memtwin {escape(__version__)}">
<title>{_t(report.title)}</title>
<style>{CSS}</style>
</head>
<body>
<header class="top"><div class="wrap">
<h1>{_t(report.title)}</h1>
<div class="sub">run folder <code>{_t(report.subtitle)}</code> · report generated {_t(report.generated)}</div>
<nav class="toc">{toc}</nav>
</div></header>
<div class="wrap">
{banner}
<main>
{sections}
</main>
<footer>Written by memtwin {escape(__version__)}. Figures and tables come from the files of the run folder;
units: SI with the prefix each quantity calls for (pS … mS, nJ), voltage in V, accuracy in %, losses in
percentage points (pt).</footer>
</div>
</body>
</html>
"""


def _section(section: Section, report: Report | None) -> str:
    body = _blocks(section.blocks)
    if report is not None and report.omitted:
        items = "".join(f"<li>{_t(o)}</li>" for o in report.omitted)
        body += f'<div class="omitted"><h3>Not in this run</h3><ul>{items}</ul></div>'
    return (
        f'<section class="card" id="{escape(section.id)}">\n<h2>{_t(section.title)}</h2>\n{body}\n</section>'
    )


def _blocks(blocks: tuple[Block, ...] | list[Block]) -> str:
    """Blocks in order; runs of figures share a grid and runs of tables a wrapping row, so short
    tables sit side by side instead of leaving the right half of the page empty."""
    out: list[str] = []
    run: list[Block] = []

    def flush() -> None:
        if run and isinstance(run[0], Figure):
            out.append('<div class="figures">' + "".join(_block(f) for f in run) + "</div>")
        elif len(run) > 1:
            out.append('<div class="tables">' + "".join(_block(t) for t in run) + "</div>")
        elif run:
            out.append(_block(run[0]))
        run.clear()

    for block in blocks:
        if isinstance(block, Figure | Table):
            if run and type(run[0]) is not type(block):
                flush()
            run.append(block)
            continue
        flush()
        out.append(_block(block))
    flush()
    return "\n".join(out)


def _block(block: Block) -> str:
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Paragraph):
        cls = f' class="{block.kind}"' if block.kind != "text" else ""
        return f"<p{cls}>{_t(block.text)}</p>"
    if isinstance(block, Cards):
        cards = "".join(
            f'<div class="kpi {c.tone}"><div class="label">{_t(c.label)}</div>'
            f'<div class="value">{_t(c.value)}</div><div class="detail">{_t(c.detail)}</div></div>'
            for c in block.cards
        )
        return f'<div class="cards">{cards}</div>'
    if isinstance(block, Verbatim):
        cap = f'<div class="vcap">{_t(block.caption)}</div>' if block.caption else ""
        return f"{cap}<pre>{_t(block.text)}</pre>"
    if isinstance(block, Collapsed):
        return f"<details><summary>{_t(block.summary)}</summary>{_blocks(block.blocks)}</details>"
    if isinstance(block, Figure):
        return _figure(block)
    raise TypeError(f"unknown report block {type(block).__name__}")  # pragma: no cover


def _cell(text: str) -> str:
    first, _, rest = text.partition("\n")
    return _t(first) + (f'<span class="sub">{_t(rest)}</span>' if rest else "")


def _table(t: Table) -> str:
    cls = ["r" if t.alignment(i) == "r" else "" for i in range(len(t.header))]

    def attr(i: int) -> str:
        return f' class="{cls[i]}"' if i < len(cls) and cls[i] else ""

    head = "".join(f"<th{attr(i)}>{_t(h)}</th>" for i, h in enumerate(t.header))
    rows = "".join(
        "<tr>" + "".join(f"<td{attr(i)}>{_cell(c)}</td>" for i, c in enumerate(r)) + "</tr>" for r in t.rows
    )
    caption = f"<caption>{_t(t.caption)}</caption>" if t.caption else ""
    note = f'<p class="tnote">{_t(t.note)}</p>' if t.note else ""
    return f'<div class="tablewrap"><table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{note}</div>'


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, so the page reserves the figure's space up front."""
    if len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    return None


def _figure(f: Figure) -> str:
    payload = base64.b64encode(f.data).decode("ascii")
    size = png_size(f.data) if f.mime == "image/png" else None
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return (
        f'<figure><img src="data:{f.mime};base64,{payload}" alt="{escape(f.caption)}"{dims}>'
        f'<figcaption>{_t(f.caption)} <span class="file">{_t(f.rel or f.path.name)}</span></figcaption></figure>'
    )
