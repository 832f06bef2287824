"""Run many independent jobs (sweep points, repetitions, devices) serially, on a local process pool, or
on a Ray cluster, with the same results whichever is used.

Why a layer of its own: comparisons, ablations, sweeps and tolerance searches are hundreds of
independent evaluations. The protocols only describe *what* to run (a list of jobs and one top-level
function); this module decides *where*. Three rules make the choice invisible in the numbers:

* **Jobs carry their own seeds.** A job is a frozen dataclass or a dict holding everything the function
  needs, including its seed; nothing depends on which process runs it or in which order jobs finish.
* **Results are plain JSON-able dicts**, checked here, so that they pickle, cross a Ray object store and
  land in a results file unchanged.
* **Results come back in job order**, whatever order the jobs finish in.

Kinds (see :func:`make_executor`):

``serial``
    In the calling process, one job after another: for debugging (breakpoints and tracebacks work) and
    for tests.
``local``
    A ``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` start method (forking a process that
    has initialised torch's thread pools or CUDA is unsafe). Default workers: ``os.cpu_count()``.
``ray``
    Ray tasks, on the cluster at ``address`` (``"auto"``, ``"ray://host:10001"``), on a Ray instance
    already initialised in this process, or on a local instance started here when neither is given.
    Ray is an optional extra: ``pip install 'memtwin[ray]'``.

Each worker limits torch to ``threads_per_worker`` intra-op threads (default 1): N workers each running
a multi-threaded torch would oversubscribe the cores and run slower than N single-threaded ones.

Use as a context manager so pools are shut down (and a Ray instance this executor started is stopped)::

    with make_executor("local", workers=4) as ex:
        results = ex.map(run_eval_job, jobs, description="d2d sweep")

Extension point: a new kind is a subclass of :class:`Executor` implementing ``_run`` (and ``close`` if
it holds resources), registered in :func:`make_executor`.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import json
import math
import multiprocessing
import os
import pickle
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from memtwin.errors import ConfigError, MemtwinError
from memtwin.training.progress import progress_bar

__all__ = [
    "EXECUTOR_KINDS",
    "Executor",
    "JobFailedError",
    "LocalExecutor",
    "ProbeJob",
    "RayExecutor",
    "SerialExecutor",
    "job_progress",
    "make_executor",
    "probe",
    "worker_info",
]

#: A job: a frozen dataclass or a mapping that holds everything its function needs, seed included.
Job = Any
#: What a job function returns: a dict of JSON-able values.
Result = dict[str, Any]
JobFn = Callable[[Any], Result]

EXECUTOR_KINDS: tuple[str, ...] = ("serial", "local", "ray")
RAY_INSTALL_HINT = "pip install 'memtwin[ray]'"
_MAX_JOB_REPR = 160


class JobFailedError(MemtwinError):
    """A job raised (or returned something that is not a JSON-able dict).

    ``index`` is the job's position in the list given to :meth:`Executor.map`, ``job`` the job itself
    (``None`` if it could not be kept), ``description`` a short text naming it. The original exception
    is chained as ``__cause__``; for the process pool it carries the worker's traceback.
    """

    def __init__(self, index: int, total: int, job: Job, reason: str) -> None:
        self.index = index
        self.job = job
        self.description = describe_job(job)
        super().__init__(f"job {index + 1} of {total} failed ({self.description}): {reason}")


def describe_job(job: Job) -> str:
    """A short, human-readable name for a job: its ``name``/``label``/``id`` field if it has one, else
    its repr (shortened)."""
    for key in ("name", "label", "id"):
        value = job.get(key) if isinstance(job, Mapping) else getattr(job, key, None)
        if isinstance(value, str | int) and not isinstance(value, bool):
            return f"{key}={value!r}"
    text = repr(job)
    return text if len(text) <= _MAX_JOB_REPR else text[: _MAX_JOB_REPR - 3] + "..."


def _reason(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None)  # Ray's RayTaskError keeps the user's exception here
    if isinstance(cause, BaseException):
        exc = cause
    return f"{type(exc).__name__}: {exc}"


def check_result(result: object) -> Result:
    """Return ``result`` if it is a dict of JSON-able values (NaN and inf allowed), else raise TypeError.

    Checked for every executor alike, so a function that works serially also works across processes and
    Ray, and its results can be written to a results file as they are.
    """
    if not isinstance(result, dict):
        raise TypeError(f"a job function must return a dict, got {type(result).__name__}")
    try:
        json.dumps(result, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the job's result is not JSON-able: {exc}") from exc
    return result


def _check_fn(fn: object) -> None:
    """Job functions travel to other processes by reference: they must be picklable top-level functions."""
    if not callable(fn):
        raise ConfigError(f"the job function must be callable, got {type(fn).__name__}")
    try:
        pickle.dumps(fn)
    except Exception as exc:
        name = getattr(fn, "__qualname__", repr(fn))
        raise ConfigError(
            f"job function {name} cannot be pickled ({exc}); use a function defined at the top level of "
            "an importable module (not a lambda, a nested function or a bound method of a local class)"
        ) from exc


# ------------------------------------------------------------------------------------ worker side
_THREADS_SET: int | None = None


def _limit_threads(threads: int) -> None:
    """Limit torch (and the BLAS/OpenMP libraries it loads later) to ``threads`` threads in this process."""
    global _THREADS_SET
    if threads == _THREADS_SET:
        return
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency; a job without torch still runs
        pass
    else:
        torch.set_num_threads(threads)
    _THREADS_SET = threads


def _worker_init(threads: int) -> None:
    """Process-pool initializer."""
    _limit_threads(threads)


def _call_in_worker(fn: JobFn, job: Job, threads: int) -> Result:
    """What a Ray task runs: the same thread limit as a pool worker, then the job."""
    _limit_threads(threads)
    return fn(job)


# ------------------------------------------------------------------------------------- progress
@contextmanager
def job_progress(enabled: bool, total: int, description: str) -> Iterator[Callable[[], None]]:
    """Yield a function that advances a rich progress bar by one finished job (a no-op when disabled).

    The bar goes to stderr, so results printed on stdout stay clean.
    """
    if not enabled or total == 0:
        yield lambda: None
        return
    from rich.console import Console

    bar = progress_bar(console=Console(stderr=True))
    with bar:
        task = bar.add_task(description or "jobs", total=total)
        yield lambda: bar.advance(task)


# ------------------------------------------------------------------------------------ executors
class Executor(ABC):
    """Runs a function over a list of jobs; see the module docstring for the contract."""

    kind: str = ""

    def __init__(self, workers: int, threads_per_worker: int = 1) -> None:
        self.workers = _positive_int(workers, "workers")
        self.threads_per_worker = _positive_int(threads_per_worker, "threads_per_worker")
        self._closed = False

    def map(
        self, fn: JobFn, jobs: Sequence[Job], progress: bool = True, description: str = ""
    ) -> list[Result]:
        """``[fn(job) for job in jobs]``, possibly in parallel; results in job order.

        ``fn`` must be a picklable top-level function taking one job and returning a JSON-able dict.
        The first job that fails stops the run (jobs not yet started are cancelled) and is re-raised
        here as :class:`JobFailedError` naming the job, with the original exception chained.
        """
        if self._closed:
            raise ConfigError(f"this {self.kind} executor has been closed; make a new one")
        _check_fn(fn)
        jobs = list(jobs)
        if not jobs:
            return []
        with job_progress(progress, len(jobs), description) as advance:
            return self._run(fn, jobs, advance)

    @abstractmethod
    def _run(self, fn: JobFn, jobs: list[Job], advance: Callable[[], None]) -> list[Result]:
        """Run every job; call ``advance()`` once per finished job; return results in job order."""

    def close(self) -> None:
        """Release workers. Idempotent."""
        self._closed = True

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers}, threads_per_worker={self.threads_per_worker})"


class SerialExecutor(Executor):
    """Every job in the calling process, in order. Torch's thread settings are left as they are."""

    kind = "serial"

    def __init__(self) -> None:
        super().__init__(workers=1)

    def _run(self, fn: JobFn, jobs: list[Job], advance: Callable[[], None]) -> list[Result]:
        results: list[Result] = []
        for i, job in enumerate(jobs):
            try:
                results.append(check_result(fn(job)))
            except Exception as exc:
                raise JobFailedError(i, len(jobs), job, _reason(exc)) from exc
            advance()
        return results


