"""Hardware-aware training (HWAT): the ``train()`` forward of an analog layer.

Every batch, the current digital weights are programmed afresh by the real programming procedure (the
same pulse targets and write scheme as :meth:`~memtwin.crossbar.array.ProgrammedArray.program`, with
fresh cycle-to-cycle *and* device-to-device draws, widened ``hwat_noise_scale`` times), IR-drop attenuated,
and read through the reference path (:mod:`memtwin.crossbar.reference`): DAC, read noise, output noise,
ADC. Outputs (B, …).

Gradients are straight-through: the weight side gets the elementwise Jacobian of that programming
(rounding passed through; zero where a weight is clipped or a device saturated, stuck or clamped; the IR
attenuation treated as a constant), applied by one custom autograd function instead of autograd through
~40 elementwise steps; the converters use PyTorch's fused fake-quantize kernels (straight-through inside
the range). The DAC full scale is calibrated on the first ``calibration_batches`` training batches and
then frozen; the ADC full scale follows each batch (:mod:`memtwin.crossbar.converter_ranges`).
"""

from __future__ import annotations

from typing import Any, Protocol

import torch
from torch import Tensor

from memtwin.crossbar.array import Effective, verify_draws, write_devices_with_slope, write_targets
from memtwin.crossbar.calibration import fit_column_gains
from memtwin.crossbar.config import AnalogConfig
from memtwin.crossbar.programming import LevelTable, draw_devices, scale_draws
from memtwin.crossbar.reference import ChipRead, LayerView, reference_forward


class _StraightThroughWeights(torch.autograd.Function):
    """Returns ``value`` (computed without autograd) with gradient ``grad · jacobian`` to ``weight``."""

    @staticmethod
    def forward(ctx: Any, weight: Tensor, value: Tensor, jacobian: Tensor) -> Tensor:
        ctx.save_for_backward(jacobian)
        return value.clone()

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None]:
        (jacobian,) = ctx.saved_tensors
        return grad * jacobian, None, None


class TrainingLayer(LayerView, Protocol):
    """What hardware-aware training uses of an analog layer, besides the :class:`LayerView`."""

    @property
    def config(self) -> AnalogConfig: ...

    @property
    def layer_index(self) -> int: ...

    def table(self) -> LevelTable: ...

    def weight_matrix(self) -> Tensor: ...

    def next_training_stream(self) -> torch.Generator: ...


def hwat_weights(layer: TrainingLayer, generator: torch.Generator) -> tuple[Tensor, Tensor | None, Tensor]:
    """One fresh programming of the layer's current weights for hardware-aware training.

    Returns the effective differential conductances (1, outputs, rows) — carrying a straight-through
    gradient to ``weight`` —, the read-noise variance weights (or None), and the weight scale.
    Everything is computed without autograd (it is the real programming procedure, with fresh
    cycle-to-cycle *and* device-to-device draws); the gradient is attached by
    :class:`_StraightThroughWeights` from the elementwise Jacobian d w_eff / d w: through the
    straight-through rounding of the pulse count, the device's level slope and update factor, and the
    IR-drop attenuation, zero where a weight is clipped or a device saturated, stuck or clamped.
    """
    config = layer.config
    table = layer.table()
    variability = config.device.variability
    w = layer.weight_matrix()
    with torch.no_grad():
        wd = w.detach()
        scale, pulses = write_targets(wd, table, config)
        noise_draws = verify_draws(config.periphery)
        draws = draw_devices(
            tuple(pulses.shape),
            variability,
            generator,
            wd.dtype,
            pair_shared_update=True,
            noise_draws=noise_draws,
        )
        draws = scale_draws(draws, config.training.hwat_noise_scale)
        g, slope = write_devices_with_slope(pulses, table, variability, draws, config.periphery)
        effective = layer.array.effective(g[0][None], g[1][None])
        jacobian = _weight_jacobian(wd, scale, table, slope, effective)
    return _StraightThroughWeights.apply(w, effective.w_eff[0], jacobian)[None], effective.g_sq, scale


def _weight_jacobian(
    w: Tensor, scale: Tensor, table: LevelTable, slope: Tensor, effective: Effective
) -> Tensor:
    """d w_eff / d w, elementwise: pulses per weight × the pulsed device's dG/dn × its IR-drop factor, with
    the sign of the device in the pair (G⁻ counts negatively); zero beyond the clip."""
    k = (table.levels - 1) / scale[:, None] * (w.abs() <= scale[:, None])
    term_plus = effective.f_plus[0] * slope[0]
    term_minus = -effective.f_minus[0] * slope[1]
    pos_term, neg_term = (term_plus, term_minus) if table.increasing else (term_minus, term_plus)
    zero = torch.zeros((), dtype=w.dtype, device=w.device)
    return k * torch.where(w > 0, pos_term, torch.where(w < 0, -neg_term, zero))


def hwat_forward(layer: TrainingLayer, x: Tensor) -> Tensor:
    """The training forward of ``x`` (B, …) as the crossbar sees it; output (B, …)."""
    periphery = layer.periphery
    generator = layer.next_training_stream()
    w_eff, g_sq, scale = hwat_weights(layer, generator)
    out_factor = layer.table().out_factor(scale)
    # train on the chip as it will be calibrated (gains are constants to the gradient)
    gains = None
    if periphery.column_calibration:
        w = layer.weight_matrix()
        gains = fit_column_gains(w_eff, w, scale, out_factor, layer.layer_index, layer.grid.row_blocks)
    in_range = layer.ranges.observe_training_input(x)
    chip = ChipRead(w_eff, g_sq, out_factor[None], gains)
    y, _ = reference_forward(
        layer, x, chip, reps=1, in_range=in_range, old_ranges=None, generators=[generator]
    )
    return y
