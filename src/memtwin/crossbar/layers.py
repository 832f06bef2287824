"""Analog layers: a ``Linear`` or ``Conv2d`` whose matrix-vector products run on simulated crossbars.

An analog layer *is* an ``nn.Linear`` / ``nn.Conv2d`` (subclass): it keeps the digital ``weight`` and
``bias`` as trainable parameters under the same names, so a digital checkpoint loads into it and its
weights can be exported back. On top it holds the state of a programmed chip.

Three forward modes:

* ``train()`` — **hardware-aware training** (HWAT). Every batch, the current digital weights are
  programmed afresh by the real programming procedure (:mod:`.programming`: pulse counts, fresh
  cycle-to-cycle noise *and* fresh device-to-device draws, bounds, faults), IR-drop attenuated, and read
  through the DAC/ADC, output noise and read noise. Gradients are straight-through: the weight side gets
  the elementwise Jacobian of that programming (rounding passed through; zero where a weight is clipped
  or a device saturated, stuck or clamped; the IR attenuation treated as a constant), applied by one
  custom autograd function instead of autograd through ~40 elementwise steps; the converters use
  PyTorch's fused fake-quantize kernels (straight-through inside the range). Outputs (B, …). The DAC full
  scale is calibrated on the first ``calibration_batches`` training batches and then frozen (the paper's
  "adaptive scaling of input data for the first few batches of training data"); the ADC full scale
  follows each batch (the weights change while training, a frozen ADC range would go stale).
* ``eval()`` after ``program()`` — **inference on the programmed conductances**, R Monte-Carlo
  repetitions at once: the batch arrives repetition-major, (R·B, …) — or as the model's own (B, …) at the
  first analog layer, whose DAC then writes the R copies — and leaves as (R·B, …). Each repetition runs
  its own matmul/conv on its own conductances (on a CPU this measured faster than ``bmm`` or a grouped
  convolution, which copy strided tile slices or permute the activations) and writes straight into its
  slice of the output. The first ``calibration_batches`` forwards calibrate the converters (slow
  reference path); then the layer folds conductances, IR drop, DAC step, ADC steps, drift compensation
  and the output scale into one effective weight tensor plus one gain vector per row tile, so a forward is
  the DAC, one matmul/conv per row tile, and an in-place round/clamp/multiply-add per tile
  (:mod:`memtwin.crossbar.kernels`).
* ``eval()`` before ``program()`` — :class:`NotProgrammedError`.

Bias and the per-column weight scale are applied digitally after the ADC (digital periphery).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from memtwin.crossbar.calibration import COLUMN_CALIBRATION_VECTORS, apply_column_gains, column_gains
from memtwin.crossbar.drift import (
    DriftLike,
    build_drift_model,
    calibration_input,
    compensation_factor,
    reference_read,
)
from memtwin.crossbar.irdrop import tiled_pair_ir_drop_factors
from memtwin.crossbar.kernels import adc_accumulate, adc_first, dac_codes, scratch
from memtwin.crossbar.mapping import (
    check_clip_sigma,
    check_weight_scaling,
    pulse_counts,
    split_differential,
    weight_scale,
)
from memtwin.crossbar.periphery import Periphery, abs_percentile, balanced_slices, quantize_fused
from memtwin.crossbar.programming import (
    DeviceDraws,
    LevelTable,
    draw_devices,
    program_conductances,
    program_conductances_with_slope,
    scale_draws,
)
from memtwin.crossbar.seeding import DRIFT, FORWARD, HWAT, PROGRAM, check_seed, make_generator, time_key
from memtwin.crossbar.verify import program_verified, program_verified_with_slope
from memtwin.devices.model import DeviceModel, Variability
from memtwin.errors import ConfigError, MemtwinError

#: Buffers of a programmed chip (non-persistent: they follow ``.to(device)`` but stay out of
#: ``state_dict``, so state dicts keep the digital layout).
_STATE_BUFFERS = (
    "pulses",
    "g_programmed",
    "g_current",
    "w_scale",
    "w_eff",
    "g_sq_eff",
    "ref_read0",
    "compensation",
    "column_gain",
    "in_range",
    "out_range",
    "train_in_range",
    "fold_w",
    "fold_g_sq",
    "fold_dac_inv_step",
    "fold_out_mult",
    "fold_noise",
)


class NotProgrammedError(MemtwinError, RuntimeError):
    """An analog layer was evaluated before its crossbars were programmed."""


@dataclass(frozen=True)
class RowTile:
    """A block of crossbar rows: ``inputs`` indexes the layer input (features or channels), ``rows``
    the flattened matrix's rows."""

    inputs: slice
    rows: slice


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


def _tiny(dtype: torch.dtype) -> float:
    return float(torch.finfo(dtype).tiny)


