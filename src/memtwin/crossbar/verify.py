"""Closed-loop programming (program-and-verify), the alternative to the paper's open-loop pulse counts.

Open loop (:func:`memtwin.crossbar.programming.program_conductances`) gives every device the nominal
pulse count n of its weight, so a device whose pulses are (1 + δ) times the nominal step lands at
Δ_n·(1 + δ): device-to-device variation becomes a multiplicative weight error. A write-verify
controller reads the device while it programs it and so programs each device *to a conductance*, not
to a pulse count. Modelled here, per device (``Periphery.program_verify``):

1. **Reset and pulse with reads** to find the pulse count k whose conductance lies nearest the target
   g_0 + Δ_n: k ∈ [0, :data:`PULSE_BUDGET_FACTOR`·(L − 1)], the device's own step (1 + δ), its own
   saturation |Δ_top|·(1 + β) and its zero-state offset included. Pulses past the last level of the
   table continue with the last step (linear range extended) until the device saturates. The reads of
   this search are taken noise-free: its outcome is the device's deterministic response.
2. **Write and verify**: reset, apply k pulses, read. The device lands at its deterministic response plus
   the cycle-to-cycle noise σ_n·ε of the target level. If the read is within ±``tolerance_steps``
   nominal steps of the target the device is done; otherwise it is rewritten (fresh ε), at most
   ``attempts`` writes; the last write stays. Open-loop programming is the case of one write of n
   pulses.

What verify cannot remove: the rounding to the device's own step (≤ half of it), a device that saturates
below its target (bound spread), the cycle-to-cycle noise within the tolerance window, stuck devices,
and everything after programming (drift, read noise, IR drop, converters).
"""

from __future__ import annotations

import torch
from torch import Tensor

from memtwin.crossbar.programming import (
    MIN_FACTOR,
    DeviceDraws,
    LevelTable,
    level_delta,
    level_sigma,
    level_slope,
    stuck_at,
    zero_state,
)
from memtwin.devices.model import Variability

#: The controller's pulse budget per write, in multiples of the nominal full-range count L − 1.
PULSE_BUDGET_FACTOR = 2


def pulse_budget(table: LevelTable) -> int:
    return PULSE_BUDGET_FACTOR * (table.levels - 1)


def nominal_step_S(table: LevelTable) -> float:
    """Mean nominal step |Δ_top|/(L − 1) (the unit of the verify tolerance)."""
    return table.top_delta_S / (table.levels - 1)


def extended_delta_magnitudes(table: LevelTable, budget: int) -> Tensor:
    """|Δ_k| for k = 0 … budget: the table, then the last step repeated."""
    mags = table.delta_S.abs()
    extra = budget - (table.levels - 1)
    if extra <= 0:
        return mags[: budget + 1]
    last_step = mags[-1] - mags[-2]
    tail = mags[-1] + last_step * torch.arange(1, extra + 1, dtype=mags.dtype, device=mags.device)
    return torch.cat((mags, tail))


def _device_factor(draws: DeviceDraws) -> Tensor | float:
    return 1.0 if draws.update is None else (1.0 + draws.update).clamp(min=MIN_FACTOR)


def _device_cap(table: LevelTable, draws: DeviceDraws) -> Tensor | float:
    if draws.bound is None:
        return table.top_delta_S
    return table.top_delta_S * (1.0 + draws.bound).clamp(min=MIN_FACTOR)


def nearest_response(
    needed: Tensor, table: LevelTable, factor: Tensor | float, cap: Tensor | float
) -> Tensor:
    """|Δ| of the device response nearest ``needed`` (≥ 0 in the programming direction) over the pulse
    counts the controller may apply: step (1 + δ)·nominal, saturating at the device's ``cap``."""
    budget = pulse_budget(table)
    needed = needed.clamp(min=0.0)
    cap_t = torch.as_tensor(cap, dtype=needed.dtype, device=needed.device)
    if table.linear_step_S is not None:  # closed form: the two pulse counts around needed/step
        step = abs(table.linear_step_S) * factor
        k_low = torch.floor(needed / step).clamp(0, budget)
        k_high = (k_low + 1).clamp(max=budget)
        low = torch.minimum(k_low * step, cap_t)
        high = torch.minimum(k_high * step, cap_t)
        return torch.where((high - needed).abs() < (needed - low).abs(), high, low)
    mags = extended_delta_magnitudes(table, budget)  # (K,)
    factor_t = torch.as_tensor(factor, dtype=needed.dtype, device=needed.device)
    candidates = torch.minimum(mags * factor_t[..., None], cap_t[..., None])  # (…, K)
    # the device spreads may be drawn once per pair (shape (1, …)) while both devices have targets (2, …)
    distance = candidates - needed[..., None]
    best = distance.abs().argmin(dim=-1, keepdim=True)
    return candidates.expand(distance.shape).gather(-1, best).squeeze(-1)


def verify_writes(
    deterministic_S: Tensor, target_S: Tensor, sigma_S: Tensor | float, noise: Tensor, tolerance_S: float
) -> Tensor:
    """The conductance each device keeps after up to ``noise.shape[0]`` writes: the first write whose read
    is within ±``tolerance_S`` of ``target_S``, else the last write."""
    writes = deterministic_S + sigma_S * noise  # (A, …)
    accepted = (writes - target_S).abs() <= tolerance_S
    kept = writes[-1]
    for a in range(noise.shape[0] - 2, -1, -1):  # backwards, so the earliest accepted write wins
        kept = torch.where(accepted[a], writes[a], kept)
    return kept


def program_verified_with_slope(
    n: Tensor,
    table: LevelTable,
    variability: Variability,
    draws: DeviceDraws,
    tolerance_steps: float,
) -> tuple[Tensor, Tensor]:
    """Conductances (S) of devices written to target levels ``n`` (integer) by program-and-verify, and
    the straight-through derivative dG/dn: the nominal level slope (the controller follows the target),
    0 where the device saturated below its target, is stuck or was clamped at 0 S.

    ``draws.noise`` holds one cycle-to-cycle draw per write: shape (attempts, *n.shape).
    """
    direction = table.direction
    g_start = zero_state(table, draws.offset, n)
    target = table.g0_S + level_delta(table, n)
    needed = direction * (target - g_start)
    cap = torch.as_tensor(_device_cap(table, draws), dtype=needed.dtype, device=needed.device)
    response = nearest_response(needed, table, _device_factor(draws), cap)
    deterministic = g_start + direction * response
    tolerance = tolerance_steps * nominal_step_S(table)
    g = verify_writes(deterministic, target, level_sigma(table, n), draws.noise, tolerance)
    g = stuck_at(g, table, variability, draws.stuck_u)
    keep = (needed <= cap) & (g >= 0)
    if draws.stuck_u is not None:
        p_stuck = variability.stuck_at_min_rate + variability.stuck_at_max_rate
        keep = keep & (draws.stuck_u >= p_stuck)
    slope = level_slope(table, n) * keep
    return g.clamp(min=0.0), slope


def program_verified(
    n: Tensor, table: LevelTable, variability: Variability, draws: DeviceDraws, tolerance_steps: float
) -> Tensor:
    """:func:`program_verified_with_slope` without the derivative."""
    return program_verified_with_slope(n, table, variability, draws, tolerance_steps)[0]
