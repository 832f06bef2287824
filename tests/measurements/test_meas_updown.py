"""Two-column up/down response tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.measurements import DEPRESSION, POTENTIATION, load

Write = Callable[[str, str], Path]


@pytest.mark.parametrize("header", ["up,down", "potentiation,depression", "LTP,LTD", "G_up (S),G_down (S)"])
def test_one_cycle_each(write: Write, header: str) -> None:
    path = write("ud.csv", f"{header}\n1e-4,3e-4\n2e-4,2e-4\n3e-4,\n")
    if "(S)" in header:
        table = load(path)
    else:
        with pytest.warns(
            MeasurementWarning, match="no unit in the headers: values taken as conductances in S"
        ):
            table = load(path)
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[1e-4, 2e-4, 3e-4]])
    np.testing.assert_allclose(table.matrix(DEPRESSION), [[3e-4, 2e-4]])
    assert set(table.frame["cycle"]) == {1}


def test_units_and_pulse_index(write: Write) -> None:
    table = load(write("ud.csv", "pulse,LTP (uS),LTD (uS)\n1,100,300\n2,200,100\n"))
    np.testing.assert_allclose(table.frame["conductance_S"], [100e-6, 200e-6, 300e-6, 100e-6])


def test_pulses_per_cycle_splits_concatenated_cycles(write: Write) -> None:
    path = write("ud.csv", "up (uS),down (uS)\n10,30\n20,20\n30,10\n11,31\n21,21\n31,11\n")
    table = load(path, pulses_per_cycle=3)
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[10e-6, 20e-6, 30e-6], [11e-6, 21e-6, 31e-6]])
    np.testing.assert_allclose(table.matrix(DEPRESSION), [[30e-6, 20e-6, 10e-6], [31e-6, 21e-6, 11e-6]])
    table.check_for_characterization()


def test_pulses_per_cycle_must_divide_the_column(write: Write) -> None:
    path = write("ud.csv", "up (uS),down (uS)\n10,30\n20,20\n30,10\n11,31\n")
    with pytest.raises(MeasurementError, match="not whole cycles of --pulses-per-cycle 3") as info:
        load(path, pulses_per_cycle=3)
    assert (info.value.row, info.value.column, info.value.value) == (5, "up (uS)", "11")
