"""Sheets and CSVs without a header row: index, pulse-voltage and read-voltage columns by content."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.measurements import DEPRESSION, POTENTIATION, load
from memtwin.measurements.roles import is_pulse_voltage

Rows = list[list[object]]
READ_V = -0.2
PULSES = 3
CYCLES = 2
DEVICES = 12


def signed_sheet(devices: int = DEVICES, *, index: bool = False) -> tuple[Rows, np.ndarray]:
    """Headerless rows [index?] pulse V, read V (constant), one read current per device; and the currents.

    Currents (A) are ``-(10 + device + 10 * level) uA`` with the level rising over a potentiation
    ramp and falling over a depression ramp: negative, as a negative read voltage gives.
    """
    rows: Rows = []
    currents = []
    for cycle in range(CYCLES):
        for volts, levels in ((1.0, range(1, PULSES + 1)), (-1.2, range(PULSES, 0, -1))):
            for level in levels:
                i = [-(10 + d + 10 * level + cycle) * 1e-6 for d in range(devices)]
                currents.append(i)
                rows.append([*([len(rows) + 1] if index else []), volts, READ_V, *i])
    return rows, np.array(currents)


def test_headerless_xlsx_read_currents_with_a_constant_read_voltage(write_xlsx: Callable[..., Path]) -> None:
    rows, currents = signed_sheet()
    path = write_xlsx("run.xlsx", rows)
    with pytest.warns(MeasurementWarning, match="values taken as read currents in A, since column B"):
        table = load(path)
    assert table.layout == (
        "run.xlsx (sheet 'Sheet'): signed pulse voltage (no header row: columns recognised by content); "
        "column A pulse voltage, column B read voltage (constant -0.2 V), columns C-N: 12 devices "
        "(read current, A, assumed)"
    )
    # the read voltage is not a device of 0.2 S, the pulse voltage not one of 1 S
    assert table.devices == [f"column {c}" for c in "CDEFGHIJKLMN"]
    expected = np.abs(currents) / 0.2  # G = |I / V| by hand
    d5 = table.for_device("column G")  # the fifth device, column G
    pot = expected[:, 4].reshape(CYCLES, 2, PULSES)[:, 0]
    dep = expected[:, 4].reshape(CYCLES, 2, PULSES)[:, 1]
    np.testing.assert_allclose(d5.matrix(POTENTIATION), pot, rtol=1e-12)
    np.testing.assert_allclose(d5.matrix(DEPRESSION), dep, rtol=1e-12)
    np.testing.assert_allclose(d5.frame["read_voltage_V"], READ_V)
    np.testing.assert_allclose(d5.frame["pulse_amplitude_V"], [1.0] * 3 + [1.2] * 3 + [1.0] * 3 + [1.2] * 3)


def test_headerless_csv_with_an_index_column_and_quantity_current(write_rows: Callable[..., Path]) -> None:
    rows, currents = signed_sheet(5, index=True)
    path = write_rows("run.csv", rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # --quantity current: nothing is assumed
        table = load(path, quantity="current")
    assert table.layout == (
        "run.csv: signed pulse voltage (no header row: columns recognised by content); column 2 pulse "
        "voltage, column 3 read voltage (constant -0.2 V), columns 4-8: 5 devices (read current, A), "
        "column 1 pulse index (ignored)"
    )
    np.testing.assert_allclose(
        table.for_device("column 8").frame["read_current_A"].to_numpy()[:3], currents[:3, 4]
    )
    np.testing.assert_allclose(
        table.for_device("column 4").frame["conductance_S"].to_numpy()[:3], np.abs(currents[:3, 0]) / 0.2
    )


def test_device_by_letter_number_or_name(write_xlsx: Callable[..., Path]) -> None:
    rows, currents = signed_sheet(4)
    path = write_xlsx("run.xlsx", rows)
    by_letter = load(path, device="E", quantity="current")
    by_number = load(path, device="5", quantity="current")
    by_name = load(path, device="column e", quantity="current")
    for table in (by_letter, by_number, by_name):
        assert table.devices == ["column E"]
        np.testing.assert_allclose(table.frame["read_current_A"].to_numpy()[:3], currents[:3, 2])
    assert "column E: device selected by --device, of 4" in by_letter.layout
    with pytest.raises(MeasurementError, match="no such device column") as info:
        load(path, device="Z", quantity="current")
    assert "column C" in (info.value.expected or "") and "C-F" in (info.value.expected or "")


def test_columns_choose_the_devices(write_xlsx: Callable[..., Path]) -> None:
    rows, _ = signed_sheet(6)
    path = write_xlsx("run.xlsx", rows)
    assert load(path, columns="D:E,H", quantity="current").devices == ["column D", "column E", "column H"]
    assert load(path, columns="4-5", quantity="current").devices == ["column D", "column E"]
    table = load(path, columns=["C", "6"], quantity="current")
    assert table.devices == ["column C", "column F"]
    assert "columns D, E, G, H not used" in table.layout
    # what --columns names is a device: column B is then no read voltage, and the currents have none
    with pytest.raises(MeasurementError, match="holds read currents, but no read voltage") as info:
        load(path, columns="B:D", quantity="current")
    assert info.value.column == "column B"


def test_a_constant_column_is_never_a_device_in_a_wide_file(write_rows: Callable[..., Path]) -> None:
    # headerless: read voltage 0.1 V, a pulse count 1000, then two potentiation ramps of read currents
    ramps = np.array([[1e-6, 1.5e-6], [2e-6, 2.5e-6], [3e-6, 3.5e-6]])
    path = write_rows("dev_set.csv", [[0.1, 1000.0, *r] for r in ramps.tolist()])
    with pytest.warns(MeasurementWarning, match="read currents"):
        table = load(path)
    assert table.layout == (
        "dev_set.csv: wide, one column per potentiation ramp (phase from the file name) (no header row: "
        "columns recognised by content); columns 3-4: 2 ramps (read current, A, assumed), column 1 read "
        "voltage (constant 0.1 V), column 2 constant 1000 (ignored)"
    )
    np.testing.assert_allclose(table.matrix(POTENTIATION), ramps.T / 0.1)


def test_two_headerless_columns_are_up_and_down(write_rows: Callable[..., Path]) -> None:
    up = [1e-5, 2e-5, 3e-5]
    down = [3e-5, 2.5e-5, 1e-5]
    path = write_rows("trace.csv", [list(r) for r in zip(up, down, strict=True)])
    with pytest.warns(MeasurementWarning, match=r"values taken as conductances in S"):
        table = load(path)
    assert table.layout.startswith("trace.csv: up/down columns (no header row")
    assert "column 1 up, column 2 down (conductance, S, assumed)" in table.layout
    np.testing.assert_allclose(table.matrix(POTENTIATION), [up])
    np.testing.assert_allclose(table.matrix(DEPRESSION), [down])


def test_two_headerless_columns_whose_first_is_a_pulse_voltage(write_rows: Callable[..., Path]) -> None:
    rows = [[1.5, 1e-5], [1.5, 2e-5], [-1.5, 1.5e-5], [-1.5, 0.5e-5]] * 2
    table = load(write_rows("pv.csv", rows), quantity="conductance")
    assert "column 1 pulse voltage, column 2: 1 device (conductance, S)" in table.layout
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[1e-5, 2e-5], [1e-5, 2e-5]])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 1, -1, -1, 1, 1, -1, -1], True),
        ([0.7, 0.8, 0.9, -0.7, -0.8, -0.9] * 3, True),
        ([2.5, 2.5, 2.5, -3.0, -3.0, -3.0], True),
        ([-0.84, -0.93, 0.02, 0.5, 1.07, 0.77, -0.3, -1.2], False),  # a normalized trace crosses 0
        ([-0.8, -0.2, 0.4, 1.0], False),  # every magnitude once: a trace, not a pulse scheme
        ([0.7, 0.8, 0.9, -0.7, -0.8, -0.9], True),  # one cycle of incremental pulses
        ([1, -1, 1, -1, 1, -1, 1, -1, 1, -1], False),  # alternating every row: not runs
        ([25.0, 25.0, -25.0, -25.0], False),  # above 20 V
        ([1e-6, 2e-6, -1e-6, -2e-6], False),  # currents, not volts
    ],
)
def test_pulse_voltage_pattern(values: list[float], expected: bool) -> None:
    assert is_pulse_voltage(np.array(values, dtype=float)) is expected


def test_a_leading_row_of_zeros_is_a_placeholder(write_rows: Callable[..., Path]) -> None:
    path = write_rows("ctm_potentiation.csv", [[0, 0], [5e-12, 6e-12], [7e-12, 9e-12], [8e-12, 1.2e-11]])
    with pytest.warns(MeasurementWarning, match="row 1 \\(all zeros\\) skipped as a placeholder"):
        table = load(path, quantity="conductance")
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[5e-12, 7e-12, 8e-12], [6e-12, 9e-12, 1.2e-11]])
    assert "row 1 (all zeros) skipped as a placeholder" in table.layout


def test_a_commented_header_line_names_the_columns(write: Callable[[str, str], Path]) -> None:
    path = write(
        "prog.csv",
        """
        # pulse_v,pulse_width,num_applied,meas_v,i_0,i_1
        2.0,5e-7,1000,-0.1,-1e-6,-2e-6
        2.2,5e-7,1000,-0.1,-1.5e-6,-2.5e-6
        -2.0,5e-7,1000,-0.1,-1.2e-6,-2.2e-6
        -2.2,5e-7,1000,-0.1,-0.9e-6,-1.9e-6
        """,
    )
    table = load(path)
    assert table.devices == ["i_0", "i_1"]
    assert table.layout == (
        "prog.csv: signed pulse voltage; header from the comment line at row 1, column 1 'pulse_v' pulse "
        "voltage, column 4 'meas_v' read voltage (constant -0.1 V), column 2 'pulse_width' pulse width, "
        "columns 5-6: 2 devices (read current, A), column 3 'num_applied' constant 1000 (ignored)"
    )
    np.testing.assert_allclose(table.for_device("i_0").frame["conductance_S"], [1e-5, 1.5e-5, 1.2e-5, 0.9e-5])


def test_a_second_header_line_is_merged(write: Callable[[str, str], Path]) -> None:
    path = write(
        "amplitudes.csv",
        """
        --,1 V,0.5 V
        pulse number,Resistance (Ohm),Resistance (Ohm)
        1,1e5,2e5
        2,2e5,3e5
        3,2.5e5,3.5e5
        4,1.5e5,2.5e5
        """,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'Resistance (Ohm)' under '1 V' says it all
        table = load(path, phase="down,up", pulses_per_cycle=2)
    assert "header from rows 1-2" in table.layout
    assert "columns 2-3: 2 columns of ramps (resistance, Ohm)" in table.layout
    # each column is one cycle: 2 reads after depression pulses, then 2 after potentiation pulses
    np.testing.assert_allclose(table.matrix(DEPRESSION), [[1 / 1e5, 1 / 2e5], [1 / 2e5, 1 / 3e5]])
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[1 / 2.5e5, 1 / 1.5e5], [1 / 3.5e5, 1 / 2.5e5]])


def test_a_magnitude_copy_is_not_a_second_ramp(write_rows: Callable[..., Path]) -> None:
    # read voltage, pulse index from 0, signed current, |current|: the SrTiO3 export
    current = [-5e-5, -3e-6, -2e-6, -1e-6, -2e-6]
    rows = [[-0.5, k, i, abs(i)] for k, i in enumerate(current)]
    path = write_rows("nbsto.txt", rows, sep="\t")
    table = load(path, quantity="current", phase="depression,potentiation", pulses_per_cycle=2)
    assert "column 4 repeats column 3 or its magnitude (ignored)" in table.layout
    assert "row 1 (pulse 0, read before the first pulse) left out" in table.layout
    np.testing.assert_allclose(table.matrix(DEPRESSION), [[6e-6, 4e-6]])  # |I / V| by hand
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[2e-6, 4e-6]])


def test_blank_cells_beside_numbers_do_not_make_a_header(write_xlsx: Callable[..., Path]) -> None:
    # the first row has blank cells after its numbers (a sheet whose stored size is wider than its data)
    rows: Rows = [[1.0, 0.5, 2e-10, None], [1.0, 0.5, 3e-10], [-1.0, 0.5, 2.5e-10], [-1.0, 0.5, 1.5e-10]]
    rows += [[1.0, 0.5, 2.1e-10], [1.0, 0.5, 3.1e-10, "note"], [-1.0, 0.5, 2.6e-10], [-1.0, 0.5, 1.6e-10]]
    table = load(write_xlsx("hu.xlsx", rows), quantity="current", columns="C")
    assert table.devices == ["column C"]
    assert "column D not used" in table.layout
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[4e-10, 6e-10], [4.2e-10, 6.2e-10]])


def test_sheet_by_name_or_index_and_errors_list_the_sheets(write_xlsx: Callable[..., Path]) -> None:
    rows, _ = signed_sheet(2)
    path = write_xlsx("two.xlsx", [["notes only"]], sheets={"S1": rows})
    for sheet in ("S1", "s1", 1, "1"):
        assert load(path, sheet=sheet, quantity="current").devices == ["column C", "column D"]
    assert "two.xlsx (sheet 'S1')" in load(path, sheet=1, quantity="current").layout
    with pytest.raises(MeasurementError, match="no such sheet") as info:
        load(path, sheet="S9")
    assert "--sheet" in (info.value.expected or "") and "Sheet, S1" in (info.value.expected or "")


def test_a_named_ramp_that_reads_the_same_stays_a_ramp(write: Callable[[str, str], Path]) -> None:
    # 'cycle 2' never changed (a stuck device): its name says ramp, so it is one, not a constant
    path = write("stuck_set.csv", "cycle 1,cycle 2\n1e-5,3e-5\n2e-5,3e-5\n3e-5,3e-5\n")
    table = load(path, quantity="conductance")
    np.testing.assert_allclose(table.matrix(POTENTIATION), [[1e-5, 2e-5, 3e-5], [3e-5, 3e-5, 3e-5]])


def test_two_chips_with_the_same_columns_stay_apart_and_set_reset_files_pair_up(write_xlsx, tmp_path) -> None:
    from memtwin.measurements import load_many

    def chip(name: str) -> object:
        level = {1.0: [0, 1, 2, 3], -1.0: [3, 2, 1, 0]}  # up on + pulses, down on - pulses
        rows = [
            [v * (0.7 + 0.1 * i), 0.1, 1e-6 * (1 + n), 2e-6 * (1 + n)]
            for v in (1.0, -1.0)
            for i, n in enumerate(level[v])
        ]
        return write_xlsx(name, rows)

    chips = load_many([chip("chip_a.xlsx"), chip("chip_b.xlsx")], quantity="current")
    assert chips.devices == ["chip_a column C", "chip_a column D", "chip_b column C", "chip_b column D"]

    def half(name: str, phase: str) -> object:
        values = [1, 2, 3, 4] if phase == "potentiation" else [4, 3, 2, 1]
        lines = ["device,cycle,phase,pulse,G (uS)"] + [
            f"column C,1,{phase},{i + 1},{v}" for i, v in enumerate(values)
        ]
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n")
        return path

    halves = load_many([half("set.csv", "potentiation"), half("reset.csv", "depression")])
    assert halves.devices == ["column C"]  # one device, both phases: ramps in different files pair up
    assert set(halves.phases()) == {"potentiation", "depression"}
