"""The measured response of a device to one programming pulse, as a function of its present conductance.

A programming mode's level table is the device's mean trajectory under repeated pulses: level n is the
mean conductance after n pulses. Read backwards, it gives every conductance g a **pulse coordinate**
ℓ(g), the (fractional) number of pulses the nominal device needs from the start of the table to reach g.
A pulse from g then moves the device to g(ℓ(g) + 1): the step is the local slope of the measured curve,
so its non-linearity (smaller steps towards saturation, as in soft-bounds devices) comes from the data,
not from a fitted law. Between levels the trajectory is linear; beyond the table's ends it continues
with the end steps, up to each device's own bound.

A device of the chip has its own step factor f = 1 + δ (device-to-device spread, δ ~ N(0, d2d_update),
floored as in open-loop programming) and every pulse its own cycle-to-cycle spread: k pulses advance
the pulse coordinate by f·(k + r·√k·ξ), ξ ~ N(0, 1). The per-pulse spread r is the mode's mean σ/step
over √(L−1): k independent pulse spreads add up to the measured σ of the top level after L−1 pulses
(the measured σ of a state is that of the whole train that wrote it).

One update pulse is one level of the table (``pulses_per_level`` device pulses of a fine-step device),
as one AIHWKIT pulse is in ``memtwin export aihwkit``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from memtwin.devices.model import MODES, DeviceModel, ModeLevels


def interp_extrapolated(x: Tensor, xp: Tensor, fp: Tensor, segment: Tensor | None = None) -> Tensor:
    """The piecewise-linear function through (``xp``, ``fp``) at ``x`` (``xp`` ascending), continued
    beyond the ends along the end segments; ``segment``: the segment of each x where already known."""
    if segment is None:
        segment = torch.searchsorted(xp, x.contiguous(), right=True) - 1
    i = segment.clamp(0, xp.numel() - 2)
    x0, x1, y0, y1 = xp[i], xp[i + 1], fp[i], fp[i + 1]
    return y0 + (x - x0) * ((y1 - y0) / (x1 - x0))


@dataclass(frozen=True)
class Segments:
    """A piecewise-linear function as its knots and each segment's slope (one look-up fewer per call)."""

    xp: Tensor
    fp: Tensor
    slope: Tensor

    @classmethod
    def of(cls, xp: Tensor, fp: Tensor) -> Segments:
        return cls(xp, fp, (fp[1:] - fp[:-1]) / (xp[1:] - xp[:-1]))

    def __call__(self, x: Tensor, segment: Tensor) -> Tensor:
        i = segment.clamp(0, self.xp.numel() - 2)
        return self.fp[i] + (x - self.xp[i]) * self.slope[i]


@dataclass(frozen=True)
class SegmentFinder:
    """Which segment of an ascending table holds each value, by arithmetic on a uniform grid of buckets
    (a binary search costs ~25× more on a CPU and runs for every pulsed device of every batch): a bucket
    that holds at most one level answers with one comparison; the rare ones that hold more (steep tails)
    fall back to the search."""

    xp: Tensor
    lo: float
    width: float
    first: Tensor  # segment at each bucket's start
    crossed: Tensor  # levels inside each bucket

    @classmethod
    def of(cls, xp: Tensor, per_segment: int = 4) -> SegmentFinder:
        buckets = per_segment * (xp.numel() - 1)
        lo, hi = float(xp[0]), float(xp[-1])
        width = (hi - lo) / buckets
        edges = lo + width * torch.arange(buckets + 1, dtype=torch.float64)
        segment = torch.searchsorted(xp.double(), edges, right=True) - 1
        crossed = segment[1:] - segment[:-1]
        return cls(xp, lo, width, segment[:-1].to(xp.device), crossed.to(xp.device))

    def __call__(self, x: Tensor) -> Tensor:
        k = ((x - self.lo) / self.width).floor().clamp(0, self.first.numel() - 1).to(torch.int64)
        segment = self.first[k]
        crossed = self.crossed[k]
        nxt = self.xp[(segment + 1).clamp(max=self.xp.numel() - 1)]
        segment = segment + ((crossed == 1) & (x >= nxt)).to(torch.int64)
        unsure = torch.nonzero((crossed > 1) | (x < self.lo) | (x >= float(self.xp[-1]))).squeeze(1)
        if unsure.numel():
            segment[unsure] = torch.searchsorted(self.xp, x[unsure].contiguous(), right=True) - 1
        return segment


