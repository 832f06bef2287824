"""Device transforms the analyses apply: pure functions that return a changed copy of a device.

The level transforms (:func:`resample_on_curve`, :func:`resample_evenly`, :func:`linearize`,
:func:`scale_sigma`) take one mode's :class:`~memtwin.devices.model.ModeLevels` and return a new one, or
a whole :class:`~memtwin.devices.model.DeviceModel` and return it with both modes transformed
(potentiation first). :func:`with_d2d` and :func:`without_d2d` set the device-to-device spread.

:func:`linearize` and :func:`scale_sigma` keep each mode's ``pulses_per_level`` (the same levels, reached
by the same pulses); the resampling transforms make new levels that no longer sit on the measured pulse
grid, so they take one pulse per level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from memtwin.devices.model import DeviceModel, ModeLevels
from memtwin.validation import fail, number

__all__ = [
    "linearize",
    "per_mode",
    "resample_evenly",
    "resample_on_curve",
    "scale_sigma",
    "with_d2d",
    "without_d2d",
]

Levels = TypeVar("Levels", ModeLevels, DeviceModel)


def per_mode(target: Levels, transform: Callable[[ModeLevels], ModeLevels]) -> Levels:
    """``transform`` applied to one mode, or to both modes of a device (potentiation first)."""
    if isinstance(target, DeviceModel):
        return replace(
            target,
            potentiation=transform(target.potentiation),
            depression=transform(target.depression),
        )
    return transform(target)


def _whole_count(count: int) -> int:
    if isinstance(count, bool) or int(count) != count or count < 2:
        fail("levels", count, "must be a whole number >= 2")
    return int(count)


def _interpolated(values: tuple[float, ...], pos: float) -> float:
    """``values`` read at fractional index ``pos``, linearly between neighbours."""
    i = min(int(pos), len(values) - 2)
    w = pos - i
    return values[i] * (1 - w) + values[i + 1] * w


def resample_on_curve(target: Levels, count: int) -> Levels:
    """``count`` levels along each mode's own level curve (piecewise linear in pulse number) over the
    same range, sigma interpolated the same way.

    Unlike :func:`resample_evenly`, this keeps a non-linear device non-linear: changing the number of
    levels then changes only the quantization.
    """
    count = _whole_count(count)

    def transform(levels: ModeLevels) -> ModeLevels:
        positions = [k * (levels.levels - 1) / (count - 1) for k in range(count)]
        g = tuple(_interpolated(levels.g_levels_S, pos) for pos in positions)
        return ModeLevels(g, tuple(_interpolated(levels.sigma_S, pos) for pos in positions))

    return per_mode(target, transform)


def resample_evenly(target: Levels, count: int) -> Levels:
    """``count`` evenly spaced levels over each mode's range, sigma interpolated from its levels'."""
    count = _whole_count(count)

    def transform(levels: ModeLevels) -> ModeLevels:
        g0, g1 = levels.g_levels_S[0], levels.g_levels_S[-1]
        fractions = [k / (count - 1) for k in range(count)]
        g = tuple(g0 + (g1 - g0) * frac for frac in fractions)
        return ModeLevels(g, tuple(_interpolated(levels.sigma_S, f * (levels.levels - 1)) for f in fractions))

    return per_mode(target, transform)


def linearize(target: Levels) -> Levels:
    """The same number of levels evenly spaced between the same end points (sigmas kept per level)."""

    def transform(levels: ModeLevels) -> ModeLevels:
        g0, g1 = levels.g_levels_S[0], levels.g_levels_S[-1]
        n = levels.levels - 1
        g = tuple(g0 + (g1 - g0) * k / n for k in range(levels.levels))
        return replace(levels, g_levels_S=g)

    return per_mode(target, transform)


def scale_sigma(target: Levels, factor: float) -> Levels:
    """Every level's cycle-to-cycle sigma times ``factor`` (0 switches programming noise off)."""
    factor = number("sigma_scale", factor, ge=0)
    return per_mode(target, lambda m: replace(m, sigma_S=tuple(s * factor for s in m.sigma_S)))


def with_d2d(device: DeviceModel, d2d: float) -> DeviceModel:
    """The device with device-to-device spread ``d2d`` of both the update and the bounds (the paper's
    single "DTOD" knob); the offset spread is left as it is."""
    d2d = number("d2d", d2d, ge=0)
    return replace(device, variability=replace(device.variability, d2d_update=d2d, d2d_bounds=d2d))


def without_d2d(device: DeviceModel) -> DeviceModel:
    """The device with no device-to-device spread at all (update, bounds and offset 0)."""
    v = replace(device.variability, d2d_update=0.0, d2d_bounds=0.0, d2d_offset=0.0)
    return replace(device, variability=v)