class LocalExecutor(Executor):
    """A pool of ``workers`` spawned processes, created on first use and kept until :meth:`close`
    (starting a process that imports torch costs about a second, so one pool serves many ``map`` calls)."""

    kind = "local"

    def __init__(self, workers: int | None = None, threads_per_worker: int = 1) -> None:
        super().__init__(workers if workers is not None else (os.cpu_count() or 1), threads_per_worker)
        self._pool: cf.ProcessPoolExecutor | None = None

    def _get_pool(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(self.threads_per_worker,),
            )
        return self._pool

    def _run(self, fn: JobFn, jobs: list[Job], advance: Callable[[], None]) -> list[Result]:
        pool = self._get_pool()
        futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        results: list[Result | None] = [None] * len(jobs)
        try:
            for future in cf.as_completed(futures):
                i = futures[future]
                try:
                    results[i] = check_result(future.result())
                except Exception as exc:
                    if isinstance(exc, BrokenProcessPool):
                        self._discard_pool()  # a dead worker breaks the pool; the next map starts a new one
                    raise JobFailedError(i, len(jobs), jobs[i], _reason(exc)) from exc
                advance()
        finally:
            for future in futures:
                future.cancel()  # no-op for finished ones; stops queued jobs after a failure or Ctrl-C
        return [r for r in results if r is not None]

    def _discard_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        super().close()


