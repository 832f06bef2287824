"""One table of evaluation runs that differ in their write model: ``python -m memtwin.report.writes RUN...``.

Each run folder's ``results.json`` names its write model; the table gives, per write and programming
mode, the HWAT + compensation and the baseline accuracy just programmed (with the loss against the
digital network) and HWAT + compensation at the last time evaluated. ``scripts/reproduce-paper.sh``
writes it as ``writes.md``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from memtwin.report import fmt
from memtwin.report.doc import Table
from memtwin.report.markdown import render_blocks

__all__ = ["writes_table"]


def _row(rows: Sequence[Mapping[str, Any]], mode: str, variant: str, time_s: float) -> Mapping[str, Any]:
    for r in rows:
        if r.get("mode") == mode and r.get("variant") == variant and r.get("time_s") == time_s:
            return r
    return {}


def _cell(row: Mapping[str, Any], digital: Any) -> str:
    if not row:
        return fmt.DASH
    mean = row.get("accuracy_mean")
    return f"{fmt.mean_std_percent(mean, row.get('accuracy_std'))} ({fmt.loss_points(digital, mean)})"


def writes_table(run_dirs: Sequence[Path]) -> Table:
    """The write models of ``run_dirs`` side by side (see the module docstring)."""
    body = []
    for run in run_dirs:
        results = json.loads((Path(run) / "results.json").read_text())
        rows = [r for r in results.get("analog", []) if r.get("parameter") is None]
        digital = results.get("digital_accuracy")
        last = max((r["time_s"] for r in rows), default=0.0)
        for mode in dict.fromkeys(r["mode"] for r in rows):
            body.append((
                str(results.get("write", "open-loop")), mode, fmt.percent(digital),
                _cell(_row(rows, mode, "hwat_gdc", 0.0), digital),
                _cell(_row(rows, mode, "baseline", 0.0), digital),
                _cell(_row(rows, mode, "hwat_gdc", last), digital),
            ))  # fmt: skip
    header = ("write", "mode", "digital", "HWAT + comp., just programmed", "baseline, just programmed",
              "HWAT + comp., last time")  # fmt: skip
    caption = "accuracy ± std over repetitions (loss vs digital, points), one run folder per write model"
    return Table(header=header, rows=tuple(body), caption=caption, align=("l", "l") + ("r",) * 4)


if __name__ == "__main__":
    print(render_blocks("Write models", [writes_table([Path(p) for p in sys.argv[1:]])], Path.cwd()))
