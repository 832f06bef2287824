"""One driver for every analysis: evaluate, sweep, compare, ablate and tolerance.

An analysis is many evaluations (:class:`~memtwin.experiments.evaluate.EvalJob`) of *one* trained network
on device / periphery variants. Training the digital network is the expensive part and happens once, so
every analysis goes through the same sequence, written here once (:func:`run_analysis`):

1. **validate** — load the data, resolve the device, check the analysis' own settings
   (:meth:`Analysis.check`); nothing is written before this passes, so a typo leaves no run folder;
2. **prepare** — open the run folder (resuming an unfinished one of the same settings), import another
   run's networks when asked (``checkpoints_from``), train (or resume) the digital network, and let the
   analysis write its own files (:meth:`Analysis.setup`);
3. **plan and run** — the analysis lists its jobs (:meth:`Analysis.plan`); jobs of identical content are
   evaluated once; each runs through the chosen executor (in this process, a local pool or Ray) and its
   rows are cached in its folder, so a killed analysis resumes without recomputing finished jobs;
4. **summarize** — the analysis turns the jobs' rows into its results (:meth:`Analysis.summarize`; an
   adaptive one, the tolerance search, may run more jobs from there);
5. **write and complete** — ``results.csv``, ``history.json``, ``results.json`` atomically, then the
   presentation (tables, figures: ``present``, from :mod:`memtwin.report`), then ``status.json`` says
   ``complete``. An error anywhere after the folder opened leaves it ``failed``, with the error.
"""

from __future__ import annotations

import csv
import io
import platform
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, TypedDict

import tomli_w
import torch
from torch import nn

from memtwin import __version__
from memtwin.atomic import write_text_atomic
from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel
from memtwin.errors import ConfigError
from memtwin.experiments.config import ExperimentConfig, same_experiment
from memtwin.experiments.devices import ResolvedDevice
from memtwin.experiments.evaluate import EvalJob, Session, run_eval_job
from memtwin.experiments.executors import Executor, make_executor
from memtwin.experiments.reuse import DIGITAL_STAGE, reusable_stages
from memtwin.experiments.runfolder import COMPLETE, RunFolder
from memtwin.tasks.networks import build_network, count_weights
from memtwin.training.checkpoint import CHECKPOINT_NAME

__all__ = [
    "ANALYSIS_FILE",
    "Analysis",
    "Evaluations",
    "Prepared",
    "Presenter",
    "RunOptions",
    "Summary",
    "executor_info",
    "prepare_analysis",
    "rows_csv",
    "run_analysis",
    "versions",
]

#: The analysis parameters of a run folder (next to the experiment's own ``config.toml``).
ANALYSIS_FILE = "analysis.toml"
#: Writes the human-readable outputs of a finished run (``results.md``, figures) into its folder:
#: ``present(run_dir, results)``. The report layer provides one (:func:`memtwin.report.present_run`).
Presenter = Callable[[Path, dict[str, Any]], object]


class RunOptions(TypedDict, total=False):
    """How an analysis runs, the same for every one (see :func:`run_analysis`): ``executor``,
    ``progress``, ``overwrite``, ``checkpoints_from``, ``present``."""

    executor: Executor | None
    progress: bool
    overwrite: bool
    checkpoints_from: str | Path | None
    present: Presenter | None


