"""Device presets from the literature and the accuracy numbers other works reported, each with its source.

Why this module exists: the paper (Xhameni & Lombardo 2025, Sec. VI, Fig. 6) could only compare its
HfS2 device with others through numbers obtained with different toolkits, networks and protocols.
memtwin runs every device through the *same* network and protocol; for that it needs the other devices
as :class:`~memtwin.devices.model.DeviceModel` presets, and, to show next to its own numbers, what the
other works reported (:data:`LITERATURE_RESULTS`).

Sources, and how each is turned into a level table (code and wording are memtwin's own; the numbers are
facts taken from the cited sources):

* **NeuroSim device table** (MLP+NeuroSim V3.0 user manual, Table II, and its ``Nonlinearity-NormA``
  table): number of states, non-linearity label (converted to NeuroSim's normalized ``A`` with its
  published table), R_on, ON/OFF, write pulses and cycle-to-cycle sigma. Level n follows NeuroSim's
  exponential update ``G = G_min + dG (1 - exp(-x/A)) / (1 - exp(-1/A))`` at ``x = n/(L-1)`` (depression
  runs the same curve with its own, negative, A from the top), so levels are *not* evenly spaced; the
  programming sigma after n pulses is NeuroSim's ``sigma_c2c * dG * sqrt(n)``.
* **AIHWKIT pulsed-device presets** (IBM aihwkit ``simulator/presets/devices.py``): update rules in
  normalized weight units (soft-bounds and linear-step devices). The mean response to n pulses and its
  variance are propagated exactly through the affine update rule (:func:`pulsed_response`), then mapped
  linearly onto an assumed conductance window.
* **CrossSim device models** (Sandia CrossSim ``simulator/devices/custom``): write-verify devices whose
  published model is a programming error sigma(G); levels are the most evenly spaced targets that stay
  distinguishable (spacing > 2 sigma, the criterion memtwin's characterization uses).
* **The paper's comparison works** (Yao 2020, Lu 2021, Nguyen 2021, Pan 2020): as far as their figures
  could be found; what could not is listed in :data:`LITERATURE_GAPS`.

Every preset's ``notes`` list each value that had to be assumed. Where a source gives no
device-to-device spread, the paper's 30 % baseline (:data:`ASSUMED_D2D`) is used so devices are compared
under the same assumption; the ablation/tolerance analyses vary it anyway.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from memtwin.devices.model import DeviceModel, ModeLevels, PulseScheme, Variability

__all__ = [
    "AIHWKIT_G_MAX_S",
    "AIHWKIT_G_MIN_S",
    "ASSUMED_D2D",
    "LITERATURE_GAPS",
    "LITERATURE_PRESETS",
    "LITERATURE_RESULTS",
    "NONIDEALITIES",
    "LiteratureResult",
    "neurosim_levels",
    "pulsed_response",
]

#: Device-to-device spread used where a source gives none: the paper's baseline (Sec. IV).
ASSUMED_D2D = 0.30

#: AIHWKIT works in normalized weights; its inference conductance converters default to g_max = 25 uS
#: (aihwkit.inference.converter.conductance), the reference of its PCM noise fit too. Assumed window top.
AIHWKIT_G_MAX_S = 25e-6
#: Assumed window bottom (levels must be positive; same choice as memtwin's reram-wan2022 preset).
AIHWKIT_G_MIN_S = 1e-6

NEUROSIM_CITATION = (
    "MLP+NeuroSim V3.0 user manual, Sec. 9, Table II (device benchmark at 32 nm), and "
    "documents/Nonlinearity-NormA.htm, github.com/neurosim/MLP_NeuroSim_V3.0 (commit cc13863); "
    "Y. Luo, X. Peng, S. Yu, 'MLP+NeuroSimV3.0: Improving on-chip learning performance with device to "
    "algorithm optimizations', ICONS 2019; P.-Y. Chen, S. Yu, 'Technological benchmark of analog synaptic "
    "devices for neuro-inspired architectures', IEEE Design & Test (2019), doi:10.1109/MDAT.2018.2890229"
)
AIHWKIT_CITATION = "IBM Analog Hardware Acceleration Kit, src/aihwkit/simulator/presets/devices.py, github.com/IBM/aihwkit (commit 4545f11)"
CROSSSIM_CITATION = (
    "Sandia CrossSim, simulator/devices/custom, github.com/sandialabs/cross-sim (commit 0a2eb1e)"
)
XHAMENI_CITATION = (
    "A. Xhameni and A. Lombardo, 'High-accuracy inference using HfOxSy/HfS2 memristors', "
    "APL Electronic Devices 1, 036124 (2025), doi:10.1063/5.0286727"
)
YAO_CITATION = (
    "P. Yao, H. Wu, B. Gao, J. Tang, Q. Zhang, W. Zhang, J. J. Yang, H. Qian, 'Fully hardware-implemented "
    "memristor convolutional neural network', Nature 577, 641-646 (2020), doi:10.1038/s41586-020-1942-4"
)


def _r12(x: float) -> float:
    """Round to 12 significant digits: clean TOML files, steps still exact to ~1e-12 relative."""
    return float(f"{x:.12g}")


# ================================================================================ NeuroSim table
def neurosim_levels(
    levels: int, norm_a: float, g_min_S: float, g_max_S: float, *, depression: bool = False
) -> tuple[float, ...]:
    """Mean conductance after n = 0..levels-1 pulses on NeuroSim's exponential update curve.

    ``norm_a`` is NeuroSim's normalized A (A / P_max; negative for a depression label < 0). The curve
    is ``G(x) = g_min + (g_max - g_min) * (1 - exp(-x/A)) / (1 - exp(-1/A))`` over x in [0, 1];
    potentiation walks x = n/(levels-1) up from g_min, depression walks x = 1 - n/(levels-1) down from
    g_max (NeuroSim moves the pulse position back along the same function).
    """
    if levels < 2:
        raise ValueError(f"levels must be >= 2, got {levels}")
    if norm_a == 0 or not math.isfinite(norm_a):
        raise ValueError(f"norm_a must be finite and non-zero, got {norm_a}")
    span = g_max_S - g_min_S
    denom = -math.expm1(-1.0 / norm_a)
    out = []
    for n in range(levels):
        x = n / (levels - 1)
        if depression:
            x = 1.0 - x
        out.append(_r12(g_min_S + span * (-math.expm1(-x / norm_a)) / denom))
    return tuple(out)


@dataclass(frozen=True)
class _NeuroSimDevice:
    """One column of NeuroSim V3.0's Table II (values as published there)."""

    name: str
    label: str
    reference: str
    levels_ltp: int
    levels_ltd: int
    nl_ltp: float
    nl_ltd: float
    norm_a_ltp: float  # looked up in NeuroSim's Nonlinearity-NormA table for nl_ltp
    norm_a_ltd: float
    r_on_ohm: float
    on_off: float
    v_ltp: float
    width_ltp_s: float
    v_ltd: float
    width_ltd_s: float
    c2c: float
    c2c_published: str
    online_accuracy: str


