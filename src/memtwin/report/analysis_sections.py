"""The report's sections of the analyses: the device comparison, the ablation and the tolerance search,
each with the tables its ``results.md`` holds (:mod:`memtwin.report.tables`), every evaluated row on
demand, its figures, and its headline numbers as summary cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from memtwin.report import fmt
from memtwin.report.doc import Block, Card, Collapsed, Figure, Section, Table
from memtwin.report.rows import figure_section, list_of, long_table
from memtwin.report.tables import ablation_blocks, analysis_kind, comparison_blocks, tolerance_blocks, when

__all__ = [
    "ANALYSES_WITH_SECTION",
    "analysis_cards",
    "analysis_section",
    "comparison_section",
    "write_model_section",
]

#: Analyses whose rows are shown in their own section rather than under "Inference accuracy".
ANALYSES_WITH_SECTION = ("ablate", "tolerance")
_TITLES = {
    "ablate": ("ablation", "Ablation: what each non-ideality costs"),
    "tolerance": ("tolerance", "Tolerance: what the device must reach"),
}


def comparison_section(results: Mapping[str, Any], figures: Sequence[Figure]) -> Section | None:
    """A comparison's tables and Fig. 6; for other ``devices`` rows (a summary added to an evaluation),
    one table of every field."""
    if analysis_kind(results) == "compare":
        return Section("comparison", "Comparison with other devices", [*comparison_blocks(results), *figures])
    rows = [r for r in list_of(results.get("devices")) if isinstance(r, Mapping)]
    if not rows:
        return figure_section("comparison", "Comparison with other devices", figures)
    return Section("comparison", "Comparison with other devices", [_devices_table(rows), *figures])


def write_model_section(results: Mapping[str, Any]) -> Section | None:
    """The device under every write model, side by side (the ``writes`` summary ``memtwin assess`` adds)."""
    rows = [r for r in list_of(results.get("writes")) if isinstance(r, Mapping)]
    if not rows:
        return None
    modes = list(dict.fromkeys(str(r.get("mode")) for r in rows))
    writes = list(dict.fromkeys(str(r.get("write")) for r in rows))
    cells = {(str(r.get("write")), str(r.get("mode"))): r for r in rows}
    body = []
    for write in writes:
        line = [write]
        for mode in modes:
            r = cells.get((write, mode), {})
            mean, std = r.get("accuracy_mean"), r.get("accuracy_std")
            loss = fmt.loss_points(results.get("digital_accuracy"), mean)
            line.append(f"{fmt.mean_std_percent(mean, std)} ({loss} pt)")
        body.append(tuple(line))
    caption = (
        "HWAT + compensation, just programmed, the same networks programmed under each write model "
        "(loss vs digital in points)"
    )
    table = Table(
        header=("write", *modes), rows=tuple(body), caption=caption, align=("l",) + ("r",) * len(modes)
    )
    return Section("write-model", "Write model", [table])


def _devices_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    keys: dict[str, None] = {}
    for first in ("device", "name"):
        if any(first in r for r in rows):
            keys.setdefault(first)
    for r in rows:
        for k in r:
            keys.setdefault(k)
    columns = list(keys)
    derive_loss = (
        "digital_accuracy" in keys and "accuracy_mean" in keys and not any("loss" in k for k in keys)
    )
    header = [fmt.label(k) for k in columns] + (["loss vs digital (pt)"] if derive_loss else [])
    body = []
    for r in rows:
        line = [fmt.value(k, r.get(k)) for k in columns]
        if derive_loss:
            line.append(fmt.loss_points(r.get("digital_accuracy"), r.get("accuracy_mean")))
        body.append(tuple(line))
    align = tuple("l" if isinstance(rows[0].get(k), str) else "r" for k in columns) + (
        ("r",) if derive_loss else ()
    )
    return Table(
        header=tuple(header),
        rows=tuple(body),
        caption="every device through the same network and protocol",
        align=align,
    )


def analysis_section(
    results: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], figures: Sequence[Figure]
) -> Section | None:
    """The section of an ablation or a tolerance search: its tables, every row, its figures."""
    kind = analysis_kind(results)
    if kind not in _TITLES:
        return None
    sid, title = _TITLES[kind]
    blocks: list[Block] = ablation_blocks(results) if kind == "ablate" else tolerance_blocks(results)
    digital = results.get("digital_accuracy")
    if kind == "ablate":
        shown = [{k: v for k, v in r.items() if k not in ("setting", "item")} for r in rows]
        every = long_table(shown, digital, ("config",), "every configuration, with each repetition's accuracy",
                           ("configuration",))  # fmt: skip
    else:
        every = long_table(rows, digital, ("parameter", "value"), "every evaluated point, with each repetition's "
                           "accuracy")  # fmt: skip
    if rows:
        blocks.append(Collapsed("All rows and repetitions", (every,)))
    return Section(sid, title, [*blocks, *figures])


def analysis_cards(results: Mapping[str, Any]) -> list[Card]:
    """The headline numbers of an ablation (loss of the full model, the dominant effect) or a tolerance
    search (each threshold)."""
    kind = analysis_kind(results)
    if kind == "ablate":
        return [_ablation_card(s) for s in list_of(results.get("by_time"))]
    if kind == "tolerance":
        return [_threshold_card(t) for t in list_of(results.get("thresholds"))]
    return []


def _ablation_card(s: Mapping[str, Any]) -> Card:
    labels = {t["item"]: t["label"] for t in s["items"]}
    dominant = s.get("dominant") or s.get("dominant_alone")
    detail = f"dominant: {labels.get(dominant, dominant)}" if dominant else "no single effect dominates"
    full = s["loss_full"]
    return Card(
        f"full model at {when(s['time_s'])}", f"{full['mean']:.2f} ± {full['std']:.2f} pt lost", detail
    )


def _threshold_card(t: Mapping[str, Any]) -> Card:
    integer = t["parameter"] == "levels"

    def shown(v: Any) -> str:
        return "–" if v is None else (f"{v:.0f}" if integer else f"{v:.3g}")

    lo, hi = t["band_range"]
    value = shown(t["threshold"]) if t["censored"] is None else f"{shown(t['threshold'])} ({t['censored']})"
    detail = f"band {shown(lo)} to {shown(hi)}; this device {shown(t['device_value'])}"
    return Card(f"{t['kind']} {t['label']}", value, detail)
