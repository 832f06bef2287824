"""A device model from a characterization: the adapter between what the measurements say
(:mod:`memtwin.characterization`) and what the crossbar simulation needs (:class:`DeviceModel`).

Every figure of a measured device is decided here once, so the CLI, the Python API and the report read
the same device from the same file:

* levels: each phase's levels, ``pulses_per_level`` pulses apart, on the linear fit (default) or the
  measured level means;
* device-to-device variation: the paper's assumed 30 % unless asked to use the spread measured over
  the devices of the file (``d2d="measured"``);
* drift: a characterization holds no retention data, so the worst case the paper simulated
  (:data:`MEASURED_DEVICE_DRIFT`) unless given (e.g. a ``drift.toml`` from ``memtwin retention``);
* the measured facts the levels do not hold (ON/OFF over the whole ramps, σ's source, the spread), kept
  in :class:`~memtwin.devices.model.Measured`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from memtwin.characterization.spread import DeviceToDevice, median_device
from memtwin.devices.drift import build_drift
from memtwin.devices.model import (
    MODES,
    DeviceModel,
    Measured,
    ModeLevels,
    PulseScheme,
    Variability,
    _prefixed,
)
from memtwin.errors import ConfigError
from memtwin.validation import choice, fail, integer, number, numbers

#: Measurements of potentiation/depression hold no retention data; like the paper, memtwin then assumes
#: the ReRAM drift of Wan et al. (2022) as a worst case: the physical variant, rescaled to the device's
#: range and added to its own programmed state (AIHWKIT's variant, ``reram-wan2022-aihwkit``, redraws
#: every device around its target and so forgets the measured programming noise after t = 0).
MEASURED_DEVICE_DRIFT = "reram-wan2022"
D2D_CHOICES = ("assumed", "measured")
FIT_ORIGINS = ("auto", "pulse_number", "range_start")


def device_from_characterization(
    source: object,
    *,
    name: str | None = None,
    device: str | None = None,
    levels_from: Literal["fit", "means"] = "fit",
    fit_origin: Literal["auto", "pulse_number", "range_start"] = "auto",
    variability: Variability | None = None,
    d2d: str = "assumed",
    drift: Mapping[str, object] | str | None = None,
    pulse_scheme: PulseScheme | None = None,
    citation: str = "",
    notes: str = "",
) -> DeviceModel:
    """A device model from a characterization (a ``Characterization`` object, its dict, or the path of
    its ``characterization.json``).

    ``device``: which device of a file of several (default: the representative one, the median range;
    :func:`memtwin.characterization.spread.representative`). ``levels_from``:
      - ``"fit"`` (default): level n = intercept + slope · pulse of the linear fit. The paper maps
        weights "on the linear fit" of Fig. 2(e), and the fit averages out the measurement noise of
        single level means (each is a mean over the cycles, so its error is sigma/sqrt(cycles)).
      - ``"means"``: the measured mean of each level; keeps real non-linearity inside the range.
    ``fit_origin``: what the fit's x is. ``"pulse_number"``: the pulse number of the ramp (memtwin's
    characterization: level n sits at x = first_pulse + n · pulses_per_level); ``"range_start"``: the
    pulses counted from the start of the range. ``"auto"``: the memtwin schema implies
    ``pulse_number``; otherwise the origin whose level 0 is closer to the measured mean of level 0.
    Per-level sigmas come from ``level_sigmas_S`` (else ``sigma_mean_S`` for every level).
    ``variability``: given explicitly; else ``d2d="measured"`` takes the spread measured over the
    file's devices (an error when there is none), and ``"assumed"`` the paper's 30 % baseline.
    ``drift``: default :data:`MEASURED_DEVICE_DRIFT`.
    """
    _check_options(levels_from, fit_origin, d2d)
    whole = _load(source)
    data, chosen_note = _one_device(whole, device)
    spread_raw = whole.get("device_to_device")
    spread = DeviceToDevice.from_dict(spread_raw) if isinstance(spread_raw, Mapping) else None
    memtwin_schema = str(data.get("schema", "")).startswith("memtwin.characterization/")
    modes = {m: _levels_from_phase(data, m, levels_from, fit_origin, memtwin_schema) for m in MODES}
    if pulse_scheme is None:
        pulse_scheme = _pulse_scheme(data)
    variability, d2d_note = _variability(variability, d2d, spread)
    sigma_sources = {str(data.get(m, {}).get("sigma_source", "cycle_to_cycle")) for m in MODES}
    sigma_source = "fit_residuals" if "fit_residuals" in sigma_sources else "cycle_to_cycle"
    how = "; ".join(f"{mode}: {origin}" for mode, (_, origin) in modes.items())
    auto_notes = (
        f"Built from a characterization{chosen_note} (levels_from={levels_from!r}; {how}). "
        f"Device-to-device variation: {d2d_note}. Drift: {_drift_note(drift)}. {_SIGMA_NOTES[sigma_source]}"
    )
    return DeviceModel(
        name=name or str(data.get("device") or data.get("name") or "characterized-device"),
        potentiation=modes["potentiation"][0],
        depression=modes["depression"][0],
        variability=variability,
        drift=build_drift(drift or MEASURED_DEVICE_DRIFT),
        pulse_scheme=pulse_scheme,
        citation=citation,
        notes=(notes + "\n" if notes else "") + auto_notes,
        measured=_measured(data, sigma_source, spread),
    )


_SIGMA_NOTES = {
    "fit_residuals": "Sigma: from the residuals of one cycle around the linear fit (mixes noise with non-linearity).",
    "cycle_to_cycle": "Sigma: cycle to cycle.",
}


def _check_options(levels_from: str, fit_origin: str, d2d: str) -> None:
    choice("levels_from", levels_from, ("fit", "means"))
    choice("fit_origin", fit_origin, FIT_ORIGINS)
    if d2d not in D2D_CHOICES:
        fail("d2d", d2d, f"must be one of {', '.join(D2D_CHOICES)} (or a number for --d2d)")


def _variability(
    given: Variability | None, d2d: str, spread: DeviceToDevice | None
) -> tuple[Variability, str]:
    """The device-to-device spread (given, or as ``d2d`` asks), with a note saying where it comes from."""
    if given is not None:
        return given, "given by the caller"
    if d2d != "measured":
        return Variability(), "assumed: the paper's 30 % baseline (--d2d measured uses a measured spread)"
    if spread is None:
        raise ConfigError(
            "--d2d measured needs the device-to-device spread of several devices; this "
            "characterization holds one device (characterize a file of several devices)"
        )
    note = (
        f"measured over {spread.devices} devices: step {100 * spread.slope_rel_std:.1f} %, "
        f"range {100 * spread.range_rel_std:.1f} %"
    )
    return Variability(d2d_update=spread.slope_rel_std, d2d_bounds=spread.range_rel_std), note


def _drift_note(drift: object) -> str:
    if drift is not None:
        return "given by the caller"
    return (
        f"assumed: worst-case ReRAM drift {MEASURED_DEVICE_DRIFT!r} (no retention data; "
        "`memtwin retention` fits a drift.toml from yours)"
    )


def _load(source: object) -> Mapping[str, Any]:
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read characterization: {exc.strerror or exc}") from exc
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON: {exc}") from exc
    elif isinstance(source, Mapping):
        data = source
    elif hasattr(source, "to_dict"):
        data = source.to_dict()
    else:
        raise ConfigError(
            f"cannot build a device from {type(source).__name__}: pass a characterization object, "
            "its dict, or the path of its JSON"
        )
    if not isinstance(data, Mapping):
        raise ConfigError(f"characterization: expected an object, got {type(data).__name__}")
    return data


def _one_device(data: Mapping[str, Any], device: str | None) -> tuple[Mapping[str, Any], str]:
    """The chosen device's object of a one- or several-device characterization, and a note on the choice."""
    if not ("devices" in data and isinstance(data["devices"], Mapping)):
        return data, ""
    devices = data["devices"]
    note = ""
    if device is None:
        if len(devices) == 1:
            device = next(iter(devices))
        else:
            device = median_device({n: _span(d, n) for n, d in devices.items()})
            note = (
                f" of device {device!r}, the median reachable range of {len(devices)} devices "
                "(--device picks another)"
            )
    if device not in devices:
        raise ConfigError(
            f"characterization holds devices {', '.join(map(repr, devices))}; device {device!r} is not one "
            "(--device NAME)"
        )
    chosen = devices[device]
    if not isinstance(chosen, Mapping):
        raise ConfigError(f"characterization.devices[{device!r}]: expected an object")
    return chosen, note


