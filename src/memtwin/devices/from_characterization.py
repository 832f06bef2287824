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
from memtwin.devices.model import (
    MODES,
    DeviceModel,
    Measured,
    ModeLevels,
    PulseScheme,
    Variability,
    _float,
    _float_list,
    _opt_float,
    _prefixed,
)
from memtwin.errors import ConfigError

#: Measurements of potentiation/depression hold no retention data; like the paper, memtwin then assumes
#: the ReRAM drift of Wan et al. (2022) as a worst case: the physical variant, rescaled to the device's
#: range and added to its own programmed state (AIHWKIT's variant, ``reram-wan2022-aihwkit``, redraws
#: every device around its target and so forgets the measured programming noise after t = 0).
MEASURED_DEVICE_DRIFT = "reram-wan2022"
D2D_CHOICES = ("assumed", "measured")


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
    if levels_from not in ("fit", "means"):
        raise ConfigError(f"levels_from = {levels_from!r}: must be 'fit' or 'means'")
    if fit_origin not in ("auto", "pulse_number", "range_start"):
        raise ConfigError(f"fit_origin = {fit_origin!r}: must be 'auto', 'pulse_number' or 'range_start'")
    if d2d not in D2D_CHOICES:
        raise ConfigError(f"d2d = {d2d!r}: must be one of {', '.join(D2D_CHOICES)} (or a number for --d2d)")
    whole = _load(source)
    data, chosen_note = _one_device(whole, device)
    spread_raw = whole.get("device_to_device")
    spread = DeviceToDevice.from_dict(spread_raw) if isinstance(spread_raw, Mapping) else None

    memtwin_schema = str(data.get("schema", "")).startswith("memtwin.characterization/")
    modes: dict[str, ModeLevels] = {}
    how: list[str] = []
    for mode in MODES:
        levels, origin = _levels_from_phase(data, mode, levels_from, fit_origin, memtwin_schema)
        modes[mode] = levels
        how.append(f"{mode}: {origin}")
    if pulse_scheme is None:
        pulse_scheme = _pulse_scheme(data)

    if variability is not None:
        d2d_note = "given by the caller"
    elif d2d == "measured":
        if spread is None:
            raise ConfigError(
                "--d2d measured needs the device-to-device spread of several devices; this "
                "characterization holds one device (characterize a file of several devices)"
            )
        variability = Variability(d2d_update=spread.slope_rel_std, d2d_bounds=spread.range_rel_std)
        d2d_note = (
            f"measured over {spread.devices} devices: step {100 * spread.slope_rel_std:.1f} %, "
            f"range {100 * spread.range_rel_std:.1f} %"
        )
    else:
        variability = Variability()
        d2d_note = "assumed: the paper's 30 % baseline (--d2d measured uses a measured spread)"
    drift_note = (
        "given by the caller"
        if drift is not None
        else (
            f"assumed: worst-case ReRAM drift {MEASURED_DEVICE_DRIFT!r} (no retention data; "
            "`memtwin retention` fits a drift.toml from yours)"
        )
    )
    sigma_sources = {str(data.get(m, {}).get("sigma_source", "cycle_to_cycle")) for m in MODES}
    sigma_source = "fit_residuals" if "fit_residuals" in sigma_sources else "cycle_to_cycle"
    auto_notes = (
        f"Built from a characterization{chosen_note} (levels_from={levels_from!r}; {'; '.join(how)}). "
        f"Device-to-device variation: {d2d_note}. Drift: {drift_note}. "
        + (
            "Sigma: from the residuals of one cycle around the linear fit (mixes noise with non-linearity)."
            if sigma_source == "fit_residuals"
            else "Sigma: cycle to cycle."
        )
    )
    return DeviceModel(
        name=name or str(data.get("device") or data.get("name") or "characterized-device"),
        potentiation=modes["potentiation"],
        depression=modes["depression"],
        variability=variability,
        drift=dict(drift) if isinstance(drift, Mapping) else {"kind": drift or MEASURED_DEVICE_DRIFT},
        pulse_scheme=pulse_scheme,
        citation=citation,
        notes=(notes + "\n" if notes else "") + auto_notes,
        measured=_measured(data, sigma_source, spread),
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


def _pulse_scheme(data: Mapping[str, Any]) -> PulseScheme:
    energy = data.get("energy_per_cycle_J")
    e_mean = e_std = None
    if isinstance(energy, Mapping):
        e_mean = _opt_float(energy.get("mean"), "characterization.energy_per_cycle_J.mean")
        e_std = _opt_float(energy.get("std"), "characterization.energy_per_cycle_J.std")
    elif energy is not None:
        e_mean = _opt_float(energy, "characterization.energy_per_cycle_J")
    v_max = _opt_float(data.get("max_programming_voltage_V"), "characterization.max_programming_voltage_V")
    with _prefixed("characterization"):
        return PulseScheme(max_voltage_V=v_max, energy_per_cycle_J=e_mean, energy_per_cycle_std_J=e_std)


def _measured(data: Mapping[str, Any], sigma_source: str, spread: DeviceToDevice | None) -> Measured:
    cycles = data.get("cycles", 0)
    with _prefixed("characterization"):
        return Measured(
            source=str(data.get("source", "")),
            cycles=cycles if isinstance(cycles, int) and not isinstance(cycles, bool) else 0,
            on_off_ratio=_opt_float(data.get("on_off_ratio"), "on_off_ratio"),
            g_min_S=_opt_float(data.get("g_min_S"), "g_min_S"),
            g_max_S=_opt_float(data.get("g_max_S"), "g_max_S"),
            sigma_source=sigma_source,
            d2d_devices=0 if spread is None else spread.devices,
            d2d_slope_rel_std=None if spread is None else spread.slope_rel_std,
            d2d_range_rel_std=None if spread is None else spread.range_rel_std,
        )


def _levels_from_phase(
    data: Mapping[str, Any], mode: str, levels_from: str, fit_origin: str, memtwin_schema: bool
) -> tuple[ModeLevels, str]:
    where = f"characterization.{mode}"
    phase = data.get(mode)
    if not isinstance(phase, Mapping):
        raise ConfigError(f"{where}: missing (expected an object with the phase's figures)")

    def need(key: str) -> object:
        if key not in phase or phase[key] is None:
            raise ConfigError(f"{where}: missing key {key!r}")
        return phase[key]

    levels_raw = need("levels")
    if isinstance(levels_raw, bool) or not isinstance(levels_raw, int) or levels_raw < 2:
        raise ConfigError(f"{where}.levels = {levels_raw!r}: must be an integer >= 2")
    n_levels = int(levels_raw)
    per_level = phase.get("pulses_per_level", 1)
    if isinstance(per_level, bool) or not isinstance(per_level, int) or per_level < 1:
        raise ConfigError(f"{where}.pulses_per_level = {per_level!r}: must be an integer >= 1")
    means = None
    if phase.get("level_means_S") is not None:
        means = _float_list(phase["level_means_S"], f"{where}.level_means_S")
        if len(means) != n_levels:
            raise ConfigError(f"{where}.level_means_S has {len(means)} values but levels = {n_levels}")

    if levels_from == "means":
        if means is None:
            raise ConfigError(f"{where}: levels_from='means' needs 'level_means_S'")
        g = means
        origin = "measured level means"
    else:
        slope = _float(need("slope_S_per_pulse"), f"{where}.slope_S_per_pulse")
        intercept = _float(need("intercept_S"), f"{where}.intercept_S")
        rng = phase.get("linear_range")
        first = None
        if rng is not None:
            if not (isinstance(rng, list | tuple) and len(rng) == 2):
                raise ConfigError(f"{where}.linear_range = {rng!r}: must be [first_pulse, last_pulse]")
            first = _float(rng[0], f"{where}.linear_range[0]")
        candidates = {"range_start": 0.0}
        if first is not None:
            candidates["pulse_number"] = first
        chosen = fit_origin
        if fit_origin == "auto":
            if memtwin_schema and first is not None:
                chosen = "pulse_number"
            elif first is None or first == 0:
                chosen = "range_start"
            elif means is not None:
                chosen = min(candidates, key=lambda k: abs(intercept + slope * candidates[k] - means[0]))
            else:
                raise ConfigError(
                    f"{where}: cannot tell whether the fit's x is the pulse number or the position in "
                    "the range (no level_means_S to compare with); pass fit_origin="
                )
        elif fit_origin == "pulse_number" and first is None:
            raise ConfigError(f"{where}: fit_origin='pulse_number' needs 'linear_range'")
        x0 = candidates[chosen]
        g = tuple(intercept + slope * (x0 + n * per_level) for n in range(n_levels))
        origin = (
            f"linear fit, x = {'pulse number' if chosen == 'pulse_number' else 'pulses from range start'}"
        )
    if per_level > 1:
        origin += f", {per_level} pulses per level"

    if phase.get("level_sigmas_S") is not None:
        sig = _float_list(phase["level_sigmas_S"], f"{where}.level_sigmas_S")
        if len(sig) != n_levels:
            raise ConfigError(f"{where}.level_sigmas_S has {len(sig)} values but levels = {n_levels}")
    else:
        s = _float(need("sigma_mean_S"), f"{where}.sigma_mean_S")
        sig = (s,) * n_levels
        origin += ", sigma_mean_S for every level"
    with _prefixed(where):
        return ModeLevels(g_levels_S=g, sigma_S=sig, pulses_per_level=per_level), origin


DeviceModel.from_characterization = staticmethod(device_from_characterization)
