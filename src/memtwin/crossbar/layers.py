"""Analog layers: a ``Linear`` or ``Conv2d`` whose matrix-vector products run on simulated crossbars.

An analog layer *is* an ``nn.Linear`` / ``nn.Conv2d`` (subclass): it keeps the digital ``weight`` and
``bias`` as trainable parameters under the same names, so a digital checkpoint loads into it and its
weights can be exported back. The layer itself holds geometry only — how its weights form a crossbar
matrix, how that matrix is tiled, one tile's matmul/conv — and routes the forward; the rest are parts
with one job each:

* ``array`` (:class:`~memtwin.crossbar.array.ProgrammedArray`): the programmed chips — programming,
  drift, effective conductances, drift compensation, column gains;
* ``ranges`` (:class:`~memtwin.crossbar.converter_ranges.ConverterRanges`): the DAC/ADC objects
  (:mod:`memtwin.crossbar.converters`) and their calibrated full scales;
* ``fold`` (:class:`~memtwin.crossbar.fold.FoldedWeights`): the folded weights of the fast path.

Three forward modes:

* ``train()`` — **hardware-aware training** (:mod:`memtwin.crossbar.hwat`): every batch programmed
  afresh, straight-through gradients. Outputs (B, …).
* ``eval()`` after ``program()`` — **inference on the programmed conductances**, R Monte-Carlo
  repetitions at once: the batch arrives repetition-major, (R·B, …) — or as the model's own (B, …) at the
  first analog layer, whose DAC then writes the R copies — and leaves as (R·B, …). The first
  ``calibration_batches`` forwards calibrate the converters on the reference path
  (:mod:`memtwin.crossbar.reference`); then the layer folds them into its weights and runs the fast path
  (:mod:`memtwin.crossbar.fold`).
* ``eval()`` before ``program()`` — :class:`NotProgrammedError`.

Bias and the per-column weight scale are applied digitally after the ADC (digital periphery).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Self

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from memtwin.crossbar.array import ProgrammedArray
from memtwin.crossbar.config import AnalogConfig
from memtwin.crossbar.converter_ranges import ConverterRanges
from memtwin.crossbar.converters import repeat_batch
from memtwin.crossbar.fold import FoldedWeights, folded_forward
from memtwin.crossbar.hwat import hwat_forward
from memtwin.crossbar.kernels import scratch
from memtwin.crossbar.periphery import Periphery
from memtwin.crossbar.programming import LevelTable
from memtwin.crossbar.reference import calibrating_forward
from memtwin.crossbar.seeding import FORWARD, HWAT, check_seed, make_generator
from memtwin.crossbar.tiles import RowTile, TileGrid, balanced_slices
from memtwin.errors import ConfigError, MemtwinError


class NotProgrammedError(MemtwinError, RuntimeError):
    """An analog layer was evaluated before its crossbars were programmed."""


@dataclass(frozen=True)
class LayerSummary:
    name: str
    kind: str
    weight_shape: tuple[int, ...]
    matrix_shape: tuple[int, int]  # (crossbar rows = inputs, crossbar columns = outputs), in weights
    tiles: tuple[int, int]  # (row tiles, column tiles)
    tile_shapes: tuple[tuple[int, int], ...]
    devices: int
    g_range_S: tuple[float, float]
    max_ir_attenuation: float | None


def check_repetitions(repetitions: int) -> int:
    if isinstance(repetitions, bool) or not isinstance(repetitions, int) or repetitions < 1:
        raise ConfigError(f"repetitions must be an integer >= 1, got {repetitions!r}")
    return repetitions


class AnalogLayerBase(nn.Module):
    """Shared machinery of :class:`AnalogLinear` and :class:`AnalogConv2d` (see the module docstring)."""

    is_analog_layer = True
    #: whether ``tile_product(..., scratch_ok=True)`` returns scratch buffers (when autograd is off)
    partials_in_scratch = False
    weight: Tensor

    # -- set-up --------------------------------------------------------------------------------------
    def _init_analog(self, config: AnalogConfig, layer_index: int) -> None:
        if not isinstance(config, AnalogConfig):
            raise ConfigError(f"config must be an AnalogConfig, got {type(config).__name__}")
        self.config = config
        #: the layer's position in its model: part of every random stream's key
        self.layer_index = layer_index
        col_slices = balanced_slices(self.n_outputs, config.periphery.tile_cols)
        self.grid = TileGrid(tuple(self._make_row_tiles()), tuple(col_slices))
        self.array = ProgrammedArray(config, self.grid, layer_index)
        self.ranges = ConverterRanges(config.periphery)
        self.fold = FoldedWeights()
        self._forward_calls = 0  # model forwards with noise since programming: the forward-noise key
        self._hwat_calls = 0  # training forwards since seeding: the training-noise key
        self._base_batch: int | None = None  # set by AnalogModel while it runs an un-repeated batch
        self._rep_window: tuple[int, int] | None = None  # set by AnalogModel for chunked repetitions

    @property
    def periphery(self) -> Periphery:
        return self.config.periphery

    @property
    def hwat_noise_scale(self) -> float:
        """Device spreads in hardware-aware training, × the real device's (settable)."""
        return self.config.training.hwat_noise_scale

    @hwat_noise_scale.setter
    def hwat_noise_scale(self, scale: float) -> None:
        self._change_training(hwat_noise_scale=scale)

    def _change_training(self, **changes: Any) -> None:
        """A new config with these hardware-aware-training settings (checked like any other)."""
        self.config = replace(self.config, training=replace(self.config.training, **changes))

    # -- geometry (subclass hooks) -------------------------------------------------------------------
    @property
    def n_outputs(self) -> int:
        return int(self.weight.shape[0])

    @property
    def n_rows(self) -> int:
        """Crossbar rows (weights per output)."""
        return int(self.weight[0].numel())

    def _make_row_tiles(self) -> list[RowTile]:
        raise NotImplementedError

    def weight_matrix(self) -> Tensor:
        """The weights as a crossbar matrix (outputs, rows)."""
        return self.weight.reshape(self.n_outputs, -1)

    @property
    def output_bias(self) -> Tensor | None:
        """The bias added digitally after the ADC (None without one)."""
        bias: Tensor | None = getattr(self, "bias", None)
        return bias

    def _prepare_input(self, x: Tensor) -> Tensor:
        """The input as the crossbar sees it: (N, features) for linear layers, padded for convs."""
        return x

    def _restore_output(self, y: Tensor, x_shape: torch.Size) -> Tensor:
        return y

    def tile_product(self, x: Tensor, w: Tensor, tile: RowTile, scratch_ok: bool = False) -> Tensor:
        """Analog partial product of one row tile for one repetition: ``x`` (B, …) with ``w`` (outputs,
        rows) → (B, outputs, …). ``scratch_ok``: the result may live in a scratch buffer (the caller
        consumes it before the next partial product)."""
        raise NotImplementedError

    @classmethod
    def from_digital(cls, module: nn.Linear | nn.Conv2d, config: AnalogConfig, layer_index: int = 0) -> Self:
        """An analog copy of the digital ``module``: its geometry, weights, bias and training mode."""
        weight = module.weight
        geometry = cls._digital_geometry(module)
        layer = cls(
            **geometry, config=config, layer_index=layer_index, torch_device=weight.device, dtype=weight.dtype
        )
        with torch.no_grad():
            layer.weight.copy_(weight)
            if module.bias is not None and layer.output_bias is not None:
                layer.output_bias.copy_(module.bias)
        layer.weight.requires_grad_(weight.requires_grad)
        layer.train(module.training)
        return layer

    @classmethod
    def _digital_geometry(cls, module: Any) -> dict[str, Any]:
        """The constructor arguments (sizes, bias, …) that give ``module``'s shape."""
        raise NotImplementedError

    # -- state ---------------------------------------------------------------------------------------
    @property
    def programmed(self) -> bool:
        return self.array.programmed

    def table(self, torch_device: torch.device | None = None, dtype: torch.dtype | None = None) -> LevelTable:
        """The programming mode's level table on ``torch_device`` (default: the weights')."""
        torch_device = torch_device if torch_device is not None else self.weight.device
        return self.array.table(torch_device, dtype if dtype is not None else self.weight.dtype)

    # -- chip life cycle -----------------------------------------------------------------------------
    @torch.no_grad()
    def program(self, seed: int, repetitions: int = 1) -> None:
        """Write the current digital weights onto ``repetitions`` independent simulated chips.

        Repetition r uses its own stream (seed, layer index, r): the same whatever ``repetitions`` is.
        Resets drift to t = 0 and the converter calibration.
        """
        seed = check_seed(seed)
        self.array.program(self.weight_matrix().detach(), seed, check_repetitions(repetitions))
        self._forward_calls = 0
        self.ranges.reset()
        self._update_fold()

    @torch.no_grad()
    def load_programmed(self, g: Tensor, w_scale: Tensor, seed: int, first_repetition: int = 0) -> None:
        """Take chips trained elsewhere as programmed (see :meth:`ProgrammedArray.load`)."""
        self.array.load(g.to(self.weight.device, self.weight.dtype), w_scale.to(self.weight.device, self.weight.dtype),
                        check_seed(seed), first_repetition)  # fmt: skip
        self._forward_calls = 0
        self.ranges.reset()
        self._update_fold()

    def drift_to(self, t_seconds: float, compensate: bool | None = None) -> None:
        """Conductances ``t_seconds`` after programming (always re-derived from the t = 0 state).

        ``compensate``: apply global drift compensation (None: ``periphery.drift_compensation``).
        """
        self._require_programmed()
        self.array.drift_to(t_seconds, compensate)
        self._update_fold()

    def reset_calibration(self) -> None:
        """Forget the converter ranges: the next ``calibration_batches`` eval forwards (and training
        forwards, for the training DAC range) calibrate again."""
        self.ranges.reset()
        self.ranges.reset_training()
        self._update_fold()

    def finish_calibration(self) -> None:
        """Freeze the ranges seen so far (e.g. after an explicit calibration pass)."""
        if not self.ranges.needed or not self.programmed:
            return
        if self.ranges.seen == 0:
            raise ConfigError(
                "cannot finish calibration: no batch has been seen since programming; run a forward pass "
                "(or AnalogModel.calibrate(data)) first"
            )
        self.ranges.frozen = True
        self._update_fold()

    def calibration_done(self) -> bool:
        return self.ranges.done

    def _update_fold(self) -> None:
        """Fold the programmed state once the converters are calibrated; until then no fold."""
        if self.programmed and self.ranges.done:
            self.fold.build(self.array, self.ranges, self.periphery.output_noise_rel)
        else:
            self.fold.clear()

    def seed_training(self, seed: int) -> None:
        """Restart the hardware-aware-training noise streams from ``seed``."""
        self._change_training(training_seed=seed)
        self._hwat_calls = 0

    # -- forward -------------------------------------------------------------------------------------
    def _require_programmed(self) -> None:
        if not self.programmed:
            raise NotProgrammedError(
                f"analog layer {type(self).__name__} (index {self.layer_index}) has not been programmed: "
                "call AnalogModel.program(seed=...) before evaluating in eval() mode, or use train() mode "
                "for hardware-aware training"
            )

    def forward(self, x: Tensor) -> Tensor:
        shape = x.shape
        if self.training:
            return self._restore_output(hwat_forward(self, self._prepare_input(x)), shape)
        self._require_programmed()
        r0, r1 = self._rep_window if self._rep_window is not None else (0, self.array.repetitions)
        active = r1 - r0
        # An input of the model's own batch size B has not been repeated yet (this is the first analog
        # layer on its path): the DAC writes the copies for the active repetitions itself.
        pending = self._base_batch is not None and shape[0] == self._base_batch
        if not pending and shape[0] % active:
            raise ConfigError(
                f"{active} repetitions are evaluated, so the batch must be repetition-major (R·B, …); got "
                f"a batch of {shape[0]}"
            )
        x = self._prepare_input(x)
        if pending:
            shape = torch.Size((active * shape[0], *shape[1:]))
        if r0 == 0 and self._noisy():
            self._forward_calls += 1  # one noise draw per model forward, however it is chunked
        if self.ranges.done:
            # Reading programmed chips carries no gradient (the converters round), and the fast
            # path's in-place kernels need autograd off, so a plain `analog(x)` works too.
            with torch.no_grad():
                y = folded_forward(self, x, r0, r1, pending)
        else:
            if active != self.array.repetitions:
                raise ConfigError("the converters calibrate on forwards over all repetitions at once")
            y = self._forward_calibrating(repeat_batch(x, active) if pending and active > 1 else x)
        return self._restore_output(y, shape)

    def _forward_calibrating(self, x: Tensor) -> Tensor:
        y = calibrating_forward(self, x, self.noise_generators(x.device, 0, self.array.repetitions))
        if self.ranges.count_batch():
            self._update_fold()
        return y

    def next_training_stream(self) -> torch.Generator:
        """The noise stream of the next hardware-aware-training forward (training seed, layer, call)."""
        self._hwat_calls += 1
        seed = self.config.training.training_seed
        return make_generator(self.weight.device, HWAT, seed, self.layer_index, self._hwat_calls)

    def _noisy(self) -> bool:
        return self.periphery.output_noise_rel > 0 or self.config.device.variability.read_noise_rel > 0

    def noise_generators(self, torch_device: torch.device, r0: int, r1: int) -> list[torch.Generator] | None:
        """One forward-noise stream per repetition and model forward call (None: no noise)."""
        if not self._noisy():
            return None
        keys = (self.array.seed, self.layer_index)
        first = self.array.first_repetition
        return [
            make_generator(torch_device, FORWARD, *keys, first + r, self._forward_calls)
            for r in range(r0, r1)
        ]

    def _snapshot(self) -> list[tuple[object, str, Any]]:
        """Forward-pass state (calibration, folded weights, noise counter), to undo a forward that failed
        midway."""
        parts = (
            (self.ranges, ConverterRanges.FORWARD_STATE),
            (self.fold, FoldedWeights.BUFFERS),
            (self, ("_forward_calls",)),
        )
        return [(owner, name, getattr(owner, name)) for owner, names in parts for name in names]

    def _restore(self, snapshot: list[tuple[object, str, Any]]) -> None:
        for owner, name, value in snapshot:
            setattr(owner, name, value)

    # -- inspection ----------------------------------------------------------------------------------
    def summary(self, name: str = "") -> LayerSummary:
        table = self.table()
        g = self.array.g_current
        g_range = (table.g_min_S, table.g_max_S) if g is None else (float(g.min()), float(g.max()))
        factors = None if g is None else self.array.ir_drop_factors(g[:, 0], g[:, 1])
        max_att = None if factors is None else float(1.0 - torch.minimum(factors[0].min(), factors[1].min()))
        return LayerSummary(
            name=name,
            kind=self._kind(),
            weight_shape=tuple(self.weight.shape),
            matrix_shape=(self.n_rows, self.n_outputs),
            tiles=(len(self.grid.row_tiles), len(self.grid.col_slices)),
            tile_shapes=self.grid.tile_shapes,
            devices=2 * self.weight.numel(),
            g_range_S=g_range,
            max_ir_attenuation=max_att,
        )

    def _kind(self) -> str:
        return type(self).__name__

    def analog_extra_repr(self) -> str:
        return (
            f"mode={self.config.mapping.mode}, weight_scaling={self.config.mapping.weight_scaling}, tiles="
            f"{len(self.grid.row_tiles)}x{len(self.grid.col_slices)}, programmed={self.programmed}"
        )