# ------------------------------------------------------------------------------- the prepared run
@dataclass
class Prepared:
    """A run folder with its digital network trained: what every job of the analysis starts from."""

    kind: str
    config: ExperimentConfig
    run: RunFolder
    session: Session
    net: nn.Module
    digital_accuracy: float
    history: dict[str, Any]
    started: float
    digital_seconds: float

    @property
    def digital_checkpoint(self) -> Path:
        return self.run.checkpoints / DIGITAL_STAGE / CHECKPOINT_NAME

    @property
    def jobs_dir(self) -> Path:
        return self.run.checkpoints / "jobs"

    def job(
        self,
        name: str,
        device: DeviceModel,
        periphery: Periphery,
        *,
        modes: Sequence[str] | None = None,
        variants: Sequence[str] | None = None,
        times_s: Sequence[float] | None = None,
        seed: int | None = None,
        parameter: str | None = None,
        value: float | str | None = None,
        labels: Mapping[str, Any] | None = None,
        tag: str = "",
        hwat_device: DeviceModel | None = None,
        shared_hwat: bool = False,
    ) -> EvalJob:
        """An :class:`EvalJob` of this analysis (defaults: the config's modes, variants, times, seed).

        ``shared_hwat``: HWAT checkpoints go to the run's ``checkpoints/hwat-<mode><tag>`` (an evaluation
        or a sweep: other runs may import them) instead of the job's own folder."""
        cfg = self.config
        # The device travels resolved, as TOML: the config's own device overrides (d2d, drift) are
        # already in it and are left out of the job, so its key depends on the device, not on how it
        # was named.
        job = EvalJob(
            name=name,
            config_toml=replace(cfg, d2d=None, drift=None).to_toml(),
            device_toml=device.to_toml_str(),
            periphery=periphery.to_dict(),
            digital_checkpoint=str(self.digital_checkpoint),
            work_dir="",
            modes=tuple(modes if modes is not None else cfg.modes),
            variants=tuple(variants if variants is not None else cfg.variants),
            times_s=tuple(float(t) for t in (times_s if times_s is not None else cfg.times_s)),
            seed=cfg.seed if seed is None else seed,
            tag=tag,
            parameter=parameter,
            value=value,
            labels=dict(labels or {}),
            hwat_device_toml=None if hwat_device is None else hwat_device.to_toml_str(),
            hwat_dir=str(self.run.checkpoints) if shared_hwat else "",
        )
        safe = "".join(c if c.isalnum() or c in "-_.=" else "_" for c in name)[:80]
        return replace(job, work_dir=str(self.jobs_dir / f"{safe}-{job.key()}"))

    def base_results(self) -> dict[str, Any]:
        """Fields the results of compare, ablate and tolerance start with."""
        cfg = self.config
        weights = count_weights(build_network(cfg.task))
        return {
            "analysis": self.kind,
            "task": cfg.task,
            "write": cfg.periphery.write,
            "digital_accuracy": self.digital_accuracy,
            "network": {"weights": weights, "devices": 2 * weights},
            "data": self.session.data.describe(),
            "protocol": {
                "modes": list(cfg.modes),
                "variants": list(cfg.variants),
                "repetitions": cfg.repetitions,
                "times_s": list(cfg.times_s),
                "digital_epochs": cfg.digital.epochs,
                "hwat_epochs": cfg.hwat.epochs,
                "subset": cfg.subset,
                "test_subset": cfg.test_subset,
                "seed": cfg.seed,
                "periphery": cfg.periphery.to_dict(),
                **({"insitu": cfg.insitu.to_dict()} if "in_situ" in cfg.variants else {}),
            },
            "versions": versions(),
        }


def versions() -> dict[str, str]:
    """The versions of memtwin, torch and Python a run used."""
    return {"memtwin": __version__, "torch": torch.__version__, "python": platform.python_version()}


def _analysis_toml(kind: str, params: Mapping[str, Any]) -> str:
    clean = {k: v for k, v in params.items() if v is not None}
    return tomli_w.dumps({"kind": kind, **clean})


