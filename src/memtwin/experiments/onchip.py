"""The ``in_situ`` variant of the protocol: networks trained on the chips they are evaluated on.

For each repetition an independent chip (its device-to-device draws made once) is trained in place
(:mod:`memtwin.insitu`), from the network's random initial weights or from the digitally trained network
(``[insitu] start``), then read through the full periphery as it ends up, right after training and at
each later time with drift and global drift compensation. Each chip is kept in
``checkpoints/insitu-<mode>[tag]/chip-<c>.pt`` once trained, so a killed run resumes with the next chip;
``history.json`` there holds every chip's training curve.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from memtwin.atomic import write_json_atomic
from memtwin.crossbar import convert
from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel
from memtwin.experiments.calibration import calibrate
from memtwin.insitu.response import response_curves
from memtwin.insitu.train import InSituResult, analog_modules, train_in_situ
from memtwin.tasks.networks import build_network
from memtwin.training.checkpoint import load_checkpoint, save_checkpoint
from memtwin.training.metrics import evaluate_accuracies

#: The file of an in-situ folder with every chip's training curve.
CURVES_FILE = "history.json"


def in_situ_folder(checkpoints: Path, mode: str, tag: str = "") -> Path:
    return checkpoints / f"insitu-{mode}{tag}"


def in_situ_accuracies(
    session: Any,
    net: nn.Module,
    device: DeviceModel,
    periphery: Periphery,
    mode: str,
    seed: int,
    times_s: tuple[float, ...],
    tag: str = "",
) -> dict[float, tuple[float, ...]]:
    """Accuracy of each in-situ trained chip at each time (``session``: an evaluation
    :class:`~memtwin.experiments.evaluate.Session`)."""
    cfg = session.config
    folder = in_situ_folder(session.checkpoints, mode, tag)
    start = net if cfg.insitu.start == "digital" else build_network(cfg.task, seed=cfg.seed)
    read = replace(periphery, drift_compensation=True)
    accuracies: dict[float, list[float]] = {t: [] for t in times_s}
    curves = []
    for chip in range(cfg.repetitions):
        state = _trained_chip(session, start, device, mode, seed, chip, folder / f"chip-{chip}.pt")
        curves.append(list(state["history"]))
        trained = copy.deepcopy(start)
        trained.load_state_dict(state["model"])
        analog = convert(trained, device, read, mode=mode).to(session.torch_device)
        analog.eval()
        analog.load_programmed(_chips(trained, state), seed, first_repetition=chip)
        calibrate(analog, session.data, read.calibration_batches)
        for t in times_s:
            analog.drift_to(t, compensate=True)
            acc = evaluate_accuracies(
                analog, session.data.test_x, session.data.test_y, torch_device=session.torch_device
            )
            accuracies[t].append(float(acc[0]))
    write_json_atomic(folder / CURVES_FILE, {"mode": mode, "recipe": cfg.insitu.to_dict(), "chips": curves})
    return {t: tuple(a) for t, a in accuracies.items()}


def _trained_chip(
    session: Any, start: nn.Module, device: DeviceModel, mode: str, seed: int, chip: int, path: Path
) -> dict[str, Any]:
    """Chip ``chip`` trained in place, or as a finished earlier run left it at ``path``: its network's
    state (``model``), conductances (``g``) and weight scales (``scale``) per analog layer, and its
    training curve (``history``)."""
    if path.is_file():
        return load_checkpoint(path)
    net = copy.deepcopy(start)
    result: InSituResult = train_in_situ(
        net, session.data, device, mode, session.config.insitu, seed=seed, chip=chip,
        torch_device=session.torch_device, progress=session.progress, label=f"in-situ {mode} chip {chip + 1}",
    )  # fmt: skip
    state = {
        "model": net.state_dict(),
        "g": [p.g.cpu() for p in result.pairs],
        "scale": [p.scale.cpu() for p in result.pairs],
        "history": result.history,
    }
    save_checkpoint(path, state)
    return state


def _chips(net: nn.Module, state: dict[str, Any]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Per analog layer: the chip's conductances (1, 2, outputs, rows) and weight scale."""
    if len(state["g"]) != len(analog_modules(net)):
        raise ValueError(f"a chip of {len(state['g'])} layers for a network of {len(analog_modules(net))}")
    return [(g.unsqueeze(0), scale) for g, scale in zip(state["g"], state["scale"], strict=True)]


def in_situ_summary(prepared: Any, config: Any) -> dict[str, Any]:
    """``results.json['in_situ']`` of an evaluation (``prepared``: its
    :class:`~memtwin.experiments.analysis.Prepared`): the recipe, every chip's training curve per mode,
    the digital curve beside them and the device's update response."""
    curves = {}
    for mode in config.modes:
        path = in_situ_folder(prepared.run.checkpoints, mode) / CURVES_FILE
        if path.is_file():
            curves[mode] = json.loads(path.read_text())
    return {
        "recipe": config.insitu.to_dict(),
        "curves": curves,
        "digital_curve": prepared.history.get("epochs", []),
        "response": response_curves(prepared.session.device),
    }
