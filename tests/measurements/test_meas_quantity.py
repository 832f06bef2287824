"""What unitless response cells hold: --quantity, the read voltage, and the guess that warns."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.measurements import DEPRESSION, POTENTIATION, load

Write = Callable[[str, str], Path]
# A signed sheet whose device columns have no unit: the lab's export of read currents at -0.1 V.
SIGNED = "V_pulse (V),D1,D2\n1,-10e-6,-20e-6\n1,-12e-6,-22e-6\n-1,-11e-6,-21e-6\n-1,-9e-6,-19e-6\n"
WIDE = "cycle 1,cycle 2\n10e-6,11e-6\n20e-6,21e-6\n"


def test_unitless_currents_with_a_read_voltage_argument(write: Write) -> None:
    path = write("iv.csv", SIGNED)
    with pytest.warns(
        MeasurementWarning, match="read currents in A, since --read-voltage gives a read voltage"
    ):
        table = load(path, read_voltage_V=-0.1)
    # G = |I / V| by hand: 10 uA / 0.1 V = 100 uS
    np.testing.assert_allclose(table.for_device("D1").frame["conductance_S"], [1e-4, 1.2e-4, 1.1e-4, 0.9e-4])
    np.testing.assert_allclose(
        table.for_device("D2").frame["read_current_A"], [-20e-6, -22e-6, -21e-6, -19e-6]
    )
    assert "columns 2-3: 2 devices (read current, A, assumed)" in table.layout


def test_explicit_quantity_current_is_quiet(write: Write) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = load(write("iv.csv", SIGNED), quantity="current", read_voltage_V=-0.1)
    assert "(read current, A)" in table.layout
    np.testing.assert_allclose(table.for_device("D2").frame["conductance_S"], [2e-4, 2.2e-4, 2.1e-4, 1.9e-4])


def test_a_read_voltage_with_conductances_is_an_error(write: Write) -> None:
    # today's bug: --read-voltage 0.1 on unitless columns silently did nothing
    with pytest.raises(MeasurementError, match="--read-voltage .* is given, but the values are conductances"):
        load(write("w_set.csv", WIDE), quantity="conductance", read_voltage_V=0.1)
    with pytest.raises(MeasurementError, match="values are conductances \\(the headers say so\\)"):
        load(write("u_set.csv", "cycle 1 (uS)\n10\n20\n"), read_voltage_V=0.1)
    with pytest.raises(MeasurementError, match="values are resistances"):
        load(write("r_set.csv", "R1 (kOhm)\n10\n5\n"), read_voltage_V=0.1)
    with pytest.raises(MeasurementError, match="values are conductances"):
        load(write("t.csv", "cycle,phase,pulse,G (uS)\n1,p,1,10\n1,d,1,5\n"), read_voltage_V=0.1)


def test_a_read_voltage_argument_beside_a_read_voltage_column_is_an_error(write: Write) -> None:
    path = write("t.csv", "cycle,phase,pulse,I (uA),V_read (V)\n1,p,1,10,0.1\n1,d,1,5,0.1\n")
    with pytest.raises(MeasurementError, match="column 5 'V_read \\(V\\)' holds the read voltage"):
        load(path, read_voltage_V=0.2)
    header = write("h_set.csv", "I (uA) @ 0.1 V\n10\n20\n")
    with pytest.raises(MeasurementError, match="contradicts the header's 0.1 V"):
        load(header, read_voltage_V=0.2)
    np.testing.assert_allclose(load(header, read_voltage_V=0.1).frame["conductance_S"], [1e-4, 2e-4])


def test_a_header_contradicting_quantity_is_an_error(write: Write) -> None:
    path = write("g_set.csv", "G1 (uS),G2 (uS)\n10,11\n20,21\n")
    with pytest.raises(MeasurementError, match="holds conductances, but --quantity says current") as info:
        load(path, quantity="current", read_voltage_V=0.1)
    assert info.value.column == "G1 (uS)"
    named = write("n.csv", "cycle,phase,pulse,R\n1,p,1,1e4\n1,d,1,2e4\n")  # the name says resistance
    with pytest.raises(MeasurementError, match="holds resistances, but --quantity says conductance"):
        load(named, quantity="conductance")
    np.testing.assert_allclose(load(named, quantity="resistance").frame["conductance_S"], [1e-4, 5e-5])


def test_quantity_resistance_and_conductance_for_unitless_columns(write: Write) -> None:
    path = write("r_set.csv", "c1,c2\n1e4,2e4\n5e3,1e4\n")
    np.testing.assert_allclose(
        load(path, quantity="resistance").matrix(POTENTIATION), [[1e-4, 2e-4], [5e-5, 1e-4]]
    )
    small = write("g_set.csv", WIDE)
    np.testing.assert_allclose(
        load(small, quantity="conductance").matrix(POTENTIATION), [[1e-5, 2e-5], [1.1e-5, 2.1e-5]]
    )


def test_the_guess_warns_what_it_assumed(write: Write) -> None:
    with pytest.warns(MeasurementWarning) as record:
        table = load(write("g_set.csv", WIDE))
    messages = [str(w.message) for w in record]
    assert any(
        "no unit in the headers: values taken as conductances in S" in m
        and "--quantity current --read-voltage V for read currents" in m
        and "--quantity resistance for ohms" in m
        for m in messages
    )
    np.testing.assert_allclose(table.frame["conductance_S"], [1e-5, 2e-5, 1.1e-5, 2.1e-5])
    assert "(conductance, S, assumed)" in table.layout
    with pytest.warns(MeasurementWarning, match="values taken as resistances in Ohm \\(mostly above 1000"):
        ohms = load(write("r_reset.csv", "c1,c2\n2e4,1e4\n4e4,2e4\n"))
    np.testing.assert_allclose(ohms.matrix(DEPRESSION), [[5e-5, 2.5e-5], [1e-4, 5e-5]])


def test_unknown_quantity_names_the_flag(write: Write) -> None:
    with pytest.raises(MeasurementError, match="unknown --quantity") as info:
        load(write("g_set.csv", WIDE), quantity="charge")
    assert "conductance, current, resistance" in (info.value.expected or "")


def test_normalized_values_without_g_range_name_the_flag(write: Write) -> None:
    path = write("norm.csv", "-0.8,0.9\n-0.2,0.3\n0.4,-0.5\n1.0,-1.0\n")
    with pytest.raises(MeasurementError, match="column without a unit: normalized data") as info:
        load(path)
    assert "--g-range GMIN,GMAX" in (info.value.expected or "")
    assert (info.value.row, info.value.column, info.value.value) == (1, "column 1", "-0.8")


def test_expected_text_reads_well(write: Write) -> None:
    with pytest.raises(MeasurementError) as info:
        load(write("neg.csv", "cycle,phase,pulse,G (uS)\n1,p,1,-5\n"))
    assert info.value.expected == "a positive, finite conductance in uS"
    with pytest.raises(MeasurementError) as info:
        load(write("negr.csv", "cycle,phase,pulse,R (kOhm)\n1,p,1,-5\n"))
    assert info.value.expected == "a positive, finite resistance in kOhm"


def test_implausible_conductances_warn_at_both_ends(write: Write) -> None:
    with pytest.warns(MeasurementWarning, match="up to 2 S is implausible .*above 1 S.*--quantity"):
        load(write("big.csv", "cycle,phase,pulse,G (S)\n1,p,1,2\n1,d,1,1.5\n"))
    with pytest.warns(MeasurementWarning, match="down to 5e-13 S is implausible .*below 1e-12 S"):
        load(write("tiny.csv", "cycle,phase,pulse,G (pS)\n1,p,1,0.5\n1,d,1,0.6\n"))
