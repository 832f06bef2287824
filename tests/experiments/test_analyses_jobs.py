"""Evaluation jobs: one digital training per analysis, the same numbers on every executor, cached
results that let a killed analysis resume without recomputing finished jobs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import preset
from memtwin.experiments import jobs as jobs_module
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.executors import make_executor
from memtwin.experiments.jobs import (
    EvalJob,
    PreparedAnalysis,
    mean_se,
    paired_difference,
    prepare_analysis,
    run_eval_job,
    run_jobs,
)


def quick(**changes: object) -> ExperimentConfig:
    cfg = ExperimentConfig.for_task(
        "digits", repetitions=2, times_s=(1.0,), modes=("potentiation",), variants=("baseline",)
    )
    cfg = replace(cfg, digital=cfg.digital.replace(epochs=3), hwat=cfg.hwat.replace(epochs=1))
    return replace(cfg, **changes)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> PreparedAnalysis:
    out = tmp_path_factory.mktemp("jobs") / "run"
    return prepare_analysis("test", quick(), out, {"purpose": "jobs test"}, progress=False)


def _two_jobs(prepared: PreparedAnalysis, work: Path) -> list[EvalJob]:
    jobs = [
        prepared.job("hfs2", preset("hfs2-xhameni2025"), Periphery.paper()),
        prepared.job("ideal", preset("ideal"), Periphery.ideal()),
    ]
    return [replace(j, work_dir=str(work / j.name)) for j in jobs]


def test_digital_network_is_trained_once_into_the_run_folder(prepared: PreparedAnalysis) -> None:
    assert prepared.digital_checkpoint.is_file()
    assert prepared.digital_accuracy > 0.9
    assert (prepared.run.path / "analysis.toml").read_text().startswith('kind = "test"')


def test_serial_and_local_executors_give_identical_rows(prepared: PreparedAnalysis, tmp_path: Path) -> None:
    with make_executor("serial") as ex:
        serial = run_jobs(ex, _two_jobs(prepared, tmp_path / "serial"), progress=False)
    with make_executor("local", workers=2) as ex:
        local = run_jobs(ex, _two_jobs(prepared, tmp_path / "local"), progress=False)
    assert [r["rows"] for r in serial] == [r["rows"] for r in local]
    assert [r["name"] for r in local] == ["hfs2", "ideal"]  # job order, whatever finished first
    assert len(serial[0]["rows"][0]["accuracies"]) == 2


@pytest.mark.slow  # starting Ray takes 10-20 s on a quiet 2-core machine, minutes on a busy one
def test_ray_executor_gives_the_same_rows(prepared: PreparedAnalysis, tmp_path: Path) -> None:
    ray = pytest.importorskip("ray", reason="ray is an optional extra")
    with make_executor("serial") as ex:
        serial = run_jobs(ex, _two_jobs(prepared, tmp_path / "serial"), progress=False)
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with make_executor("ray") as ex:
            remote = run_jobs(ex, _two_jobs(prepared, tmp_path / "ray"), progress=False)
    finally:
        if started_here:
            ray.shutdown()
    assert [r["rows"] for r in remote] == [r["rows"] for r in serial]


def test_a_finished_job_is_not_recomputed(
    prepared: PreparedAnalysis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _two_jobs(prepared, tmp_path)[0]
    first = run_eval_job(job)
    assert json.loads((Path(job.work_dir) / "result.json").read_text())["key"] == job.key()

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached job was evaluated again")

    monkeypatch.setattr(jobs_module, "evaluate_protocol", boom)
    assert run_eval_job(job)["rows"] == first["rows"]
    # A different job in the same folder (other seed) is not served from the cache.
    with pytest.raises(AssertionError, match="evaluated again"):
        run_eval_job(replace(job, seed=job.seed + 1))


def test_job_key_depends_on_content_not_paths(prepared: PreparedAnalysis) -> None:
    job = prepared.job("a", preset("ideal"), Periphery.ideal())
    moved = replace(job, digital_checkpoint="/elsewhere/last.pt", work_dir="/elsewhere/a")
    assert moved.key() == job.key()
    assert replace(job, times_s=(2.0,)).key() != job.key()
    assert prepared.job("b", preset("ideal"), Periphery.paper()).key() != job.key()


def test_duplicate_job_names_are_refused(prepared: PreparedAnalysis) -> None:
    job = prepared.job("same", preset("ideal"), Periphery.ideal())
    with make_executor("serial") as ex, pytest.raises(ValueError, match="unique"):
        run_jobs(ex, [job, job], progress=False)


def test_statistics_helpers_match_hand_computed_values() -> None:
    m, sd, se = mean_se([1.0, 2.0, 3.0, 4.0])
    assert (m, sd, se) == pytest.approx((2.5, 1.2909944, 0.6454972))
    assert mean_se([5.0]) == (5.0, 0.0, 0.0)
    # Paired: a constant offset has zero standard error even though each sample varies a lot.
    assert paired_difference([10.0, 20.0, 30.0], [9.0, 19.0, 29.0]) == pytest.approx((1.0, 0.0))
