"""Every kind of bad input gets a MeasurementError saying file, row, column, value and what was expected."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.measurements import load, load_many, require_cycles

Write = Callable[[str, str], Path]
TIDY = "cycle,phase,pulse,G (uS)\n"


def where(err: MeasurementError) -> tuple[object, ...]:
    return (err.row, err.column, err.value)


def raises(path: Path, match: str, **kw: object) -> MeasurementError:
    with pytest.raises(MeasurementError, match=match) as info:
        load(path, **kw)  # type: ignore[arg-type]
    assert info.value.file == str(path)
    assert info.value.expected
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    err = raises(tmp_path / "nope.csv", "no such file")
    assert "existing" in (err.expected or "")


def test_directory(tmp_path: Path) -> None:
    raises(tmp_path, "directory")


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(text)
    raises(path, "the file is empty")


def test_header_only(write: Write) -> None:
    err = raises(write("h.csv", "cycle,phase,pulse,G (uS)\n"), "header but no data")
    assert err.row == 1


def test_text_in_a_numeric_cell(write: Write) -> None:
    err = raises(write("t.csv", TIDY + "1,p,1,10\n1,p,2,ten\n"), "not a number")
    assert where(err) == (3, "G (uS)", "ten")
    assert "conductance in uS" in (err.expected or "")
    assert str(err) == (
        f"file {err.file}, row 3, column 'G (uS)': not a number (value 'ten'); expected a conductance in uS"
    )


def test_blank_conductance_in_tidy(write: Write) -> None:
    err = raises(write("b.csv", TIDY + "1,p,1,10\n1,p,2,\n1,d,1,5\n"), "missing value")
    assert where(err) == (3, "G (uS)", "")


def test_nan_inside_a_wide_ramp(write: Write) -> None:
    err = raises(
        write("w_set.csv", "cycle 1 (uS),cycle 2 (uS)\n10,11\nNaN,21\n30,\n"), "blank cell inside a ramp"
    )
    assert where(err) == (3, "cycle 1 (uS)", "")
    assert "a value follows at row 4" in str(err)


def test_blank_inside_an_xlsx_ramp(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["V_pulse (V)", "D1 (uS)"])
    for row in [[1, 10], [1, None], [1, 30], [-1, 20]]:
        ws.append(row)
    path = tmp_path / "gap.xlsx"
    book.save(path)
    err = raises(path, "blank cell inside a ramp")
    assert where(err) == (3, "D1 (uS)", "")


@pytest.mark.parametrize(
    ("cell", "message"), [("-5", "conductance must be positive"), ("0", "conductance must be positive")]
)
def test_non_positive_conductance(write: Write, cell: str, message: str) -> None:
    err = raises(write("neg.csv", TIDY + f"1,p,1,10\n1,d,1,{cell}\n"), message)
    assert where(err) == (3, "G (uS)", cell)


def test_zero_current_and_zero_read_voltage(write: Write) -> None:
    err = raises(write("i0.csv", "cycle,phase,pulse,I (uA),V_read (V)\n1,p,1,0,0.1\n"), "zero read current")
    assert where(err) == (2, "I (uA)", "0")
    err = raises(write("v0.csv", "cycle,phase,pulse,I (uA),V_read (V)\n1,p,1,1,0\n"), "zero read voltage")
    assert where(err) == (2, "V_read (V)", "0")


def test_currents_without_read_voltage(write: Write) -> None:
    err = raises(write("i_set.csv", "I1 (uA),I2 (uA)\n1,2\n"), "holds read currents, but no read voltage")
    assert err.column == "I1 (uA)"
    assert "read_voltage_V" in (err.expected or "")


def test_single_cycle_is_loadable_but_not_characterizable(write: Write) -> None:
    table = load(write("one.csv", TIDY + "1,p,1,10\n1,p,2,20\n1,d,1,20\n1,d,2,10\n"))
    with pytest.raises(MeasurementError, match="1 potentiation cycle") as info:
        table.check_for_characterization()
    assert (info.value.column, info.value.value) == ("cycle", 1)
    with pytest.raises(MeasurementError, match="needs at least 3"):
        require_cycles(table, 3)


def test_mixed_phases_in_one_wide_file(write: Write) -> None:
    err = raises(write("mix.csv", "set 1 (uS),set 2 (uS),reset 1 (uS)\n10,11,30\n20,21,10\n"), "mixed phases")
    assert (err.row, err.column) == (1, "reset 1 (uS)")
    assert "'set 1 (uS)'" in str(err)


def test_wide_file_without_a_phase(write: Write) -> None:
    err = raises(write("ramps.csv", "cycle 1 (uS)\n10\n"), "potentiation or depression")
    assert "phase=" in (err.expected or "")
    raises(write("set_and_reset.csv", "cycle 1 (uS)\n10\n"), "potentiation or depression")


def test_phase_argument_contradicting_headers(write: Write) -> None:
    err = raises(write("x.csv", "reset 1 (uS),reset 2 (uS)\n20,21\n10,11\n"), "contradicts", phase="set")
    assert err.column == "reset 1 (uS)"


def test_duplicate_reads(write: Write) -> None:
    err = raises(write("dup.csv", TIDY + "1,p,1,10\n1,p,2,20\n1,set,1,11\n"), "already read at row 2")
    assert (err.row, err.column, err.value) == (4, "pulse", 1)


def test_duplicate_reads_across_files(write: Write) -> None:
    a = write("a_set.csv", "cycle 1 (uS)\n10\n20\n")
    b = write("b_set.csv", "cycle 1 (uS)\n11\n21\n")
    with pytest.raises(
        MeasurementError, match=r"potentiation cycle 1 pulse 1 is also in .*a_set\.csv"
    ) as info:
        load_many([a, b])
    assert info.value.file == str(b)


def test_duplicate_cycle_headers_in_a_wide_file(write: Write) -> None:
    err = raises(write("d_set.csv", "cycle 1 (uS),C1 (uS)\n10,11\n"), "both cycle 1")
    assert (err.row, err.column, err.value) == (1, "C1 (uS)", 1)


def test_unknown_phase_value(write: Write) -> None:
    err = raises(write("ph.csv", TIDY + "1,p,1,10\n1,sideways,1,20\n"), "unknown phase")
    assert where(err) == (3, "phase", "sideways")
    assert "set/reset" in (err.expected or "")


def test_non_integer_cycle(write: Write) -> None:
    err = raises(write("cy.csv", TIDY + "1.5,p,1,10\n"), "not a whole number")
    assert where(err) == (2, "cycle", "1.5")


def test_unknown_unit_in_a_used_column(write: Write) -> None:
    err = raises(write("u.csv", "cycle,phase,pulse,G (uF)\n1,p,1,10\n"), "unknown unit")
    assert (err.column, err.value) == ("G (uF)", "uF")


def test_no_response_or_phase_column(write: Write) -> None:
    raises(write("nor.csv", "cycle,phase,pulse,comment\n1,p,1,x\n"), "no conductance, resistance or current")
    err = raises(write("nop.csv", "cycle,pulse,G (uS)\n1,1,10\n"), "no phase column")
    assert "phase=" in (err.expected or "")


def test_two_columns_for_one_quantity(write: Write) -> None:
    err = raises(
        write("two.csv", "cycle,phase,pulse,G (uS),conductance_S\n1,p,1,10,1e-5\n"), "two columns hold"
    )
    assert err.column == "conductance_S"


def test_zero_pulse_voltage(write: Write) -> None:
    err = raises(
        write("z.csv", "V_pulse (V),D1 (uS)\n1,10\n0,20\n-1,5\n"), "zero pulse voltage", format="xlsx"
    )
    assert where(err) == (3, "V_pulse (V)", "0")


def test_binary_and_corrupt_files(tmp_path: Path) -> None:
    blob = tmp_path / "blob.csv"
    blob.write_bytes(b"\x00\x01\x02garbage")
    raises(blob, "not a text file")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    raises(fake, "not a readable .xlsx")
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    raises(xls, "not supported")


def test_bad_arguments(write: Write) -> None:
    path = write("ok.csv", TIDY + "1,p,1,10\n")
    # messages name the CLI flag (the Python argument in brackets where it is spelled differently)
    raises(path, "unknown --format", format="parquet")
    raises(path, r"unknown --phase \(phase= in Python\)", phase="sideways")
    raises(path, r"invalid --read-voltage \(read_voltage_V= in Python\)", read_voltage_V=0.0)
    raises(path, "--pulses-per-cycle does not apply to the tidy layout", pulses_per_cycle=3)
    raises(path, r"--sheet \(sheet= in Python\) applies only", sheet="x")
    with pytest.raises(MeasurementError, match="no files given"):
        load_many([])


def test_implausible_units_warn(write: Write) -> None:
    with pytest.warns(MeasurementWarning, match="down to 1e-15 S is implausible"):
        load(write("tiny.csv", TIDY.replace("(uS)", "(S)") + "1,p,1,1e-15\n1,d,1,1e-15\n"))
    with pytest.warns(MeasurementWarning, match=r"read voltage up to 100 V is implausible.*'V_read \(mV\)'"):
        load(write("rv.csv", "cycle,phase,pulse,G (uS),V_read (V)\n1,p,1,10,100\n1,d,1,10,100\n"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(write("fine.csv", "cycle,phase,pulse,G (uS),V_read (V)\n1,p,1,10,0.1\n1,d,1,10,0.1\n"))
