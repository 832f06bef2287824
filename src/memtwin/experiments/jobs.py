"""Evaluation jobs and the plumbing every multi-run analysis (compare, ablate, tolerance) shares.

Why this module: an analysis is many independent evaluations of *one* trained network on many device /
periphery variants. Training the digital network is the expensive part and must happen once, so an
analysis

1. opens its run folder and trains (or resumes) the digital network into ``checkpoints/digital``
   (:func:`prepare_analysis`);
2. describes every evaluation as an :class:`EvalJob`: a frozen, picklable record holding the experiment
   config as TOML text, the device as TOML text, the periphery as a dict, the path of the digital
   checkpoint, the modes, variants, times, seed and a work folder. Nothing in it refers to live objects,
   so a job runs the same in this process, in a spawned pool worker or on a Ray node;
3. maps the top-level :func:`run_eval_job` over the jobs with an executor
   (:func:`memtwin.experiments.executors.make_executor`): serial, local process pool or Ray;
4. writes ``results.json`` / ``results.csv`` / ``results.md``, figures, then marks the run complete
   (:func:`finish_analysis`).

**Same numbers on every executor.** A job's result depends only on its fields: data loading and the
digital weights are deterministic, programming draws come from generators seeded by the job's seed (and
the crossbar's own stream keys), and HWAT is seeded by the config's training seed. Every job of an
analysis uses the same seed by default, so two devices (or two ablation items) are programmed with the
same random streams: their difference is a paired comparison, which is why analyses report paired
standard errors (:func:`paired_difference`).

**Resuming.** Each job works in its own folder ``checkpoints/jobs/<name>-<key>`` where ``key`` hashes
the job's content (not its paths): HWAT checkpoints land there (resumable per epoch), and the finished
job's rows are cached in ``result.json``. A killed analysis rerun into the same folder retrains nothing
that was finished and re-evaluates only the jobs that had not completed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import platform
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from memtwin import __version__
from memtwin.atomic import write_json_atomic, write_text_atomic
from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel
from memtwin.errors import ConfigError
from memtwin.experiments.config import ExperimentConfig, same_experiment
from memtwin.experiments.evaluate import Session, evaluate_protocol
from memtwin.experiments.executors import Executor, make_executor
from memtwin.experiments.runfolder import COMPLETE, RunFolder
from memtwin.tasks.datasets import TaskData, load_task
from memtwin.tasks.networks import build_network, count_weights
from memtwin.training.checkpoint import CHECKPOINT_NAME, load_model_weights
from memtwin.training.loop import resolve_device as resolve_torch_device

__all__ = [
    "ANALYSIS_FILE",
    "EvalJob",
    "PreparedAnalysis",
    "finish_analysis",
    "loss_samples",
    "mean_se",
    "paired_difference",
    "prepare_analysis",
    "rows_csv",
    "run_eval_job",
    "run_jobs",
    "using_executor",
]

#: The analysis parameters of a run folder (next to the experiment's own ``config.toml``).
ANALYSIS_FILE = "analysis.toml"
RESULT_FILE = "result.json"


# ----------------------------------------------------------------------------------------- the job
@dataclass(frozen=True)
class EvalJob:
    """One evaluation: ``modes`` × ``variants`` × ``times_s`` of the digital network on one device and
    periphery, with ``seed`` selecting the programming streams
    (see :func:`memtwin.experiments.evaluate.program_seed`).

    ``config_toml`` is the analysis' experiment config (task, data, training recipes, repetitions);
    ``modes``/``variants``/``seed`` override its own. ``parameter``/``value`` label the rows (e.g. the
    ablation item or the tolerance parameter). ``work_dir`` holds this job's HWAT checkpoints and its
    cached result.
    """

    name: str
    config_toml: str
    device_toml: str
    periphery: Mapping[str, Any]
    digital_checkpoint: str
    work_dir: str
    modes: tuple[str, ...]
    variants: tuple[str, ...]
    times_s: tuple[float, ...]
    seed: int
    tag: str = ""
    parameter: str | None = None
    value: float | None = None
    labels: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """A short hash of everything that determines the job's numbers (paths excluded, so a moved run
        folder still finds its cached results)."""
        content = {
            "config": self.config_toml,
            "device": self.device_toml,
            "periphery": dict(sorted(self.periphery.items())),
            "modes": list(self.modes),
            "variants": list(self.variants),
            "times_s": [float(t) for t in self.times_s],
            "seed": self.seed,
            "tag": self.tag,
            "parameter": self.parameter,
            "value": self.value,
        }
        text = json.dumps(content, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


#: Data of the last task loaded in this process: a pool worker runs many jobs of one analysis, and
#: reloading MNIST for each would cost about a second per job.
_DATA_CACHE: dict[tuple[Any, ...], TaskData] = {}


def _task_data(config: ExperimentConfig) -> TaskData:
    key = (config.task, config.data_dir, config.subset, config.test_subset, config.seed)
    if key not in _DATA_CACHE:
        _DATA_CACHE.clear()
        _DATA_CACHE[key] = load_task(
            config.task,
            data_dir=config.data_dir,
            subset=config.subset,
            test_subset=config.test_subset,
            seed=config.seed,
        )
    return _DATA_CACHE[key]


def run_eval_job(job: EvalJob) -> dict[str, Any]:
    """Run one :class:`EvalJob` (top level, so executors can send it to other processes).

    Returns ``{"name", "key", "rows", "seconds", "labels"}`` with ``rows`` as in
    ``results.json['analog']``. A result cached in the job's folder under the same key is returned
    without recomputation.
    """
    work = Path(job.work_dir)
    key = job.key()
    cached = work / RESULT_FILE
    if cached.is_file():
        try:
            data = json.loads(cached.read_text())
        except (OSError, json.JSONDecodeError):
            data = None
        if isinstance(data, dict) and data.get("key") == key:
            return data
    started = time.perf_counter()
    base = ExperimentConfig.from_dict(tomllib.loads(job.config_toml))
    config = replace(base, modes=tuple(job.modes), variants=tuple(job.variants))
    device = DeviceModel.from_toml_str(job.device_toml, source=f"job {job.name}")
    periphery = Periphery.from_dict(dict(job.periphery))
    session = Session(
        config=config,
        data=_task_data(config),
        device=device,
        torch_device=resolve_torch_device(config.device_kind),
        checkpoints=work,
        progress=False,
    )
    net = build_network(config.task, seed=config.seed)
    load_model_weights(net, Path(job.digital_checkpoint))
    # The programming seed is the job's; the digital weights and data stay those of the analysis.
    session.config = replace(config, seed=job.seed)
    rows = evaluate_protocol(
        session,
        net,
        device=device,
        periphery=periphery,
        times_s=tuple(job.times_s),
        tag=job.tag,
        parameter=job.parameter,
        value=job.value,
    )
    result = {
        "name": job.name,
        "key": key,
        "labels": dict(job.labels),
        "rows": [r.to_dict() for r in rows],
        "seconds": time.perf_counter() - started,
    }
    write_json_atomic(cached, result)
    return result


# ------------------------------------------------------------------------------ analysis plumbing
@dataclass
class PreparedAnalysis:
    """A run folder with its digital network trained: what every job of the analysis starts from."""

    kind: str
    config: ExperimentConfig
    run: RunFolder
    session: Session
    digital_accuracy: float
    history: dict[str, Any]
    started: float
    digital_seconds: float

    @property
    def digital_checkpoint(self) -> Path:
        return self.run.checkpoints / "digital" / CHECKPOINT_NAME

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
        value: float | None = None,
        labels: Mapping[str, Any] | None = None,
    ) -> EvalJob:
        """An :class:`EvalJob` of this analysis (defaults: the config's modes, variants, times, seed)."""
        cfg = self.config
        # The device travels whole as TOML (d2d and drift overrides already applied), so the config's own
        # overrides are dropped: they would be applied twice, and they do not change the numbers.
        job_config = replace(cfg, d2d=None, drift=None)
        job = EvalJob(
            name=name,
            config_toml=job_config.to_toml(),
            device_toml=device.to_toml_str(),
            periphery=periphery.to_dict(),
            digital_checkpoint=str(self.digital_checkpoint),
            work_dir="",
            modes=tuple(modes if modes is not None else cfg.modes),
            variants=tuple(variants if variants is not None else cfg.variants),
            times_s=tuple(float(t) for t in (times_s if times_s is not None else cfg.times_s)),
            seed=cfg.seed if seed is None else seed,
            parameter=parameter,
            value=value,
            labels=dict(labels or {}),
        )
        safe = "".join(c if c.isalnum() or c in "-_.=" else "_" for c in name)[:80]
        return replace(job, work_dir=str(self.jobs_dir / f"{safe}-{job.key()}"))

    def base_results(self) -> dict[str, Any]:
        """Fields every analysis' ``results.json`` starts with."""
        cfg = self.config
        weights = count_weights(build_network(cfg.task))
        return {
            "analysis": self.kind,
            "task": cfg.task,
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
            },
            "versions": {
                "memtwin": __version__,
                "torch": torch.__version__,
                "python": platform.python_version(),
            },
        }


