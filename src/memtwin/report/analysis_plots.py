"""Figures of the analyses, drawn from their results: the comparison (the paper's Fig. 6(a)–(d)), the
ablation (what each non-ideality costs) and the tolerance search (loss against each knob)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memtwin.experiments.compare import loss_of
from memtwin.experiments.config import time_label
from memtwin.report.plots import VARIANT_LABELS, plt, save_figure, write_note
from memtwin.report.tables import when

__all__ = ["TASK_PANELS", "plot_ablation", "plot_compare", "plot_tolerance"]

#: Fig. 6 panel of each task's accuracy-loss figure.
TASK_PANELS = {"mnist": "(a) MNIST", "cifar10": "(b) CIFAR-10", "digits": "digits (8×8, bundled)"}
REPORTED_LABEL = "reported by the authors (different network/toolkit)"
_BAR_COLORS = {
    ("potentiation", "hwat_gdc"): "#1f618d",
    ("depression", "hwat_gdc"): "#5dade2",
    ("potentiation", "baseline"): "#a93226",
    ("depression", "baseline"): "#f1948a",
}
_HATCHED: dict[str, Any] = {"facecolor": "white", "edgecolor": "#444", "hatch": "///"}


def plot_compare(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Fig. 6(a/b) loss per device (+ hatched published losses), 6(c) max voltage, 6(d) non-idealities."""
    return [*_plot_loss(results, out_dir), *_plot_voltage(results, out_dir), *_plot_table(results, out_dir)]


@dataclass(frozen=True)
class _LossLayout:
    """Where the bars of Fig. 6(a)/(b) go: a row per device, then one per published work whose device is
    not among them; in a device's row one slot per (mode, variant), plus one for its published loss."""

    devices: list[dict[str, Any]]
    conds: list[tuple[str, str]]
    by_preset: dict[str, dict[str, Any]]
    extra: list[dict[str, Any]]

    @classmethod
    def of(cls, results: dict[str, Any]) -> _LossLayout:
        p, lit, devices = results["protocol"], results["literature"], results["devices"]
        names = [d["name"] for d in devices]
        return cls(
            devices=devices,
            conds=[(m, v) for v in p["variants"] for m in p["modes"]],
            by_preset={r["preset"]: r for r in lit if r.get("preset")},
            extra=[r for r in lit if r.get("preset") not in names],
        )

    @property
    def rows(self) -> int:
        return len(self.devices) + len(self.extra)

    @property
    def slots(self) -> int:
        return len(self.conds) + (1 if self.by_preset else 0)

    @property
    def height(self) -> float:
        return 0.8 / max(self.slots, 1)


def _loss_panel(ax: Any, layout: _LossLayout, t: float, published: bool) -> None:
    """One time's panel; ``published``: also the hatched published losses (they carry no drift time)."""
    height = layout.height
    for i, d in enumerate(layout.devices):
        y0 = layout.rows - 1 - i
        for k, (m, v) in enumerate(layout.conds):
            e = loss_of(d, m, v, t)
            if e is not None:
                ax.barh(
                    y0 + 0.4 - (k + 0.5) * height, e["loss_mean"], height, xerr=e["loss_std"],
                    capsize=2, color=_BAR_COLORS.get((m, v), "#7f8c8d"), error_kw={"lw": 0.8},
                )  # fmt: skip
        r = layout.by_preset.get(d["name"])
        if r is not None and published:
            y = y0 + 0.4 - (len(layout.conds) + 0.5) * height
            ax.barh(y, r["accuracy_loss_pct"], height, **_HATCHED)
            ax.text(
                r["accuracy_loss_pct"], y, f" {r['accuracy_loss_pct']:.2f} reported", va="center", fontsize=6
            )
    for j, r in enumerate(layout.extra if published else []):
        ax.barh(layout.rows - 1 - len(layout.devices) - j, r["accuracy_loss_pct"], 0.5, **_HATCHED)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_title(f"t = {time_label(t)} after programming", fontsize=10)
    ax.set_xlabel("accuracy loss vs digital (points), mean ± std")
    ax.grid(axis="x", alpha=0.3)


