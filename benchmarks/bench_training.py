"""Hardware-aware training (HWAT) vs. digital training: time of one SGD step on the same batch.

For the paper's MNIST MLP 784-500-10 and CIFAR-10 residual network (``memtwin.tasks.networks``), with
the HfS₂ preset and the paper's periphery (8-bit DAC/ADC calibrated on the first 3 batches, IR drop,
512×512 tiles), one training step is ``zero_grad`` → forward → cross-entropy → backward → gradient
clipping → ``optimizer.step()`` with the task's HWAT recipe (``default_hwat_config``: SGD, its batch
size, learning rate and clipping), once on the digital network and once on its analog copy in
``train()`` mode (``convert(..., hwat_noise_scale=1.5)``: every step programs the weights afresh with
fresh device draws, IR drop, converters, straight-through gradients).

Inputs are **synthetic** (uniform pixels for MNIST, Gaussian for CIFAR-10, random labels) with the right
shapes: no dataset is needed, and the time of a step does not depend on the pixel values. Weights are the
networks' seeded initial weights.

Digital and HWAT steps alternate, so both see the same machine load; after warm-up steps (which also
calibrate the training DAC range) each is timed ``--steps`` times and the best (least disturbed) and
median step are reported, and their ratio. The MNIST epoch estimate is the median step × the steps of one
epoch of 60 000 images (data loading left out). Run:
``python benchmarks/bench_training.py [--quick] [--threads N] [--torch-device cpu|cuda] [--data-dir MNIST]``;
with ``--data-dir`` it also times one in-situ training epoch against a digital one on MNIST itself
(``bench_insitu.py``).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

import torch
import torch.nn.functional as F
from torch import nn

from memtwin.crossbar import Periphery, convert
from memtwin.devices import preset
from memtwin.devices.model import DeviceModel
from memtwin.tasks.networks import build_network
from memtwin.training.config import TrainConfig, default_hwat_config
from memtwin.training.loop import make_optimizer

#: Training images per epoch of the real tasks (for the epoch estimate).
TRAIN_IMAGES = {"mnist": 60_000, "cifar10": 50_000}
#: Input shape of one image.
SHAPES = {"mnist": (1, 28, 28), "cifar10": (3, 32, 32)}
HWAT_NOISE_SCALE = 1.5  # ExperimentConfig's default


def _sync(torch_device: torch.device) -> None:
    if torch_device.type == "cuda":
        torch.cuda.synchronize(torch_device)


def make_step(model: nn.Module, config: TrainConfig, x: torch.Tensor, y: torch.Tensor) -> Callable[[], float]:
    """One training step of ``model`` on the fixed batch (x, y), as memtwin.training.loop does it."""
    model.train()
    optimizer = make_optimizer(model, config)

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        out = model(x)
        loss = F.cross_entropy(out, y, label_smoothing=config.label_smoothing)
        loss.backward()
        if config.max_grad_norm > 0:
            nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        return float(loss.detach())

    return step


def paired_step_times(
    steps: dict[str, Callable[[], float]], warmup: int, runs: int, torch_device: torch.device
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Alternate the steps ``runs`` times after ``warmup`` untimed rounds; wall seconds and CPU seconds
    of this process (all its threads) of each step."""
    for _ in range(warmup):
        for fn in steps.values():
            fn()
    wall: dict[str, list[float]] = {key: [] for key in steps}
    cpu: dict[str, list[float]] = {key: [] for key in steps}
    for _ in range(runs):
        for key, fn in steps.items():
            _sync(torch_device)
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            _sync(torch_device)
            wall[key].append(time.perf_counter() - start)
            cpu[key].append(time.process_time() - start_cpu)
    return wall, cpu


