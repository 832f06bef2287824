"""Real measurement files from other labs, read and characterized as a user would.

Expectations are computed here independently of memtwin (openpyxl / numpy on the raw cells): the
conductances memtwin reads, the slope of the range it reports, and the span / (k σ) counting of states.
The files are described in tests/data/real/README.md and docs/bring-your-own-data.md; those without a
licence are fetched by scripts/fetch-real-data.sh and their tests skipped when absent.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from memtwin.characterization import LinearRangeCriteria, characterize, characterize_devices
from memtwin.errors import MeasurementError
from memtwin.measurements import load

DATA = Path(__file__).resolve().parents[1] / "data"
GONG = DATA / "real" / "gong2018" / "gong_et_al.csv"
ORGANIC = DATA / "real" / "organic" / "Current.xlsx"
FETCHED = DATA / "fetched"


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _check_level_count(ph) -> None:
    """The levels are the range's pulses grouped p at a time, and p is the smallest grouping whose
    spacing on the fit exceeds 2 σ of the levels (so p - 1 pulses would not do for some pair)."""
    first, last = ph.linear_range
    p = ph.pulses_per_level
    assert ph.levels == (last - first) // p + 1
    sigma = np.asarray(ph.level_sigmas_S)
    pair = 0.5 * (sigma[:-1] + sigma[1:])
    assert np.all(abs(ph.slope_S_per_pulse) * p > 2 * pair)


def test_gong_2018_normalized_pair_needs_a_range_and_then_characterizes():
    raw = np.loadtxt(GONG, delimiter=",")
    with pytest.raises(MeasurementError, match="--g-range"):
        load(GONG)
    table = _quiet(load, GONG, g_range=(1e-6, 1e-4))
    expected = 1e-6 + (raw - raw.min()) / (raw.max() - raw.min()) * 99e-6  # one span for both columns
    pot = table.frame[table.frame["phase"] == "potentiation"]["conductance_S"].to_numpy()
    assert pot == pytest.approx(expected[:, 0], rel=1e-9)
    result = _quiet(characterize, table, LinearRangeCriteria(min_r2=0.99))
    ph = result.potentiation
    assert ph.sigma_source == "fit_residuals" and result.cycles == 1
    first, last = ph.linear_range
    slope = np.polyfit(np.arange(first, last + 1), pot[first - 1 : last], 1)[0]
    assert ph.slope_S_per_pulse == pytest.approx(slope, rel=1e-9)
    _check_level_count(ph)
    # a very noisy device: a handful of distinguishable levels out of 1000 pulses
    assert 2 <= result.potentiation.levels <= 12 and result.bits < 4
    # figures that do not depend on scale are the same for another conductance range
    other = _quiet(characterize, _quiet(load, GONG, g_range=(2e-6, 2e-4)), LinearRangeCriteria(min_r2=0.99))
    assert (other.bins, other.potentiation.levels) == (result.bins, result.potentiation.levels)
    assert other.symmetry == pytest.approx(result.symmetry)


def test_organic_memristor_ten_cycles_of_a_thousand_pulses():
    book = openpyxl.load_workbook(ORGANIC, read_only=True, data_only=True)
    current = np.array(
        [row[2] for row in book.active.iter_rows(min_row=2, max_col=3, values_only=True)], float
    )
    book.close()
    table = _quiet(load, ORGANIC, columns="C", read_voltage_V=-0.3, pulses_per_cycle=1000, phase="up,down")
    assert sorted(table.frame["cycle"].unique()) == list(range(1, 11))
    expected_first_ramp = np.abs(current[:1000] / -0.3)
    pot1 = table.frame[(table.frame["cycle"] == 1) & (table.frame["phase"] == "potentiation")]
    assert pot1["conductance_S"].to_numpy() == pytest.approx(expected_first_ramp)
    assert len(table.frame) == 20_000
    result = _quiet(characterize, table)
    for ph in (result.potentiation, result.depression):
        assert ph.sigma_source == "cycle_to_cycle" and ph.cycles == 10
        assert ph.pulses_per_level > 1  # steps far below one ADC count: pulses are grouped
        _check_level_count(ph)
        first, last = ph.linear_range
        span = abs(ph.slope_S_per_pulse) * (last - first)
        # span / (2 σ) + 1, the way device papers count states, from memtwin's own σ and slope
        assert ph.levels <= span / (2 * min(ph.level_sigmas_S)) + 1
        assert ph.levels >= 0.6 * (span / (2 * ph.sigma_mean_S) + 1)
    assert result.bits == pytest.approx(math.log2(result.bins))


def _fetched(name: str) -> Path:
    path = FETCHED / name
    if not path.exists():
        pytest.skip(f"{name} not fetched (run scripts/fetch-real-data.sh; it needs the internet)")
    return path


def test_simbrain_array_of_53_one_cycle_devices():
    path = _fetched("conductance_MF.xlsx")
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [r for r in book.active.iter_rows(max_row=500, max_col=55, values_only=True) if r[0] is not None]
    book.close()
    cells = np.array(rows, dtype=float)
    table = _quiet(load, path)  # no options: the read-voltage column makes them read currents
    assert len(table.devices) == 53
    device = table.for_device("column C").frame
    pot = device[device["phase"] == "potentiation"]["conductance_S"].to_numpy()
    assert pot == pytest.approx(cells[cells[:, 0] > 0, 2] / cells[cells[:, 0] > 0, 1])  # I / V_read
    found = _quiet(characterize_devices, table)
    assert len(found.results) >= 50  # a dead device or two may be skipped, never the whole array
    spread = found.device_to_device
    assert spread is not None and spread.devices == len(found.results)
    assert 0 < spread.slope_rel_std < 0.5 and 0 < spread.range_rel_std < 0.5


def test_simbrain_single_devices_and_nb_srtio3_set_reset():
    hu = _quiet(characterize, _quiet(load, _fetched("conductance_hu.xlsx")))
    assert hu.potentiation.sigma_source == "fit_residuals"
    _check_level_count(hu.depression)
    with pytest.raises(MeasurementError, match="--min-r2"):
        _quiet(characterize, _quiet(load, _fetched("conductance_ferro.xlsx")))
    ferro = _quiet(
        characterize, _quiet(load, _fetched("conductance_ferro.xlsx")), LinearRangeCriteria(min_r2=0.98)
    )
    _check_level_count(ferro.potentiation)
    nb = _fetched("Sp1V_RSm2V_R300mV_processed.txt")
    raw = np.loadtxt(nb)
    table = _quiet(load, nb, quantity="current", phase="depression,potentiation", pulses_per_cycle=100)
    dep = table.frame[table.frame["phase"] == "depression"]["conductance_S"].to_numpy()
    assert dep == pytest.approx(np.abs(raw[1:101, 2] / raw[1:101, 0]))  # pulse 0 (after the SET) left out
    result = _quiet(characterize, table)
    assert result.symmetry < 0.2  # potentiation steps far larger than depression steps on this device
