import numpy as np
import pandas as pd
import pytest

from memtwin.characterization import (
    characterize,
    characterize_all,
    energy_per_cycle,
    fit_exponential,
    max_programming_voltage,
    on_off_ratio,
    slope_symmetry,
)
from memtwin.characterization.metrics import curve_mismatch, level_mismatch
from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.measurements.table import PulseTable


def _two_pulse_table(make_table):
    # one potentiation pulse (+1 V, 100 ns) and one depression pulse (−0.5 V, 200 ns) per cycle
    pot = np.array([[1e-3], [2e-3]])
    dep = np.array([[2e-3], [4e-3]])
    amp = (np.array([1.0]), np.array([-0.5]))
    width = (np.array([100e-9]), np.array([200e-9]))
    return make_table(pot, dep, amp=amp, width=width)


def test_energy_two_pulse_toy_by_hand(make_table):
    e = energy_per_cycle(_two_pulse_table(make_table))
    # cycle 1: 1e-3·1²·100e-9 + 2e-3·0.5²·200e-9 = 1e-10 + 1e-10; cycle 2 doubles the conductances
    assert e is not None
    assert e.method == "ohmic_estimate"
    assert e.cycles == 2
    assert e.mean == pytest.approx(3e-10)
    assert e.std == pytest.approx(np.sqrt(2) * 1e-10)
    assert e.per_pulse_mean == pytest.approx(1.5e-10)


def test_energy_uses_measured_pulse_current_when_present(make_table):
    t = _two_pulse_table(make_table)
    frame = t.frame.assign(pulse_current_A=[1e-3, 1e-3, 2e-3, 2e-3])  # rows: c1 P, c1 D, c2 P, c2 D
    e = energy_per_cycle(PulseTable(frame=frame, source="toy"))
    assert e is not None and e.method == "measured_pulse_current"
    # cycle 1: 1·1e-3·100e-9 + 0.5·1e-3·200e-9 = 2e-10; cycle 2: 4e-10
    assert e.mean == pytest.approx(3e-10)


def test_energy_and_voltage_null_without_pulse_scheme(make_table):
    t = make_table(np.array([[1e-3, 2e-3]] * 2), np.array([[2e-3, 1e-3]] * 2))
    assert energy_per_cycle(t) is None
    assert max_programming_voltage(t) is None
    assert max_programming_voltage(_two_pulse_table(make_table)) == pytest.approx(1.0)


def test_symmetry_and_on_off():
    assert slope_symmetry(81.077e-6, -80.520e-6) == pytest.approx(80.520 / 81.077)
    assert slope_symmetry(1.0, -1.0) == 1.0
    assert on_off_ratio([1e-3, 2e-3], [4e-3, np.nan]) == pytest.approx(4.0)
    assert level_mismatch([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(0.0)
    assert level_mismatch([1.0, 2.0, 3.0], [3.0, 2.5, 1.0]) == pytest.approx((0.5 / 3) / 2)
    assert curve_mismatch([1.0, 2.0, 3.0], [9.0, 8.0, 7.0]) == pytest.approx(0.0)


@pytest.mark.parametrize("a_true, sign", [(5.0, 1.0), (7.0, -1.0)])
def test_exponential_fit_recovers_a(a_true, sign):
    x = np.arange(20, dtype=float)
    g = 2e-3 + sign * 1e-3 * (1 - np.exp(-x / a_true))
    f = fit_exponential(x + 1, g)
    assert f.A_pulses == pytest.approx(a_true, rel=1e-3)
    assert f.A_norm == pytest.approx(a_true / 19, rel=1e-3)
    assert f.B_S / (sign * 1e-3) == pytest.approx(1.0, rel=1e-3)
    assert f.r2 == pytest.approx(1.0)
    assert f.nonlinearity > 0.2  # steps shrink → positive


def test_exponential_fit_of_a_line_is_linear():
    f = fit_exponential(np.arange(1, 21), 1e-3 + 5e-5 * np.arange(20))
    assert f.A_pulses is None or abs(f.A_pulses) > 1e4
    assert abs(f.nonlinearity) < 1e-3


def test_single_cycle_takes_sigma_from_the_fit(make_table):
    # One exact line per phase: the residuals, hence σ, are 0 and every pulse is a level.
    t = make_table(np.array([[1e-3, 2e-3, 3e-3, 4e-3]]), np.array([[4e-3, 3e-3, 2e-3, 1e-3]]))
    with pytest.warns(MeasurementWarning, match="one potentiation and one depression ramp"):
        r = characterize(t)
    assert r.potentiation.sigma_source == "fit_residuals"
    assert r.potentiation.sigma_mean_S == pytest.approx(0.0, abs=1e-18)
    assert (r.potentiation.levels, r.bins) == (4, 7)


def test_missing_phase_is_an_error(make_table):
    t = make_table(np.array([[1e-3, 2e-3, 3e-3, 4e-3]] * 3), None)
    with pytest.raises(MeasurementError, match="no depression"):
        characterize(t)


def test_several_devices(make_table):
    rng = np.random.default_rng(3)
    up = 1e-3 + 5e-5 * np.arange(8)
    frames = []
    for name, scale in (("a", 1.0), ("b", 2.0)):
        pot = scale * (up + 2e-6 * rng.standard_normal((5, 8)))
        dep = scale * (up[::-1] + 2e-6 * rng.standard_normal((5, 8)))
        frames.append(make_table(pot, dep, device=name).frame)
    t = PulseTable.from_frame(pd.concat(frames))
    with pytest.raises(MeasurementError, match="several devices"):
        characterize(t)
    res = characterize_all(t)
    assert list(res) == ["a", "b"]
    assert res["b"].potentiation.slope_S_per_pulse == pytest.approx(
        2 * res["a"].potentiation.slope_S_per_pulse, rel=0.05
    )
    assert characterize(t, device="b").potentiation.levels == 8
