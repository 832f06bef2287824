"""Device models, presets with citations, drift models.

Extension points: a new preset is a function in :mod:`memtwin.devices.presets` registered in its
``_PRESETS``; a new drift model is a frozen dataclass subclass of
:class:`memtwin.devices.drift.DriftModel` registered in ``drift._REGISTRY``.
"""

from memtwin.devices.drift import DRIFT_KINDS, DriftModel, build_drift
from memtwin.devices.model import MODES, DeviceModel, ModeLevels, PulseScheme, Variability
from memtwin.devices.presets import list_presets, preset

__all__ = [
    "DRIFT_KINDS",
    "MODES",
    "DeviceModel",
    "DriftModel",
    "ModeLevels",
    "PulseScheme",
    "Variability",
    "build_drift",
    "list_presets",
    "preset",
]
