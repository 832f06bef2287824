"""What the report says: turns a :class:`~memtwin.report.run.RunContents` into a
:class:`~memtwin.report.doc.Report` of formatted tables, figures and notes.

Every number is formatted once, in the units a researcher reads (%, percentage points, SI-prefixed S and
J, V, durations), so the HTML and the Markdown renderers never differ. Every section is built only from
what the folder holds; a part that is absent becomes one line in ``Report.omitted`` instead of an error,
and fields this version does not know are still shown, formatted by their key's suffix. Each analysis
gets its own section: the accuracy and sweep tables here, the device sections in
:mod:`.device_sections`, the comparison, ablation and tolerance in :mod:`.analysis_sections`, the
configuration and provenance in :mod:`.provenance`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from memtwin.crossbar.periphery import WRITE_MEANINGS
from memtwin.report import fmt
from memtwin.report.analysis_sections import (
    ANALYSES_WITH_SECTION,
    analysis_cards,
    analysis_section,
    comparison_section,
    write_model_section,
)
from memtwin.report.device_sections import characterization_section, chosen_device, device_section
from memtwin.report.doc import Block, Card, Cards, Collapsed, Figure, Paragraph, Report, Section, Table
from memtwin.report.figures import (
    ABLATION,
    ACCURACY,
    CHARACTERIZATION,
    COMPARISON,
    OTHER,
    SWEEP,
    TOLERANCE,
    TRAINING,
    classify,
)
from memtwin.report.provenance import RESULT_KEYS, SETUP_KEYS, config_section, provenance_section
from memtwin.report.rows import (
    VARIANT_LEGEND,
    accuracy_cell,
    figure_section,
    group_keys,
    group_label,
    list_of,
    long_table,
    pivot,
    text_of,
)
from memtwin.report.run import RunContents
from memtwin.report.tables import analysis_kind, analysis_title

__all__ = ["RESULT_KEYS", "SETUP_KEYS", "build_report"]

#: Loss (pt) up to which a summary card is drawn as "holds" rather than "degrades".
CARD_GOOD_LOSS_PT = 1.0
MAX_CARDS = 9


def build_report(run: RunContents) -> Report:
    """The whole report of one run folder."""
    results = run.results or {}
    analog = [r for r in list_of(results.get("analog")) if isinstance(r, dict)]
    own_section = analysis_kind(results) in ANALYSES_WITH_SECTION
    plain = [] if own_section else [r for r in analog if r.get("parameter") is None]
    swept = [] if own_section else [r for r in analog if r.get("parameter") is not None]
    figures = _figures_by_section(run)
    omitted: list[str] = []

    sections = [_summary(run, results, plain)]
    for build in (
        lambda: characterization_section(run, figures.get(CHARACTERIZATION, []), omitted),
        lambda: device_section(run, omitted),
        lambda: _accuracy(run, results, plain, figures.get(ACCURACY, []), [] if own_section else omitted),
        lambda: figure_section("training", "Training", figures.get(TRAINING, [])),
        lambda: _sweep(results, swept, figures.get(SWEEP, [])),
        lambda: write_model_section(results),
        lambda: comparison_section(results, figures.get(COMPARISON, [])),
        lambda: analysis_section(results, analog, figures.get(ABLATION, []) + figures.get(TOLERANCE, [])),
        lambda: figure_section("other-figures", "Other figures", figures.get(OTHER, [])),
        lambda: config_section(run, omitted),
        lambda: provenance_section(run, results),
    ):
        section = build()
        if section is not None:
            sections.append(section)
    if not run.figures:
        omitted.append("Figures: none found in this folder.")

    return Report(
        title=_title(run, results),
        subtitle=str(run.path.resolve()),
        generated=time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        sections=sections,
        banner=_banner(run),
        omitted=omitted,
    )


def _title(run: RunContents, results: Mapping[str, Any]) -> str:
    if analysis_kind(results) in ("compare", "ablate", "tolerance"):
        return f"memtwin report: {analysis_title(results)}"
    config = run.config or {}
    task = results.get("task") or config.get("task")
    device = results.get("device") or config.get("device")
    if task and device:
        return f"memtwin report: {task} on {device}"
    if run.characterization and not run.is_experiment:
        return f"memtwin characterization: {', '.join(run.characterization)}"
    return f"memtwin report: {run.path.resolve().name}"


def _banner(run: RunContents) -> str | None:
    """The INCOMPLETE RUN line, or None for a complete run or a characterization-only folder."""
    state = run.state
    if state == "complete":
        return None
    if state is None:
        if not run.is_experiment:
            return None
        return (
            "INCOMPLETE RUN — this folder has no status.json, so nothing says the run finished; "
            "the numbers below may be partial."
        )
    updated = run.status.get("updated") if run.status else None
    when = f", last updated {updated}" if updated else ""
    return (
        f"INCOMPLETE RUN — status is '{state}'{when}. The run has not finished (or was stopped): "
        "results and figures below are partial and will change when it completes."
    )


def _figures_by_section(run: RunContents) -> dict[str, list[Figure]]:
    out: dict[str, list[Figure]] = {}
    for f in run.figures:
        rel = f.path.relative_to(run.path)
        figure = Figure(
            path=f.path, caption=(kind := classify(rel)).caption, data=f.data, mime=f.mime, rel=rel.as_posix()
        )
        out.setdefault(kind.section, []).append(figure)
    return out


def _summary(run: RunContents, results: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> Section:
    facts = _facts(run, results, rows)
    blocks: list[Block] = [Paragraph(" · ".join(facts) + ".")] if facts else []
    cards = _cards(run, results, rows)
    if len(cards) > MAX_CARDS:
        blocks.append(Cards(tuple(cards[:MAX_CARDS])))
        blocks.append(Paragraph(f"{len(cards) - MAX_CARDS} more conditions in the tables below.", "note"))
    elif cards:
        blocks.append(Cards(tuple(cards)))
    blocks += [Paragraph(problem, "warning") for problem in run.problems]
    return Section("summary", "Summary", blocks)


def _facts(run: RunContents, results: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The run in one line: task, device, network, test set, conditions, repetitions, status."""
    facts = []
    if results.get("task"):
        facts.append(f"Task: {results['task']}")
    if results.get("device"):
        facts.append(f"device: {results['device']}")
    network = results.get("network")
    if isinstance(network, Mapping) and fmt.number(network.get("weights")) is not None:
        devices = network.get("devices")
        on = f" on {devices} devices" if fmt.number(devices) is not None else ""
        facts.append(f"{network['weights']} weights{on}")
    data = results.get("data")
    if isinstance(data, Mapping) and fmt.number(data.get("n_test")) is not None:
        facts.append(f"{data['n_test']} test images")
    if rows:
        times = {r.get("time_s") for r in rows}
        reps = sorted({text_of(r.get("repetitions")) for r in rows if r.get("repetitions") is not None})
        groups = {group_label(r, group_keys(rows)) for r in rows}
        facts.append(f"{len(groups)} conditions × {len(times)} times after programming")
        if reps:
            facts.append(f"{' / '.join(reps)} repetitions each")
    if run.state:
        facts.append(f"status: {run.state}")
    return facts


