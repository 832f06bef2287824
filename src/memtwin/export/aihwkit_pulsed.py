"""The AIHWKIT pulsed (training) device that stands for a memtwin device: which class, and every field.

**Conductance → normalized weight.** AIHWKIT's pulsed devices hold a weight w between ``w_min`` and
``w_max`` in normalized units, one device per weight. memtwin stores a weight on a differential pair,
w ∝ G⁺ − G⁻, with the device that does not carry the weight at the bottom of the range. The exported
device is that pair seen as one bidirectional device over the pair's range:

    w = (G⁺ − G⁻) / span,   span = G_hi − G_lo,

G_lo and G_hi the lowest and highest level of either programming mode. A pair reaches ±span, so
``w_min = −1`` and ``w_max = +1``, and one level of a mode (its mean step, the bin width Δ) moves w by
Δ / span: a 16-level device gives 2·15 + 1 = 31 weights, the pair's bins. One AIHWKIT pulse is one
memtwin level (``pulses_per_level`` device pulses).

**Up and down.** An up pulse is a potentiation, a down pulse a depression. AIHWKIT scales the two
steps as ``dw_min·(1 + min(up_down, 0))`` (up) and ``dw_min·(1 − max(up_down, 0))`` (down)
(``PulsedRPUDevice::populate``), so the larger step is ``dw_min``:

    dw_min = max(Δp, Δd) / span;   up_down = 1 − Δd/Δp if Δp ≥ Δd, else Δp/Δd − 1.

**Spreads.** ``dw_min_std`` is relative to the step (AIHWKIT draws each pulse as
step·(1 + dw_min_std·ξ)): memtwin's per-pulse spread of in-situ training (:mod:`memtwin.insitu.response`),
the mean over both modes of σ/Δ/√(L−1), so that the L−1 pulses that write the top level from rest give
it the measured σ. ``dw_min_dtod`` is
the device's ``d2d_update`` (each device's step × (1 + dtod·ξ), as in memtwin), ``w_max_dtod`` and
``w_min_dtod`` its ``d2d_bounds`` (each device's bound × (1 + dtod·ξ), memtwin's per-device ceiling).
``up_down_dtod`` (AIHWKIT's default 0.01) is set to 0: memtwin has no such spread.

**Class.** ``ConstantStepDevice`` when every step of both level tables lies within
``LINEAR_STEP_TOLERANCE`` of its mode's mean step; else ``PiecewiseStepDevice``, whose step at w is
scaled by values on equally spaced nodes over [w_min, w_max]. The nodes follow the pair as memtwin
trains it in place in potentiation mode (:mod:`memtwin.insitu.pairs`): the device carrying the weight's
sign sits at G_lo + |w|·span and the other at rest (G_lo); an up pulse potentiates G⁺ where w ≥ 0 and
depresses G⁻ back where w < 0, a down pulse depresses G⁺ back where w > 0 and potentiates G⁻ where
w ≤ 0. Each node takes the local step of the moving device's direction at its conductance, over the
pulse direction's scale (Δp for up, Δd for down), so that the step AIHWKIT applies is that local step
over the span.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memtwin.devices import DeviceModel, ModeLevels
from memtwin.export.settings import Setting, fmt
from memtwin.siformat import si

#: Largest deviation of a step from its mode's mean step (relative) for a level table to count as linear.
LINEAR_STEP_TOLERANCE = 0.10
#: Nodes on each side of w = 0 of a piecewise device at most (AIHWKIT's GPU kernels take < 64 nodes).
PIECEWISE_HALF_NODES = 15


@dataclass(frozen=True)
class WeightScale:
    """The conductances that normalized weights refer to: w = (G⁺ − G⁻) / (g_hi − g_lo)."""

    g_lo_S: float
    g_hi_S: float

    @property
    def span_S(self) -> float:
        return self.g_hi_S - self.g_lo_S

    @classmethod
    def of(cls, device: DeviceModel) -> WeightScale:
        levels = (*device.potentiation.g_levels_S, *device.depression.g_levels_S)
        return cls(min(levels), max(levels))


@dataclass(frozen=True)
class PulsedExport:
    """The AIHWKIT device class, its fields with their derivations, and what it cannot represent."""

    class_name: str
    why_class: str
    fields: tuple[Setting, ...]
    scale: WeightScale
    not_represented: tuple[str, ...]


def pulsed_device(device: DeviceModel) -> PulsedExport:
    """The AIHWKIT pulsed device of ``device`` (see the module docstring for every formula)."""
    scale = WeightScale.of(device)
    linear = is_linear(device.potentiation) and is_linear(device.depression)
    fields = step_fields(device, scale) + spread_fields(device)
    if linear:
        name = "ConstantStepDevice"
        why = f"both level tables are linear (every step within {LINEAR_STEP_TOLERANCE:.0%} of the mean)"
    else:
        name = "PiecewiseStepDevice"
        why = f"a level table is not linear (a step more than {LINEAR_STEP_TOLERANCE:.0%} off its mean)"
        fields += piecewise_fields(device, scale)
    return PulsedExport(name, why, fields, scale, pulsed_limits(device))


def is_linear(mode: ModeLevels, tolerance: float = LINEAR_STEP_TOLERANCE) -> bool:
    """Whether every step of ``mode`` lies within ``tolerance`` (relative) of its mean step."""
    g = mode.g_levels_S
    steps = [abs(b - a) for a, b in zip(g, g[1:], strict=False)]
    return all(abs(s / mode.mean_step_S - 1.0) <= tolerance for s in steps)


def step_fields(device: DeviceModel, scale: WeightScale) -> tuple[Setting, ...]:
    """``dw_min``, ``up_down`` and the bounds ±1."""
    step_p, step_d = device.potentiation.mean_step_S, device.depression.mean_step_S
    span = scale.span_S
    dw_min = max(step_p, step_d) / span
    if step_p >= step_d:
        up_down, up_why = 1.0 - step_d / step_p, f"1 - Δd/Δp = 1 - {si(step_d, 'S')} / {si(step_p, 'S')}"
    else:
        up_down, up_why = step_p / step_d - 1.0, f"Δp/Δd - 1 = {si(step_p, 'S')} / {si(step_d, 'S')} - 1"
    return (
        Setting("dw_min", dw_min, f"max(Δp, Δd) / span = {si(max(step_p, step_d), 'S')} / {si(span, 'S')}"),
        Setting("up_down", up_down, f"{up_why} (up = potentiation, down = depression)"),
        Setting("w_max", 1.0, "+span: G⁺ at G_hi, G⁻ at G_lo"),
        Setting("w_min", -1.0, "-span: G⁻ at G_hi, G⁺ at G_lo"),
    )


def spread_fields(device: DeviceModel) -> tuple[Setting, ...]:
    """Cycle-to-cycle and device-to-device spreads."""
    pot, dep, var = device.potentiation, device.depression, device.variability
    ratio_p, ratio_d = pulse_spread(pot), pulse_spread(dep)
    return (
        Setting(
            "dw_min_std",
            (ratio_p + ratio_d) / 2.0,
            f"mean of σp/Δp/√(Lp-1) = {fmt(ratio_p)} and σd/Δd/√(Ld-1) = {fmt(ratio_d)} (σ: mean "
            "cycle-to-cycle σ of a level, written by L-1 pulses)",
        ),
        Setting("dw_min_dtod", var.d2d_update, "variability.d2d_update (per-device step × (1 + dtod·ξ))"),
        Setting("dw_min_dtod_log_normal", False, "Gaussian per-device step, as memtwin draws it"),
        Setting("up_down_dtod", 0.0, "memtwin has no per-device up/down bias (AIHWKIT's default: 0.01)"),
        Setting("w_max_dtod", var.d2d_bounds, "variability.d2d_bounds (per-device ceiling × (1 + dtod·ξ))"),
        Setting("w_min_dtod", var.d2d_bounds, "variability.d2d_bounds, for the other device of the pair"),
    )


def pulse_spread(mode: ModeLevels) -> float:
    """One pulse's cycle-to-cycle spread relative to the step: σ/Δ/√(L−1) (as in-situ training)."""
    return mode.sigma_mean_S / mode.mean_step_S / float(np.sqrt(mode.levels - 1))


