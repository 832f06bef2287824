"""The calibrated full scales of one layer's converters, and how far their calibration has got.

* **Inference.** After programming (or ``AnalogModel.calibrate()``), the first ``calibration_batches`` eval
  forwards run the reference path and widen the ranges: the DAC full scale of each repetition and the
  output range of each (row tile, repetition, column tile), the largest seen so far. Then the ranges
  freeze and the layer folds them into its weights (:mod:`memtwin.crossbar.fold`). A periphery with
  ideal converters and no output noise has nothing to calibrate.
* **Hardware-aware training.** The DAC full scale is calibrated on the first ``calibration_batches``
  training batches and then frozen (the paper's "adaptive scaling of input data for the first few
  batches of training data"); the output ranges follow each batch (the weights change while training, a
  frozen ADC range would go stale), so they are not kept here.
"""

from __future__ import annotations

from torch import Tensor, nn

from memtwin.crossbar.periphery import Periphery


class ConverterRanges(nn.Module):
    """The DAC and ADC of a layer's tiles (``dac``, ``adc``) with their calibrated ranges."""

    in_range: Tensor | None
    out_range: Tensor | None
    train_in_range: Tensor | None

    #: What a forward pass changes (restored when a forward fails midway).
    FORWARD_STATE = ("seen", "frozen", "in_range", "out_range")

    def __init__(self, periphery: Periphery) -> None:
        super().__init__()
        self.dac = periphery.dac
        self.adc = periphery.adc
        self.batches = periphery.calibration_batches
        #: whether there is anything to calibrate (a DAC, an ADC or output noise)
        self.needed = self.dac.calibrates or periphery.needs_output_range
        for name in ("in_range", "out_range", "train_in_range"):
            self.register_buffer(name, None, persistent=False)
        self.seen = 0
        self.frozen = False
        self.train_seen = 0

    @property
    def done(self) -> bool:
        """Whether the inference ranges are final (frozen, or nothing to calibrate)."""
        return not self.needed or self.frozen

    def reset(self) -> None:
        """Forget the inference ranges: the next forwards calibrate again."""
        self.seen = 0
        self.frozen = False
        self.in_range = None
        self.out_range = None

    def reset_training(self) -> None:
        """Forget the training DAC range."""
        self.train_seen = 0
        self.train_in_range = None

    def observe_input(self, x: Tensor, reps: int) -> Tensor | None:
        """Widen each repetition's DAC full scale by the batch ``x`` (R·B, …); returns it."""
        self.in_range = self.dac.widen_range(self.in_range, x, reps)
        return self.in_range

    def observe_training_input(self, x: Tensor) -> Tensor | None:
        """The training DAC full scale, widened by ``x`` during the first ``calibration_batches``."""
        if self.train_seen < self.batches or self.train_in_range is None:
            self.train_in_range = self.dac.widen_range(self.train_in_range, x, 1)
            self.train_seen += 1
        return self.train_in_range

    def count_batch(self) -> bool:
        """Count one calibration forward; True when that was the last (the ranges froze)."""
        self.seen += 1
        if self.seen >= self.batches:
            self.frozen = True
        return self.frozen
