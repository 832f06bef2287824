"""Train a network on a simulated chip of two devices, by programming pulses, and compare them.

In-situ training turns every weight update into pulses on each pair's devices, applied to the device's
measured response (Δg per pulse against g). A fine-step linear device learns almost as a digital network
does; a 16-level one cannot resolve small updates. Runs on the bundled digits set in seconds.

Run: python examples/06_train_on_chip.py
"""

import copy

import torch

from memtwin.crossbar import Periphery, convert
from memtwin.devices import preset
from memtwin.insitu import InSituConfig, response_curves, train_in_situ
from memtwin.tasks import load_task
from memtwin.tasks.networks import build_network

torch.manual_seed(0)
data = load_task("digits", seed=0)
recipe = InSituConfig(epochs=5, batch_size=16, lr=0.1)  # stochastic pulse trains, update management

for name in ("capacitor-aihwkit", "hfs2-xhameni2025"):
    device = preset(name)
    up = response_curves(device)["potentiation"]
    lo, hi = 1e6 * min(up["step_S"]), 1e6 * max(up["step_S"])
    print(f"{name}: one potentiation pulse moves g by {lo:.3g}-{hi:.3g} µS")
    net = build_network("digits", seed=0)
    chip = train_in_situ(net, data, device, "potentiation", recipe, seed=0)
    curve = ", ".join(f"{100 * h['test_accuracy']:.1f}" for h in chip.history)
    print(f"  test accuracy per epoch (0 = as first written): {curve} %")

    # Read the trained chip through the paper's periphery (8-bit converters, IR drop), a day later.
    analog = convert(copy.deepcopy(net), device, Periphery.paper(), mode="potentiation").eval()
    analog.load_programmed([(pairs.g.unsqueeze(0), pairs.scale) for pairs in chip.pairs], seed=0)
    analog.calibrate([data.train_x[:256]])
    analog.drift_to(86400.0)
    with torch.no_grad():
        accuracy = (analog(data.test_x).argmax(-1) == data.test_y).float().mean()
    print(f"  through the periphery, one day later: {100 * float(accuracy):.1f} %")