def prepare_analysis(
    kind: str,
    config: ExperimentConfig,
    out: str | Path,
    params: Mapping[str, Any] | None,
    *,
    progress: bool = True,
    overwrite: bool = False,
    source: ResolvedDevice | None = None,
    checkpoints_from: Path | None = None,
    stages: Sequence[str] | None = None,
    check: Callable[[Session], None] | None = None,
) -> Prepared:
    """Validate, open ``out`` as the run folder of analysis ``kind`` and train (or resume) its digital
    network.

    ``params`` (the analysis' own settings: devices, budget, grids …) are written to ``analysis.toml``;
    an unfinished run of other settings is not resumed silently (``None``: the settings are all in
    ``config.toml``). ``checkpoints_from``: a run folder whose checkpoints (``stages``, default all) this
    run starts from. ``check``: validation that needs the resolved device, run before the folder opens.
    """
    run = RunFolder(Path(out))
    analysis_toml = None if params is None else _analysis_toml(kind, params)
    previous = run.path / ANALYSIS_FILE
    resumable = not overwrite and run.state() not in (None, COMPLETE) and previous.exists()
    if analysis_toml is not None and resumable and previous.read_text() != analysis_toml:
        raise ConfigError(
            f"{run.path} holds an unfinished {kind} analysis with other settings (see {previous}); "
            "rerun it with the same settings to resume, or pass --overwrite"
        )
    started = time.perf_counter()
    session = Session.open(config, run.checkpoints, progress=progress, source=source)
    if check is not None:
        check(session)
    run.start(config.to_toml(), overwrite=overwrite, same_config=same_experiment)
    if analysis_toml is not None:
        write_text_atomic(previous, analysis_toml)
    if checkpoints_from is not None:
        run.import_checkpoints(checkpoints_from, stages)
    net, digital_accuracy, history = session.train_digital()
    return Prepared(
        kind=kind,
        config=config,
        run=run,
        session=session,
        net=net,
        digital_accuracy=digital_accuracy,
        history=history,
        started=started,
        digital_seconds=time.perf_counter() - started,
    )


# ------------------------------------------------------------------------------------ the jobs
def executor_info(executor: Executor) -> dict[str, Any]:
    info: dict[str, Any] = {"kind": executor.kind, "workers": executor.workers}
    address = getattr(executor, "address", None)
    if address:
        info["address"] = address
    return info


class Evaluations:
    """The jobs of one analysis, each evaluated at most once: jobs of identical content (the same key)
    share one evaluation, a job finished before (cached in its folder) is not recomputed, and results
    come back in job order. ``executor=None`` runs them one after the other in this process, where an
    error propagates as it is and each job shows its own training progress (an executor shows one bar
    over the jobs)."""

    def __init__(self, executor: Executor | None, *, progress: bool = True) -> None:
        self.executor = executor
        self.progress = progress
        self._done: dict[str, dict[str, Any]] = {}

    @property
    def info(self) -> dict[str, Any] | None:
        """The executor's kind and workers (``None`` in this process)."""
        return None if self.executor is None else executor_info(self.executor)

    def run(self, jobs: Sequence[EvalJob], description: str = "") -> list[dict[str, Any]]:
        """Evaluate the jobs not evaluated yet; the result of every job, in job order."""
        keys = [job.key() for job in jobs]
        todo: dict[str, EvalJob] = {}
        for key, job in zip(keys, jobs, strict=True):
            if key not in self._done:
                todo.setdefault(key, job)
        names = [job.name for job in todo.values()]
        if len(set(names)) != len(names):
            raise ConfigError(f"job names must be unique within an analysis, got duplicates in {names}")
        for key, result in zip(todo, self._evaluate(list(todo.values()), description), strict=True):
            self._done[key] = result
        return [self._done[key] for key in keys]

    def __getitem__(self, job: EvalJob) -> dict[str, Any]:
        """The result of a job already run."""
        return self._done[job.key()]

    def _evaluate(self, jobs: list[EvalJob], description: str) -> list[dict[str, Any]]:
        if self.executor is not None:
            return self.executor.map(run_eval_job, jobs, progress=self.progress, description=description)
        return [run_eval_job(replace(job, progress=self.progress)) for job in jobs]


@contextmanager
def _executor(executor: Executor | None, in_process: bool) -> Iterator[Executor | None]:
    """The given executor (left open: its owner closes it); otherwise this process (``None``) or a
    local process pool closed on exit."""
    if executor is not None or in_process:
        yield executor
        return
    with make_executor("local") as ex:
        yield ex


# -------------------------------------------------------------------------------- the analysis
@dataclass
class Summary:
    """What an analysis found: its ``results.json`` fields, and the rows of ``results.csv``."""

    results: dict[str, Any]
    rows: list[dict[str, Any]]
    csv_columns: tuple[str, ...]


