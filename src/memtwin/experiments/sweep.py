"""Kept for callers of the old names: what a sweep can vary is the catalogue of knobs
(:mod:`memtwin.experiments.knobs`); the sweep itself is :class:`memtwin.experiments.run.Sweep`."""

from memtwin.devices.transforms import resample_evenly as resample_levels
from memtwin.devices.transforms import scale_sigma
from memtwin.experiments.knobs import apply_parameter, parameter_names

__all__ = ["apply_parameter", "parameter_names", "resample_levels", "scale_sigma"]
