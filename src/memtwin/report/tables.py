"""The tables of each analysis, built once from its results as document blocks
(:mod:`memtwin.report.doc`): the report's sections, the run's ``results.md`` and the terminal
(:mod:`memtwin.report.terminal`) render the same blocks, so they never disagree on a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memtwin.experiments.compare import loss_of
from memtwin.experiments.config import time_label
from memtwin.experiments.tolerance import threshold_text
from memtwin.report.doc import Block, Paragraph, Table

__all__ = [
    "ablation_blocks",
    "analysis_kind",
    "analysis_title",
    "comparison_blocks",
    "tolerance_blocks",
    "when",
]

DASH = "–"


def when(t: float) -> str:
    """A time after programming, t = 0 said as what it is."""
    return "0 s (just programmed)" if t == 0 else time_label(t)


def analysis_kind(results: Mapping[str, Any]) -> str:
    """``compare``, ``ablate``, ``tolerance``, ``sweep`` or ``evaluate``: which analysis wrote
    ``results``."""
    kind = results.get("analysis")
    if isinstance(kind, str):
        return kind
    return "sweep" if isinstance(results.get("sweep"), Mapping) else "evaluate"


def analysis_title(results: Mapping[str, Any]) -> str:
    """The heading of an analysis' ``results.md``."""
    kind = analysis_kind(results)
    if kind == "compare":
        return f"Device comparison on {results['task']}"
    if kind == "ablate":
        return f"Ablation: {results['device']} on {results['task']} ({results['variant']})"
    if kind == "tolerance":
        return (
            f"Tolerance: {results['device']} on {results['task']} (budget {results['budget_points']:g} points, "
            f"{results['variant']}, t = {results['time_s']:g} s)"
        )
    return f"{results.get('task')} on {results.get('device')}"


def _pm(mean: float, spread: float, signed: bool = False) -> str:
    return f"{mean:+.2f} ± {spread:.2f}" if signed else f"{mean:.2f} ± {spread:.2f}"


def _volts(v: float | None) -> str:
    return DASH if v is None else f"{v:g} V"


# ---------------------------------------------------------------------------------- comparison
def comparison_blocks(results: Mapping[str, Any]) -> list[Block]:
    """The comparison table (losses in points, mean ± std over repetitions) and the published numbers."""
    p, times = results["protocol"], results["times_s"]
    conds = [(v, m, t) for v in p["variants"] for t in times for m in p["modes"]]
    rows = tuple(
        (
            d["name"], "/".join(str(x) for x in d["levels"]), f"{d['sigma_over_bin_width'][0]:.3g}",
            f"{d['d2d_update']:.2g}", _volts(d["max_voltage_V"]),
            *(DASH if (e := loss_of(d, m, v, t)) is None else _pm(e["loss_mean"], e["loss_std"]) for v, m, t in conds),
        )
        for d in results["devices"]
    )  # fmt: skip
    trained = [f"{p['digital_epochs']} digital"]
    if {"baseline", "hwat_gdc"} & set(p.get("variants", ["hwat_gdc"])):
        trained.append(f"{p['hwat_epochs']} HWAT")
    if "insitu" in p:
        trained.append(f"{p['insitu']['epochs']} in-situ ({p['insitu']['pulsing']} pulses)")
    blocks: list[Block] = [
        Paragraph(
            f"Digital accuracy {100 * results['digital_accuracy']:.2f} %; {' + '.join(trained)} epochs, "
            f"{p['repetitions']} repetitions, subset {p['subset'] or 'full'}; "
            "losses vs digital in points (mean ± std over repetitions)."
        ),
        Table(
            header=("device", "levels", "σ/bin", "d2d", "V max", *(f"{v} {m[:3]} @{time_label(t)}" for v, m, t in conds)),
            rows=rows,
            caption="every device through the same network and protocol: accuracy loss vs digital (points)",
        ),
    ]  # fmt: skip
    if results["literature"]:
        blocks.append(_published(results["literature"]))
    return blocks