class AnalogLayerBase(nn.Module):
    """Shared machinery of :class:`AnalogLinear` and :class:`AnalogConv2d` (see the module docstring)."""

    is_analog_layer = True
    #: whether ``_mvm_one(..., scratch_ok=True)`` returns scratch buffers (when autograd is off)
    _partials_in_scratch = False
    weight: Tensor
    pulses: Tensor | None
    g_programmed: Tensor | None
    g_current: Tensor | None
    w_scale: Tensor | None
    w_eff: Tensor | None
    g_sq_eff: Tensor | None
    ref_read0: Tensor | None
    compensation: Tensor | None
    column_gain: Tensor | None
    in_range: Tensor | None
    out_range: Tensor | None
    train_in_range: Tensor | None
    fold_w: Tensor | None
    fold_g_sq: Tensor | None
    fold_dac_inv_step: Tensor | None
    fold_out_mult: Tensor | None
    fold_noise: Tensor | None

    # -- set-up --------------------------------------------------------------------------------------
    def _init_analog(
        self,
        device_model: DeviceModel,
        periphery: Periphery | None,
        mode: str,
        weight_scaling: str,
        weight_clip_sigma: float | None,
    ) -> None:
        if not isinstance(device_model, DeviceModel):
            raise ConfigError(f"device_model must be a DeviceModel, got {type(device_model).__name__}")
        device_model.mode(mode)  # raises ConfigError for an unknown mode
        self.device_model = device_model
        self.periphery = periphery if periphery is not None else Periphery.ideal()
        if not isinstance(self.periphery, Periphery):
            raise ConfigError(f"periphery must be a Periphery, got {type(self.periphery).__name__}")
        self.mode = mode
        self.weight_scaling = check_weight_scaling(weight_scaling)
        self.weight_clip_sigma = check_clip_sigma(weight_clip_sigma)
        self.layer_index = 0
        self.training_seed = 0
        self.hwat_noise_scale = 1.0  # device spreads in hardware-aware training, × the real device's
        self.drift_model: DriftLike | None = None
        for name in _STATE_BUFFERS:
            self.register_buffer(name, None, persistent=False)
        self._repetitions = 0
        self._seed = 0
        self._t_s = 0.0
        self._forward_calls = 0
        self._hwat_calls = 0
        self._calib_seen = 0
        self._calib_frozen = False
        self._train_calib_seen = 0
        self._base_batch: int | None = None  # set by AnalogModel while it runs an un-repeated batch
        self._rep_window: tuple[int, int] | None = None  # set by AnalogModel for chunked repetitions
        self._tables: dict[tuple[str, torch.dtype], LevelTable] = {}
        self._row_tiles = self._make_row_tiles()
        self._col_slices = balanced_slices(self.n_outputs, self.periphery.tile_cols)

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

    def _weight_matrix(self) -> Tensor:
        """The weights as a crossbar matrix (outputs, rows)."""
        return self.weight.reshape(self.n_outputs, -1)

    def _prepare_input(self, x: Tensor) -> Tensor:
        """The input as the crossbar sees it: (N, features) for linear layers, padded for convs."""
        return x

    def _restore_output(self, y: Tensor, x_shape: torch.Size) -> Tensor:
        return y

    def _mvm_one(self, x: Tensor, w: Tensor, tile: RowTile, scratch_ok: bool = False) -> Tensor:
        """Analog partial product of one row tile for one repetition: ``x`` (B, …) with ``w`` (outputs,
        rows) → (B, outputs, …). ``scratch_ok``: the result may live in a scratch buffer (the caller
        consumes it before the next partial product)."""
        raise NotImplementedError

    def _mvm(self, x: Tensor, w: Tensor, tile: RowTile, reps: int) -> Tensor:
        """All repetitions: ``x`` (R·B, …), ``w`` (R, outputs, rows) → (R·B, outputs, …).

        One matmul/conv per repetition (measured faster on CPU than ``bmm``/grouped convolution on
        strided tile slices, which copy); the results are concatenated, so this is for the slow paths —
        the folded forward writes each repetition straight into its slice of the output.
        """
        if reps == 1:
            return self._mvm_one(x, w[0], tile)
        b = x.shape[0] // reps
        return torch.cat([self._mvm_one(x[r * b : (r + 1) * b], w[r], tile) for r in range(reps)])

    @property
    def row_tiles(self) -> list[RowTile]:
        return list(self._row_tiles)

    @property
    def col_slices(self) -> list[slice]:
        return list(self._col_slices)

    # -- state ---------------------------------------------------------------------------------------
    @property
    def programmed(self) -> bool:
        return self.g_programmed is not None

    @property
    def repetitions(self) -> int:
        return self._repetitions

    @property
    def t_seconds(self) -> float:
        return self._t_s

    def table(self, device: torch.device | None = None, dtype: torch.dtype | None = None) -> LevelTable:
        """The programming mode's level table on ``device`` (default: the weights')."""
        device = device if device is not None else self.weight.device
        dtype = dtype if dtype is not None else self.weight.dtype
        key = (str(device), dtype)
        if key not in self._tables:
            self._tables[key] = LevelTable.from_mode(self.device_model.mode(self.mode), device, dtype)
        return self._tables[key]

    def _wire_resistance(self, table: LevelTable) -> float:
        return self.periphery.wire_resistance_for(table.g_max_S)

    # -- programming ---------------------------------------------------------------------------------
    @torch.no_grad()
    def program(self, seed: int, repetitions: int = 1) -> None:
        """Write the current digital weights onto ``repetitions`` independent simulated chips.

        Repetition r uses its own stream (seed, layer index, r): the same whatever ``repetitions`` is.
        Resets drift to t = 0 and the converter calibration.
        """
        seed = check_seed(seed)
        if isinstance(repetitions, bool) or not isinstance(repetitions, int) or repetitions < 1:
            raise ConfigError(f"repetitions must be an integer >= 1, got {repetitions!r}")
        w = self._weight_matrix().detach()
        table = self.table()
        variability = self.device_model.variability
        scale = weight_scale(w, self.weight_scaling, self.weight_clip_sigma)
        n = pulse_counts(w, scale, table.levels)
        n_plus, n_minus = split_differential(n, w, table.increasing)
        pulses = torch.stack((n_plus, n_minus))
        g = torch.empty((repetitions, *pulses.shape), dtype=w.dtype, device=w.device)
        for r in range(repetitions):
            gen = make_generator(w.device, PROGRAM, seed, self.layer_index, r)
            draws = draw_devices(
                tuple(pulses.shape), variability, gen, w.dtype, noise_draws=self._verify_writes()
            )
            if self.periphery.program_verify:
                tolerance = self.periphery.verify_tolerance_steps
                g[r] = program_verified(pulses, table, variability, draws, tolerance)
            else:
                g[r] = program_conductances(pulses, table, variability, draws)
        self.pulses = pulses.to(torch.int16)
        self.g_programmed = g
        self.g_current = g
        self.w_scale = scale
        self._repetitions = repetitions
        self._seed = seed
        self._t_s = 0.0
        self._forward_calls = 0
        self._reset_calibration_state()
        self._refresh(set_reference=True, compensate=False)

    def _verify_writes(self) -> int | None:
        """Cycle-to-cycle draws per device: one per verify write, None for open-loop programming."""
        return self.periphery.verify_attempts if self.periphery.program_verify else None

    def _write_with_slope(
        self, pulses: Tensor, table: LevelTable, variability: Variability, draws: DeviceDraws
    ) -> tuple[Tensor, Tensor]:
        """Conductances of devices written to ``pulses`` levels, and dG/dn, by the periphery's scheme."""
        if self.periphery.program_verify:
            tolerance = self.periphery.verify_tolerance_steps
            return program_verified_with_slope(pulses, table, variability, draws, tolerance)
        return program_conductances_with_slope(pulses, table, variability, draws)

    @torch.no_grad()
    def drift_to(self, t_seconds: float, compensate: bool | None = None) -> None:
        """Conductances ``t_seconds`` after programming (always re-derived from the t = 0 state).

        ``compensate``: apply global drift compensation (None: ``periphery.drift_compensation``).
        """
        self._require_programmed()
        t = float(t_seconds)
        if not (math.isfinite(t) and t >= 0):
            raise ConfigError(f"drift time must be finite and >= 0 s, got {t_seconds!r}")
        assert self.g_programmed is not None and self.pulses is not None
        if compensate is None:
            compensate = self.periphery.drift_compensation
        if t == 0:
            self.g_current = self.g_programmed
        else:
            if self.drift_model is None:
                self.drift_model = build_drift_model(self.device_model.drift)
            table = self.table()
            target = table.g_S[self.pulses.to(torch.int64)]
            g_now = torch.empty_like(self.g_programmed)
            for r in range(self._repetitions):
                gen = make_generator(
                    self.g_programmed.device, DRIFT, self._seed, self.layer_index, r, time_key(t)
                )
                g_now[r] = self.drift_model.apply(
                    self.g_programmed[r],
                    t,
                    gen,
                    table.g_max_S,
                    g_min_S=table.g_min_S,
                    g_target_S=target,
                )
            self.g_current = g_now.clamp(min=0.0)
        self._t_s = t
        self._refresh(set_reference=False, compensate=bool(compensate))

    def _effective(self, g_plus: Tensor, g_minus: Tensor) -> tuple[Tensor, Tensor | None]:
        """Effective differential conductances (R, outputs, rows) after IR drop, and the read-noise
        variance weights r²(G⁺² + G⁻²) (None without read noise). IR-drop factors carry no gradient."""
        w_eff, g_sq, _, _ = self._effective_with_factors(g_plus, g_minus)
        return w_eff, g_sq

    def _effective_with_factors(
        self, g_plus: Tensor, g_minus: Tensor
    ) -> tuple[Tensor, Tensor | None, Tensor, Tensor]:
        table = self.table(g_plus.device, g_plus.dtype)
        if self.periphery.ir_drop:
            f_plus, f_minus = tiled_pair_ir_drop_factors(
                g_plus.detach(),
                g_minus.detach(),
                [t.rows for t in self._row_tiles],
                self._col_slices,
                self._wire_resistance(table),
            )
            g_plus = g_plus * f_plus
            g_minus = g_minus * f_minus
        else:
            f_plus = f_minus = torch.ones((1, 1, 1), dtype=g_plus.dtype, device=g_plus.device)
        w_eff = g_plus - g_minus
        rel = self.device_model.variability.read_noise_rel
        g_sq = rel * rel * (g_plus * g_plus + g_minus * g_minus) if rel > 0 else None
        return w_eff, g_sq, f_plus, f_minus

    def _out_factor(self, scale: Tensor, table: LevelTable) -> Tensor:
        """Digital per-column scale from conductance units back to weights: scale/|Δ_top|."""
        return scale / table.top_delta_S

    def _refresh(self, *, set_reference: bool, compensate: bool) -> None:
        assert self.g_current is not None and self.w_scale is not None
        w_eff, g_sq = self._effective(self.g_current[:, 0], self.g_current[:, 1])
        table = self.table()
        out_factor = self._out_factor(self.w_scale, table)
        x_cal = calibration_input(self.n_rows, self.layer_index, w_eff.device, w_eff.dtype)
        self.w_eff = w_eff.contiguous()
        self.g_sq_eff = g_sq
        if self.periphery.column_calibration:
            if set_reference:  # calibrated once, right after programming; drift is GDC's job
                self.column_gain = self._column_gains(w_eff, self.w_scale)
            assert self.column_gain is not None
            # the compensation read sees the outputs as the chip delivers them, column gains included
            w_eff = apply_column_gains(w_eff, self.column_gain, [t.rows for t in self._row_tiles])
        ref = reference_read(w_eff, out_factor, x_cal)
        if set_reference:
            self.ref_read0 = ref
        assert self.ref_read0 is not None
        if compensate:
            self.compensation = compensation_factor(self.ref_read0, ref)
        else:
            self.compensation = torch.ones_like(ref)
        if self._calibration_done():
            self._build_fold()

    def _column_gains(self, w_eff: Tensor, scale: Tensor) -> Tensor:
        """Per-tile column gains fitting the read of ``w_eff`` to the target weights (clipped as mapped)."""
        w = self._weight_matrix().detach()
        x_cal = calibration_input(
            self.n_rows, self.layer_index, w.device, w.dtype, COLUMN_CALIBRATION_VECTORS
        )
        target = torch.maximum(torch.minimum(w, scale[:, None]), -scale[:, None])
        out_factor = self._out_factor(scale, self.table(w.device, w.dtype))
        return column_gains(w_eff.detach(), out_factor, target, x_cal, [t.rows for t in self._row_tiles])

    # -- calibration ---------------------------------------------------------------------------------
    def _needs_calibration(self) -> bool:
        p = self.periphery
        return p.dac_bits is not None or p.needs_output_range

    def _calibration_done(self) -> bool:
        return not self._needs_calibration() or self._calib_frozen

    def reset_calibration(self) -> None:
        """Forget the converter ranges: the next ``calibration_batches`` eval forwards (and training
        forwards, for the training DAC range) calibrate again."""
        self._reset_calibration_state()
        self._train_calib_seen = 0
        self.train_in_range = None
        if self.programmed and self._calibration_done():
            self._build_fold()

    def _reset_calibration_state(self) -> None:
        self._calib_seen = 0
        self._calib_frozen = False
        self.in_range = None
        self.out_range = None
        self._clear_fold()

    def finish_calibration(self) -> None:
        """Freeze the ranges seen so far (e.g. after an explicit calibration pass)."""
        if not self._needs_calibration() or not self.programmed:
            return
        if self._calib_seen == 0:
            raise ConfigError(
                "cannot finish calibration: no batch has been seen since programming; run a forward pass "
                "(or AnalogModel.calibrate(data)) first"
            )
        self._calib_frozen = True
        self._build_fold()

    def _clear_fold(self) -> None:
        self.fold_w = None
        self.fold_g_sq = None
        self.fold_dac_inv_step = None
        self.fold_out_mult = None
        self.fold_noise = None

    def _build_fold(self) -> None:
        """Fold conductances, DAC step, ADC steps, compensation and weight scale into one weight tensor
        (in ADC codes per DAC code) and per-tile output multipliers."""
        assert self.w_eff is not None and self.w_scale is not None and self.compensation is not None
        p = self.periphery
        reps = self._repetitions
        dtype, device = self.w_eff.dtype, self.w_eff.device
        out_factor = self._out_factor(self.w_scale, self.table())
        if p.dac_bits is not None:
            assert self.in_range is not None and p.dac_codes is not None
            dac_step = self.in_range.clamp(min=_tiny(dtype)) / p.dac_codes
            self.fold_dac_inv_step = 1.0 / dac_step
        else:
            dac_step = torch.ones(reps, dtype=dtype, device=device)
            self.fold_dac_inv_step = None
        fold_w = self.w_eff * dac_step[:, None, None]
        fold_g_sq = None if self.g_sq_eff is None else self.g_sq_eff * (dac_step * dac_step)[:, None, None]
        mults = []
        noises = []
        for t, tile in enumerate(self._row_tiles):
            if p.adc_bits is not None:
                assert self.out_range is not None and p.adc_codes is not None
                rng = self.out_range[t]
                live = rng > 0
                adc_step = torch.where(live, rng / p.adc_codes, torch.ones_like(rng))
                gain = torch.where(live, adc_step, torch.zeros_like(rng))
            else:
                adc_step = torch.ones((reps, self.n_outputs), dtype=dtype, device=device)
                gain = adc_step
            fold_w[:, :, tile.rows] /= adc_step[:, :, None]
            if fold_g_sq is not None:
                fold_g_sq[:, :, tile.rows] /= (adc_step * adc_step)[:, :, None]
            mult = gain * out_factor * self.compensation[:, None]
            mults.append(mult if self.column_gain is None else mult * self.column_gain[t])
            if p.output_noise_rel > 0:
                assert self.out_range is not None
                noises.append(p.output_noise_rel * self.out_range[t] / adc_step)
        self.fold_w = self._fold_layout(fold_w)
        self.fold_g_sq = None if fold_g_sq is None else self._fold_layout(fold_g_sq)
        self.fold_out_mult = torch.stack(mults)
        self.fold_noise = torch.stack(noises) if noises else None

    def _fold_layout(self, w: Tensor) -> Tensor:
        return w.contiguous()

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
            return self._restore_output(self._forward_hwat(self._prepare_input(x)), shape)
        self._require_programmed()
        r0, r1 = self._rep_window if self._rep_window is not None else (0, self._repetitions)
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
        if not self._calibration_done():
            if active != self._repetitions:
                raise ConfigError("the converters calibrate on forwards over all repetitions at once")
            if pending and active > 1:
                x = x.unsqueeze(0).expand(active, *x.shape).reshape(active * x.shape[0], *x.shape[1:])
            y = self._forward_calibrate(x, self._noise_generators(x.device, 0, active))
        else:
            y = self._forward_fast(x, r0, r1, pending)
        return self._restore_output(y, shape)

    _SNAPSHOT = (
        "_calib_seen",
        "_calib_frozen",
        "_forward_calls",
        "in_range",
        "out_range",
        "fold_w",
        "fold_g_sq",
        "fold_dac_inv_step",
        "fold_out_mult",
        "fold_noise",
    )

    def _snapshot(self) -> dict[str, Any]:
        """Forward-pass state (calibration, noise counters), to undo a forward that failed midway."""
        return {name: getattr(self, name) for name in self._SNAPSHOT}

    def _restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)

    def _noisy(self) -> bool:
        return self.periphery.output_noise_rel > 0 or self.device_model.variability.read_noise_rel > 0

    @staticmethod
    def _col(v: Tensor, like: Tensor) -> Tensor:
        """(R, outputs) → broadcastable against ``like`` of shape (R, B, outputs, …)."""
        return v.reshape(v.shape[0], 1, v.shape[1], *([1] * (like.dim() - 3)))

    def _bias_view(self, like: Tensor) -> Tensor | None:
        bias: Tensor | None = getattr(self, "bias", None)
        if bias is None:
            return None
        return bias.reshape(1, 1, -1, *([1] * (like.dim() - 3)))

    def _forward_fast(self, x: Tensor, r0: int, r1: int, pending: bool) -> Tensor:
        """Folded forward of repetitions r0..r1−1: DAC codes → one matmul/conv per row tile (in ADC codes)
        → ADC → gain (+ bias), repetition by repetition, each written straight into its output slice.

        ``pending``: ``x`` is the un-repeated batch (B, …); the DAC broadcasts it to the repetitions.
        Noise (output, read) comes from one stream per (repetition, forward call), so repetition r sees
        the same noise whether it is evaluated alone, with others, or in chunks.
        """
        p = self.periphery
        active = r1 - r0
        assert self.fold_w is not None and self.fold_out_mult is not None
        rows = x.shape[0] * active if pending else x.shape[0]
        if self.fold_dac_inv_step is not None:
            assert p.dac_codes is not None
            src = x.reshape(1, -1) if pending else x.reshape(active, -1)
            inv = self.fold_dac_inv_step[r0:r1, None]
            buf = scratch("dac", (active, src.shape[1]), x)
            xq = dac_codes(src, inv, p.dac_codes, out=buf).view(rows, *x.shape[1:])
        elif pending and active > 1:
            xq = x.unsqueeze(0).expand(active, *x.shape).reshape(rows, *x.shape[1:])
        else:
            xq = x
        b = rows // active
        # A partial product not in a scratch buffer is a fresh tensor this layer owns; with one
        # repetition it becomes the output in place (no copy). Scratch buffers must never be returned.
        part_owned = not (self._partials_in_scratch and not torch.is_grad_enabled())
        y: Tensor | None = None
        for i, r in enumerate(range(r0, r1)):
            xr = xq[i * b : (i + 1) * b]
            generators = self._noise_generators(x.device, r, r + 1)
            generator = None if generators is None else generators[0]
            yr: Tensor | None = None
            for t, tile in enumerate(self._row_tiles):
                part = self._mvm_one(xr, self.fold_w[r], tile, scratch_ok=True)
                if self.fold_g_sq is not None:
                    var = self._mvm_one(xr * xr, self.fold_g_sq[r], tile)
                    part = part + var.clamp_(min=0).sqrt_() * self._randn(part, generator)
                if self.fold_noise is not None:
                    part = part + self._col1(self.fold_noise[t, r], part) * self._randn(part, generator)
                gain = self._col1(self.fold_out_mult[t, r], part)
                if yr is None:
                    if active == 1 and part_owned:
                        out = part  # a fresh tensor this layer owns: becomes the output, no copy
                    else:
                        if y is None:
                            y = torch.empty((rows, *part.shape[1:]), dtype=part.dtype, device=part.device)
                        out = y[i * b : (i + 1) * b]
                    yr = adc_first(part, gain, self._bias1(part), p.adc_codes, out=out)
                    if active == 1:
                        y = yr
                else:
                    yr = adc_accumulate(yr, part, gain, p.adc_codes)
        assert y is not None
        return y

    @staticmethod
    def _col1(v: Tensor, like: Tensor) -> Tensor:
        """(outputs,) → broadcastable against ``like`` of shape (B, outputs, …)."""
        return v.reshape(1, v.shape[0], *([1] * (like.dim() - 2)))

    def _bias1(self, like: Tensor) -> Tensor | None:
        bias: Tensor | None = getattr(self, "bias", None)
        return None if bias is None else self._col1(bias, like)

    @staticmethod
    def _randn(like: Tensor, generator: torch.Generator | None) -> Tensor:
        assert generator is not None, "noise needs a seeded generator"
        return torch.randn(like.shape, generator=generator, device=like.device, dtype=like.dtype)

    def _noise_generators(self, device: torch.device, r0: int, r1: int) -> list[torch.Generator] | None:
        """One forward-noise stream per repetition and model forward call (None: no noise)."""
        if not self._noisy():
            return None
        return [
            make_generator(device, FORWARD, self._seed, self.layer_index, r, self._forward_calls)
            for r in range(r0, r1)
        ]

    @staticmethod
    def _randn_reps(like: Tensor, generators: list[torch.Generator] | None) -> Tensor:
        """Standard normal noise shaped like ``like`` (R, B, …), repetition r from ``generators[r]``."""
        assert generators is not None, "noise needs seeded generators"
        return torch.stack(
            [
                torch.randn(like.shape[1:], generator=g, device=like.device, dtype=like.dtype)
                for g in generators
            ]
        )

    def _forward_calibrate(self, x: Tensor, generators: list[torch.Generator] | None) -> Tensor:
        """Slow path while the converters calibrate: update the ranges with this batch, then quantize."""
        assert self.w_eff is not None and self.w_scale is not None and self.compensation is not None
        p = self.periphery
        reps = self._repetitions
        if p.dac_bits is not None:
            stat = abs_percentile(x.reshape(reps, -1), p.dac_percentile)
            self.in_range = stat if self.in_range is None else torch.maximum(self.in_range, stat)
        out_factor = self._out_factor(self.w_scale, self.table()) * self.compensation[:, None]
        y = self._forward_generic(
            x,
            reps=reps,
            w_eff=self.w_eff,
            g_sq=self.g_sq_eff,
            out_factor=out_factor,
            in_range=self.in_range,
            generators=generators,
            range_mode="calibrate",
            tile_gains=self.column_gain,
        )
        self._calib_seen += 1
        if self._calib_seen >= p.calibration_batches:
            self._calib_frozen = True
            self._build_fold()
        return y

    def _tile_range_stat(self, pv: Tensor, percentile: float) -> Tensor:
        """Per (repetition, column tile) percentile of |output|, expanded to (R, outputs)."""
        out = torch.empty((pv.shape[0], pv.shape[2]), dtype=pv.dtype, device=pv.device)
        for cs in self._col_slices:
            stat = abs_percentile(pv[:, :, cs].reshape(pv.shape[0], -1), percentile)
            out[:, cs] = stat[:, None]
        return out

    def _forward_generic(
        self,
        x: Tensor,
        *,
        reps: int,
        w_eff: Tensor,
        g_sq: Tensor | None,
        out_factor: Tensor,
        in_range: Tensor | None,
        generators: list[torch.Generator] | None,
        range_mode: str,
        tile_gains: Tensor | None = None,
    ) -> Tensor:
        """Reference implementation in physical units (x·S), differentiable (straight-through).

        ``range_mode``: "calibrate" (update ``self.out_range`` with this batch, max over the calibration
        batches) or "dynamic" (output ranges from this batch only; hardware-aware training).
        ``tile_gains``: (row tiles, R, outputs) digital gains applied to each tile's digitized output.
        """
        p = self.periphery
        dtype = x.dtype
        if p.dac_bits is not None:
            assert in_range is not None and p.dac_codes is not None
            step = in_range.clamp(min=_tiny(dtype)) / p.dac_codes
            if reps == 1:
                xq = quantize_fused(x, step, p.dac_codes)
            else:
                xq = quantize_fused(x.reshape(reps, -1), step, p.dac_codes, axis=0).view_as(x)
        else:
            xq = x
        y: Tensor | None = None
        new_ranges = []
        for t, tile in enumerate(self._row_tiles):
            part = self._mvm(xq, w_eff, tile, reps)
            pv = part.view(reps, part.shape[0] // reps, *part.shape[1:])
            if g_sq is not None:
                var = self._mvm(xq * xq, g_sq, tile, reps).view_as(pv)
                pv = pv + var.clamp(min=0).sqrt() * self._randn_reps(pv, generators)
            if p.needs_output_range:
                rng = self._tile_range_stat(pv, p.adc_percentile)
                if range_mode == "calibrate" and self.out_range is not None:
                    rng = torch.maximum(self.out_range[t], rng)
                new_ranges.append(rng)
                rv = self._col(rng, pv)
                if p.output_noise_rel > 0:
                    pv = pv + p.output_noise_rel * rv * self._randn_reps(pv, generators)
                if p.adc_bits is not None:
                    assert p.adc_codes is not None
                    # a tile whose calibrated range is 0 reads 0 (its step is floored at 1e-30)
                    step = rng / p.adc_codes
                    pv = torch.stack(
                        [quantize_fused(pv[r], step[r], p.adc_codes, axis=1) for r in range(reps)]
                    )
            if tile_gains is not None:
                pv = pv * self._col(tile_gains[t], pv)
            y = pv if y is None else y + pv
        assert y is not None
        if range_mode == "calibrate" and new_ranges:
            self.out_range = torch.stack(new_ranges)
        y = y * self._col(out_factor, y)
        bias = self._bias_view(y)
        if bias is not None:
            y = y + bias
        return y.reshape(-1, *y.shape[2:])

    # -- hardware-aware training ---------------------------------------------------------------------
    def hwat_weights(self, generator: torch.Generator) -> tuple[Tensor, Tensor | None, Tensor]:
        """One fresh programming of the current weights for hardware-aware training.

        Returns the effective differential conductances (1, outputs, rows) — carrying a straight-through
        gradient to ``weight`` —, the read-noise variance weights (or None), and the weight scale.
        Everything is computed without autograd (it is the real programming procedure, with fresh
        cycle-to-cycle *and* device-to-device draws); the gradient is attached by
        :class:`_StraightThroughWeights` from the elementwise Jacobian d w_eff / d w: through the
        straight-through rounding of the pulse count, the device's level slope and update factor, and the
        IR-drop attenuation, zero where a weight is clipped or a device saturated, stuck or clamped.
        """
        table = self.table(self.weight.device, self.weight.dtype)
        variability = self.device_model.variability
        w = self._weight_matrix()
        with torch.no_grad():
            wd = w.detach()
            scale = weight_scale(wd, self.weight_scaling, self.weight_clip_sigma)
            n = pulse_counts(wd, scale, table.levels)
            n_plus, n_minus = split_differential(n, wd, table.increasing)
            pulses = torch.stack((n_plus, n_minus))
            draws = draw_devices(
                tuple(pulses.shape),
                variability,
                generator,
                wd.dtype,
                pair_shared_update=True,
                noise_draws=self._verify_writes(),
            )
            draws = scale_draws(draws, self.hwat_noise_scale)
            g, slope = self._write_with_slope(pulses, table, variability, draws)
            w_eff, g_sq, f_plus, f_minus = self._effective_with_factors(g[0][None], g[1][None])
            k = (table.levels - 1) / scale[:, None] * (wd.abs() <= scale[:, None])
            term_plus = f_plus[0] * slope[0]
            term_minus = -f_minus[0] * slope[1]
            pos_term, neg_term = (term_plus, term_minus) if table.increasing else (term_minus, term_plus)
            zero = torch.zeros((), dtype=wd.dtype, device=wd.device)
            jac = k * torch.where(wd > 0, pos_term, torch.where(wd < 0, -neg_term, zero))
        return _StraightThroughWeights.apply(w, w_eff[0], jac)[None], g_sq, scale

    def _forward_hwat(self, x: Tensor) -> Tensor:
        p = self.periphery
        table = self.table(self.weight.device, self.weight.dtype)
        self._hwat_calls += 1
        gen = make_generator(self.weight.device, HWAT, self.training_seed, self.layer_index, self._hwat_calls)
        w_eff, g_sq, scale = self.hwat_weights(gen)
        # train on the chip as it will be calibrated (gains are constants to the gradient)
        gains = self._column_gains(w_eff, scale) if p.column_calibration else None
        in_range = None
        if p.dac_bits is not None:
            if self._train_calib_seen < p.calibration_batches or self.train_in_range is None:
                stat = abs_percentile(x.detach().reshape(1, -1), p.dac_percentile)
                old = self.train_in_range
                self.train_in_range = stat if old is None else torch.maximum(old, stat)
                self._train_calib_seen += 1
            in_range = self.train_in_range
        out_factor = self._out_factor(scale, table)[None]
        return self._forward_generic(
            x,
            reps=1,
            w_eff=w_eff,
            g_sq=g_sq,
            out_factor=out_factor,
            in_range=in_range,
            generators=[gen],
            range_mode="dynamic",
            tile_gains=gains,
        )

    # -- inspection ----------------------------------------------------------------------------------
    def summary(self, name: str = "") -> LayerSummary:
        tiles = [
            (t.rows.stop - t.rows.start, c.stop - c.start) for t in self._row_tiles for c in self._col_slices
        ]
        table = self.table()
        if self.g_current is not None:
            g_range = (float(self.g_current.min()), float(self.g_current.max()))
        else:
            g_range = (table.g_min_S, table.g_max_S)
        max_att = None
        if self.periphery.ir_drop and self.g_current is not None:
            fp, fm = tiled_pair_ir_drop_factors(
                self.g_current[:, 0],
                self.g_current[:, 1],
                [t.rows for t in self._row_tiles],
                self._col_slices,
                self._wire_resistance(table),
            )
            max_att = float(1.0 - torch.minimum(fp.min(), fm.min()))
        return LayerSummary(
            name=name,
            kind=self._kind(),
            weight_shape=tuple(self.weight.shape),
            matrix_shape=(self.n_rows, self.n_outputs),
            tiles=(len(self._row_tiles), len(self._col_slices)),
            tile_shapes=tuple(tiles),
            devices=2 * self.weight.numel(),
            g_range_S=g_range,
            max_ir_attenuation=max_att,
        )

    def _kind(self) -> str:
        return type(self).__name__

    def analog_extra_repr(self) -> str:
        return (
            f"mode={self.mode}, weight_scaling={self.weight_scaling}, tiles="
            f"{len(self._row_tiles)}x{len(self._col_slices)}, programmed={self.programmed}"
        )


class AnalogLinear(AnalogLayerBase, nn.Linear):
    """``nn.Linear`` on crossbars: rows = input features, columns = output features."""

    _partials_in_scratch = True

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        device_model: DeviceModel,
        periphery: Periphery | None = None,
        mode: str = "potentiation",
        weight_scaling: str = "column",
        weight_clip_sigma: float | None = None,
        device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        nn.Linear.__init__(self, in_features, out_features, bias=bias, device=device, dtype=dtype)
        self._init_analog(device_model, periphery, mode, weight_scaling, weight_clip_sigma)

    @classmethod
    def from_digital(
        cls,
        module: nn.Linear,
        device_model: DeviceModel,
        periphery: Periphery | None = None,
        mode: str = "potentiation",
        weight_scaling: str = "column",
        weight_clip_sigma: float | None = None,
    ) -> AnalogLinear:
        layer = cls(
            module.in_features,
            module.out_features,
            bias=module.bias is not None,
            device_model=device_model,
            periphery=periphery,
            mode=mode,
            weight_scaling=weight_scaling,
            weight_clip_sigma=weight_clip_sigma,
            device=module.weight.device,
            dtype=module.weight.dtype,
        )
        with torch.no_grad():
            layer.weight.copy_(module.weight)
            if module.bias is not None and layer.bias is not None:
                layer.bias.copy_(module.bias)
        layer.weight.requires_grad_(module.weight.requires_grad)
        layer.train(module.training)
        return layer

    def _make_row_tiles(self) -> list[RowTile]:
        return [RowTile(s, s) for s in balanced_slices(self.in_features, self.periphery.tile_rows)]

    def _prepare_input(self, x: Tensor) -> Tensor:
        return x.reshape(-1, x.shape[-1])

    def _restore_output(self, y: Tensor, x_shape: torch.Size) -> Tensor:
        return y.view(*x_shape[:-1], y.shape[-1])

    def _mvm_one(self, x: Tensor, w: Tensor, tile: RowTile, scratch_ok: bool = False) -> Tensor:
        if len(self._row_tiles) > 1:
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
        device_model: DeviceModel,
        periphery: Periphery | None = None,
        mode: str = "potentiation",
        weight_scaling: str = "column",
        weight_clip_sigma: float | None = None,
        device: Any = None,
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
            device=device,
            dtype=dtype,
        )
        self._init_analog(device_model, periphery, mode, weight_scaling, weight_clip_sigma)

    @classmethod
    def from_digital(
        cls,
        module: nn.Conv2d,
        device_model: DeviceModel,
        periphery: Periphery | None = None,
        mode: str = "potentiation",
        weight_scaling: str = "column",
        weight_clip_sigma: float | None = None,
    ) -> AnalogConv2d:
        layer = cls(
            module.in_channels,
            module.out_channels,
            module.kernel_size,  # type: ignore[arg-type]
            stride=module.stride,  # type: ignore[arg-type]
            padding=module.padding,  # type: ignore[arg-type]
            dilation=module.dilation,  # type: ignore[arg-type]
            groups=module.groups,
            bias=module.bias is not None,
            padding_mode=module.padding_mode,
            device_model=device_model,
            periphery=periphery,
            mode=mode,
            weight_scaling=weight_scaling,
            weight_clip_sigma=weight_clip_sigma,
            device=module.weight.device,
            dtype=module.weight.dtype,
        )
        with torch.no_grad():
            layer.weight.copy_(module.weight)
            if module.bias is not None and layer.bias is not None:
                layer.bias.copy_(module.bias)
        layer.weight.requires_grad_(module.weight.requires_grad)
        layer.train(module.training)
        return layer

    @property
    def _kernel_rows(self) -> int:
        return int(self.kernel_size[0] * self.kernel_size[1])

    def _make_row_tiles(self) -> list[RowTile]:
        kk = self._kernel_rows
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

    def _conv_padding(self) -> Any:
        return 0 if self.padding_mode != "zeros" else self.padding

    def _mvm_one(self, x: Tensor, w: Tensor, tile: RowTile, scratch_ok: bool = False) -> Tensor:
        kh, kw = self.kernel_size
        wk = w.view(w.shape[0], self.in_channels, kh, kw)
        if len(self._row_tiles) > 1:
            wk = wk[:, tile.inputs]
            x = x[:, tile.inputs]
        return F.conv2d(x, wk, None, self.stride, self._conv_padding(), self.dilation)

    def _kind(self) -> str:
        return "conv2d"

    def extra_repr(self) -> str:
        return f"{nn.Conv2d.extra_repr(self)}, {self.analog_extra_repr()}"
