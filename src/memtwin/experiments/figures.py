"""Figures of an evaluation run, as in the paper's Fig. 3(b–d) and Fig. 5(a–d). Accuracies in %."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

VARIANT_LABELS = {"baseline": "baseline (no HWAT, no compensation)", "hwat_gdc": "HWAT + drift compensation"}
VARIANT_COLORS = {"baseline": "#c0392b", "hwat_gdc": "#1f618d"}
MODE_MARKERS = {"potentiation": "o", "depression": "s"}
TIME_LABELS = {
    1.0: "1 s",
    60.0: "1 min",
    3600.0: "1 h",
    86400.0: "1 day",
    604800.0: "1 week",
    2592000.0: "30 days",
    31536000.0: "1 year",
}


def time_label(t_s: float) -> str:
    """A time after programming as people say it (1 s, 1 h, 1 day, 1 year, else seconds)."""
    return TIME_LABELS.get(float(t_s), f"{t_s:g} s")


def _save(fig: Figure, out_dir: Path, stem: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=200, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    plt.close(fig)
    return paths


def _style(ax: Any) -> None:
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=10)


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
        f"t = {time_label(t0)}",
        fontsize=11,
    )
    ax.legend(fontsize=9)
    _style(ax)
    return _save(fig, out_dir, "accuracy_repetitions")


def plot_accuracy_vs_time(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Fig. 3(c,d)/5(c,d): mean ± std accuracy vs time after programming, per mode."""
    paths: list[Path] = []
    rows = [r for r in results["analog"] if "parameter" not in r]
    for mode in dict.fromkeys(r["mode"] for r in rows):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for variant in dict.fromkeys(r["variant"] for r in rows):
            sel = sorted(
                (r for r in rows if r["mode"] == mode and r["variant"] == variant), key=lambda r: r["time_s"]
            )
            if not sel:
                continue
            ax.errorbar(
                [r["time_s"] for r in sel],
                [100 * r["accuracy_mean"] for r in sel],
                yerr=[100 * r["accuracy_std"] for r in sel],
                marker=MODE_MARKERS.get(mode, "o"),
                color=VARIANT_COLORS.get(variant),
                label=VARIANT_LABELS.get(variant, variant),
                capsize=3,
            )
        ax.axhline(100 * results["digital_accuracy"], ls="--", color="k", lw=1, label="digital")
        # symlog: linear around 0 so "just programmed" (t = 0) sits on the same axis as 1 s … 1 year.
        ax.set_xscale("symlog", linthresh=1.0)
        ticks = sorted({r["time_s"] for r in rows})
        ax.set_xticks(ticks, [time_label(t) for t in ticks], fontsize=9, rotation=30)
        ax.minorticks_off()
        ax.set_xlabel("Time after programming", fontsize=11)
        ax.set_ylabel("Test accuracy (%)", fontsize=11)
        ax.set_title(f"{results['task']}, {mode}: drift", fontsize=11)
        ax.legend(fontsize=9)
        _style(ax)
        paths += _save(fig, out_dir, f"accuracy_vs_time_{mode}")
    return paths


def plot_sweep(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Fig. 5(b): accuracy vs the swept parameter."""
    rows = [r for r in results["analog"] if "parameter" in r]
    if not rows:
        return []
    parameter = rows[0]["parameter"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for mode in dict.fromkeys(r["mode"] for r in rows):
        for variant in dict.fromkeys(r["variant"] for r in rows):
            sel = sorted(
                (r for r in rows if r["mode"] == mode and r["variant"] == variant), key=lambda r: r["value"]
            )
            if not sel:
                continue
            ax.errorbar(
                [r["value"] for r in sel],
                [100 * r["accuracy_mean"] for r in sel],
                yerr=[100 * r["accuracy_std"] for r in sel],
                marker=MODE_MARKERS.get(mode, "o"),
                color=VARIANT_COLORS.get(variant),
                ls="-" if mode == "potentiation" else ":",
                label=f"{mode}, {VARIANT_LABELS.get(variant, variant)}",
                capsize=3,
            )
    ax.axhline(100 * results["digital_accuracy"], ls="--", color="k", lw=1, label="digital")
    ax.set_xlabel(_parameter_label(parameter), fontsize=11)
    ax.set_ylabel("Test accuracy (%)", fontsize=11)
    t = rows[0]["time_s"]
    when = "just programmed" if t == 0 else f"{time_label(t)} after programming"
    ax.set_title(f"{results['task']} on {results['device']}: sweep, {when}", fontsize=11)
    ax.legend(fontsize=8)
    _style(ax)
    return _save(fig, out_dir, "sweep")


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
    return _save(fig, out_dir, stem)


def _parameter_label(parameter: str) -> str:
    return {
        "device.d2d": "Device-to-device variation (relative σ)",
        "device.sigma_scale": "Cycle-to-cycle σ (× measured)",
        "device.levels": "Levels per device",
        "periphery.adc_bits": "ADC resolution (bits)",
        "periphery.dac_bits": "DAC resolution (bits)",
    }.get(parameter, parameter)


def plot_all(results: dict[str, Any], out_dir: Path, history: Sequence[dict[str, Any]] = ()) -> list[Path]:
    return [
        *plot_repetitions(results, out_dir),
        *plot_accuracy_vs_time(results, out_dir),
        *plot_sweep(results, out_dir),
        *plot_training(history, out_dir),
    ]
