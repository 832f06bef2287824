"""Evaluation jobs and the analysis driver: one digital training per analysis, the same numbers on every
executor, jobs of identical content evaluated once, cached results that let a killed analysis resume
without recomputing finished jobs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import preset
from memtwin.errors import ConfigError
from memtwin.experiments import evaluate as evaluate_module
from memtwin.experiments.analysis import Evaluations, Prepared, prepare_analysis
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.evaluate import AnalogRow, EvalJob, run_eval_job
from memtwin.experiments.executors import Executor, make_executor
from memtwin.experiments.stats import mean_se, paired_difference

PreparedAnalysis = Prepared


def run_jobs(executor: Executor | None, jobs: list[EvalJob], progress: bool = False) -> list[dict]:
    return Evaluations(executor, progress=progress).run(jobs)


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

    monkeypatch.setattr(evaluate_module, "evaluate_protocol", boom)
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
    other = prepared.job("same", preset("ideal"), Periphery.paper())
    with make_executor("serial") as ex, pytest.raises(ConfigError, match="unique"):
        run_jobs(ex, [job, other], progress=False)


def test_jobs_of_the_same_content_are_evaluated_once(
    prepared: PreparedAnalysis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = replace(prepared.job("a", preset("ideal"), Periphery.ideal()), work_dir=str(tmp_path / "a"))
    twin = replace(job, name="b", labels={"why": "another name, the same evaluation"})
    calls = []
    real = evaluate_module.evaluate_protocol

    def counting(*args: object, **kwargs: object) -> list[AnalogRow]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluate_module, "evaluate_protocol", counting)
    evaluations = Evaluations(None, progress=False)
    first, second = evaluations.run([job, twin])
    assert len(calls) == 1 and first is second
    assert evaluations.run([twin])[0] is first and evaluations[job] is first  # and never again
    assert len(calls) == 1


def test_an_error_in_this_process_propagates_as_it_is(
    prepared: PreparedAnalysis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("out of memory on the chip")

    monkeypatch.setattr(evaluate_module, "evaluate_protocol", crash)
    job = replace(prepared.job("x", preset("ideal"), Periphery.ideal()), work_dir=str(tmp_path / "x"))
    with pytest.raises(RuntimeError, match="out of memory"):
        run_jobs(None, [job])


def test_statistics_helpers_match_hand_computed_values() -> None:
    m, sd, se = mean_se([1.0, 2.0, 3.0, 4.0])
    assert (m, sd, se) == pytest.approx((2.5, 1.2909944, 0.6454972))
    assert mean_se([5.0]) == (5.0, 0.0, 0.0)
    # An accuracy row's std is the same sample standard deviation.
    row = AnalogRow("potentiation", "baseline", 0.0, (0.01, 0.02, 0.03, 0.04))
    assert (row.accuracy_mean, row.accuracy_std) == pytest.approx((0.025, 0.012909944))
    # Paired: a constant offset has zero standard error even though each sample varies a lot.
    assert paired_difference([10.0, 20.0, 30.0], [9.0, 19.0, 29.0]) == pytest.approx((1.0, 0.0))
