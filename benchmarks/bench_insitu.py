"""In-situ (on-chip) training vs. digital training: one MNIST epoch of the same network, batches and lr.

In-situ training (:mod:`memtwin.insitu`) turns every update into programming pulses whose number depends
on the real inputs and errors, so this benchmark trains on **MNIST itself** (``--data-dir`` with the IDX
files): one epoch of the 784-500-10 MLP at batch 64 and lr 0.1 (``InSituConfig``'s defaults), stochastic
pulse trains, on each device given, against one epoch of plain digital SGD over the same batches
(forward, cross-entropy, backward, step). Digital epochs run before and after the in-situ ones and their
mean is the reference, so both see the same machine load. The in-situ time includes its end-of-epoch
test read (about 0.1 s). Used by ``bench_training.py --data-dir``; runs alone too:
``python benchmarks/bench_insitu.py --data-dir DIR [--devices a,b] [--threads N]``.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from memtwin.crossbar.seeding import stream_seed
from memtwin.devices import preset
from memtwin.insitu.config import InSituConfig
from memtwin.insitu.train import train_in_situ
from memtwin.tasks.datasets import TaskData, load_task
from memtwin.tasks.networks import build_network

DEVICES = ("hfs2-xhameni2025", "capacitor-aihwkit", "reram-array-om-aihwkit")


def digital_epoch(data: TaskData, config: InSituConfig) -> float:
    """Seconds of one epoch of plain SGD over the batches in-situ training uses."""
    net = build_network("mnist", seed=0)
    optimizer = torch.optim.SGD(net.parameters(), lr=config.lr)
    order = torch.randperm(data.n_train, generator=torch.Generator().manual_seed(stream_seed(config.seed, 0)))
    started = time.perf_counter()
    for b in range(0, data.n_train, config.batch_size):
        idx = order[b : b + config.batch_size]
        loss = F.cross_entropy(net(data.train_x[idx]), data.train_y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - started


def bench_in_situ(data_dir: str, devices: tuple[str, ...] = DEVICES) -> dict[str, float]:
    """Print and return the in-situ / digital epoch ratio of each device."""
    data = load_task("mnist", data_dir=data_dir)
    config = InSituConfig()
    print(f"\nMNIST in situ: 784-500-10, batch {config.batch_size}, lr {config.lr}, {config.pulsing} pulses")
    before = digital_epoch(data, config)
    in_situ = {}
    for name in devices:
        result = train_in_situ(
            build_network("mnist", seed=0), data, preset(name), "potentiation", config, seed=0
        )
        in_situ[name] = (result.history[-1]["seconds"], result.test_accuracy)
    digital = (before + digital_epoch(data, config)) / 2
    print(f"  digital SGD epoch {digital:.2f} s (before {before:.2f} s)")
    ratios = {}
    for name, (seconds, accuracy) in in_situ.items():
        ratios[name] = seconds / digital
        print(f"  {name:<24} {seconds:6.2f} s, test {100 * accuracy:5.2f} % -> {ratios[name]:.2f}x digital")
    for name, ratio in ratios.items():
        print(f"MNIST in-situ epoch / digital epoch = {ratio:.2f}  (device={name})")
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--devices", default=",".join(DEVICES), help="comma-separated device presets")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    bench_in_situ(args.data_dir, tuple(args.devices.split(",")))


if __name__ == "__main__":
    main()
