"""Named device presets, each with its source and a note of every value that had to be assumed.

``preset(name)`` returns a fresh :class:`DeviceModel`; ``preset(name, drift=...)`` swaps its drift model
(a kind name or a full spec dict). Add a preset by writing a function that returns a DeviceModel with
``citation`` and ``notes`` filled in, and registering it in ``_PRESETS``; a device of a literature
family :mod:`memtwin.devices.literature` knows is a record in ``literature.toml`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import torch

from memtwin.devices.drift import WAN2022_FIT_G_MAX_S, build_drift, wan2022_programming_sigma_S
from memtwin.devices.literature import LITERATURE_PRESETS
from memtwin.devices.model import DeviceModel, ModeLevels, PulseScheme, Variability
from memtwin.errors import ConfigError

__all__ = ["HFS2_ASSUMED_G_START_S", "list_presets", "preset"]

# ------------------------------------------------------------------------------------------- HfS2
HFS2_CITATION = (
    "A. Xhameni and A. Lombardo, 'High-accuracy inference using HfOxSy/HfS2 memristors', "
    "APL Electronic Devices 1, 036124 (2025), doi:10.1063/5.0286727"
)
HFS2_LEVELS = 16  # Sec. III: 16 levels per device in the linear range -> 31 differential bins
HFS2_STEP_POT_S = 81.077e-6  # Sec. III: average bin width in potentiation
HFS2_STEP_DEP_S = 80.520e-6  # Sec. III: average bin width in depression
HFS2_SIGMA_S = 23.700e-6  # Sec. III / Fig. 2(f): average standard deviation of a state
HFS2_D2D = 0.30  # Sec. IV: baseline device-to-device variation of update and min/max states
HFS2_MAX_VOLTAGE_V = 0.995  # Abstract / Sec. III: pulses 0.7-0.995 V
HFS2_AMPLITUDE_RANGE_V = (0.7, 0.995)
HFS2_WIDTH_RANGE_S = (160e-9, 350e-9)  # pulses 160-350 ns
HFS2_ENERGY_PER_CYCLE_J = 23.74e-9  # Sec. III: 23.74 +- 1.26 nJ per full cycle (mean of 10 cycles)
HFS2_ENERGY_STD_J = 1.26e-9
HFS2_PULSES_PER_CYCLE = 40  # 20 potentiation + 20 depression pulses
# NOT published: conductance at the start of the linear range. Derived from the published energy: with
# ohmic pulse currents at the read conductance (E = sum G V^2 t) and linear 0.7-0.995 V / 160-350 ns ramps
# (sum V^2 t = 7.758e-6 V^2 s over the 40 pulses), 23.74 nJ implies a mean conductance of ~3.06 mS over
# the cycle; centring the 16-level range (15 x 81.077 uS = 1.216 mS wide) on it gives ~2.45 mS. The
# bundled synthetic example (memtwin.synthetic) uses the same reasoning.
HFS2_ASSUMED_G_START_S = 2.45e-3


def _round12(x: float) -> float:
    return float(f"{x:.12g}")


def _hfs2() -> DeviceModel:
    # Levels rounded to 12 significant digits: removes float noise (0.000824307999...) from the stored
    # file while keeping each published step exact to ~1e-12.
    g_pot = tuple(_round12(HFS2_ASSUMED_G_START_S + n * HFS2_STEP_POT_S) for n in range(HFS2_LEVELS))
    g_dep = tuple(_round12(g_pot[-1] - n * HFS2_STEP_DEP_S) for n in range(HFS2_LEVELS))
    pot = ModeLevels(g_levels_S=g_pot, sigma_S=(HFS2_SIGMA_S,) * HFS2_LEVELS)
    dep = ModeLevels(g_levels_S=g_dep, sigma_S=(HFS2_SIGMA_S,) * HFS2_LEVELS)
    notes = f"""\
