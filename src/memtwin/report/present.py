"""Present a finished run in its own folder: ``results.md`` (an analysis' tables) and ``figures/``.

:func:`present_run` is the presenter the run commands hand to
:func:`memtwin.experiments.analysis.run_analysis`: the experiments layer computes and writes the
numbers, this layer draws them. It can also (re)draw the figures of a run folder afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memtwin.atomic import write_text_atomic
from memtwin.report.analysis_plots import plot_ablation, plot_compare, plot_tolerance
from memtwin.report.doc import Block
from memtwin.report.insitu_plots import plot_in_situ
from memtwin.report.markdown import render_blocks
from memtwin.report.plots import plot_evaluation
from memtwin.report.tables import (
    ablation_blocks,
    analysis_kind,
    analysis_title,
    comparison_blocks,
    tolerance_blocks,
)

__all__ = ["RESULTS_MARKDOWN", "present_run"]

RESULTS_MARKDOWN = "results.md"
#: The tables and the figures of each analysis that has a ``results.md``.
_ANALYSES: dict[
    str, tuple[Callable[[dict[str, Any]], list[Block]], Callable[[dict[str, Any], Path], list[Path]]]
] = {
    "compare": (comparison_blocks, plot_compare),
    "ablate": (ablation_blocks, plot_ablation),
    "tolerance": (tolerance_blocks, plot_tolerance),
}


def _history(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "history.json"
    if not path.is_file():
        return []
    epochs = json.loads(path.read_text()).get("epochs", [])
    return epochs if isinstance(epochs, list) else []


def present_run(run_dir: str | Path, results: dict[str, Any] | None = None) -> list[Path]:
    """Write the figures (and for compare, ablate and tolerance, ``results.md``) of the run in
    ``run_dir`` from ``results`` (default: its ``results.json``); returns the files written."""
    run_dir = Path(run_dir)
    if results is None:
        results = json.loads((run_dir / "results.json").read_text())
    figures = run_dir / "figures"
    kind = analysis_kind(results)
    if kind not in _ANALYSES:
        return [*plot_evaluation(results, figures, _history(run_dir)), *plot_in_situ(results, figures)]
    blocks, plot = _ANALYSES[kind]
    markdown = render_blocks(analysis_title(results), blocks(results), run_dir)
    return [write_text_atomic(run_dir / RESULTS_MARKDOWN, markdown), *plot(results, figures)]
