"""Helpers for the crossbar tests: hand-built device models, drift stand-ins, generators."""

from __future__ import annotations

import torch
from torch import Tensor

from memtwin.devices.model import DeviceModel, ModeLevels, Variability


def make_device(
    levels: int = 16,
    g_start_S: float = 100e-6,
    step_S: float = 80e-6,
    sigma_S: float = 0.0,
    variability: Variability | None = None,
) -> DeviceModel:
    """A device with evenly spaced levels; depression mirrors potentiation (starts at its top)."""
    pot = ModeLevels.linear(g_start_S, step_S, levels, sigma_S)
    dep = ModeLevels.linear(g_start_S + (levels - 1) * step_S, -step_S, levels, sigma_S)
    var = variability if variability is not None else Variability(0.0, 0.0)
    return DeviceModel(name="test-device", potentiation=pot, depression=dep, variability=var)


class UniformDrift:
    """Drift stand-in: every conductance is multiplied by ``factor`` at any t > 0 (no randomness)."""

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self.calls = 0

    def apply(
        self,
        g_S: Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        *,
        g_min_S: float = 0.0,
        g_target_S: Tensor | None = None,
    ) -> Tensor:
        self.calls += 1
        return g_S * (self.factor if t_s > 0 else 1.0)


class RandomDrift:
    """Drift stand-in that uses its generator: g·(1 + 0.1·N(0, 1))."""

    def apply(
        self,
        g_S: Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        *,
        g_min_S: float = 0.0,
        g_target_S: Tensor | None = None,
    ) -> Tensor:
        noise = torch.randn(g_S.shape, generator=generator, device=g_S.device, dtype=g_S.dtype)
        return g_S * (1.0 + 0.1 * noise)


def gen(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(seed)
    return g
