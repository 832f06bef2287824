"""The paper's networks, built only from layers an analog converter knows how to replace.

Every weight-bearing layer is an ``nn.Linear`` or ``nn.Conv2d``; everything else is ``nn.BatchNorm2d``,
``nn.ReLU``, ``nn.MaxPool2d``, ``nn.Flatten`` or a container. ``memtwin.crossbar.convert`` walks the module
tree and swaps the Linear/Conv2d layers for analog ones, so no functional calls (``F.conv2d``) and no
parameters outside those layers may appear here. The only custom module, :class:`ResidualBlock`, is a
container whose ``forward`` adds its two branches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from memtwin.errors import ConfigError

__all__ = [
    "NETWORKS",
    "ResidualBlock",
    "build_network",
    "cifar_resnet",
    "count_devices",
    "count_weights",
    "mlp",
    "network_summary",
]


def mlp(*sizes: int) -> nn.Sequential:
    """Fully connected network ``sizes[0] → … → sizes[-1]`` with ReLU between layers (none after the last).

    The input is flattened first, so images ``(B, 1, 28, 28)`` feed ``mlp(784, 500, 10)`` — the paper's
    MNIST network (Fig. 3a) — and ``(B, 1, 8, 8)`` digits feed ``mlp(64, …, 10)``.
    """
    if len(sizes) < 2 or any(s <= 0 for s in sizes):
        raise ConfigError(f"mlp needs at least an input and an output size, all positive; got {sizes}")
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    """One block of the paper's CIFAR-10 network (Fig. 4).

    ``upper``: conv3×3 → BatchNorm → ReLU → conv3×3 → ReLU; ``lower``: conv1×1 to the same channels (the
    residual path, needed because the channel count changes); their sum is max-pooled 2×2. The first conv
    has no bias because the batch norm right after it would cancel one.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.upper = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.lower = nn.Conv2d(in_channels, out_channels, kernel_size=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.upper(x) + self.lower(x))


def cifar_resnet(
    channels: Sequence[int] = (16, 32, 64),
    fc: Sequence[int] = (1024, 128, 64),
    num_classes: int = 10,
    in_channels: int = 3,
    image_size: int = 32,
) -> nn.Sequential:
    """The paper's CIFAR-10 network: residual blocks with ``channels``, then fully connected layers.

    ``fc`` lists the input width of each fully connected layer; the first must equal the flattened size
    ``channels[-1] · (image_size / 2**len(channels))²`` (64 · 4 · 4 = 1024 for the defaults). The defaults
    give 214 368 weights (≈ 428 700 devices), the paper's "≈ 210 000 weights / 420 000 devices".
    """
    side = image_size
    for _ in channels:
        side //= 2
    if not channels or side < 1:
        raise ConfigError(f"{len(channels)} poolings do not fit an image of {image_size} pixels")
    flat = channels[-1] * side * side
    if not fc or fc[0] != flat:
        raise ConfigError(
            f"fc[0] must be the flattened size {flat} (channels {tuple(channels)}), got {tuple(fc)}"
        )
    blocks: list[nn.Module] = []
    c_in = in_channels
    for c in channels:
        blocks.append(ResidualBlock(c_in, c))
        c_in = c
    head: list[nn.Module] = [nn.Flatten()]
    widths = [*fc, num_classes]
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        head.append(nn.Linear(n_in, n_out))
        if i < len(widths) - 2:
            head.append(nn.ReLU())
    return nn.Sequential(*blocks, *head)


def count_weights(model: nn.Module) -> int:
    """Number of synaptic weights: elements of every Linear/Conv2d ``weight`` (no biases, no BatchNorm).

    These are what a crossbar stores; biases and batch-norm parameters stay in digital periphery.
    Analog layers that subclass ``nn.Linear``/``nn.Conv2d`` are counted too; other analog layers may be
    counted by exposing a ``weight`` tensor and a truthy ``is_analog_layer`` attribute.
    """
    total = 0
    for m in model.modules():
        if isinstance(m, nn.Linear | nn.Conv2d) or getattr(m, "is_analog_layer", False):
            w = getattr(m, "weight", None)
            if isinstance(w, torch.Tensor):
                total += w.numel()
    return total


def count_devices(model: nn.Module, devices_per_weight: int = 2) -> int:
    """Memristors needed: ``devices_per_weight`` (2 for a differential G⁺/G⁻ pair) per weight."""
    return devices_per_weight * count_weights(model)


def network_summary(model: nn.Module) -> str:
    """One line a run prints: weights and (differential) devices."""
    w = count_weights(model)
    return f"{w:,} weights → {2 * w:,} devices (differential pairs)"


#: Task name → network factory.
NETWORKS: dict[str, Callable[[], nn.Module]] = {
    "mnist": lambda: mlp(784, 500, 10),
    "digits": lambda: mlp(64, 128, 10),
    "cifar10": lambda: cifar_resnet(),
}


def build_network(task_name: str, *, seed: int | None = None) -> nn.Module:
    """The paper's network for ``task_name`` (``mnist`` → MLP 784-500-10, ``cifar10`` → residual CNN,
    ``digits`` → MLP 64-128-10).

    With ``seed`` the initial weights come from a generator seeded with it (the global RNG is left as it
    was), so two builds with the same seed are identical.
    """
    key = task_name.lower().replace("-", "").replace("_", "")
    key = {"cifar": "cifar10"}.get(key, key)
    if key not in NETWORKS:
        raise ConfigError(f"no network for task {task_name!r}; known: {', '.join(sorted(NETWORKS))}")
    if seed is None:
        return NETWORKS[key]()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return NETWORKS[key]()
