"""Result dataclasses of a characterization and their JSON form (one device).

The one-device object of ``characterization.json`` (SI units everywhere, NaN written as ``null``) is
:meth:`Characterization.to_dict`: ``"schema": "memtwin.characterization/1"`` and, among others, the keys
``device, source, cycles, potentiation, depression, bins, bits, sigma_mean_S, symmetry, on_off_ratio,
energy_per_cycle_J ({mean, std, ...} or null), max_programming_voltage_V (or null)``; each phase holds
``linear_range [first_pulse, last_pulse], levels, pulses_per_level, level_pulses, sigma_source,
slope_S_per_pulse, intercept_S, r2, sigma_mean_S, bin_width_S, level_means_S, level_sigmas_S``. The file
of one or several devices, with the spread over them, is :mod:`memtwin.characterization.sets`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from memtwin import __version__
from memtwin.characterization.levels import CYCLE_TO_CYCLE
from memtwin.characterization.linear import LinearRangeCriteria
from memtwin.characterization.metrics import EnergyStats, ExponentialFit

SCHEMA = "memtwin.characterization/1"
SET_SCHEMA = "memtwin.characterization-set/1"


def _num(x: float | None) -> float | None:
    """JSON has no NaN/inf: write them as null."""
    if x is None:
        return None
    xf = float(x)
    return xf if math.isfinite(xf) else None


def _nums(xs: Sequence[float]) -> list[float | None]:
    return [_num(x) for x in xs]


def _f(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _fs(xs: Sequence[Any]) -> tuple[float, ...]:
    return tuple(_f(x) for x in xs)


def _opt(x: Any) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True)
class PhaseCharacterization:
    """Figures of merit of one phase (programming mode) of one device.

    ``level_means_S``/``level_sigmas_S`` are the mean and cycle-to-cycle sigma of each level of the linear
    range in pulse order (level 0 = first pulse of the range = weight 0); the device model is built from
    them. ``pulses_per_level`` pulses separate neighbouring levels (1: every pulse is a level; more for a
    fine-step device, see :mod:`memtwin.characterization.levels`), so ``bin_width_S`` is
    ``|slope| · pulses_per_level``; ``mean_step_S`` is ``|G_last − G_first| / (levels − 1)``.
    ``sigma_source``: ``cycle_to_cycle`` (measured over the cycles) or ``fit_residuals`` (one cycle).
    ``range_smoothing_pulses``: the range's R² criterion was judged on means of this many consecutive
    pulses (noise far above a step would otherwise read as curvature); ``r2`` is always the per-pulse
    fit's.
    ``bins`` counts the differential values of a pair with both devices in this mode. ``pulses``,
    ``mean_S``, ``sigma_S`` describe the whole ramp.
    """

    phase: str
    linear_range: tuple[int, int]
    levels: int
    slope_S_per_pulse: float
    intercept_S: float
    r2: float
    sigma_mean_S: float
    bin_width_S: float
    mean_step_S: float
    level_means_S: tuple[float, ...]
    level_sigmas_S: tuple[float, ...]
    bins: int
    bits: float
    min_separation_sigma: float
    range_automatic: bool
    cycles: int
    pulses: tuple[int, ...]
    mean_S: tuple[float, ...]
    sigma_S: tuple[float, ...]
    nonlinearity: ExponentialFit
    pulses_per_level: int = 1
    sigma_source: str = CYCLE_TO_CYCLE
    range_smoothing_pulses: int = 1

    @property
    def level_pulses(self) -> tuple[int, ...]:
        """The pulse number of every level: the range's first pulse, then every ``pulses_per_level``."""
        first, p = self.linear_range[0], self.pulses_per_level
        return tuple(first + n * p for n in range(self.levels))

    def to_dict(self) -> dict[str, Any]:
        nl = self.nonlinearity
        return {
            "phase": self.phase,
            "linear_range": [self.linear_range[0], self.linear_range[1]],
            "levels": self.levels,
            "pulses_per_level": self.pulses_per_level,
            "level_pulses": list(self.level_pulses),
            "sigma_source": self.sigma_source,
            "range_smoothing_pulses": self.range_smoothing_pulses,
            "slope_S_per_pulse": _num(self.slope_S_per_pulse),
            "intercept_S": _num(self.intercept_S),
            "r2": _num(self.r2),
            "sigma_mean_S": _num(self.sigma_mean_S),
            "bin_width_S": _num(self.bin_width_S),
            "mean_step_S": _num(self.mean_step_S),
            "level_means_S": _nums(self.level_means_S),
            "level_sigmas_S": _nums(self.level_sigmas_S),
            "bins": self.bins,
            "bits": _num(self.bits),
            "min_separation_sigma": _num(self.min_separation_sigma),
            "range_automatic": self.range_automatic,
            "cycles": self.cycles,
            "ramp": {
                "pulses": list(self.pulses),
                "mean_S": _nums(self.mean_S),
                "sigma_S": _nums(self.sigma_S),
            },
            "nonlinearity": {
                "model": "G = G0 + B*(1 - exp(-(pulse - first_pulse)/A))",
                "A_pulses": _num(nl.A_pulses),
                "A_norm": _num(nl.A_norm),
                "B_S": _num(nl.B_S),
                "G0_S": _num(nl.G0_S),
                "r2": _num(nl.r2),
                "nonlinearity": _num(nl.nonlinearity),
            },
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PhaseCharacterization:
        ramp = d.get("ramp", {})
        nl = d.get("nonlinearity", {})
        return cls(
            phase=str(d["phase"]),
            linear_range=(int(d["linear_range"][0]), int(d["linear_range"][1])),
            levels=int(d["levels"]),
            slope_S_per_pulse=_f(d["slope_S_per_pulse"]),
            intercept_S=_f(d["intercept_S"]),
            r2=_f(d["r2"]),
            sigma_mean_S=_f(d["sigma_mean_S"]),
            bin_width_S=_f(d["bin_width_S"]),
            mean_step_S=_f(d.get("mean_step_S")),
            level_means_S=_fs(d["level_means_S"]),
            level_sigmas_S=_fs(d["level_sigmas_S"]),
            bins=int(d.get("bins", 0)),
            bits=_f(d.get("bits")),
            min_separation_sigma=_f(d.get("min_separation_sigma")),
            range_automatic=bool(d.get("range_automatic", True)),
            cycles=int(d.get("cycles", 0)),
            pulses=tuple(int(p) for p in ramp.get("pulses", [])),
            mean_S=_fs(ramp.get("mean_S", [])),
            sigma_S=_fs(ramp.get("sigma_S", [])),
            nonlinearity=ExponentialFit(
                A_pulses=_opt(nl.get("A_pulses")),
                A_norm=_opt(nl.get("A_norm")),
                B_S=_f(nl.get("B_S")),
                G0_S=_f(nl.get("G0_S")),
                r2=_f(nl.get("r2")),
                nonlinearity=_f(nl.get("nonlinearity")),
            ),
            pulses_per_level=int(d.get("pulses_per_level", 1)),
            sigma_source=str(d.get("sigma_source", CYCLE_TO_CYCLE)),
            range_smoothing_pulses=int(d.get("range_smoothing_pulses", 1)),
        )


@dataclass(frozen=True)
class Characterization:
    """All figures of merit of one device (Section III / Fig. 2 of the paper), SI units.

    ``bins``/``bits``: differential values of a pair with positive weights written by potentiation and
    negative ones by depression (see :mod:`memtwin.characterization.bins`); ``sigma_mean_S``: mean of the
    per-level sigmas of both linear ranges; ``symmetry``: ``min(|slope|)/max(|slope|)`` of the two phases
    (1 = symmetric), with more asymmetry measures in ``asymmetry``; ``on_off_ratio``: max over min mean
    conductance over the cycle.
    """

    device: str
    source: str
    cycles: int
    potentiation: PhaseCharacterization
    depression: PhaseCharacterization
    bins: int
    bits: float
    sigma_mean_S: float
    symmetry: float
    asymmetry: dict[str, float]
    on_off_ratio: float
    g_min_S: float
    g_max_S: float
    energy_per_cycle_J: EnergyStats | None
    max_programming_voltage_V: float | None
    criteria: LinearRangeCriteria = field(default_factory=LinearRangeCriteria)
    memtwin_version: str = __version__

    def phase(self, name: str) -> PhaseCharacterization:
        if name == "potentiation":
            return self.potentiation
        if name == "depression":
            return self.depression
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "device": self.device,
            "source": self.source,
            "cycles": self.cycles,
            "bins": self.bins,
            "bits": _num(self.bits),
            "sigma_mean_S": _num(self.sigma_mean_S),
            "symmetry": _num(self.symmetry),
            "asymmetry": {k: _num(v) for k, v in self.asymmetry.items()},
            "on_off_ratio": _num(self.on_off_ratio),
            "g_min_S": _num(self.g_min_S),
            "g_max_S": _num(self.g_max_S),
            "energy_per_cycle_J": None
            if self.energy_per_cycle_J is None
            else self.energy_per_cycle_J.to_dict(),
            "max_programming_voltage_V": _num(self.max_programming_voltage_V),
            "potentiation": self.potentiation.to_dict(),
            "depression": self.depression.to_dict(),
            "criteria": self.criteria.to_dict(),
            "memtwin_version": self.memtwin_version,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Characterization:
        energy = d.get("energy_per_cycle_J")
        crit = d.get("criteria") or {}
        return cls(
            device=str(d["device"]),
            source=str(d.get("source", "")),
            cycles=int(d["cycles"]),
            potentiation=PhaseCharacterization.from_dict(d["potentiation"]),
            depression=PhaseCharacterization.from_dict(d["depression"]),
            bins=int(d["bins"]),
            bits=_f(d["bits"]),
            sigma_mean_S=_f(d["sigma_mean_S"]),
            symmetry=_f(d["symmetry"]),
            asymmetry={k: _f(v) for k, v in (d.get("asymmetry") or {}).items()},
            on_off_ratio=_f(d["on_off_ratio"]),
            g_min_S=_f(d.get("g_min_S")),
            g_max_S=_f(d.get("g_max_S")),
            energy_per_cycle_J=None if energy is None else EnergyStats.from_dict(energy),
            max_programming_voltage_V=_opt(d.get("max_programming_voltage_V")),
            criteria=LinearRangeCriteria(**crit),
            memtwin_version=str(d.get("memtwin_version", __version__)),
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Characterization:
        return cls.from_dict(json.loads(text))
