"""Open-loop programming of conductances, one small function per physical effect.

For a device that receives n pulses of a mode with level means g_n and cycle-to-cycle sigmas σ_n
(Δ_n = g_n − g_0, nominal top change Δ_top = Δ_{L−1}), the programmed conductance is

    g = g_0·(1 + o) + sat(Δ_n·(1 + δ); |Δ_top|·(1 + β)) + σ_n·ε

* ``δ ~ N(0, d2d_update)`` — device-to-device spread of the conductance update (AIHWKIT's pulsed
  device semantics, design notes §5): every pulse of this device moves it by step·(1 + δ). The factor
  1 + δ is floored at :data:`MIN_FACTOR` so the step keeps its sign (a device never programs backwards);
  at 30 % spread this floor touches 4·10⁻⁴ of the devices.
* ``β ~ N(0, d2d_bounds)`` — device-to-device spread of the reachable extreme state: |Δ| saturates at
  |Δ_top|·(1 + β), so a device may saturate below the nominal top level (β < 0) or have headroom above it
  (β > 0, which matters only for devices whose step is larger than nominal). Same floor.
* ``o ~ N(0, d2d_offset)`` — an optional per-device relative offset of the zero state (default 0; the
  paper's 30 % is *not* an offset, see design notes §5).
* ``ε ~ N(0, 1)`` with the target level's σ_n — cycle-to-cycle programming noise. The device left at
  level 0 was still reset to the start of the range, so it gets level 0's σ.
* Stuck-at faults: with probability ``stuck_at_min_rate`` / ``stuck_at_max_rate`` a device sits at the
  lowest / highest conductance of the mode's table whatever it was programmed to.
* Conductances are clamped at 0 S (a Gaussian tail cannot make a negative conductance).

Every draw comes from the ``torch.Generator`` passed in (see :mod:`memtwin.crossbar.seeding`), in a fixed
order (δ, β, o, ε, stuck-at), and only the draws whose spread is non-zero are made.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from memtwin.devices.model import ModeLevels, Variability

#: Floor of the per-device update and bound factors 1 + δ and 1 + β.
MIN_FACTOR = 0.01


@dataclass(frozen=True)
class LevelTable:
    """A programming mode's level table as tensors on the simulation's torch device."""

    g_S: Tensor
    sigma_S: Tensor
    levels: int
    g0_S: float
    top_delta_S: float
    g_min_S: float
    g_max_S: float
    increasing: bool
    linear_step_S: float | None = None  # Δ_n = n·step exactly (a table built on a linear fit)
    uniform_sigma_S: float | None = None  # the same σ for every level

    @classmethod
    def from_mode(
        cls, mode: ModeLevels, torch_device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32
    ) -> LevelTable:
        g = torch.tensor(mode.g_levels_S, dtype=dtype, device=torch_device)
        s = torch.tensor(mode.sigma_S, dtype=dtype, device=torch_device)
        g_levels = mode.g_levels_S
        step = (g_levels[-1] - g_levels[0]) / (mode.levels - 1)
        linear = all(
            abs(gn - (g_levels[0] + n * step)) <= 1e-9 * abs(g_levels[-1] - g_levels[0])
            for n, gn in enumerate(g_levels)
        )
        uniform = all(sn == mode.sigma_S[0] for sn in mode.sigma_S)
        return cls(
            g_S=g,
            sigma_S=s,
            levels=mode.levels,
            g0_S=g_levels[0],
            top_delta_S=abs(g_levels[-1] - g_levels[0]),
            g_min_S=min(g_levels),
            g_max_S=max(g_levels),
            increasing=g_levels[-1] > g_levels[0],
            linear_step_S=step if linear else None,
            uniform_sigma_S=mode.sigma_S[0] if uniform else None,
        )

    def out_factor(self, scale: Tensor) -> Tensor:
        """The digital output scale from conductance back to weight units, per column: scale/|Δ_top|."""
        return scale / self.top_delta_S

    @property
    def delta_S(self) -> Tensor:
        """Δ_n = g_n − g_0 (negative in a depressing mode)."""
        return self.g_S - self.g_S[0]

    @property
    def direction(self) -> float:
        return 1.0 if self.increasing else -1.0


def lookup(values: Tensor, index: Tensor) -> Tensor:
    """``values[index]`` for a 1-D ``values`` and an integer ``index`` of any shape: the same numbers as
    advanced indexing, by ``index_select`` (several times faster on a CPU, where this runs on every device
    of every hardware-aware-training batch)."""
    if index.dtype not in (torch.int64, torch.int32):
        return values[index]
    return values.index_select(0, index.reshape(-1)).view(index.shape)


def level_delta(table: LevelTable, n: Tensor) -> Tensor:
    """Nominal conductance change Δ_n after n pulses (a new tensor).

    Integer ``n``: a table look-up. Floating ``n`` (hardware-aware training): linear interpolation between
    neighbouring levels, which equals the table at integer n and gives the local slope as gradient.
    """
    delta = table.delta_S
    if not torch.is_floating_point(n):
        return lookup(delta, n)
    if table.linear_step_S is not None:  # exact for linear tables, one multiply instead of a look-up
        return n * table.linear_step_S
    n0 = torch.floor(n.detach()).clamp(0, table.levels - 2)
    frac = n - n0
    i0 = n0.to(torch.int64)
    d0 = delta[i0]
    return d0 + frac * (delta[i0 + 1] - d0)


def level_sigma(table: LevelTable, n: Tensor) -> Tensor | float:
    """Cycle-to-cycle σ of the level each device is programmed to."""
    if table.uniform_sigma_S is not None:
        return table.uniform_sigma_S
    idx = n if not torch.is_floating_point(n) else torch.round(n.detach()).to(torch.int64)
    return lookup(table.sigma_S, idx.clamp(0, table.levels - 1))


@dataclass(frozen=True)
class DeviceDraws:
    """The random numbers of one programming of a set of devices (``None``: that spread is zero)."""

    update: Tensor | None
    bound: Tensor | None
    offset: Tensor | None
    noise: Tensor
    stuck_u: Tensor | None


def draw_devices(
    shape: tuple[int, ...],
    variability: Variability,
    generator: torch.Generator,
    dtype: torch.dtype = torch.float32,
    *,
    pair_shared_update: bool = False,
    noise_draws: int | None = None,
    widen: float = 1.0,
) -> DeviceDraws:
    """Draw everything one programming needs for devices of ``shape``, on the generator's device.

    ``pair_shared_update``: ``shape`` is (2, …) for (G⁺, G⁻) pairs and the update and bound spreads are
    drawn once per pair (shape (1, …)). Only the pulsed device of a pair uses them — the other stays at
    level 0, where Δ = 0 — so this is the same distribution with a third fewer random numbers
    (hardware-aware training draws these every batch).

    ``noise_draws``: one cycle-to-cycle draw per write, shape (noise_draws, *shape), for
    program-and-verify (:mod:`memtwin.crossbar.verify`); None: one draw of ``shape`` (open loop).

    ``widen``: the same as ``scale_draws(draw_devices(...), widen)``, number for number, without the
    copies (each draw is widened in place).
    """
    torch_device = generator.device
    pair_shape = (1, *shape[1:]) if pair_shared_update else shape

    def normal(std: float, size: tuple[int, ...]) -> Tensor:
        # (ε·std)·widen, the rounding of scale_draws(ε * std, widen), in place
        draw = torch.randn(size, generator=generator, device=torch_device, dtype=dtype)
        if std != 1.0:
            draw.mul_(std)
        return draw.mul_(widen) if widen != 1.0 else draw

    update = normal(variability.d2d_update, pair_shape) if variability.d2d_update != 0 else None
    bound = normal(variability.d2d_bounds, pair_shape) if variability.d2d_bounds != 0 else None
    offset = normal(variability.d2d_offset, shape) if variability.d2d_offset != 0 else None
    noise_shape = shape if noise_draws is None else (noise_draws, *shape)
    noise = normal(1.0, noise_shape)
    stuck = None
    if variability.stuck_at_min_rate > 0 or variability.stuck_at_max_rate > 0:
        stuck = torch.rand(shape, generator=generator, device=torch_device, dtype=dtype)
    return DeviceDraws(update=update, bound=bound, offset=offset, noise=noise, stuck_u=stuck)


def scale_draws(draws: DeviceDraws, factor: float) -> DeviceDraws:
    """The same draws with every spread (update, bound, offset, cycle-to-cycle) ``factor`` times wider;
    stuck-at draws are kept. Hardware-aware training may train against a noisier device than the real one."""
    if factor == 1.0:
        return draws

    def widen(t: Tensor | None) -> Tensor | None:
        return None if t is None else t * factor

    return DeviceDraws(
        update=widen(draws.update),
        bound=widen(draws.bound),
        offset=widen(draws.offset),
        noise=draws.noise * factor,
        stuck_u=draws.stuck_u,
    )


def spread_update(delta_S: Tensor, update: Tensor | None) -> Tensor:
    """Δ·(1 + δ): this device's pulses are larger or smaller than nominal (factor floored)."""
    if update is None:
        return delta_S
    return delta_S * (1.0 + update).clamp(min=MIN_FACTOR)


