"""Read pulse-train measurements and extract the figures of merit (the paper's Fig. 2).

Run: python examples/01_characterize.py [MEASUREMENTS.csv] [OUT_DIR]
Without arguments it uses the bundled synthetic HfS2-like example device.
"""

import sys
from pathlib import Path

from memtwin.characterization import characterize, write_characterizations
from memtwin.characterization.plots import plot_characterization
from memtwin.data import example_csv_path
from memtwin.measurements import load

source = Path(sys.argv[1]) if len(sys.argv) > 1 else example_csv_path()
out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("runs/example-01")

table = load(source)  # tidy/wide CSV, XLSX or up/down table; errors name file, row, column, value
result = characterize(table)
print(
    f"{result.device}: {result.bins} bins ({result.bits:.2f} bits), mean sigma {result.sigma_mean_S * 1e6:.2f} uS"
)
for phase in (result.potentiation, result.depression):
    first, last = phase.linear_range
    print(
        f"  pulses {first}-{last}: {phase.levels} levels, {phase.slope_S_per_pulse * 1e6:+.3f} uS/pulse, "
        f"R2 = {phase.r2:.5f}"
    )

write_characterizations({result.device: result}, out / "characterization.json")
for path in plot_characterization(table, result, out):
    print("wrote", path)
