"""Header → quantity and SI factor."""

from __future__ import annotations

import pytest

from memtwin.errors import MeasurementError
from memtwin.measurements.units import (
    CONDUCTANCE,
    CURRENT,
    CYCLE,
    DEVICE,
    PHASE,
    PULSE,
    PULSE_AMPLITUDE,
    PULSE_CURRENT,
    PULSE_WIDTH,
    READ_VOLTAGE,
    RESISTANCE,
    TIME,
    VOLTAGE,
    parse_header,
    parse_unit,
)


@pytest.mark.parametrize(
    ("header", "quantity", "scale"),
    [
        ("G (uS)", CONDUCTANCE, 1e-6),
        ("G [µS]", CONDUCTANCE, 1e-6),
        ("G [μS]", CONDUCTANCE, 1e-6),  # Greek mu, not the micro sign
        ("conductance (mS)", CONDUCTANCE, 1e-3),
        ("G/nS", CONDUCTANCE, 1e-9),
        ("G_uS", CONDUCTANCE, 1e-6),
        ("Conductance (Siemens)", CONDUCTANCE, 1.0),
        ("conductance_S", CONDUCTANCE, 1.0),
        ("G (us)", CONDUCTANCE, 1e-6),  # the name says conductance, so 'us' is microsiemens
        ("I [mA]", CURRENT, 1e-3),
        ("I (nA)", CURRENT, 1e-9),
        ("I (microamps)", CURRENT, 1e-6),
        ("read_current_A", CURRENT, 1.0),
        ("pulse_current_A", PULSE_CURRENT, 1.0),
        ("I_pulse (uA)", PULSE_CURRENT, 1e-6),
        ("programming current (mA)", PULSE_CURRENT, 1e-3),
        ("pulse (uA)", PULSE_CURRENT, 1e-6),
        ("write I (nA)", PULSE_CURRENT, 1e-9),  # an unknown label with a current unit and 'write'
        ("R (kOhm)", RESISTANCE, 1e3),
        ("R (kΩ)", RESISTANCE, 1e3),
        ("R (k\u2126)", RESISTANCE, 1e3),  # ohm sign
        ("R (MOhm)", RESISTANCE, 1e6),
        ("V (mV)", VOLTAGE, 1e-3),
        ("read_voltage_V", READ_VOLTAGE, 1.0),
        ("Vread (mV)", READ_VOLTAGE, 1e-3),
        ("read (V)", READ_VOLTAGE, 1.0),
        ("pulse_amplitude_V", PULSE_AMPLITUDE, 1.0),
        ("V_pulse", PULSE_AMPLITUDE, 1.0),
        ("pulse (V)", PULSE_AMPLITUDE, 1.0),
        ("width (ns)", PULSE_WIDTH, 1e-9),
        ("pulse (ns)", PULSE_WIDTH, 1e-9),
        ("pulse_width_s", PULSE_WIDTH, 1.0),
        ("width (uS)", PULSE_WIDTH, 1e-6),  # the name says time, so 'uS' is microseconds
        ("t [ms]", TIME, 1e-3),
        ("t_ms", TIME, 1e-3),
        ("time_s", TIME, 1.0),
        ("time (min)", TIME, 60.0),
        ("cycle", CYCLE, 1.0),
        ("Cycle #", CYCLE, 1.0),
        ("phase", PHASE, 1.0),
        ("Pulse number", PULSE, 1.0),
        ("pulse (#)", PULSE, 1.0),
        ("device", DEVICE, 1.0),
        ("D1 (uS)", CONDUCTANCE, 1e-6),  # unknown name, the unit says what it holds
    ],
)
def test_headers(header: str, quantity: str, scale: float) -> None:
    spec = parse_header(header, file="f.csv")
    assert spec.quantity == quantity
    assert spec.scale == pytest.approx(scale, rel=1e-12)


def test_read_voltage_in_a_current_header() -> None:
    spec = parse_header("I (uA) @ -0.1 V")
    assert (spec.quantity, spec.scale, spec.read_voltage_V) == (CURRENT, 1e-6, pytest.approx(-0.1))
    assert parse_header("I_uA Vread=100mV").read_voltage_V == pytest.approx(0.1)


@pytest.mark.parametrize("header", ["cycle 3", "cycle_3", "G7", "set 1", "cycle (3)"])
def test_ramp_labels_are_not_units(header: str) -> None:
    spec = parse_header(header)
    assert spec.quantity is None and spec.unit is None


def test_unknown_unit_names_file_and_column() -> None:
    with pytest.raises(MeasurementError) as info:
        parse_header("G (uF)", file="a.csv")
    err = info.value
    assert (err.file, err.column, err.value) == ("a.csv", "G (uF)", "uF")
    assert "unknown unit" in str(err) and "uS" in (err.expected or "")


def test_unit_contradicting_the_name() -> None:
    with pytest.raises(MeasurementError, match="measures a current, but 'G' names a conductance") as info:
        parse_header("G (mA)", file="a.csv")
    assert info.value.column == "G (mA)"


def test_unknown_unit_on_an_unknown_label_is_deferred() -> None:
    spec = parse_header("Temp (°C)", file="a.csv")  # a column a tidy file may simply ignore
    assert spec.quantity is None
    with pytest.raises(MeasurementError, match="unknown unit"):
        spec.check("a.csv")


def test_case_matters_without_a_name() -> None:
    assert parse_unit("mS") == ("S", 1e-3)
    assert parse_unit("ms") == ("s", 1e-3)
    assert parse_unit("MOhm") == ("Ohm", 1e6)
    assert parse_unit("mOhm") == ("Ohm", 1e-3)
    assert parse_unit("furlong") is None
