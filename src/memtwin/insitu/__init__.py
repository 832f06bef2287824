"""Training on the chip: every weight update becomes programming pulses on the devices of each pair.

* :mod:`~memtwin.insitu.response` — a device's response to one pulse, from its measured level tables;
* :mod:`~memtwin.insitu.pairs` — the differential pairs of one layer of one chip, and what pulses do;
* :mod:`~memtwin.insitu.pulses` — stochastic pulse trains (AIHWKIT's analog SGD) or pulse counts;
* :mod:`~memtwin.insitu.train` — a network trained on one chip (:func:`train_in_situ`);
* :mod:`~memtwin.insitu.config` — the recipe (:class:`InSituConfig`, the ``[insitu]`` table).
"""

from memtwin.insitu.config import InSituConfig
from memtwin.insitu.response import response_curves
from memtwin.insitu.train import InSituResult, train_in_situ

__all__ = ["InSituConfig", "InSituResult", "response_curves", "train_in_situ"]
