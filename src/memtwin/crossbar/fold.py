"""The folded forward of a programmed, calibrated layer: one weight tensor and one gain per tile.

Once the converters are calibrated, everything between the DAC codes and the ADC codes is linear, so
the layer folds conductances, IR drop, DAC step and ADC steps into one weight tensor in ADC codes per DAC
code (:meth:`FoldedWeights.build`), and drift compensation, column gains, the ADC step and the weight
scale into one output multiplier per (row tile, repetition, column). A forward (:func:`folded_forward`)
is then the DAC codes, one matmul/conv per row tile and repetition, and an in-place
round/clamp/multiply-add per tile (:mod:`memtwin.crossbar.kernels`). Each repetition runs its own
matmul/conv on its own conductances (on a CPU this measured faster than ``bmm`` or a grouped
convolution, which copy strided tile slices or permute the activations) and writes straight into its
slice of the output.

Noise (read noise, output noise) comes from one stream per (repetition, forward call), so repetition r
sees the same noise whether it is evaluated alone, with others, or in chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

import torch
from torch import Tensor, nn

from memtwin.crossbar.array import ProgrammedArray
from memtwin.crossbar.converter_ranges import ConverterRanges
from memtwin.crossbar.kernels import adc_accumulate, adc_first
from memtwin.crossbar.reference import LayerView
from memtwin.crossbar.seeding import standard_normal


class FoldedWeights(nn.Module):
    """The folded tensors of a layer (all None until built): ``w`` (R, outputs, rows) in ADC codes per
    DAC code, ``g_sq`` its read-noise variance weights, ``dac_inv_step`` (R,) (None: ideal DAC),
    ``out_mult`` (row tiles, R, outputs) and ``noise`` (row tiles, R, outputs) the output noise in ADC
    codes (None: no output noise)."""

    w: Tensor | None
    g_sq: Tensor | None
    dac_inv_step: Tensor | None
    out_mult: Tensor | None
    noise: Tensor | None

    BUFFERS = ("w", "g_sq", "dac_inv_step", "out_mult", "noise")

    def __init__(self) -> None:
        super().__init__()
        for name in self.BUFFERS:
            self.register_buffer(name, None, persistent=False)

    @property
    def ready(self) -> bool:
        return self.w is not None

    def clear(self) -> None:
        for name in self.BUFFERS:
            setattr(self, name, None)

    def build(self, array: ProgrammedArray, ranges: ConverterRanges, output_noise_rel: float) -> None:
        """Fold the programmed ``array`` with the calibrated converter ``ranges``."""
        assert array.w_eff is not None and array.compensation is not None
        reps = array.repetitions
        w_eff = array.w_eff
        out_factor = array.out_factor()
        dac_step, self.dac_inv_step = ranges.dac.fold_step(ranges.in_range, reps, w_eff)
        fold_w = w_eff * dac_step[:, None, None]
        g_sq = array.g_sq_eff
        fold_g_sq = None if g_sq is None else g_sq * (dac_step * dac_step)[:, None, None]
        mults = []
        noises = []
        for t, tile in enumerate(array.grid.row_tiles):
            tile_range = None if ranges.out_range is None else ranges.out_range[t]
            adc_step, gain = ranges.adc.fold_step(tile_range, (reps, w_eff.shape[1]), w_eff)
            fold_w[:, :, tile.rows] /= adc_step[:, :, None]
            if fold_g_sq is not None:
                fold_g_sq[:, :, tile.rows] /= (adc_step * adc_step)[:, :, None]
            mult = gain * out_factor * array.compensation[:, None]
            mults.append(mult if array.column_gain is None else mult * array.column_gain[t])
            if output_noise_rel > 0:
                assert tile_range is not None
                noises.append(output_noise_rel * tile_range / adc_step)
        self.w = fold_w.contiguous()
        self.g_sq = None if fold_g_sq is None else fold_g_sq.contiguous()
        self.out_mult = torch.stack(mults)
        self.noise = torch.stack(noises) if noises else None


class FoldedLayer(LayerView, Protocol):
    """What the folded forward uses of an analog layer, besides the :class:`LayerView`."""

    partials_in_scratch: bool

    @property
    def fold(self) -> FoldedWeights: ...

    def noise_generators(
        self, torch_device: torch.device, r0: int, r1: int
    ) -> list[torch.Generator] | None: ...


def per_column(v: Tensor, like: Tensor) -> Tensor:
    """(outputs,) → broadcastable against ``like`` of shape (B, outputs, …)."""
    return v.reshape(1, v.shape[0], *([1] * (like.dim() - 2)))


class _Output:
    """The output (rows, …) of all repetitions, allocated when the first partial product shows its shape."""

    def __init__(self, rows: int, batch: int) -> None:
        self.rows = rows
        self.batch = batch
        self.y: Tensor | None = None

    def slot(self, i: int, part: Tensor) -> Tensor:
        if self.y is None:
            self.y = torch.empty((self.rows, *part.shape[1:]), dtype=part.dtype, device=part.device)
        return self.y[i * self.batch : (i + 1) * self.batch]


def folded_forward(layer: FoldedLayer, x: Tensor, r0: int, r1: int, pending: bool) -> Tensor:
    """Repetitions r0..r1−1 of ``x`` (R·B, …) through the folded weights; ``pending``: ``x`` is the
    un-repeated batch (B, …) and the DAC writes the copies for the repetitions."""
    fold = layer.fold
    active = r1 - r0
    inv_step = None if fold.dac_inv_step is None else fold.dac_inv_step[r0:r1]
    xq = layer.ranges.dac.encode(x, inv_step, active, pending)
    b = xq.shape[0] // active
    # A partial product not in a scratch buffer is a fresh tensor this layer owns; with one
    # repetition it becomes the output in place (no copy). Scratch buffers must never be returned.
    owned = not (layer.partials_in_scratch and not torch.is_grad_enabled())
    if active == 1 and owned:
        return _read_repetition(layer, xq, r0, lambda part: part)
    output = _Output(xq.shape[0], b)
    for i, r in enumerate(range(r0, r1)):
        _read_repetition(layer, xq[i * b : (i + 1) * b], r, partial(output.slot, i))
    assert output.y is not None
    return output.y


def _read_repetition(layer: FoldedLayer, xq: Tensor, r: int, out_for: Callable[[Tensor], Tensor]) -> Tensor:
    """Repetition r of the DAC codes ``xq``: every row tile's partial product (+ noise) digitized and
    accumulated; the first tile writes into ``out_for(partial product)``."""
    fold = layer.fold
    assert fold.w is not None and fold.out_mult is not None
    generators = layer.noise_generators(xq.device, r, r + 1)
    generator = None if generators is None else generators[0]
    codes = layer.ranges.adc.codes
    bias = layer.output_bias
    y: Tensor | None = None
    for t, tile in enumerate(layer.grid.row_tiles):
        part = layer.tile_product(xq, fold.w[r], tile, scratch_ok=True)
        if fold.g_sq is not None:
            var = layer.tile_product(xq * xq, fold.g_sq[r], tile)
            part = part + var.clamp_(min=0).sqrt_() * standard_normal(part, generator)
        if fold.noise is not None:
            part = part + per_column(fold.noise[t, r], part) * standard_normal(part, generator)
        gain = per_column(fold.out_mult[t, r], part)
        if y is None:
            tile_bias = None if bias is None else per_column(bias, part)
            y = adc_first(part, gain, tile_bias, codes, out=out_for(part))
        else:
            y = adc_accumulate(y, part, gain, codes)
    assert y is not None
    return y
