"""The bundled example device: SYNTHETIC pulse-train data shaped like the HfOxSy/HfS₂ memristor of
Xhameni & Lombardo, APL Electronic Devices 1, 036124 (2025), Section III and Fig. 2.

THIS IS NOT MEASURED DATA. The paper publishes statistics, not its raw reads; this generator writes a
data set whose statistics match the published ones, so memtwin has a realistic, reproducible example
device to run end to end. Run ``python -m memtwin.synthetic --out src/memtwin/data/hfs2_example.csv`` to
regenerate the bundled file.

What is taken from the paper:

* 100 cycles; each one ramp of 20 potentiation and one of 20 depression pulses, amplitude rising
  0.7 → 0.995 V and width 160 → 350 ns, every pulse followed by a read at −0.1 V for 30 µs, 20 µs after
  the pulse. Depression pulses have the opposite polarity; ``pulse_amplitude_V`` stores the magnitude, as
  every memtwin table does (the phase column carries the polarity).
* a 16-level most-linear range per phase with slope +81.077 µS/pulse (potentiation) and −80.520 µS/pulse
  (depression), R² 0.99898 and 0.99925, mean cycle-to-cycle sigma 23.700 µS; hence 31 bins (≈ 5 bits).
* a programming energy of 23.74 nJ per full cycle.

What is modelled (choices of ours, not the paper's):

* Mean ramp: inside the linear range a straight line plus a small centred parabola (steps shrink slowly
  along the ramp, as in a saturating device) whose size is set so the fit has exactly the published R²
  (a centred parabola is orthogonal to the line, so the slope is untouched). Outside it, ``head`` and
  ``tail`` saturating pulses whose steps shrink geometrically (ratio ``end_step_ratio``), too small to
  be told apart at 2σ, which is what bounds the linear range at 16 levels.
* Cycle-to-cycle noise: Gaussian; a fraction ``drift_fraction`` of its variance is shared by all reads of
  a cycle and wanders slowly from cycle to cycle (AR(1), correlation ``drift_corr``), the rest is
  independent per read. Each state's sigma is drawn around 23.7 µS with a relative spread
  ``sigma_spread``. Every state's sample mean and sample sigma (ddof=1) are then matched exactly to their
  design values (the draws are centred and rescaled per state), so the example reproduces the published
  numbers to rounding, independent of the seed.
* Absolute conductance: the paper does not give it. We pick it so that the energy estimate memtwin uses
  when no pulse current is measured, ``E = Σ G·V²·t`` (ohmic pulse current ``I = G·|V|`` with ``G`` the read
  after the pulse), gives the published 23.74 nJ per cycle on average: the ramps then span about
  2.4–3.7 mS. The generator's pulse current model is exactly that ohmic one, so the estimate is its
  ground truth. The published spread (± 1.26 nJ, averaged over ten measured cycles) cannot be reached this
  way: with a per-state sigma of 23.7 µS on ≈ 3 mS, no cycle-to-cycle conductance variation can move an
  ohmic cycle energy by more than ≈ 0.8 %; the measured spread comes from the pulse currents themselves,
  which the canonical table has no column for. The example's spread is ≈ 0.1 nJ.

Reads are stored as conductance and as read current (``I = G·V_read``, negative at −0.1 V); ``time_s`` is
the middle of each read with one pulse+read slot every 100 µs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from memtwin.errors import ConfigError
from memtwin.measurements.table import DEPRESSION, POTENTIATION, PulseTable

FloatArray = npt.NDArray[np.float64]

DEFAULT_SEED = 2025
DEVICE_NAME = "hfs2-synthetic"


@dataclass(frozen=True)
class HfS2LikeSpec:
    """Targets and shape parameters of :func:`generate_hfs2_like` (SI units)."""

    slope_pot_S: float = 81.077e-6
    slope_dep_S: float = -80.520e-6
    r2_pot: float = 0.99898
    r2_dep: float = 0.99925
    sigma_S: float = 23.700e-6
    energy_per_cycle_J: float = 23.74e-9
    head: int = 2
    tail: int = 2
    end_step_ratio: float = 0.4
    sigma_spread: float = 0.10
    drift_fraction: float = 0.25
    drift_corr: float = 0.9
    amplitude_V: tuple[float, float] = (0.7, 0.995)
    width_s: tuple[float, float] = (160e-9, 350e-9)
    read_voltage_V: float = -0.1
    read_width_s: float = 30e-6
    read_delay_s: float = 20e-6
    slot_s: float = 100e-6

    def __post_init__(self) -> None:
        if self.slope_pot_S <= 0 or self.slope_dep_S >= 0:
            raise ConfigError("slope_pot_S must be > 0 and slope_dep_S < 0")
        if not (0 < self.r2_pot <= 1 and 0 < self.r2_dep <= 1):
            raise ConfigError("r2 targets must be within (0, 1]")
        if self.sigma_S <= 0 or self.energy_per_cycle_J <= 0:
            raise ConfigError("sigma_S and energy_per_cycle_J must be > 0")
        if self.head < 0 or self.tail < 0 or not (0 < self.end_step_ratio < 1):
            raise ConfigError("head/tail must be >= 0 and end_step_ratio within (0, 1)")
        if not (0 <= self.drift_fraction <= 1 and -1 < self.drift_corr < 1 and 0 <= self.sigma_spread < 0.5):
            raise ConfigError("drift_fraction in [0, 1], drift_corr in (-1, 1), sigma_spread in [0, 0.5)")


def _linear_levels(levels: int, slope: float, r2: float) -> FloatArray:
    """Levels ``slope·n + a·((n − c)² − mean)`` relative to level 0, with ``a`` set so the least-squares
    line through them has exactly ``R² = r2`` and steps shrink in magnitude along the ramp."""
    n = np.arange(levels, dtype=float)
    u2 = (n - n.mean()) ** 2
    bow = u2 - u2.mean()
    sxx = float(u2.sum())
    q = float(bow @ bow)
    ss_res = (1.0 - r2) / r2 * slope * slope * sxx if q > 0 else 0.0
    a = -np.sign(slope) * np.sqrt(ss_res / q) if q > 0 else 0.0
    g = slope * n + a * bow
    return np.asarray(g - g[0], dtype=float)


def _ramp(levels: int, slope: float, r2: float, spec: HfS2LikeSpec) -> tuple[FloatArray, int]:
    """Mean ramp relative to its first read, and the index of the linear range's first pulse."""
    core = _linear_levels(levels, slope, r2)
    first_step = core[1] - core[0] if levels > 1 else slope
    last_step = core[-1] - core[-2] if levels > 1 else slope
    r = spec.end_step_ratio
    head = [-sum(first_step * r ** (k + 1) for k in range(j)) for j in range(spec.head, 0, -1)]
    tail = [core[-1] + sum(last_step * r ** (k + 1) for k in range(j)) for j in range(1, spec.tail + 1)]
    ramp = np.concatenate([np.asarray(head, dtype=float), core, np.asarray(tail, dtype=float)])
    return np.asarray(ramp - ramp[0], dtype=float), spec.head