_NEUROSIM_DEVICES = (
    _NeuroSimDevice(
        name="ag-asi-neurosim",
        label="Ag:a-Si",
        reference="S. H. Jo et al., 'Nanoscale memristor device as synapse in neuromorphic systems', "
        "Nano Lett. 10, 1297-1301 (2010)",
        levels_ltp=97,
        levels_ltd=100,
        nl_ltp=2.40,
        nl_ltd=-4.88,
        norm_a_ltp=0.4992,
        norm_a_ltd=-0.2003,
        r_on_ohm=26e6,
        on_off=12.5,
        v_ltp=3.2,
        width_ltp_s=300e-6,
        v_ltd=-2.8,
        width_ltd_s=300e-6,
        c2c=0.035,
        c2c_published="3.5 %",
        online_accuracy="~72 %",
    ),
    _NeuroSimDevice(
        name="taox-hfox-neurosim",
        label="TaOx/HfOx",
        reference="W. Wu et al., 'A methodology to improve linearity of analog RRAM for neuromorphic "
        "computing', IEEE Symp. VLSI Technology (2018)",
        levels_ltp=128,
        levels_ltd=128,
        nl_ltp=0.04,
        nl_ltd=-0.63,
        norm_a_ltp=31.5668,
        norm_a_ltd=-1.9973,
        r_on_ohm=100e3,
        on_off=10.0,
        v_ltp=1.6,
        width_ltp_s=50e-9,
        v_ltd=1.6,
        width_ltd_s=50e-9,
        c2c=0.037,
        c2c_published="3.7 %",
        online_accuracy="~80 %",
    ),
    _NeuroSimDevice(
        name="pcmo-neurosim",
        label="PCMO",
        reference="S. Park et al., 'Neuromorphic speech systems using advanced ReRAM-based synapse', "
        "IEDM (2013)",
        levels_ltp=50,
        levels_ltd=50,
        nl_ltp=3.68,
        nl_ltd=-6.76,
        norm_a_ltp=0.3006,
        norm_a_ltd=-0.1003,
        r_on_ohm=23e6,
        on_off=6.84,
        v_ltp=-2.0,
        width_ltp_s=1e-3,
        v_ltd=2.0,
        width_ltd_s=1e-3,
        c2c=0.01,
        c2c_published="< 1 % (1 % used: the published upper bound)",
        online_accuracy="~33 %",
    ),
    _NeuroSimDevice(
        name="alox-hfo2-neurosim",
        label="AlOx/HfO2",
        reference="J. Woo et al., 'Improved synaptic behavior under identical pulses using AlOx/HfO2 "
        "bilayer RRAM array for neuromorphic systems', IEEE Electron Device Lett. 37, 994-997 (2016)",
        levels_ltp=40,
        levels_ltd=40,
        nl_ltp=1.94,
        nl_ltd=-0.61,
        norm_a_ltp=0.6292,
        norm_a_ltd=-2.0633,
        r_on_ohm=16.9e3,
        on_off=4.43,
        v_ltp=0.9,
        width_ltp_s=100e-6,
        v_ltd=-1.0,
        width_ltd_s=100e-6,
        c2c=0.05,
        c2c_published="5 %",
        online_accuracy="~20 %",
    ),
    _NeuroSimDevice(
        name="epiram-neurosim",
        label="EpiRAM (Ag:SiGe)",
        reference="S. Choi et al., 'SiGe epitaxial memory for neuromorphic computing with reproducible "
        "high performance based on engineered dislocations', Nat. Mater. 17, 335-340 (2018)",
        levels_ltp=64,
        levels_ltd=64,
        nl_ltp=0.5,
        nl_ltd=-0.5,
        norm_a_ltp=2.5199,
        norm_a_ltd=-2.5199,
        r_on_ohm=81e3,
        on_off=50.2,
        v_ltp=5.0,
        width_ltp_s=5e-6,
        v_ltd=-3.0,
        width_ltd_s=5e-6,
        c2c=0.02,
        c2c_published="2 %",
        online_accuracy="92 %",
    ),
)


