"""Executors: the same results in job order whatever runs them, errors that name the job, clean shutdown.

One process pool and one Ray instance serve the whole module (starting them dominates the run time).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from memtwin.errors import ConfigError
from memtwin.experiments.executors import (
    Executor,
    JobFailedError,
    LocalExecutor,
    ProbeJob,
    SerialExecutor,
    make_executor,
    probe,
    worker_info,
)

# Seeds deliberately out of order: results must come back in job order, not seed or finishing order.
SEEDS = (7, 3, 11, 0, 5, 2)


def _jobs() -> list[ProbeJob]:
    return [ProbeJob(seed=s, size=5) for s in SEEDS]


def returns_a_set(job: Any) -> Any:
    """Top-level (picklable) job function whose result is not JSON-able."""
    return {"values": {1, 2}}


@pytest.fixture(scope="module")
def serial_results() -> list[dict[str, Any]]:
    return SerialExecutor().map(probe, _jobs(), progress=False)


@pytest.fixture(scope="module")
def local() -> Iterator[Executor]:
    with make_executor("local", workers=2) as ex:
        yield ex


@pytest.fixture(scope="module")
def ray_session() -> Iterator[Any]:
    """A local Ray instance started by the test itself (2 CPUs, no dashboard)."""
    ray = pytest.importorskip(
        "ray", reason="ray is not installed (optional extra: pip install 'memtwin[ray]')"
    )
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    if started_here:
        ray.shutdown()


# ---------------------------------------------------------------------------------- same results
def test_serial_results_follow_job_order_and_depend_on_the_seed_only(
    serial_results: list[dict[str, Any]],
) -> None:
    assert [r["seed"] for r in serial_results] == list(SEEDS)
    assert serial_results[0] == probe(ProbeJob(seed=SEEDS[0], size=5))
    assert serial_results[0]["torch"] != serial_results[1]["torch"]


def test_local_pool_gives_identical_results_in_job_order(
    local: Executor, serial_results: list[dict[str, Any]]
) -> None:
    assert local.map(probe, _jobs(), progress=False) == serial_results


def test_dict_jobs_and_progress_bar(local: Executor, serial_results: list[dict[str, Any]]) -> None:
    jobs = [{"seed": s, "size": 5} for s in SEEDS]
    assert local.map(probe, jobs, progress=True, description="probe") == serial_results


def test_workers_run_torch_single_threaded(local: Executor) -> None:
    infos = local.map(worker_info, list(range(4)), progress=False)
    assert {i["torch_threads"] for i in infos} == {1}


def test_ray_gives_identical_results(ray_session: Any, serial_results: list[dict[str, Any]]) -> None:
    start = time.perf_counter()
    with make_executor("ray") as ex:
        assert ex.map(probe, _jobs(), progress=False) == serial_results
        infos = ex.map(worker_info, list(range(2)), progress=False)
    assert {i["torch_threads"] for i in infos} == {1}
    # an instance the executor did not start is left running for its owner
    assert ray_session.is_initialized()
    assert time.perf_counter() - start < 60


# ------------------------------------------------------------------------------------------- errors
def _failing_jobs() -> list[ProbeJob]:
    jobs = _jobs()
    jobs[2] = ProbeJob(seed=99, fail=True)
    return jobs


def _check_failure(info: pytest.ExceptionInfo[JobFailedError]) -> None:
    err = info.value
    assert err.index == 2
    assert "job 3 of 6" in str(err)
    assert "seed=99" in str(err)
    assert "failed on purpose" in str(err)
    assert err.__cause__ is not None


def test_serial_error_names_the_job() -> None:
    with pytest.raises(JobFailedError) as info:
        SerialExecutor().map(probe, _failing_jobs(), progress=False)
    _check_failure(info)
    assert isinstance(info.value.__cause__, ValueError)


def test_local_error_names_the_job_and_the_pool_survives(
    local: Executor, serial_results: list[dict[str, Any]]
) -> None:
    with pytest.raises(JobFailedError) as info:
        local.map(probe, _failing_jobs(), progress=False)
    _check_failure(info)
    assert isinstance(info.value.__cause__, ValueError)
    assert local.map(probe, _jobs(), progress=False) == serial_results


def test_ray_error_names_the_job(ray_session: Any) -> None:
    with make_executor("ray") as ex, pytest.raises(JobFailedError) as info:
        ex.map(probe, _failing_jobs(), progress=False)
    _check_failure(info)


def test_job_name_field_is_used_in_the_message() -> None:
    with pytest.raises(JobFailedError, match=r"name='point-b'"):
        SerialExecutor().map(
            probe, [{"seed": 1, "name": "point-a"}, {"seed": 2, "name": "point-b", "fail": True}]
        )


def test_result_must_be_a_json_able_dict() -> None:
    with pytest.raises(JobFailedError, match="not JSON-able"):
        SerialExecutor().map(returns_a_set, [1], progress=False)


def test_job_function_must_be_picklable() -> None:
    with pytest.raises(ConfigError, match="cannot be pickled"):
        SerialExecutor().map(lambda job: {"x": job}, [1], progress=False)


# ------------------------------------------------------------------------------ config and lifecycle
def test_unknown_kind_and_misplaced_address() -> None:
    with pytest.raises(ConfigError, match="unknown executor 'dask'"):
        make_executor("dask")
    with pytest.raises(ConfigError, match="only used by the 'ray' executor"):
        make_executor("local", address="auto")
    with pytest.raises(ConfigError, match="workers must be an integer >= 1"):
        make_executor("local", workers=0)


def test_local_defaults_to_all_cpus_and_closes_its_pool() -> None:
    ex = make_executor("local")
    assert isinstance(ex, LocalExecutor)
    assert ex.workers >= 1
    with ex:
        assert ex.map(probe, [], progress=False) == []  # no jobs: no pool started
    with pytest.raises(ConfigError, match="closed"):
        ex.map(probe, [ProbeJob(seed=1)], progress=False)


def test_missing_ray_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    with pytest.raises(ConfigError, match=r"pip install 'memtwin\[ray\]'"):
        make_executor("ray")
