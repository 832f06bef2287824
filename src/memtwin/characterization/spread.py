"""Device-to-device variation measured over the devices of one file.

The paper had to *assume* 30 % device-to-device variation because it had no array data. A file holding
several devices measures it, as relative standard deviations (sample std, ddof = 1, over the mean):

* the **slope**: each device's conductance step per pulse, fitted over the *same* pulses for every
  device — the linear range of the representative device, the one the device model is built from.
  (Each device's own linear range would not do: on a curved ramp the search lands in the steep part
  for one device and in the flat tail for the next, and the spread would measure that choice.)
* the **reachable range**: the span of each device's mean conductance over both phases.

They stand for the device model's ``d2d_update`` and ``d2d_bounds`` (AIHWKIT's ``dw_min_dtod`` and
``w_max_dtod``). Each device's slope is itself an estimate; with few cycles its own uncertainty adds to
the spread, so the values are an upper bound on the devices' true spread. The representative device is
the one whose reachable range is the median of the devices'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from memtwin.characterization.result import Characterization
from memtwin.measurements.table import PHASES


def _rel_std(values: np.ndarray) -> float:
    mean = float(np.mean(values))
    return float(np.std(values, ddof=1) / mean) if mean > 0 else float("nan")


@dataclass(frozen=True)
class DeviceToDevice:
    """The spread over ``devices`` characterized devices (relative standard deviations)."""

    devices: int
    slope_rel_std: float
    range_rel_std: float
    slope_rel_std_by_phase: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "devices": self.devices,
            "slope_rel_std": self.slope_rel_std,
            "range_rel_std": self.range_rel_std,
            "slope_rel_std_by_phase": dict(self.slope_rel_std_by_phase),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DeviceToDevice:
        return cls(
            devices=int(d["devices"]),
            slope_rel_std=float(d["slope_rel_std"]),
            range_rel_std=float(d["range_rel_std"]),
            slope_rel_std_by_phase={k: float(v) for k, v in (d.get("slope_rel_std_by_phase") or {}).items()},
        )


def device_to_device(results: Mapping[str, Characterization]) -> DeviceToDevice | None:
    """The spread over ``results`` (None for fewer than two devices); see the module notes.
    ``slope_rel_std`` is the mean of the two phases' spreads."""
    if len(results) < 2:
        return None
    reference = results[representative(results)]
    by_phase = {}
    for p in PHASES:
        first, last = reference.phase(p).linear_range
        slopes = [s for r in results.values() if (s := _slope_over(r, p, first, last)) is not None]
        by_phase[p] = _rel_std(np.abs(np.array(slopes))) if len(slopes) >= 2 else float("nan")
    spans = np.array([r.g_max_S - r.g_min_S for r in results.values()])
    return DeviceToDevice(
        devices=len(results),
        slope_rel_std=float(np.nanmean(list(by_phase.values()))),
        range_rel_std=_rel_std(spans),
        slope_rel_std_by_phase=by_phase,
    )


def _slope_over(result: Characterization, phase: str, first: int, last: int) -> float | None:
    """Least-squares slope of a device's mean ramp over pulses ``first..last`` (None if it has fewer
    than two of them)."""
    ph = result.phase(phase)
    x = np.asarray(ph.pulses, dtype=float)
    y = np.asarray(ph.mean_S, dtype=float)
    keep = (x >= first) & (x <= last) & np.isfinite(y)
    if keep.sum() < 2:
        return None
    return float(np.polyfit(x[keep], y[keep], 1)[0])


def representative(results: Mapping[str, Characterization]) -> str:
    """The device whose reachable range (``g_max_S − g_min_S``) is the median of the devices' (the
    lower middle one for an even count): a measured device that stands for the array."""
    return median_device({n: r.g_max_S - r.g_min_S for n, r in results.items()})


def median_device(values: Mapping[str, float]) -> str:
    """The name whose value is the median of ``values`` (the lower middle one for an even count)."""
    names = list(values)
    order = np.argsort([values[n] for n in names], kind="stable")
    return names[int(order[(len(names) - 1) // 2])]
