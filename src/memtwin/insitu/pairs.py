"""The differential pairs of one layer of one chip trained in place, and what pulses do to them.

A pair holds a weight ``w = scale · (G⁺ − G⁻) / top_delta`` (:class:`~memtwin.insitu.response.PairResponse`).
An update arrives as two pulse counts per weight: ``inc`` pulses that raise w and ``dec`` pulses that
lower it. A pulse that raises a weight ≥ 0 moves the device carrying positive weights away from rest; one
that raises a negative weight moves the device carrying negative weights back towards rest, and the
pulses left once it is there (no device goes below rest) move the positive device away: the weight
crosses zero. Lowering mirrors this. Each device stays within its own bounds: rest, and a far bound
``rest + (far − rest)·(1 + β)``, β ~ N(0, d2d_bounds) (floored as in open-loop programming), where it
saturates.

Draws, in order, from the chip's generator: each device's step factor and bound on construction, the
reset spread when written, then the cycle-to-cycle spread of each step's pulses, one number per pulsed
pair and direction of the step.
"""

from __future__ import annotations

import torch
from torch import Tensor

from memtwin.crossbar.programming import MIN_FACTOR
from memtwin.devices.model import Variability
from memtwin.insitu.response import Direction, PairResponse


class PulsedPairs:
    """G⁺ and G⁻ of an (outputs × rows) layer: ``g[0]`` is G⁺, ``g[1]`` G⁻."""

    def __init__(
        self,
        response: PairResponse,
        scale: Tensor,
        variability: Variability,
        generator: torch.Generator,
        rows: int,
    ) -> None:
        self.response = response
        self.generator = generator
        self.scale = scale  # (outputs,): the weight of a pair at the mode's top level
        dtype, device = response.away.g_S.dtype, response.away.g_S.device
        shape = (2, scale.numel(), rows)
        self.g = torch.full(shape, response.rest_S, dtype=dtype, device=device)

        def spread(rel: float) -> Tensor:
            if rel == 0:
                return torch.ones(shape, dtype=dtype, device=device)
            xi = torch.randn(shape, generator=generator, dtype=dtype, device=device)
            return (1.0 + rel * xi).clamp(min=MIN_FACTOR)

        self.factor = spread(variability.d2d_update)
        far = response.rest_S + (response.far_S - response.rest_S) * spread(variability.d2d_bounds)
        rest = torch.full_like(far, response.rest_S)
        self.low, self.high = torch.minimum(rest, far), torch.maximum(rest, far)
        self.out_factor = (scale / response.top_delta_S).view(-1, 1)

    # -- reading -------------------------------------------------------------------------------------
    def weights(self) -> Tensor:
        """The weights the pairs hold, (outputs, rows), in network units."""
        return self.out_factor * (self.g[0] - self.g[1])

    def step_weight(self) -> Tensor:
        """What one nominal pulse of the mode is worth in network units, per output (outputs, 1)."""
        return self.out_factor * self.response.mean_step_S

    # -- writing -------------------------------------------------------------------------------------
    def write(self, w: Tensor, reset_sigma_S: float) -> None:
        """Reset every device to rest (with the measured spread of the reset state) and write ``w``
        open loop: round(|w| / step) pulses away on the device that carries its sign."""
        if reset_sigma_S > 0:
            xi = torch.randn(self.g.shape, generator=self.generator, dtype=self.g.dtype, device=self.g.device)
            self.g = (self.response.rest_S + reset_sigma_S * xi).clamp(self.low, self.high)
        n = torch.round(w / self.step_weight()).clamp(-(self.response.levels - 1), self.response.levels - 1)
        n = n.to(torch.int64)
        pos = self.response.positive_side
        self.move(pos, n.clamp(min=0), self.response.away)
        self.move(1 - pos, (-n).clamp(min=0), self.response.away)

    def update(self, inc: Tensor, dec: Tensor, inc_first: bool = True) -> None:
        """Apply ``inc`` pulses that raise the weights and ``dec`` that lower them (outputs, rows)."""
        sel = torch.nonzero((inc + dec).reshape(-1)).squeeze(1)  # the pulsed pairs, worked on compressed
        if not sel.numel():
            return
        pulsed = _Pulsed(self, sel)
        pos = self.response.positive_side
        phases = [(inc.reshape(-1)[sel], pos), (dec.reshape(-1)[sel], 1 - pos)]
        for n, grow in phases if inc_first else phases[::-1]:
            pulsed.phase(n, grow)
        pulsed.store()

    def move(self, side: int, n: Tensor, direction: Direction) -> None:
        """``n`` pulses (≥ 0, per device) of ``direction`` on the devices of ``side``."""
        sel = torch.nonzero(n.reshape(-1)).squeeze(1)
        if not sel.numel():
            return
        pulsed = _Pulsed(self, sel)
        pulsed.move(side, n.reshape(-1)[sel], direction)
        pulsed.store()


class _Pulsed:
    """The pairs of a :class:`PulsedPairs` that receive pulses in a step, gathered into flat vectors
    (a batch pulses a fraction of a layer's devices; every operation here touches only those)."""

    def __init__(self, pairs: PulsedPairs, sel: Tensor) -> None:
        self.pairs, self.sel = pairs, sel

        def gather(t: Tensor) -> Tensor:
            return t.reshape(2, -1)[:, sel]

        self.g = gather(pairs.g)
        self.factor, self.low, self.high = gather(pairs.factor), gather(pairs.low), gather(pairs.high)

    def store(self) -> None:
        self.pairs.g.view(2, -1)[:, self.sel] = self.g

    def phase(self, n: Tensor, grow: int) -> None:
        """``n`` pulses towards the sign carried by device ``grow``: where the other device carries the
        weight, back on it first, the rest away on ``grow``."""
        response = self.pairs.response
        shrink = 1 - grow
        grow_sign = 1.0 if grow == response.positive_side else -1.0  # the sign `grow` carries
        other_sign = (self.g[0] - self.g[1]) * grow_sign < 0
        g = self.g[shrink]
        distance = (response.back_rest_position - response.back.position(g)) / self.factor[shrink]
        needed = torch.round(distance.clamp(min=0)).to(n.dtype)
        back = torch.where(other_sign, torch.minimum(n, needed), torch.zeros_like(n))
        self.move(shrink, back, response.back)
        self.move(grow, n - back, response.away)

    def move(self, side: int, n: Tensor, direction: Direction) -> None:
        """``n`` pulses (≥ 0) of ``direction`` on the devices of ``side``, each by its own step factor and
        every pulse with its cycle-to-cycle spread; clamped to each device's bounds."""
        g = self.g[side]
        k = n.to(g.dtype)
        advance = k
        if direction.noise_rel > 0:
            xi = torch.randn(k.shape, generator=self.pairs.generator, dtype=g.dtype, device=g.device)
            advance = k + direction.noise_rel * k.sqrt() * xi
        moved = direction.conductance(direction.position(g) + self.factor[side] * advance)
        moved = torch.minimum(torch.maximum(moved, self.low[side]), self.high[side])
        self.g[side] = torch.where(n > 0, moved, g)