def piecewise_fields(device: DeviceModel, scale: WeightScale) -> tuple[Setting, ...]:
    """``piecewise_up`` / ``piecewise_down`` on 2K + 1 nodes over [−1, 1], K ≤ PIECEWISE_HALF_NODES: at
    each node the local step of the device of the pair that the pulse moves (module docstring), over
    the direction's scale Δp (up) or Δd (down)."""
    pot, dep = device.potentiation, device.depression
    half = min(PIECEWISE_HALF_NODES, max(pot.levels, dep.levels) - 1)
    nodes = np.linspace(-1.0, 1.0, 2 * half + 1)
    g_moving = scale.g_lo_S + np.abs(nodes) * scale.span_S
    pot_step = np.asarray(relative_local_step(pot, g_moving)) * pot.mean_step_S
    dep_step = np.asarray(relative_local_step(dep, g_moving)) * dep.mean_step_S
    up = np.where(nodes >= 0, pot_step, dep_step) / pot.mean_step_S
    down = np.where(nodes > 0, dep_step, pot_step) / dep.mean_step_S
    where = f"{2 * half + 1} nodes over [-1, 1], the moving device at G_lo + |w|·span"
    return (
        Setting("piecewise_up", tuple(float(v) for v in up),
                f"potentiation of G⁺ (w ≥ 0) or depression of G⁻ (w < 0), local step / Δp, {where}"),
        Setting("piecewise_down", tuple(float(v) for v in down),
                f"depression of G⁺ (w > 0) or potentiation of G⁻ (w ≤ 0), local step / Δd, {where}"),
    )  # fmt: skip


