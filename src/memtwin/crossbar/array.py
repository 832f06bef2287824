"""The programmed array of one analog layer: the conductances of R simulated chips and what follows.

* **Programming** (:meth:`ProgrammedArray.program`): the weights' pulse targets
  (:func:`memtwin.crossbar.mapping.pulse_targets`), written onto each repetition's devices with that
  repetition's own draws (stream (seed, layer, r)), open loop or by program-and-verify
  (:func:`write_devices`).
* **Drift** (:meth:`ProgrammedArray.drift_to`): the conductances t seconds after programming, always
  re-derived from the t = 0 state (stream (seed, layer, r, t); see :mod:`memtwin.crossbar.drift`).
* **Effective conductances** (:meth:`ProgrammedArray.effective`): G⁺ − G⁻ after IR drop, and the
  read-noise variance weights.
* **Compensation**: column gains fitted right after programming (``Periphery.column_calibration``,
  :mod:`memtwin.crossbar.calibration`) and the global drift compensation factor of each repetition.

The state is held in non-persistent buffers: they follow ``.to(torch_device)`` but stay out of
``state_dict``, so state dicts keep the digital layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from memtwin.crossbar.calibration import apply_column_gains, fit_column_gains
from memtwin.crossbar.config import AnalogConfig
from memtwin.crossbar.drift import DriftLike, calibration_input, compensation_factor, reference_read
from memtwin.crossbar.exact import nominal_target, program_exact, program_exact_with_slope
from memtwin.crossbar.irdrop import tiled_pair_ir_drop_factors
from memtwin.crossbar.mapping import pulse_targets
from memtwin.crossbar.periphery import Periphery
from memtwin.crossbar.programming import (
    DeviceDraws,
    LevelTable,
    draw_devices,
    program_conductances,
    program_conductances_with_slope,
)
from memtwin.crossbar.seeding import DRIFT, PROGRAM, make_generator, time_key
from memtwin.crossbar.tiles import TileGrid
from memtwin.crossbar.verify import program_verified, program_verified_with_slope
from memtwin.devices.drift import build_drift
from memtwin.devices.model import Variability
from memtwin.errors import ConfigError

#: The buffers of a programmed array.
STATE = (
    "pulses",
    "g_programmed",
    "g_current",
    "w_scale",
    "w_eff",
    "g_sq_eff",
    "ref_read0",
    "compensation",
    "column_gain",
)


def verify_draws(periphery: Periphery) -> int | None:
    """Cycle-to-cycle draws per device: one per verify write, None for the other writes."""
    return periphery.verify_attempts if periphery.verified else None


def write_devices(
    pulses: Tensor, table: LevelTable, variability: Variability, draws: DeviceDraws, periphery: Periphery
) -> Tensor:
    """Conductances of devices written to ``pulses`` (continuous counts for the exact write) by the
    periphery's write model."""
    if periphery.write == "verify":
        return program_verified(pulses, table, variability, draws, periphery.verify_tolerance_steps)
    if periphery.write == "exact":
        return program_exact(pulses, table, variability, draws)
    return program_conductances(pulses, table, variability, draws)


def write_devices_with_slope(
    pulses: Tensor, table: LevelTable, variability: Variability, draws: DeviceDraws, periphery: Periphery
) -> tuple[Tensor, Tensor]:
    """:func:`write_devices` and the straight-through derivative dG/dn of every device."""
    if periphery.write == "verify":
        return program_verified_with_slope(
            pulses, table, variability, draws, periphery.verify_tolerance_steps
        )
    if periphery.write == "exact":
        return program_exact_with_slope(pulses, table, variability, draws)
    return program_conductances_with_slope(pulses, table, variability, draws)


def write_targets(w: Tensor, table: LevelTable, config: AnalogConfig) -> tuple[Tensor, Tensor]:
    """The weight scale and the (G⁺, G⁻) counts the configured write model writes for ``w``."""
    mapping = config.mapping
    return pulse_targets(
        w,
        table.levels,
        table.increasing,
        mapping.weight_scaling,
        mapping.weight_clip_sigma,
        continuous=config.periphery.write == "exact",
    )


@dataclass(frozen=True)
class Effective:
    """Effective differential conductances (R, outputs, rows) after IR drop, the read-noise variance
    weights r²(G⁺² + G⁻²) (None without read noise) and the IR-drop factors of G⁺ and G⁻."""

    w_eff: Tensor
    g_sq: Tensor | None
    f_plus: Tensor
    f_minus: Tensor


