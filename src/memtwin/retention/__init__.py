"""Retention and drift from measurements: read conductance against time since programming, fit the
drift models memtwin simulates (power law, log time), and write a drift spec that ``--drift`` accepts.

Layer: after :mod:`memtwin.devices` (it fits and validates that layer's drift models); imports only
measurements and devices. See README.md in this folder.

    from memtwin.retention import read_retention, fit_retention, drift_spec
    data = read_retention(["retention.csv"])
    fit = fit_retention(data.series)
    spec = drift_spec(fit)                      # {"kind": "power_law", "nu": ..., "nu_std": ..., "t0_s": 1.0}
    device = dataclasses.replace(device, drift=spec)
"""

from memtwin.retention.fit import (
    DEFAULT_T0_S,
    MODELS,
    ModelFit,
    OverallFit,
    RetentionFit,
    StateFit,
    fit_retention,
    fit_state,
)
from memtwin.retention.read import TIME_UNITS, RetentionOptions, read_retention
from memtwin.retention.result import drift_spec, retention_to_dict
from memtwin.retention.series import RetentionData, RetentionSeries
from memtwin.retention.write import write_retention

__all__ = [
    "DEFAULT_T0_S",
    "MODELS",
    "TIME_UNITS",
    "ModelFit",
    "OverallFit",
    "RetentionData",
    "RetentionFit",
    "RetentionOptions",
    "RetentionSeries",
    "StateFit",
    "drift_spec",
    "fit_retention",
    "fit_state",
    "read_retention",
    "retention_to_dict",
    "write_retention",
]