def _neurosim_preset(spec: _NeuroSimDevice) -> DeviceModel:
    g_max = 1.0 / spec.r_on_ohm
    g_min = g_max / spec.on_off
    span = g_max - g_min

    def mode(levels: int, norm_a: float, depression: bool) -> ModeLevels:
        g = neurosim_levels(levels, norm_a, g_min, g_max, depression=depression)
        sigma = tuple(_r12(spec.c2c * span * math.sqrt(n)) for n in range(levels))
        return ModeLevels(g_levels_S=g, sigma_S=sigma)

    pot = mode(spec.levels_ltp, spec.norm_a_ltp, False)
    dep = mode(spec.levels_ltd, spec.norm_a_ltd, True)
    amps = sorted((abs(spec.v_ltp), abs(spec.v_ltd)))
    widths = sorted((spec.width_ltp_s, spec.width_ltd_s))
    notes = f"""\
Published (NeuroSim V3.0 device table, from {spec.reference}): {spec.levels_ltp} states in weight increase
(LTP) and {spec.levels_ltd} in weight decrease (LTD); non-linearity labels {spec.nl_ltp:g} / {spec.nl_ltd:g}
(NeuroSim's normalized A {spec.norm_a_ltp:g} / {spec.norm_a_ltd:g} from its Nonlinearity-NormA table); R_on
{spec.r_on_ohm:g} Ohm (g_max {g_max * 1e6:.6g} uS); ON/OFF {spec.on_off:g} (g_min {g_min * 1e6:.6g} uS);
weight-increase pulse {spec.v_ltp:g} V / {spec.width_ltp_s:g} s, weight-decrease pulse {spec.v_ltd:g} V /
{spec.width_ltd_s:g} s; cycle-to-cycle sigma {spec.c2c_published} of the conductance range. NeuroSim's on-chip
(online) training accuracy with this device, MNIST MLP: {spec.online_accuracy} (a training result, not an
inference-after-programming one, so it is not a row of LITERATURE_RESULTS).
Derived (NeuroSim's own model): level n = mean after n pulses on the exponential curve, n = 0..L-1 with
L = number of states (NeuroSim's pulse position runs 0..L; memtwin stores L states, so P_max = L - 1);
depression starts at g_max and follows the LTD curve down; programming sigma after n pulses
= sigma_c2c * (g_max - g_min) * sqrt(n) (NeuroSim adds c2c noise scaled by sqrt(pulses)), so level 0 is exact
and the top potentiation level carries {100 * spec.c2c * math.sqrt(spec.levels_ltp - 1):.0f} % of the range: open-loop
programming of many pulses accumulates the per-update noise NeuroSim was fitted for (on-chip training).
Assumed (not in the table):
- device-to-device spread {ASSUMED_D2D:g} of update and bounds: the paper's baseline, so every device is
  compared under the same spread (NeuroSim's sigmaDtoD defaults to 0 and the table gives none).
- no read noise, no stuck-at faults, no drift (the table gives no retention data).
- energy per cycle not given."""
    return DeviceModel(
        name=spec.name,
        potentiation=pot,
        depression=dep,
        variability=Variability(d2d_update=ASSUMED_D2D, d2d_bounds=ASSUMED_D2D),
        drift={"kind": "none"},
        pulse_scheme=PulseScheme(
            max_voltage_V=amps[-1], amplitude_range_V=tuple(amps), width_range_s=tuple(widths)
        ),
        citation=f"{spec.reference}; parameters as tabulated in {NEUROSIM_CITATION}",
        notes=notes,
    )


# ========================================================================= AIHWKIT pulsed devices
def pulsed_response(
    *,
    start: float,
    direction: int,
    dw_min: float,
    slope: float,
    dw_min_std: float,
    mult_noise: bool,
    bound: float,
    max_pulses: int | None = None,
) -> tuple[list[float], list[float]]:
    """Mean and variance of an AIHWKIT-style pulsed device after n = 0, 1, ... pulses in one direction.

    Update per pulse (``direction`` +1 up, -1 down; ``xi`` standard normal, fresh each pulse)::

        w <- w + direction * dw_min * (1 + slope * w) * (1 + s_m * xi) + direction * dw_min * s_a * xi

    with ``s_m = dw_min_std`` for multiplicative noise, else ``s_a = dw_min_std``. The rule is affine in
    w, so mean m and variance v propagate exactly (clipping at the hard bound ignored)::

        m' = m + d dw (1 + slope m)
        v' = (1 + d dw slope)^2 v + dw^2 [ s_m^2 ((1 + slope m)^2 + slope^2 v) + s_a^2 ]

    Soft bounds are ``slope = -1/bound``; AIHWKIT's linear step is ``slope = -gamma/bound``. Stops
    after ``max_pulses`` pulses, or (hard bounds) at the last mean that has not yet reached ``bound``.
    """
    if direction not in (1, -1):
        raise ValueError("direction must be +1 or -1")
    s_m, s_a = (dw_min_std, 0.0) if mult_noise else (0.0, dw_min_std)
    means, variances = [start], [0.0]
    m, v = start, 0.0
    limit = max_pulses if max_pulses is not None else 1_000_000
    for _ in range(limit):
        factor = 1.0 + slope * m
        m_next = m + direction * dw_min * factor
        if max_pulses is None and (m_next - bound) * direction >= 0:
            break
        v = (1.0 + direction * dw_min * slope) ** 2 * v + dw_min**2 * (
            s_m**2 * (factor**2 + slope**2 * v) + s_a**2
        )
        m = m_next
        means.append(m)
        variances.append(v)
    return means, variances


