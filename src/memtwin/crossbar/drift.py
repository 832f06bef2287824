"""Conductance drift after programming, and global drift compensation.

**Drift.** ``AnalogModel.drift_to(t)`` always starts again from the conductances right after programming
(t = 0) and asks the drift model for their values at t: the device's (``DeviceModel.drift``, through
:func:`memtwin.devices.drift.build_drift`, built on the first drift) or one set with
``AnalogModel.drift_model``. Each (layer, repetition, time) has its own random stream, so drifting to t
twice gives the same chip, and drifting repetition r gives the same result whatever the number of
repetitions.

**Global drift compensation** (AIHWKIT's ``GlobalDriftCompensation``; design notes §5). Right after
programming, a fixed calibration input (``CALIBRATION_VECTORS`` vectors, entries uniform in [−1, 1],
from a stream that depends only on the layer index, so every chip and time sees the same input) is read
through the layer and the mean |output| is stored. At time t the same input is read again and the layer's
outputs are multiplied by the ratio (t = 0 read / time-t read). The read here is the noise-free analog
matrix-vector product of the array (IR drop included) before the ADC: on a chip the reference read is
averaged over many input vectors and repeated reads, so converter and read noise average out, and a read
that is exact makes the compensation remove a uniform multiplicative drift g → a·g exactly (up to
float round-off) when the wires are ideal. With IR drop a uniform drift also changes the wire
attenuation (it depends on r·G), which the single factor corrects only on average. The factor is applied
digitally, after the ADC, as a real chip would.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import Tensor

from memtwin.crossbar.seeding import COMPENSATION, make_generator

#: Number of vectors in the fixed compensation read.
CALIBRATION_VECTORS = 32


class DriftLike(Protocol):
    """What the crossbar needs from a drift model (``memtwin.devices.drift.DriftModel`` satisfies it)."""

    def apply(
        self,
        g_S: Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        *,
        g_min_S: float = 0.0,
        g_target_S: Tensor | None = None,
    ) -> Tensor: ...


def calibration_input(
    n_inputs: int,
    layer_index: int,
    torch_device: torch.device,
    dtype: torch.dtype,
    vectors: int = CALIBRATION_VECTORS,
) -> Tensor:
    """The fixed calibration read input of a layer: (vectors, n_inputs), uniform in [−1, 1]."""
    gen = make_generator(torch_device, COMPENSATION, layer_index)
    x = torch.rand((vectors, n_inputs), generator=gen, device=torch_device, dtype=dtype)
    return 2.0 * x - 1.0


def reference_read(w_eff_S: Tensor, out_factor: Tensor, x_cal: Tensor) -> Tensor:
    """Mean |output| of the compensation read, one value per repetition.

    ``w_eff_S``: (R, outputs, inputs) effective differential conductances; ``out_factor``: (outputs,)
    digital output scale; ``x_cal``: (K, inputs).
    """
    y = torch.matmul(x_cal, w_eff_S.transpose(-1, -2)) * out_factor
    return y.abs().mean(dim=(-2, -1))


def compensation_factor(ref_0: Tensor, ref_t: Tensor) -> Tensor:
    """Output scale that undoes a global drift: ref(0)/ref(t); 1 where the time-t read is zero."""
    safe = torch.where(ref_t > 0, ref_t, torch.ones_like(ref_t))
    return torch.where(ref_t > 0, ref_0 / safe, torch.ones_like(ref_t))
