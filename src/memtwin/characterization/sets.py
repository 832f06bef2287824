"""``characterization.json``: the figures of one or several devices, with the spread over them.

Layouts (SI units, NaN written as ``null``):

* one device: the :meth:`~memtwin.characterization.result.Characterization.to_dict` object, plus
  ``"device_to_device": null``;
* several devices: ``{"schema": "memtwin.characterization-set/1", "devices": {name: <one-device
  object>, ...}, "device_to_device": {...}, "devices_skipped": {name: reason}}`` in the order the
  devices were read (:mod:`memtwin.characterization.spread`).

:func:`read_characterizations` reads either layout back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from memtwin.atomic import write_json_atomic
from memtwin.characterization.result import SCHEMA, SET_SCHEMA, Characterization
from memtwin.characterization.spread import DeviceToDevice, device_to_device
from memtwin.errors import MeasurementError


def characterizations_to_dict(
    results: Mapping[str, Characterization], skipped: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The JSON object for one or several devices (layout in the module docstring). ``skipped``: devices
    of the same file that could not be characterized, with the reason, listed as ``devices_skipped``."""
    spread = device_to_device(results)
    if len(results) == 1 and not skipped:
        return {**next(iter(results.values())).to_dict(), "device_to_device": None}
    return {
        "schema": SET_SCHEMA,
        "devices": {name: r.to_dict() for name, r in results.items()},
        "device_to_device": None if spread is None else spread.to_dict(),
        "devices_skipped": dict(skipped or {}),
    }


def write_characterizations(
    results: Mapping[str, Characterization], path: str | Path, skipped: Mapping[str, str] | None = None
) -> Path:
    """Write ``characterization.json`` for one or several devices, atomically."""
    return write_json_atomic(path, characterizations_to_dict(results, skipped))


def _load_json(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError(f"a JSON {type(data).__name__}, not an object")
    except (OSError, ValueError, TypeError) as exc:
        raise MeasurementError(
            f"not a readable characterization file ({exc})",
            file=str(p),
            expected=f"JSON written by memtwin ({SCHEMA})",
        ) from exc
    return data


def read_characterizations(path: str | Path) -> dict[str, Characterization]:
    """Read a ``characterization.json`` of either layout into ``{device: Characterization}``."""
    data = _load_json(path)
    try:
        if data.get("schema") == SET_SCHEMA:
            return {name: Characterization.from_dict(d) for name, d in data["devices"].items()}
        one = Characterization.from_dict(data)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise MeasurementError(
            f"not a readable characterization file ({exc})",
            file=str(path),
            expected=f"JSON written by memtwin ({SCHEMA})",
        ) from exc
    return {one.device: one}


def read_device_to_device(path: str | Path) -> DeviceToDevice | None:
    """The ``device_to_device`` spread a ``characterization.json`` holds (None for one device)."""
    spread = _load_json(path).get("device_to_device")
    return None if spread is None else DeviceToDevice.from_dict(spread)
