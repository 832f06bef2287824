"""Tolerance search: against analytic loss curves (a fake evaluator) it finds the analytic threshold
and band; on a real tiny run it writes its folder and figures."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.executors import make_executor
from memtwin.experiments.tolerance import LossPoint, search_threshold, tolerance
from memtwin.report import present_run


class Fake:
    """loss(value) from a formula, with a constant standard error; records what was asked."""

    def __init__(self, loss, se: float = 0.0) -> None:  # type: ignore[no-untyped-def]
        self.loss, self.se, self.calls = loss, se, []

    def __call__(self, values: list[float]) -> list[LossPoint]:
        self.calls.append(list(values))
        return [LossPoint(v, self.loss(v), 0.0, self.se, 10) for v in values]


def test_increasing_loss_threshold_and_band_are_analytic() -> None:
    # loss = 4 v², budget 1 -> v* = 0.5; mean ± 0.2 crosses at sqrt(0.8/4) and sqrt(1.2/4).
    fake = Fake(lambda v: 4 * v * v, se=0.1)
    res = search_threshold(fake, (0, 0.2, 0.4, 0.6, 0.8, 1.0), 1.0, increasing=True, rounds=3)
    assert res.censored is None
    assert res.threshold == pytest.approx(0.5, abs=2e-3)
    assert res.last_within <= 0.5 < res.first_beyond
    assert res.first_beyond - res.last_within == pytest.approx(0.2 / 4**3)
    conservative, optimistic = res.band
    assert conservative == pytest.approx(math.sqrt(0.2), abs=0.01)
    assert optimistic == pytest.approx(math.sqrt(0.3), abs=0.01)
    assert len(fake.calls) == 4  # the grid, then 3 rounds evaluated as batches (in parallel on an executor)
    assert all(len(c) == 3 for c in fake.calls[1:])


def test_decreasing_integer_loss_finds_the_smallest_count() -> None:
    # loss = 30 / levels: the smallest level count within 1 point is 30.
    fake = Fake(lambda n: 30.0 / n)
    res = search_threshold(fake, (2, 4, 8, 16, 32, 64), 1.0, increasing=False, integer=True)
    assert res.threshold == 30
    assert (res.last_within, res.first_beyond) == (30, 29)
    assert res.band == (30, 30)
    assert all(float(v).is_integer() for c in fake.calls for v in c)
    # With SE 0.02 the band ends are evaluated counts: mean + 0.04 <= 1 down to 32, mean - 0.04 down to 29.
    noisy = search_threshold(
        Fake(lambda n: 30.0 / n, se=0.02), (2, 4, 8, 16, 32, 64), 1.0, increasing=False, integer=True
    )
    assert noisy.threshold == 30 and noisy.band == (32, 29)


def test_first_crossing_from_the_safe_end_is_kept_when_noise_dips_back() -> None:
    # Above budget at 0.5, back below at 0.75 (noise): the tolerated region ends at the first crossing.
    table = {0.0: 0.1, 0.25: 0.6, 0.5: 1.4, 0.75: 0.9, 1.0: 2.0}
    fake = Fake(lambda v: table.get(v, 0.6 + (v - 0.25) * 3.2))
    res = search_threshold(fake, tuple(table), 1.0, increasing=True, rounds=0)
    assert (res.last_within, res.first_beyond) == (0.25, 0.5)
    assert res.threshold == pytest.approx(0.25 + 0.25 * 0.4 / 0.8)


def test_censored_searches_say_so() -> None:
    everywhere = search_threshold(Fake(lambda v: 0.1), (0, 1, 2), 1.0, increasing=True)
    assert everywhere.censored == "beyond_grid" and everywhere.threshold == 2
    nowhere = search_threshold(Fake(lambda v: 5.0), (0, 1, 2), 1.0, increasing=True)
    assert nowhere.censored == "below_grid" and nowhere.threshold is None


def test_real_search_writes_a_run_folder(tmp_path: Path) -> None:
    cfg = ExperimentConfig.for_task(
        "digits",
        device="hfs2-xhameni2025",
        drift="none",
        repetitions=2,
        times_s=(1.0,),
        modes=("potentiation",),
    )
    cfg = replace(cfg, digital=cfg.digital.replace(epochs=3))
    with make_executor("serial") as ex:
        results = tolerance(
            cfg, tmp_path / "run", budget=1.0, parameters=("d2d",), grids={"d2d": (0.0, 0.6, 1.2)},
            variant="baseline", rounds=1, points_per_round=1, executor=ex, progress=False, present=present_run,
        )  # fmt: skip
    (found,) = results["thresholds"]
    assert found["parameter"] == "d2d" and found["device_value"] == pytest.approx(0.3)
    assert 4 <= len(found["points"]) <= 5  # 3 grid points + one refinement (unless censored)
    values = [p["value"] for p in found["points"]]
    assert values == sorted(values)
    assert (tmp_path / "run" / "figures" / "tolerance_d2d.png").stat().st_size > 1000
    assert (tmp_path / "run" / "results.csv").read_text().startswith("parameter,value,mode")
