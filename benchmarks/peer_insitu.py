"""Peer cross-check of in-situ training: memtwin against AIHWKIT's pulsed analog SGD.

    python benchmarks/peer_insitu.py --data-dir DIR [--devices a,b] [--seeds 3] [--subset N] [--lr 0.1]
                                     [--starts init,memtwin] [--out FILE]

Runs only where ``aihwkit`` imports (see ``peer_aihwkit.py``). The paper's MNIST MLP (784-500-10) from
the same random initial weights (``build_network("mnist", seed=s)``) is trained for one epoch on the
same batches (batch 64, memtwin's batch order), at the same learning rate, on each side:

* memtwin: ``train_in_situ`` on chip 0 of seed s, potentiation mode, stochastic pulse trains, BL ≤ 31,
  update management, pairs spanning ±1, start from the random weights;
* AIHWKIT: ``SingleRPUConfig`` with the pulsed device ``memtwin export aihwkit --kind pulsed`` writes
  (``ConstantStepDevice`` or ``PiecewiseStepDevice``, w in ±1), perfect forward and backward (memtwin
  trains on ideal reads too), no weight scaling, no tile splitting, digital bias, stochastic compressed
  pulses with ``desired_bl`` 31 and update and BL management, ``AnalogSGD``; the device draws are seeded
  with ``construction_seed = s + 1`` (AIHWKIT 1.2.0 seeds its CPU pulse RNG from the clock: not
  settable). ``--starts``: ``init`` writes the torch weights exactly (AIHWKIT's ``set_weights``);
  ``memtwin`` writes the weights memtwin's chip s holds after its open-loop write (same draws).

Both sides' biases are digital (plain SGD at the same lr). Test accuracy after the epoch on the full test
set (ideal read), mean ± std over the seeds; the two agree when |difference| ≤ 2·√(sd_m²/n + sd_a²/n).
Known modelling differences: memtwin keeps two devices per weight, each with its own step factor
(floored at a minimum) and far bound, sums a batch's pulses per device and applies the raising then the
lowering ones (alternating the order from batch to batch); AIHWKIT has one device per weight (one step
factor, |1 + δ|, one pair of bounds; the export's piecewise nodes follow the pair's mean response) and
applies each example's pulses in turn, with its own BL per example (memtwin: the batch's largest).
memtwin writes the initial weights open loop (round(w / step) pulses from a reset state with its
measured spread), AIHWKIT copies them exactly; and memtwin's weight 1 is the potentiation mode's top
level, the export's the span of both modes' levels (the same for a linear device with equal ranges).
Both sides run on the same number of torch threads; the table gives the seconds of one epoch each (end
of epoch test read included) and their ratio.
"""

from __future__ import annotations

import argparse
import copy
import math
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
from memtwin.insitu.train import analog_modules, build_chip, train_in_situ  # noqa: E402
from memtwin.tasks import load_task  # noqa: E402
from memtwin.tasks.networks import build_network  # noqa: E402
from peer_aihwkit import accuracy, mean_std, require_aihwkit  # noqa: E402

DEVICES = ("capacitor-aihwkit", "reram-array-om-aihwkit")
STARTS = {"init": "torch init, exact", "memtwin": "memtwin's written chip"}
MODE = "potentiation"


def insitu_config(lr: float, seed: int) -> InSituConfig:
    return InSituConfig(epochs=1, batch_size=64, lr=lr, seed=seed, pulsing="stochastic", desired_bl=31,
                        update_management=True, weight_range=1.0, start="random")  # fmt: skip


def memtwin_run(data, name: str, lr: float, seed: int) -> tuple[float, float, float]:
    """(test accuracy % after the epoch, seconds of the epoch, test accuracy % as first written)."""
    result = train_in_situ(build_network("mnist", seed=seed), data, preset(name), MODE,
                           insitu_config(lr, seed), seed=seed)  # fmt: skip
    first, last = result.history[0], result.history[-1]
    return 100.0 * last["test_accuracy"], last["seconds"], 100.0 * first["test_accuracy"]


def aihwkit_rpu_config(name: str, seed: int):
    """The exported pulsed tile, set up to train as memtwin trains; and its device class."""
    from aihwkit.simulator.parameters.enums import PulseType

    namespace: dict = {}
    exec(aihwkit_module(preset(name), Periphery.ideal(), kind="pulsed"), namespace)  # noqa: S102
    config = namespace["rpu_config"]()
    assert type(config.device).__name__ == namespace["DEVICE_CLASS"]
    config.forward.is_perfect = True
    config.backward.is_perfect = True
    config.mapping.weight_scaling_omega = 0.0  # weights in device units, as memtwin's w in ±1
    config.mapping.weight_scaling_columnwise = False
    config.mapping.digital_bias = True
    config.mapping.max_input_size = 0  # one tile per layer
    config.mapping.max_output_size = 0
    config.update.pulse_type = PulseType.STOCHASTIC_COMPRESSED
    config.update.desired_bl = 31
    config.update.update_management = True
    config.update.update_bl_management = True
    config.device.construction_seed = seed + 1  # 0 would mean "from the clock"
    return config, namespace["DEVICE_CLASS"]


