"""The paper's evaluation protocol (Sections IV–V): train digitally, then for each programming mode
program the weights onto simulated crossbars — as trained (``baseline``: no HWAT, no drift
compensation) and after hardware-aware training with global drift compensation (``hwat_gdc``) — and
measure the test accuracy over Monte-Carlo repetitions at several times after programming.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from memtwin.crossbar import AnalogModel, convert
from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.devices import ResolvedDevice, resolve_device_source
from memtwin.tasks.datasets import TaskData, load_task
from memtwin.tasks.networks import build_network
from memtwin.training.batchnorm import reestimate_batchnorm
from memtwin.training.loop import resolve_device as resolve_torch_device
from memtwin.training.loop import train
from memtwin.training.metrics import evaluate_accuracies

#: Calibration batches for the converters are read from the training set with this batch size.
CALIBRATION_BATCH = 256
MODE_KEYS = {"potentiation": 1, "depression": 2}


@dataclass(frozen=True)
class AnalogRow:
    """One line of ``results.json['analog']``: accuracy over repetitions at one condition."""

    mode: str
    variant: str
    time_s: float
    accuracies: tuple[float, ...]
    parameter: str | None = None
    value: float | None = None

    @property
    def accuracy_mean(self) -> float:
        return sum(self.accuracies) / len(self.accuracies)

    @property
    def accuracy_std(self) -> float:
        n = len(self.accuracies)
        if n < 2:
            return 0.0
        m = self.accuracy_mean
        return math.sqrt(sum((a - m) ** 2 for a in self.accuracies) / (n - 1))

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
        data = load_task(
            config.task,
            data_dir=config.data_dir,
            subset=config.subset,
            test_subset=config.test_subset,
            seed=config.seed,
        )
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
            device=self.torch_device,
            progress=self.progress,
            resume=True,
        )
        acc = float(evaluate_accuracies(net, self.data.test_x, self.data.test_y, device=self.torch_device)[0])
        return net, acc, {"epochs": [r.to_dict() for r in result.history]}

    def hardware_aware(
        self, net: nn.Module, device: DeviceModel, periphery: Periphery, mode: str, tag: str
    ) -> AnalogModel:
        """HWAT fine-tuning of a copy of ``net`` on ``device`` in ``mode`` (resumable), then batch-norm
        statistics re-estimated at the device's own spreads (:mod:`memtwin.training.batchnorm`)."""
        analog = convert(
            copy.deepcopy(net), device, periphery, mode=mode, hwat_noise_scale=self.config.hwat_noise_scale
        )
        train(
            analog,
            self.data,
            self.config.hwat,
            checkpoint_dir=self.checkpoints / f"hwat-{tag}",
            device=self.torch_device,
            progress=self.progress,
            resume=True,
            # An unprogrammed analog model has no eval-mode accuracy; the protocol measures it after.
            evaluate=False,
        )
        # Checkpoints hold the trained state; the statistics are re-estimated from it on every call.
        reestimate_batchnorm(analog, self.data, seed=self.config.hwat.seed)
        return analog

    def analog_accuracies(
        self, analog: AnalogModel, seed: int, times_s: tuple[float, ...], compensate: bool
    ) -> dict[float, tuple[float, ...]]:
        """Program ``repetitions`` chips at once, calibrate the converters on the first training
        batches, then read the test set at each time after programming."""
        cfg = self.config
        analog.to(self.torch_device)
        analog.eval()
        analog.program(seed=seed, repetitions=cfg.repetitions)
        calibrate(analog, self.data, analog.periphery.calibration_batches)
        out: dict[float, tuple[float, ...]] = {}
        for t in times_s:
            analog.drift_to(t, compensate=compensate)
            accs = evaluate_accuracies(analog, self.data.test_x, self.data.test_y, device=self.torch_device)
            out[t] = tuple(float(a) for a in accs)
        return out


def calibrate(analog: AnalogModel, data: TaskData, batches: int) -> None:
    """Set the DAC/ADC ranges of a freshly programmed model on the first ``batches`` training batches
    (the paper's "adaptive scaling of input data for the first few batches")."""
    dev = next(analog.parameters()).device
    xs = [data.train_x[b * CALIBRATION_BATCH : (b + 1) * CALIBRATION_BATCH] for b in range(batches)]
    analog.calibrate([x.to(dev) for x in xs if len(x)])


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
    value: float | None = None,
    hwat_on_nominal: bool = False,
) -> list[AnalogRow]:
    """Modes × variants × times for one device/periphery; rows carry ``parameter``/``value`` in sweeps.

    ``hwat_on_nominal``: hardware-aware train on the session's own device and periphery (checkpoints
    shared with a plain evaluation) and program the result onto ``device``/``periphery``."""
    cfg = session.config
    device = device or session.device
    periphery = periphery or cfg.periphery
    times = times_s or cfg.times_s
    rows: list[AnalogRow] = []
    for mode in cfg.modes:
        seed = program_seed(cfg.seed, mode)
        for variant in cfg.variants:
            if variant == "baseline":
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
