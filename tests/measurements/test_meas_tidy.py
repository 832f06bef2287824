"""Tidy CSV: one row per read."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from memtwin.measurements import DEPRESSION, POTENTIATION, load

Write = Callable[[str, str], Path]


def test_canonical_columns_keep_working(write: Write) -> None:
    path = write(
        "canon.csv",
        """
        cycle,phase,pulse,conductance_S,pulse_amplitude_V,pulse_width_s,read_voltage_V,read_current_A,time_s
        1,potentiation,1,1e-4,0.7,1.6e-7,-0.1,-1e-5,0.0
        1,potentiation,2,2e-4,0.8,1.8e-7,-0.1,-2e-5,1.0
        1,depression,1,1.5e-4,0.7,1.6e-7,-0.1,-1.5e-5,2.0
        """,
    )
    table = load(path)
    f = table.frame
    assert list(f.columns) == [
        "device", "cycle", "phase", "pulse", "conductance_S", "pulse_amplitude_V", "pulse_width_s",
        "read_voltage_V", "read_current_A", "time_s",
    ]  # fmt: skip
    assert f["conductance_S"].tolist() == [1e-4, 2e-4, 1.5e-4]
    assert f["pulse_width_s"].tolist() == [1.6e-7, 1.8e-7, 1.6e-7]
    assert set(f["device"]) == {"device"}
    assert table.source == str(path)


def test_microsiemens_header_and_phase_aliases(write: Write) -> None:
    path = write(
        "us.csv",
        """
        Cycle,Phase,Pulse #,G (µS),V_pulse (mV),width (ns)
        1,SET,1,100,700,160
        1,set,2,180.5,750,170
        1,Reset,1,170,-700,160
        1,RESET,2,95,-750,170
        2,LTP,1,101,700,160
        2,ltp,2,181,750,170
        2,ltd,1,171,-700,160
        2,LTD,2,96,-750,170
        3,p,1,102,700,160
        3,pot,2,182,750,170
        3,d,1,172,-700,160
        3,dep,2,97,-750,170
        """,
    )
    table = load(path)
    f = table.frame
    assert table.phases() == [POTENTIATION, DEPRESSION]
    np.testing.assert_allclose(
        table.matrix(POTENTIATION), [[100e-6, 180.5e-6], [101e-6, 181e-6], [102e-6, 182e-6]]
    )
    np.testing.assert_allclose(table.matrix(DEPRESSION), [[170e-6, 95e-6], [171e-6, 96e-6], [172e-6, 97e-6]])
    # pulse amplitudes are magnitudes in V, widths in s
    np.testing.assert_allclose(f["pulse_amplitude_V"].to_numpy()[:4], [0.7, 0.75, 0.7, 0.75])
    np.testing.assert_allclose(f["pulse_width_s"].to_numpy()[:2], [160e-9, 170e-9])


def test_conductance_from_current_and_read_voltage(write: Write) -> None:
    path = write(
        "iv.csv",
        """
        cycle,phase,pulse,I [mA],V_read (mV)
        1,potentiation,1,-0.010,-100
        1,potentiation,2,-0.025,-100
        1,depression,1,-0.020,-100
        1,depression,2,-0.008,-100
        """,
    )
    f = load(path).frame
    # G = |I / V|: 0.010 mA / 100 mV = 1e-5 A / 0.1 V = 1e-4 S
    np.testing.assert_allclose(f["conductance_S"], [1e-4, 2.5e-4, 2e-4, 0.8e-4])
    np.testing.assert_allclose(f["read_current_A"], [-1e-5, -2.5e-5, -2e-5, -0.8e-5])
    np.testing.assert_allclose(f["read_voltage_V"], -0.1)


def test_current_with_read_voltage_argument_or_plain_v_column(write: Write) -> None:
    a = write("a.csv", "cycle,phase,pulse,I (uA)\n1,p,1,20\n1,d,1,10\n")
    np.testing.assert_allclose(load(a, read_voltage_V=0.2).frame["conductance_S"], [1e-4, 5e-5])
    b = write("b.csv", "cycle,phase,pulse,I (uA),V\n1,p,1,20,0.2\n1,d,1,10,0.2\n")  # V = read voltage here
    f = load(b).frame
    np.testing.assert_allclose(f["conductance_S"], [1e-4, 5e-5])
    assert "pulse_amplitude_V" not in f.columns


def test_resistance_becomes_conductance(write: Write) -> None:
    path = write("r.csv", "cycle,phase,pulse,R (kOhm)\n1,set,1,10\n1,reset,1,4\n")
    np.testing.assert_allclose(load(path).frame["conductance_S"], [1e-4, 2.5e-4])


def test_missing_pulse_numbers_count_within_cycle_and_phase(write: Write) -> None:
    path = write(
        "nopulse.csv",
        """
        cycle,phase,G (uS)
        1,p,10
        1,p,20
        1,d,15
        2,p,11
        2,p,21
        2,p,31
        2,d,16
        """,
    )
    f = load(path).frame
    assert f["pulse"].tolist() == [1, 2, 1, 1, 2, 3, 1]
    assert f["cycle"].tolist() == [1, 1, 1, 2, 2, 2, 2]


def test_given_numbering_is_kept(write: Write) -> None:
    path = write("keep.csv", "cycle,phase,pulse,G (uS)\n7,p,0,10\n7,p,5,20\n9,d,3,15\n")
    f = load(path).frame
    assert f[["cycle", "pulse"]].to_numpy().tolist() == [[7, 0], [7, 5], [9, 3]]


def test_missing_cycle_column_ramps_from_phase_runs(write: Write) -> None:
    path = write("runs.csv", "phase,G (uS)\np,10\np,20\nd,15\nd,5\np,11\np,21\nd,16\n")
    f = load(path).frame
    assert f["cycle"].tolist() == [1, 1, 1, 1, 2, 2, 2]
    assert f["pulse"].tolist() == [1, 2, 1, 2, 1, 2, 1]


def test_devices_phase_and_device_selection(write: Write) -> None:
    path = write(
        "devs.csv",
        """
        device,cycle,phase,pulse,G (uS)
        A,1,p,1,10
        A,1,d,1,8
        B,1,p,1,30
        B,1,d,1,25
        """,
    )
    assert load(path).devices == ["A", "B"]
    only_b = load(path, device="B").frame
    assert only_b["conductance_S"].tolist() == pytest.approx([30e-6, 25e-6])
    only_set = load(path, phase="set").frame  # phase= selects when the file has a phase column
    assert set(only_set["phase"]) == {POTENTIATION} and len(only_set) == 2


def test_phase_argument_fills_a_missing_phase_column(write: Write) -> None:
    path = write("onephase.csv", "cycle,pulse,G (uS)\n1,1,20\n1,2,10\n2,1,21\n2,2,11\n")
    table = load(path, phase="ltd")
    assert table.phases() == [DEPRESSION]
    assert table.matrix(DEPRESSION).shape == (2, 2)


def test_semicolon_and_decimal_comma_and_comments(write: Write) -> None:
    path = write(
        "eu.csv",
        """
        # exported by the probe station
        cycle;phase;pulse;G (uS)
        1;p;1;100,5
        1;d;1;90,25
        """,
    )
    np.testing.assert_allclose(load(path).frame["conductance_S"], [100.5e-6, 90.25e-6])


def test_extra_columns_and_blank_optional_columns_are_ignored(write: Write) -> None:
    path = write(
        "extra.csv", "cycle,phase,pulse,G (uS),comment,Temp (°C),time_s\n1,p,1,10,ok,25,\n1,d,1,8,,25,\n"
    )
    f = load(path).frame
    assert list(f.columns) == ["device", "cycle", "phase", "pulse", "conductance_S"]


def test_plain_tidy_file_has_no_warnings(write: Write) -> None:
    path = write("quiet.csv", "cycle,phase,pulse,G (uS)\n1,p,1,10\n1,p,2,20\n1,d,1,20\n1,d,2,10\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(path)


def test_pulse_current_column_feeds_the_measured_energy(write: Write) -> None:
    from memtwin.characterization import energy_per_cycle

    path = write(
        "ipulse.csv",
        """
        cycle,phase,pulse,G (uS),V_pulse (V),width (ns),I_pulse (uA)
        1,potentiation,1,100,1.0,100,-50
        1,depression,1,90,-0.5,200,20
        2,potentiation,1,101,1.0,100,60
        2,depression,1,91,-0.5,200,40
        """,
    )
    f = load(path).frame
    assert f["pulse_current_A"].tolist() == pytest.approx([50e-6, 20e-6, 60e-6, 40e-6])  # magnitudes
    energy = energy_per_cycle(load(path))
    assert energy is not None and energy.method == "measured_pulse_current"
    # by hand: cycle 1 = 1 V·50 µA·100 ns + 0.5 V·20 µA·200 ns = 5 pJ + 2 pJ; cycle 2 = 6 pJ + 4 pJ
    assert energy.mean == pytest.approx(8.5e-12)
    assert energy.std == pytest.approx(np.std([7e-12, 10e-12], ddof=1))