def saturate(delta_S: Tensor, table: LevelTable, bound: Tensor | None) -> Tensor:
    """Saturate |Δ| at this device's own extreme, |Δ_top|·(1 + β) (nominal: |Δ_top|)."""
    d = table.direction
    magnitude = delta_S * d  # >= 0
    # clamp()/where(), not minimum(): a device exactly at its bound (every top-level weight without bound
    # spread) passes the full gradient in hardware-aware training, not half of it.
    if bound is None:
        return d * magnitude.clamp(max=table.top_delta_S)
    cap = table.top_delta_S * (1.0 + bound).clamp(min=MIN_FACTOR)
    return d * torch.where(magnitude > cap, cap, magnitude)


def zero_state(table: LevelTable, offset: Tensor | None, like: Tensor) -> Tensor | float:
    """The conductance of the device's level 0: g_0·(1 + o)."""
    if offset is None:
        return table.g0_S
    return table.g0_S * (1.0 + offset)


def programming_noise(sigma_S: Tensor | float, noise: Tensor) -> Tensor:
    """Cycle-to-cycle programming error σ_n·ε."""
    return sigma_S * noise


def stuck_at(g_S: Tensor, table: LevelTable, variability: Variability, stuck_u: Tensor | None) -> Tensor:
    """Replace faulty devices by the table's lowest / highest conductance."""
    if stuck_u is None:
        return g_S
    p_min = variability.stuck_at_min_rate
    p_max = variability.stuck_at_max_rate
    lo = torch.full_like(g_S, table.g_min_S)
    hi = torch.full_like(g_S, table.g_max_S)
    g_S = torch.where(stuck_u < p_min, lo, g_S)
    return torch.where((stuck_u >= p_min) & (stuck_u < p_min + p_max), hi, g_S)


