"""Parameters a sweep can vary, as pure functions (device, periphery, value) -> (device, periphery).

Names: ``device.d2d`` (update and bounds spread together, the paper's DTOD of Fig. 5(b)),
``device.d2d_update``, ``device.d2d_bounds``, ``device.d2d_offset``, ``device.read_noise_rel``,
``device.sigma_scale`` (every level's cycle-to-cycle sigma times the value), ``device.levels``
(the same conductance range split into that many levels), and ``periphery.<field>`` for any
:class:`~memtwin.crossbar.periphery.Periphery` field (e.g. ``periphery.adc_bits``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel, ModeLevels
from memtwin.errors import ConfigError
from memtwin.experiments.devices import with_d2d

Pair = tuple[DeviceModel, Periphery]


def _variability(field: str) -> Callable[[DeviceModel, Periphery, float], Pair]:
    def apply(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
        return replace(device, variability=replace(device.variability, **{field: value})), periphery

    return apply


def _d2d(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
    return with_d2d(device, value), periphery


def scale_sigma(levels: ModeLevels, factor: float) -> ModeLevels:
    if factor < 0:
        raise ConfigError(f"sigma_scale must be >= 0, got {factor}")
    return ModeLevels(levels.g_levels_S, tuple(s * factor for s in levels.sigma_S))


def resample_levels(levels: ModeLevels, count: int) -> ModeLevels:
    """``count`` evenly spaced levels over the mode's range, sigma interpolated from the measured ones."""
    if count < 2 or count != int(count):
        raise ConfigError(f"levels must be a whole number >= 2, got {count}")
    count = int(count)
    g0, g1 = levels.g_levels_S[0], levels.g_levels_S[-1]
    n_old = levels.levels - 1
    g_new, s_new = [], []
    for k in range(count):
        frac = k / (count - 1)
        g_new.append(g0 + (g1 - g0) * frac)
        pos = frac * n_old
        i = min(int(pos), n_old - 1)
        w = pos - i
        s_new.append(levels.sigma_S[i] * (1 - w) + levels.sigma_S[i + 1] * w)
    return ModeLevels(tuple(g_new), tuple(s_new))


def _sigma_scale(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
    return (
        replace(
            device,
            potentiation=scale_sigma(device.potentiation, value),
            depression=scale_sigma(device.depression, value),
        ),
        periphery,
    )


def _levels(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
    return (
        replace(
            device,
            potentiation=resample_levels(device.potentiation, int(round(value))),
            depression=resample_levels(device.depression, int(round(value))),
        ),
        periphery,
    )


DEVICE_PARAMETERS: dict[str, Callable[[DeviceModel, Periphery, float], Pair]] = {
    "device.d2d": _d2d,
    "device.d2d_update": _variability("d2d_update"),
    "device.d2d_bounds": _variability("d2d_bounds"),
    "device.d2d_offset": _variability("d2d_offset"),
    "device.read_noise_rel": _variability("read_noise_rel"),
    "device.sigma_scale": _sigma_scale,
    "device.levels": _levels,
}


def parameter_names() -> list[str]:
    fields = [f"periphery.{f.name}" for f in dataclasses.fields(Periphery)]
    return [*DEVICE_PARAMETERS, *fields]


def apply_parameter(device: DeviceModel, periphery: Periphery, parameter: str, value: float) -> Pair:
    """The device and periphery with ``parameter`` set to ``value``."""
    if parameter in DEVICE_PARAMETERS:
        return DEVICE_PARAMETERS[parameter](device, periphery, value)
    if parameter.startswith("periphery."):
        name = parameter.removeprefix("periphery.")
        fields = {f.name: f for f in dataclasses.fields(Periphery)}
        if name in fields:
            current = getattr(periphery, name)
            is_int = isinstance(current, int) or name in ("dac_bits", "adc_bits", "tile_rows", "tile_cols")
            cast: Any = int(round(value)) if is_int and not isinstance(current, bool) else value
            if isinstance(current, bool):  # on/off settings sweep as 0 / 1
                if value not in (0, 1):
                    raise ConfigError(f"{parameter} is on/off: sweep it over 0 and 1, got {value!r}")
                cast = bool(value)
            return device, replace(periphery, **{name: cast})
    raise ConfigError(f"cannot sweep {parameter!r}; known parameters: {', '.join(parameter_names())}")
