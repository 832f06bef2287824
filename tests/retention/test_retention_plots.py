"""The retention figure: SI prefix chosen from the data, PNG + SVG, log time axis, t = 0 reads skipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from memtwin.retention import RetentionSeries, fit_retention
from memtwin.retention.plots import conductance_unit, plot_retention


@pytest.mark.parametrize(
    ("g", "unit"),
    [(5e-14, "pS"), (3e-12, "pS"), (5e-9, "nS"), (999e-9, "nS"), (2e-5, "µS"), (2e-3, "mS"), (3.0, "S")],
)
def test_prefix_follows_the_median_conductance(g: float, unit: str) -> None:
    factor, name = conductance_unit(np.array([g * 0.5, g, g * 1.5]))
    assert name == unit
    assert factor <= g or unit == "pS"


def test_figure_files(tmp_path: Path) -> None:
    t = np.array([0.0, 1.0, 10.0, 100.0, 1000.0])
    series = [
        RetentionSeries(k, t, g0 * (1 + t) ** -0.02, file="f", column=k)
        for k, g0 in (("a", 4e-9), ("b", 9e-9))
    ]
    paths = plot_retention(fit_retention(series), tmp_path)
    assert [p.name for p in paths] == ["retention.png", "retention.svg"]
    svg = (tmp_path / "retention.svg").read_text()
    assert "conductance (nS)" in svg and "time since programming (s)" in svg
    assert (tmp_path / "retention.png").read_bytes().startswith(b"\x89PNG")
