"""The exact write (``Periphery.write = "exact"``): every device holds its target conductance.

This is how AIHWKIT puts weights onto a pulsed-device tile (``set_weights``, ``convert_to_analog``), which
the paper's simulation used: each weight is copied as it is, clipped at that device's own bounds, with
no quantization to the device's levels, no cycle-to-cycle write noise and no effect of the spread of the
step size (that spread and the noise act only in later pulsed updates, i.e. in training on the chip).

With weight scale s and top change Δ_top = |g_{L−1} − g_0| of the mode, a weight w asks the pulsed
device of its pair for the change

    Δ = d · min(|w|/s, 1) · Δ_top            (d = +1 in a rising table, −1 in a falling one)

— linear in the weight, whatever the shape of the level table — and the device holds

    g = g_0·(1 + o) + sat(Δ; Δ_top·(1 + β))

with its own zero-state offset o and bound spread β (:mod:`memtwin.crossbar.programming`); stuck-at
faults still apply. Here the "pulse count" n is the continuous ``min(|w|/s, 1)·(L−1)``, so the rest of
the crossbar (pair split, effective weight, hardware-aware training's Jacobian) is shared with the
pulsed writes.
"""

from __future__ import annotations

import torch
from torch import Tensor

from memtwin.crossbar.programming import (
    MIN_FACTOR,
    DeviceDraws,
    LevelTable,
    saturate,
    stuck_at,
    zero_state,
)
from memtwin.devices.model import Variability


def exact_step_S(table: LevelTable) -> float:
    """The signed conductance change per unit of the continuous count n: Δ_top/(L−1)·d."""
    return table.direction * table.top_delta_S / (table.levels - 1)


def nominal_target(table: LevelTable, n: Tensor) -> Tensor:
    """The conductance a device is asked to hold: the level table at an integer count, the straight line
    g_0 + n·Δ_top/(L−1)·d at a continuous one (the exact write)."""
    if torch.is_floating_point(n):
        return table.g0_S + n * exact_step_S(table)
    return table.g_S[n.to(torch.int64)]


def program_exact(n: Tensor, table: LevelTable, variability: Variability, draws: DeviceDraws) -> Tensor:
    """Conductances (S) of devices written exactly to the continuous counts ``n``."""
    delta = saturate(n * exact_step_S(table), table, draws.bound)
    g = zero_state(table, draws.offset, delta) + delta
    return stuck_at(g, table, variability, draws.stuck_u).clamp(min=0.0)


def program_exact_with_slope(
    n: Tensor, table: LevelTable, variability: Variability, draws: DeviceDraws
) -> tuple[Tensor, Tensor]:
    """:func:`program_exact` and dG/dn of every device: the constant step, 0 where the device saturated at
    its own bound, is stuck or was clamped at 0 S (the straight-through gradient of training)."""
    step = exact_step_S(table)
    magnitude = n * abs(step)
    cap: Tensor | float = table.top_delta_S
    if draws.bound is not None:
        cap = table.top_delta_S * (1.0 + draws.bound).clamp(min=MIN_FACTOR)
    free = magnitude <= cap
    g = zero_state(table, draws.offset, n) + table.direction * torch.where(free, magnitude, cap)
    g = stuck_at(g, table, variability, draws.stuck_u)
    keep = free & (g >= 0)
    if draws.stuck_u is not None:
        p_stuck = variability.stuck_at_min_rate + variability.stuck_at_max_rate
        keep = keep & (draws.stuck_u >= p_stuck)
    return g.clamp(min=0.0), step * keep
