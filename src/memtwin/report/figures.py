"""Which report section a figure file belongs to, where it goes in it, and its caption.

Figures are recognised by file stem, as the characterization layer and :mod:`memtwin.report.plots` name
them (``fig2d_cycles``, ``accuracy_vs_time_potentiation``, ``sweep``, ``ablation``, …). A figure with a name this table
does not know still appears, under "Other figures", captioned with its file name: new plots show up
in reports without a change here, and a caption is a one-line addition when they deserve one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CHARACTERIZATION = "characterization"
ACCURACY = "accuracy"
TRAINING = "training"
SWEEP = "sweep"
COMPARISON = "comparison"
ABLATION = "ablation"
TOLERANCE = "tolerance"
OTHER = "other"


@dataclass(frozen=True)
class FigureKind:
    section: str
    rank: int
    caption: str


_VARIANTS = "baseline (digital weights, no compensation) vs HWAT + global drift compensation"

#: (stem pattern, section, caption); ``{0}`` in a caption is the pattern's first group.
_KNOWN: tuple[tuple[str, str, str], ...] = (
    (
        r"fig2d_cycles",
        CHARACTERIZATION,
        "Fig. 2(d) — conductance after every pulse of every cycle (potentiation, then depression) with "
        "the mean over cycles; shaded: the linear ranges used as programming levels.",
    ),
    (
        r"fig2e_linear_range",
        CHARACTERIZATION,
        "Fig. 2(e) — mean ± σ of each level in the linear ranges and the linear fits "
        "(slope = bin width, R² in the legend).",
    ),
    (
        r"fig2f_sigma",
        CHARACTERIZATION,
        "Fig. 2(f) — cycle-to-cycle σ of each state against the bin width; neighbouring states are "
        "distinguishable while σ stays below bin width / 2.",
    ),
    (
        r"accuracy_repetitions",
        ACCURACY,
        "Fig. 3(b) / 5(a) — test accuracy of every repetition (fresh programming noise and "
        "device-to-device draws) per programming mode and variant, right after programming; "
        "black bars: mean ± std; dashed: digital.",
    ),
    (
        r"accuracy_vs_time_(\w+)",
        ACCURACY,
        "Fig. 3(c, d) / 5(c, d) — mean ± std test accuracy against time after programming, "
        "{0} mode: " + _VARIANTS + "; dashed: digital.",
    ),
    (r"accuracy.*", ACCURACY, ""),
    (
        r"sweep.*",
        SWEEP,
        "Fig. 5(b) — mean ± std test accuracy against the swept parameter; dashed: digital.",
    ),
    (
        r"(?:compar|comparison).*",
        COMPARISON,
        "Fig. 6 — accuracy loss against digital for each device, all run through the same network "
        "and protocol.",
    ),
    (
        r"update_response",
        TRAINING,
        "Update response — the conductance change of one pulse against the conductance it starts from, "
        "potentiation and depression, from the measured level tables (shaded: ± one pulse's "
        "cycle-to-cycle σ; each device scales the curve by its own device-to-device factor).",
    ),
    (
        r"insitu_training",
        TRAINING,
        "Training on chip — test accuracy per epoch of every chip trained in place (ideal read) against "
        "digital training of the same network.",
    ),
    (r"training.*|hwat.*", TRAINING, "Training curve — test (and train) accuracy per epoch."),
    (
        r"ablation.*",
        ABLATION,
        "Accuracy each non-ideality costs: recovered when it alone is switched off in the full model, and "
        "lost when it alone is on (everything else ideal); error bars ±2 paired SE.",
    ),
    (
        r"tolerance_(\w+)",
        TOLERANCE,
        "Tolerance of {0} — mean loss ± z SE against the value, the loss budget, the threshold where the "
        "mean crosses it, the uncertainty band and this device's own value.",
    ),
)

SECTION_ORDER = (CHARACTERIZATION, ACCURACY, TRAINING, SWEEP, COMPARISON, ABLATION, TOLERANCE, OTHER)


def classify(rel: Path) -> FigureKind:
    """Section, order and caption of one figure file, ``rel`` relative to the run folder. Figures in a
    sub-folder other than ``figures/`` (one per device of a multi-device characterization) get the
    folder in the caption."""
    stem = rel.stem
    folders = [part for part in rel.parent.parts if part != "figures"]
    prefix = f"{'/'.join(folders)}: " if folders else ""
    for rank, (pattern, section, caption) in enumerate(_KNOWN):
        m = re.fullmatch(pattern, stem)
        if m:
            text = caption.format(*m.groups()) if caption else _from_name(stem)
            return FigureKind(section, rank, prefix + text)
    return FigureKind(OTHER, len(_KNOWN), prefix + _from_name(stem))


def _from_name(stem: str) -> str:
    return stem.replace("_", " ").replace("-", " ").strip().capitalize()


def figure_rank(rel: Path) -> tuple[int, int]:
    """Sort key: section order first, then the order of the table above, then potentiation before
    depression (the paper's order) for figures made once per programming mode."""
    kind = classify(rel)
    mode = 0 if "potentiation" in rel.stem else 1 if "depression" in rel.stem else 2
    return SECTION_ORDER.index(kind.section) * 100 + kind.rank, mode
