"""XLSX: the pulse voltage's sign gives the phase; one conductance column per device."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from memtwin.errors import MeasurementError
from memtwin.measurements import DEPRESSION, POTENTIATION, load

# Two cycles of 3 potentiation + 3 depression pulses. D2 misses the last read of cycle 2's
# potentiation ramp (a ragged ramp, not a gap).
PULSES = [0.7, 0.8, 0.9, -0.7, -0.8, -0.9] * 2
D1 = [100, 150, 200, 190, 140, 95, 101, 151, 201, 191, 141, 96]
D2 = [50, 60, 70, 68, 58, 49, 51, 61, None, 69, 59, 50]


def make_book(path: Path, *, extra_sheet: bool = False) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    if extra_sheet:
        ws.title = "notes"
        ws.append(["measured on the probe station"])
        ws = book.create_sheet("pulses")
    ws.append(["V_pulse (V)", "V_read (V)", "D1 (uS)", "D2 (uS)"])
    for v, g1, g2 in zip(PULSES, D1, D2, strict=True):
        ws.append([v, -0.1, g1, g2])
    book.save(path)
    return path


def test_two_devices_from_signed_pulses(tmp_path: Path) -> None:
    table = load(make_book(tmp_path / "run.xlsx"))
    assert table.devices == ["D1", "D2"]
    d1 = table.for_device("D1")
    np.testing.assert_allclose(d1.matrix(POTENTIATION), [[100e-6, 150e-6, 200e-6], [101e-6, 151e-6, 201e-6]])
    np.testing.assert_allclose(d1.matrix(DEPRESSION), [[190e-6, 140e-6, 95e-6], [191e-6, 141e-6, 96e-6]])
    np.testing.assert_allclose(
        table.for_device("D2").matrix(POTENTIATION), [[50e-6, 60e-6, 70e-6], [51e-6, 61e-6, np.nan]]
    )
    f = d1.frame
    np.testing.assert_allclose(f["pulse_amplitude_V"], np.abs(PULSES))  # |V| in pulse_amplitude_V
    np.testing.assert_allclose(f["read_voltage_V"], -0.1)
    assert f["cycle"].tolist() == [1] * 6 + [2] * 6


def test_device_and_phase_selection(tmp_path: Path) -> None:
    path = make_book(tmp_path / "run.xlsx")
    assert load(path, device="D2").devices == ["D2"]
    assert load(path, device="d2 (uS)").devices == ["D2"]  # the full header, any case, works too
    assert load(path, phase="depression").phases() == [DEPRESSION]
    with pytest.raises(MeasurementError, match="no such device column") as info:
        load(path, device="D9")
    assert "D1, D2" in (info.value.expected or "")


def test_sheet_selection(tmp_path: Path) -> None:
    path = make_book(tmp_path / "two.xlsx", extra_sheet=True)
    assert load(path, sheet="pulses").devices == ["D1", "D2"]
    assert load(path, sheet=1).devices == ["D1", "D2"]
    with pytest.raises(MeasurementError, match="no such sheet") as info:
        load(path, sheet="nope")
    assert "notes, pulses" in (info.value.expected or "")


def test_xlsx_error_points_at_the_sheet_cell(tmp_path: Path) -> None:
    path = make_book(tmp_path / "bad.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book.active
    assert ws is not None
    ws["D5"] = "oops"  # D2 at spreadsheet row 5 (header is row 1)
    book.save(path)
    with pytest.raises(MeasurementError, match="not a number") as info:
        load(path)
    err = info.value
    assert (err.file, err.row, err.column, err.value) == (str(path), 5, "D2 (uS)", "oops")


def test_xlsx_with_currents_and_first_column_positional(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["Pulse", "Read (V)", "cell A (uA)"])
    for v, i in [(1.0, 10), (1.0, 20), (-1.0, 15), (-1.0, 5), (1.0, 11), (1.0, 21), (-1.0, 16), (-1.0, 6)]:
        ws.append([v, 0.1, i])
    path = tmp_path / "iv.xlsx"
    book.save(path)
    table = load(path)
    assert table.devices == ["cell A"]
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[100e-6, 200e-6], [110e-6, 210e-6]])
    np.testing.assert_allclose(table.frame["read_current_A"].to_numpy()[:2], [10e-6, 20e-6])


def test_tidy_and_wide_layouts_inside_workbooks(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["cycle", "phase", "pulse", "G (mS)"])
    ws.append([1, "set", 1, 0.1])
    ws.append([1, "reset", 1, 0.09])
    book.save(tmp_path / "tidy.xlsx")
    np.testing.assert_allclose(load(tmp_path / "tidy.xlsx").frame["conductance_S"], [1e-4, 9e-5])
