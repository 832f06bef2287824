import math

import numpy as np
import pytest

from memtwin.characterization import LinearRangeCriteria, bits, count_bins, level_magnitudes


@pytest.mark.parametrize("levels", [2, 5, 16])
def test_distinguishable_levels_give_2l_minus_1_bins(levels):
    g = 1e-3 + 80e-6 * np.arange(levels)
    s = np.full(levels, 20e-6)
    assert count_bins(g, s) == 2 * levels - 1
    # depression levels (falling) as the negative side: same count
    assert count_bins(g, s, g[::-1].copy(), s) == 2 * levels - 1


def test_paper_16_levels_give_31_bins_about_5_bits():
    assert bits(31) == pytest.approx(math.log2(31))
    assert round(bits(31)) == 5


def test_overlapping_levels_give_fewer_bins():
    # magnitudes 0, 10, 20, 30, 40 with σ = 8: a new bin needs > 16 beyond the last one →
    # 20 and 40 open bins on each side: 1 + 2 + 2 = 5 instead of 9
    g = np.array([0.0, 10.0, 20.0, 30.0, 40.0]) + 100.0
    s = np.full(5, 8.0)
    assert count_bins(g, s) == 5
    assert count_bins(g, s, criteria=LinearRangeCriteria(k_sigma=1.0)) == 9


def test_asymmetric_sides_and_magnitudes():
    pot = np.array([1.0, 2.0, 3.0])
    dep = np.array([5.0, 4.0])
    np.testing.assert_allclose(level_magnitudes(dep), [0.0, 1.0])
    assert count_bins(pot, np.zeros(3), dep, np.zeros(2)) == 1 + 2 + 1
