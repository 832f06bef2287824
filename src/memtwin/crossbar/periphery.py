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
* **Write model** (``write``): how a weight becomes a conductance.

  - ``"open-loop"`` (the default, and :meth:`Periphery.paper`, as the paper's text describes it: "weights
    are mapped into a number of programming pulses"): each device gets the weight's pulse count, and its
    own step size, bounds and cycle-to-cycle noise decide where it lands (:mod:`memtwin.crossbar.programming`);
  - ``"verify"``: program-and-verify; the write circuit reads each device while programming it and
    rewrites it until it reads within ±``verify_tolerance_steps`` nominal steps of its target (at most
    ``verify_attempts`` writes), see :mod:`memtwin.crossbar.verify`;
  - ``"exact"``: every device holds its target conductance exactly, clipped at its own bounds: no level
    quantization, no write noise, no step spread (:mod:`memtwin.crossbar.exact`). This is how AIHWKIT
    writes weights onto a pulsed-device tile (``set_weights`` / ``convert_to_analog``), which the paper's
    simulation used.

  ``program_verify=True`` (an older form) still means ``write="verify"``, with a DeprecationWarning.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields
from typing import Any

from memtwin.crossbar.converters import Adc, Dac, IdealAdc, IdealDac, adc_for, dac_for, half_codes
from memtwin.validation import check_keys, choice, fail, flag, integer, number

#: Largest converter resolution accepted: codes must stay exactly representable in float32 sums.
MAX_BITS = 24
#: The write models (module docstring); the first is the default.
WRITES: tuple[str, ...] = ("open-loop", "verify", "exact")
#: Each write model in a few words, for the lines and captions that say which one a number assumes.
WRITE_MEANINGS = {
    "open-loop": "a pulse count per weight, as the paper's text describes",
    "verify": "program-and-verify, each device rewritten until it reads near its target",
    "exact": "every device holds its target, clipped at its own bounds, as AIHWKIT writes a pulsed tile",
}


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
    write: str = "open-loop"
    verify_tolerance_steps: float = 0.5
    verify_attempts: int = 5
    #: Deprecated spelling of ``write="verify"``; folded into ``write`` and reset to None on construction.
    program_verify: bool | None = None

    def __post_init__(self) -> None:
        # Checked, not converted: a periphery is written back (results, TOML) as it was given.
        for name in ("dac_bits", "adc_bits"):
            if getattr(self, name) is not None:
                integer(name, getattr(self, name), ge=2, le=MAX_BITS, note="or None for an ideal converter")
        for name in ("tile_rows", "tile_cols"):
            if getattr(self, name) is not None:
                integer(name, getattr(self, name), ge=1, note="or None for no limit")
        integer("calibration_batches", self.calibration_batches, ge=1)
        for name in ("dac_percentile", "adc_percentile"):
            number(name, getattr(self, name), gt=0, le=100)
        for name in ("output_noise_rel", "wire_resistance_ohm"):
            number(name, getattr(self, name), ge=0)
        if self.ir_drop_g_max_S is not None:
            number("ir_drop_g_max_S", self.ir_drop_g_max_S, gt=0, note="S, or None")
        number("read_voltage_V", self.read_voltage_V, gt=0, note="V")
        for name in ("drift_compensation", "column_calibration"):
            flag(name, getattr(self, name))
        self._fold_program_verify()
        choice("write", self.write, WRITES)
        number("verify_tolerance_steps", self.verify_tolerance_steps, gt=0, note="nominal steps")
        integer("verify_attempts", self.verify_attempts, ge=1)

    def _fold_program_verify(self) -> None:
        """The older ``program_verify`` flag, said as a write model (then forgotten, so that ``replace``
        of ``write`` alone is not overruled by it)."""
        if self.program_verify is None:
            return
        verify = flag("program_verify", self.program_verify)
        warnings.warn(
            "Periphery(program_verify=...) is deprecated; use write='verify' or write='open-loop'",
            DeprecationWarning,
            stacklevel=4,
        )
        if verify and self.write == "exact":
            fail("program_verify", verify, "contradicts write='exact'; give write alone")
        if verify:
            object.__setattr__(self, "write", "verify")
        elif self.write == "verify":
            object.__setattr__(self, "write", "open-loop")
        object.__setattr__(self, "program_verify", None)

    @property
    def verified(self) -> bool:
        """Whether devices are written by program-and-verify."""
        return self.write == "verify"

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
    def dac(self) -> Dac | IdealDac:
        """The input converter (see :mod:`memtwin.crossbar.converters`)."""
        return dac_for(self.dac_bits, self.dac_percentile)

    @property
    def adc(self) -> Adc | IdealAdc:
        """The output converter of every tile."""
        return adc_for(self.adc_bits, self.adc_percentile)

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
        check_keys("periphery", data, [f.name for f in fields(cls)])
        return cls(**data)
