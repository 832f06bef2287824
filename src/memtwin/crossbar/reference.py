"""The reference forward of an analog layer: physical units (x·S), differentiable, one step per effect.

Used where the converter ranges are still being measured — the first eval forwards after programming
(:func:`calibrating_forward`) and every hardware-aware-training batch (:mod:`memtwin.crossbar.hwat`).
The folded forward (:mod:`memtwin.crossbar.fold`) computes the same numbers faster once the ranges are
frozen. Per row tile: DAC → matmul/conv on the effective conductances → read noise → output range →
output noise → ADC → column gains; the tiles' digitized outputs are summed, scaled back to weight units
and the bias is added (digital periphery). Gradients are straight-through (the quantizers pass them inside
their range).

A new periphery effect goes here (:func:`_tile_output`) *and* into the fold (:mod:`memtwin.crossbar.fold`);
``tests/crossbar/test_xb_model.py::test_resnet_with_batchnorm_and_repetitions`` checks the two paths agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import torch
from torch import Tensor

from memtwin.crossbar.array import ProgrammedArray
from memtwin.crossbar.converter_ranges import ConverterRanges
from memtwin.crossbar.converters import column_tile_ranges
from memtwin.crossbar.periphery import Periphery
from memtwin.crossbar.seeding import standard_normal_per_repetition
from memtwin.crossbar.tiles import RowTile, TileGrid

TileProduct = Callable[[Tensor, Tensor, RowTile], Tensor]


class LayerView(Protocol):
    """What the forward paths use of an analog layer (:class:`~memtwin.crossbar.layers.AnalogLayerBase`)."""

    @property
    def grid(self) -> TileGrid: ...

    @property
    def array(self) -> ProgrammedArray: ...

    @property
    def ranges(self) -> ConverterRanges: ...

    @property
    def periphery(self) -> Periphery: ...

    @property
    def output_bias(self) -> Tensor | None: ...

    def tile_product(self, x: Tensor, w: Tensor, tile: RowTile, scratch_ok: bool = False) -> Tensor: ...


@dataclass(frozen=True)
class ChipRead:
    """A state of the array as the reference path reads it: effective conductances ``w_eff``
    (R, outputs, rows), read-noise variance weights ``g_sq`` (None: no read noise), the digital output
    scale ``out_factor`` (R or 1, outputs) and per-tile column gains ``tile_gains`` (row tiles, R, outputs;
    None: not calibrated)."""

    w_eff: Tensor
    g_sq: Tensor | None
    out_factor: Tensor
    tile_gains: Tensor | None = None


def per_repetition_column(v: Tensor, like: Tensor) -> Tensor:
    """(R, outputs) → broadcastable against ``like`` of shape (R, B, outputs, …)."""
    return v.reshape(v.shape[0], 1, v.shape[1], *([1] * (like.dim() - 3)))


def tile_products(product: TileProduct, x: Tensor, w: Tensor, tile: RowTile, reps: int) -> Tensor:
    """All repetitions of one row tile: ``x`` (R·B, …), ``w`` (R, outputs, rows) → (R·B, outputs, …).

    One matmul/conv per repetition (measured faster on CPU than ``bmm``/grouped convolution on strided
    tile slices, which copy), concatenated.
    """
    if reps == 1:
        return product(x, w[0], tile)
    b = x.shape[0] // reps
    return torch.cat([product(x[r * b : (r + 1) * b], w[r], tile) for r in range(reps)])


def reference_forward(
    layer: LayerView,
    x: Tensor,
    chip: ChipRead,
    *,
    reps: int,
    in_range: Tensor | None,
    old_ranges: Tensor | None,
    generators: list[torch.Generator] | None,
) -> tuple[Tensor, Tensor | None]:
    """The layer's output for ``x`` (R·B, …) read from ``chip``, and the output ranges of this batch
    (row tiles, R, outputs; None where no tile needs one), widened by ``old_ranges`` if given.

    ``in_range``: the DAC full scale per repetition; ``generators``: one noise stream per repetition.
    """
    xq = layer.ranges.dac.quantize(x, in_range, reps)
    y: Tensor | None = None
    ranges = []
    for t, tile in enumerate(layer.grid.row_tiles):
        old = None if old_ranges is None else old_ranges[t]
        out, tile_range = _tile_output(layer, xq, t, tile, chip, reps, old, generators)
        if tile_range is not None:
            ranges.append(tile_range)
        y = out if y is None else y + out
    assert y is not None
    y = y * per_repetition_column(chip.out_factor, y)
    bias = layer.output_bias
    if bias is not None:
        y = y + bias.reshape(1, 1, -1, *([1] * (y.dim() - 3)))
    return y.reshape(-1, *y.shape[2:]), torch.stack(ranges) if ranges else None


def _tile_output(
    layer: LayerView,
    xq: Tensor,
    t: int,
    tile: RowTile,
    chip: ChipRead,
    reps: int,
    old_range: Tensor | None,
    generators: list[torch.Generator] | None,
) -> tuple[Tensor, Tensor | None]:
    """One row tile's digitized output (R, B, outputs, …) and its output range (R, outputs) or None."""
    periphery = layer.periphery
    part = tile_products(layer.tile_product, xq, chip.w_eff, tile, reps)
    out = part.view(reps, part.shape[0] // reps, *part.shape[1:])
    if chip.g_sq is not None:
        var = tile_products(layer.tile_product, xq * xq, chip.g_sq, tile, reps).view_as(out)
        out = out + var.clamp(min=0).sqrt() * standard_normal_per_repetition(out, generators)
    tile_range = None
    if periphery.needs_output_range:
        adc = layer.ranges.adc
        tile_range = column_tile_ranges(out, layer.grid.col_slices, adc.percentile)
        if old_range is not None:
            tile_range = torch.maximum(old_range, tile_range)
        if periphery.output_noise_rel > 0:
            spread = periphery.output_noise_rel * per_repetition_column(tile_range, out)
            out = out + spread * standard_normal_per_repetition(out, generators)
        out = adc.quantize(out, tile_range)
    if chip.tile_gains is not None:
        out = out * per_repetition_column(chip.tile_gains[t], out)
    return out, tile_range


def calibrating_forward(layer: LayerView, x: Tensor, generators: list[torch.Generator] | None) -> Tensor:
    """An eval forward of all repetitions while the converters calibrate: widen the ranges with this
    batch, then read through them. Returns (R·B, …)."""
    array, ranges = layer.array, layer.ranges
    assert array.w_eff is not None and array.compensation is not None
    reps = array.repetitions
    in_range = ranges.observe_input(x, reps)
    out_factor = array.out_factor() * array.compensation[:, None]
    chip = ChipRead(array.w_eff, array.g_sq_eff, out_factor, array.column_gain)
    y, out_ranges = reference_forward(
        layer, x, chip, reps=reps, in_range=in_range, old_ranges=ranges.out_range, generators=generators
    )
    if out_ranges is not None:
        ranges.out_range = out_ranges
    return y