def relative_local_step(mode: ModeLevels, g_S: np.ndarray) -> tuple[float, ...]:
    """The step of ``mode`` at conductances ``g_S`` over its mean step: each step sits at the midpoint
    of its two levels, linear in between, held beyond the table's ends."""
    g = np.asarray(mode.g_levels_S)
    midpoints, steps = (g[1:] + g[:-1]) / 2.0, np.abs(np.diff(g))
    order = np.argsort(midpoints)
    local = np.interp(g_S, midpoints[order], steps[order])
    return tuple(float(v) for v in local / mode.mean_step_S)


def pulsed_limits(device: DeviceModel) -> tuple[str, ...]:
    """What of ``device`` the pulsed AIHWKIT device does not hold."""
    var = device.variability
    out = [
        "absolute conductances (AIHWKIT weights are normalized; ON/OFF, IR-drop scale and energy are lost)",
        "the per-level σ: only the mean per-pulse spread is exported; AIHWKIT draws it on every pulse, so "
        "a state written by n pulses has √n·dw_min_std·dw_min (the measured σ at n = L-1)",
        "the pair's two devices: AIHWKIT's one device per weight has one step factor and one pair of "
        "bounds, memtwin draws them per device of the pair; a ConstantStepDevice applies up_down at every w, "
        "where in the pair an up pulse on a negative weight is a depression step (PiecewiseStepDevice "
        "follows the pair)",
        "memtwin keeps each device's step factor 1 + δ above 0; AIHWKIT takes |1 + δ| (enforce_consistency)",
        "drift (pulsed devices get no inference noise model; see --kind inference)",
    ]
    if any(m.pulses_per_level != 1 for m in (device.potentiation, device.depression)):
        out.append("pulses_per_level: one AIHWKIT pulse stands for one memtwin level")
    if var.d2d_offset:
        out.append(f"d2d_offset = {var.d2d_offset:g} (per-device offset of the zero state)")
    if var.read_noise_rel:
        out.append(f"read_noise_rel = {var.read_noise_rel:g}")
    if var.stuck_at_min_rate or var.stuck_at_max_rate:
        out.append(
            f"stuck-at faults ({var.stuck_at_min_rate:g} at min, {var.stuck_at_max_rate:g} at max): "
            "AIHWKIT's corrupt devices stick at a uniform value inside ±corrupt_devices_range"
        )
    return tuple(out)
