"""Resolve the ``device`` of an experiment: a preset, a device TOML, a characterization JSON, or
measurement files (characterized on the fly).

A measured device (a JSON or measurement files) is built by one function,
:func:`memtwin.devices.from_characterization.device_from_characterization`, with the overrides passed
in rather than patched on afterwards, so its notes say what it was finally built with and the CLI and
the Python API give the same device for the same file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from memtwin.characterization import (
    Characterization,
    CharacterizedDevices,
    characterizations_to_dict,
    characterize_devices,
)
from memtwin.devices import DeviceModel, Variability
from memtwin.devices.drift import build_drift
from memtwin.devices.drift_file import resolve_drift
from memtwin.devices.from_characterization import MEASURED_DEVICE_DRIFT
from memtwin.devices.presets import list_presets, preset
from memtwin.devices.transforms import with_d2d
from memtwin.errors import ConfigError
from memtwin.measurements import PulseTable, load_many
from memtwin.validation import number

__all__ = [
    "MEASURED_DEVICE_DRIFT",
    "D2d",
    "DriftOverride",
    "ResolvedDevice",
    "device_from_measurements",
    "measured_device",
    "name_unnamed",
    "resolve_device",
    "resolve_device_source",
    "with_d2d",
]

#: A drift override: a kind name, the path of a drift TOML (e.g. ``memtwin retention``'s ``drift.toml``)
#: or a spec dict (see :func:`memtwin.devices.drift_file.resolve_drift`).
DriftOverride = str | Path | Mapping[str, object]
#: A device-to-device override: a relative spread for the step and the bounds, or ``"measured"`` (the
#: spread over the devices of the measurements).
D2d = float | str


@dataclass(frozen=True)
class ResolvedDevice:
    """A device and, when it came from measurements, the table, the chosen device's characterization and
    every device the files held (``characterized``, with the spread over them)."""

    device: DeviceModel
    table: PulseTable | None = None
    characterization: Characterization | None = None
    characterized: CharacterizedDevices | None = None


def resolve_device(spec: str, *, d2d: D2d | None = None, drift: DriftOverride | None = None) -> DeviceModel:
    """The device named by ``spec``; ``d2d`` overrides the device-to-device spread of both the
    conductance update and the bounds (the paper's single "DTOD" knob; ``"measured"`` takes the spread
    over the devices of the measurements); ``drift`` the drift model: a kind (with its default
    parameters), the path of a drift TOML or a spec dict."""
    return resolve_device_source(spec, d2d=d2d, drift=drift).device


def resolve_device_source(
    spec: str, *, d2d: D2d | None = None, drift: DriftOverride | None = None
) -> ResolvedDevice:
    """Like :func:`resolve_device`, keeping the measurements behind a device built from a data file."""
    _check_d2d(d2d)
    if spec in list_presets() or Path(spec).suffix.lower() == ".toml":
        if d2d == "measured":
            raise ConfigError(
                f"--d2d measured needs measurements of several devices (a characterization JSON or a "
                f"measurement file), not {spec!r}"
            )
        device = preset(spec) if spec in list_presets() else _toml(spec)
        if drift is not None:
            device = replace(device, drift=build_drift(resolve_drift(drift)))
        if d2d is not None:
            device = with_d2d(device, float(d2d))
        return ResolvedDevice(device)
    path = Path(spec)
    if not path.exists():
        raise ConfigError(
            f"device {spec!r} is neither a preset ({', '.join(list_presets())}) nor an existing file"
        )
    if path.suffix.lower() == ".json":
        name = None if path.stem == "characterization" else path.stem
        return ResolvedDevice(_from_characterization(path, name, d2d, drift))
    return measured_device([path], d2d=d2d, drift=drift)


def measured_device(
    paths: Sequence[str | Path],
    *,
    d2d: D2d | None = None,
    drift: DriftOverride | None = None,
) -> ResolvedDevice:
    """Read, characterize and model measurement files with memtwin's defaults (a device spec that is a
    data file): the representative device of several, named after the file when it has no name."""
    table = name_unnamed(load_many(paths), paths)
    return device_from_measurements(table, characterize_devices(table), d2d=d2d, drift=drift)


def device_from_measurements(
    table: PulseTable,
    found: CharacterizedDevices,
    *,
    device: str | None = None,
    d2d: D2d | None = None,
    drift: DriftOverride | None = None,
) -> ResolvedDevice:
    """The device model of characterized measurements: ``device`` picks one of several (default: the
    representative, median-slope one). The model is built from the same JSON object
    ``characterization.json`` holds, so a run resolving that file later gets the same device."""
    data = characterizations_to_dict(found.results, found.skipped)
    model = _from_characterization(data, None, d2d, drift, device=device)
    return ResolvedDevice(model, table, found.results[model.name], found)


def name_unnamed(table: PulseTable, paths: Sequence[str | Path]) -> PulseTable:
    """A table whose single device has no name of its own (wide and up/down files) named after its
    first file, as everywhere in memtwin's outputs."""
    if len(table.devices) == 1 and table.devices[0] == "device" and paths:
        return replace(table, frame=table.frame.assign(device=Path(paths[0]).stem))
    return table


def _check_d2d(d2d: D2d | None) -> None:
    if isinstance(d2d, str) and d2d != "measured":
        raise ConfigError(f"--d2d must be a number >= 0 or 'measured', got {d2d!r}")


def _from_characterization(
    source: object, name: str | None, d2d: D2d | None, drift: DriftOverride | None, device: str | None = None
) -> DeviceModel:
    variability = None
    if d2d is not None and d2d != "measured":
        spread = number("d2d", d2d, ge=0)
        variability = Variability(d2d_update=spread, d2d_bounds=spread)
    return DeviceModel.from_characterization(
        source,
        name=name,
        device=device,
        variability=variability,
        d2d="measured" if d2d == "measured" else "assumed",
        drift=None if drift is None else resolve_drift(drift),
    )


def _toml(spec: str) -> DeviceModel:
    return DeviceModel.from_toml(Path(spec))
