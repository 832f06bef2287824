"""What determines an in-situ (on-chip) training run: one frozen, validated dataclass with a TOML round trip.

In-situ training updates the analog weights by programming pulses (see :mod:`memtwin.insitu`), so it
has its own recipe: plain SGD on the analog weights (no momentum: a chip has no memory for it), the
pulse scheme and the weight range the pairs span. Digital parameters (biases, batch norm) follow plain
SGD at the same learning rate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from memtwin import validation as check

#: ``stochastic``: coincidences of stochastic pulse trains on rows and columns, as AIHWKIT's analog SGD;
#: ``deterministic``: each device receives round(Δw / step) pulses of the batch's update.
PULSINGS = ("stochastic", "deterministic")
#: ``random``: from the network's random initial weights; ``digital``: from the digitally trained network
#: (the paper's "Step 3 before Step 2": fine-tuning on the very chip).
STARTS = ("random", "digital")
#: ``weight_range`` that follows each column's largest initial weight.
FOLLOW_WEIGHTS = "weights"


@dataclass(frozen=True)
class InSituConfig:
    """The recipe of in-situ training.

    Attributes:
        epochs, batch_size, lr, seed: as in digital training (``seed`` orders the batches).
        pulsing: one of :data:`PULSINGS`.
        desired_bl: the most pulse slots of one update (AIHWKIT's ``desired_BL``); with
            ``update_management`` the slots are cut to what the largest update needs.
        update_management: scale the row and column pulse probabilities to the same maximum (AIHWKIT's
            update management) and adapt the train length to the update.
        weight_range: the weight that one pair's full range stands for, in network units (AIHWKIT's
            ``w_max`` = 1 is the default); ``"weights"``: each column's largest initial weight, as
            inference maps a trained network (the natural choice with ``start = "digital"``).
        start: one of :data:`STARTS`.
    """

    epochs: int = 1
    batch_size: int = 64
    lr: float = 0.1
    seed: int = 0
    pulsing: str = "stochastic"
    desired_bl: int = 31
    update_management: bool = True
    weight_range: float | str = 1.0
    start: str = "random"

    def __post_init__(self) -> None:
        check.integer("insitu.epochs", self.epochs, ge=1)
        check.integer("insitu.batch_size", self.batch_size, ge=1)
        check.number("insitu.lr", self.lr, gt=0)
        check.integer("insitu.seed", self.seed, ge=0)
        check.choice("insitu.pulsing", self.pulsing, PULSINGS)
        check.integer("insitu.desired_bl", self.desired_bl, ge=1)
        if not isinstance(self.update_management, bool):
            check.fail("insitu.update_management", self.update_management, "must be true or false")
        if self.weight_range != FOLLOW_WEIGHTS:
            check.number("insitu.weight_range", self.weight_range, gt=0)
        check.choice("insitu.start", self.start, STARTS)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, table: dict[str, Any]) -> InSituConfig:
        check.check_keys("[insitu]", table, [f.name for f in fields(cls)])
        return cls(**table)


def default_insitu_config(task: str) -> InSituConfig:
    """The in-situ recipe of a task: one epoch for MNIST-sized tasks, a few for the small digits set."""
    return InSituConfig(epochs=5 if task == "digits" else 1, batch_size=16 if task == "digits" else 64)