@dataclass
class Analysis:
    """An analysis: its own settings and logic, nothing of the plumbing (see the module docstring).

    Subclasses set :attr:`kind`, validate their settings in ``__post_init__`` (before anything is
    written), and implement :meth:`plan` and :meth:`summarize`. ``in_process``: without an executor,
    jobs run in this process (evaluate, sweep) instead of a local pool. ``reuses_hwat``: networks
    imported from another run may include its HWAT ones (only an evaluation or sweep trains them where
    another run can find them).
    """

    kind: ClassVar[str] = ""
    in_process: ClassVar[bool] = False
    reuses_hwat: ClassVar[bool] = False

    def describe(self, prepared: Prepared) -> str:
        """What the progress bar of the planned jobs says."""
        return self.kind

    def parameters(self) -> dict[str, Any] | None:
        """The settings written to ``analysis.toml`` (``None``: all of them are in ``config.toml``)."""
        return None

    def check(self, session: Session) -> None:
        """Validation that needs the resolved device or data (before the run folder opens)."""

    def setup(self, prepared: Prepared) -> None:
        """Files or shared networks the analysis needs once the folder is open and the network trained."""

    def plan(self, prepared: Prepared) -> list[EvalJob]:
        raise NotImplementedError

    def summarize(self, prepared: Prepared, evaluations: Evaluations) -> Summary:
        raise NotImplementedError


def run_analysis(
    analysis: Analysis,
    config: ExperimentConfig,
    out: str | Path,
    *,
    executor: Executor | None = None,
    progress: bool = True,
    overwrite: bool = False,
    checkpoints_from: str | Path | None = None,
    source: ResolvedDevice | None = None,
    present: Presenter | None = None,
) -> dict[str, Any]:
    """Run ``analysis`` of ``config`` into the run folder ``out`` (module docstring) and return its
    results.

    ``executor``: where the jobs run (default: this process for an evaluation or sweep, a local process
    pool for the others); the numbers do not depend on it. ``checkpoints_from``: a run folder whose
    trained networks this run starts from, as far as that run trained them the same way (see
    :func:`memtwin.experiments.reuse.reusable_stages`). ``source``: the device already resolved from
    measurements (``memtwin assess``). ``present``: writes ``results.md`` and the figures
    (:func:`memtwin.report.present_run`); without it the folder holds the numbers only.
    """
    stages: Sequence[str] | None = None
    if checkpoints_from is not None:
        checkpoints_from = Path(checkpoints_from)
        stages = reusable_stages(config, checkpoints_from)
        if not analysis.reuses_hwat:
            stages = (DIGITAL_STAGE,)
    with RunFolder(Path(out)).failing_on_error():
        prepared = prepare_analysis(
            analysis.kind, config, out, analysis.parameters(), progress=progress, overwrite=overwrite,
            source=source, checkpoints_from=checkpoints_from, stages=stages, check=analysis.check,
        )  # fmt: skip
        analysis.setup(prepared)
        with _executor(executor, analysis.in_process) as ex:
            evaluations = Evaluations(ex, progress=progress)
            evaluations.run(analysis.plan(prepared), analysis.describe(prepared))
            summary = analysis.summarize(prepared, evaluations)
        return _finish(prepared, summary, present)


def _finish(prepared: Prepared, summary: Summary, present: Presenter | None) -> dict[str, Any]:
    """Write ``results.csv``, ``history.json`` and ``results.json`` (with timings) atomically, present
    them, then mark the run complete."""
    run, results = prepared.run, summary.results
    results.setdefault("timings_s", {})
    results["timings_s"].update(
        {"digital_training": prepared.digital_seconds, "total": time.perf_counter() - prepared.started}
    )
    write_text_atomic(run.path / "results.csv", rows_csv(summary.rows, summary.csv_columns))
    run.write_json("history.json", prepared.history)
    run.write_json("results.json", results)
    if present is not None:
        present(run.path, results)
    run.complete()
    return results


def rows_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text of ``rows`` restricted to ``columns`` (missing values empty, lists joined with ``;``)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _csv_value(r.get(k, "")) for k in columns})
    return buf.getvalue()


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return ";".join(str(x) for x in v)
    return v
