"""Resolve the ``device`` of an experiment: a preset, a device TOML, a characterization JSON, or a
measurement file (characterized on the fly)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from memtwin.characterization import Characterization, characterize
from memtwin.devices import DeviceModel
from memtwin.devices.presets import list_presets, preset
from memtwin.errors import ConfigError
from memtwin.measurements import PulseTable, load


@dataclass(frozen=True)
class ResolvedDevice:
    """A device and, when it came from a measurement file, the measurements and their characterization."""

    device: DeviceModel
    table: PulseTable | None = None
    characterization: Characterization | None = None


#: Measurements of potentiation/depression hold no retention data; like the paper, memtwin then assumes
#: the ReRAM drift of Wan et al. (2022) as a worst case: the physical variant, rescaled to the device's
#: range and added to its own programmed state (AIHWKIT's variant, ``reram-wan2022-aihwkit``, redraws
#: every device around its target and so forgets the measured programming noise after t = 0).
MEASURED_DEVICE_DRIFT = "reram-wan2022"


def resolve_device(spec: str, *, d2d: float | None = None, drift: str | None = None) -> DeviceModel:
    """The device named by ``spec``; ``d2d`` overrides the device-to-device spread of both the
    conductance update and the bounds (the paper's single "DTOD" knob); ``drift`` the drift model kind."""
    return resolve_device_source(spec, d2d=d2d, drift=drift).device


def resolve_device_source(spec: str, *, d2d: float | None = None, drift: str | None = None) -> ResolvedDevice:
    """Like :func:`resolve_device`, keeping the measurements behind a device built from a data file."""
    resolved = _load(spec)
    device = resolved.device
    if drift is None and _is_measured(spec):
        drift = MEASURED_DEVICE_DRIFT
    if drift is not None:
        device = replace(device, drift={"kind": drift})
    if d2d is not None:
        device = with_d2d(device, d2d)
    return replace(resolved, device=device)


def _is_measured(spec: str) -> bool:
    return spec not in list_presets() and Path(spec).suffix.lower() != ".toml"


def with_d2d(device: DeviceModel, d2d: float) -> DeviceModel:
    if d2d < 0:
        raise ConfigError(f"device-to-device variation must be >= 0, got {d2d}")
    variability = replace(device.variability, d2d_update=d2d, d2d_bounds=d2d)
    return replace(device, variability=variability)


def _load(spec: str) -> ResolvedDevice:
    if spec in list_presets():
        return ResolvedDevice(preset(spec))
    path = Path(spec)
    if not path.exists():
        raise ConfigError(
            f"device {spec!r} is neither a preset ({', '.join(list_presets())}) nor an existing file"
        )
    if path.suffix.lower() == ".toml":
        return ResolvedDevice(DeviceModel.from_toml(path))
    if path.suffix.lower() == ".json":
        return ResolvedDevice(DeviceModel.from_characterization(path, name=path.stem))
    # Anything else is a measurement file: characterize it first.
    table = load(path)
    if len(table.devices) > 1:
        raise ConfigError(
            f"{path} holds several devices ({', '.join(table.devices)}); characterize it and pass one "
            "device's characterization or a device TOML"
        )
    result = characterize(table)
    return ResolvedDevice(DeviceModel.from_characterization(result, name=path.stem), table, result)
