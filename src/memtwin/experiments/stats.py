"""The statistics every analysis reports: mean, sample standard deviation, standard error, paired
differences, and accuracy losses against the digital network.

One module so that an accuracy row's ``accuracy_std`` (:class:`memtwin.experiments.evaluate.AnalogRow`)
and an analysis' loss ``std`` are the same formula: the sample standard deviation (n − 1), zero for a
single value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["loss_samples", "mean", "mean_se", "paired_difference", "sample_std"]


def mean(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("the mean of no values")
    return sum(values) / len(values)


def sample_std(values: Sequence[float]) -> float:
    """Sample standard deviation (n − 1 in the denominator); 0 for one value."""
    n = len(values)
    if n < 2:
        return 0.0
    m = mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))


def mean_se(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, sample standard deviation, standard error of the mean); std and SE are 0 for one value."""
    if not values:
        raise ValueError("mean_se of no values")
    sd = sample_std(values)
    return mean(values), sd, sd / math.sqrt(len(values))


def paired_difference(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of ``a[i] - b[i]``.

    Repetition i of two conditions was programmed from the same seed, so the pairs share whatever random
    streams the two conditions have in common; pairs are independent of each other, so the SE of the
    mean paired difference is valid whether or not the pairing removes any variance.
    """
    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} vs {len(b)}")
    m, _, se = mean_se([x - y for x, y in zip(a, b, strict=True)])
    return m, se


def loss_samples(digital_accuracy: float, rows: Sequence[Mapping[str, Any]]) -> list[float]:
    """Accuracy loss vs digital, in percentage points, of every repetition of ``rows`` (in row order,
    then repetition order: the pairing key for :func:`paired_difference`)."""
    return [100.0 * (digital_accuracy - a) for r in rows for a in r["accuracies"]]
