"""The paper's evaluation protocol (Sections IV–V), and the job record that carries one evaluation to
another process.

Train digitally, then for each programming mode program the weights onto simulated crossbars — as
trained (``baseline``: no HWAT, no drift compensation) and after hardware-aware training with global
drift compensation (``hwat_gdc``), or train each chip in place (``in_situ``, :mod:`memtwin.experiments.onchip`)
— and measure the test accuracy over Monte-Carlo repetitions at
several times after programming (:func:`evaluate_protocol`).

Every analysis (evaluate, sweep, compare, ablate, tolerance) is many such evaluations of *one* trained
network on device / periphery variants. Each is an :class:`EvalJob`: a frozen, picklable record holding
the experiment config as TOML text, the device as TOML text, the periphery as a dict, the path of the
digital checkpoint, the modes, variants, times and seed. Nothing in it refers to live objects, so
:func:`run_eval_job` runs it the same in this process, in a spawned pool worker or on a Ray node.

**Same numbers on every executor.** A job's result depends only on its fields: data loading and the
digital weights are deterministic, programming draws come from generators seeded by the job's seed (and
the crossbar's own stream keys), and HWAT is seeded by the config's training seed.

**Resuming.** A job's finished rows are cached in ``result.json`` in its work folder under a key that
hashes the job's content (not its paths); its HWAT checkpoints are resumable per epoch.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from memtwin.atomic import write_json_atomic
from memtwin.crossbar import AnalogModel, convert
from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel
from memtwin.experiments.calibration import CALIBRATION_BATCH, calibrate
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.devices import ResolvedDevice, resolve_device_source
from memtwin.experiments.onchip import in_situ_accuracies
from memtwin.experiments.stats import mean, sample_std
from memtwin.tasks.datasets import TaskData, load_task
from memtwin.tasks.networks import build_network
from memtwin.training.batchnorm import reestimate_batchnorm
from memtwin.training.checkpoint import load_model_weights
from memtwin.training.loop import resolve_torch_device, train
from memtwin.training.metrics import evaluate_accuracies

__all__ = [
    "CALIBRATION_BATCH",
    "AnalogRow",
    "EvalJob",
    "Session",
    "calibrate",
    "evaluate_protocol",
    "program_seed",
    "run_eval_job",
]

MODE_KEYS = {"potentiation": 1, "depression": 2}
#: The file in a job's work folder that caches its finished rows.
RESULT_FILE = "result.json"


@dataclass(frozen=True)
class AnalogRow:
    """One line of ``results.json['analog']``: accuracy over repetitions at one condition."""

    mode: str
    variant: str
    time_s: float
    accuracies: tuple[float, ...]
    parameter: str | None = None
    value: float | str | None = None

    @property
    def accuracy_mean(self) -> float:
        return mean(self.accuracies)

    @property
    def accuracy_std(self) -> float:
        return sample_std(self.accuracies)

    def to_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "mode": self.mode,
            "variant": self.variant,
            "time_s": self.time_s,
            "accuracy_mean": self.accuracy_mean,
            "accuracy_std": self.accuracy_std,
            "repetitions": len(self.accuracies),
            "accuracies": list(self.accuracies),
        }
        if self.parameter is not None:
            row["parameter"] = self.parameter
            row["value"] = self.value
        return row


@dataclass
class Session:
    """What every step of a run shares: config, data, device, torch device, output folders."""

    config: ExperimentConfig
    data: TaskData
    device: DeviceModel
    torch_device: torch.device
    checkpoints: Path
    progress: bool = True
    source: ResolvedDevice | None = None

    @classmethod
    def open(
        cls,
        config: ExperimentConfig,
        checkpoints: Path,
        progress: bool = True,
        source: ResolvedDevice | None = None,
    ) -> Session:
        """Load the task's data and resolve the device (or take ``source``, already resolved)."""
        data = task_data(config)
        if source is None:
            source = resolve_device_source(config.device, d2d=config.d2d, drift=config.drift)
        return cls(
            config=config,
            data=data,
            device=source.device,
            source=source,
            torch_device=resolve_torch_device(config.device_kind),
            checkpoints=checkpoints,
            progress=progress,
        )

    def train_digital(self) -> tuple[nn.Module, float, dict[str, Any]]:
        """Train (or resume) the digital network; returns it, its test accuracy and its history."""
        net = build_network(self.config.task, seed=self.config.seed)
        result = train(
            net,
            self.data,
            self.config.digital,
            checkpoint_dir=self.checkpoints / "digital",
            torch_device=self.torch_device,
            progress=self.progress,
            resume=True,
            label=f"digital {self.data.name}",
        )
        acc = float(
            evaluate_accuracies(net, self.data.test_x, self.data.test_y, torch_device=self.torch_device)[0]
        )
        return net, acc, {"epochs": [r.to_dict() for r in result.history]}

    def hardware_aware(
        self, net: nn.Module, device: DeviceModel, periphery: Periphery, mode: str, tag: str
    ) -> AnalogModel:
        """HWAT fine-tuning of a copy of ``net`` on ``device`` in ``mode`` (resumable, in
        ``checkpoints/hwat-<tag>``), then batch-norm statistics re-estimated at the device's own spreads
        (:mod:`memtwin.training.batchnorm`)."""
        analog = convert(
            copy.deepcopy(net), device, periphery, mode=mode, hwat_noise_scale=self.config.hwat_noise_scale
        )
        train(
            analog,
            self.data,
            self.config.hwat,
            checkpoint_dir=self.checkpoints / f"hwat-{tag}",
            torch_device=self.torch_device,
            progress=self.progress,
            resume=True,
            # An unprogrammed analog model has no eval-mode accuracy; the protocol measures it after.
            evaluate=False,
            label=f"HWAT {tag}",
        )
        # Checkpoints hold the trained state; the statistics are re-estimated from it on every call.
        reestimate_batchnorm(analog, self.data, seed=self.config.hwat.seed)
        return analog

    def analog_accuracies(
        self, analog: AnalogModel, seed: int, times_s: tuple[float, ...], compensate: bool
    ) -> dict[float, tuple[float, ...]]:
        """Program ``repetitions`` chips at once, calibrate the converters on the first training
        batches, then read the test set at each time after programming."""
        analog.to(self.torch_device)
        analog.eval()
        analog.program(seed=seed, repetitions=self.config.repetitions)
        calibrate(analog, self.data, analog.periphery.calibration_batches)
        out: dict[float, tuple[float, ...]] = {}
        for t in times_s:
            analog.drift_to(t, compensate=compensate)
            accs = evaluate_accuracies(
                analog, self.data.test_x, self.data.test_y, torch_device=self.torch_device
            )
            out[t] = tuple(float(a) for a in accs)
        return out


