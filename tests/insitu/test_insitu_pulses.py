"""In-situ updates against hand-computed pulse counts, bounds and the symmetry point."""

import math

import pytest
import torch

from memtwin.devices import DeviceModel, ModeLevels, Variability
from memtwin.insitu.pairs import PulsedPairs
from memtwin.insitu.pulses import deterministic_counts, stochastic_counts
from memtwin.insitu.response import Direction, PairResponse

DTYPE = torch.float64


def linear_device(d2d_update: float = 0.0, d2d_bounds: float = 0.0, sigma: float = 0.0) -> DeviceModel:
    """Potentiation 10 → 20 µS in 5 steps of 2 µS, depression 20 → 10 µS in 5 steps of 2 µS."""
    return DeviceModel(
        name="hand-linear",
        potentiation=ModeLevels.linear(10e-6, 2e-6, 6, sigma),
        depression=ModeLevels.linear(20e-6, -2e-6, 6, sigma),
        variability=Variability(d2d_update=d2d_update, d2d_bounds=d2d_bounds),
    )


def soft_bounds_device(alpha: float = 0.05, levels: int = 200) -> DeviceModel:
    """Soft bounds between 10 and 20 µS: a pulse moves g by α of the way to the bound it approaches, so
    the potentiation step α(20 µS − g) and the depression step α(g − 10 µS) are equal at 15 µS."""
    pot = tuple(20e-6 - 10e-6 * (1 - alpha) ** n for n in range(levels))
    dep = tuple(10e-6 + 10e-6 * (1 - alpha) ** n for n in range(levels))
    return DeviceModel(
        name="hand-soft-bounds",
        potentiation=ModeLevels(pot, (0.0,) * levels),
        depression=ModeLevels(dep, (0.0,) * levels),
        variability=Variability(d2d_update=0.0, d2d_bounds=0.0),
    )


def pairs_of(device: DeviceModel, mode: str = "potentiation", shape=(1, 2), seed: int = 0) -> PulsedPairs:
    response = PairResponse.of(device, mode, DTYPE)
    generator = torch.Generator().manual_seed(seed)
    scale = torch.ones(shape[0], dtype=DTYPE)  # the top level (5 steps) is weight 1: a step is 0.2
    return PulsedPairs(response, scale, device.variability, generator, rows=shape[1])


def test_one_deterministic_update_by_hand():
    # Δw = -lr·d·x with lr 1, x = (1, 0.5), d = -0.4: Δw = (0.4, 0.2) = (2, 1) steps of 0.2.
    pairs = pairs_of(linear_device())
    assert pairs.step_weight().item() == pytest.approx(0.2)
    x = torch.tensor([[1.0, 0.5]], dtype=DTYPE)
    d_pulses = torch.tensor([[-0.4]], dtype=DTYPE) / pairs.step_weight().reshape(1, -1)
    inc, dec = deterministic_counts(-1.0 * (d_pulses.T @ x), desired_bl=31)
    assert inc.tolist() == [[2, 1]] and dec.tolist() == [[0, 0]]
    pairs.update(inc, dec)
    assert pairs.weights().tolist()[0] == pytest.approx([0.4, 0.2])
    # G⁺ moved 2 and 1 steps of 2 µS up from rest (10 µS); G⁻ stayed at rest.
    assert pairs.g[0].tolist()[0] == pytest.approx([14e-6, 12e-6])
    assert pairs.g[1].tolist()[0] == pytest.approx([10e-6, 10e-6])


def test_an_update_past_zero_moves_the_other_device():
    # w = +2 steps; 3 steps down: 2 bring G⁺ back to rest, the third depresses... G⁻ away from rest (up).
    pairs = pairs_of(linear_device())
    pairs.write(torch.tensor([[0.4, -0.2]], dtype=DTYPE), reset_sigma_S=0.0)
    pairs.update(torch.tensor([[0, 3]]), torch.tensor([[3, 0]]))
    assert pairs.weights().tolist()[0] == pytest.approx([-0.2, 0.4])
    assert pairs.g[0].tolist()[0] == pytest.approx([10e-6, 14e-6])
    assert pairs.g[1].tolist()[0] == pytest.approx([12e-6, 10e-6])


def test_depression_mode_pairs_rest_at_the_top_and_carry_the_same_weights():
    pairs = pairs_of(linear_device(), mode="depression")
    pairs.write(torch.tensor([[0.4, -0.6]], dtype=DTYPE), reset_sigma_S=0.0)
    assert pairs.weights().tolist()[0] == pytest.approx([0.4, -0.6])
    # positive weights depress G⁻ from 20 µS, negative ones G⁺
    assert pairs.g[1].tolist()[0] == pytest.approx([16e-6, 20e-6])
    assert pairs.g[0].tolist()[0] == pytest.approx([20e-6, 14e-6])


def test_stochastic_trains_give_the_update_in_expectation():
    # lr 0.25, x = (1, 0.5, 0), d' = -2 pulses: expected pulses lr·|x·d'| = (0.5, 0.25, 0), all raising.
    x = torch.tensor([[1.0, 0.5, 0.0]], dtype=DTYPE).repeat(20000, 1)
    d = torch.tensor([[-2.0]], dtype=DTYPE).repeat(20000, 1)
    generator = torch.Generator().manual_seed(1)
    inc, dec = stochastic_counts(x, d, 0.25, 31, True, generator)
    assert dec.sum().item() == 0
    mean = inc.to(DTYPE)[0] / 20000
    # binomial standard errors sqrt(p(1-p)/n) = 0.0035 and 0.0031
    assert mean.tolist() == pytest.approx([0.5, 0.25, 0.0], abs=0.015)