@dataclass(frozen=True)
class _AihwkitDevice:
    """An AIHWKIT preset's published parameters (normalized weight units)."""

    name: str
    preset_class: str
    model: str  # "soft-bounds" or "linear-step"
    reference: str
    dw_min: float
    w_min: float
    w_max: float
    gamma_up: float
    gamma_down: float
    mult_noise: bool
    dw_min_std: float
    write_noise_std: float
    dw_min_dtod: float
    w_min_dtod_abs: float  # absolute spread of the bound, weight units
    w_max_dtod_abs: float
    extra: str  # published facts the model here does not use


_AIHWKIT_DEVICES = (
    _AihwkitDevice(
        name="reram-sb-aihwkit",
        preset_class="ReRamSBPresetDevice",
        model="soft-bounds",
        reference="a loose soft-bounds fit by AIHWKIT to Gong et al., Nat. Commun. (2018), "
        "doi:10.1038/s41467-018-04485-1",
        dw_min=0.002,
        w_min=-0.75,
        w_max=1.25,
        gamma_up=1.0,
        gamma_down=1.0,
        mult_noise=False,
        dw_min_std=3.75,
        write_noise_std=56.0,
        dw_min_dtod=0.3,
        w_min_dtod_abs=0.3,  # w_min_dtod = 0.3/0.75 relative
        w_max_dtod_abs=0.3,  # w_max_dtod = 0.3/1.25 relative
        extra="up_down 0, up_down_dtod 0.01 (symmetry point assumed calibrated away by a reference device)",
    ),
    _AihwkitDevice(
        name="reram-array-om-aihwkit",
        preset_class="ReRamArrayOMPresetDevice",
        model="soft-bounds",
        reference="AIHWKIT's fit to the 'Optimized Material' ReRAM array of Gong & Rasch et al., IEDM 2022 "
        "(ieeexplore.ieee.org/document/10019569)",
        dw_min=0.0949,
        w_min=-1.0,
        w_max=1.0,
        gamma_up=1.0,
        gamma_down=1.0,
        mult_noise=False,
        dw_min_std=0.4158,
        write_noise_std=1.4113,
        dw_min_dtod=0.7829,
        w_min_dtod_abs=0.5695,
        w_max_dtod_abs=0.3499,
        extra="dw_min_dtod is log-normal in AIHWKIT (memtwin draws a normal spread, floored); 13.5 % "
        "corrupt devices measured, set to 0 by AIHWKIT's preset; symmetry point subtracted with 5 % "
        "reference error; weight range compliance-adjusted (unadjusted w_max 1.4839, w_min -0.6192)",
    ),
    _AihwkitDevice(
        name="reram-array-hfo2-aihwkit",
        preset_class="ReRamArrayHfO2PresetDevice",
        model="soft-bounds",
        reference="AIHWKIT's fit to the 'Baseline HfO2' ReRAM array of Gong & Rasch et al., IEDM 2022 "
        "(ieeexplore.ieee.org/document/10019569)",
        dw_min=0.4622,
        w_min=-1.0,
        w_max=1.0,
        gamma_up=1.0,
        gamma_down=1.0,
        mult_noise=False,
        dw_min_std=0.2174,
        write_noise_std=0.5841,
        dw_min_dtod=0.7125,
        w_min_dtod_abs=0.5990,
        w_max_dtod_abs=0.4295,
        extra="dw_min_dtod is log-normal in AIHWKIT (memtwin draws a normal spread, floored); ~9.8 % "
        "corrupt devices measured, set to 0 by AIHWKIT's preset; symmetry point subtracted with 5 % "
        "reference error; weight range compliance-adjusted (unadjusted w_max 1.1490, w_min -1.0284)",
    ),
    _AihwkitDevice(
        name="ecram-aihwkit",
        preset_class="EcRamPresetDevice",
        model="linear-step",
        reference="AIHWKIT's linear-step fit to the Li-based ECRAM of Tang et al., IEDM 2018 "
        "(ieeexplore.ieee.org/document/8614551)",
        dw_min=0.002,
        w_min=-0.8276,
        w_max=1.1724,
        gamma_up=0.1153,
        gamma_down=0.5085,
        mult_noise=True,
        dw_min_std=0.3,
        write_noise_std=0.0,
        dw_min_dtod=0.1,
        w_min_dtod_abs=0.05 * 0.8276,
        w_max_dtod_abs=0.05 * 1.1724,
        extra="gamma_up_dtod / gamma_down_dtod 0.05 and up_down_dtod 0.01 not modelled; range shifted so "
        "the symmetry point is at 0",
    ),
    _AihwkitDevice(
        name="capacitor-aihwkit",
        preset_class="CapacitorPresetDevice",
        model="linear-step",
        reference="AIHWKIT's linear-step fit to the capacitor cell of Li et al., VLSI 2018 "
        "(ieeexplore.ieee.org/document/8510648)",
        dw_min=0.005,
        w_min=-1.0,
        w_max=1.0,
        gamma_up=0.05,
        gamma_down=0.05,
        mult_noise=False,
        dw_min_std=0.3,
        write_noise_std=0.0,
        dw_min_dtod=0.1,
        w_min_dtod_abs=0.07,
        w_max_dtod_abs=0.07,
        extra="leakage (lifetime 1e6 mini-batches, 30 % spread) is in training mini-batches, not seconds, "
        "so it is not converted to a drift model; gamma dtod 0.01 and up_down_dtod 0.06 not modelled",
    ),
)


