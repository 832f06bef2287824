"""Program any PyTorch network onto simulated crossbars, five chips at once, and let it drift.

Run: python examples/03_crossbar.py
"""

from dataclasses import replace

import torch
from torch import nn

from memtwin.crossbar import Periphery, convert
from memtwin.devices import preset

torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 500), nn.ReLU(), nn.Linear(500, 10))
x = torch.rand(256, 1, 28, 28)

analog = convert(net, preset("hfs2-xhameni2025"), Periphery.paper(), mode="potentiation")
analog.eval()
analog.program(seed=1, repetitions=5)  # 5 independent chips, evaluated in one vectorized pass
analog.calibrate([x])  # DAC/ADC ranges from the first batches
print(analog.summary())

with torch.no_grad():
    digital = net(x)
    for t in (1.0, 86400.0, 31536000.0):
        analog.drift_to(t)  # with global drift compensation (periphery default)
        y = analog(x)  # (repetitions, batch, outputs)
        err = (y - digital).abs().mean() / digital.abs().mean()
        print(f"t = {t:>10.0f} s: mean relative output error {100 * err:.1f} %")

# The paper writes each weight open loop (a fixed pulse count); a write-verify controller reads every
# device while programming it and undoes most of the device-to-device spread of the step size.
# Ideal periphery here, so that only the devices' own errors show (no IR drop, no converters).
for name, periphery in (
    ("open loop", Periphery.ideal()),
    ("program-and-verify", replace(Periphery.ideal(), write="verify")),
):
    chip = convert(net, preset("hfs2-xhameni2025"), periphery, mode="potentiation")
    chip.eval()
    chip.program(seed=1, repetitions=5)
    with torch.no_grad():
        err = (chip(x) - digital).abs().mean() / digital.abs().mean()
    print(f"{name:>18}, just programmed: mean relative output error {100 * err:.1f} %")
