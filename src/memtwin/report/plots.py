"""Figures of a run, drawn from its results: the evaluation's (the paper's Fig. 3(b–d) and Fig. 5(a–d)),
and the one :func:`save_figure` every figure of a run goes through. Accuracies in %.

The analyses' figures (comparison, ablation, tolerance) are in :mod:`memtwin.report.analysis_plots`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from memtwin.experiments.config import time_label  # noqa: E402
from memtwin.experiments.knobs import KNOBS, knob  # noqa: E402

__all__ = [
    "EVALUATION_DPI",
    "VARIANT_LABELS",
    "parameter_label",
    "plot_evaluation",
    "plot_training",
    "save_figure",
]

VARIANT_LABELS = {
    "baseline": "baseline (no HWAT, no compensation)",
    "hwat_gdc": "HWAT + drift compensation",
    "in_situ": "trained in situ + drift compensation",
}
VARIANT_COLORS = {"baseline": "#c0392b", "hwat_gdc": "#1f618d", "in_situ": "#1e8449"}
MODE_MARKERS = {"potentiation": "o", "depression": "s"}
#: Resolution of the PNGs: the evaluation's figures are printed larger (paper figures).
EVALUATION_DPI = 200
DPI = 160
#: Axis labels of the knobs a sweep usually varies (others: the knob's own label).
_AXIS_LABELS = {
    "d2d": "Device-to-device variation (relative σ)",
    "sigma_scale": "Cycle-to-cycle σ (× measured)",
    "linear_levels": "Levels per device",
    "adc_bits": "ADC resolution (bits)",
    "dac_bits": "DAC resolution (bits)",
}


def save_figure(fig: Figure, out_dir: Path, stem: str, dpi: int = DPI) -> list[Path]:
    """Save a figure as PNG and SVG in ``out_dir`` (a figure is rewritten whole on a rerun) and close it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=dpi, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    plt.close(fig)
    return paths


def parameter_label(parameter: str) -> str:
    """The axis label of a swept knob (given by its name or an old one)."""
    if parameter not in KNOBS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the run already warned about the name
            try:
                parameter = knob(parameter).name
            except ValueError:
                return parameter
    return _AXIS_LABELS.get(parameter, KNOBS[parameter].label)


def _style(ax: Any) -> None:
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=10)


def _accuracy_line(
    ax: Any, rows: Sequence[dict[str, Any]], x: str, mode: str, variant: str, **style: Any
) -> None:
    """Mean ± std accuracy (%) of one mode and variant against the row field ``x``."""
    sel = sorted((r for r in rows if r["mode"] == mode and r["variant"] == variant), key=lambda r: r[x])
    if not sel:
        return
    ax.errorbar(
        [r[x] for r in sel],
        [100 * r["accuracy_mean"] for r in sel],
        yerr=[100 * r["accuracy_std"] for r in sel],
        marker=MODE_MARKERS.get(mode, "o"),
        color=VARIANT_COLORS.get(variant),
        capsize=3,
        **style,
    )