def bench_task(
    task: str,
    device: DeviceModel,
    writes: list[str],
    runs: int,
    warmup: int,
    torch_device: torch.device,
) -> dict[str, float]:
    """Digital and HWAT steps of ``task``'s network, one HWAT model per write model; the ratios."""
    config = default_hwat_config(task)
    batch = config.batch_size
    gen = torch.Generator().manual_seed(0)
    noise = torch.rand if task == "mnist" else torch.randn
    x = noise((batch, *SHAPES[task]), generator=gen).to(torch_device)
    y = torch.randint(0, 10, (batch,), generator=gen).to(torch_device)
    net = build_network(task, seed=0).to(torch_device)
    n_params = sum(p.numel() for p in net.parameters())
    print(
        f"\n{task}: batch {batch}, {n_params} parameters, {config.optimizer} lr {config.lr}, clip "
        f"{config.max_grad_norm}; {warmup} warm-up + {runs} timed steps each, alternating"
    )
    steps: dict[str, Callable[[], float]] = {"digital": make_step(net, config, x, y)}
    for write in writes:
        periphery = replace(Periphery.paper(), write=write)
        analog = convert(net, device, periphery, mode="potentiation", hwat_noise_scale=HWAT_NOISE_SCALE)
        steps[write] = make_step(analog.to(torch_device), config, x, y)
    wall, cpu = paired_step_times(steps, warmup, runs, torch_device)
    d = _summary(wall["digital"], cpu["digital"])
    print(f"  {'digital':<18} {_line(d)}")
    ratios = {}
    for write in writes:
        a = _summary(wall[write], cpu[write])
        ratios[write] = a["median"] / d["median"]
        print(
            f"  {'HWAT ' + write:<18} {_line(a)} -> {a['best'] / d['best']:5.2f}x best, "
            f"{ratios[write]:5.2f}x median, {a['cpu'] / d['cpu']:5.2f}x CPU time"
        )
    label = "MNIST" if task == "mnist" else "CIFAR-10"
    for write in writes:
        print(f"{label} HWAT step / digital step = {ratios[write]:.2f}  (write={write}, medians)")
    if task == "mnist":
        per_epoch = math.ceil(TRAIN_IMAGES[task] / batch)
        hwat = statistics.median(wall[writes[0]])
        print(
            f"MNIST epoch estimate ({per_epoch} steps of {batch}, data loading left out): digital "
            f"{per_epoch * d['median']:.1f} s, HWAT ({writes[0]}) {per_epoch * hwat:.1f} s"
        )
    return ratios


def _summary(wall: list[float], cpu: list[float]) -> dict[str, float]:
    return {"best": min(wall), "median": statistics.median(wall), "cpu": statistics.median(cpu)}


def _line(t: dict[str, float]) -> str:
    return f"best {1e3 * t['best']:8.1f} ms, median {1e3 * t['median']:8.1f} ms, CPU {1e3 * t['cpu']:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, open-loop write only")
    parser.add_argument("--steps", type=int, default=None, help="timed MNIST steps (default 30, quick 8)")
    parser.add_argument(
        "--cifar-steps", type=int, default=None, help="timed CIFAR-10 steps (default 5, quick 2)"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--torch-device", default="cpu", help="cpu, cuda, cuda:1, …")
    parser.add_argument("--only", choices=("mnist", "cifar10", "in-situ"), default=None)
    parser.add_argument(
        "--data-dir", default=None, help="MNIST folder: also time in-situ training epochs (bench_insitu.py)"
    )
    parser.add_argument(
        "--writes",
        default=None,
        help="comma-separated write models (default: open-loop,verify,exact; quick: open-loop)",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch_device = torch.device(args.torch_device)
    writes = (args.writes or ("open-loop" if args.quick else "open-loop,verify,exact")).split(",")
    steps = args.steps or (8 if args.quick else 30)
    cifar_steps = args.cifar_steps or (2 if args.quick else 5)
    device = preset("hfs2-xhameni2025")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {torch_device}, device model "
        f"{device.name!r}, hwat_noise_scale {HWAT_NOISE_SCALE}; synthetic inputs"
    )
    print(f"periphery: {Periphery.paper()}")
    torch.manual_seed(0)
    if args.only in (None, "mnist"):
        bench_task("mnist", device, writes, steps, 3, torch_device)
    if args.only in (None, "cifar10"):
        bench_task("cifar10", device, writes, cifar_steps, 1, torch_device)
    if args.data_dir and args.only in (None, "in-situ"):
        from bench_insitu import bench_in_situ  # the benchmarks folder is the script's own

        bench_in_situ(args.data_dir)


if __name__ == "__main__":
    main()
