"""The bundled SYNTHETIC example device against the numbers the paper publishes (Section III)."""

import numpy as np
import pandas as pd
import pytest

from memtwin.characterization import characterize
from memtwin.data import example_csv_path
from memtwin.measurements.table import PulseTable
from memtwin.synthetic import generate_hfs2_like, main


def test_example_matches_the_paper(example_result):
    r = example_result
    assert r.bins == 31
    assert r.bits == pytest.approx(np.log2(31))
    assert r.potentiation.bin_width_S == pytest.approx(81.077e-6, rel=0.02)
    assert r.depression.bin_width_S == pytest.approx(80.520e-6, rel=0.02)
    assert r.sigma_mean_S == pytest.approx(23.700e-6, rel=0.05)
    for ph in (r.potentiation, r.depression):
        assert ph.r2 > 0.998
        assert ph.levels == 16
        assert ph.bins == 31
    assert r.potentiation.r2 == pytest.approx(0.99898, abs=2e-4)
    assert r.depression.r2 == pytest.approx(0.99925, abs=2e-4)
    assert r.cycles == 100
    assert r.energy_per_cycle_J is not None
    assert r.energy_per_cycle_J.mean == pytest.approx(23.74e-9, rel=0.02)
    assert r.max_programming_voltage_V == pytest.approx(0.995)
    assert r.symmetry == pytest.approx(80.520 / 81.077, rel=0.01)


def test_example_pulse_scheme(example_table):
    f = example_table.frame
    assert len(f) == 100 * 40
    pot = f[f["phase"] == "potentiation"]
    assert pot["pulse_amplitude_V"].min() == pytest.approx(0.7)
    assert pot["pulse_width_s"].max() == pytest.approx(350e-9)
    dep = f[f["phase"] == "depression"]
    # amplitudes are magnitudes (the table's convention); the phase carries the polarity
    np.testing.assert_allclose(dep["pulse_amplitude_V"].to_numpy(), pot["pulse_amplitude_V"].to_numpy())
    np.testing.assert_allclose(f["read_current_A"], f["conductance_S"] * -0.1)


def test_bundled_csv_is_the_generator_output():
    csv = pd.read_csv(example_csv_path())
    fresh = generate_hfs2_like().frame
    assert list(csv.columns) == list(fresh.columns)
    np.testing.assert_allclose(csv["conductance_S"], fresh["conductance_S"], rtol=1e-6)
    r = characterize(PulseTable.from_frame(csv))
    assert r.bins == 31 and r.potentiation.levels == 16


def test_generator_is_seeded_and_cli_writes(tmp_path, capsys):
    a = generate_hfs2_like(seed=1, cycles=5).frame
    b = generate_hfs2_like(seed=1, cycles=5).frame
    c = generate_hfs2_like(seed=2, cycles=5).frame
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["conductance_S"], c["conductance_S"])
    assert main(["--out", str(tmp_path / "x.csv"), "--cycles", "3"]) == 0
    assert len(pd.read_csv(tmp_path / "x.csv")) == 3 * 40
    assert "synthetic" in capsys.readouterr().out