def test_update_management_equalises_row_and_column_probabilities():
    # x_max·d_max·lr = 4·0.25·10 = 10 pulses at most: BL = 10 slots, and both lines fire with
    # probability sqrt(lr·x·d / BL) = 1 in every slot, so the largest element gets exactly 10 pulses.
    x = torch.tensor([[4.0, 2.0]], dtype=DTYPE)
    d = torch.tensor([[-10.0]], dtype=DTYPE)
    inc, dec = stochastic_counts(x, d, 0.25, 31, True, torch.Generator().manual_seed(0))
    assert inc[0, 0].item() == 10 and dec.sum().item() == 0
    # without management, BL = 31 slots at probability sqrt(lr/31)·value, capped at 1: fewer pulses
    inc_fixed, _ = stochastic_counts(x, d, 0.25, 31, False, torch.Generator().manual_seed(0))
    assert inc_fixed[0, 0].item() < 10


def test_every_device_saturates_at_its_own_bound():
    pairs = pairs_of(linear_device(d2d_bounds=0.3), shape=(4, 8), seed=3)
    pairs.update(torch.full((4, 8), 50), torch.zeros((4, 8), dtype=torch.int64))
    assert torch.equal(pairs.g[0], pairs.high[0])  # G⁺ ended at its own far bound
    assert pairs.high[0].unique().numel() == 32  # and the bounds differ from device to device
    # the far bound is rest + (20 - 10 µS)·(1 + β), β ~ N(0, 0.3): spread about 3 µS
    assert (pairs.high[0] - 10e-6).std().item() / 10e-6 == pytest.approx(0.3, abs=0.15)


def test_the_step_of_each_device_scales_with_its_own_factor():
    pairs = pairs_of(linear_device(d2d_update=0.3), shape=(4, 8), seed=5)
    pairs.update(torch.ones((4, 8), dtype=torch.int64), torch.zeros((4, 8), dtype=torch.int64))
    assert torch.allclose((pairs.g[0] - 10e-6) / 2e-6, pairs.factor[0], rtol=1e-9)


def test_a_symmetric_pulse_sequence_drifts_to_the_symmetry_point():
    # Alternating up and down pulses: on a soft-bounds device the up step shrinks and the down step
    # grows with g, so G⁺ climbs from rest (10 µS) to where they are equal, 15 µS: the weight drifts to
    # (15 - 10) / (g_top - 10 µS) of the range although the updates sum to zero.
    device = soft_bounds_device()
    pairs = pairs_of(device, shape=(1, 1))
    one, none = torch.ones((1, 1), dtype=torch.int64), torch.zeros((1, 1), dtype=torch.int64)
    for _ in range(400):
        pairs.update(one, none)
        pairs.update(none, one)
    step = 0.05 * 5e-6  # one step at the symmetry point
    assert pairs.g[0].item() == pytest.approx(15e-6, abs=step)
    top = device.potentiation.g_levels_S[-1] - 10e-6
    assert pairs.weights().item() == pytest.approx(5e-6 / top, abs=step / top)


def test_the_response_follows_the_measured_curve_and_continues_past_it():
    device = soft_bounds_device(alpha=0.1, levels=10)
    up = Direction.of("potentiation", device.potentiation, DTYPE, "cpu")
    g = torch.tensor(device.potentiation.g_levels_S[:3], dtype=DTYPE)
    # from level n one pulse reaches level n + 1: the soft-bounds step 0.1·(20 µS - g)
    assert up.step_at(g).tolist() == pytest.approx((0.1 * (20e-6 - g)).tolist())
    # beyond the last level the last step continues (until the device's own bound stops it)
    last = device.potentiation.g_levels_S[-1]
    last_step = last - device.potentiation.g_levels_S[-2]
    assert up.step_at(torch.tensor([last + 1e-9], dtype=DTYPE)).item() == pytest.approx(last_step)
    assert up.noise_rel == 0.0


def test_per_pulse_spread_adds_up_to_the_measured_sigma_of_the_top_level():
    # σ = 0.5 µS on 2 µS steps, 5 pulses to the top: σ/Δ/√5 per pulse, so 5 pulses give σ again and 3
    # pulses (to 16 µS, clear of the 20 µS bound) σ·√(3/5).
    device = linear_device(sigma=0.5e-6)
    response = PairResponse.of(device, "potentiation", DTYPE)
    assert response.away.noise_rel == pytest.approx(0.25 / math.sqrt(5))
    pairs = pairs_of(device, shape=(200, 100))
    pairs.update(torch.full((200, 100), 3), torch.zeros((200, 100), dtype=torch.int64))
    assert pairs.g[0].mean().item() == pytest.approx(16e-6, rel=1e-3)
    assert pairs.g[0].std().item() == pytest.approx(0.5e-6 * math.sqrt(3 / 5), rel=0.03)
