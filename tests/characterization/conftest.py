"""Helpers for the characterization tests: small tables built from arrays, the example device."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from memtwin.characterization import Characterization, characterize
from memtwin.measurements.table import PulseTable
from memtwin.synthetic import generate_hfs2_like

TableFactory = Callable[..., PulseTable]


def table_from_arrays(
    pot: np.ndarray,
    dep: np.ndarray | None,
    device: str = "dut",
    amp: tuple[np.ndarray, np.ndarray] | None = None,
    width: tuple[np.ndarray, np.ndarray] | None = None,
) -> PulseTable:
    """A tidy table from ``(cycles, pulses)`` conductance arrays (NaN = pulse not read)."""
    rows = []
    for phase, m in (("potentiation", pot), ("depression", dep)):
        if m is None:
            continue
        for c, row in enumerate(np.atleast_2d(m), start=1):
            for p, g in enumerate(row, start=1):
                if np.isfinite(g):
                    r = {"device": device, "cycle": c, "phase": phase, "pulse": p, "conductance_S": g}
                    if amp is not None and width is not None:
                        i = 0 if phase == "potentiation" else 1
                        r["pulse_amplitude_V"] = amp[i][p - 1]
                        r["pulse_width_s"] = width[i][p - 1]
                    rows.append(r)
    return PulseTable.from_frame(pd.DataFrame(rows))


@pytest.fixture
def make_table() -> TableFactory:
    return table_from_arrays


@pytest.fixture(scope="session")
def example_table() -> PulseTable:
    return generate_hfs2_like()


@pytest.fixture(scope="session")
def example_result(example_table: PulseTable) -> Characterization:
    return characterize(example_table)