def program_conductances(
    n: Tensor, table: LevelTable, variability: Variability, draws: DeviceDraws
) -> Tensor:
    """Conductances (S) of devices that received ``n`` pulses (int, or float with gradient for HWAT)."""
    delta = level_delta(table, n)
    delta = saturate(spread_update(delta, draws.update), table, draws.bound)
    g = zero_state(table, draws.offset, delta) + delta
    g = g + programming_noise(level_sigma(table, n), draws.noise)
    g = stuck_at(g, table, variability, draws.stuck_u)
    return g.clamp(min=0.0)


def level_slope(table: LevelTable, n: Tensor) -> Tensor | float:
    """dΔ/dn at integer pulse counts: the step to the next level (the last level: the step to it), i.e.
    the slope of :func:`level_delta`'s interpolation; signed (negative in a depressing mode)."""
    if table.linear_step_S is not None:
        return table.linear_step_S
    delta = table.delta_S
    n0 = n.clamp(0, table.levels - 2)
    return lookup(delta, n0 + 1) - lookup(delta, n0)


def program_conductances_with_slope(
    n: Tensor, table: LevelTable, variability: Variability, draws: DeviceDraws
) -> tuple[Tensor, Tensor]:
    """:func:`program_conductances` for integer ``n``, plus the straight-through derivative dG/dn of every
    device: the level slope times the device's update factor 1 + δ, and 0 where the device saturated at
    its bound, is stuck, or was clamped at 0 S. This is exactly the gradient autograd gives
    :func:`program_conductances` with a straight-through float ``n``; hardware-aware training uses it to
    skip autograd on the weight side (one multiply in the backward pass instead of ~40 operations).

    Hardware-aware training runs this on every device of every batch, so it works in place on its own
    temporaries; every step is the operation of the plain formula (operands commuted at most, which
    IEEE arithmetic rounds identically), so the numbers are the same bit for bit.
    """
    if not _fits(n, draws):  # draws of a larger shape than n (broadcast): the plain formula
        return _program_with_slope_plain(n, table, variability, draws)
    factor: Tensor | float = 1.0
    if draws.update is not None:
        factor = (1.0 + draws.update).clamp_(min=MIN_FACTOR)
    # magnitude = Δ_n·(1 + δ)·d  (× 1 is exact, × −1 a negation), a new tensor of n's shape
    magnitude = level_delta(table, n)
    if draws.update is not None:
        magnitude.mul_(factor)
    if not table.increasing:
        magnitude.neg_()
    if draws.bound is None:
        cap: Tensor | float = table.top_delta_S
    else:
        cap = (1.0 + draws.bound).clamp_(min=MIN_FACTOR).mul_(table.top_delta_S)
    free = magnitude <= cap
    # where(free, magnitude, cap) is min(magnitude, cap): all finite, cap > 0
    g = magnitude.clamp_(max=cap) if isinstance(cap, float) else torch.minimum(magnitude, cap, out=magnitude)
    if not table.increasing:
        g.neg_()
    g.add_(zero_state(table, draws.offset, g))
    g.add_(programming_noise(level_sigma(table, n), draws.noise))
    g = stuck_at(g, table, variability, draws.stuck_u)
    # On a CPU, no device below 0 S (the common case; one reduction tells, and reading it costs no
    # device synchronization): keep = free and the clamp is a no-op.
    clamped = g.device.type != "cpu" or not (g.numel() == 0 or bool(g.amin() >= 0))
    keep = free.logical_and_(g >= 0) if clamped else free
    if draws.stuck_u is not None:
        p_stuck = variability.stuck_at_min_rate + variability.stuck_at_max_rate
        keep = keep.logical_and_(draws.stuck_u >= p_stuck)
    step = level_slope(table, n) * factor
    # × keep as the product promotes it (1/0 in step's dtype, the default one for a Python float)
    dtype = step.dtype if isinstance(step, Tensor) else torch.get_default_dtype()
    slope = step * keep.view(torch.uint8).to(dtype)
    return (g.clamp_(min=0.0) if clamped else g), slope