def plot_repetitions(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Fig. 3(b)/5(a): test accuracy of every repetition per mode and variant, at the first time."""
    rows = [r for r in results["analog"] if "parameter" not in r]
    if not rows:
        return []
    t0 = min(r["time_s"] for r in rows)
    rows = [r for r in rows if r["time_s"] == t0]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    labels = []
    for i, r in enumerate(rows):
        accs = [100 * a for a in r["accuracies"]]
        x = [i + (k - (len(accs) - 1) / 2) * 0.05 for k in range(len(accs))]
        ax.scatter(
            x,
            accs,
            color=VARIANT_COLORS.get(r["variant"], "k"),
            marker=MODE_MARKERS.get(r["mode"], "o"),
            zorder=3,
            s=28,
        )
        ax.errorbar(
            i + 0.25,
            100 * r["accuracy_mean"],
            yerr=100 * r["accuracy_std"],
            fmt="_",
            color="k",
            capsize=4,
            markersize=14,
        )
        labels.append(f"{r['mode']}\n{r['variant']}")
    ax.axhline(100 * results["digital_accuracy"], ls="--", color="k", lw=1, label="digital")
    ax.set_xticks(range(len(rows)), labels, fontsize=9)
    ax.set_ylabel("Test accuracy (%)", fontsize=11)
    ax.set_title(
        f"{results['task']} on {results['device']}: {rows[0]['repetitions']} repetitions, "
        f"t = {time_label(t0)}{write_note(results)}",
        fontsize=11,
    )
    ax.legend(fontsize=9)
    _style(ax)
    return save_figure(fig, out_dir, "accuracy_repetitions", dpi=EVALUATION_DPI)


def plot_accuracy_vs_time(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Fig. 3(c,d)/5(c,d): mean ± std accuracy vs time after programming, per mode."""
    paths: list[Path] = []
    rows = [r for r in results["analog"] if "parameter" not in r]
    for mode in dict.fromkeys(r["mode"] for r in rows):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for variant in dict.fromkeys(r["variant"] for r in rows):
            _accuracy_line(ax, rows, "time_s", mode, variant, label=VARIANT_LABELS.get(variant, variant))
        ax.axhline(100 * results["digital_accuracy"], ls="--", color="k", lw=1, label="digital")
        # symlog: linear around 0 so "just programmed" (t = 0) sits on the same axis as 1 s … 1 year.
        ax.set_xscale("symlog", linthresh=1.0)
        ticks = sorted({r["time_s"] for r in rows})
        # 45° and right-aligned: 1 day, 1 week and 30 days lie close together on this axis.
        ax.set_xticks(ticks, [time_label(t) for t in ticks], fontsize=9, rotation=45, ha="right")
        ax.minorticks_off()
        # No empty negative decade left of "just programmed"; room for the last point's error bar.
        ax.set_xlim(-0.5 if ticks[0] == 0 else None, 2 * ticks[-1] if ticks[-1] > 0 else None)
        ax.set_xlabel("Time after programming", fontsize=11)
        ax.set_ylabel("Test accuracy (%)", fontsize=11)
        ax.set_title(f"{results['task']}, {mode}: drift{write_note(results)}", fontsize=11)
        ax.legend(fontsize=9)
        _style(ax)
        paths += save_figure(fig, out_dir, f"accuracy_vs_time_{mode}", dpi=EVALUATION_DPI)
    return paths


def write_note(results: dict[str, Any]) -> str:
    """``", open-loop write"``: the write model a figure's accuracies assume (nothing for older runs)."""
    write = results.get("write")
    return f", {write} write" if isinstance(write, str) and write != "swept" else ""


def plot_sweep(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Fig. 5(b): accuracy vs the swept parameter."""
    rows = [r for r in results["analog"] if "parameter" in r]
    if not rows:
        return []
    parameter = rows[0]["parameter"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for mode in dict.fromkeys(r["mode"] for r in rows):
        for variant in dict.fromkeys(r["variant"] for r in rows):
            label = f"{mode}, {VARIANT_LABELS.get(variant, variant)}"
            _accuracy_line(
                ax, rows, "value", mode, variant, label=label, ls="-" if mode == "potentiation" else ":"
            )
    ax.axhline(100 * results["digital_accuracy"], ls="--", color="k", lw=1, label="digital")
    ax.set_xlabel(parameter_label(parameter), fontsize=11)
    ax.set_ylabel("Test accuracy (%)", fontsize=11)
    t = rows[0]["time_s"]
    when = "just programmed" if t == 0 else f"{time_label(t)} after programming"
    ax.set_title(f"{results['task']} on {results['device']}: sweep, {when}{write_note(results)}", fontsize=11)
    ax.legend(fontsize=8)
    _style(ax)
    return save_figure(fig, out_dir, "sweep", dpi=EVALUATION_DPI)


def plot_training(history: Sequence[dict[str, Any]], out_dir: Path, stem: str = "training") -> list[Path]:
    """Digital training curve: test accuracy per epoch."""
    if not history:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    epochs = [h["epoch"] for h in history]
    ax.plot(epochs, [100 * h["test_accuracy"] for h in history], marker=".", label="test")
    if "train_accuracy" in history[0]:
        ax.plot(epochs, [100 * h["train_accuracy"] for h in history], marker=".", label="train")
    ax.set_xlabel("Epoch", fontsize=11)
    ax.set_ylabel("Accuracy (%)", fontsize=11)
    ax.legend(fontsize=9)
    _style(ax)
    return save_figure(fig, out_dir, stem, dpi=EVALUATION_DPI)


def plot_evaluation(
    results: dict[str, Any], out_dir: Path, history: Sequence[dict[str, Any]] = ()
) -> list[Path]:
    """Every figure of an evaluation or sweep run."""
    return [
        *plot_repetitions(results, out_dir),
        *plot_accuracy_vs_time(results, out_dir),
        *plot_sweep(results, out_dir),
        *plot_training(history, out_dir),
    ]
