"""The converters of a tile, DAC (inputs) and ADC (outputs), as objects.

Both are symmetric mid-tread converters with 2^(b−1)−1 positive codes (:func:`half_codes`; 8 bit: codes
−127..127, zero exact), full scale calibrated from the data (:func:`abs_percentile` of |x| at the
periphery's percentile; see :mod:`memtwin.crossbar.periphery`). ``Periphery.dac_bits = None`` (or
``adc_bits``) is an ideal converter: :class:`IdealDac` / :class:`IdealAdc` are the same interface doing
nothing, so the forward paths read the same whatever the bits are.

* The **DAC** has one full scale per repetition (the layer input's range). It quantizes on the
  reference path (:meth:`Dac.quantize`, straight-through), writes codes on the folded path
  (:meth:`Dac.encode`), and gives the folded weights its step (:meth:`Dac.fold_step`).
* The **ADC** has one full scale per (row tile, repetition, output column tile). A tile whose range is 0
  reads 0. Its range meter (:func:`column_tile_ranges`) also serves output noise, which is relative to
  the tile's output range even with an ideal ADC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor

from memtwin.crossbar.kernels import dac_codes, scratch


def half_codes(bits: int) -> int:
    """Positive codes of a symmetric b-bit converter: 2^(b−1) − 1."""
    return 2 ** (bits - 1) - 1


def quantize(x: Tensor, step: Tensor | float, codes: int) -> Tensor:
    """Symmetric mid-tread quantizer: ``clamp(round(x/step), −codes, codes)·step``.

    Differentiable with a straight-through gradient inside the range and zero gradient where the
    converter clips (the usual STE for quantization-aware training).
    """
    y = torch.clamp(x / step, -codes, codes)
    y = y + (torch.round(y) - y).detach()
    return y * step


def quantize_fused(x: Tensor, step: Tensor, codes: int, axis: int | None = None) -> Tensor:
    """:func:`quantize` in one native kernel each way (``torch.fake_quantize_per_*_affine``).

    Same forward (round half to even, clamp at ±codes); straight-through gradient wherever the rounded
    code is inside the range. ``step``: a single value (``axis`` None) or one per index along ``axis``;
    steps are floored at 1e-30 (a zero range then reads ~0 instead of dividing by zero). About 5× cheaper
    than the composed ops in hardware-aware training, where it runs on every activation.

    On a CPU, float32 inputs take :class:`_FakeQuantizeCpu` instead: the same numbers (forward, and the
    backward's masked gradient) from vectorized operations, about twice as fast as the native CPU kernels,
    which are scalar loops.
    """
    step = step.detach().to(torch.float32).clamp(min=1e-30)
    if x.device.type == "cpu" and x.dtype == torch.float32:
        if axis is None:
            return _FakeQuantizeCpu.apply(x, step.reshape(()), codes, False)
        shape = [1] * x.dim()
        shape[axis] = -1
        return _FakeQuantizeCpu.apply(x, step.reshape(shape), codes, True)
    if axis is None:
        zero = torch.zeros((), dtype=torch.int32, device=x.device)
        return torch.fake_quantize_per_tensor_affine(x, step.reshape(()), zero, -codes, codes)
    zeros = torch.zeros(step.numel(), dtype=torch.int32, device=x.device)
    return torch.fake_quantize_per_channel_affine(x, step.reshape(-1), zeros, axis, -codes, codes)


def fake_quantize_cpu(
    x: Tensor, step: Tensor, codes: int, per_channel: bool, with_mask: bool = True
) -> tuple[Tensor, Tensor | None]:
    """PyTorch's CPU fake-quantize kernels (zero point 0, float32), number for number: ``x`` on the grid of
    ``step`` (float32, broadcastable to ``x``) and the kernels' gradient mask, as 1.0/0.0 in ``x``'s dtype
    (None unless ``with_mask``, or when every code is in range: the mask is all ones).
    ``per_channel``: as ``fake_quantize_per_channel_affine``, else per tensor.

    The kernels compute ``q = nearbyint(x·(1/step))`` in float32 (round half to even; the mask is
    ``|q| ≤ codes``), clamp q to ±codes *as an integer* and return ``q·step``. Here: the same float32
    product and rounding, then the integer's traits made explicit: no −0 (``q·step + 0``), a NaN code
    reads −codes (the float → integer conversion of NaN), and in the per-channel kernel, which converts
    before it clamps, so does a code ≥ 2⁶³ (the conversion overflows; only where a step is far below the
    values, e.g. a zero range at a percentile below 100). Where every code is in range (the ADC in
    training: its range is the batch's own largest output) the clamp and the mask are skipped.
    """
    q = torch.mul(x, torch.reciprocal(step)).round_()
    if q.numel() == 0 or (bool(q.amax() <= codes) and bool(q.amin() >= -codes)):
        # every code in range (and no NaN): the clamp changes nothing and the mask is all ones
        return q.mul_(step).add_(0.0), None
    qc = torch.clamp(q, -codes, codes)
    mask = torch.eq(qc, q, out=torch.empty_like(q)) if with_mask else None  # in range, and not NaN
    if not bool(q.amax() < 2.0**63):  # a NaN, or a code the conversion overflows
        qc = qc.nan_to_num_(nan=-codes)
        if per_channel:
            qc = qc.masked_fill_(q >= 2.0**63, -codes)
    return qc.mul_(step).add_(0.0), mask


class _FakeQuantizeCpu(torch.autograd.Function):
    """:func:`fake_quantize_cpu` with the fake-quantize kernels' gradient, ``grad · mask``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, step: Tensor, codes: int, per_channel: bool) -> Tensor:
        out, mask = fake_quantize_cpu(x, step, codes, per_channel, with_mask=bool(ctx.needs_input_grad[0]))
        ctx.masked = mask is not None
        if mask is not None:
            ctx.save_for_backward(mask)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None, None]:
        if not ctx.masked:  # every code was in range: grad · 1 is grad, bit for bit
            return grad, None, None, None
        (mask,) = ctx.saved_tensors
        return grad * mask, None, None, None


def as_number(mask: Tensor, dtype: torch.dtype) -> Tensor:
    """A boolean ``mask`` as 1/0 of ``dtype``: the operand ``x * mask`` promotes the mask to, by a cast of
    its bytes (several times faster on a CPU than the promotion inside the product)."""
    return mask.view(torch.uint8).to(dtype)


def abs_percentile(x: Tensor, percentile: float) -> Tensor:
    """The ``percentile`` of |x| along the last dimension of a 2-D tensor (100 → max), one per row.

    Uses ``kthvalue`` (no size limit, unlike ``torch.quantile``); the k-th smallest with
    k = ceil(p/100·n), i.e. the nearest-rank percentile.
    """
    if percentile >= 100:  # max |x| as max(max x, −min x): two reductions, no |x| copy (+0.0: no −0)
        x = x.detach()
        return torch.maximum(x.amax(dim=-1), x.amin(dim=-1).neg_()).add_(0.0)
    a = x.detach().abs()
    n = a.shape[-1]
    k = min(n, max(1, math.ceil(percentile / 100.0 * n)))
    return a.kthvalue(k, dim=-1).values


def column_tile_ranges(outputs: Tensor, col_slices: tuple[slice, ...], percentile: float) -> Tensor:
    """Output range of every (repetition, column tile) of one row tile's ``outputs`` (R, B, columns, …),
    expanded to (R, columns)."""
    out = torch.empty((outputs.shape[0], outputs.shape[2]), dtype=outputs.dtype, device=outputs.device)
    for cs in col_slices:
        stat = abs_percentile(outputs[:, :, cs].reshape(outputs.shape[0], -1), percentile)
        out[:, cs] = stat[:, None]
    return out


def widen(full_scale: Tensor | None, seen: Tensor) -> Tensor:
    """A calibrated range after another batch: the largest seen so far."""
    return seen if full_scale is None else torch.maximum(full_scale, seen)


def repeat_batch(x: Tensor, times: int) -> Tensor:
    """A batch (B, …) repeated ``times`` times, repetition-major: (times·B, …)."""
    return x.unsqueeze(0).expand(times, *x.shape).reshape(times * x.shape[0], *x.shape[1:])


@dataclass(frozen=True)
class _Quantizing:
    bits: int
    percentile: float = 100.0

    @property
    def codes(self) -> int:
        return half_codes(self.bits)


class Dac(_Quantizing):
    """A b-bit DAC with one calibrated full scale per repetition."""

    calibrates: ClassVar[bool] = True

    def widen_range(self, full_scale: Tensor | None, x: Tensor, reps: int) -> Tensor | None:
        """The full scale (R,) after seeing the batch ``x`` (R·B, …) of ``reps`` repetitions."""
        return widen(full_scale, abs_percentile(x.reshape(reps, -1), self.percentile))

    def step(self, full_scale: Tensor, dtype: torch.dtype) -> Tensor:
        return full_scale.clamp(min=float(torch.finfo(dtype).tiny)) / self.codes

    def quantize(self, x: Tensor, full_scale: Tensor | None, reps: int) -> Tensor:
        """Reference path: ``x`` (R·B, …) on the DAC grid of each repetition (straight-through)."""
        assert full_scale is not None
        step = self.step(full_scale, x.dtype)
        if reps == 1:
            return quantize_fused(x, step, self.codes)
        return quantize_fused(x.reshape(reps, -1), step, self.codes, axis=0).view_as(x)

    def fold_step(self, full_scale: Tensor | None, reps: int, like: Tensor) -> tuple[Tensor, Tensor | None]:
        """The DAC step folded into the weights (R,) and its inverse, which encodes the inputs."""
        assert full_scale is not None
        step = self.step(full_scale, like.dtype)
        return step, 1.0 / step

    def encode(self, x: Tensor, inv_step: Tensor | None, active: int, pending: bool) -> Tensor:
        """Folded path: DAC codes of ``x`` for ``active`` repetitions with their ``inv_step`` (active,).
        ``pending``: ``x`` is the un-repeated batch (B, …); the codes of every repetition are written."""
        assert inv_step is not None
        rows = x.shape[0] * active if pending else x.shape[0]
        src = x.reshape(1, -1) if pending else x.reshape(active, -1)
        buf = scratch("dac", (active, src.shape[1]), x)
        return dac_codes(src, inv_step[:, None], self.codes, out=buf).view(rows, *x.shape[1:])


class IdealDac:
    """No input converter: the word lines see the inputs as they are, nothing to calibrate."""

    calibrates: ClassVar[bool] = False
    codes: ClassVar[None] = None

    def widen_range(self, full_scale: Tensor | None, x: Tensor, reps: int) -> Tensor | None:
        return None

    def quantize(self, x: Tensor, full_scale: Tensor | None, reps: int) -> Tensor:
        return x

    def fold_step(self, full_scale: Tensor | None, reps: int, like: Tensor) -> tuple[Tensor, Tensor | None]:
        return torch.ones(reps, dtype=like.dtype, device=like.device), None

    def encode(self, x: Tensor, inv_step: Tensor | None, active: int, pending: bool) -> Tensor:
        return repeat_batch(x, active) if pending and active > 1 else x


class Adc(_Quantizing):
    """A b-bit ADC per tile with one calibrated full scale per (repetition, output column tile)."""

    def quantize(self, outputs: Tensor, ranges: Tensor) -> Tensor:
        """Reference path: a row tile's ``outputs`` (R, B, columns, …) on the grid of ``ranges``
        (R, columns); a tile whose range is 0 reads 0 (its step is floored at 1e-30)."""
        step = ranges / self.codes
        if outputs.device.type == "cpu" and outputs.dtype == torch.float32:  # all repetitions in one call
            step = step.detach().to(torch.float32).clamp(min=1e-30)
            if step.shape[-1] > 1 and bool((step == step[:, :1]).all()):
                step = step[:, :1]  # one column tile: one step per repetition (cheaper to broadcast)
            step = step.reshape(*step.shape[:1], 1, *step.shape[1:], *([1] * (outputs.dim() - 3)))
            return _FakeQuantizeCpu.apply(outputs, step, self.codes, True)
        return torch.stack(
            [quantize_fused(outputs[r], step[r], self.codes, axis=1) for r in range(outputs.shape[0])]
        )

    def fold_step(self, ranges: Tensor | None, shape: tuple[int, int], like: Tensor) -> tuple[Tensor, Tensor]:
        """The ADC step (R, columns) folded into the weights, and the digital gain that turns codes back
        into outputs (0 for a tile whose range is 0)."""
        assert ranges is not None
        live = ranges > 0
        step = torch.where(live, ranges / self.codes, torch.ones_like(ranges))
        return step, torch.where(live, step, torch.zeros_like(ranges))


@dataclass(frozen=True)
class IdealAdc:
    """No output converter; ``percentile`` still sets the measured output range (for output noise)."""

    percentile: float = 100.0
    codes: ClassVar[None] = None

    def quantize(self, outputs: Tensor, ranges: Tensor) -> Tensor:
        return outputs

    def fold_step(self, ranges: Tensor | None, shape: tuple[int, int], like: Tensor) -> tuple[Tensor, Tensor]:
        ones = torch.ones(shape, dtype=like.dtype, device=like.device)
        return ones, ones


def dac_for(bits: int | None, percentile: float) -> Dac | IdealDac:
    return IdealDac() if bits is None else Dac(bits, percentile)


def adc_for(bits: int | None, percentile: float) -> Adc | IdealAdc:
    return IdealAdc(percentile) if bits is None else Adc(bits, percentile)