def _to_conductance(w: float, spec: _AihwkitDevice) -> float:
    frac = (w - spec.w_min) / (spec.w_max - spec.w_min)
    return _r12(AIHWKIT_G_MIN_S + frac * (AIHWKIT_G_MAX_S - AIHWKIT_G_MIN_S))


def _aihwkit_preset(spec: _AihwkitDevice) -> DeviceModel:
    w_range = spec.w_max - spec.w_min
    soft = spec.model == "soft-bounds"
    n_pulses = round(w_range / spec.dw_min) if soft else None
    s_per_w = (AIHWKIT_G_MAX_S - AIHWKIT_G_MIN_S) / w_range
    write_var = (spec.write_noise_std * spec.dw_min) ** 2

    def mode(direction: int) -> ModeLevels:
        start, bound = (spec.w_min, spec.w_max) if direction > 0 else (spec.w_max, spec.w_min)
        gamma = spec.gamma_up if direction > 0 else spec.gamma_down
        means, variances = pulsed_response(
            start=start,
            direction=direction,
            dw_min=spec.dw_min,
            slope=-gamma / bound,
            dw_min_std=spec.dw_min_std,
            mult_noise=spec.mult_noise,
            bound=bound,
            max_pulses=n_pulses,
        )
        g = tuple(_to_conductance(m, spec) for m in means)
        sigma = tuple(_r12(math.sqrt(v + write_var) * s_per_w) for v in variances)
        return ModeLevels(g_levels_S=g, sigma_S=sigma)

    pot, dep = mode(+1), mode(-1)
    d2d_bounds = max(spec.w_max_dtod_abs, spec.w_min_dtod_abs) / w_range
    reach = (pot.g_levels_S[-1] - pot.g_levels_S[0]) / (AIHWKIT_G_MAX_S - AIHWKIT_G_MIN_S)
    if soft:
        count_rule = (
            f"{n_pulses} pulses per mode = (w_max - w_min) / dw_min, AIHWKIT's nominal number of states; the "
            f"soft-bounds response covers {100 * reach:.0f} % of the range after them"
        )
    else:
        count_rule = "pulses until the mean would reach the hard bound (the last, partial, step is dropped)"
    noise = "multiplicative" if spec.mult_noise else "additive"
    notes = f"""\
Published (AIHWKIT {spec.preset_class}, {spec.reference}), normalized weight units: {spec.model} update,
dw_min {spec.dw_min:g}, weight range [{spec.w_min:g}, {spec.w_max:g}], gamma_up {spec.gamma_up:g} /
gamma_down {spec.gamma_down:g}{" (soft bounds)" if soft else ""}; cycle-to-cycle dw_min_std {spec.dw_min_std:g}
({noise}); write noise {spec.write_noise_std:g} x dw_min; device-to-device dw_min_dtod {spec.dw_min_dtod:g},
bound spread {spec.w_min_dtod_abs:.4g} (w_min) / {spec.w_max_dtod_abs:.4g} (w_max) in weight units.
Other published settings not used here: {spec.extra}.
Derived:
- levels: mean response to n pulses from w_min (potentiation) or w_max (depression), propagated exactly
  through the update rule (memtwin.devices.literature.pulsed_response); {count_rule};
  {pot.levels} / {dep.levels} levels, not evenly spaced where the step depends on the weight.
- sigma of level n: sqrt(accumulated cycle-to-cycle variance after n pulses + write noise^2), so level 0
  carries the write noise only.
- d2d_update = dw_min_dtod; d2d_bounds = the larger bound spread / weight range = {d2d_bounds:.4g} (memtwin
  has one bound spread for both modes; its semantics are relative to the range).
Assumed:
- conductance window {AIHWKIT_G_MIN_S * 1e6:g}-{AIHWKIT_G_MAX_S * 1e6:g} uS for the weight range (AIHWKIT
  weights carry no units; {AIHWKIT_G_MAX_S * 1e6:g} uS is the default g_max of AIHWKIT's inference conductance converters,
  {AIHWKIT_G_MIN_S * 1e6:g} uS keeps levels positive as in memtwin's reram-wan2022 preset). Accuracy depends on
  sigma/step and the level count, not on this window; it sets ON/OFF, IR drop and energy.
- no drift, no read noise, no stuck-at faults; pulse amplitudes, widths and energy unknown."""
    return DeviceModel(
        name=spec.name,
        potentiation=pot,
        depression=dep,
        variability=Variability(d2d_update=spec.dw_min_dtod, d2d_bounds=_r12(d2d_bounds)),
        drift={"kind": "none"},
        pulse_scheme=PulseScheme(),
        citation=f"{AIHWKIT_CITATION}, {spec.preset_class}: {spec.reference}",
        notes=notes,
    )


