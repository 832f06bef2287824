"""SI prefixes for display, against hand-written expectations."""

import math

import pytest

from memtwin.siformat import prefix_for, si, si_row


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.374e-8, "23.74 nJ"), (8.1077e-5, "81.08 µJ"), (1e-10, "100 pJ"), (0.5, "500 mJ"), (3.0, "3 J")],
)
def test_si_picks_the_prefix_of_the_value(value, expected):
    assert si(value, "J") == expected


def test_one_prefix_for_a_row_and_dashes_for_missing_values():
    assert si_row([8.1077e-5, 8.052e-6], "S") == ["81.08 µS", "8.052 µS"]
    assert si_row([1e-10, None, math.nan], "S") == ["100 pS", "—", "—"]
    assert si_row([2e-7, -2e-7], "S", signed=True) == ["+200 nS", "-200 nS"]
    assert prefix_for([0.0, math.inf]) == (1.0, "")
    assert si(None, "S") == "—"
