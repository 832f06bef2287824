"""The retention figure: (a) every state's reads and fits against log time, conductance in the SI prefix
that suits the data (pS, nS, µS, mS or S); (b) the relative change ``G/G0 - 1`` of every state with the
drift model's mean and ±1σ band over all states. PNG (200 dpi) and SVG, written atomically.

Reads at t = 0 (the moment of programming) cannot sit on a log axis; they are fitted but not drawn.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from memtwin.atomic import write_bytes_atomic
from memtwin.retention.fit import MODELS, RetentionFit
from memtwin.retention.result import choose_model, drift_spec, expected_change

__all__ = ["FIGURE", "conductance_unit", "plot_retention"]

FIGURE = "retention"
_PREFIXES = ((1.0, "S"), (1e-3, "mS"), (1e-6, "µS"), (1e-9, "nS"), (1e-12, "pS"))
_RASTER_ABOVE = 1000  # points per state beyond which the markers go into the SVG as an image
_LABEL = {"power_law": "power law", "log_time": "log time"}


def conductance_unit(g_S: np.ndarray) -> tuple[float, str]:
    """``(factor, name)`` of the SI prefix for the data's median conductance: the largest prefix not
    above it (1 S and more in S, below 1 pS in pS)."""
    median = float(np.median(np.abs(np.asarray(g_S, dtype=float))))
    for factor, name in _PREFIXES:
        if median >= factor:
            return factor, name
    return _PREFIXES[-1]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _colors(n: int) -> list[Any]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if n <= 10 else "viridis"]
    return [cmap(i if n <= 10 else i / max(n - 1, 1)) for i in range(n)]


def _save(fig: Any, out_dir: Path, stem: str) -> list[Path]:
    paths = []
    for ext, kw in (("png", {"dpi": 200}), ("svg", {})):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, bbox_inches="tight", **kw)
        paths.append(write_bytes_atomic(out_dir / f"{stem}.{ext}", buffer.getvalue()))
    return paths


def plot_retention(fit: RetentionFit, out_dir: str | Path, model: str | None = None) -> list[Path]:
    """Write ``retention.png`` and ``retention.svg`` to ``out_dir``; returns the files written."""
    plt = _pyplot()
    chosen, _ = choose_model(fit, model)
    other = next(m for m in MODELS if m != chosen)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    all_g = np.concatenate([s.series.g_S for s in fit.states])
    factor, unit = conductance_unit(all_g)
    t_pos = np.concatenate([s.series.t_s[s.series.t_s > 0] for s in fit.states])
    t_lo, t_hi = float(t_pos.min()), float(t_pos.max())
    grid_t = np.geomspace(t_lo, t_hi, 200)
    colors = _colors(len(fit.states))

    style = {"font.size": 10, "axes.labelsize": 11, "legend.fontsize": 8, "svg.fonttype": "none"}
    with plt.rc_context(style):
        fig, (ax_g, ax_r) = plt.subplots(1, 2, figsize=(11.0, 4.4))
        for sf, color in zip(fit.states, colors, strict=True):
            s = sf.series
            shown = s.t_s > 0
            many = shown.sum() > _RASTER_ABOVE
            kw: dict[str, Any] = {"s": 4 if many else 14, "alpha": 0.35 if many else 0.8, "rasterized": many}
            ax_g.scatter(s.t_s[shown], s.g_S[shown] / factor, color=color, label=s.name, **kw)
            ax_g.plot(grid_t, sf.fits[chosen].predict(grid_t) / factor, color=color, lw=1.6)
            ax_g.plot(grid_t, sf.fits[other].predict(grid_t) / factor, color=color, lw=1.0, ls=":")
            g0 = sf.fits[chosen].g0_S
            ax_r.scatter(s.t_s[shown], 100 * (s.g_S[shown] / g0 - 1), color=color, **kw)
            ax_r.plot(grid_t, 100 * (sf.fits[chosen].predict(grid_t) / g0 - 1), color=color, lw=1.0)
        mean, std = expected_change(drift_spec(fit, chosen), grid_t)
        ax_r.plot(grid_t, 100 * mean, color="black", lw=2.0, ls="--", label="model mean, all states")
        ax_r.fill_between(
            grid_t, 100 * (mean - std), 100 * (mean + std), color="gray", alpha=0.25, label="±1σ over states"
        )
        r2 = {m: fit.overall[m].r2 for m in MODELS}
        title = ", ".join(
            f"{_LABEL[m]} R² = {r2[m]:.4f}" if r2[m] is not None else f"{_LABEL[m]}" for m in MODELS
        )
        ax_g.set_title(f"(a) reads and fits: {_LABEL[chosen]} (solid), {_LABEL[other]} (dotted)", fontsize=10)
        ax_r.set_title(f"(b) relative change; {title}", fontsize=10)
        for ax in (ax_g, ax_r):
            ax.set_xscale("log")
            ax.set_xlabel("time since programming (s)")
            ax.grid(alpha=0.3, which="both")
        ax_g.set_ylabel(f"conductance ({unit})")
        ax_r.set_ylabel("G / G0 − 1 (%)")
        if len(fit.states) <= 12:
            ax_g.legend(loc="best", markerscale=2)
        ax_r.legend(loc="best")
        fig.tight_layout()
        try:
            return _save(fig, out, FIGURE)
        finally:
            plt.close(fig)