# =============================================================================== CrossSim: Milo
MILO_G_MIN_S = 50e-6  # CrossSim RRAMMilo: suggested window 50-225 uS (ON/OFF 4.5)
MILO_G_MAX_S = 225e-6
MILO_SIGMA_SLOPE = -0.009107  # sigma_G[uS] = max(A * G[uS] + B, 0), fit to Fig. 4 (IGVVA-100 algorithm)
MILO_SIGMA_OFFSET_uS = 4.782321


def _milo_sigma_S(g_S: float) -> float:
    return max(MILO_SIGMA_SLOPE * g_S * 1e6 + MILO_SIGMA_OFFSET_uS, 0.0) * 1e-6


def _rram_milo() -> DeviceModel:
    worst = max(_milo_sigma_S(MILO_G_MIN_S), _milo_sigma_S(MILO_G_MAX_S))
    intervals = math.floor((MILO_G_MAX_S - MILO_G_MIN_S) / (2 * worst))
    step = (MILO_G_MAX_S - MILO_G_MIN_S) / intervals
    g_up = [_r12(MILO_G_MIN_S + n * step) for n in range(intervals + 1)]
    sig = [_r12(_milo_sigma_S(g)) for g in g_up]
    pot = ModeLevels(g_levels_S=tuple(g_up), sigma_S=tuple(sig))
    dep = ModeLevels(g_levels_S=tuple(reversed(g_up)), sigma_S=tuple(reversed(sig)))
    notes = f"""\
Published (CrossSim RRAMMilo model of Milo et al., IRPS 2021): HfO2 1T1R RRAM programmed with a
program-and-verify algorithm (IGVVA-100); programming error sigma_G = max({MILO_SIGMA_SLOPE} * G +
{MILO_SIGMA_OFFSET_uS}, 0) uS with G in uS (CrossSim's linear fit to the paper's Fig. 4); suggested window
50-225 uS (ON/OFF 4.5).
Derived: {pot.levels} evenly spaced target levels per mode, spacing {step * 1e6:.4g} uS: the most levels whose
spacing exceeds twice the largest sigma in the window ({worst * 1e6:.4g} uS at 50 uS), the distinguishability
criterion memtwin's characterization uses; sigma of each level from the fit.
Assumed:
- depression runs the same targets from the top (write-verify reaches targets from either side).
- no device-to-device spread (d2d 0): write-verify removes it; the residual is in sigma_G.
- no drift, no read noise (CrossSim's model has neither for this device), no stuck-at faults.
- pulse amplitudes, widths and energy not in the model."""
    return DeviceModel(
        name="rram-milo2021-crosssim",
        potentiation=pot,
        depression=dep,
        variability=Variability(d2d_update=0.0, d2d_bounds=0.0),
        drift={"kind": "none"},
        pulse_scheme=PulseScheme(),
        citation=(
            "V. Milo et al., 'Optimized programming algorithms for multilevel RRAM in hardware neural "
            "networks', IEEE IRPS 2021 (ieeexplore.ieee.org/document/9405119); programming-error fit from "
            f"{CROSSSIM_CITATION}, RRAM_Milo.py"
        ),
        notes=notes,
    )


# =============================================================================== Yao et al. 2020
YAO_STATES = 32  # distinguishable conductance states, closed-loop programming (Fig. 1c)
YAO_WEIGHT_LEVELS = 15  # weights quantized to 15 levels on differential pairs -> 8 levels per device
YAO_PULSE_WIDTH_S = 50e-9  # identical SET/RESET pulse trains of 50 ns in the closed-loop programming
#: Assumed window: the same group's TaOx/HfOx RRAM as tabulated by NeuroSim (R_on 100 kOhm, ON/OFF 10).
YAO_ASSUMED_G_MAX_S = 10e-6
YAO_ASSUMED_G_MIN_S = 1e-6