Published (Xhameni & Lombardo 2025, Secs. III-IV): 16 levels per programming mode in the linear range
(31 differential bins, ~5 bits); mean step (bin width) 81.077 uS/pulse in potentiation and 80.520 uS/pulse
in depression (linear fits, R^2 0.99898 / 0.99925); mean state sigma 23.700 uS (cycle-to-cycle, 100
cycles); 30 % device-to-device variation of the conductance update and of the min/max states (the
paper's baseline, taken from literature on ALD HfO2 and hBN memristor arrays); programming pulses
0.7-0.995 V and 160-350 ns of rising amplitude and width, 20 potentiation + 20 depression pulses per
cycle; 23.74 +- 1.26 nJ per full cycle; maximum programming voltage 0.995 V.
Assumed (not published):
- conductance at the start of the potentiation range: {HFS2_ASSUMED_G_START_S * 1e6:g} uS (the paper gives
  steps, not absolute values); potentiation levels are start + n * 81.077 uS. Derived from the published
  energy: with ohmic pulse currents at the read conductance, E = sum G V^2 t over linear 0.7-0.995 V /
  160-350 ns ramps (sum V^2 t = 7.758e-6 V^2 s for the 40 pulses) gives 23.74 nJ at a mean conductance of
  ~3.06 mS; the 16-level range is centred on it. Programming accuracy depends only on sigma/step; the
  absolute value sets ON/OFF, IR drop, energy and the size of any drift given relative to G (3 % of
  3 mS is about 1.1 steps).
- depression starts where potentiation ends ({dep.g_levels_S[0] * 1e6:.3f} uS) and steps down by
  80.520 uS, ending at {dep.g_levels_S[-1] * 1e6:.3f} uS.
- every level has the published mean sigma (the per-level sigmas of Fig. 2(f) are not tabulated).
- levels exactly on the linear fits (the paper maps weights on the fits of Fig. 2(e)).
- d2d_offset 0, read noise 0, no stuck-at faults (none reported).
- the individual pulse amplitudes/widths of Fig. 2(c) are not tabulated: only their ranges are stored.
- drift: by default the paper's worst case, the ReRAMWan2022 model as AIHWKIT applies it
  (kind 'reram-wan2022-aihwkit', AIHWKIT's default g_max of 25 uS; the paper does not state its g_max).
  Alternatives: drift='reram-wan2022' (rescaled to the fitted 40 uS device) or drift='hfs2-retention'
  (the measured < 3 % change of the HfS2 devices, see memtwin.devices.drift.HfS2RetentionDrift)."""
    return DeviceModel(
        name="hfs2-xhameni2025",
        potentiation=pot,
        depression=dep,
        variability=Variability(d2d_update=HFS2_D2D, d2d_bounds=HFS2_D2D),
        drift=build_drift("reram-wan2022-aihwkit"),
        pulse_scheme=PulseScheme(
            max_voltage_V=HFS2_MAX_VOLTAGE_V,
            energy_per_cycle_J=HFS2_ENERGY_PER_CYCLE_J,
            energy_per_cycle_std_J=HFS2_ENERGY_STD_J,
            pulses_per_cycle=HFS2_PULSES_PER_CYCLE,
            amplitude_range_V=HFS2_AMPLITUDE_RANGE_V,
            width_range_s=HFS2_WIDTH_RANGE_S,
        ),
        citation=HFS2_CITATION,
        notes=notes,
    )


# ------------------------------------------------------------------------------- Wan et al. 2022
WAN_CITATION = (
    "W. Wan et al., 'A compute-in-memory chip based on resistive random-access memory', Nature 608, "
    "504-512 (2022), doi:10.1038/s41586-022-04992-8; noise statistics as fitted in IBM AIHWKIT "
    "(ReRamWan2022NoiseModel, github.com/IBM/aihwkit)"
)
WAN_LEVELS = 8  # assumed: 4-bit signed weights on a differential pair -> 8 levels per device
WAN_G_MIN_S = 1e-6  # assumed: weight-zero conductance (must be > 0 here; AIHWKIT maps weight 0 to 0 S)


def _reram_wan2022() -> DeviceModel:
    g_top = WAN2022_FIT_G_MAX_S
    step = (g_top - WAN_G_MIN_S) / (WAN_LEVELS - 1)
    g_up = [WAN_G_MIN_S + n * step for n in range(WAN_LEVELS)]
    g_up[-1] = g_top  # exact top, free of rounding
    sig = wan2022_programming_sigma_S(torch.tensor(g_up, dtype=torch.float64), g_top).tolist()
    pot = ModeLevels(g_levels_S=tuple(g_up), sigma_S=tuple(sig))
    dep = ModeLevels(g_levels_S=tuple(reversed(g_up)), sigma_S=tuple(reversed(sig)))
    notes = f"""\
Published: HfOx RRAM (1T1R) programmed by iterative write-verify; inference accuracy comparable to software
models quantized to 4-bit weights (Wan et al. 2022). Conductance-dependent programming noise and
conductance relaxation over 1 s, 1 day and 2 days (Extended Data Fig. 3), as fitted by IBM AIHWKIT with
4th-order polynomials for a device whose g_max is 40 uS.
Assumed:
- conductance range {WAN_G_MIN_S * 1e6:g}-{g_top * 1e6:g} uS: 40 uS is the g_max the AIHWKIT fit refers to; the
  weight-zero level is set to {WAN_G_MIN_S * 1e6:g} uS because levels must be positive here.
- {WAN_LEVELS} evenly spaced levels per device (4-bit signed weights on a differential pair, 15 bins);
  write-verify can reach any target, so the level count stands for the weight resolution.
- per-level programming sigma = the Wan2022 1 s polynomial at that level (write-verify residual).
- no device-to-device spread of update or bounds (d2d 0): write-verify removes it; the residual is in
  the programming sigma.
- read noise 0 (AIHWKIT suggests ~1 % additive read noise with this model; not part of the fit).
- drift: kind 'reram-wan2022' (rescaled to 40 uS, 'increment' spread, so programming sigma + relaxation
  reproduce the published sigma(t) exactly at the three time points).
- pulse scheme unknown (write-verify pulses not modelled); no max voltage or energy given."""
    return DeviceModel(
        name="reram-wan2022",
        potentiation=pot,
        depression=dep,
        variability=Variability(d2d_update=0.0, d2d_bounds=0.0),
        drift=build_drift("reram-wan2022"),
        citation=WAN_CITATION,  # pulse scheme unknown: the default, empty one
        notes=notes,
    )


# ------------------------------------------------------------------------------------------ ideal
IDEAL_LEVELS = 1024
IDEAL_STEP_S = 1e-6


def _ideal() -> DeviceModel:
    pot = ModeLevels.linear(IDEAL_STEP_S, IDEAL_STEP_S, IDEAL_LEVELS, 0.0)
    dep = ModeLevels.linear(IDEAL_LEVELS * IDEAL_STEP_S, -IDEAL_STEP_S, IDEAL_LEVELS, 0.0)
    return DeviceModel(
        name="ideal",
        potentiation=pot,
        depression=dep,
        variability=Variability(d2d_update=0.0, d2d_bounds=0.0),
        citation="none: a reference device for tests",  # no drift, no pulse scheme: the defaults
        notes=(
            f"{IDEAL_LEVELS} evenly spaced levels from {IDEAL_STEP_S * 1e6:g} uS in {IDEAL_STEP_S * 1e6:g} uS "
            "steps (10 bits per device), no programming noise, no device-to-device spread, no read noise, "
            "no faults, no drift. Only weight quantization remains."
        ),
    )


_PRESETS: dict[str, Callable[[], DeviceModel]] = {
    "hfs2-xhameni2025": _hfs2,
    "reram-wan2022": _reram_wan2022,
    "ideal": _ideal,
    # devices from the literature (NeuroSim, AIHWKIT, CrossSim, the paper's comparison works)
    **LITERATURE_PRESETS,
}


def list_presets() -> list[str]:
    """Names accepted by :func:`preset`."""
    return list(_PRESETS)


def preset(name: str, *, drift: Mapping[str, object] | str | None = None) -> DeviceModel:
    """The named preset device; ``drift`` replaces its drift model (kind name or spec dict)."""
    factory = _PRESETS.get(name)
    if factory is None:
        raise ConfigError(f"unknown device preset {name!r}; available: {', '.join(_PRESETS)}")
    device = factory()
    if drift is not None:
        device = replace(device, drift=build_drift(drift))
    return device