def _cards(run: RunContents, results: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> list[Card]:
    """The headline numbers: digital accuracy, each condition (or the analysis' findings), the device."""
    digital = results.get("digital_accuracy")
    cards: list[Card] = []
    if fmt.number(digital) is not None:
        cards.append(
            Card("digital (software) accuracy", fmt.percent(digital), "the reference for every loss")
        )
    if rows:
        cards += _accuracy_cards(rows, digital)
    cards += analysis_cards(results)
    if run.characterization:
        carded = list(run.characterization.items())
        if len(carded) > 2:  # an array: the device the run simulated
            chosen = chosen_device(run)
            carded = [(n, c) for n, c in carded if n == chosen] or carded[:1]
        for name, ch in carded[:2]:
            bits = fmt.number(ch.get("bits"))
            detail = f"{bits:.2f} bits · mean σ {fmt.si(ch.get('sigma_mean_S'), 'S')}" if bits else ""
            cards.append(Card(f"{name}: distinguishable bins", fmt.value("bins", ch.get("bins")), detail))
    return cards


def _accuracy_cards(rows: Sequence[Mapping[str, Any]], digital: Any) -> list[Card]:
    """Per condition: the accuracy right after programming, and the loss at the last time."""
    keys = group_keys(rows)
    by_group: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_group.setdefault(group_label(r, keys), []).append(r)
    cards = []
    for label, group in by_group.items():
        timed = sorted(group, key=lambda r: fmt.number(r.get("time_s")) or 0.0)
        first, last = timed[0], timed[-1]
        detail = f"at {fmt.duration(first.get('time_s'))}"
        loss_first = fmt.loss_points(digital, first.get("accuracy_mean"))
        if loss_first != fmt.DASH:
            detail += f", loss {loss_first} pt"
        tone_row = first
        if last is not first:
            detail += f"; after {fmt.duration(last.get('time_s'))}: {fmt.percent(last.get('accuracy_mean'))}"
            loss_last = fmt.loss_points(digital, last.get("accuracy_mean"))
            if loss_last != fmt.DASH:
                detail += f" (loss {loss_last} pt)"
            tone_row = last
        d, a = fmt.number(digital), fmt.number(tone_row.get("accuracy_mean"))
        tone: Any = "neutral"
        if d is not None and a is not None:
            tone = "good" if 100 * (d - a) <= CARD_GOOD_LOSS_PT else "bad"
        cards.append(
            Card(
                label,
                fmt.mean_std_percent(first.get("accuracy_mean"), first.get("accuracy_std")),
                detail,
                tone,
            )
        )
    return cards


# ------------------------------------------------------------------------------------ accuracy
def _accuracy(
    run: RunContents,
    results: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    figures: Sequence[Figure],
    omitted: list[str],
) -> Section | None:
    if not rows:
        if run.results is None:
            what = (
                "no results.json or results.csv yet"
                if run.is_experiment
                else "this folder holds a characterization only"
            )
            omitted.append(f"Accuracy: {what}.")
        elif not list_of(results.get("analog")):
            omitted.append("Accuracy: results.json has no analog rows.")
        return figure_section("accuracy", "Inference accuracy", figures)
    digital = results.get("digital_accuracy")
    blocks: list[Block] = []
    if fmt.number(digital) is not None:
        blocks.append(Paragraph(f"Digital (software) test accuracy: {fmt.percent(digital)}."))
    else:
        blocks.append(Paragraph("No digital accuracy in the results: losses are not shown.", "note"))
    blocks.append(Paragraph(VARIANT_LEGEND, "note"))
    write = results.get("write")
    if write in WRITE_MEANINGS:
        blocks.append(Paragraph(f"Weights written {write}: {WRITE_MEANINGS[write]}.", "note"))
    by_time = pivot(
        rows, "time_s", group_keys(rows), accuracy_cell(digital), fmt.duration, "time after programming"
    )
    long = long_table(rows, digital, (), "every condition, with each repetition's accuracy")
    if by_time is not None:
        header, body = by_time
        under = f", weights written {write}" if isinstance(write, str) else ""
        blocks.append(
            Table(header=header, rows=body, caption=f"test accuracy against time after programming{under}")
        )
        blocks.append(Collapsed("All conditions and repetitions", (long,)))
    else:
        blocks.append(long)
    if run.results_source == "results.csv":
        blocks.append(Paragraph("Read from results.csv: results.json is missing or unreadable.", "note"))
    else:
        blocks.append(
            Paragraph("Every row, with each repetition's accuracy: results.json, results.csv.", "note")
        )
    blocks += figures
    return Section("accuracy", "Inference accuracy", blocks)


# ------------------------------------------------------------------------------------- sweep
def _sweep(
    results: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], figures: Sequence[Figure]
) -> Section | None:
    if not rows:
        return figure_section("sweep", "Parameter sweep", figures)
    digital = results.get("digital_accuracy")
    blocks: list[Block] = []
    by_param: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_param.setdefault(text_of(r.get("parameter")), []).append(r)
    for parameter, group in by_param.items():
        cols = group_keys(group)
        label = _value_label(parameter)
        by_value = pivot(group, "value", cols, accuracy_cell(digital), label, parameter)
        if by_value is None:
            by_value = pivot(group, "value", [*cols, "time_s"], accuracy_cell(digital), label, parameter)
        long = long_table(group, digital, ("value",), f"sweep of {parameter}: every row", (parameter,))
        if by_value is not None:
            times = {fmt.duration(r.get("time_s")) for r in group}
            at = f" at {times.pop()} after programming" if len(times) == 1 else ""
            blocks.append(
                Table(header=by_value[0], rows=by_value[1], caption=f"test accuracy against {parameter}{at}")
            )
            blocks.append(Collapsed(f"All rows of the {parameter} sweep", (long,)))
        else:
            blocks.append(long)
    blocks += figures
    # A sweep of the write model is the report's "write model" section: the writes side by side.
    title = "Write model" if set(by_param) == {"write"} else "Parameter sweep"
    return Section("sweep", title, blocks)


def _value_label(parameter: str) -> Callable[[Any], str]:
    def label(v: Any) -> str:
        return fmt.value(parameter, v)

    return label