def _yao2020() -> DeviceModel:
    per_device = (YAO_WEIGHT_LEVELS + 1) // 2
    span = YAO_ASSUMED_G_MAX_S - YAO_ASSUMED_G_MIN_S
    step = span / (per_device - 1)
    sigma = span / (YAO_STATES - 1) / 6.0
    g_up = tuple(_r12(YAO_ASSUMED_G_MIN_S + n * step) for n in range(per_device))
    pot = ModeLevels(g_levels_S=g_up, sigma_S=(_r12(sigma),) * per_device)
    dep = ModeLevels(g_levels_S=tuple(reversed(g_up)), sigma_S=(_r12(sigma),) * per_device)
    notes = f"""\
Published (Yao et al. 2020): TiN/TaOx/HfOx/TiN 1T1R arrays (eight 2,048-cell arrays); {YAO_STATES}
distinguishable conductance states programmed closed-loop with identical {YAO_PULSE_WIDTH_S * 1e9:g} ns SET/RESET
pulses, 1,024 cells without overlap between states (Fig. 1c); network weights quantized to
{YAO_WEIGHT_LEVELS} levels on differential pairs; 8-bit inputs (pulse count) and shared 8-bit ADCs; MNIST
97.99 % software -> 96.19 % fully in hardware (the HfS2 paper, Sec. I, quotes both). The state count, pulse
width and weight quantization were taken from a secondary full-text summary of the paper and should be
checked against its Fig. 1 and Methods.
Derived: {per_device} levels per device ({YAO_WEIGHT_LEVELS} signed weights on a pair), evenly spaced.
Assumed (not found in the sources reachable here):
- conductance window {YAO_ASSUMED_G_MIN_S * 1e6:g}-{YAO_ASSUMED_G_MAX_S * 1e6:g} uS: the same group's TaOx/HfOx
  RRAM as listed in NeuroSim's device table (Wu et al. 2018: R_on 100 kOhm, ON/OFF 10).
- programming sigma {sigma * 1e6:.4g} uS for every level: one sixth of the spacing of {YAO_STATES} states
  across the window, an upper bound implied by 'no overlap' (+-3 sigma) between neighbouring states.
- no device-to-device spread (d2d 0): closed-loop programming removes it.
- no drift (Extended Data Fig. 3 shows drift over 30 days but no model is tabulated), no read noise (read
  disturb after 1e6 reads is shown to be small, Extended Data Fig. 7), no stuck-at faults.
- maximum programming voltage not found (the HfS2 paper's Fig. 6(c) plots it, its text does not give it;
  NeuroSim lists 1.6 V / 50 ns for the same group's TaOx/HfOx device)."""
    return DeviceModel(
        name="taox-hfox-yao2020",
        potentiation=pot,
        depression=dep,
        variability=Variability(d2d_update=0.0, d2d_bounds=0.0),
        drift={"kind": "none"},
        pulse_scheme=PulseScheme(width_range_s=(YAO_PULSE_WIDTH_S, YAO_PULSE_WIDTH_S)),
        citation=YAO_CITATION,
        notes=notes,
    )


# ================================================================================== registration
def _factory_neurosim(spec: _NeuroSimDevice) -> Callable[[], DeviceModel]:
    return lambda: _neurosim_preset(spec)


def _factory_aihwkit(spec: _AihwkitDevice) -> Callable[[], DeviceModel]:
    return lambda: _aihwkit_preset(spec)


#: Preset name -> factory; registered into :func:`memtwin.devices.presets.preset`.
LITERATURE_PRESETS: dict[str, Callable[[], DeviceModel]] = {
    **{spec.name: _factory_neurosim(spec) for spec in _NEUROSIM_DEVICES},
    **{spec.name: _factory_aihwkit(spec) for spec in _AIHWKIT_DEVICES},
    "rram-milo2021-crosssim": _rram_milo,
    "taox-hfox-yao2020": _yao2020,
}


# ======================================================================== reported accuracy table
#: Non-idealities a reported number can include (names shared with memtwin's ablation).
NONIDEALITIES: tuple[str, ...] = (
    "c2c_noise",
    "d2d_variation",
    "finite_levels",
    "nonlinearity",
    "asymmetry",
    "dac",
    "adc",
    "ir_drop",
    "drift",
    "read_noise",
    "stuck_at",
)


@dataclass(frozen=True)
class LiteratureResult:
    """One accuracy a work reported for its device: digital vs analog, how it was obtained, and with
    which non-idealities (the paper's Fig. 6(a)-(d) rows).

    ``evaluation`` is ``"hardware"`` (measured on a chip: every non-ideality is physically present) or
    ``"simulation"``. ``max_programming_voltage_V`` is ``None`` where it could not be found; ``notes``
    then says so. ``source`` says exactly where each number comes from.
    """

    key: str
    work: str
    device: str
    task: str
    network: str
    digital_accuracy_pct: float
    analog_accuracy_pct: float
    evaluation: str
    toolkit: str
    max_programming_voltage_V: float | None
    nonidealities: tuple[str, ...]
    citation: str
    source: str
    preset: str | None = None
    notes: str = ""

    @property
    def accuracy_loss_pct(self) -> float:
        """Digital minus analog accuracy, in percentage points."""
        return round(self.digital_accuracy_pct - self.analog_accuracy_pct, 6)


_HFS2_NONIDEALITIES = (
    "c2c_noise",
    "d2d_variation",
    "finite_levels",
    "nonlinearity",
    "asymmetry",
    "dac",
    "adc",
    "ir_drop",
    "drift",
)

