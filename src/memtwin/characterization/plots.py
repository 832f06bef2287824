"""Figures of a characterization, as the paper's Fig. 2(d)(e)(f); PNG (200 dpi) and SVG.

(d) every cycle superimposed (thin, translucent) with the mean (dashed), potentiation then depression on
one pulse axis; (e) the linear ranges: level means with ±σ bars and their fitted lines; (f) σ of every
state of the linear ranges with the bin width and the 2σ distinguishability limit. Conductances are
plotted with the SI prefix their values call for (pS … mS; SI inside, prefixes only here); legends sit
outside the axes so they never hide data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from memtwin.characterization.result import Characterization
from memtwin.characterization.stats import PhaseStats, phase_statistics
from memtwin.measurements.table import DEPRESSION, POTENTIATION, PulseTable
from memtwin.siformat import scaled

COLORS = {POTENTIATION: "#1f77b4", DEPRESSION: "#d62728"}
FIGURES = ("fig2d_cycles", "fig2e_linear_range", "fig2f_sigma")
_OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0}  # legends


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


@dataclass(frozen=True)
class _Panel:
    """What the three figures share: the device's result and statistics, where depression starts on
    the pulse axis, and the SI prefixes of conductances (``g``) and of σ, bin widths and slopes (``s``)."""

    plt: Any
    result: Characterization
    stats: dict[str, PhaseStats]
    offset: dict[str, int]
    g_factor: float
    g_unit: str
    s_factor: float
    s_unit: str


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
    g_factor, g_unit = scaled([result.g_max_S, result.g_min_S], "S")
    levels = [result.phase(p) for p in (POTENTIATION, DEPRESSION)]
    s_factor, s_unit = scaled(
        [v for ph in levels for v in (*ph.level_sigmas_S, ph.bin_width_S, ph.slope_S_per_pulse)], "S"
    )
    panel = _Panel(plt, result, stats, offset, g_factor, g_unit, s_factor, s_unit)
    written: list[Path] = []
    with plt.rc_context(_style()):
        for stem, draw in zip(FIGURES, (_draw_cycles, _draw_linear_ranges, _draw_sigma), strict=True):
            fig, ax = plt.subplots(figsize=(7.0, 4.4))
            draw(ax, panel)
            written += _save(fig, out, stem)
            plt.close(fig)
    return written


def _draw_cycles(ax: Any, panel: _Panel) -> None:
    """(d) every cycle superimposed with the mean over cycles; the linear ranges shaded."""
    result, offset, g_factor, plt = panel.result, panel.offset, panel.g_factor, panel.plt
    for phase, st in panel.stats.items():
        x = st.pulses + offset[phase]
        alpha = float(np.clip(8.0 / max(st.n_cycles, 1), 0.04, 0.5))
        ax.plot(x, st.matrix_S.T / g_factor, color=COLORS[phase], lw=0.6, alpha=alpha)
        ax.plot(x, st.mean_S / g_factor, color="black", ls="--", lw=1.6)
        r = result.phase(phase).linear_range
        ax.axvspan(r[0] + offset[phase] - 0.5, r[1] + offset[phase] + 0.5, color=COLORS[phase], alpha=0.07)
    handles = [
        plt.Line2D([], [], color=COLORS[POTENTIATION], lw=1.5, label="potentiation (each cycle)"),
        plt.Line2D([], [], color=COLORS[DEPRESSION], lw=1.5, label="depression (each cycle)"),
        plt.Line2D([], [], color="black", ls="--", lw=1.6, label="mean over cycles"),
    ]
    ax.legend(handles=handles, **_OUTSIDE)
    ax.set_xlabel("pulse number (potentiation, then depression)")
    ax.set_ylabel(f"conductance G ({panel.g_unit})")
    title = f"{result.device} — {result.cycles} cycle{'s' if result.cycles != 1 else ''}"
    ax.set_title(f"(d) {title}; shaded: linear ranges")
    ax.grid(alpha=0.3)


def _draw_linear_ranges(ax: Any, panel: _Panel) -> None:
    """(e) the linear ranges: level means ± σ and the fitted lines."""
    result, g_factor = panel.result, panel.g_factor
    for phase in (POTENTIATION, DEPRESSION):
        ph = result.phase(phase)
        pulses = np.arange(ph.linear_range[0], ph.linear_range[1] + 1)
        x = pulses + panel.offset[phase]
        level_x = np.asarray(ph.level_pulses) + panel.offset[phase]
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
        slope = f"{ph.slope_S_per_pulse / panel.s_factor:+.4g} {panel.s_unit}/pulse"
        ax.plot(x, fit, color=COLORS[phase], lw=1.2, label=f"fit: {slope}, R² = {ph.r2:.5f}")
    ax.set_xlabel("pulse number (potentiation, then depression)")
    ax.set_ylabel(f"conductance G ({panel.g_unit})")
    ax.set_title(f"(e) linear ranges: {result.potentiation.levels} + {result.depression.levels} levels")
    ax.legend(**_OUTSIDE)
    ax.grid(alpha=0.3)


def _draw_sigma(ax: Any, panel: _Panel) -> None:
    """(f) σ of every state of the linear ranges, the bin width and the largest σ it allows."""
    result, s_factor, s_unit = panel.result, panel.s_factor, panel.s_unit
    k_sigma = result.criteria.k_sigma
    start = 1
    for phase in (POTENTIATION, DEPRESSION):
        ph = result.phase(phase)
        states = np.arange(start, start + ph.levels)
        residuals = " (fit residuals)" if ph.sigma_source == "fit_residuals" else ""
        sigmas = np.asarray(ph.level_sigmas_S) / s_factor
        ax.bar(states, sigmas, color=COLORS[phase], alpha=0.8, label=f"σ, {phase}{residuals}")
        width = ph.bin_width_S / s_factor
        span = (states[0] - 0.5, states[-1] + 0.5)
        ax.hlines(width, *span, colors=COLORS[phase], lw=2.0, label=f"bin width {width:.4g} {s_unit}")
        ax.hlines(
            width / k_sigma if k_sigma > 0 else np.nan,
            *span,
            colors=COLORS[phase],
            lw=1.2,
            linestyles=":",
            label=f"bin width / {k_sigma:g} (largest σ allowed)" if phase == POTENTIATION else None,
        )
        start += ph.levels
    ax.set_xlabel("state (potentiation levels, then depression levels)")
    ax.set_ylabel(f"σ, bin width ({s_unit})")
    ax.set_title(
        f"(f) mean σ = {result.sigma_mean_S / s_factor:.4g} {s_unit}; "
        f"{result.bins} bins ≈ {result.bits:.2f} bits"
    )
    ax.set_ylim(0, sigma_axis_top(result) / s_factor)
    ax.legend(**_OUTSIDE)
    ax.grid(alpha=0.3, axis="y")
