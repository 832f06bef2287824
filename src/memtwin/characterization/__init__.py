"""Device characterization: the figures of merit of a memristor's pulse trains (paper Section III, Fig. 2).

``characterize(table)`` → :class:`Characterization` (JSON via ``to_dict``/``to_json``); plots in
:mod:`memtwin.characterization.plots`. numpy/scipy only: no torch, no networks.
"""

from memtwin.characterization.analysis import (
    CharacterizedDevices,
    characterize,
    characterize_all,
    characterize_devices,
)
from memtwin.characterization.bins import bits, count_bins, level_magnitudes
from memtwin.characterization.levels import CYCLE_TO_CYCLE, FIT_RESIDUALS, LevelGrid, find_levels
from memtwin.characterization.linear import (
    LinearFit,
    LinearRange,
    LinearRangeCriteria,
    find_linear_range,
    fit_line,
    fixed_linear_range,
)
from memtwin.characterization.metrics import (
    EnergyStats,
    ExponentialFit,
    energy_per_cycle,
    fit_exponential,
    max_programming_voltage,
    on_off_ratio,
    slope_symmetry,
)
from memtwin.characterization.result import (
    Characterization,
    PhaseCharacterization,
)
from memtwin.characterization.sets import (
    characterizations_to_dict,
    read_characterizations,
    read_device_to_device,
    write_characterizations,
)
from memtwin.characterization.spread import DeviceToDevice, device_to_device, representative
from memtwin.characterization.stats import PhaseStats, phase_statistics, stats_from_matrix

__all__ = [
    "CYCLE_TO_CYCLE",
    "FIT_RESIDUALS",
    "CharacterizedDevices",
    "DeviceToDevice",
    "LevelGrid",
    "Characterization",
    "EnergyStats",
    "ExponentialFit",
    "LinearFit",
    "LinearRange",
    "LinearRangeCriteria",
    "PhaseCharacterization",
    "PhaseStats",
    "bits",
    "characterizations_to_dict",
    "characterize",
    "characterize_all",
    "characterize_devices",
    "device_to_device",
    "find_levels",
    "read_device_to_device",
    "representative",
    "count_bins",
    "energy_per_cycle",
    "find_linear_range",
    "fit_exponential",
    "fit_line",
    "fixed_linear_range",
    "level_magnitudes",
    "max_programming_voltage",
    "on_off_ratio",
    "phase_statistics",
    "read_characterizations",
    "slope_symmetry",
    "stats_from_matrix",
    "write_characterizations",
]
