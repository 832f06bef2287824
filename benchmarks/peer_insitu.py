"""Peer cross-check of in-situ training: memtwin against AIHWKIT's pulsed analog SGD (issue 15).

    python benchmarks/peer_insitu.py --data-dir DIR [--devices a,b] [--seeds 3] [--subset N] [--lr 0.1]
                                     [--out FILE]

Runs only where ``aihwkit`` imports (see ``peer_aihwkit.py``). The paper's MNIST MLP (784-500-10) from
the same random initial weights (``build_network("mnist", seed=s)``) is trained for one epoch on the
same batches (batch 64, memtwin's batch order), at the same learning rate, on each side:

* memtwin: ``train_in_situ`` with ``InSituConfig`` defaults (stochastic pulse trains, update management,
  BL ≤ 31, pairs spanning ±1), potentiation mode, chip seed s;
* AIHWKIT: ``SingleRPUConfig`` with the pulsed device ``memtwin export aihwkit --kind pulsed`` writes for
  the device (``ConstantStepDevice`` or ``PiecewiseStepDevice``), perfect forward and backward (memtwin
  trains on ideal reads too), no weight scaling (w in ±1 as memtwin's range), digital bias, stochastic
  compressed pulses with ``desired_bl`` 31 and update and BL management; ``AnalogSGD``; device draws
  seeded by ``construction_seed = s + 1``.

Test accuracy (full test set, ideal read) after the epoch, mean ± std over the seeds; the two agree when
|difference| ≤ 2·√(sd_m²/n + sd_a²/n). Known modelling differences: memtwin keeps two devices per weight,
each with its own step factor and bounds, sums a batch's pulses per device and applies raising then
lowering pulses; AIHWKIT has one device per weight (the export's piecewise nodes follow the pair) and
applies each example's pulses in turn. Both sides run on the same number of torch threads; the table
gives the seconds of one epoch each and their ratio.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from memtwin.atomic import write_text_atomic  # noqa: E402
from memtwin.crossbar import Periphery  # noqa: E402
from memtwin.crossbar.seeding import stream_seed  # noqa: E402
from memtwin.devices import preset  # noqa: E402
from memtwin.export import aihwkit_module  # noqa: E402
from memtwin.insitu.config import InSituConfig  # noqa: E402
from memtwin.insitu.train import train_in_situ  # noqa: E402
from memtwin.tasks import load_task  # noqa: E402
from memtwin.tasks.networks import build_network  # noqa: E402
from peer_aihwkit import accuracy, mean_std, require_aihwkit  # noqa: E402

DEVICES = ("capacitor-aihwkit", "reram-array-om-aihwkit")


def memtwin_run(data, device_name: str, config: InSituConfig, seed: int) -> tuple[float, float]:
    """(test accuracy %, seconds) of one memtwin chip trained one epoch."""
    started = time.perf_counter()
    result = train_in_situ(build_network("mnist", seed=seed), data, preset(device_name), "potentiation",
                           config, seed=seed)  # fmt: skip
    return 100.0 * result.test_accuracy, time.perf_counter() - started


def aihwkit_rpu_config(device_name: str, seed: int):
    """The exported pulsed tile, set up for training as memtwin trains."""
    from aihwkit.simulator.parameters.enums import PulseType

    namespace: dict = {}
    exec(aihwkit_module(preset(device_name), Periphery.ideal(), kind="pulsed"), namespace)  # noqa: S102
    config = namespace["rpu_config"]()
    config.forward.is_perfect = True
    config.backward.is_perfect = True
    config.mapping.weight_scaling_omega = 0.0
    config.mapping.weight_scaling_columnwise = False
    config.mapping.digital_bias = True
    config.mapping.max_input_size = 0
    config.mapping.max_output_size = 0
    config.update.pulse_type = PulseType.STOCHASTIC_COMPRESSED
    config.update.desired_bl = 31
    config.update.update_management = True
    config.update.update_bl_management = True
    config.device.construction_seed = seed + 1  # 0 would mean "unseeded"
    return config, namespace["DEVICE_CLASS"]


def aihwkit_run(data, device_name: str, config: InSituConfig, seed: int) -> tuple[float, float, str]:
    """(test accuracy %, seconds, device class) of one AIHWKIT tile trained one epoch."""
    from aihwkit.nn.conversion import convert_to_analog
    from aihwkit.optim import AnalogSGD

    rpu_config, device_class = aihwkit_rpu_config(device_name, seed)
    torch.manual_seed(seed)
    net = build_network("mnist", seed=seed)
    model = convert_to_analog(copy.deepcopy(net), rpu_config)
    optimizer = AnalogSGD(model.parameters(), lr=config.lr)
    optimizer.regroup_param_groups(model)
    n = data.n_train
    order = torch.randperm(n, generator=torch.Generator().manual_seed(stream_seed(config.seed, 0)))
    started = time.perf_counter()
    model.train()
    for b in range(0, n, config.batch_size):
        idx = order[b : b + config.batch_size]
        optimizer.zero_grad()
        F.cross_entropy(model(data.train_x[idx]), data.train_y[idx]).backward()
        optimizer.step()
    seconds = time.perf_counter() - started
    model.eval()
    with torch.no_grad():
        acc = accuracy(model(data.test_x), data.test_y)
    return acc, seconds, device_class


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--devices", default=",".join(DEVICES))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--subset", type=int, default=None, help="training examples (default: all 60 000)")
    parser.add_argument("--lr", type=float, default=InSituConfig().lr)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown table here")
    args = parser.parse_args()
    version = require_aihwkit()
    torch.set_num_threads(args.threads)
    data = load_task("mnist", data_dir=args.data_dir, subset=args.subset, seed=0)
    lines = [
        f"AIHWKIT {version}, torch {torch.__version__}, {args.threads} thread(s); MNIST {data.n_train} "
        f"training examples, 1 epoch, batch 64, lr {args.lr}, {args.seeds} seeds",
        "",
        "| device | AIHWKIT class | memtwin (%) | AIHWKIT (%) | difference | 2σ | agree | s/epoch memtwin | "
        "s/epoch AIHWKIT | AIHWKIT / memtwin |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in args.devices.split(","):
        ours, peer, t_ours, t_peer, cls = [], [], [], [], ""
        for seed in range(args.seeds):
            config = InSituConfig(lr=args.lr, seed=seed)
            acc, sec = memtwin_run(data, name, config, seed)
            ours.append(acc), t_ours.append(sec)
            acc, sec, cls = aihwkit_run(data, name, config, seed)
            peer.append(acc), t_peer.append(sec)
            print(f"{name} seed {seed}: memtwin {ours[-1]:.2f} % ({t_ours[-1]:.1f} s), "
                  f"AIHWKIT {peer[-1]:.2f} % ({t_peer[-1]:.1f} s)", flush=True)  # fmt: skip
        (m, sm), (a, sa) = mean_std(ours), mean_std(peer)
        two_sigma = 2 * ((sm**2 + sa**2) / args.seeds) ** 0.5
        mt, at = sum(t_ours) / len(t_ours), sum(t_peer) / len(t_peer)
        lines.append(
            f"| {name} | {cls} | {m:.2f} ± {sm:.2f} | {a:.2f} ± {sa:.2f} | {m - a:+.2f} | {two_sigma:.2f} | "
            f"{'yes' if abs(m - a) <= two_sigma else 'no'} | {mt:.1f} | {at:.1f} | {at / mt:.1f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out is not None:
        write_text_atomic(args.out, text)


if __name__ == "__main__":
    main()
