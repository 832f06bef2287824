"""Figures of a characterization, as the paper's Fig. 2(d)(e)(f); PNG (200 dpi) and SVG.

(d) every cycle superimposed (thin, translucent) with the mean (dashed), potentiation then depression on
one pulse axis; (e) the linear ranges: level means with ±σ bars and their fitted lines; (f) σ of every
state of the linear ranges with the bin width and the 2σ distinguishability limit. Conductances are
plotted with the SI prefix their values call for (pS … mS; SI inside, prefixes only here); legends sit
outside the axes so they never hide data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from memtwin.characterization.result import Characterization
from memtwin.characterization.stats import phase_statistics
from memtwin.measurements.table import DEPRESSION, POTENTIATION, PulseTable
from memtwin.siformat import scaled

COLORS = {POTENTIATION: "#1f77b4", DEPRESSION: "#d62728"}
FIGURES = ("fig2d_cycles", "fig2e_linear_range", "fig2f_sigma")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _style() -> dict[str, Any]:
    return {
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 12,
        "legend.fontsize": 9,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "svg.fonttype": "none",
    }


def _save(fig: Any, out_dir: Path, stem: str) -> list[Path]:
    paths = []
    for ext, kw in (("png", {"dpi": 200}), ("svg", {})):
        p = out_dir / f"{stem}.{ext}"
        fig.savefig(p, bbox_inches="tight", **kw)
        paths.append(p)
    return paths


def sigma_axis_top(result: Characterization) -> float:
    """Top of Fig. 2(f)'s axis (S): above every σ bar and both bin widths, so a σ taller than the bin
    width (levels that overlap) is seen as such."""
    phases = (result.potentiation, result.depression)
    tallest = max(max(ph.bin_width_S, float(np.nanmax(ph.level_sigmas_S, initial=0.0))) for ph in phases)
    return 1.12 * tallest


def plot_characterization(table: PulseTable, result: Characterization, out_dir: str | Path) -> list[Path]:
    """Write Fig. 2(d)(e)(f) of one device to ``out_dir``; returns the files written.

    ``table`` is the device's measurements (a multi-device table is narrowed to ``result.device``).
    """
    plt = _pyplot()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if len(table.devices) > 1:
        table = table.for_device(result.device)
    stats = {p: phase_statistics(table, p) for p in (POTENTIATION, DEPRESSION)}
    n_pot = int(stats[POTENTIATION].pulses.max())
    offset = {POTENTIATION: 0, DEPRESSION: n_pot}  # depression drawn after potentiation on one axis
    title = f"{result.device} — {result.cycles} cycle{'s' if result.cycles != 1 else ''}"
    written: list[Path] = []
    g_factor, g_unit = scaled([result.g_max_S, result.g_min_S], "S")
    levels = [result.phase(p) for p in (POTENTIATION, DEPRESSION)]
    s_factor, s_unit = scaled(
        [v for ph in levels for v in (*ph.level_sigmas_S, ph.bin_width_S, ph.slope_S_per_pulse)], "S"
    )
    outside = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0}

    with plt.rc_context(_style()):
        # (d) all cycles superimposed with their mean
        fig, ax = plt.subplots(figsize=(7.0, 4.4))
        for phase, st in stats.items():
            x = st.pulses + offset[phase]
            alpha = float(np.clip(8.0 / max(st.n_cycles, 1), 0.04, 0.5))
            ax.plot(x, st.matrix_S.T / g_factor, color=COLORS[phase], lw=0.6, alpha=alpha)
            ax.plot(x, st.mean_S / g_factor, color="black", ls="--", lw=1.6)
            r = result.phase(phase).linear_range
            ax.axvspan(
                r[0] + offset[phase] - 0.5, r[1] + offset[phase] + 0.5, color=COLORS[phase], alpha=0.07
            )
        handles = [
            plt.Line2D([], [], color=COLORS[POTENTIATION], lw=1.5, label="potentiation (each cycle)"),
            plt.Line2D([], [], color=COLORS[DEPRESSION], lw=1.5, label="depression (each cycle)"),
            plt.Line2D([], [], color="black", ls="--", lw=1.6, label="mean over cycles"),
        ]
        ax.legend(handles=handles, **outside)
        ax.set_xlabel("pulse number (potentiation, then depression)")
        ax.set_ylabel(f"conductance G ({g_unit})")
        ax.set_title(f"(d) {title}; shaded: linear ranges")
        ax.grid(alpha=0.3)
        written += _save(fig, out, FIGURES[0])
        plt.close(fig)

        # (e) linear ranges: means ± σ and fits
        fig, ax = plt.subplots(figsize=(7.0, 4.4))
        for phase in (POTENTIATION, DEPRESSION):
            ph = result.phase(phase)
            pulses = np.arange(ph.linear_range[0], ph.linear_range[1] + 1)
            x = pulses + offset[phase]
            level_x = np.asarray(ph.level_pulses) + offset[phase]
            ax.errorbar(
                level_x,
                np.asarray(ph.level_means_S) / g_factor,
                yerr=np.asarray(ph.level_sigmas_S) / g_factor,
                fmt="o",
                ms=4,
                capsize=3,
                color=COLORS[phase],
                label=f"{phase}: level mean ± σ"
                + (f" ({ph.pulses_per_level} pulses per level)" if ph.pulses_per_level > 1 else ""),
            )
            fit = (ph.slope_S_per_pulse * pulses + ph.intercept_S) / g_factor
            ax.plot(
                x,
                fit,
                color=COLORS[phase],
                lw=1.2,
                label=f"fit: {ph.slope_S_per_pulse / s_factor:+.4g} {s_unit}/pulse, R² = {ph.r2:.5f}",
            )
        ax.set_xlabel("pulse number (potentiation, then depression)")
        ax.set_ylabel(f"conductance G ({g_unit})")
        ax.set_title(f"(e) linear ranges: {result.potentiation.levels} + {result.depression.levels} levels")
        ax.legend(**outside)
        ax.grid(alpha=0.3)
        written += _save(fig, out, FIGURES[1])
        plt.close(fig)

        # (f) σ per state with the bin width
        fig, ax = plt.subplots(figsize=(7.0, 4.4))
        start = 1
        for phase in (POTENTIATION, DEPRESSION):
            ph = result.phase(phase)
            states = np.arange(start, start + ph.levels)
            ax.bar(
                states,
                np.asarray(ph.level_sigmas_S) / s_factor,
                color=COLORS[phase],
                alpha=0.8,
                label=f"σ, {phase}" + (" (fit residuals)" if ph.sigma_source == "fit_residuals" else ""),
            )
            ax.hlines(
                ph.bin_width_S / s_factor,
                states[0] - 0.5,
                states[-1] + 0.5,
                colors=COLORS[phase],
                lw=2.0,
                label=f"bin width {ph.bin_width_S / s_factor:.4g} {s_unit}",
            )
            ax.hlines(
                ph.bin_width_S / s_factor / result.criteria.k_sigma
                if result.criteria.k_sigma > 0
                else np.nan,
                states[0] - 0.5,
                states[-1] + 0.5,
                colors=COLORS[phase],
                lw=1.2,
                linestyles=":",
                label=f"bin width / {result.criteria.k_sigma:g} (largest σ allowed)"
                if phase == POTENTIATION
                else None,
            )
            start += ph.levels
        ax.set_xlabel("state (potentiation levels, then depression levels)")
        ax.set_ylabel(f"σ, bin width ({s_unit})")
        ax.set_title(
            f"(f) mean σ = {result.sigma_mean_S / s_factor:.4g} {s_unit}; "
            f"{result.bins} bins ≈ {result.bits:.2f} bits"
        )
        ax.set_ylim(0, sigma_axis_top(result) / s_factor)
        ax.legend(**outside)
        ax.grid(alpha=0.3, axis="y")
        written += _save(fig, out, FIGURES[2])
        plt.close(fig)
    return written
