"""Device models, presets with citations, drift models, device transforms.

Extension points: a new preset is a record in ``literature.toml`` (a device of a known literature family)
or a function in :mod:`memtwin.devices.presets` registered in its ``_PRESETS``; a new drift model is a
frozen dataclass subclass of :class:`memtwin.devices.drift.DriftModel` registered in ``drift._REGISTRY``.
"""

from memtwin.devices.drift import DRIFT_KINDS, DriftModel, build_drift
from memtwin.devices.drift_file import read_drift_file, resolve_drift, write_drift_file
from memtwin.devices.from_characterization import MEASURED_DEVICE_DRIFT, device_from_characterization
from memtwin.devices.model import MODES, DeviceModel, Measured, ModeLevels, PulseScheme, Variability
from memtwin.devices.presets import list_presets, preset

__all__ = [
    "DRIFT_KINDS",
    "MEASURED_DEVICE_DRIFT",
    "MODES",
    "DeviceModel",
    "DriftModel",
    "Measured",
    "ModeLevels",
    "PulseScheme",
    "Variability",
    "build_drift",
    "device_from_characterization",
    "list_presets",
    "preset",
    "read_drift_file",
    "resolve_drift",
    "write_drift_file",
]