def _plot_loss(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Fig. 6(a)/(b): horizontal bars per device, one per (mode, variant), one panel per time; the
    published loss of a work whose device is in the comparison is a hatched bar in that device's group
    (first panel only: published numbers carry no drift time), other published works get rows of their
    own at the bottom."""
    from matplotlib.patches import Patch

    layout, times = _LossLayout.of(results), results["times_s"]
    fig, axes = plt.subplots(
        1, len(times), figsize=(5.0 * len(times) + 1.5, 0.42 * layout.rows * max(1.0, layout.slots / 4) + 2.0),
        sharey=True, squeeze=False, layout="constrained",
    )  # fmt: skip
    for ax, t in zip(axes[0], times, strict=True):
        _loss_panel(ax, layout, t, published=t == times[0])
    labels = [d["name"] for d in layout.devices] + [
        f"{r['work']} ({r['network']})"[:50] for r in layout.extra
    ]
    axes[0][0].set_yticks([layout.rows - 1 - i for i in range(layout.rows)])
    axes[0][0].set_yticklabels(labels, fontsize=8)
    handles = [
        Patch(color=_BAR_COLORS.get(c, "#7f8c8d"), label=f"{c[0]}, {VARIANT_LABELS.get(c[1], c[1])}")
        for c in layout.conds
    ]
    if results["literature"]:
        handles.append(Patch(**_HATCHED, label=REPORTED_LABEL))
    fig.legend(handles=handles, fontsize=7, loc="outside lower center", ncol=min(3, len(handles)))
    panel = TASK_PANELS.get(results["task"], results["task"])
    fig.suptitle(
        f"{panel}: same network and protocol for every device (digital {100 * results['digital_accuracy']:.2f} %)"
        f"{write_note(results)}",
        fontsize=11,
    )
    return save_figure(fig, out_dir, "compare_loss")


def _plot_voltage(results: dict[str, Any], out_dir: Path) -> list[Path]:
    devices = results["devices"]
    fig, ax = plt.subplots(figsize=(6.0, 0.35 * len(devices) + 1.4))
    for i, d in enumerate(devices):
        y = len(devices) - 1 - i
        v = d["max_voltage_V"]
        if v is None:
            ax.text(0.02, y, "not given", va="center", fontsize=7, color="#7f8c8d")
        else:
            ax.barh(y, v, 0.6, color="#117a65")
            ax.text(v, y, f" {v:g} V", va="center", fontsize=7)
    ax.set_yticks(range(len(devices)))
    ax.set_yticklabels([d["name"] for d in reversed(devices)], fontsize=8)
    ax.set_ylim(-0.6, len(devices) - 0.4)
    ax.set_xlabel("maximum programming voltage (V)")
    ax.set_title("(c) maximum programming voltage", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, out_dir, "compare_voltage")


def _plot_table(results: dict[str, Any], out_dir: Path) -> list[Path]:
    cols = results["nonidealities_reported"]
    labels: list[str] = []
    cells: list[list[str]] = []
    colors: list[list[str]] = []
    for d in results["devices"]:
        labels.append(f"memtwin: {d['name']}")
        row = [{"on": "✓", "zero": "0"}[d["nonidealities"][c]] for c in cols]
        cells.append(row)
        colors.append(["#d5f5e3" if c == "✓" else "#fdfefe" for c in row])
    for r in results["literature_nonidealities"]:
        toolkit = r["toolkit"].split(" (")[0]
        labels.append(f"reported: {r['work']} ({r['task']}, {toolkit})")
        row = ["✓" if c in r["nonidealities"] else "" for c in cols]
        cells.append(row)
        colors.append(["#d6eaf8" if c else "#fdfefe" for c in row])
    fig, ax = plt.subplots(figsize=(1.0 * len(cols) + 4.5, 0.22 * len(cells) + 0.6))
    ax.axis("off")
    table = ax.table(
        cellText=cells, rowLabels=labels, colLabels=[c.replace("_", "\n") for c in cols], cellColours=colors,
        cellLoc="center", loc="center",
    )  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.3)
    ax.set_title(
        "(d) non-idealities simulated: ✓ present; 0 = simulated, none in this device's model; "
        "reported rows as disclosed by their authors",
        fontsize=9,
    )
    return save_figure(fig, out_dir, "compare_nonidealities")


def plot_ablation(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Bars per item and time: accuracy recovered when switched off, and cost alone (±2 SE error bars)."""
    panels = [s for s in results["by_time"] if s["items"]]
    if not panels:
        return []
    n_items = len(panels[0]["items"])
    fig, axes = plt.subplots(
        1, len(panels), figsize=(len(panels) * max(5.5, 0.9 * n_items + 2), 4.4), sharey=True, squeeze=False
    )
    for ax, s in zip(axes[0], panels, strict=True):
        items = s["items"]
        x = list(range(len(items)))
        width = 0.38
        ax.bar(
            [i - width / 2 for i in x], [t["recovered_mean"] for t in items], width,
            yerr=[2 * t["recovered_se"] for t in items], capsize=3, color="#1f618d",
            label="switched off in the full model: accuracy recovered",
        )  # fmt: skip
        ax.bar(
            [i + width / 2 for i in x], [t["cost_alone_mean"] for t in items], width,
            yerr=[2 * t["cost_alone_se"] for t in items], capsize=3, color="#d68910",
            label="on alone (all else ideal): accuracy cost",
        )  # fmt: skip
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(x)
        ax.set_xticklabels([t["label"] for t in items], rotation=30, ha="right")
        ax.set_title(
            f"t = {when(s['time_s'])}: full-model loss {s['loss_full']['mean']:.2f} points", fontsize=10
        )
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("accuracy (points); error bars ±2 SE")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(
        f"Ablation of {results['device']} on {results['task']} ({results['variant']}){write_note(results)}",
        fontsize=11,
    )
    return save_figure(fig, out_dir, "ablation")


def plot_tolerance(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """One figure per parameter: loss (mean ± 2 SE) vs value, the budget line, the threshold and band."""
    paths: list[Path] = []
    budget = results["budget_points"]
    for t in results["thresholds"]:
        pts = t["points"]
        fig, ax = plt.subplots(figsize=(5.6, 3.8))
        x = [p["shown"] for p in pts]
        ax.errorbar(
            x, [p["mean"] for p in pts], yerr=[results["z"] * p["se"] for p in pts], fmt="o-", ms=4, capsize=3,
            color="#1f618d", label=f"mean loss ± {results['z']:g} SE",
        )  # fmt: skip
        ax.axhline(budget, color="#c0392b", ls="--", lw=1, label=f"budget {budget:g} points")
        lo, hi = t["band"]
        if lo is not None and hi is not None:
            ax.axvspan(min(lo, hi), max(lo, hi), color="#f5b041", alpha=0.25, label="uncertainty band")
        if t["threshold"] is not None and t["censored"] is None:
            ax.axvline(t["threshold"], color="#117a65", lw=1.5, label=f"threshold {t['threshold']:.3g}")
        ax.axvline(
            t["device_value"], color="grey", ls=":", lw=1, label=f"this device ({t['device_value']:.3g})"
        )
        if t["parameter"] == "levels":
            ax.set_xscale("log", base=2)
        ax.set_xlabel(f"{t['label']} ({t['unit']})")
        ax.set_ylabel("accuracy loss vs digital (points)")
        ax.set_title(f"{results['device']}: {t['kind']} {t['label']}{write_note(results)}", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        paths += save_figure(fig, out_dir, f"tolerance_{t['parameter']}")
    return paths