def _sigma_profile(rng: np.random.Generator, n: int, lin: slice, spec: HfS2LikeSpec) -> FloatArray:
    """Per-state sigma around ``spec.sigma_S`` whose mean over the linear range is exactly ``sigma_S``."""
    z = np.clip(rng.standard_normal(n), -2.0, 2.0)
    s = 1.0 + spec.sigma_spread * z
    return np.asarray(s * spec.sigma_S / s[lin].mean(), dtype=float)


def _cycle_drift(rng: np.random.Generator, cycles: int, spec: HfS2LikeSpec) -> FloatArray:
    """Unit-variance AR(1) series over the cycles: the slow drift every read of a cycle shares."""
    drift = np.empty(cycles)
    drift[0] = rng.standard_normal()
    innov = np.sqrt(1.0 - spec.drift_corr**2)
    for c in range(1, cycles):
        drift[c] = spec.drift_corr * drift[c - 1] + innov * rng.standard_normal()
    return drift


def _noise(rng: np.random.Generator, drift: FloatArray, pulses: int, spec: HfS2LikeSpec) -> FloatArray:
    """Unit-variance cycle-to-cycle noise of one phase: the cycle's drift plus independent per-read
    noise, centred and scaled per state so each column has sample mean 0 and sample std 1 exactly."""
    own = rng.standard_normal((drift.size, pulses))
    x = np.sqrt(spec.drift_fraction) * drift[:, None] + np.sqrt(1.0 - spec.drift_fraction) * own
    x = x - x.mean(axis=0)
    return np.asarray(x / x.std(axis=0, ddof=1), dtype=float)


