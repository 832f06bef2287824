"""Normalized traces (no physical unit) mapped onto a conductance range with g_range= / --g-range."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from memtwin.errors import MeasurementError
from memtwin.measurements import DEPRESSION, POTENTIATION, load, load_many

Write = Callable[[str, str], Path]
G_RANGE = (1e-6, 1e-4)
# AIHWKIT-style: no header, column 1 = response to successive up pulses, column 2 = to down pulses
UP = [-0.84444, -0.93333, -0.5, 0.1, 0.6, 1.0667, 1.4111, 0.9]
DOWN = [0.76667, 1.0556, 0.3, -0.2, -0.7, -1.1, -1.3556, -1.0]


def by_hand(values: list[float], low: float, high: float) -> np.ndarray:
    """The linear map of [low, high] onto G_RANGE, written with np.interp (independent of the code)."""
    return np.interp(values, [low, high], G_RANGE)


def test_updown_trace_maps_over_both_phases(write: Write) -> None:
    path = write("gong_et_al.csv", "\n".join(f"{u},{d}" for u, d in zip(UP, DOWN, strict=True)))
    table = load(path, g_range=G_RANGE)
    low, high = min(UP + DOWN), max(UP + DOWN)  # -1.3556 (down) .. 1.4111 (up)
    np.testing.assert_allclose(table.matrix(POTENTIATION), [by_hand(UP, low, high)], rtol=1e-12)
    np.testing.assert_allclose(table.matrix(DEPRESSION), [by_hand(DOWN, low, high)], rtol=1e-12)
    assert table.frame["conductance_S"].min() == pytest.approx(1e-6)
    assert table.frame["conductance_S"].max() == pytest.approx(1e-4)
    assert table.layout == (
        "gong_et_al.csv: up/down columns (no header row: columns recognised by content); column 1 up, "
        "column 2 down (unitless), values -1.3556..1.4111 mapped linearly onto 1e-06..0.0001 S (--g-range)"
    )


def test_each_device_of_a_signed_sheet_has_its_own_span(write: Write) -> None:
    d1 = [-1.0, -0.5, 0.4, 0.2]
    d2 = [0.0, 0.5, 0.25, 0.1]
    rows = "\n".join(f"{v},{a},{b}" for v, a, b in zip([1, 1, -1, -1], d1, d2, strict=True))
    table = load(write("norm.csv", "V_pulse (V),D1,D2\n" + rows), g_range=G_RANGE)
    np.testing.assert_allclose(table.for_device("D1").frame["conductance_S"], by_hand(d1, -1.0, 0.4))
    np.testing.assert_allclose(table.for_device("D2").frame["conductance_S"], by_hand(d2, 0.0, 0.5))
    assert (
        "each device's values mapped linearly from its span onto 1e-06..0.0001 S (--g-range)" in table.layout
    )


def test_phase_selection_keeps_the_whole_trace_span(write: Write) -> None:
    path = write("gong_et_al.csv", "\n".join(f"{u},{d}" for u, d in zip(UP, DOWN, strict=True)))
    table = load(path, g_range=G_RANGE, phase="up")
    np.testing.assert_allclose(table.matrix(POTENTIATION), [by_hand(UP, min(UP + DOWN), max(UP + DOWN))])


def test_load_many_maps_a_device_over_all_its_files(write: Write) -> None:
    pot = write("n_set.csv", "c1,c2\n-1.0,-0.8\n0.0,0.1\n0.5,0.4\n")
    dep = write("n_reset.csv", "c1,c2\n1.0,0.9\n0.0,-0.1\n-0.5,-0.4\n")
    table = load_many([pot, dep], g_range=G_RANGE)
    np.testing.assert_allclose(
        table.matrix(POTENTIATION), [by_hand([-1.0, 0.0, 0.5], -1, 1), by_hand([-0.8, 0.1, 0.4], -1, 1)]
    )
    np.testing.assert_allclose(
        table.matrix(DEPRESSION), [by_hand([1.0, 0.0, -0.5], -1, 1), by_hand([0.9, -0.1, -0.4], -1, 1)]
    )
    assert table.layout.count("\n") == 1  # one line per file
    assert table.layout.splitlines()[1].startswith("n_reset.csv: wide, one column per depression ramp")


@pytest.mark.parametrize("bad", [(1e-4, 1e-6), (0.0, 1e-4), (1e-6,), ("a", "b"), (1e-6, float("inf"))])
def test_invalid_g_range(write: Write, bad: tuple[object, ...]) -> None:
    with pytest.raises(MeasurementError, match="invalid --g-range") as info:
        load(write("n_set.csv", "c1\n-1\n1\n"), g_range=bad)  # type: ignore[arg-type]
    assert "GMIN,GMAX" in (info.value.expected or "")


def test_g_range_refuses_what_it_cannot_map(write: Write) -> None:
    with pytest.raises(MeasurementError, match="--g-range is for values without a unit") as info:
        load(write("u_set.csv", "G1 (uS)\n10\n20\n"), g_range=G_RANGE)
    assert info.value.column == "G1 (uS)"
    with pytest.raises(MeasurementError, match="does not combine with --quantity current"):
        load(write("n_set.csv", "c1\n-1\n1\n"), g_range=G_RANGE, quantity="current")
    with pytest.raises(MeasurementError, match="does not combine with --read-voltage"):
        load(write("n_set.csv", "c1\n-1\n1\n"), g_range=G_RANGE, read_voltage_V=0.1)
    with pytest.raises(MeasurementError, match="device 'device' has a constant trace"):
        load(write("flat_set.csv", "c1\n0.5\n0.5\n"), g_range=G_RANGE)


def test_a_bare_g_column_of_normalized_values_in_a_tidy_file(write: Write) -> None:
    path = write("t.csv", "cycle,phase,pulse,G\n1,p,1,-1\n1,p,2,0\n1,d,1,1\n1,d,2,-0.5\n")
    table = load(path, g_range=G_RANGE)
    np.testing.assert_allclose(table.frame["conductance_S"], by_hand([-1, 0, 1, -0.5], -1, 1))
    assert "column 4 'G' response (unitless)" in table.layout
