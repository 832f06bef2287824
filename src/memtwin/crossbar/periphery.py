"""Peripheral circuits of a crossbar tile: DAC, ADC, tiling, output noise, wires (IR drop).

* **DAC** (inputs): ``dac_bits`` b gives a symmetric, mid-tread converter with 2^(b−1)−1 positive codes
  (8 bit: codes −127..127; zero is exact, so ReLU zeros cost no error). Full scale is calibrated per
  analog layer (and per Monte-Carlo repetition) on the first ``calibration_batches`` batches the layer
  sees: the largest ``dac_percentile``-th percentile of |x| over those batches (100 = max |x|). Inputs
  beyond full scale clip. Quantization error within range ≤ ½ LSB = ½·range/(2^(b−1)−1).
* **ADC** (outputs): same converter on each tile's differential bit-line current, one full scale per
  tile (per column tile and row tile, per repetition), calibrated the same way (``adc_percentile``).
  The partial sums of row tiles are digitized separately and accumulated digitally.
* **Tiles**: a matrix larger than ``tile_rows`` × ``tile_cols`` (inputs × outputs, in weights; each
  weight is a G⁺/G⁻ pair on adjacent bit lines) is split into the fewest tiles of near-equal size
  (e.g. 784 inputs on 512-row tiles → 392 + 392). Equal split instead of 512 + 272 keeps every used
  block as close to the drivers/sense amplifiers as possible, i.e. the least IR drop for the same
  number of tiles. Convolutions split whole input channels (a kernel's k·k rows stay together).
* **Output noise**: additive Gaussian on each tile's analog output before the ADC, with standard
  deviation ``output_noise_rel`` × the tile's calibrated output range (default 0; the paper does not
  report any).
* **IR drop**: ``wire_resistance_ohm`` per wire segment between neighbouring cells (word and bit lines).
  Conductances enter the wire model in siemens; ``ir_drop_g_max_S`` (if set) rescales the device's
  conductances so that its top level is that value *for the IR-drop computation only*, i.e. the array is
  assumed to be built from a scaled-down cell of the same technology. The relative non-idealities do not
  depend on the absolute conductance; IR drop does, through r·G. ``read_voltage_V`` is the word-line
  voltage at DAC full scale: the array is linear, so it only sets absolute currents (reported by the
  exact solver), not the relative outputs.
* **Global drift compensation** (``drift_compensation``): digital rescaling of the outputs after drift,
  see :mod:`memtwin.crossbar.drift`.
* **Column calibration** (``column_calibration``): one digital gain per tile column, fitted right after
  programming so that the column reads what its target weights would give (removes the column-wide part
  of IR drop and of programming errors), see :mod:`memtwin.crossbar.calibration`.
* **Program-and-verify** (``program_verify``; off in :meth:`Periphery.paper`, which programs open loop
  as the paper did): the write circuit reads each device while programming it and rewrites it until it
  reads within ±``verify_tolerance_steps`` nominal steps of its target (at most ``verify_attempts``
  writes), see :mod:`memtwin.crossbar.verify`. Removes most of the device-to-device spread of the
  conductance update; hardware-aware training then trains against the verified devices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import torch
from torch import Tensor

from memtwin.errors import ConfigError

#: Largest converter resolution accepted: codes must stay exactly representable in float32 sums.
MAX_BITS = 24


@dataclass(frozen=True)
class Periphery:
    """Peripheral circuits shared by all tiles of an analog model (SI units)."""

    dac_bits: int | None = None
    adc_bits: int | None = None
    tile_rows: int | None = None
    tile_cols: int | None = None
    calibration_batches: int = 1
    dac_percentile: float = 100.0
    adc_percentile: float = 100.0
    output_noise_rel: float = 0.0
    wire_resistance_ohm: float = 0.0
    ir_drop_g_max_S: float | None = None
    read_voltage_V: float = 0.1
    drift_compensation: bool = True
    column_calibration: bool = False
    program_verify: bool = False
    verify_tolerance_steps: float = 0.5
    verify_attempts: int = 5

    def __post_init__(self) -> None:
        for name in ("dac_bits", "adc_bits"):
            bits = getattr(self, name)
            if bits is None:
                continue
            if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= MAX_BITS:
                raise ConfigError(
                    f"{name} must be an integer within [2, {MAX_BITS}] (or None for an ideal converter), "
                    f"got {bits!r}"
                )
        for name in ("tile_rows", "tile_cols"):
            size = getattr(self, name)
            if size is None:
                continue
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ConfigError(f"{name} must be a positive integer (or None for no limit), got {size!r}")
        if (
            isinstance(self.calibration_batches, bool)
            or not isinstance(self.calibration_batches, int)
            or self.calibration_batches < 1
        ):
            raise ConfigError(
                f"calibration_batches must be an integer >= 1, got {self.calibration_batches!r}"
            )
        for name in ("dac_percentile", "adc_percentile"):
            p = getattr(self, name)
            if not (isinstance(p, int | float) and 0 < p <= 100):
                raise ConfigError(f"{name} must be within (0, 100], got {p!r}")
        for name in ("output_noise_rel", "wire_resistance_ohm"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ConfigError(f"{name} must be finite and >= 0, got {v!r}")
        if self.ir_drop_g_max_S is not None and not (
            math.isfinite(self.ir_drop_g_max_S) and self.ir_drop_g_max_S > 0
        ):
            raise ConfigError(f"ir_drop_g_max_S must be > 0 S (or None), got {self.ir_drop_g_max_S!r}")
        if not (math.isfinite(self.read_voltage_V) and self.read_voltage_V > 0):
            raise ConfigError(f"read_voltage_V must be > 0 V, got {self.read_voltage_V!r}")
        for name in ("drift_compensation", "column_calibration", "program_verify"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        tol = self.verify_tolerance_steps
        if isinstance(tol, bool) or not (isinstance(tol, int | float) and math.isfinite(tol) and tol > 0):
            raise ConfigError(f"verify_tolerance_steps must be > 0 (nominal steps), got {tol!r}")
        tries = self.verify_attempts
        if isinstance(tries, bool) or not isinstance(tries, int) or tries < 1:
            raise ConfigError(f"verify_attempts must be an integer >= 1, got {tries!r}")

    @classmethod
    def ideal(cls) -> Periphery:
        """No converter error, no tiling limit, no noise, ideal wires."""
        return cls()

    @classmethod
    def paper(cls) -> Periphery:
        """The paper's periphery (Sec. IV): 8-bit DAC and ADC calibrated on the first batches, IR drop,
        512 × 512 tiles.

        The paper used AIHWKIT with IR drop; AIHWKIT's IR-drop model works in normalized units with a
        0.35 Ω wire segment and a 5 µS top conductance (its ``ir_drop_g_ratio`` default). We use the same
        wire and conductance scale (``ir_drop_g_max_S = 5 µS``). With the raw lab conductances of the HfS₂
        devices (top level ≈ 1.3 mS) a 512-cell line would lose most of its signal (r·g_max·N²/2 ≫ 1);
        such a device would have to be scaled down before it is built into large arrays, which is the
        regime the paper simulated. The first 3 batches calibrate the converters ("the first few
        batches"); 512 × 512 is AIHWKIT's default tile and the tile size the paper's toolkit used.

        Column calibration is off, as in the paper. AIHWKIT maps weight 0 to 0 S, so its IR drop stays
        small; here weight 0 is the bottom of the device's linear range (for HfS₂ two thirds of its top
        conductance), every cell carries current and a 512-cell word line loses up to ~50 % of its signal.
        ``replace(Periphery.paper(), column_calibration=True)`` calibrates most of that away (see
        :mod:`memtwin.crossbar.calibration`).
        """
        return cls(
            dac_bits=8,
            adc_bits=8,
            tile_rows=512,
            tile_cols=512,
            calibration_batches=3,
            wire_resistance_ohm=0.35,
            ir_drop_g_max_S=5e-6,
        )

    # -- derived -------------------------------------------------------------------------------------
    @property
    def ir_drop(self) -> bool:
        return self.wire_resistance_ohm > 0

    @property
    def dac_codes(self) -> int | None:
        """Largest positive DAC code, 2^(b−1) − 1 (None: ideal)."""
        return None if self.dac_bits is None else half_codes(self.dac_bits)

    @property
    def adc_codes(self) -> int | None:
        return None if self.adc_bits is None else half_codes(self.adc_bits)

    @property
    def needs_output_range(self) -> bool:
        """Whether tiles need a calibrated output range (ADC or output noise)."""
        return self.adc_bits is not None or self.output_noise_rel > 0

    def wire_resistance_for(self, device_g_max_S: float) -> float:
        """Wire resistance to use with the device's own conductances (Ω): with ``ir_drop_g_max_S``
        set, r·G is evaluated as if the device's top level were ``ir_drop_g_max_S``."""
        if self.ir_drop_g_max_S is None:
            return self.wire_resistance_ohm
        return self.wire_resistance_ohm * self.ir_drop_g_max_S / device_g_max_S

    def to_dict(self) -> dict[str, Any]:
        """Plain values for TOML/JSON (None fields dropped, as TOML has no null)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Periphery:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"Periphery: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}"
            )
        return cls(**data)


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
    """
    step = step.detach().to(torch.float32).clamp(min=1e-30)
    if axis is None:
        zero = torch.zeros((), dtype=torch.int32, device=x.device)
        return torch.fake_quantize_per_tensor_affine(x, step.reshape(()), zero, -codes, codes)
    zeros = torch.zeros(step.numel(), dtype=torch.int32, device=x.device)
    return torch.fake_quantize_per_channel_affine(x, step.reshape(-1), zeros, axis, -codes, codes)


def abs_percentile(x: Tensor, percentile: float) -> Tensor:
    """The ``percentile`` of |x| along the last dimension of a 2-D tensor (100 → max), one per row.

    Uses ``kthvalue`` (no size limit, unlike ``torch.quantile``); the k-th smallest with
    k = ceil(p/100·n), i.e. the nearest-rank percentile.
    """
    a = x.detach().abs()
    if percentile >= 100:
        return a.amax(dim=-1)
    n = a.shape[-1]
    k = min(n, max(1, math.ceil(percentile / 100.0 * n)))
    return a.kthvalue(k, dim=-1).values


def balanced_slices(n: int, max_size: int | None) -> list[slice]:
    """Split ``range(n)`` into the fewest contiguous pieces of at most ``max_size``, sizes differing ≤ 1."""
    if max_size is None or n <= max_size:
        return [slice(0, n)]
    pieces = -(-n // max_size)
    base, extra = divmod(n, pieces)
    out = []
    start = 0
    for i in range(pieces):
        size = base + (1 if i < extra else 0)
        out.append(slice(start, start + size))
        start += size
    return out
