import numpy as np
import pytest

from memtwin.characterization import phase_statistics, stats_from_matrix


def test_three_cycle_toy_mean_and_sigma_by_hand():
    m = np.array([[1.0, 2.0, 4.0], [2.0, 4.0, 4.0], [3.0, 6.0, 4.0]])
    s = stats_from_matrix(m)
    np.testing.assert_allclose(s.mean_S, [2.0, 4.0, 4.0])
    # ddof=1: var of (1,2,3) = ((1)²+0+(1)²)/2 = 1; of (2,4,6) = (4+0+4)/2 = 4
    np.testing.assert_allclose(s.sigma_S, [1.0, 2.0, 0.0])
    assert s.count.tolist() == [3, 3, 3]
    assert s.pulses.tolist() == [1, 2, 3]


def test_ragged_ramps_are_nan_aware():
    m = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, np.nan], [5.0, np.nan, np.nan]])
    s = stats_from_matrix(m)
    np.testing.assert_allclose(s.mean_S, [3.0, 3.0, 3.0])
    assert s.sigma_S[0] == pytest.approx(2.0)
    assert s.sigma_S[1] == pytest.approx(np.sqrt(2.0))
    assert np.isnan(s.sigma_S[2])  # read in a single cycle: no cycle-to-cycle sigma
    assert s.count.tolist() == [3, 2, 1]


def test_phase_statistics_from_table(make_table):
    pot = np.array([[1e-3, 2e-3], [1.2e-3, 2.2e-3]])
    dep = np.array([[2e-3, 1e-3], [2.2e-3, 1.2e-3]])
    s = phase_statistics(make_table(pot, dep), "depression")
    np.testing.assert_allclose(s.mean_S, [2.1e-3, 1.1e-3])
    assert s.cycles.tolist() == [1, 2]