def _span(data: Any, name: str) -> float:
    """A device's reachable range, ``g_max_S − g_min_S``, to pick the representative device of a set."""
    try:
        return float(data["g_max_S"]) - float(data["g_min_S"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"characterization.devices[{name!r}]: no conductance range to compare ({exc}); pick a device "
            "with --device"
        ) from exc


def _optional(key: str, value: object) -> float | None:
    return None if value is None else number(key, value)


def _pulse_scheme(data: Mapping[str, Any]) -> PulseScheme:
    energy = data.get("energy_per_cycle_J")
    e_mean = e_std = None
    if isinstance(energy, Mapping):
        e_mean = _optional("characterization.energy_per_cycle_J.mean", energy.get("mean"))
        e_std = _optional("characterization.energy_per_cycle_J.std", energy.get("std"))
    elif energy is not None:
        e_mean = _optional("characterization.energy_per_cycle_J", energy)
    v_max = _optional("characterization.max_programming_voltage_V", data.get("max_programming_voltage_V"))
    with _prefixed("characterization"):
        return PulseScheme(max_voltage_V=v_max, energy_per_cycle_J=e_mean, energy_per_cycle_std_J=e_std)


def _measured(data: Mapping[str, Any], sigma_source: str, spread: DeviceToDevice | None) -> Measured:
    cycles = data.get("cycles", 0)
    with _prefixed("characterization"):
        return Measured(
            source=str(data.get("source", "")),
            cycles=cycles if isinstance(cycles, int) and not isinstance(cycles, bool) else 0,
            on_off_ratio=_optional("on_off_ratio", data.get("on_off_ratio")),
            g_min_S=_optional("g_min_S", data.get("g_min_S")),
            g_max_S=_optional("g_max_S", data.get("g_max_S")),
            sigma_source=sigma_source,
            d2d_devices=0 if spread is None else spread.devices,
            d2d_slope_rel_std=None if spread is None else spread.slope_rel_std,
            d2d_range_rel_std=None if spread is None else spread.range_rel_std,
        )


class _Phase:
    """One phase's figures in a characterization, read with errors that name ``characterization.<mode>``."""

    def __init__(self, data: Mapping[str, Any], mode: str) -> None:
        self.where = f"characterization.{mode}"
        phase = data.get(mode)
        if not isinstance(phase, Mapping):
            raise ConfigError(f"{self.where}: missing (expected an object with the phase's figures)")
        self.figures: Mapping[str, Any] = phase
        self.levels = integer(f"{self.where}.levels", self.need("levels"), ge=2)
        self.pulses_per_level = integer(
            f"{self.where}.pulses_per_level", phase.get("pulses_per_level", 1), ge=1
        )

    def need(self, key: str) -> object:
        if self.figures.get(key) is None:
            raise ConfigError(f"{self.where}: missing key {key!r}")
        return self.figures[key]

    def number(self, key: str) -> float:
        return number(f"{self.where}.{key}", self.need(key))

    def per_level(self, key: str) -> tuple[float, ...] | None:
        """A list with one value per level (``level_means_S``, ``level_sigmas_S``), if present."""
        if self.figures.get(key) is None:
            return None
        values = numbers(f"{self.where}.{key}", self.figures[key])
        if len(values) != self.levels:
            raise ConfigError(f"{self.where}.{key} has {len(values)} values but levels = {self.levels}")
        return values


def _levels_from_phase(
    data: Mapping[str, Any], mode: str, levels_from: str, fit_origin: str, memtwin_schema: bool
) -> tuple[ModeLevels, str]:
    """One mode's levels and a note on how they were obtained."""
    phase = _Phase(data, mode)
    means = phase.per_level("level_means_S")
    if levels_from == "means":
        if means is None:
            raise ConfigError(f"{phase.where}: levels_from='means' needs 'level_means_S'")
        g, origin = means, "measured level means"
    else:
        g, origin = _levels_on_fit(phase, fit_origin, memtwin_schema, means)
    if phase.pulses_per_level > 1:
        origin += f", {phase.pulses_per_level} pulses per level"
    sigma = phase.per_level("level_sigmas_S")
    if sigma is None:
        sigma = (phase.number("sigma_mean_S"),) * phase.levels
        origin += ", sigma_mean_S for every level"
    with _prefixed(phase.where):
        return ModeLevels(g_levels_S=g, sigma_S=sigma, pulses_per_level=phase.pulses_per_level), origin


def _levels_on_fit(
    phase: _Phase, fit_origin: str, memtwin_schema: bool, means: tuple[float, ...] | None
) -> tuple[tuple[float, ...], str]:
    """Level n on the phase's linear fit, at x = x0 + n · pulses_per_level."""
    slope = phase.number("slope_S_per_pulse")
    intercept = phase.number("intercept_S")
    origins = {"range_start": 0.0}
    rng = phase.figures.get("linear_range")
    if rng is not None:
        if not (isinstance(rng, list | tuple) and len(rng) == 2):
            fail(f"{phase.where}.linear_range", rng, "must be [first_pulse, last_pulse]")
        origins["pulse_number"] = number(f"{phase.where}.linear_range[0]", rng[0])
    chosen = _fit_origin(phase.where, fit_origin, memtwin_schema, origins, means, intercept, slope)
    x0 = origins[chosen]
    g = tuple(intercept + slope * (x0 + n * phase.pulses_per_level) for n in range(phase.levels))
    return g, f"linear fit, x = {'pulse number' if chosen == 'pulse_number' else 'pulses from range start'}"


def _fit_origin(
    where: str,
    fit_origin: str,
    memtwin_schema: bool,
    origins: Mapping[str, float],
    means: tuple[float, ...] | None,
    intercept: float,
    slope: float,
) -> str:
    """Which x the fit was made over (see ``fit_origin`` in :func:`device_from_characterization`)."""
    first = origins.get("pulse_number")
    if fit_origin == "pulse_number" and first is None:
        raise ConfigError(f"{where}: fit_origin='pulse_number' needs 'linear_range'")
    if fit_origin != "auto":
        return fit_origin
    if memtwin_schema and first is not None:
        return "pulse_number"
    if first is None or first == 0:
        return "range_start"
    if means is None:
        raise ConfigError(
            f"{where}: cannot tell whether the fit's x is the pulse number or the position in "
            "the range (no level_means_S to compare with); pass fit_origin="
        )
    return min(origins, key=lambda k: abs(intercept + slope * origins[k] - means[0]))


DeviceModel.from_characterization = staticmethod(device_from_characterization)