def _fits(n: Tensor, draws: DeviceDraws) -> bool:
    """Whether every draw broadcasts to ``n``'s shape (the in-place steps write tensors of that shape)."""
    shape = tuple(n.shape)
    parts = (draws.update, draws.bound, draws.offset, draws.noise, draws.stuck_u)
    return all(t is None or torch.broadcast_shapes(tuple(t.shape), shape) == shape for t in parts)


def _program_with_slope_plain(
    n: Tensor, table: LevelTable, variability: Variability, draws: DeviceDraws
) -> tuple[Tensor, Tensor]:
    """:func:`program_conductances_with_slope` step by step, without in-place operations."""
    delta = level_delta(table, n)
    factor: Tensor | float = 1.0
    if draws.update is not None:
        factor = (1.0 + draws.update).clamp(min=MIN_FACTOR)
    spread = delta * factor
    magnitude = spread * table.direction
    if draws.bound is None:
        cap: Tensor | float = table.top_delta_S
    else:
        cap = table.top_delta_S * (1.0 + draws.bound).clamp(min=MIN_FACTOR)
    free = magnitude <= cap
    g = zero_state(table, draws.offset, delta) + table.direction * torch.where(free, magnitude, cap)
    g = g + programming_noise(level_sigma(table, n), draws.noise)
    g = stuck_at(g, table, variability, draws.stuck_u)
    keep = free & (g >= 0)
    if draws.stuck_u is not None:
        p_stuck = variability.stuck_at_min_rate + variability.stuck_at_max_rate
        keep = keep & (draws.stuck_u >= p_stuck)
    slope = level_slope(table, n) * factor * keep
    return g.clamp(min=0.0), slope