class AnalogLinear(AnalogLayerBase, nn.Linear):
    """``nn.Linear`` on crossbars: rows = input features, columns = output features."""

    partials_in_scratch = True

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        config: AnalogConfig,
        layer_index: int = 0,
        torch_device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        nn.Linear.__init__(self, in_features, out_features, bias=bias, device=torch_device, dtype=dtype)
        self._init_analog(config, layer_index)

    @classmethod
    def _digital_geometry(cls, module: nn.Linear) -> dict[str, Any]:
        return {
            "in_features": module.in_features,
            "out_features": module.out_features,
            "bias": module.bias is not None,
        }

    def _make_row_tiles(self) -> list[RowTile]:
        return [RowTile(s, s) for s in balanced_slices(self.in_features, self.periphery.tile_rows)]

    def _prepare_input(self, x: Tensor) -> Tensor:
        return x.reshape(-1, x.shape[-1])

    def _restore_output(self, y: Tensor, x_shape: torch.Size) -> Tensor:
        return y.view(*x_shape[:-1], y.shape[-1])

    def tile_product(self, x: Tensor, w: Tensor, tile: RowTile, scratch_ok: bool = False) -> Tensor:
        if len(self.grid.row_tiles) > 1:
            x = x[:, tile.inputs]
            w = w[:, tile.rows]
        buf = scratch("partial", (x.shape[0], w.shape[0]), x) if scratch_ok else None
        if buf is None:
            return F.linear(x, w)
        return torch.mm(x, w.t(), out=buf)

    def _kind(self) -> str:
        return "linear"

    def extra_repr(self) -> str:
        return f"{nn.Linear.extra_repr(self)}, {self.analog_extra_repr()}"


