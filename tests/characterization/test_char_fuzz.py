"""Fuzz: whatever ramps a file holds, characterization returns figures or raises MeasurementError."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memtwin.characterization import LinearRangeCriteria, characterize_devices
from memtwin.errors import MeasurementError
from memtwin.measurements.table import PulseTable

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RAMP = st.lists(
    st.one_of(
        st.floats(1e-13, 1e-1),
        st.sampled_from([1e-6, 1e-6, 2e-6]),  # flat stretches and repeated values
    ),
    min_size=2,
    max_size=40,
)


@st.composite
def tables(draw: st.DrawFn) -> PulseTable:
    rows = []
    for device in range(draw(st.integers(1, 3))):
        for cycle in range(1, draw(st.integers(1, 4)) + 1):
            for phase in draw(st.sampled_from([("potentiation", "depression"), ("potentiation",)])):
                ramp = draw(RAMP)
                rows += [
                    {
                        "device": f"d{device}",
                        "cycle": cycle,
                        "phase": phase,
                        "pulse": p + 1,
                        "conductance_S": g,
                    }
                    for p, g in enumerate(ramp)
                ]
    return PulseTable.from_frame(pd.DataFrame(rows))


@FUZZ
@given(
    table=tables(),
    k_sigma=st.sampled_from([0.0, 2.0, 5.0]),
    min_r2=st.sampled_from([0.0, 0.9, 0.995]),
    min_levels=st.integers(2, 6),
    fixed=st.sampled_from([None, (1, 2), (2, 9), (3, 40)]),
)
def test_characterization_never_raises_anything_else(table, k_sigma, min_r2, min_levels, fixed) -> None:
    criteria = LinearRangeCriteria(min_r2=min_r2, k_sigma=k_sigma, min_levels=min_levels)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            found = characterize_devices(table, criteria, linear_range=fixed)
        except MeasurementError:
            return
    for result in found.results.values():
        for ph in (result.potentiation, result.depression):
            assert ph.levels >= 2 and ph.pulses_per_level >= 1
            assert ph.bins <= 2 * ph.levels - 1
        assert result.bins >= 1
