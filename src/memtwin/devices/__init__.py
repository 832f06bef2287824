"""Device models, presets with citations, drift models."""

from memtwin.devices.model import MODES, DeviceModel, ModeLevels, PulseScheme, Variability

__all__ = ["MODES", "DeviceModel", "ModeLevels", "PulseScheme", "Variability"]
