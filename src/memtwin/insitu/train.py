"""Training a network on one simulated chip: every analog weight update is programming pulses.

Each Linear/Conv2d layer (the layers :func:`memtwin.crossbar.convert` makes analog, in the same order) is a
set of :class:`~memtwin.insitu.pairs.PulsedPairs` drawn once for the chip. A training step reads the
weights the pairs hold (an ideal read, as AIHWKIT's ``is_perfect`` forward and backward: the periphery's
effects are those of the trained chip's evaluation), back-propagates the loss, and turns each layer's
update into pulses (:mod:`memtwin.insitu.pulses`) applied to its devices. Digital parameters (biases,
batch norm) take plain SGD steps at the same learning rate. Pulses that raise and that lower weights are
applied one after the other, alternating which goes first from batch to batch.

Chip c of seed s draws from its own streams (s, layer, c): a chip is the same whichever other chips are
trained, and in whatever order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from memtwin.crossbar.mapping import weight_scale
from memtwin.crossbar.seeding import INSITU, make_generator, stream_seed
from memtwin.devices.model import DeviceModel
from memtwin.errors import ConfigError
from memtwin.insitu.config import FOLLOW_WEIGHTS, InSituConfig
from memtwin.insitu.pairs import PulsedPairs
from memtwin.insitu.pulses import deterministic_counts, stochastic_counts
from memtwin.insitu.response import PairResponse
from memtwin.tasks.datasets import TaskData
from memtwin.training.metrics import evaluate_accuracies
from memtwin.training.progress import progress_bar


@dataclass
class InSituResult:
    """A chip after in-situ training: its network (digital parameters as trained, analog weights as the
    pairs hold them), the pairs of each analog layer, and one record per epoch (epoch 0: the test
    accuracy of the chip as first written)."""

    net: nn.Module
    pairs: list[PulsedPairs]
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def test_accuracy(self) -> float:
        return self.history[-1]["test_accuracy"] if self.history else float("nan")


def analog_modules(net: nn.Module) -> list[nn.Linear | nn.Conv2d]:
    """The layers trained on the chip, in the order the crossbar numbers them."""
    return [m for m in net.modules() if isinstance(m, nn.Linear | nn.Conv2d)]


class _Capture:
    """Holds a layer's input rows and output errors of the last step (examples or patches × lines)."""

    def __init__(self, module: nn.Linear | nn.Conv2d) -> None:
        if isinstance(module, nn.Conv2d) and (module.groups != 1 or isinstance(module.padding, str)):
            raise ConfigError("in-situ training supports convolutions with groups = 1 and numeric padding")
        self.module = module
        self.x: Tensor | None = None
        self.d: Tensor | None = None
        self.handles = [
            module.register_forward_pre_hook(self._needs_error),
            module.register_forward_hook(self._forward),
        ]

    @staticmethod
    def _needs_error(module: nn.Module, inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...] | None:
        """A layer whose output would carry no gradient (a bias-free first layer: its weights are updated
        by pulses, its input is data) gets an input that asks for one, so its error can be read."""
        if not torch.is_grad_enabled() or inputs[0].requires_grad:
            return None
        return (inputs[0].detach().requires_grad_(), *inputs[1:])

    def _forward(self, module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        if not torch.is_grad_enabled():
            return
        x = inputs[0].detach()
        m = self.module
        if isinstance(m, nn.Conv2d):
            assert not isinstance(m.padding, str)  # refused on construction
            cols = F.unfold(x, m.kernel_size, m.dilation, m.padding, m.stride)  # (B, rows, L)
            x = cols.transpose(1, 2).reshape(-1, cols.shape[1])
        self.x = x.reshape(-1, x.shape[-1])
        output.register_hook(self._backward)

    def _backward(self, grad: Tensor) -> None:
        d = grad.detach()
        if d.dim() == 4:  # (B, out, H, W) -> (B·H·W, out), in unfold's patch order
            d = d.permute(0, 2, 3, 1).reshape(-1, d.shape[1])
        self.d = d.reshape(-1, d.shape[-1])


def _matrix(module: nn.Linear | nn.Conv2d) -> Tensor:
    return module.weight.detach().reshape(module.weight.shape[0], -1)


def build_chip(
    net: nn.Module,
    device: DeviceModel,
    mode: str,
    config: InSituConfig,
    seed: int,
    chip: int,
    dtype: torch.dtype,
) -> list[PulsedPairs]:
    """The pairs of every analog layer of chip ``chip``, written open loop with the network's weights."""
    torch_device = next(net.parameters()).device
    response = PairResponse.of(device, mode, dtype, torch_device)
    reset_sigma = device.mode(mode).sigma_S[0]
    chip_pairs = []
    for index, module in enumerate(analog_modules(net)):
        w = _matrix(module).to(dtype)
        if config.weight_range == FOLLOW_WEIGHTS:
            scale = weight_scale(w, "column")
        else:
            scale = torch.full((w.shape[0],), float(config.weight_range), dtype=dtype, device=torch_device)
        generator = make_generator(torch_device, INSITU, seed, index, chip)
        pairs = PulsedPairs(response, scale, device.variability, generator, rows=w.shape[1])
        pairs.write(w, reset_sigma)
        chip_pairs.append(pairs)
    return chip_pairs


def _read_into(modules: list[nn.Linear | nn.Conv2d], chip_pairs: list[PulsedPairs]) -> None:
    with torch.no_grad():
        for module, pairs in zip(modules, chip_pairs, strict=True):
            module.weight.copy_(pairs.weights().reshape(module.weight.shape))


def _pulse_update(pairs: PulsedPairs, capture: _Capture, config: InSituConfig, first: bool) -> None:
    assert capture.x is not None and capture.d is not None
    x, d = capture.x.to(pairs.g.dtype), capture.d.to(pairs.g.dtype)
    d_pulses = d / pairs.step_weight().reshape(1, -1)
    if config.pulsing == "stochastic":
        inc, dec = stochastic_counts(
            x, d_pulses, config.lr, config.desired_bl, config.update_management, pairs.generator
        )
    else:
        inc, dec = deterministic_counts(-config.lr * (d_pulses.T @ x), config.desired_bl)
    pairs.update(inc, dec, inc_first=first)


def train_in_situ(
    net: nn.Module,
    data: TaskData,
    device: DeviceModel,
    mode: str,
    config: InSituConfig,
    *,
    seed: int,
    chip: int = 0,
    torch_device: torch.device | str = "cpu",
    progress: bool = False,
    label: str = "in-situ",
) -> InSituResult:
    """Train ``net`` (modified in place) on chip ``chip`` of ``seed`` in programming ``mode``."""
    net.to(torch_device)
    modules = analog_modules(net)
    if not modules:
        raise ConfigError("in-situ training needs a network with Linear or Conv2d layers")
    chip_pairs = build_chip(net, device, mode, config, seed, chip, torch.float32)
    for module in modules:
        module.weight.requires_grad_(False)  # updated by pulses, not by the optimizer
    digital = [p for p in net.parameters() if p.requires_grad]
    captures = [_Capture(m) for m in modules]
    result = InSituResult(net, chip_pairs)
    n = data.n_train
    batches = (n + config.batch_size - 1) // config.batch_size
    bar = progress_bar() if progress else None
    try:
        if bar is not None:
            bar.start()
            task = bar.add_task(label, total=config.epochs * batches)
        _read_into(modules, chip_pairs)
        result.history.append({"epoch": 0, "test_accuracy": _test_accuracy(net, data, torch_device)})
        step = 0
        for epoch in range(config.epochs):
            started = time.perf_counter()
            order = torch.randperm(
                n, generator=torch.Generator().manual_seed(stream_seed(config.seed, epoch))
            )
            net.train()
            loss_sum, hits = 0.0, 0
            for b in range(batches):
                idx = order[b * config.batch_size : (b + 1) * config.batch_size]
                xb, yb = data.train_x[idx].to(torch_device), data.train_y[idx].to(torch_device)
                _read_into(modules, chip_pairs)
                out = net(xb)
                loss = F.cross_entropy(out, yb)
                for p in digital:
                    p.grad = None
                loss.backward()
                for pairs, capture in zip(chip_pairs, captures, strict=True):
                    _pulse_update(pairs, capture, config, first=step % 2 == 0)
                with torch.no_grad():
                    for p in digital:
                        if p.grad is not None:
                            p.add_(p.grad, alpha=-config.lr)
                loss_sum += float(loss.detach()) * len(idx)
                hits += int((out.argmax(1) == yb).sum())
                step += 1
                if bar is not None:
                    bar.advance(task)
            _read_into(modules, chip_pairs)
            test = float(
                evaluate_accuracies(net, data.test_x, data.test_y, torch_device=torch.device(torch_device))[0]
            )
            result.history.append(
                {
                    "epoch": epoch + 1,
                    "train_loss": loss_sum / n,
                    "train_accuracy": hits / n,
                    "test_accuracy": test,
                    "seconds": time.perf_counter() - started,
                }
            )
    finally:
        for capture in captures:
            for handle in capture.handles:
                handle.remove()
        for module in modules:
            module.weight.requires_grad_(True)
        if bar is not None:
            bar.stop()
    return result


def _test_accuracy(net: nn.Module, data: TaskData, torch_device: torch.device | str) -> float:
    return float(
        evaluate_accuracies(net, data.test_x, data.test_y, torch_device=torch.device(torch_device))[0]
    )
