"""Reproducible, independent random streams for the crossbar simulation.

Every random draw in :mod:`memtwin.crossbar` comes from a ``torch.Generator`` seeded here from a tuple of
integer keys: the user's seed, the analog layer's index, the repetition index, the purpose of the draw
(programming, drift, forward noise, hardware-aware training, compensation input, in-situ training) and, where relevant, a
counter or the drift time. The keys are mixed with NumPy's ``SeedSequence`` (a hash designed for exactly
this), so streams for different keys are statistically independent and a given stream does not depend on
how many other streams exist. That is what makes repetition r with seed s the same whether 1 or 5
repetitions are programmed, and what makes a layer's programming independent of how many layers precede it
in a later edit of the network only through its index.
"""

from __future__ import annotations

import struct

import numpy as np
import torch
from torch import Tensor

from memtwin.errors import ConfigError

#: Purpose codes: one independent family of streams per kind of random draw.
PROGRAM = 1
DRIFT = 2
FORWARD = 3
HWAT = 4
COMPENSATION = 5
INSITU = 6


def check_seed(seed: int) -> int:
    """A user seed must be a non-negative integer (``SeedSequence`` entropy)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or int(seed) < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def time_key(t_s: float) -> int:
    """The IEEE-754 bit pattern of a time, so that every distinct float time has its own stream."""
    return int(struct.unpack("<Q", struct.pack("<d", float(t_s)))[0])


def stream_seed(*keys: int) -> int:
    """A 63-bit seed for ``torch.Generator.manual_seed`` derived from non-negative integer keys."""
    state = np.random.SeedSequence([int(k) for k in keys]).generate_state(2, dtype=np.uint32)
    return ((int(state[0]) << 32) | int(state[1])) & 0x7FFF_FFFF_FFFF_FFFF


def make_generator(torch_device: torch.device | str, *keys: int) -> torch.Generator:
    """A fresh generator on ``torch_device`` (CPU or CUDA) seeded from ``keys``."""
    generator = torch.Generator(device=torch.device(torch_device))
    generator.manual_seed(stream_seed(*keys))
    return generator


def standard_normal(like: Tensor, generator: torch.Generator | None) -> Tensor:
    """N(0, 1) noise shaped like ``like`` from ``generator``."""
    assert generator is not None, "noise needs a seeded generator"
    return torch.randn(like.shape, generator=generator, device=like.device, dtype=like.dtype)


def standard_normal_per_repetition(like: Tensor, generators: list[torch.Generator] | None) -> Tensor:
    """N(0, 1) noise shaped like ``like`` (R, B, …), repetition r from ``generators[r]``."""
    assert generators is not None, "noise needs seeded generators"
    return torch.stack(
        [torch.randn(like.shape[1:], generator=g, device=like.device, dtype=like.dtype) for g in generators]
    )
