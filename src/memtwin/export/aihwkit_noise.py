"""The AIHWKIT inference noise model (programming noise and drift) of a memtwin device's drift model.

* ``reram-wan2022`` and ``reram-wan2022-aihwkit`` → ``ReRamWan2022NoiseModel(g_max=…)``. AIHWKIT
  evaluates the published polynomials in µS at x = G/g_max without rescaling them, so its ``g_max`` is
  the scale memtwin calls ``g_ref_S``: 40 µS (the fitted device, memtwin's ``reram-wan2022``) or 25 µS
  (AIHWKIT's default converter, memtwin's ``reram-wan2022-aihwkit``, the paper's worst case).
* ``power_law`` → ``StateIndependentNoiseModel``, whose drift g·((t + t₀)/t₀)^(−ν) is memtwin's
  G·(1 + t/t₀)^(−ν), ν ~ N(nu, nu_std) per device (AIHWKIT rectifies ν at 0, memtwin keeps it).
* every other kind → ``StateIndependentNoiseModel`` without drift, and a note that the drift is lost.

A ``StateIndependentNoiseModel`` carries the device's own programming noise: memtwin's mean level σ on
AIHWKIT's conductance scale, σ / span · g_max (the largest |weight| maps to g_max in both).
"""

from __future__ import annotations

from dataclasses import dataclass

from memtwin.devices import DeviceModel
from memtwin.devices.drift import PowerLawDrift, ReRamWan2022AihwkitDrift, ReRamWan2022Drift
from memtwin.export.aihwkit_pulsed import WeightScale
from memtwin.export.settings import Setting, fmt
from memtwin.siformat import si

#: g_max (µS) of AIHWKIT's default ``SinglePairConductanceConverter``, used where the scale is free.
AIHWKIT_DEFAULT_G_MAX_uS = 25.0


@dataclass(frozen=True)
class NoiseModelExport:
    """The noise model's class, constructor arguments and what it does not carry over."""

    class_name: str
    fields: tuple[Setting, ...]
    not_represented: tuple[str, ...]


def noise_model(device: DeviceModel) -> NoiseModelExport:
    """The AIHWKIT noise model of ``device`` (module docstring)."""
    drift = device.drift
    if isinstance(drift, ReRamWan2022Drift | ReRamWan2022AihwkitDrift):
        return _wan2022(drift)
    fields = _programming_noise(device)
    if isinstance(drift, PowerLawDrift):
        fields += (
            Setting("drift_nu_mean", drift.nu, "drift.nu"),
            Setting("drift_nu_std", drift.nu_std, "drift.nu_std"),
            Setting("t_0", drift.t0_s, "drift.t0_s (s)"),
        )
        return NoiseModelExport("StateIndependentNoiseModel", fields + _no_read_noise(), ())
    fields += (
        Setting("drift_nu_mean", 0.0, f"drift '{drift.kind}' has no AIHWKIT counterpart"),
        Setting("drift_nu_std", 0.0, "no drift"),
    )
    lost = () if drift.kind == "none" else (f"drift '{drift.kind}' ({drift.to_dict()})",)
    return NoiseModelExport("StateIndependentNoiseModel", fields + _no_read_noise(), lost)


def _wan2022(drift: ReRamWan2022Drift | ReRamWan2022AihwkitDrift) -> NoiseModelExport:
    g_max_uS = float(f"{drift.g_ref_S * 1e6:.12g}")  # 25.000000000000004 → 25.0
    fields = (
        Setting("g_max", g_max_uS, f"drift.g_ref_S = {si(drift.g_ref_S, 'S')}, in µS"),
        Setting("noise_scale", drift.noise_scale, "drift.noise_scale"),
    )
    lost = [
        "AIHWKIT's Wan2022 model knows only t = 1 s, 86400 s and 172800 s (memtwin interpolates in log "
        f"time and, after 2 days, does '{drift.beyond}'); it raises at any other time",
        "at programming AIHWKIT applies Wan's 1 s spread, not the device's own σ and levels",
    ]
    if isinstance(drift, ReRamWan2022Drift):
        lost.append(
            f"memtwin's 'reram-wan2022' adds the relaxation ({drift.spread}) to each device's "
            "programmed state; AIHWKIT redraws every device around its target at each time"
        )
    return NoiseModelExport("ReRamWan2022NoiseModel", fields, tuple(lost))


def _programming_noise(device: DeviceModel) -> tuple[Setting, ...]:
    sigma = (device.potentiation.sigma_mean_S + device.depression.sigma_mean_S) / 2.0
    span = WeightScale.of(device).span_S
    sigma_uS = sigma / span * AIHWKIT_DEFAULT_G_MAX_uS
    return (
        Setting("g_max", AIHWKIT_DEFAULT_G_MAX_uS, "AIHWKIT's default scale (µS); only ratios matter"),
        Setting(
            "prog_coeff",
            (sigma_uS, 0.0, 0.0),
            f"σ / span · g_max = {si(sigma, 'S')} / {si(span, 'S')} · {fmt(AIHWKIT_DEFAULT_G_MAX_uS)} µS",
        ),
    )


def _no_read_noise() -> tuple[Setting, ...]:
    return (Setting("read_noise_scale", 0.0, "memtwin's drift models carry no 1/f read noise"),)