def aihwkit_run(data, name: str, lr: float, seed: int, start: str) -> tuple[float, float, float, str]:
    """(test accuracy %, seconds, start accuracy %, device class) of one AIHWKIT tile trained one epoch."""
    from aihwkit.nn.conversion import convert_to_analog
    from aihwkit.optim import AnalogSGD

    rpu_config, device_class = aihwkit_rpu_config(name, seed)
    net = build_network("mnist", seed=seed)
    model = convert_to_analog(copy.deepcopy(net), rpu_config)
    if start == "memtwin":
        chip = build_chip(net, preset(name), MODE, insitu_config(lr, seed), seed, 0, torch.float32)
        for layer, pairs, digital in zip(model.analog_layers(), chip, analog_modules(net), strict=True):
            layer.set_weights(pairs.weights(), digital.bias.detach())  # clipped at the device bounds
    model.eval()
    with torch.no_grad():
        first = accuracy(model(data.test_x), data.test_y)
    optimizer = AnalogSGD(model.parameters(), lr=lr)
    optimizer.regroup_param_groups(model)
    n, batch = data.n_train, 64
    order = torch.randperm(n, generator=torch.Generator().manual_seed(stream_seed(seed, 0)))
    started = time.perf_counter()
    model.train()
    for b in range(0, n, batch):
        idx = order[b : b + batch]
        optimizer.zero_grad()
        F.cross_entropy(model(data.train_x[idx]), data.train_y[idx]).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        acc = accuracy(model(data.test_x), data.test_y)
    return acc, time.perf_counter() - started, first, device_class


def table_row(name: str, cls: str, start: str, seeds: list[int], ours: dict, peer: dict) -> str:
    (m, sm), (a, sa) = mean_std(ours["acc"]), mean_std(peer["acc"])
    two_sigma = 2.0 * math.sqrt((sm**2 + sa**2) / len(seeds))
    mt, at = (sum(r["sec"]) / len(r["sec"]) for r in (ours, peer))
    within = "yes" if abs(m - a) <= two_sigma + 1e-9 else "**no**"
    return (
        f"| {name} | {cls} | {STARTS[start]} | {seeds[0]}-{seeds[-1]} | {m:.2f} ± {sm:.2f} | {a:.2f} ± {sa:.2f} "
        f"| {m - a:+.2f} | {two_sigma:.2f} | {within} | {mt:.1f} | {at:.1f} | {at / mt:.2f} |"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--devices", default=",".join(DEVICES), help="comma-separated device presets")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 … N-1 (default 3)")
    parser.add_argument("--subset", type=int, default=None, help="training examples (default: all 60 000)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate of both sides (default 0.1)")
    parser.add_argument("--starts", default="init,memtwin", help="AIHWKIT's starting weights: init, memtwin")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of both sides (default 1)")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown table here")
    args = parser.parse_args(argv)
    version = require_aihwkit()
    torch.set_num_threads(args.threads)
    starts = args.starts.split(",")
    if unknown := set(starts) - set(STARTS):
        parser.error(f"unknown --starts {sorted(unknown)}; choose from {', '.join(STARTS)}")
    data = load_task("mnist", data_dir=args.data_dir, subset=args.subset, seed=0)
    seeds = list(range(args.seeds))
    lines = [
        f"AIHWKIT {version}, torch {torch.__version__}, {torch.get_num_threads()} thread(s); MNIST "
        f"{data.n_train} training examples, {len(data.test_y)} test, 1 epoch, batch 64, lr {args.lr}",
        "",
        "| device | AIHWKIT class | AIHWKIT start | seeds | memtwin (%) | AIHWKIT (%) | difference | 2σ "
        "| within 2σ | s/epoch memtwin | s/epoch AIHWKIT | AIHWKIT / memtwin |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows = []
    for name in args.devices.split(","):
        ours: dict = {"acc": [], "sec": []}
        peer: dict = {start: {"acc": [], "sec": []} for start in starts}
        cls = ""
        for seed in seeds:
            acc, sec, first = memtwin_run(data, name, args.lr, seed)
            ours["acc"].append(acc)
            ours["sec"].append(sec)
            report = f"{name} seed {seed}: memtwin {first:.2f} -> {acc:.2f} % ({sec:.1f} s)"
            for start in starts:
                acc, sec, first, cls = aihwkit_run(data, name, args.lr, seed, start)
                peer[start]["acc"].append(acc)
                peer[start]["sec"].append(sec)
                report += f"; AIHWKIT from {start} {first:.2f} -> {acc:.2f} % ({sec:.1f} s)"
            print(report, flush=True)
        rows += [table_row(name, cls, start, seeds, ours, peer[start]) for start in starts]
    text = "\n".join(lines + rows) + "\n"
    print("\n" + text)
    if args.out is not None:
        write_text_atomic(args.out, text)
        print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