class AnalogConv2d(AnalogLayerBase, nn.Conv2d):
    """``nn.Conv2d`` on crossbars: rows = in_channels·kh·kw (unrolled kernel), columns = out_channels.

    Row tiles hold whole input channels, so a tile's partial sum is an ordinary convolution over a slice
    of the input channels. Grouped convolutions are not supported (ConfigError).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: str | int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        config: AnalogConfig,
        layer_index: int = 0,
        torch_device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        if groups != 1:
            raise ConfigError(
                f"grouped convolutions (groups={groups}) are not supported on crossbars; keep the layer "
                "digital (convert(..., exclude=[name]))"
            )
        nn.Conv2d.__init__(
            self,
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups,
            bias=bias,
            padding_mode=padding_mode,  # type: ignore[arg-type]
            device=torch_device,
            dtype=dtype,
        )
        self._init_analog(config, layer_index)

    @classmethod
    def _digital_geometry(cls, module: nn.Conv2d) -> dict[str, Any]:
        names = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups")
        return {name: getattr(module, name) for name in names} | {
            "bias": module.bias is not None,
            "padding_mode": module.padding_mode,
        }

    def _make_row_tiles(self) -> list[RowTile]:
        kk = int(self.kernel_size[0] * self.kernel_size[1])
        max_rows = self.periphery.tile_rows
        if max_rows is not None and kk > max_rows:
            raise ConfigError(
                f"a {self.kernel_size[0]}x{self.kernel_size[1]} kernel needs {kk} crossbar rows per input "
                f"channel but tile_rows is {max_rows}"
            )
        per_tile = None if max_rows is None else max_rows // kk
        return [
            RowTile(c, slice(c.start * kk, c.stop * kk)) for c in balanced_slices(self.in_channels, per_tile)
        ]

    def _prepare_input(self, x: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            return F.pad(x, self._reversed_padding_repeated_twice, mode=self.padding_mode)
        return x

    def tile_product(self, x: Tensor, w: Tensor, tile: RowTile, scratch_ok: bool = False) -> Tensor:
        kh, kw = self.kernel_size
        wk = w.view(w.shape[0], self.in_channels, kh, kw)
        if len(self.grid.row_tiles) > 1:
            wk = wk[:, tile.inputs]
            x = x[:, tile.inputs]
        padding = 0 if self.padding_mode != "zeros" else self.padding
        return F.conv2d(x, wk, None, self.stride, padding, self.dilation)

    def _kind(self) -> str:
        return "conv2d"

    def extra_repr(self) -> str:
        return f"{nn.Conv2d.extra_repr(self)}, {self.analog_extra_repr()}"
