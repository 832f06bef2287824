"""Crossbar simulation: program any torch network onto simulated memristor crossbars.

Public entry points: :func:`convert` (from an :class:`AnalogConfig`: device, periphery, mapping,
training) → :class:`AnalogModel` (``program``, ``drift_to``, ``calibrate``, ``forward``, ``summary``,
``digital_state_dict``), :class:`Periphery`, and the analog layers :class:`AnalogLinear` /
:class:`AnalogConv2d`. The physics lives in small modules, one effect per function: :mod:`.mapping`
(weights → pulses), :mod:`.programming` (pulses → conductances), :mod:`.converters` (DAC/ADC),
:mod:`.irdrop` (wire resistance), :mod:`.drift` (drift and compensation), :mod:`.seeding` (random
streams). See ``README.md`` in this folder for the module map and extension points.
"""

from memtwin.crossbar.config import AnalogConfig, HwatConfig, MappingConfig
from memtwin.crossbar.kernels import release_scratch, set_fused_kernels
from memtwin.crossbar.layers import (
    AnalogConv2d,
    AnalogLayerBase,
    AnalogLinear,
    LayerSummary,
    NotProgrammedError,
)
from memtwin.crossbar.model import AnalogModel, CrossbarSummary, convert
from memtwin.crossbar.periphery import Periphery

__all__ = [
    "AnalogConfig",
    "AnalogConv2d",
    "AnalogLayerBase",
    "AnalogLinear",
    "AnalogModel",
    "CrossbarSummary",
    "HwatConfig",
    "LayerSummary",
    "MappingConfig",
    "NotProgrammedError",
    "Periphery",
    "convert",
    "release_scratch",
    "set_fused_kernels",
]
