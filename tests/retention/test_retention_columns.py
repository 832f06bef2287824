"""--columns / --time-column in retention files: the rules of memtwin.measurements.columns (spreadsheet
letters, 1-based numbers, ranges, header names), plus retention's own: a name also matches a header's
label, and a header wins over the letter it could also be. Errors name the file, the flag and the value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from memtwin.errors import MeasurementError
from memtwin.retention import RetentionOptions, read_retention

T = (1, 10, 100, 1000)


def _wide(path: Path, heads: tuple[str, ...], time_header: str = "t (s)") -> Path:
    rows = [f"{t}," + ",".join(f"{10 * (k + 1) - i:g}" for k in range(len(heads))) for i, t in enumerate(T)]
    path.write_text(f"{time_header},{','.join(heads)}\n" + "\n".join(rows) + "\n")
    return path


def _names(path: Path, **options: object) -> list[str]:
    return read_retention(path, RetentionOptions(**options)).names  # type: ignore[arg-type]


def test_letters_ranges_and_numbers(tmp_path: Path) -> None:
    path = _wide(tmp_path / "w.csv", ("L1 (uS)", "L2 (uS)", "L3 (uS)"))
    assert _names(path, columns=("C",)) == ["w"]  # one value column: the state is named after the file
    assert _names(path, columns=("C:D",)) == ["L2", "L3"]
    assert _names(path, columns=("2-3",)) == ["L1", "L2"]
    assert _names(path, columns=("D", "b")) == ["L3", "L1"]  # in the order given, any case
    data = read_retention(path, RetentionOptions(columns=("C",)))
    assert data.series[0].column == "L2 (uS)"
    np.testing.assert_allclose(data.series[0].g_S, [20e-6, 19e-6, 18e-6, 17e-6])


def test_letters_in_a_workbook(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["t (h)", "A1 (nS)", "A2 (nS)"])
    for i, t in enumerate(T):
        ws.append([t, 5.0 - 0.1 * i, 7.0 - 0.1 * i])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    data = read_retention(path, RetentionOptions(columns=("C",), time_column="A"))
    assert data.series[0].column == "A2 (nS)"
    np.testing.assert_allclose(data.series[0].t_s, np.array(T) * 3600.0)


def test_a_header_wins_over_the_letter_it_could_be(tmp_path: Path) -> None:
    path = _wide(tmp_path / "w.csv", ("A", "B"), time_header="t (h)")
    got = read_retention(path, RetentionOptions(columns=("A",), unit="uS"))
    assert got.series[0].column == "A"  # the column headed A (column B of the sheet), not column A
    assert _names(path, columns=("B", "A"), unit="uS") == ["B", "A"]


def test_names_match_labels_too(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "time_s,t_wall (s),I (nA) @ 0.1 V\n" + "".join(f"{t},{t + 5},{5 - i}\n" for i, t in enumerate(T))
    )
    with pytest.raises(MeasurementError, match="several time columns"):
        read_retention(path)
    data = read_retention(path, RetentionOptions(time_column="time", columns=("I",)))
    np.testing.assert_allclose(data.series[0].t_s, T)
    np.testing.assert_allclose(data.series[0].g_S, np.array([5, 4, 3, 2]) * 1e-9 / 0.1)


def test_numbers_count_the_file_columns_blank_ones_included(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("t (s),,G (uS),R (kOhm)\n" + "".join(f"{t},,{10 - i},{1 + i}\n" for i, t in enumerate(T)))
    assert read_retention(path, RetentionOptions(columns=("3",))).series[0].column == "G (uS)"
    assert read_retention(path, RetentionOptions(columns=("D",))).series[0].column == "R (kOhm)"
    with pytest.raises(MeasurementError, match="column 2 is empty") as err:
        read_retention(path, RetentionOptions(columns=("2",)))
    assert err.value.file == str(path)


@pytest.mark.parametrize(
    ("options", "match", "value"),
    [
        ({"columns": ("G2",)}, "--columns: no such column", "G2"),
        ({"columns": ("F",)}, "--columns: no such column", "F"),
        ({"columns": ("7",)}, "--columns: no such column", "7"),
        ({"columns": ("0",)}, "column 0 in --columns", "0"),
        ({"columns": ("D:B",)}, "a reversed range in --columns", "D:B"),
        ({"time_column": "nope"}, "--time-column: no such column", "nope"),
        ({"time_column": "A:B"}, "--time-column names 2 columns", "A:B"),
        ({"columns": ("A",)}, "--columns names the time", "t (s)"),
    ],
)
def test_errors_name_file_flag_and_value(
    tmp_path: Path, options: dict[str, object], match: str, value: str
) -> None:
    path = _wide(tmp_path / "w.csv", ("L1 (uS)", "L2 (uS)", "L3 (uS)"))
    with pytest.raises(MeasurementError, match=match) as err:
        read_retention(path, RetentionOptions(**options))  # type: ignore[arg-type]
    assert err.value.file == str(path) and err.value.value == value


def test_two_columns_of_one_name(tmp_path: Path) -> None:
    path = _wide(tmp_path / "w.csv", ("G (uS)", "G (uS)"))
    with pytest.raises(MeasurementError, match="several columns are named 'G'"):
        read_retention(path, RetentionOptions(columns=("G",)))
    assert _names(path, columns=("C",)) == ["w"]


def test_state_column_with_a_number_suffix(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    rows = [f"{t},{s},{g - i}" for s, g in (("3", 10), ("4", 20)) for i, t in enumerate(T)]
    path.write_text("t (s),Level #,G (uS)\n" + "\n".join(rows) + "\n")
    assert read_retention(path).names == ["3", "4"]