class ProgrammedArray(nn.Module):
    """The R programmed chips of one layer (see the module docstring); ``repetitions`` is 0 before
    programming."""

    pulses: Tensor | None
    g_programmed: Tensor | None
    g_current: Tensor | None
    w_scale: Tensor | None
    w_eff: Tensor | None
    g_sq_eff: Tensor | None
    ref_read0: Tensor | None
    compensation: Tensor | None
    column_gain: Tensor | None

    def __init__(self, config: AnalogConfig, grid: TileGrid, layer_index: int) -> None:
        super().__init__()
        self.config = config
        self.grid = grid
        self.layer_index = layer_index
        for name in STATE:
            self.register_buffer(name, None, persistent=False)
        self.repetitions = 0
        self.first_repetition = 0  # the stream index of repetition 0 (a chip loaded alone keeps its own)
        self.seed = 0
        self.t_s = 0.0
        self.drift_model: DriftLike | None = None
        self._tables: dict[tuple[str, torch.dtype], LevelTable] = {}

    @property
    def programmed(self) -> bool:
        return self.g_programmed is not None

    def table(self, torch_device: torch.device, dtype: torch.dtype) -> LevelTable:
        """The programming mode's level table on ``torch_device`` (built once per device and dtype)."""
        key = (str(torch_device), dtype)
        if key not in self._tables:
            mode = self.config.device.mode(self.config.mapping.mode)
            self._tables[key] = LevelTable.from_mode(mode, torch_device, dtype)
        return self._tables[key]

    def table_like(self, t: Tensor) -> LevelTable:
        return self.table(t.device, t.dtype)

    # -- programming and drift -----------------------------------------------------------------------
    @torch.no_grad()
    def program(self, w: Tensor, seed: int, repetitions: int) -> None:
        """Write the weights ``w`` (outputs, rows) onto ``repetitions`` chips, repetition r from its own
        stream; t = 0, no drift compensation."""
        table = self.table_like(w)
        periphery = self.config.periphery
        variability = self.config.device.variability
        scale, pulses = write_targets(w, table, self.config)
        g = torch.empty((repetitions, *pulses.shape), dtype=w.dtype, device=w.device)
        for r in range(repetitions):
            gen = make_generator(w.device, PROGRAM, seed, self.layer_index, r)
            noise_draws = verify_draws(periphery)
            draws = draw_devices(tuple(pulses.shape), variability, gen, w.dtype, noise_draws=noise_draws)
            g[r] = write_devices(pulses, table, variability, draws, periphery)
        # Counts as written: whole pulses, or the exact write's continuous targets.
        self.pulses = pulses if torch.is_floating_point(pulses) else pulses.to(torch.int16)
        self.g_programmed = g
        self.g_current = g
        self.w_scale = scale
        self.repetitions = repetitions
        self.first_repetition = 0
        self.seed = seed
        self.t_s = 0.0
        self._refresh(programmed_weights=w, compensate=False)

    @torch.no_grad()
    def load(self, g: Tensor, w_scale: Tensor, seed: int, first_repetition: int = 0) -> None:
        """Take conductances written elsewhere (chips trained in place) as the programmed state: ``g``
        (R, 2, outputs, rows), ``w_scale`` the weight of a pair at the mode's top level per output. Drift
        then moves each device around the state it was left in; the chips' streams are those of
        repetitions ``first_repetition`` … + R − 1."""
        table = self.table_like(g)
        # continuous counts along the mode's straight line: the drift target is the state as trained
        step = table.direction * table.top_delta_S / (table.levels - 1)
        self.pulses = ((g - table.g0_S) / step).clamp(min=0.0)  # (R, 2, outputs, rows): each chip its own
        self.g_programmed = g.contiguous()
        self.g_current = self.g_programmed
        self.w_scale = w_scale
        self.repetitions = g.shape[0]
        self.first_repetition = first_repetition
        self.seed = seed
        self.t_s = 0.0
        weights = (g[0, 0] - g[0, 1]) * table.out_factor(w_scale).view(-1, 1)  # chip 0 for the column gains
        self._refresh(programmed_weights=weights, compensate=False)

    @torch.no_grad()
    def drift_to(self, t_seconds: float, compensate: bool | None = None) -> None:
        """Conductances ``t_seconds`` after programming; ``compensate``: global drift compensation
        (None: ``periphery.drift_compensation``)."""
        t = float(t_seconds)
        if not (math.isfinite(t) and t >= 0):
            raise ConfigError(f"drift time must be finite and >= 0 s, got {t_seconds!r}")
        assert self.g_programmed is not None
        if compensate is None:
            compensate = self.config.periphery.drift_compensation
        self.g_current = self.g_programmed if t == 0 else self._drifted(t)
        self.t_s = t
        self._refresh(programmed_weights=None, compensate=bool(compensate))

    def _drifted(self, t: float) -> Tensor:
        assert self.g_programmed is not None and self.pulses is not None
        if self.drift_model is None:
            self.drift_model = build_drift(self.config.device.drift)
        table = self.table_like(self.g_programmed)
        per_chip = self.pulses.dim() == self.g_programmed.dim()
        target = nominal_target(table, self.pulses)
        g_now = torch.empty_like(self.g_programmed)
        for r in range(self.repetitions):
            stream = self.first_repetition + r
            gen = make_generator(
                self.g_programmed.device, DRIFT, self.seed, self.layer_index, stream, time_key(t)
            )
            g_now[r] = self.drift_model.apply(
                self.g_programmed[r], t, gen, table.g_max_S, g_min_S=table.g_min_S,
                g_target_S=target[r] if per_chip else target,
            )  # fmt: skip
        return g_now.clamp(min=0.0)

    # -- what the chip reads -------------------------------------------------------------------------
    def ir_drop_factors(self, g_plus: Tensor, g_minus: Tensor) -> tuple[Tensor, Tensor] | None:
        """IR-drop factors of G⁺ and G⁻ (no gradient), None with ideal wires."""
        periphery = self.config.periphery
        if not periphery.ir_drop:
            return None
        wire_ohm = periphery.wire_resistance_for(self.table_like(g_plus).g_max_S)
        blocks, cols = self.grid.row_blocks, self.grid.col_slices
        return tiled_pair_ir_drop_factors(g_plus.detach(), g_minus.detach(), blocks, cols, wire_ohm)

    def effective(self, g_plus: Tensor, g_minus: Tensor) -> Effective:
        """What the array reads of conductances ``g_plus``/``g_minus`` (R, outputs, rows)."""
        factors = self.ir_drop_factors(g_plus, g_minus)
        if factors is None:
            f_plus = f_minus = torch.ones((1, 1, 1), dtype=g_plus.dtype, device=g_plus.device)
        else:
            f_plus, f_minus = factors
            g_plus = g_plus * f_plus
            g_minus = g_minus * f_minus
        rel = self.config.device.variability.read_noise_rel
        g_sq = rel * rel * (g_plus * g_plus + g_minus * g_minus) if rel > 0 else None
        return Effective(g_plus - g_minus, g_sq, f_plus, f_minus)

    def out_factor(self) -> Tensor:
        """The digital per-column scale from conductance to weight units."""
        assert self.w_scale is not None
        return self.table_like(self.w_scale).out_factor(self.w_scale)

    def _refresh(self, *, programmed_weights: Tensor | None, compensate: bool) -> None:
        """Effective conductances of the current state and its drift compensation. Right after
        programming (``programmed_weights`` given) also the column gains and the reference read."""
        assert self.g_current is not None and self.w_scale is not None
        effective = self.effective(self.g_current[:, 0], self.g_current[:, 1])
        w_eff = effective.w_eff
        out_factor = self.out_factor()
        x_cal = calibration_input(w_eff.shape[-1], self.layer_index, w_eff.device, w_eff.dtype)
        self.w_eff = w_eff.contiguous()
        self.g_sq_eff = effective.g_sq
        blocks = self.grid.row_blocks
        if self.config.periphery.column_calibration:
            # calibrated once, right after programming; drift is the global compensation's job
            if programmed_weights is not None:
                self.column_gain = fit_column_gains(
                    w_eff, programmed_weights, self.w_scale, out_factor, self.layer_index, blocks
                )
            assert self.column_gain is not None
            # the compensation read sees the outputs as the chip delivers them, column gains included
            w_eff = apply_column_gains(w_eff, self.column_gain, blocks)
        ref = reference_read(w_eff, out_factor, x_cal)
        if programmed_weights is not None:
            self.ref_read0 = ref
        assert self.ref_read0 is not None
        self.compensation = compensation_factor(self.ref_read0, ref) if compensate else torch.ones_like(ref)