def _analysis_toml(kind: str, params: Mapping[str, Any]) -> str:
    import tomli_w

    clean = {k: v for k, v in params.items() if v is not None}
    return tomli_w.dumps({"kind": kind, **clean})


def prepare_analysis(
    kind: str,
    config: ExperimentConfig,
    out: str | Path,
    params: Mapping[str, Any],
    *,
    progress: bool = True,
    overwrite: bool = False,
) -> PreparedAnalysis:
    """Open ``out`` as the run folder of analysis ``kind`` and train (or resume) its digital network.

    ``params`` (the analysis' own settings: devices, budget, grids …) are written to ``analysis.toml``;
    an unfinished run of other settings is not resumed silently.
    """
    run = RunFolder(Path(out))
    analysis_toml = _analysis_toml(kind, params)
    previous = run.path / ANALYSIS_FILE
    resumable = not overwrite and run.state() not in (None, COMPLETE) and previous.exists()
    if resumable and previous.read_text() != analysis_toml:
        raise ConfigError(
            f"{run.path} holds an unfinished {kind} analysis with other settings (see {previous}); "
            "rerun it with the same settings to resume, or pass --overwrite"
        )
    started = time.perf_counter()
    session = Session.open(config, run.checkpoints, progress=progress)  # validates data and devices first
    run.start(config.to_toml(), overwrite=overwrite, same_config=same_experiment)
    write_text_atomic(previous, analysis_toml)
    net, digital_accuracy, history = session.train_digital()
    return PreparedAnalysis(
        kind=kind,
        config=config,
        run=run,
        session=session,
        digital_accuracy=digital_accuracy,
        history=history,
        started=started,
        digital_seconds=time.perf_counter() - started,
    )


