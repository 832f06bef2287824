"""The device model: what a crossbar simulation needs to know about one memristor technology.

All values are SI (siemens, volts, seconds, joules). A device has two programming modes; in each, a
weight is written open-loop as a number of pulses n = 0..L-1 along the mode's linear range, and
level n has a measured mean conductance and a cycle-to-cycle programming sigma.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from memtwin.errors import ConfigError

MODES = ("potentiation", "depression")


@dataclass(frozen=True)
class ModeLevels:
    """Levels of one programming mode, in pulse order: ``g_levels_S[n]`` is the mean conductance
    after n pulses from the start of the linear range (n = 0 is weight 0)."""

    g_levels_S: tuple[float, ...]
    sigma_S: tuple[float, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "g_levels_S", tuple(float(g) for g in self.g_levels_S))
        object.__setattr__(self, "sigma_S", tuple(float(s) for s in self.sigma_S))
        if len(self.g_levels_S) < 2:
            raise ConfigError(
                f"a programming mode needs at least 2 levels, got {len(self.g_levels_S)}"
            )
        if len(self.sigma_S) != len(self.g_levels_S):
            raise ConfigError(
                f"sigma_S has {len(self.sigma_S)} values but there are {len(self.g_levels_S)} levels"
            )
        for i, g in enumerate(self.g_levels_S):
            if not (math.isfinite(g) and g > 0):
                raise ConfigError(f"level {i}: conductance must be positive and finite, got {g} S")
        for i, s in enumerate(self.sigma_S):
            if not (math.isfinite(s) and s >= 0):
                raise ConfigError(f"level {i}: sigma must be >= 0 and finite, got {s} S")
        steps = [b - a for a, b in zip(self.g_levels_S, self.g_levels_S[1:])]
        if not (all(s > 0 for s in steps) or all(s < 0 for s in steps)):
            raise ConfigError("level conductances must change monotonically with pulse number")

    @property
    def levels(self) -> int:
        return len(self.g_levels_S)

    @property
    def g_start_S(self) -> float:
        return self.g_levels_S[0]

    @property
    def mean_step_S(self) -> float:
        """Mean |conductance change| per pulse over the range (the bin width)."""
        return abs(self.g_levels_S[-1] - self.g_levels_S[0]) / (self.levels - 1)

    @property
    def sigma_mean_S(self) -> float:
        return sum(self.sigma_S) / len(self.sigma_S)

    @classmethod
    def linear(cls, g_start_S: float, step_S: float, levels: int, sigma_S: float) -> ModeLevels:
        """Evenly spaced levels (``step_S`` negative for a depressing mode) with one sigma for all."""
        if levels < 2:
            raise ConfigError(f"levels must be >= 2, got {levels}")
        return cls(
            g_levels_S=tuple(g_start_S + n * step_S for n in range(levels)),
            sigma_S=(sigma_S,) * levels,
        )


@dataclass(frozen=True)
class PulseScheme:
    """How the device is programmed; optional facts used for cost and comparison."""

    max_voltage_V: float | None = None
    energy_per_cycle_J: float | None = None
    pulses_per_cycle: int | None = None
    amplitudes_V: tuple[float, ...] = ()
    widths_s: tuple[float, ...] = ()


@dataclass(frozen=True)
class Variability:
    """Device-to-device spread (relative standard deviations) and stuck-at faults.

    ``d2d_update``: per-device spread of the conductance step, step * (1 + delta), delta ~ N(0, d2d_update)
    and kept positive. ``d2d_bounds``: per-device spread of the maximum reachable state (a device may
    saturate below the nominal top level). ``d2d_offset``: a separate per-device relative offset of the
    zero state (default 0; not part of the paper's model).
    """

    d2d_update: float = 0.3
    d2d_bounds: float = 0.3
    d2d_offset: float = 0.0
    read_noise_rel: float = 0.0
    stuck_at_min_rate: float = 0.0
    stuck_at_max_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("d2d_update", "d2d_bounds", "d2d_offset", "read_noise_rel"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ConfigError(f"{name} must be >= 0, got {v}")
        for name in ("stuck_at_min_rate", "stuck_at_max_rate"):
            v = getattr(self, name)
            if not (0 <= v <= 1):
                raise ConfigError(f"{name} must be within [0, 1], got {v}")
        if self.stuck_at_min_rate + self.stuck_at_max_rate > 1:
            raise ConfigError("stuck-at rates add up to more than 1")


@dataclass(frozen=True)
class DeviceModel:
    """A memristor technology as the crossbar simulation sees it.

    ``drift`` names a drift model (see :mod:`memtwin.devices.drift`) with its parameters, e.g.
    ``{"kind": "none"}``, ``{"kind": "power_law", "nu": 0.005}``.
    """

    name: str
    potentiation: ModeLevels
    depression: ModeLevels
    variability: Variability = field(default_factory=Variability)
    drift: dict[str, object] = field(default_factory=lambda: {"kind": "none"})
    pulse_scheme: PulseScheme = field(default_factory=PulseScheme)
    citation: str = ""
    notes: str = ""

    def mode(self, name: str) -> ModeLevels:
        if name not in MODES:
            raise ConfigError(f"unknown programming mode {name!r}; expected one of {', '.join(MODES)}")
        return self.potentiation if name == "potentiation" else self.depression
