"""Wide CSV: one column per ramp, one phase per file."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.measurements import DEPRESSION, POTENTIATION, load, load_many

Write = Callable[[str, str], Path]

SET = """
cycle 1 (uS),cycle 2 (uS),cycle 3 (uS)
100,101,102
150,151,
200,,
"""
RESET = """
cycle 1 (uS),cycle 2 (uS),cycle 3 (uS)
200,201,202
150,151,152
100,,
"""


def test_set_reset_pair_with_ragged_columns(write: Write) -> None:
    table = load_many([write("dev_SET.csv", SET), write("dev_RESET.csv", RESET)])
    assert table.phases() == [POTENTIATION, DEPRESSION]
    nan = np.nan
    np.testing.assert_allclose(
        table.matrix(POTENTIATION), [[100e-6, 150e-6, 200e-6], [101e-6, 151e-6, nan], [102e-6, nan, nan]]
    )
    np.testing.assert_allclose(
        table.matrix(DEPRESSION), [[200e-6, 150e-6, 100e-6], [201e-6, 151e-6, nan], [202e-6, 152e-6, nan]]
    )
    assert sorted(set(table.frame["cycle"])) == [1, 2, 3]


def test_phase_from_file_name_words(write: Write) -> None:
    for name, phase in [
        ("run4-ltp.csv", POTENTIATION),
        ("potentiation_data.csv", POTENTIATION),
        ("Depression.csv", DEPRESSION),
        ("dev_dep_03.csv", DEPRESSION),
    ]:
        text = (
            "1,2\n1e-4,1.1e-4\n2e-4,2.1e-4\n" if phase == POTENTIATION else "1,2\n2e-4,2.1e-4\n1e-4,1.1e-4\n"
        )
        with pytest.warns(MeasurementWarning, match="no unit in the headers: values taken as conductances"):
            assert load(write(name, text)).phases() == [phase]


def test_phase_argument_wins_and_headers_name_phases(write: Write) -> None:
    path = write("ramps.csv", "c1 (uS),c2 (uS)\n10,11\n20,21\n")
    assert load(path, phase="set").phases() == [POTENTIATION]
    named = write("ramps2.csv", "reset 1 (uS),reset 2 (uS)\n20,21\n10,11\n")
    assert load(named).phases() == [DEPRESSION]


def test_cycle_numbers_from_headers_else_positions(write: Write) -> None:
    numbered = load(write("n_set.csv", "cycle 7 (uS),cycle 3 (uS)\n10,11\n20,21\n")).frame
    assert numbered.groupby("cycle")["conductance_S"].first().to_dict() == pytest.approx({3: 11e-6, 7: 10e-6})
    positional = load(write("p_set.csv", "G (uS),G (uS)\n10,11\n20,21\n")).frame
    assert sorted(set(positional["cycle"])) == [1, 2]


def test_wide_currents_with_read_voltage_argument(write: Write) -> None:
    path = write("i_set.csv", "I1 (uA),I2 (uA)\n10,12\n20,\n")
    f = load(path, read_voltage_V=-0.1).frame
    # |10 uA / -0.1 V| = 100 uS
    np.testing.assert_allclose(f["conductance_S"], [100e-6, 200e-6, 120e-6])
    np.testing.assert_allclose(f["read_current_A"], [10e-6, 20e-6, 12e-6])
    np.testing.assert_allclose(f["read_voltage_V"], -0.1)


def test_wide_currents_with_read_voltage_column_or_header(write: Write) -> None:
    col = write(
        "col_set.csv", "pulse,V_read (mV),cycle 1 (nA),cycle 2 (nA)\n1,100,1000,1100\n2,200,3000,3200\n"
    )
    f = load(col).frame
    np.testing.assert_allclose(f["conductance_S"], [1e-5, 1.5e-5, 1.1e-5, 1.6e-5])
    np.testing.assert_allclose(f["read_voltage_V"], [0.1, 0.2, 0.1, 0.2])
    hdr = write("hdr_set.csv", "I (uA) @ 0.1 V,I (uA) @ 0.1 V\n10,11\n20,21\n")
    np.testing.assert_allclose(load(hdr).frame["conductance_S"], [100e-6, 200e-6, 110e-6, 210e-6])


def test_per_row_pulse_scheme_applies_to_every_ramp(write: Write) -> None:
    path = write(
        "scheme_set.csv",
        "pulse,V_pulse (V),width (ns),cycle 1 (uS),cycle 2 (uS)\n1,0.7,160,10,11\n2,0.8,170,20,21\n",
    )
    f = load(path).frame
    assert f["pulse_amplitude_V"].tolist() == [0.7, 0.8, 0.7, 0.8]
    np.testing.assert_allclose(f["pulse_width_s"], [160e-9, 170e-9, 160e-9, 170e-9])


def test_pulses_per_cycle_splits_long_columns(write: Write) -> None:
    path = write("long_set.csv", "G (uS)\n10\n20\n30\n11\n21\n31\n")
    table = load(path, pulses_per_cycle=3)
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[10e-6, 20e-6, 30e-6], [11e-6, 21e-6, 31e-6]])


def test_pandas_index_column_and_headerless_files(write: Write) -> None:
    indexed = write("idx_set.csv", ",cycle 1 (uS),cycle 2 (uS)\n0,10,11\n1,20,21\n")
    assert load(indexed).frame["conductance_S"].tolist() == pytest.approx([10e-6, 20e-6, 11e-6, 21e-6])
    headerless = write("bare_reset.csv", "2e-4,2.1e-4\n1e-4,1.1e-4\n")
    with pytest.warns(MeasurementWarning, match="no unit in the headers"):
        f = load(headerless).frame  # a phase in the file name: two ramps of it, not up/down columns
    assert f["conductance_S"].tolist() == pytest.approx([2e-4, 1e-4, 2.1e-4, 1.1e-4])
    assert f["cycle"].tolist() == [1, 1, 2, 2]


def assert_warns(path: Path, *patterns: str) -> None:
    """Loading ``path`` warns (MeasurementWarning) with a message matching each pattern."""
    with pytest.warns(MeasurementWarning) as record:
        load(path)
    messages = [str(w.message) for w in record]
    for pattern in patterns:
        assert any(re.search(pattern, m) for m in messages), (pattern, messages)


def test_units_missing_from_headers_warn(write: Write) -> None:
    path = write("plain_set.csv", "1,2\n100,101\n150,151\n")
    assert_warns(path, r"conductance up to 151 S is implausible.*'G \(uS\)'", "no unit in the headers")


def test_swapped_phase_warns(write: Write) -> None:
    path = write("swap_set.csv", "1,2\n2e-4,2.1e-4\n1e-4,1.1e-4\n")
    assert_warns(path, "falls in every potentiation ramp", "no unit in the headers")


def test_a_stray_ramp_going_the_wrong_way_warns(write: Write) -> None:
    path = write("odd_set.csv", "1,2,3\n1e-4,1.1e-4,3e-4\n2e-4,2.1e-4,1e-4\n3e-4,3.1e-4,0.5e-4\n")
    assert_warns(path, r"potentiation cycle\(s\) 3, unlike the others", "no unit in the headers")


def test_good_pair_is_quiet(write: Write) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_many([write("q_set.csv", SET), write("q_reset.csv", RESET)])


def test_pulse_current_needs_the_tidy_layout(write: Write) -> None:
    path = write("ipulse_set.csv", "pulse,I_pulse (uA),cycle 1 (uS),cycle 2 (uS)\n1,50,10,11\n2,60,20,21\n")
    with pytest.raises(MeasurementError, match="pulse current column does not belong") as err:
        load(path, format="wide")
    assert err.value.column == "I_pulse (uA)" and "tidy" in str(err.value)
