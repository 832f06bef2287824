"""The report's closing sections: the resolved configuration, and the run's provenance (status,
versions, seeds, setup, timings, and any results field no section shows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memtwin import __version__
from memtwin.report import fmt
from memtwin.report.doc import Block, Paragraph, Section, Table, Verbatim
from memtwin.report.run import RunContents

__all__ = ["RESULT_KEYS", "SETUP_KEYS", "config_section", "provenance_section"]

#: results.json keys with a section of their own; any other key is listed under provenance.
RESULT_KEYS = frozenset(
    {"task", "device", "digital_accuracy", "analog", "seeds", "timings", "timings_s", "versions", "devices"}
    | {"network", "data", "hardware", "sweep", "protocol", "executor", "analysis"}
    | {"times_s", "variant", "by_time", "note"}  # ablation
    | {"budget_points", "time_s", "z", "thresholds"}  # tolerance
    | {"literature", "literature_nonidealities", "nonidealities_reported"}  # comparison
)
#: results.json keys that describe the run's setup; shown flattened in one table under provenance.
SETUP_KEYS = ("network", "data", "hardware", "sweep", "protocol", "executor")


def config_section(run: RunContents, omitted: list[str]) -> Section | None:
    if run.config_text is None:
        if run.is_experiment:
            omitted.append("Configuration: no config.toml in this folder.")
        return None
    caption = "config.toml — the fully resolved configuration; rerunning it reproduces this folder"
    return Section(
        "config", "Configuration", [Verbatim(run.config_text, caption, "toml", run.path / "config.toml")]
    )


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out += _flatten(v, key + ".")
        else:
            out.append((key, v))
    return out


def provenance_section(run: RunContents, results: Mapping[str, Any]) -> Section:
    blocks: list[Block] = []
    status_rows: list[tuple[str, str]] = []
    if run.status is not None:
        status_rows += [(fmt.label(k), fmt.value(k, v)) for k, v in run.status.items()]
    else:
        status_rows.append(("state", "no status.json"))
    status_rows.append(("report by", f"memtwin {__version__}"))
    blocks.append(
        Table(
            header=("status.json", "value"), rows=tuple(status_rows), caption="run status", align=("l", "l")
        )
    )

    versions = results.get("versions")
    if isinstance(versions, Mapping) and versions:
        rows = tuple((k, fmt.value("", v) if not isinstance(v, str) else v) for k, v in _flatten(versions))
        blocks.append(Table(header=("software", "version"), rows=rows, caption="versions", align=("l", "l")))
    elif versions is not None:
        blocks.append(Paragraph(f"Versions: {fmt.compact_json(versions)}"))

    seeds = results.get("seeds")
    if isinstance(seeds, Mapping) and seeds:
        rows = tuple((k, fmt.compact_json(v)) for k, v in _flatten(seeds))
        blocks.append(Table(header=("random stream", "seed"), rows=rows, caption="seeds", align=("l", "r")))
    elif seeds is not None:
        blocks.append(Paragraph(f"Seeds: {fmt.compact_json(seeds)}"))

    setup = [(k, v) for key in SETUP_KEYS if key in results for k, v in _flatten({key: results[key]})]
    if setup:
        rows = tuple((k, fmt.value(k.rsplit(".", 1)[-1], v)) for k, v in setup)
        blocks.append(Table(header=("setup", "value"), rows=rows, caption="network, data, hardware"))

    timings = results.get("timings", results.get("timings_s"))
    if isinstance(timings, Mapping) and timings:
        rows = tuple(
            (k, fmt.elapsed(v) if fmt.number(v) is not None else fmt.compact_json(v))
            for k, v in _flatten(timings)
        )
        blocks.append(Table(header=("step", "wall time"), rows=rows, caption="timings"))
    elif timings is not None:
        blocks.append(Paragraph(f"Timings: {fmt.compact_json(timings)}"))

    other = [(k, v) for k, v in results.items() if k not in RESULT_KEYS]
    if other:
        rows = tuple(
            (k, fmt.value(k, v) if not isinstance(v, Mapping | list) else fmt.compact_json(v))
            for k, v in other
        )
        blocks.append(Table(header=("field", "value"), rows=rows, caption="other results", align=("l", "l")))
    if run.files:
        blocks.append(Paragraph("Files in the run folder: " + ", ".join(run.files) + ".", "note"))
    return Section("provenance", "Provenance", blocks)
