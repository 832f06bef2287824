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

from memtwin.crossbar.array import Effective, verify_draws, write_devices_with_slope
from memtwin.crossbar.calibration import fit_column_gains
from memtwin.crossbar.config import AnalogConfig
from memtwin.crossbar.converters import as_number
from memtwin.crossbar.mapping import weight_scale
from memtwin.crossbar.programming import LevelTable, draw_devices
from memtwin.crossbar.reference import ChipRead, LayerView, reference_forward


class _StraightThroughWeights(torch.autograd.Function):
    """Returns ``value`` (computed without autograd) with gradient ``grad · jacobian`` to ``weight``."""

    @staticmethod
    def forward(ctx: Any, weight: Tensor, value: Tensor, jacobian: Tensor) -> Tensor:
        ctx.save_for_backward(jacobian)
        return value.view_as(value)

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
        signs = wd > 0, wd < 0
        scale, pulses = _write_targets(wd, signs, table, config)
        draws = draw_devices(
            tuple(pulses.shape),
            variability,
            generator,
            wd.dtype,
            pair_shared_update=True,
            noise_draws=verify_draws(config.periphery),
            widen=config.training.hwat_noise_scale,
        )
        g, slope = write_devices_with_slope(pulses, table, variability, draws, config.periphery)
        effective = layer.array.effective(g[0][None], g[1][None])
        clips = config.mapping.weight_clip_sigma is not None
        jacobian = _weight_jacobian(wd, signs, scale, table, slope, effective, clips)
    return _StraightThroughWeights.apply(w, effective.w_eff[0], jacobian)[None], effective.g_sq, scale


def _write_targets(
    w: Tensor, signs: tuple[Tensor, Tensor], table: LevelTable, config: AnalogConfig
) -> tuple[Tensor, Tensor]:
    """:func:`memtwin.crossbar.array.write_targets` — the weight scale and the (G⁺, G⁻) counts of
    :func:`memtwin.crossbar.mapping.pulse_targets` — number for number, in fewer passes over the weights
    (in place, and the pair split as a product with the sign masks ``signs`` = (w > 0, w < 0) instead of
    ``torch.where``, which is slow on a CPU; the counts are ≥ 0, so ``n·1 = n`` and ``n·0 = +0`` are
    exactly what it selects)."""
    mapping = config.mapping
    scale = weight_scale(w, mapping.weight_scaling, mapping.weight_clip_sigma)
    n = w.abs().div_(scale[:, None]).clamp_(max=1.0).mul_(table.levels - 1)
    if config.periphery.write != "exact":  # whole pulses (int32: the same counts, half the bytes)
        n = n.round_().to(torch.int32)
    pos, neg = signs
    plus, minus = (pos, neg) if table.increasing else (neg, pos)
    pulses = torch.empty((2, *n.shape), dtype=n.dtype, device=n.device)
    torch.mul(n, as_number(plus, n.dtype), out=pulses[0])
    torch.mul(n, as_number(minus, n.dtype), out=pulses[1])
    return scale, pulses


def _select(cond: Tensor, a: Tensor, b: Tensor | None = None) -> Tensor:
    """``torch.where(cond, a, b)`` (``b`` None: +0.0) bit for bit. On a CPU by bit masks on the integer
    view of the floats (``torch.where``'s CPU kernel is several times slower); elsewhere torch.where."""
    if a.device.type != "cpu" or a.dtype not in _BITS or (b is not None and b.dtype != a.dtype):
        other = torch.zeros((), dtype=a.dtype, device=a.device) if b is None else b
        return torch.where(cond, a, other)
    bits = _BITS[a.dtype]
    mask = cond.to(bits).neg_()  # all ones where cond, else 0
    out = torch.bitwise_and(a.view(bits), mask)
    if b is not None:
        out.bitwise_or_(torch.bitwise_and(b.view(bits), mask.bitwise_not_()))
    return out.view(a.dtype)


_BITS = {torch.float32: torch.int32, torch.float64: torch.int64}


def _weight_jacobian(
    w: Tensor,
    signs: tuple[Tensor, Tensor],
    scale: Tensor,
    table: LevelTable,
    slope: Tensor,
    effective: Effective,
    clips: bool = True,
) -> Tensor:
    """d w_eff / d w, elementwise: pulses per weight × the pulsed device's dG/dn × its IR-drop factor, with
    the sign of the device in the pair (G⁻ counts negatively); zero beyond the clip.

    That is ``k·where(w > 0, ±f⁺·s⁺, where(w < 0, ∓f⁻·s⁻, 0))`` (upper signs for a rising table) with
    ``k = (L − 1)/scale·(|w| ≤ scale)``, the selections done by :func:`_select` and the negations
    written out (−(−a·b) is a·b exactly). ``signs``: (w > 0, w < 0). ``clips`` False: the scale is the
    largest |w| (no ``weight_clip_sigma``), so |w| ≤ scale holds everywhere (NaN weights have
    ``inner = 0`` either way) and k is (L − 1)/scale."""
    k = (table.levels - 1) / scale[:, None]
    if clips:
        k = k * as_number(w.abs() <= scale[:, None], scale.dtype)
    plus = effective.f_plus[0] * slope[0]
    minus = effective.f_minus[0] * slope[1]
    if table.increasing:  # w > 0: f⁺·s⁺; w < 0: −(−f⁻·s⁻) = f⁻·s⁻
        pos_term, neg_term = plus, minus
    else:  # w > 0: −f⁻·s⁻; w < 0: −(f⁺·s⁺)
        pos_term, neg_term = minus.neg_(), plus.neg_()
    inner = _select(signs[0], pos_term, _select(signs[1], neg_term))
    return inner.mul_(k)


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