@dataclass(frozen=True)
class Direction:
    """The response to pulses of one programming direction (one level table)."""

    name: str
    pulses: Tensor  # 0, 1, …, L−1
    g_S: Tensor  # level conductances in pulse order
    g_ascending_S: Tensor
    pulses_ascending: Tensor
    noise_rel: float  # per-pulse cycle-to-cycle spread, relative to the step
    finder: SegmentFinder | None = None
    inverse: Segments | None = None  # ℓ(g)
    forward: Segments | None = None  # g(ℓ)
    linear_step_S: float | None = None  # every step equal: positions by one multiply, no search
    g0_S: float = 0.0  # the first level, as a number (read on every pulse)
    increasing: bool = True  # the levels rise with the pulses

    @classmethod
    def of(
        cls, name: str, mode: ModeLevels, dtype: torch.dtype, torch_device: torch.device | str
    ) -> Direction:
        g = torch.tensor(mode.g_levels_S, dtype=torch.float64)
        n = torch.arange(mode.levels, dtype=torch.float64)
        order = torch.argsort(g)
        noise_rel = mode.sigma_mean_S / mode.mean_step_S / math.sqrt(mode.levels - 1)

        def put(t: Tensor) -> Tensor:
            return t.to(dtype=dtype, device=torch_device)

        levels = mode.g_levels_S
        step = (levels[-1] - levels[0]) / (mode.levels - 1)
        tolerance = 1e-9 * abs(levels[-1] - levels[0])
        linear = all(abs(gn - (levels[0] + i * step)) <= tolerance for i, gn in enumerate(levels))
        g_ascending = put(g[order])
        n_ascending = put(n[order])
        return cls(
            name, put(n), put(g), g_ascending, n_ascending, noise_rel,
            None if linear else SegmentFinder.of(g_ascending),
            Segments.of(g_ascending, n_ascending), Segments.of(put(n), put(g)), step if linear else None,
            levels[0], levels[-1] > levels[0],
        )  # fmt: skip

    def position(self, g_S: Tensor) -> Tensor:
        """The pulse coordinate ℓ(g) (see the module docstring)."""
        if self.linear_step_S is not None:
            return (g_S - self.g0_S) / self.linear_step_S
        assert self.finder is not None and self.inverse is not None
        flat = g_S.reshape(-1)
        return self.inverse(flat, self.finder(flat)).view(g_S.shape)

    def conductance(self, position: Tensor) -> Tensor:
        """The nominal conductance at pulse coordinate ``position``."""
        if self.linear_step_S is not None:
            return self.g0_S + position * self.linear_step_S
        assert self.forward is not None
        segment = position.detach().floor().to(torch.int64)  # levels sit at whole pulse counts
        return self.forward(position, segment)

    def step_at(self, g_S: Tensor) -> Tensor:
        """The nominal change of conductance by one pulse from ``g_S`` (signed)."""
        return self.conductance(self.position(g_S) + 1.0) - g_S


@dataclass(frozen=True)
class PairResponse:
    """How the pairs of a chip programmed in ``mode`` respond to pulses.

    Both devices of a pair rest at the start of the mode's levels (weight 0). The device that carries
    the weight's sign moves **away** from rest in the mode's own direction (potentiation in potentiation
    mode) to raise |w|, and **back** in the other direction, by the other mode's measured response, to
    lower it. ``far_S`` is the nominal far bound (the other end of the device's measured range);
    ``top_delta_S`` the conductance change of the mode's top level, which the weight scale refers to as
    in inference (``w = scale · (G⁺ − G⁻) / top_delta``)."""

    mode: str
    away: Direction
    back: Direction
    rest_S: float
    far_S: float
    top_delta_S: float
    levels: int
    back_rest_position: float  # where rest lies in the pulse coordinate of the back direction

    @classmethod
    def of(
        cls,
        device: DeviceModel,
        mode: str,
        dtype: torch.dtype = torch.float32,
        torch_device: torch.device | str = "cpu",
    ) -> PairResponse:
        other = MODES[1 - MODES.index(mode)]
        own = device.mode(mode)
        away = Direction.of(mode, own, dtype, torch_device)
        back = Direction.of(other, device.mode(other), dtype, torch_device)
        every = (*device.potentiation.g_levels_S, *device.depression.g_levels_S)
        far = max(every) if away.increasing else min(every)
        top_delta = abs(own.g_levels_S[-1] - own.g_levels_S[0])
        rest = own.g_levels_S[0]
        back_rest = float(back.position(torch.tensor([rest], dtype=dtype, device=torch_device))[0])
        return cls(mode, away, back, rest, far, top_delta, own.levels, back_rest)

    @property
    def positive_side(self) -> int:
        """The device of the pair that carries a positive weight: G⁺ (0) when the mode raises the
        conductance, else G⁻ (1), as in :mod:`memtwin.crossbar.mapping`."""
        return 0 if self.away.increasing else 1

    @property
    def mean_step_S(self) -> float:
        """The mode's mean step: what one pulse is worth in the weight scale."""
        return self.top_delta_S / (self.levels - 1)


def response_curves(device: DeviceModel, points: int = 200) -> dict[str, dict[str, list[float]]]:
    """Δg per pulse against g in both directions, over each table's range (the report's update-response
    figure): ``{direction: {"g_S", "step_S", "spread_S"}}``; ``spread_S`` is one pulse's cycle-to-cycle
    standard deviation (the device-to-device spread scales the whole curve by 1 + δ)."""
    out: dict[str, dict[str, list[float]]] = {}
    for mode in MODES:
        direction = Direction.of(mode, device.mode(mode), torch.float64, "cpu")
        lo, hi = float(direction.g_ascending_S[0]), float(direction.g_ascending_S[-1])
        g = torch.linspace(lo, hi, points, dtype=torch.float64)
        step = direction.step_at(g)
        out[mode] = {
            "g_S": g.tolist(),
            "step_S": step.tolist(),
            "spread_S": (step.abs() * direction.noise_rel).tolist(),
        }
    return out
