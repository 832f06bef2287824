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

The records are data, not code: each source's published parameters, the note template that lists its
assumptions, the reported results and the gaps live in ``literature.toml`` beside this module
(:data:`DATA_FILE`); this module holds the models that turn a record into a level table. A new device of
a known family is a new record there; a new family is a record type plus a builder here.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from memtwin.devices.drift import build_drift
from memtwin.devices.model import DeviceModel, ModeLevels, PulseScheme, Variability

__all__ = [
    "AIHWKIT_G_MAX_S",
    "AIHWKIT_G_MIN_S",
    "ASSUMED_D2D",
    "DATA_FILE",
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

#: The data records: each preset's published parameters and notes, the reported results, the gaps.
DATA_FILE = Path(__file__).with_name("literature.toml")


def _load_data() -> dict[str, Any]:
    with DATA_FILE.open("rb") as file:
        return tomllib.load(file)


_DATA = _load_data()


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
    """One column of NeuroSim V3.0's Table II (a ``[[neurosim.devices]]`` record of the data file)."""

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


def _neurosim_preset(spec: _NeuroSimDevice) -> DeviceModel:
    g_max = 1.0 / spec.r_on_ohm
    g_min = g_max / spec.on_off
    span = g_max - g_min

    def mode(levels: int, norm_a: float, depression: bool) -> ModeLevels:
        g = neurosim_levels(levels, norm_a, g_min, g_max, depression=depression)
        sigma = tuple(_r12(spec.c2c * span * math.sqrt(n)) for n in range(levels))
        return ModeLevels(g_levels_S=g, sigma_S=sigma)

    amps = sorted((abs(spec.v_ltp), abs(spec.v_ltd)))
    widths = sorted((spec.width_ltp_s, spec.width_ltd_s))
    notes = _DATA["neurosim"]["notes"].format(
        **asdict(spec),
        g_max_uS=g_max * 1e6,
        g_min_uS=g_min * 1e6,
        top_sigma_pct=100 * spec.c2c * math.sqrt(spec.levels_ltp - 1),
        assumed_d2d=ASSUMED_D2D,
    )
    return DeviceModel(
        name=spec.name,
        potentiation=mode(spec.levels_ltp, spec.norm_a_ltp, False),
        depression=mode(spec.levels_ltd, spec.norm_a_ltd, True),
        variability=Variability(d2d_update=ASSUMED_D2D, d2d_bounds=ASSUMED_D2D),
        drift=build_drift("none"),
        pulse_scheme=PulseScheme(
            max_voltage_V=amps[-1], amplitude_range_V=tuple(amps), width_range_s=tuple(widths)
        ),
        citation=f"{spec.reference}; parameters as tabulated in {_DATA['neurosim']['citation']}",
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
    """An AIHWKIT preset's published parameters, normalized weight units (an ``[[aihwkit.devices]]``
    record of the data file)."""

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

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> _AihwkitDevice:
        """A record; ``bound_dtod_rel`` gives both bound spreads relative to |bound|."""
        fields = dict(record)
        rel = fields.pop("bound_dtod_rel", None)
        if rel is not None:
            fields["w_min_dtod_abs"] = rel * abs(fields["w_min"])
            fields["w_max_dtod_abs"] = rel * abs(fields["w_max"])
        return cls(**fields)

    @property
    def soft_bounds(self) -> bool:
        return self.model == "soft-bounds"

    @property
    def pulses(self) -> int | None:
        """Pulses per mode: AIHWKIT's nominal number of states for soft bounds, else up to the bound."""
        return round((self.w_max - self.w_min) / self.dw_min) if self.soft_bounds else None


def _aihwkit_mode(spec: _AihwkitDevice, direction: int) -> ModeLevels:
    """Mean response and spread to n pulses, mapped linearly onto the assumed conductance window."""
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
        max_pulses=spec.pulses,
    )
    w_range = spec.w_max - spec.w_min
    s_per_w = (AIHWKIT_G_MAX_S - AIHWKIT_G_MIN_S) / w_range
    write_var = (spec.write_noise_std * spec.dw_min) ** 2
    g = tuple(
        _r12(AIHWKIT_G_MIN_S + (m - spec.w_min) / w_range * (AIHWKIT_G_MAX_S - AIHWKIT_G_MIN_S))
        for m in means
    )
    sigma = tuple(_r12(math.sqrt(v + write_var) * s_per_w) for v in variances)
    return ModeLevels(g_levels_S=g, sigma_S=sigma)


def _aihwkit_preset(spec: _AihwkitDevice) -> DeviceModel:
    pot, dep = _aihwkit_mode(spec, +1), _aihwkit_mode(spec, -1)
    family = _DATA["aihwkit"]
    d2d_bounds = max(spec.w_max_dtod_abs, spec.w_min_dtod_abs) / (spec.w_max - spec.w_min)
    reach = (pot.g_levels_S[-1] - pot.g_levels_S[0]) / (AIHWKIT_G_MAX_S - AIHWKIT_G_MIN_S)
    count_rule = family[f"count_rule_{spec.model.replace('-', '_')}"].format(
        n_pulses=spec.pulses, reach_pct=100 * reach
    )
    notes = family["notes"].format(
        **asdict(spec),
        soft_bounds=" (soft bounds)" if spec.soft_bounds else "",
        noise="multiplicative" if spec.mult_noise else "additive",
        count_rule=count_rule,
        pot_levels=pot.levels,
        dep_levels=dep.levels,
        d2d_bounds=d2d_bounds,
        g_min_uS=AIHWKIT_G_MIN_S * 1e6,
        g_max_uS=AIHWKIT_G_MAX_S * 1e6,
    )
    return DeviceModel(
        name=spec.name,
        potentiation=pot,
        depression=dep,
        variability=Variability(d2d_update=spec.dw_min_dtod, d2d_bounds=_r12(d2d_bounds)),
        drift=build_drift("none"),
        pulse_scheme=PulseScheme(),
        citation=f"{family['citation']}, {spec.preset_class}: {spec.reference}",
        notes=notes,
    )


# ==================================================== write-verify devices: CrossSim's Milo, Yao 2020
def _write_verify_preset(
    spec: Mapping[str, Any], g_up: tuple[float, ...], sigma_up: tuple[float, ...], **derived: object
) -> DeviceModel:
    """A device programmed to targets: depression runs the same targets from the top (write-verify
    reaches them from either side), no device-to-device spread (write-verify removes it), no drift."""
    width = spec.get("pulse_width_s")
    return DeviceModel(
        name=spec["name"],
        potentiation=ModeLevels(g_levels_S=g_up, sigma_S=sigma_up),
        depression=ModeLevels(g_levels_S=tuple(reversed(g_up)), sigma_S=tuple(reversed(sigma_up))),
        variability=Variability(d2d_update=0.0, d2d_bounds=0.0),
        drift=build_drift("none"),
        pulse_scheme=PulseScheme() if width is None else PulseScheme(width_range_s=(width, width)),
        citation=spec["citation"],
        notes=spec["notes"].format(**spec, levels=len(g_up), **derived),
    )


def _rram_milo() -> DeviceModel:
    """HfO2 RRAM (CrossSim's Milo model): the most evenly spaced targets that stay 2 sigma apart."""
    spec = _DATA["milo2021"]
    g_min, g_max = spec["g_min_S"], spec["g_max_S"]

    def sigma_S(g_S: float) -> float:  # CrossSim's linear fit in uS, floored at 0
        return max(spec["sigma_slope"] * g_S * 1e6 + spec["sigma_offset_uS"], 0.0) * 1e-6

    worst = max(sigma_S(g_min), sigma_S(g_max))
    intervals = math.floor((g_max - g_min) / (2 * worst))
    step = (g_max - g_min) / intervals
    g_up = tuple(_r12(g_min + n * step) for n in range(intervals + 1))
    sigma_up = tuple(_r12(sigma_S(g)) for g in g_up)
    return _write_verify_preset(spec, g_up, sigma_up, step_uS=step * 1e6, worst_uS=worst * 1e6)


def _yao2020() -> DeviceModel:
    """Closed-loop TaOx/HfOx RRAM (Yao et al. 2020): its weight levels evenly over an assumed window."""
    spec = _DATA["yao2020"]
    g_min, g_max = spec["assumed_g_min_S"], spec["assumed_g_max_S"]
    per_device = (spec["weight_levels"] + 1) // 2
    step = (g_max - g_min) / (per_device - 1)
    sigma = (g_max - g_min) / (spec["states"] - 1) / 6.0
    g_up = tuple(_r12(g_min + n * step) for n in range(per_device))
    return _write_verify_preset(
        spec,
        g_up,
        (_r12(sigma),) * per_device,
        per_device=per_device,
        pulse_width_ns=spec["pulse_width_s"] * 1e9,
        g_min_uS=g_min * 1e6,
        g_max_uS=g_max * 1e6,
        sigma_uS=sigma * 1e6,
    )


# ================================================================================== registration
def _factory(build: Callable[[Any], DeviceModel], spec: object) -> Callable[[], DeviceModel]:
    return lambda: build(spec)


#: Preset name -> factory; registered into :func:`memtwin.devices.presets.preset`.
LITERATURE_PRESETS: dict[str, Callable[[], DeviceModel]] = {
    **{r["name"]: _factory(_neurosim_preset, _NeuroSimDevice(**r)) for r in _DATA["neurosim"]["devices"]},
    **{
        r["name"]: _factory(_aihwkit_preset, _AihwkitDevice.from_record(r))
        for r in _DATA["aihwkit"]["devices"]
    },
    _DATA["milo2021"]["name"]: _rram_milo,
    _DATA["yao2020"]["name"]: _yao2020,
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

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> LiteratureResult:
        """A ``[[results]]`` record of the data file (no voltage key: not found)."""
        fields = {"max_programming_voltage_V": None, **record}
        return cls(**{**fields, "nonidealities": tuple(record["nonidealities"])})


LITERATURE_RESULTS: tuple[LiteratureResult, ...] = tuple(
    LiteratureResult.from_record(r) for r in _DATA["results"]
)

#: What could not be found for the paper's other comparison works (searched: public pages, code and
#: documentation corpora). Facts found are listed; no preset or result row is built from them.
LITERATURE_GAPS: dict[str, str] = dict(_DATA["gaps"])
