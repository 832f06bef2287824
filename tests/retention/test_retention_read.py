"""Reading retention files: layouts, units, currents, states; errors name file, row, column and value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import retention_synth as synth

from memtwin.errors import ConfigError, MeasurementError, MeasurementWarning
from memtwin.retention import RetentionOptions, fit_retention, read_retention

K = 4.0


def test_tidy_csv_with_units_and_several_states(tmp_path: Path) -> None:
    t = synth.log_times(30)
    nu = {"L1": 0.01, "L2": 0.02, "L3": 0.04}
    truth = synth.power_law(t, {"L1": 5e-6, "L2": 20e-6, "L3": 80e-6}, nu, 0.003, seed=11)
    path = synth.write_tidy_csv(
        tmp_path / "r.csv",
        truth,
        time_header="t [ms]",
        time_scale=1e-3,
        value_header="G (uS)",
        value_scale=1e-6,
    )
    data = read_retention(path)
    assert data.names == ["L1", "L2", "L3"]
    s = data.series[1]
    np.testing.assert_allclose(s.t_s, t, rtol=1e-12)  # ms → s
    np.testing.assert_allclose(s.g_S, truth.g_S["L2"], rtol=1e-12)  # uS → S
    assert s.rows[0] == 2 + 30  # spreadsheet row of L2's first read (header = row 1)
    fit = fit_retention(data.series)
    for sf in fit.states:
        assert abs(sf.fits["power_law"].param - nu[sf.series.name]) < K * synth.se_nu(t, 0.003)


def test_wide_xlsx_in_hours_with_a_blank_cell(tmp_path: Path) -> None:
    t = synth.log_times(20, 60.0, 3.6e6)
    truth = synth.log_time(t, {"A": 2e-6, "B": 6e-6}, {"A": -0.02, "B": -0.02}, 1e-10, seed=12)
    path = synth.write_wide_xlsx(tmp_path / "r.xlsx", truth)
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb.active.cell(row=5, column=3).value = None  # B's 4th read was not taken
    wb.save(path)
    data = read_retention(path)
    assert data.names == ["A", "B"]
    assert data.series[0].n_points == 20 and data.series[1].n_points == 19
    np.testing.assert_allclose(data.series[0].t_s, t, rtol=1e-9)
    fit = fit_retention(data.series)
    for sf in fit.states:
        m = sf.fits["log_time"].param
        assert abs(m - (-0.02)) < K * synth.se_m(
            np.delete(t, 3) if sf.series.name == "B" else t, 2e-6, -0.02, 1e-10
        )


def test_headerless_two_columns_need_time_unit_and_quantity(tmp_path: Path) -> None:
    t_h = np.array([0.5, 1, 2, 4, 8, 16, 32])
    g_uS = 10 * (1 + t_h * 3600) ** -0.02
    path = tmp_path / "dev7.csv"
    path.write_text("".join(f"{a},{b:.17g}\n" for a, b in zip(t_h, g_uS, strict=True)))
    with pytest.raises(MeasurementError, match="--time-unit") as err:
        read_retention(path, RetentionOptions(unit="uS"))
    assert err.value.column == "column 1"
    with pytest.raises(MeasurementError, match="which quantity") as err:
        read_retention(path, RetentionOptions(time_unit="h"))
    assert err.value.column == "column 2"
    data = read_retention(path, RetentionOptions(time_unit="h", unit="uS"))
    assert data.names == ["dev7"]
    np.testing.assert_allclose(data.series[0].t_s, t_h * 3600)
    np.testing.assert_allclose(data.series[0].g_S, g_uS * 1e-6)
    assert fit_retention(data.series).overall["power_law"].param == pytest.approx(0.02, rel=1e-9)


def test_time_unit_in_the_header_wins_over_the_option(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("time (min),G (nS)\n1,10\n2,9.9\n4,9.8\n")
    data = read_retention(path, RetentionOptions(time_unit="h"))
    np.testing.assert_allclose(data.series[0].t_s, [60, 120, 240])


def test_currents_with_read_voltage(tmp_path: Path) -> None:
    t = synth.log_times(12)
    i_nA = 50 * (1 + t) ** -0.03
    rows = "".join(f"{a:.17g},cellA,{b:.17g}\n" for a, b in zip(t, i_nA, strict=True))
    path = tmp_path / "i.csv"
    path.write_text("time_s,cell,I (nA)\n" + rows)
    with pytest.raises(MeasurementError, match="read voltage"):
        read_retention(path)
    data = read_retention(path, RetentionOptions(read_voltage_V=-0.2))
    np.testing.assert_allclose(data.series[0].g_S, i_nA * 1e-9 / 0.2)  # G = |I / V|
    # The read voltage may ride in the header instead.
    at = tmp_path / "at.csv"
    at.write_text(
        "time_s,I (nA) @ 0.1 V\n" + "".join(f"{a:.17g},{b:.17g}\n" for a, b in zip(t, i_nA, strict=True))
    )
    np.testing.assert_allclose(read_retention(at).series[0].g_S, i_nA * 1e-9 / 0.1)
    # A current column without a unit, with --quantity current: amperes.
    bare = tmp_path / "bare.csv"
    bare.write_text(
        "time_s,value\n" + "".join(f"{a:.17g},{b * 1e-9:.17g}\n" for a, b in zip(t, i_nA, strict=True))
    )
    got = read_retention(bare, RetentionOptions(quantity="current", read_voltage_V=0.5)).series[0].g_S
    np.testing.assert_allclose(got, i_nA * 1e-9 / 0.5)


def test_resistance_and_commented_numpy_header(tmp_path: Path) -> None:
    t = np.arange(1.0, 11.0)
    r = 1e6 * (1 + t) ** 0.05
    path = tmp_path / "state_102_ret.csv"
    body = "".join(f"{a:.17g},{-0.1 / b:.17g},{b:.17g}\n" for a, b in zip(t, r, strict=True))
    path.write_text("# time (s),current (A),resistance (ohms)\n" + body)
    with pytest.raises(MeasurementError, match="current and resistance") as err:
        read_retention(path)
    assert err.value.row == 1
    data = read_retention(path, RetentionOptions(quantity="resistance"))
    np.testing.assert_allclose(data.series[0].g_S, 1 / r)
    assert data.series[0].rows[0] == 2
    via_columns = read_retention(path, RetentionOptions(columns=("2",), read_voltage_V=-0.1))
    np.testing.assert_allclose(via_columns.series[0].g_S, 1 / r, rtol=1e-12)


def test_several_files_one_state_each_get_short_names(tmp_path: Path) -> None:
    paths = []
    for k in (102, 103):
        p = tmp_path / f"dev_state_{k}_low_drift.csv"
        p.write_text("t (s),G (uS)\n1,10\n10,9.9\n100,9.8\n")
        paths.append(p)
    data = read_retention(paths)
    assert data.names == ["102", "103"]
    assert read_retention(paths, RetentionOptions(states=("103",))).names == ["103"]
    with pytest.raises(ConfigError, match="no such state"):
        read_retention(paths, RetentionOptions(states=("104",)))


def test_first_read_at_t0_warns(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("t (s),G (uS)\n0,10\n10,9.9\n100,9.8\n")
    with pytest.warns(MeasurementWarning, match="t = 0"):
        data = read_retention(path)
    assert any("t = 0" in w for w in data.warnings)


# ------------------------------------------------------------------------------------------ errors


def test_too_few_time_points(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("t (s),state,G (uS)\n1,a,10\n10,a,9.9\n100,a,9.8\n1,b,20\n10,b,19\n10,b,19.1\n")
    with pytest.raises(MeasurementError, match="at least 3 reads") as err:
        read_retention(path)
    assert "'b'" in str(err.value) and err.value.value == 2 and err.value.file == str(path)


@pytest.mark.parametrize(
    ("text", "row", "column", "value", "match"),
    [
        ("t (s),G (uS)\n1,10\n10,abc\n100,9.8\n", 3, "G (uS)", "abc", "not a number"),
        ("t (s),G (uS)\n1,10\n-10,9.9\n100,9.8\n", 3, "t (s)", "-10", "negative time"),
        ("t (s),G (uS)\n1,10\n10,0\n100,9.8\n", 3, "G (uS)", "0", "not a usable read"),
        ("t (s),R (kOhm)\n1,10\n10,9\n100,-9.8\n", 4, "R (kOhm)", "-9.8", "not a usable read"),
        ("t (s),G (uS)\n1,10\n,9.9\n100,9.8\n", 3, "t (s)", "", "missing value"),
        ("t (s),state,G (uS)\n1,a,10\n2,,9.9\n3,a,9.8\n", 3, "state", "", "missing value"),
    ],
)
def test_bad_cells_are_named(
    tmp_path: Path, text: str, row: int, column: str, value: object, match: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(MeasurementError, match=match) as err:
        read_retention(path)
    e = err.value
    assert (e.file, e.row, e.column, e.value) == (str(path), row, column, value)


def test_layout_errors(tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("4948.9\n5806.8\n9060.1\n")
    with pytest.raises(MeasurementError, match="single column"):
        read_retention(one)
    no_time = tmp_path / "nt.csv"
    no_time.write_text("pulse,G (uS)\n1,10\n2,11\n3,12\n")
    with pytest.raises(MeasurementError, match="no time column"):
        read_retention(no_time)
    unitless = tmp_path / "u.csv"
    unitless.write_text("time,G (uS)\n1,10\n2,11\n3,12\n")
    with pytest.raises(MeasurementError, match="no unit") as err:
        read_retention(unitless)
    assert err.value.column == "time"
    wrong_col = tmp_path / "w.csv"
    wrong_col.write_text("t (s),G (uS)\n1,10\n2,11\n3,12\n")
    with pytest.raises(MeasurementError, match="--columns: no such column") as err:
        read_retention(wrong_col, RetentionOptions(columns=("G2",)))
    assert err.value.value == "G2"


def test_bad_options() -> None:
    with pytest.raises(ConfigError, match="quantity"):
        RetentionOptions(quantity="voltage")
    with pytest.raises(ConfigError, match="unit"):
        RetentionOptions(unit="V")
    with pytest.raises(ConfigError, match="measures a current"):
        RetentionOptions(unit="nA", quantity="conductance")
    with pytest.raises(ConfigError, match="time_unit"):
        RetentionOptions(time_unit="fortnight")
    with pytest.raises(ConfigError, match="read_voltage_V"):
        RetentionOptions(read_voltage_V=0.0)