LITERATURE_RESULTS: tuple[LiteratureResult, ...] = (
    LiteratureResult(
        key="xhameni2025-mnist",
        work="Xhameni & Lombardo 2025",
        device="HfOxSy/HfS2",
        task="mnist",
        network="MLP 784-500-10",
        digital_accuracy_pct=98.07,
        analog_accuracy_pct=98.00,
        evaluation="simulation",
        toolkit="AIHWKIT",
        max_programming_voltage_V=0.995,
        nonidealities=_HFS2_NONIDEALITIES,
        citation=XHAMENI_CITATION,
        source="Sec. IV: 98.07 % digital (30 epochs), 98.00 % analog in both programming modes (5 HWAT "
        "epochs, 5 runs); pulses 0.7-0.995 V (Sec. III)",
        preset="hfs2-xhameni2025",
        notes="Non-idealities per Secs. IV and VI: measured c2c variation, linearity, symmetry, bit "
        "resolution, IR drop, 30 % d2d, 8-bit DAC/ADC; drift from ReRAMWan2022 in the drift study.",
    ),
    LiteratureResult(
        key="xhameni2025-cifar10",
        work="Xhameni & Lombardo 2025",
        device="HfOxSy/HfS2",
        task="cifar10",
        network="3 residual blocks + 3 FC layers (~210k weights)",
        digital_accuracy_pct=87.51,
        analog_accuracy_pct=86.80,
        evaluation="simulation",
        toolkit="AIHWKIT",
        max_programming_voltage_V=0.995,
        nonidealities=_HFS2_NONIDEALITIES,
        citation=XHAMENI_CITATION,
        source="Sec. V and abstract: 87.51 % digital (200 epochs), 86.80 % analog (20 HWAT epochs, 30 % d2d)",
        preset="hfs2-xhameni2025",
    ),
    LiteratureResult(
        key="yao2020-mnist",
        work="Yao et al. 2020",
        device="TiN/TaOx/HfOx/TiN",
        task="mnist",
        network="five-layer CNN (two conv, two pooling, one FC layer)",
        digital_accuracy_pct=97.99,
        analog_accuracy_pct=96.19,
        evaluation="hardware",
        toolkit="measured chip (eight 2,048-cell 1T1R arrays, hybrid training of the FC layer)",
        max_programming_voltage_V=None,
        nonidealities=NONIDEALITIES,
        citation=YAO_CITATION,
        source="Xhameni & Lombardo 2025, Sec. I: 'classification accuracy of 96.19%, close to a digital "
        "hardware baseline score of 97.99%'",
        preset="taox-hfox-yao2020",
        notes="Measured on hardware, so every non-ideality is present. Maximum programming voltage not "
        "found (the HfS2 paper's Fig. 6(c) plots it; its text does not give the value).",
    ),
    LiteratureResult(
        key="yao2020-cifar10",
        work="Yao et al. 2020",
        device="TiN/TaOx/HfOx/TiN",
        task="cifar10",
        network="ResNet-56",
        digital_accuracy_pct=95.57,
        analog_accuracy_pct=94.08,
        evaluation="simulation",
        toolkit="XPEsim",
        max_programming_voltage_V=None,
        nonidealities=("c2c_noise", "d2d_variation"),
        citation=YAO_CITATION,
        source="Extended Data Fig. 6 of Yao et al. as summarized in a public full-text literature note "
        "(1.49-point drop from 95.57 % software; 94.08 % = 95.57 - 1.49); XPEsim and the simulated "
        "non-idealities per Xhameni & Lombardo 2025, Sec. VI",
        preset="taox-hfox-yao2020",
        notes="Secondary source for both accuracies: check against Extended Data Fig. 6 before quoting. The "
        "HfS2 paper states the device model 'considered the device-to-device and cycle-to-cycle "
        "variation'; other non-idealities of that simulation are not known here. Maximum programming "
        "voltage not found.",
    ),
)

#: What could not be found for the paper's other comparison works (searched: public pages, code and
#: documentation corpora). Facts found are listed; no preset or result row is built from them.
LITERATURE_GAPS: dict[str, str] = {
    "lu2021-sns": (
        "X. F. Lu et al., 'Exploring low power and ultrafast memristor on p-type van der Waals SnS', Nano "
        "Lett. 21, 8800-8807 (2021), doi:10.1021/acs.nanolett.1c03169 (Ag/SnS/Pt). Found only via a review "
        "(Gong et al., Acta Phys. Sin. 73, 207302 (2024), Table 1): electrochemical-metallization bipolar "
        "switching at +0.2/-0.1 V, ON/OFF 1e8, 1.5 ns switching, 1e5 s retention, 1e4 cycles, 100 fJ, "
        "used for image classification. Not found: number of levels, conductance window, c2c/d2d sigma, "
        "potentiation/depression pulse amplitudes, MNIST/CIFAR-10 digital and simulated accuracies."
    ),
    "nguyen2021": (
        "T. V. Nguyen, J. An, K.-S. Min, 'Memristor-CMOS hybrid neuron circuit with nonideal-effect "
        "correction related to parasitic resistance for binary-memristor-crossbar neural networks', "
        "Micromachines 12, 791 (2021). Only the abstract was reachable (a correction circuit for source, "
        "line and neuron parasitic resistance in binary-memristor crossbars). Not found: device figures, "
        "programming voltages, reported accuracies."
    ),
    "pan2020": (
        "W.-Q. Pan et al., 'Strategies to improve the accuracy of memristor-based convolutional neural "
        "networks', IEEE Trans. Electron Devices 67, 895-901 (2020) (TiN/HfO2/Ti). Nothing beyond the "
        "bibliographic entry was reachable: levels, conductance window, variation, pulses and accuracies "
        "not found."
    ),
    "yao2020": (
        "Found: 32 states, 15 weight levels, 50 ns pulses, MNIST 97.99 -> 96.19 %, CIFAR-10 ResNet-56 "
        "95.57 % with a 1.49-point drop (partly via a secondary summary). Not found: conductance window, "
        "state sigma, programming voltage (see the taox-hfox-yao2020 preset's notes)."
    ),
}