class RayExecutor(Executor):
    """Ray tasks of one CPU each.

    Which Ray: if Ray is already initialised in this process it is used as it is (and left running);
    otherwise ``ray.init(address=address)`` connects to a cluster, or with ``address=None`` starts a
    local instance with ``workers`` CPUs (default: all). :meth:`close` calls ``ray.shutdown()`` only if
    this executor called ``ray.init``: that stops a local instance it started, and for a cluster only
    disconnects this driver (the cluster keeps running).

    Workers must be able to import the job function's module: on a cluster, install memtwin (and the
    module defining the job function) on every node. :func:`probe` is a quick check.
    """

    kind = "ray"

    def __init__(
        self, address: str | None = None, workers: int | None = None, threads_per_worker: int = 1
    ) -> None:
        super().__init__(workers if workers is not None else (os.cpu_count() or 1), threads_per_worker)
        self.address = address
        self._ray = _import_ray()
        self._started = False
        if not self._ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": True}
            if address is None:
                kwargs["num_cpus"] = self.workers
                # Ray starts local workers at niceness 15; on a busy workstation they then starve.
                os.environ.setdefault("RAY_worker_niceness", "0")
            else:
                kwargs["address"] = address
            try:
                self._ray.init(**kwargs)
            except Exception as exc:
                where = f"the Ray cluster at {address!r}" if address else "a local Ray instance"
                raise ConfigError(f"cannot start or reach {where}: {exc}") from exc
            self._started = True
        self._task = self._ray.remote(num_cpus=1, max_retries=0)(_call_in_worker)

    def _run(self, fn: JobFn, jobs: list[Job], advance: Callable[[], None]) -> list[Result]:
        ray = self._ray
        fn_ref = ray.put(fn)
        refs = [self._task.remote(fn_ref, job, self.threads_per_worker) for job in jobs]
        index = {ref: i for i, ref in enumerate(refs)}
        results: list[Result | None] = [None] * len(jobs)
        pending = list(refs)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    i = index[ref]
                    try:
                        results[i] = check_result(ray.get(ref))
                    except Exception as exc:
                        raise JobFailedError(i, len(jobs), jobs[i], _reason(exc)) from exc
                    advance()
        finally:
            for ref in pending:
                ray.cancel(ref)
        return [r for r in results if r is not None]

    def close(self) -> None:
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
        self._started = False
        super().close()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(
            f"the 'ray' executor needs Ray, which is an optional extra: {RAY_INSTALL_HINT}"
        ) from exc
    return ray


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def make_executor(
    kind: str = "local",
    *,
    workers: int | None = None,
    address: str | None = None,
    threads_per_worker: int = 1,
) -> Executor:
    """An executor of the given kind (``serial``, ``local`` or ``ray``); see the module docstring.

    ``workers``: processes of the local pool (default ``os.cpu_count()``), or CPUs of a local Ray
    instance started here. ``address``: the Ray cluster to connect to (``"auto"``,
    ``"ray://host:10001"``); only for ``ray``. ``threads_per_worker``: torch threads in each worker.
    """
    if kind not in EXECUTOR_KINDS:
        raise ConfigError(f"unknown executor {kind!r}; expected one of {', '.join(EXECUTOR_KINDS)}")
    if address is not None and kind != "ray":
        raise ConfigError(f"address={address!r} is only used by the 'ray' executor, not {kind!r}")
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        return LocalExecutor(workers=workers, threads_per_worker=threads_per_worker)
    return RayExecutor(address=address, workers=workers, threads_per_worker=threads_per_worker)


# ------------------------------------------------------------------------------------ diagnostics
@dataclass(frozen=True)
class ProbeJob:
    """A job for :func:`probe`: its seed, how many numbers to draw, and whether to fail on purpose."""

    seed: int
    size: int = 4
    fail: bool = False


def probe(job: ProbeJob | Mapping[str, Any]) -> Result:
    """A tiny seeded numpy + torch computation: run it through an executor to check that its workers
    import memtwin and return bit-identical numbers to the serial executor (results depend on the seed
    only). A job with ``fail=True`` raises ``ValueError``, to check error reporting."""
    import numpy as np
    import torch

    spec = dataclasses.asdict(job) if isinstance(job, ProbeJob) else dict(job)
    seed, size = int(spec["seed"]), int(spec.get("size", 4))
    if spec.get("fail", False):
        raise ValueError(f"probe job with seed {seed} failed on purpose")
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    weights = torch.randn(size, size, generator=generator, dtype=torch.float64)
    x = torch.from_numpy(rng.standard_normal(size))
    y = weights @ x
    return {
        "seed": seed,
        "numpy": rng.standard_normal(size).tolist(),
        "torch": y.tolist(),
        "norm": math.sqrt(float((y * y).sum())),
    }


def worker_info(job: object) -> Result:
    """Where a job ran: process id and torch's intra-op thread count (to check the thread limit)."""
    import torch

    return {"pid": os.getpid(), "torch_threads": torch.get_num_threads()}