def pulse_scheme(pulses: int, spec: HfS2LikeSpec | None = None) -> tuple[FloatArray, FloatArray]:
    """Amplitudes (V, positive) and widths (s) of one ramp: both rise linearly over the ramp."""
    sp = spec or HfS2LikeSpec()
    return (
        np.linspace(sp.amplitude_V[0], sp.amplitude_V[1], pulses),
        np.linspace(sp.width_s[0], sp.width_s[1], pulses),
    )


def generate_hfs2_like(
    seed: int = DEFAULT_SEED,
    cycles: int = 100,
    pulses: int = 20,
    spec: HfS2LikeSpec | None = None,
    device: str = DEVICE_NAME,
) -> PulseTable:
    """SYNTHETIC HfS₂-like pulse trains (see the module docstring): ``cycles`` × (``pulses`` potentiation
    + ``pulses`` depression) reads, all random draws from ``numpy.random.default_rng(seed)``."""
    sp = spec or HfS2LikeSpec()
    if cycles < 2:
        raise ConfigError(f"cycles must be >= 2 (cycle-to-cycle sigma), got {cycles}")
    levels = pulses - sp.head - sp.tail
    if levels < 2:
        raise ConfigError(f"pulses must leave >= 2 linear levels after head={sp.head} and tail={sp.tail}")
    rng = np.random.default_rng(seed)
    amp, width = pulse_scheme(pulses, sp)
    v2t = float(np.sum(amp**2 * width))

    pot_rel, start = _ramp(levels, sp.slope_pot_S, sp.r2_pot, sp)
    dep_rel, _ = _ramp(levels, sp.slope_dep_S, sp.r2_dep, sp)
    # The first depression pulse barely moves the state the potentiation ramp left (a saturating step).
    first_dep_step = (dep_rel[1] - dep_rel[0]) * sp.end_step_ratio
    dep_rel = dep_rel + pot_rel[-1] + first_dep_step
    # Absolute offset g_low so that mean Σ G·V²·t over both ramps equals the published energy per cycle.
    g_low = (sp.energy_per_cycle_J - float(np.sum((pot_rel + dep_rel) * amp**2 * width))) / (2.0 * v2t)
    if g_low <= 0:
        raise ConfigError("energy target too low for this ramp: the conductance would be negative")
    means = {POTENTIATION: g_low + pot_rel, DEPRESSION: g_low + dep_rel}
    lin = slice(start, start + levels)

    drift = _cycle_drift(rng, cycles, sp)  # shared by both ramps of a cycle
    frames = []
    for phase_i, phase in enumerate((POTENTIATION, DEPRESSION)):
        sigma = _sigma_profile(rng, pulses, lin, sp)
        g = means[phase][None, :] + sigma[None, :] * _noise(rng, drift, pulses, sp)
        cyc = np.repeat(np.arange(1, cycles + 1), pulses)
        pul = np.tile(np.arange(1, pulses + 1), cycles)
        slot_idx = (cyc - 1) * 2 * pulses + phase_i * pulses + (pul - 1)
        t_read = slot_idx * sp.slot_s + np.tile(width, cycles) + sp.read_delay_s + sp.read_width_s / 2
        gv = g.ravel()
        frames.append(
            pd.DataFrame(
                {
                    "device": device,
                    "cycle": cyc,
                    "phase": phase,
                    "pulse": pul,
                    "conductance_S": gv,
                    "pulse_amplitude_V": np.tile(amp, cycles),
                    "pulse_width_s": np.tile(width, cycles),
                    "read_voltage_V": sp.read_voltage_V,
                    "read_current_A": gv * sp.read_voltage_V,
                    "time_s": t_read,
                }
            )
        )
    return PulseTable.from_frame(pd.concat(frames, ignore_index=True), source=f"synthetic:hfs2(seed={seed})")


def write_example(path: str | Path, seed: int = DEFAULT_SEED, cycles: int = 100, pulses: int = 20) -> Path:
    """Write the tidy CSV (canonical columns, 7 significant digits) the package bundles."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = generate_hfs2_like(seed=seed, cycles=cycles, pulses=pulses)
    table.frame.to_csv(out, index=False, float_format="%.7g", lineterminator="\n")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m memtwin.synthetic",
        description="Write the SYNTHETIC HfS2-like example device (matches the paper's statistics; not measured).",
    )
    parser.add_argument("--out", required=True, type=Path, help="CSV file to write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--pulses", type=int, default=20, help="pulses per ramp")
    args = parser.parse_args(argv)
    path = write_example(args.out, seed=args.seed, cycles=args.cycles, pulses=args.pulses)
    print(f"wrote {path} (synthetic, seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
