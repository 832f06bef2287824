"""What the report says: turns a :class:`~memtwin.report.run.RunContents` into a
:class:`~memtwin.report.doc.Report` of formatted tables, figures and notes.

Every number is formatted here, once, in the units a researcher reads (%, percentage points, SI-prefixed S and J,
V, durations), so the HTML and the Markdown renderers never differ. Every section is built only
from what the folder holds; a part that is absent becomes one line in ``Report.omitted`` instead of
an error, and fields this version does not know are still shown, formatted by their key's suffix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from memtwin import __version__
from memtwin.report import fmt
from memtwin.report.doc import (
    Block,
    Card,
    Cards,
    Collapsed,
    Figure,
    Paragraph,
    Report,
    Section,
    Table,
    Verbatim,
)
from memtwin.report.figures import (
    ACCURACY,
    CHARACTERIZATION,
    COMPARISON,
    OTHER,
    SWEEP,
    TRAINING,
    classify,
)
from memtwin.report.run import RunContents
from memtwin.siformat import si_row

VARIANT_NAMES = {"baseline": "baseline", "hwat_gdc": "HWAT + GDC"}
VARIANT_LEGEND = (
    "baseline: the digitally trained weights programmed as they are, no drift compensation; "
    "HWAT + GDC: after hardware-aware training, with global drift compensation. "
    "Loss = digital − analog accuracy in percentage points (pt); mean ± std over repetitions."
)
#: Keys of an analog row the accuracy tables show in their own columns.
ROW_KEYS = frozenset(
    {"mode", "variant", "time_s", "accuracy_mean", "accuracy_std", "repetitions", "accuracies"}
)
GROUP_KEYS = ("device", "mode", "variant")
#: results.json keys with a section of their own; any other key is listed under provenance.
RESULT_KEYS = frozenset(
    {"task", "device", "digital_accuracy", "analog", "seeds", "timings", "timings_s", "versions", "devices"}
    | {"network", "data", "hardware", "sweep"}
)
#: results.json keys that describe the run's setup; shown flattened in one table under provenance.
SETUP_KEYS = ("network", "data", "hardware", "sweep")
#: Loss (pt) up to which a summary card is drawn as "holds" rather than "degrades".
CARD_GOOD_LOSS_PT = 1.0
MAX_CARDS = 9


def build_report(run: RunContents) -> Report:
    """The whole report of one run folder."""
    results = run.results or {}
    analog = [r for r in _list(results.get("analog")) if isinstance(r, dict)]
    plain = [r for r in analog if r.get("parameter") is None]
    swept = [r for r in analog if r.get("parameter") is not None]
    figures = _figures_by_section(run)
    omitted: list[str] = []

    sections = [_summary(run, results, plain)]
    for build in (
        lambda: _characterization(run, figures.get(CHARACTERIZATION, []), omitted),
        lambda: _device(run, omitted),
        lambda: _accuracy(run, results, plain, figures.get(ACCURACY, []), omitted),
        lambda: _figure_section("training", "Training", figures.get(TRAINING, [])),
        lambda: _sweep(results, swept, figures.get(SWEEP, [])),
        lambda: _comparison(results, figures.get(COMPARISON, [])),
        lambda: _figure_section("other-figures", "Other figures", figures.get(OTHER, [])),
        lambda: _config(run, omitted),
        lambda: _provenance(run, results),
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


# ---------------------------------------------------------------------------------------- helpers
def _list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list | tuple) else []


def _text(x: Any) -> str:
    return "" if x is None else str(x)


def _title(run: RunContents, results: Mapping[str, Any]) -> str:
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


def _figure_section(sid: str, title: str, figures: Sequence[Figure]) -> Section | None:
    return Section(sid, title, list(figures)) if figures else None


def _group_label(row: Mapping[str, Any], keys: Sequence[str]) -> str:
    parts = []
    for k in keys:
        v = row.get(k)
        if k == "variant":
            parts.append(VARIANT_NAMES.get(str(v), str(v)))
        elif k == "time_s":
            parts.append(fmt.duration(v))
        else:
            parts.append(_text(v))
    return " · ".join(p for p in parts if p)


def _group_keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The keys that tell conditions apart: device (only in multi-device rows), mode, variant."""
    return [k for k in GROUP_KEYS if any(k in r for r in rows)]


