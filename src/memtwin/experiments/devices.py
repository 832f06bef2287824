"""Resolve the ``device`` of an experiment: a preset, a device TOML, a characterization JSON, or a
measurement file (characterized on the fly)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from memtwin.devices import DeviceModel
from memtwin.devices.presets import list_presets, preset
from memtwin.errors import ConfigError


def resolve_device(spec: str, *, d2d: float | None = None) -> DeviceModel:
    """The device named by ``spec``; ``d2d`` overrides the device-to-device spread of both the
    conductance update and the bounds (the paper's single "DTOD" knob)."""
    device = _load(spec)
    return with_d2d(device, d2d) if d2d is not None else device


def with_d2d(device: DeviceModel, d2d: float) -> DeviceModel:
    if d2d < 0:
        raise ConfigError(f"device-to-device variation must be >= 0, got {d2d}")
    variability = replace(device.variability, d2d_update=d2d, d2d_bounds=d2d)
    return replace(device, variability=variability)


def _load(spec: str) -> DeviceModel:
    if spec in list_presets():
        return preset(spec)
    path = Path(spec)
    if not path.exists():
        raise ConfigError(
            f"device {spec!r} is neither a preset ({', '.join(list_presets())}) nor an existing file"
        )
    if path.suffix.lower() == ".toml":
        return DeviceModel.from_toml(path)
    if path.suffix.lower() == ".json":
        return DeviceModel.from_characterization(path, name=path.stem)
    # Anything else is a measurement file: characterize it first.
    from memtwin.characterization import characterize
    from memtwin.measurements import load

    table = load(path)
    if len(table.devices) > 1:
        raise ConfigError(
            f"{path} holds several devices ({', '.join(table.devices)}); characterize it and pass one "
            "device's characterization or a device TOML"
        )
    return DeviceModel.from_characterization(characterize(table), name=path.stem)
