"""The figures of in-situ training: the device's update response and the training curves on chip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memtwin.report.plots import EVALUATION_DPI, MODE_MARKERS, plt, save_figure

#: Colours of the two directions of the update response.
_DIRECTION_COLORS = {"potentiation": "#1f618d", "depression": "#c0392b"}


def plot_update_response(
    response: dict[str, dict[str, list[float]]], out_dir: Path, name: str = ""
) -> list[Path]:
    """Δg per pulse against g, both directions, ± one pulse's cycle-to-cycle spread (µS)."""
    if not response:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for direction, curve in response.items():
        g = [1e6 * v for v in curve["g_S"]]
        step = [1e6 * v for v in curve["step_S"]]
        spread = [1e6 * v for v in curve["spread_S"]]
        color = _DIRECTION_COLORS.get(direction)
        ax.plot(g, step, color=color, label=direction)
        ax.fill_between(g, [s - d for s, d in zip(step, spread, strict=True)],
                        [s + d for s, d in zip(step, spread, strict=True)], color=color, alpha=0.2)  # fmt: skip
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel("Conductance before the pulse (µS)", fontsize=11)
    ax.set_ylabel("Δg per pulse (µS)", fontsize=11)
    if name:
        ax.set_title(name, fontsize=11)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    return save_figure(fig, out_dir, "update_response", dpi=EVALUATION_DPI)


def plot_in_situ_training(in_situ: dict[str, Any], out_dir: Path) -> list[Path]:
    """Test accuracy per epoch of every chip trained in place (ideal read) against the digital curve."""
    curves = in_situ.get("curves", {})
    if not curves:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    digital = in_situ.get("digital_curve", [])
    if digital:
        ax.plot([h["epoch"] for h in digital], [100 * h["test_accuracy"] for h in digital], color="k",
                ls="--", label="digital")  # fmt: skip
    for mode, record in curves.items():
        for i, chip in enumerate(record["chips"]):
            ax.plot([h["epoch"] for h in chip], [100 * h["test_accuracy"] for h in chip],
                    marker=MODE_MARKERS.get(mode, "o"), color=_DIRECTION_COLORS.get(mode), alpha=0.6,
                    label=f"in situ, {mode}" if i == 0 else None)  # fmt: skip
    ax.set_xlabel("Epoch", fontsize=11)
    ax.set_ylabel("Test accuracy (%)", fontsize=11)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    return save_figure(fig, out_dir, "insitu_training", dpi=EVALUATION_DPI)


def plot_in_situ(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Both in-situ figures of a run whose results hold an ``in_situ`` entry."""
    in_situ = results.get("in_situ")
    if not in_situ:
        return []
    return [
        *plot_update_response(in_situ.get("response", {}), out_dir, str(results.get("device", ""))),
        *plot_in_situ_training(in_situ, out_dir),
    ]