def finish_analysis(
    prepared: PreparedAnalysis,
    results: dict[str, Any],
    csv_text: str,
    markdown: str | None = None,
) -> dict[str, Any]:
    """Write ``results.json`` (with timings), ``results.csv``, ``results.md`` and ``history.json``
    atomically, then mark the run complete. Returns ``results``."""
    run = prepared.run
    results.setdefault("timings_s", {})
    results["timings_s"].update(
        {"digital_training": prepared.digital_seconds, "total": time.perf_counter() - prepared.started}
    )
    write_text_atomic(run.path / "results.csv", csv_text)
    if markdown is not None:
        write_text_atomic(run.path / "results.md", markdown)
    run.write_json("history.json", prepared.history)
    run.write_json("results.json", results)
    run.complete()
    return results


@contextmanager
def using_executor(executor: Executor | None) -> Iterator[Executor]:
    """The given executor (left open: its owner closes it), or a local process pool closed on exit."""
    if executor is not None:
        yield executor
        return
    with make_executor("local") as ex:
        yield ex


def run_jobs(
    executor: Executor, jobs: Sequence[EvalJob], *, progress: bool = True, description: str = ""
) -> list[dict[str, Any]]:
    """Map :func:`run_eval_job` over ``jobs``; results in job order."""
    names = [j.name for j in jobs]
    if len(set(names)) != len(names):
        raise ConfigError(f"job names must be unique within an analysis, got duplicates in {names}")
    return executor.map(run_eval_job, list(jobs), progress=progress, description=description)


def executor_info(executor: Executor) -> dict[str, Any]:
    info: dict[str, Any] = {"kind": executor.kind, "workers": executor.workers}
    address = getattr(executor, "address", None)
    if address:
        info["address"] = address
    return info


# ------------------------------------------------------------------------------------- statistics
def mean_se(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, sample standard deviation, standard error of the mean); std and SE are 0 for one value."""
    n = len(values)
    if n == 0:
        raise ValueError("mean_se of no values")
    m = sum(values) / n
    if n < 2:
        return m, 0.0, 0.0
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    return m, sd, sd / math.sqrt(n)


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


def rows_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text of ``rows`` restricted to ``columns`` (missing values empty)."""
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


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines) + "\n"


def save_figure(fig: Any, out_dir: Path, stem: str) -> list[Path]:
    """Save a matplotlib figure as PNG and SVG (atomically enough: a figure is rewritten whole on rerun)
    and close it."""
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=160, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    plt.close(fig)
    return paths