#: Data of the last task loaded in this process: a pool worker runs many jobs of one analysis, and
#: reloading MNIST for each would cost about a second per job.
_DATA_CACHE: dict[tuple[Any, ...], TaskData] = {}


def task_data(config: ExperimentConfig) -> TaskData:
    """The task's data as ``config`` selects it (the last one loaded in this process is kept)."""
    key = (config.task, config.data_dir, config.subset, config.test_subset, config.seed)
    if key not in _DATA_CACHE:
        data = load_task(
            config.task,
            data_dir=config.data_dir,
            subset=config.subset,
            test_subset=config.test_subset,
            seed=config.seed,
        )
        _DATA_CACHE.clear()
        _DATA_CACHE[key] = data
    return _DATA_CACHE[key]


def program_seed(base_seed: int, mode: str) -> int:
    """The same chips (seed) for both variants of a mode, so their difference is paired."""
    return base_seed * 10 + MODE_KEYS[mode]


def evaluate_protocol(
    session: Session,
    net: nn.Module,
    *,
    device: DeviceModel | None = None,
    periphery: Periphery | None = None,
    times_s: tuple[float, ...] | None = None,
    tag: str = "",
    parameter: str | None = None,
    value: float | str | None = None,
    hwat_on_nominal: bool = False,
) -> list[AnalogRow]:
    """Modes × variants × times for one device/periphery; rows carry ``parameter``/``value`` in sweeps.

    ``hwat_on_nominal``: hardware-aware train on the session's own device and the config's periphery
    (checkpoints shared with a plain evaluation) and program the result onto ``device``/``periphery``."""
    cfg = session.config
    device = device or session.device
    periphery = periphery or cfg.periphery
    times = times_s or cfg.times_s
    rows: list[AnalogRow] = []
    for mode in cfg.modes:
        seed = program_seed(cfg.seed, mode)
        for variant in cfg.variants:
            if variant == "in_situ":
                accs = in_situ_accuracies(session, net, device, periphery, mode, seed, times, tag)
            elif variant == "baseline":
                analog = convert(
                    copy.deepcopy(net), device, replace(periphery, drift_compensation=False), mode=mode
                )
                accs = session.analog_accuracies(analog, seed, times, compensate=False)
            else:
                hw_periphery = replace(periphery, drift_compensation=True)
                if hwat_on_nominal:
                    nominal = replace(cfg.periphery, drift_compensation=True)
                    trained = session.hardware_aware(net, session.device, nominal, mode, mode)
                    analog = convert(trained.to_digital(), device, hw_periphery, mode=mode)
                else:
                    analog = session.hardware_aware(net, device, hw_periphery, mode, f"{mode}{tag}")
                accs = session.analog_accuracies(analog, seed, times, compensate=True)
            for t, a in accs.items():
                rows.append(AnalogRow(mode, variant, t, a, parameter, value))
    return rows