def _published(literature: list[dict[str, Any]]) -> Table:
    rows = tuple(
        (
            r["work"], r["device"], r["network"], r["toolkit"], f"{r['digital_accuracy_pct']:.2f}",
            f"{r['analog_accuracy_pct']:.2f}", f"{r['accuracy_loss_pct']:.2f}", _volts(r["max_programming_voltage_V"]),
        )
        for r in literature
    )  # fmt: skip
    return Table(
        header=("work", "device", "network", "toolkit", "digital %", "analog %", "loss", "V max"),
        rows=rows,
        caption="Published numbers: reported by the authors, with their own network and toolkit",
        align=("l", "l", "l", "l", "r", "r", "r", "r"),
    )


# ------------------------------------------------------------------------------------- ablation
ABLATION_HEADER = (
    "non-ideality",
    "present",
    "loss, it off",
    "recovered (± SE)",
    "loss, it alone",
    "cost alone (± SE)",
)


def ablation_blocks(results: Mapping[str, Any]) -> list[Block]:
    """One table per time (each item's loss off and alone, what it recovers and costs) with its verdict."""
    blocks: list[Block] = [
        Paragraph(
            f"Digital accuracy {100 * results['digital_accuracy']:.2f} %. Losses in percentage points vs "
            "digital: mean ± std over modes × repetitions; recovered / cost: paired mean ± SE."
        )
    ]
    for s in results["by_time"]:
        full, ideal = s["loss_full"], s["loss_ideal"]
        rows = tuple(
            (
                t["label"], "yes" if t["present"] else "no", _pm(t["loss_off_mean"], t["loss_off_std"]),
                _pm(t["recovered_mean"], t["recovered_se"], signed=True),
                _pm(t["loss_alone_mean"], t["loss_alone_std"]),
                _pm(t["cost_alone_mean"], t["cost_alone_se"], signed=True),
            )
            for t in s["items"]
        )  # fmt: skip
        caption = (
            f"t = {when(s['time_s'])}: full model {_pm(full['mean'], full['std'])}; "
            f"all off {_pm(ideal['mean'], ideal['std'])} points lost"
        )
        blocks += [Table(header=ABLATION_HEADER, rows=rows, caption=caption), Paragraph(s["statement"])]
    if results.get("note"):
        blocks.append(Paragraph(f"Note: {results['note']}", "warning"))
    return blocks


# ------------------------------------------------------------------------------------ tolerance
def _fmt(v: float | None, integer: bool) -> str:
    if v is None:
        return DASH
    return f"{v:.0f}" if integer else f"{v:.3g}"


def tolerance_blocks(results: Mapping[str, Any]) -> list[Block]:
    """The thresholds of every searched knob, with the band and the bracket, and each in words."""
    rows = []
    for t in results["thresholds"]:
        integer = t["parameter"] == "levels"
        lo, hi = t["band_range"]
        rows.append(
            (
                f"{t['kind']} {t['label']}", _fmt(t["device_value"], integer),
                _fmt(t["threshold"], integer) + (f" ({t['censored']})" if t["censored"] else ""),
                f"{_fmt(lo, integer)} to {_fmt(hi, integer)}",
                f"{_fmt(t['last_within'], integer)} / {_fmt(t['first_beyond'], integer)}", str(len(t["points"])),
            )
        )  # fmt: skip
    return [
        Paragraph(
            f"Digital accuracy {100 * results['digital_accuracy']:.2f} %. Band: where mean ± {results['z']:g} "
            "SE of the loss crosses the budget."
        ),
        Table(
            header=("parameter", "device", "threshold", "band", "bracket (within / beyond)", "points"),
            rows=tuple(rows),
            caption=f"what the device must reach to lose at most {results['budget_points']:g} points",
        ),
        *(Paragraph(threshold_text(t)) for t in results["thresholds"]),
    ]
