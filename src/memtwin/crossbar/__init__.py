"""Crossbar simulation: program any torch network onto simulated memristor crossbars.

Public entry points: :func:`convert` → :class:`AnalogModel` (``program``, ``drift_to``, ``calibrate``,
``forward``, ``summary``, ``digital_state_dict``), :class:`Periphery`, and the analog layers
:class:`AnalogLinear` / :class:`AnalogConv2d`. The physics lives in small modules, one effect per
function: :mod:`.mapping` (weights → pulses), :mod:`.programming` (pulses → conductances),
:mod:`.periphery` (DAC/ADC/tiles), :mod:`.irdrop` (wire resistance), :mod:`.drift` (drift and
compensation), :mod:`.seeding` (random streams). See ``README.md`` in this folder for extension points.
"""

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
    "AnalogConv2d",
    "AnalogLayerBase",
    "AnalogLinear",
    "AnalogModel",
    "CrossbarSummary",
    "LayerSummary",
    "NotProgrammedError",
    "Periphery",
    "convert",
    "release_scratch",
    "set_fused_kernels",
]