def _extra_keys(rows: Sequence[Mapping[str, Any]], known: Iterable[str]) -> list[str]:
    skip = set(known)
    keys: dict[str, None] = {}
    for r in rows:
        for k in r:
            if k not in skip:
                keys.setdefault(k)
    return list(keys)


def _pivot(
    rows: Sequence[Mapping[str, Any]],
    row_key: str,
    col_keys: Sequence[str],
    cell: Callable[[Mapping[str, Any]], str],
    row_label: Callable[[Any], str],
    first_header: str,
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None:
    """Rows by ``row_key``, one column per distinct ``col_keys`` combination; None when two rows
    would share a cell (then only the long table is shown: it never hides a row)."""
    cols: dict[tuple[str, ...], str] = {}
    grid: dict[tuple[Any, tuple[str, ...]], Mapping[str, Any]] = {}
    row_values: dict[Any, None] = {}
    for r in rows:
        ck = tuple(_text(r.get(k)) for k in col_keys)
        cols.setdefault(ck, _group_label(r, col_keys))
        rv = r.get(row_key)
        if (rv, ck) in grid:
            return None
        grid[(rv, ck)] = r
        row_values.setdefault(rv)
    try:
        ordered = sorted(row_values, key=lambda v: (fmt.number(v) is None, fmt.number(v) or 0.0, str(v)))
    except TypeError:  # pragma: no cover - mixed keys
        ordered = list(row_values)
    header = (first_header, *cols.values())
    body = tuple(
        (row_label(rv), *(cell(grid[(rv, ck)]) if (rv, ck) in grid else fmt.DASH for ck in cols))
        for rv in ordered
    )
    return header, body


def _accuracy_cell(digital: Any) -> Callable[[Mapping[str, Any]], str]:
    def cell(r: Mapping[str, Any]) -> str:
        text = fmt.mean_std_percent(r.get("accuracy_mean"), r.get("accuracy_std"))
        loss = fmt.loss_points(digital, r.get("accuracy_mean"))
        return text if loss == fmt.DASH else f"{text}\nloss {loss} pt"

    return cell


def _repetitions(r: Mapping[str, Any]) -> str:
    accs = [fmt.number(a) for a in _list(r.get("accuracies"))]
    shown = [f"{100 * a:.2f}" for a in accs if a is not None]
    return ", ".join(shown) if shown else fmt.DASH


def _long_table(
    rows: Sequence[Mapping[str, Any]],
    digital: Any,
    lead: Sequence[str],
    caption: str,
    lead_labels: Sequence[str] = (),
) -> Table:
    """One line per row with every field, the per-repetition accuracies and unknown keys included."""
    groups = _group_keys(rows)
    extra = _extra_keys(rows, {*ROW_KEYS, *groups, *lead, "parameter"})
    header = (
        *(lead_labels or [fmt.label(k) for k in lead]),
        *groups,
        "time after programming",
        "accuracy (mean ± std)",
        "loss vs digital (pt)",
        "n",
        "each repetition (%)",
        *(fmt.label(k) for k in extra),
    )
    body = tuple(
        (
            *(fmt.value(k, r.get(k)) for k in lead),
            *(
                VARIANT_NAMES.get(_text(r.get(k)), _text(r.get(k))) if k == "variant" else _text(r.get(k))
                for k in groups
            ),
            fmt.duration(r.get("time_s")),
            fmt.mean_std_percent(r.get("accuracy_mean"), r.get("accuracy_std")),
            fmt.loss_points(digital, r.get("accuracy_mean")),
            fmt.value("repetitions", r.get("repetitions")),
            _repetitions(r),
            *(fmt.value(k, r.get(k)) for k in extra),
        )
        for r in rows
    )
    n_left = len(lead) + len(groups)
    align = ("l",) * n_left + ("r",) * (len(header) - n_left)
    return Table(header=header, rows=body, caption=caption, align=align)


# ---------------------------------------------------------------------------------------- summary
def _summary(run: RunContents, results: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> Section:
    blocks: list[Block] = []
    digital = results.get("digital_accuracy")
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
        reps = sorted({_text(r.get("repetitions")) for r in rows if r.get("repetitions") is not None})
        groups = {_group_label(r, _group_keys(rows)) for r in rows}
        facts.append(f"{len(groups)} conditions × {len(times)} times after programming")
        if reps:
            facts.append(f"{' / '.join(reps)} repetitions each")
    if run.state:
        facts.append(f"status: {run.state}")
    if facts:
        blocks.append(Paragraph(" · ".join(facts) + "."))

    cards: list[Card] = []
    if fmt.number(digital) is not None:
        cards.append(
            Card("digital (software) accuracy", fmt.percent(digital), "the reference for every loss")
        )
    if rows:
        cards += _accuracy_cards(rows, digital)
    if run.characterization:
        carded = list(run.characterization.items())
        if len(carded) > 2:  # an array: the device the run simulated
            chosen = _chosen_device(run)
            carded = [(n, c) for n, c in carded if n == chosen] or carded[:1]
        for name, ch in carded[:2]:
            bits = fmt.number(ch.get("bits"))
            detail = f"{bits:.2f} bits · mean σ {fmt.si(ch.get('sigma_mean_S'), 'S')}" if bits else ""
            cards.append(Card(f"{name}: distinguishable bins", fmt.value("bins", ch.get("bins")), detail))
    if cards:
        if len(cards) > MAX_CARDS:
            blocks.append(Cards(tuple(cards[:MAX_CARDS])))
            blocks.append(Paragraph(f"{len(cards) - MAX_CARDS} more conditions in the tables below.", "note"))
        else:
            blocks.append(Cards(tuple(cards)))
    for problem in run.problems:
        blocks.append(Paragraph(problem, "warning"))
    return Section("summary", "Summary", blocks)


def _accuracy_cards(rows: Sequence[Mapping[str, Any]], digital: Any) -> list[Card]:
    """Per condition: the accuracy right after programming, and the loss at the last time."""
    keys = _group_keys(rows)
    by_group: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_group.setdefault(_group_label(r, keys), []).append(r)
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


# ------------------------------------------------------------------------------- characterization
def _phase_rows(pot: Mapping[str, Any], dep: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """Each figure of the two phases on one row, conductances with one SI prefix per row."""

    def both(key: str, signed: bool = False) -> list[str]:
        return si_row([fmt.number(pot.get(key)), fmt.number(dep.get(key))], "S", signed=signed)

    def each(get: Callable[[Mapping[str, Any]], str]) -> list[str]:
        return [get(pot), get(dep)]

    sigma_label = "mean σ, cycle to cycle"
    if "fit_residuals" in (pot.get("sigma_source"), dep.get("sigma_source")):
        sigma_label = "mean σ (one cycle: from the fit residuals)"
    rows: list[tuple[str, list[str]]] = [
        ("linear range (pulse numbers)", each(lambda p: _range(p.get("linear_range")))),
        ("levels", each(lambda p: fmt.value("levels", p.get("levels")))),
        ("pulses per level", each(lambda p: fmt.value("pulses_per_level", p.get("pulses_per_level", 1)))),
        ("slope per pulse", both("slope_S_per_pulse", signed=True)),
        ("intercept", both("intercept_S")),
        ("R² of the linear fit", each(lambda p: fmt.fixed(p.get("r2"), ".5f"))),
        (sigma_label, both("sigma_mean_S")),
        ("bin width (level spacing)", both("bin_width_S")),
        ("σ / bin width", each(lambda p: _ratio(p.get("sigma_mean_S"), p.get("bin_width_S")))),
        ("bins of a pair in this mode", each(lambda p: _bins(p.get("bins"), p.get("bits")))),
    ]
    return tuple((label, a, b) for label, (a, b) in rows)


def _range(r: Any) -> str:
    r = _list(r)
    return f"{r[0]}–{r[1]}" if len(r) == 2 else fmt.DASH


def _ratio(a: Any, b: Any) -> str:
    x, y = fmt.number(a), fmt.number(b)
    return fmt.DASH if x is None or not y else f"{x / y:.3f}"


def _bins(bins: Any, bits: Any) -> str:
    if fmt.number(bins) is None:
        return fmt.DASH
    b = fmt.number(bits)
    return f"{int(bins)} ({b:.2f} bits)" if b is not None else str(int(bins))


def _energy(e: Any) -> str:
    if not isinstance(e, Mapping):
        return fmt.DASH
    text = fmt.value("energy_per_cycle_J", e)
    cycles = e.get("cycles")
    return f"{text} (over {cycles} cycles)" if cycles else text


#: A file of many devices shows the spread, one overview row per device and the simulated device's tables.
MAX_DEVICE_TABLES = 3


def _spread_blocks(run: RunContents) -> list[Block]:
    """The device-to-device spread measured over the devices of the characterized files."""
    spread = run.device_to_device
    if not spread:
        return []
    by_phase = spread.get("slope_rel_std_by_phase") or {}
    rows = [
        ("devices", fmt.value("devices", spread.get("devices"))),
        ("slope (conductance step), relative std", fmt.fixed(spread.get("slope_rel_std"), ".3g", 100.0, "%")),
        *(
            (f"  {p}", fmt.fixed(by_phase.get(p), ".3g", 100.0, "%"))
            for p in ("potentiation", "depression")
            if p in by_phase
        ),
        ("reachable range, relative std", fmt.fixed(spread.get("range_rel_std"), ".3g", 100.0, "%")),
    ]
    if run.devices_skipped:
        rows.append(("devices skipped (no usable linear range)", str(len(run.devices_skipped))))
    return [
        Table(
            header=("device-to-device variation, measured", "value"),
            rows=tuple(rows),
            caption="spread over the devices of the measurement files (the paper had to assume 30 %); "
            "slopes fitted over the representative device's linear range",
        )
    ]


def _devices_overview(items: Sequence[tuple[str, Mapping[str, Any]]]) -> Table:
    def phase(ch: Mapping[str, Any], p: str) -> Mapping[str, Any]:
        got = ch.get(p)
        return got if isinstance(got, Mapping) else {}

    slopes_p = si_row(
        [fmt.number(phase(c, "potentiation").get("slope_S_per_pulse")) for _, c in items], "S", 3
    )
    slopes_d = si_row([fmt.number(phase(c, "depression").get("slope_S_per_pulse")) for _, c in items], "S", 3)
    sigmas = si_row([fmt.number(c.get("sigma_mean_S")) for _, c in items], "S", 3)
    rows = tuple(
        (
            name,
            f"{phase(ch, 'potentiation').get('levels', fmt.DASH)} / {phase(ch, 'depression').get('levels', fmt.DASH)}",
            _bins(ch.get("bins"), ch.get("bits")),
            sp,
            sd,
            sg,
        )
        for (name, ch), sp, sd, sg in zip(items, slopes_p, slopes_d, sigmas, strict=True)
    )
    return Table(
        header=("device", "levels P / D", "bins", "slope P", "slope D", "mean σ"),
        rows=rows,
        caption=f"{len(items)} characterized devices",
    )


def _chosen_device(run: RunContents) -> str | None:
    """The device the run simulated (its device.toml's name), if the folder has one."""
    if run.device_toml is None:
        return None
    for line in run.device_toml.splitlines():
        if line.startswith("name = "):
            return line.split("=", 1)[1].strip().strip('"')
    return None


def _characterization(run: RunContents, figures: Sequence[Figure], omitted: list[str]) -> Section | None:
    if not run.characterization:
        if run.is_experiment:
            omitted.append(
                "Characterization: no characterization.json in this folder (the device came from a preset "
                "or a device file; `memtwin characterize` measures one)."
            )
        return _figure_section("characterization", "Device characterization", figures)
    blocks: list[Block] = []
    blocks += _spread_blocks(run)
    shown = list(run.characterization.items())
    if len(shown) > MAX_DEVICE_TABLES:
        blocks.append(_devices_overview(shown))
        chosen = _chosen_device(run)
        shown = [(n, c) for n, c in shown if n == chosen] or shown[:1]
    for name, ch in shown:
        if any(
            (ch.get(p) or {}).get("sigma_source") == "fit_residuals" for p in ("potentiation", "depression")
        ):
            blocks.append(
                Paragraph(
                    f"{name}: one ramp per phase, so σ is the spread of the residuals around the linear fit; "
                    "it mixes cycle-to-cycle noise with non-linearity (an upper bound on the former).",
                    "warning",
                )
            )
        phases: dict[str, Mapping[str, Any]] = {}
        for p in ("potentiation", "depression"):
            phase = ch.get(p)
            phases[p] = phase if isinstance(phase, Mapping) else {}
        source = f" from {ch['source']}" if ch.get("source") else ""
        cycles = f", {ch['cycles']} cycles" if ch.get("cycles") else ""
        blocks.append(
            Table(
                header=("per programming mode", "potentiation", "depression"),
                rows=_phase_rows(phases["potentiation"], phases["depression"]),
                caption=f"{name}{cycles}{source}: figures of merit of each phase's linear range",
            )
        )
        blocks.append(
            Table(
                header=("device", "value"),
                rows=(
                    ("distinguishable differential bins", _bins(ch.get("bins"), ch.get("bits"))),
                    ("mean σ of all levels", fmt.si(ch.get("sigma_mean_S"), "S")),
                    ("symmetry (|slope| min / max)", fmt.fixed(ch.get("symmetry"), ".4f")),
                    ("ON/OFF ratio", fmt.fixed(ch.get("on_off_ratio"), ".4g")),
                    (
                        "conductance range",
                        " – ".join(
                            si_row([fmt.number(ch.get("g_min_S")), fmt.number(ch.get("g_max_S"))], "S")
                        ),
                    ),
                    ("programming energy per cycle", _energy(ch.get("energy_per_cycle_J"))),
                    (
                        "max programming voltage",
                        fmt.fixed(ch.get("max_programming_voltage_V"), ".3g", unit="V"),
                    ),
                ),
                caption=f"{name}: the device as a whole",
            )
        )
    blocks += figures
    return Section("characterization", "Device characterization", blocks)


# -------------------------------------------------------------------------------------- device
def _device(run: RunContents, omitted: list[str]) -> Section | None:
    if run.device_toml is None:
        if run.is_experiment:
            name = (run.config or {}).get("device") or (run.results or {}).get("device")
            used = f" (the run used device {name!r}; see the configuration)" if name else ""
            omitted.append(f"Device model: no device.toml in this folder{used}.")
        return None
    blocks: list[Block] = []
    try:
        from memtwin.devices import DeviceModel

        model = DeviceModel.from_toml_str(run.device_toml, source="device.toml")
    except Exception as exc:  # a broken device file must not stop the report
        blocks.append(Paragraph(f"device.toml could not be read as a device model: {exc}", "warning"))
    else:
        blocks += _device_tables(model.key_figures(), model.drift, model.citation)
    blocks.append(
        Collapsed(
            "device.toml (verbatim)",
            (Verbatim(run.device_toml, "device.toml", "toml", run.path / "device.toml"),),
        )
    )
    return Section("device", "Device model", blocks)


def _device_tables(kf: Mapping[str, Any], drift: Mapping[str, Any], citation: str) -> list[Block]:
    modes = [m for m in ("potentiation", "depression") if isinstance(kf.get(m), Mapping)]

    def per_mode(get: Callable[[Mapping[str, Any]], str]) -> tuple[str, ...]:
        return tuple(get(kf[m]) for m in modes)

    per = Table(
        header=("per programming mode", *modes),
        rows=(
            ("levels", *per_mode(lambda m: fmt.value("levels", m.get("levels")))),
            (
                "pulses per level",
                *per_mode(lambda m: fmt.value("pulses_per_level", m.get("pulses_per_level", 1))),
            ),
            ("bins of a pair (bits)", *per_mode(lambda m: _bins(m.get("bins"), m.get("bits")))),
            ("bin width", *si_row([fmt.number(kf[m].get("bin_width_S")) for m in modes], "S")),
            ("mean σ", *si_row([fmt.number(kf[m].get("sigma_mean_S")) for m in modes], "S")),
            ("σ / bin width", *per_mode(lambda m: fmt.fixed(m.get("sigma_over_bin_width"), ".3f"))),
        ),
        caption=f"{kf.get('name', 'device')}: the levels each weight is programmed to",
    )
    measured_over = fmt.number(kf.get("d2d_measured_over")) or 0
    spread_note = f" (measured over {int(measured_over)} devices)" if measured_over else ""
    rows = [
        ("distinguishable differential bins", _bins(kf.get("bins"), kf.get("bits"))),
        ("ON/OFF ratio", fmt.fixed(kf.get("on_off_ratio"), ".4g")),
        ("device-to-device spread of the step", fmt.fixed(kf.get("d2d_update"), ".3g", 100.0, "%")),
        ("device-to-device spread of the bounds", fmt.fixed(kf.get("d2d_bounds"), ".3g", 100.0, "%")),
        ("max programming voltage", fmt.fixed(kf.get("max_voltage_V"), ".3g", unit="V")),
        ("programming energy per cycle", fmt.si(kf.get("energy_per_cycle_J"), "J")),
        ("drift model", _text(drift.get("kind", kf.get("drift", fmt.DASH)))),
    ]
    if spread_note:
        rows.append(("device-to-device spread measured", spread_note.strip(" ()")))
    whole = Table(header=("device", "value"), rows=tuple(rows), caption="variability, limits, drift")
    blocks: list[Block] = [per, whole]
    params = [(_unit_key(k), fmt.with_unit(k, v)) for k, v in drift.items() if k != "kind"]
    if params:
        blocks.append(Table(header=("drift parameter", "value"), rows=tuple(params), caption="drift model"))
    if citation:
        blocks.append(Paragraph(f"Source of the device parameters: {citation}", "note"))
    return blocks


def _unit_key(key: str) -> str:
    """A parameter name without its SI suffix (the unit is printed with the value)."""
    for suffix in ("_S", "_J", "_V"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


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
        elif not _list(results.get("analog")):
            omitted.append("Accuracy: results.json has no analog rows.")
        return _figure_section("accuracy", "Inference accuracy", figures)
    digital = results.get("digital_accuracy")
    blocks: list[Block] = []
    if fmt.number(digital) is not None:
        blocks.append(Paragraph(f"Digital (software) test accuracy: {fmt.percent(digital)}."))
    else:
        blocks.append(Paragraph("No digital accuracy in the results: losses are not shown.", "note"))
    blocks.append(Paragraph(VARIANT_LEGEND, "note"))
    pivot = _pivot(
        rows,
        "time_s",
        _group_keys(rows),
        _accuracy_cell(digital),
        fmt.duration,
        "time after programming",
    )
    long = _long_table(rows, digital, (), "every condition, with each repetition's accuracy")
    if pivot is not None:
        header, body = pivot
        blocks.append(Table(header=header, rows=body, caption="test accuracy against time after programming"))
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
        return _figure_section("sweep", "Parameter sweep", figures)
    digital = results.get("digital_accuracy")
    blocks: list[Block] = []
    by_param: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_param.setdefault(_text(r.get("parameter")), []).append(r)
    for parameter, group in by_param.items():
        cols = _group_keys(group)
        label = _value_label(parameter)
        pivot = _pivot(group, "value", cols, _accuracy_cell(digital), label, parameter)
        if pivot is None:
            pivot = _pivot(
                group,
                "value",
                [*cols, "time_s"],
                _accuracy_cell(digital),
                label,
                parameter,
            )
        long = _long_table(group, digital, ("value",), f"sweep of {parameter}: every row", (parameter,))
        if pivot is not None:
            times = {fmt.duration(r.get("time_s")) for r in group}
            at = f" at {times.pop()} after programming" if len(times) == 1 else ""
            blocks.append(
                Table(header=pivot[0], rows=pivot[1], caption=f"test accuracy against {parameter}{at}")
            )
            blocks.append(Collapsed(f"All rows of the {parameter} sweep", (long,)))
        else:
            blocks.append(long)
    blocks += figures
    return Section("sweep", "Parameter sweep", blocks)


def _value_label(parameter: str) -> Callable[[Any], str]:
    def label(v: Any) -> str:
        return fmt.value(parameter, v)

    return label


# -------------------------------------------------------------------------------- comparison
def _comparison(results: Mapping[str, Any], figures: Sequence[Figure]) -> Section | None:
    rows = [r for r in _list(results.get("devices")) if isinstance(r, Mapping)]
    if not rows:
        return _figure_section("comparison", "Comparison with other devices", figures)
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
    table = Table(
        header=tuple(header),
        rows=tuple(body),
        caption="every device through the same network and protocol",
        align=align,
    )
    return Section("comparison", "Comparison with other devices", [table, *figures])


# ----------------------------------------------------------------------------------- config
def _config(run: RunContents, omitted: list[str]) -> Section | None:
    if run.config_text is None:
        if run.is_experiment:
            omitted.append("Configuration: no config.toml in this folder.")
        return None
    caption = "config.toml — the fully resolved configuration; rerunning it reproduces this folder"
    return Section(
        "config", "Configuration", [Verbatim(run.config_text, caption, "toml", run.path / "config.toml")]
    )


# ------------------------------------------------------------------------------- provenance
def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out += _flatten(v, key + ".")
        else:
            out.append((key, v))
    return out


def _provenance(run: RunContents, results: Mapping[str, Any]) -> Section:
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
