"""Column specs (--columns / --device), ramps split by --pulses-per-cycle, and the layout line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from memtwin.errors import MeasurementError
from memtwin.measurements import DEPRESSION, POTENTIATION, column_letter, load, load_many, parse_column_spec
from memtwin.measurements.columns import ColumnRef, column_position

Write = Callable[[str, str], Path]


@pytest.mark.parametrize(
    ("position", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (43, "AR"), (701, "ZZ"), (702, "AAA")]
)
def test_letters_round_trip(position: int, letters: str) -> None:
    assert column_letter(position) == letters
    assert column_position(letters) == position
    assert column_position(letters.lower()) == position
    assert column_position(str(position + 1)) == position


def test_parse_column_spec() -> None:
    assert parse_column_spec("C:F, H") == (
        ColumnRef("C:F", (2, 3, 4, 5), is_range=True),
        ColumnRef("H", (7,)),
    )
    assert parse_column_spec("3-6")[0].positions == (2, 3, 4, 5)
    assert parse_column_spec("aa-ac")[0].positions == (26, 27, 28)
    assert parse_column_spec(["D1 (uS)", "12"]) == (ColumnRef("D1 (uS)"), ColumnRef("12", (11,)))
    assert parse_column_spec("V-1") == (ColumnRef("V-1"),)  # a letter and a number: a header name


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "an empty item"),
        ("C,,D", "an empty item"),
        ("F:C", "a reversed range"),
        ("0", "column 0"),
        ("0-3", "column 0"),
    ],
)
def test_bad_column_specs(spec: str, message: str) -> None:
    with pytest.raises(MeasurementError, match=message) as info:
        parse_column_spec(spec)
    assert info.value.expected


def test_columns_that_are_not_there(write: Write) -> None:
    path = write("s.csv", "V_pulse (V),D1,D2\n1,1e-5,2e-5\n-1,0.5e-5,1e-5\n")
    with pytest.raises(MeasurementError, match="--columns: column 9 is not in the file") as info:
        load(path, columns="9")
    assert "columns A-C (1-3)" in (info.value.expected or "")
    with pytest.raises(MeasurementError, match="no column named 'D7'"):
        load(path, columns="D7")
    with pytest.raises(MeasurementError, match="--columns names the pulse voltage as a device column"):
        load(path, columns="A:B")
    with pytest.raises(MeasurementError, match="--columns does not apply to the tidy layout"):
        load(write("t.csv", "cycle,phase,pulse,G (uS)\n1,p,1,10\n"), columns="D")


def test_columns_pick_ramps_of_a_wide_file_by_header_or_letter(write: Write) -> None:
    path = write(
        "w_set.csv", "pulse,comment,cycle 1 (uS),cycle 2 (uS),cycle 3 (uS)\n1,ok,10,11,12\n2,,20,21,22\n"
    )
    table = load(path, columns="cycle 3,C")  # header name (without its unit) and letter
    assert sorted(set(table.frame["cycle"])) == [1, 3]
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[10e-6, 20e-6], [12e-6, 22e-6]])
    assert "column D 'cycle 2 (uS)'" not in table.layout
    assert "columns 2, 4 not used" in table.layout


def test_columns_name_the_up_and_down_columns(write: Write) -> None:
    path = write("ud.csv", "t (s),a (uS),b (uS),c (uS)\n0,40,10,7\n1,30,20,7\n2,20,30,7\n")
    with pytest.raises(MeasurementError, match="'C' is both the header of column 4 and column 3"):
        load(path, columns="C,B", format="updown")  # 'c (uS)' is column D; letter C is 'b (uS)'
    table = load(path, columns="3,2", format="updown")
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[10e-6, 20e-6, 30e-6]])
    np.testing.assert_allclose(table.matrix(DEPRESSION), [[40e-6, 30e-6, 20e-6]])
    assert "column 3 'b (uS)' up, column 2 'a (uS)' down (conductance, uS)" in table.layout
    with pytest.raises(MeasurementError, match="an up/down table has two response columns, this one 3"):
        load(path, columns="B:D", format="updown")


def test_pulses_per_cycle_splits_signed_runs(write: Write) -> None:
    # one run of 4 + pulses = two potentiation ramps of 2, then a run of 4 - pulses = two depression ramps
    rows = [(1, 10), (1, 20), (1, 11), (1, 21), (-1, 19), (-1, 9), (-1, 18), (-1, 8)]
    path = write("s.csv", "V_pulse (V),D1 (uS)\n" + "\n".join(f"{v},{g}" for v, g in rows))
    table = load(path, pulses_per_cycle=2)
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[10e-6, 20e-6], [11e-6, 21e-6]])
    np.testing.assert_allclose(table.matrix(DEPRESSION), [[19e-6, 9e-6], [18e-6, 8e-6]])
    assert len(load(path).frame.groupby("cycle")) == 1  # without it, each run is one ramp
    with pytest.raises(
        MeasurementError, match="a run of 4 \\+ pulses \\(from row 2\\) is not whole ramps"
    ) as info:
        load(path, pulses_per_cycle=3)
    assert info.value.row == 5


def test_phases_in_turn_need_pulses_per_cycle_and_whole_rounds(write: Write) -> None:
    # one column: up 1, 2; down 3, 2.5; up 1.5, 2.6; down 2.4, 1.1 (uA, read at 0.1 V)
    path = write("one.csv", "I (uA)\n1\n2\n3\n2.5\n1.5\n2.6\n2.4\n1.1\n")
    table = load(path, phase="up,down", pulses_per_cycle=2, read_voltage_V=0.1)
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[1e-5, 2e-5], [1.5e-5, 2.6e-5]])
    np.testing.assert_allclose(table.matrix(DEPRESSION), [[3e-5, 2.5e-5], [2.4e-5, 1.1e-5]])
    assert table.layout.startswith("one.csv: wide, potentiation/depression ramps of 2 pulses in turn")
    with pytest.raises(MeasurementError, match="needs --pulses-per-cycle"):
        load(path, phase="up,down", read_voltage_V=0.1)
    with pytest.raises(MeasurementError, match="1 ramps of --pulses-per-cycle 8 do not alternate evenly"):
        load(path, phase="up,down", pulses_per_cycle=8, read_voltage_V=0.1)
    with pytest.raises(MeasurementError, match="two different phases"):
        load(path, phase="up,up", pulses_per_cycle=2)
    tidy = write("t.csv", "cycle,phase,pulse,G (uS)\n1,p,1,10\n1,d,1,5\n")
    with pytest.raises(MeasurementError, match="applies only to the wide layout, not tidy"):
        load(tidy, phase="up,down")


def test_layout_lines_of_tidy_wide_and_updown_and_load_many(write: Write) -> None:
    tidy = load(write("t.csv", "cycle,phase,pulse,G (uS),V_read (V)\n1,p,1,10,0.1\n1,d,1,5,0.1\n"))
    assert tidy.layout == (
        "t.csv: tidy, one row per read; column 1 'cycle' cycle, column 2 'phase' phase, column 3 'pulse' "
        "pulse, column 4 'G (uS)' response (conductance, uS), column 5 'V_read (V)' read voltage"
    )
    ud = load(write("ud.csv", "pulse,LTP (uS),LTD (uS)\n1,10,30\n2,20,10\n"))
    assert (
        ud.layout
        == "ud.csv: up/down columns; column 2 'LTP (uS)' up, column 3 'LTD (uS)' down (conductance, uS)"
    )
    pot = write("a_set.csv", "cycle 1 (uS),cycle 2 (uS)\n10,11\n20,21\n")
    dep = write("a_reset.csv", "cycle 1 (uS),cycle 2 (uS)\n20,21\n10,11\n")
    both = load_many([pot, dep])
    assert both.layout == (
        "a_set.csv: wide, one column per potentiation ramp (phase from the file name); columns 1-2: 2 ramps "
        "(conductance, uS)\n"
        "a_reset.csv: wide, one column per depression ramp (phase from the file name); columns 1-2: 2 ramps "
        "(conductance, uS)"
    )
    assert both.for_device("device").layout == both.layout
