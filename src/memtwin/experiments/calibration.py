"""Converter calibration of a freshly programmed chip, shared by every variant of the protocol."""

from __future__ import annotations

from memtwin.crossbar import AnalogModel
from memtwin.tasks.datasets import TaskData

#: Calibration batches for the converters are read from the training set with this batch size.
CALIBRATION_BATCH = 256


def calibrate(analog: AnalogModel, data: TaskData, batches: int) -> None:
    """Set the DAC/ADC ranges of a freshly programmed model on the first ``batches`` training batches
    (the paper's "adaptive scaling of input data for the first few batches")."""
    dev = next(analog.parameters()).device
    xs = [data.train_x[b * CALIBRATION_BATCH : (b + 1) * CALIBRATION_BATCH] for b in range(batches)]
    analog.calibrate([x.to(dev) for x in xs if len(x)])