# ----------------------------------------------------------------------------------------- the job
@dataclass(frozen=True)
class EvalJob:
    """One evaluation: ``modes`` × ``variants`` × ``times_s`` of the digital network on one device and
    periphery, with ``seed`` selecting the programming streams (see :func:`program_seed`).

    ``config_toml`` is the analysis' experiment config (task, data, training recipes, repetitions);
    ``modes``/``variants``/``seed`` override its own. ``parameter``/``value`` label the rows (e.g. the
    swept or searched knob). ``work_dir`` holds the job's cached result; its HWAT checkpoints go to
    ``hwat_dir`` (default: ``work_dir``; an evaluation shares the run's ``checkpoints/``).
    ``hwat_device_toml``: the device HWAT trains on, when not the job's own (a sweep that HWATs once on
    the nominal device, with the config's periphery, and programs the result onto each swept device).
    ``progress``: show the job's training progress (where it runs in the caller's process).
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
    value: float | str | None = None
    labels: Mapping[str, Any] = field(default_factory=dict)
    hwat_device_toml: str | None = None
    hwat_dir: str = ""
    progress: bool = False

    def key(self) -> str:
        """A short hash of everything that determines the job's numbers (paths excluded, so a moved run
        folder still finds its cached results)."""
        content: dict[str, Any] = {
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
        if self.hwat_device_toml is not None:
            content["hwat_device"] = self.hwat_device_toml
        text = json.dumps(content, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def _cached(job: EvalJob, key: str) -> dict[str, Any] | None:
    path = Path(job.work_dir) / RESULT_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def _job_session(job: EvalJob) -> tuple[Session, DeviceModel, nn.Module]:
    """The session a job evaluates in (its own config, seed, data and checkpoint folder), its device, and
    the analysis' digital network."""
    base = ExperimentConfig.from_dict(tomllib.loads(job.config_toml))
    # The programming seed is the job's; the digital weights and data stay those of the analysis.
    config = replace(base, modes=tuple(job.modes), variants=tuple(job.variants), seed=job.seed)
    device = DeviceModel.from_toml_str(job.device_toml, source=f"job {job.name}")
    hwat_device = device
    if job.hwat_device_toml is not None:
        hwat_device = DeviceModel.from_toml_str(job.hwat_device_toml, source=f"job {job.name} (HWAT)")
    session = Session(
        config=config,
        data=task_data(base),
        device=hwat_device,
        torch_device=resolve_torch_device(config.device_kind),
        checkpoints=Path(job.hwat_dir or job.work_dir),
        progress=job.progress,
    )
    net = build_network(base.task, seed=base.seed)
    load_model_weights(net, Path(job.digital_checkpoint))
    return session, device, net


def run_eval_job(job: EvalJob) -> dict[str, Any]:
    """Run one :class:`EvalJob` (top level, so executors can send it to other processes).

    Returns ``{"name", "key", "rows", "seconds", "labels"}`` with ``rows`` as in
    ``results.json['analog']``. A result cached in the job's folder under the same key is returned
    without recomputation.
    """
    key = job.key()
    cached = _cached(job, key)
    if cached is not None:
        return cached
    started = time.perf_counter()
    session, device, net = _job_session(job)
    rows = evaluate_protocol(
        session,
        net,
        device=device,
        periphery=Periphery.from_dict(dict(job.periphery)),
        times_s=tuple(job.times_s),
        tag=job.tag,
        parameter=job.parameter,
        value=job.value,
        hwat_on_nominal=job.hwat_device_toml is not None,
    )
    result = {
        "name": job.name,
        "key": key,
        "labels": dict(job.labels),
        "rows": [r.to_dict() for r in rows],
        "seconds": time.perf_counter() - started,
    }
    write_json_atomic(Path(job.work_dir) / RESULT_FILE, result)
    return result
