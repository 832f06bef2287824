"""Turn a characterization into a device model, compare it with a preset, and save it as TOML.

Run: python examples/02_device_model.py
"""

from pathlib import Path

from memtwin.characterization import characterize
from memtwin.data import example_csv_path
from memtwin.devices import DeviceModel, Variability, list_presets, preset
from memtwin.measurements import load

measured = DeviceModel.from_characterization(
    characterize(load(example_csv_path())),
    name="my-device",
    variability=Variability(d2d_update=0.3, d2d_bounds=0.3),  # the paper's 30 % baseline
    drift="hfs2-retention",
)
paper = preset("hfs2-xhameni2025")
for device in (measured, paper):
    print(device.name, device.key_figures())

out = Path("runs/example-02")
out.mkdir(parents=True, exist_ok=True)
measured.to_toml(out / "my-device.toml")
assert DeviceModel.from_toml(out / "my-device.toml") == measured  # lossless round trip
print("presets:", ", ".join(list_presets()))
