"""Data of a realistic run folder for the report tests (the fixtures that write it are in conftest.py).

It holds what an evaluation run writes (status, resolved config, results with two modes × two variants
× three times plus a sweep and a device comparison, the device model) and what `memtwin characterize`
writes (characterization.json, Fig. 2 d–f), with small real matplotlib PNGs, so the report is tested
on the same kinds of files it meets in use.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODES = ("potentiation", "depression")
VARIANTS = ("baseline", "hwat_gdc")
TIMES = (1.0, 86400.0, 31536000.0)
DIGITAL = 0.9807

PNG_FIGURES = (
    "fig2d_cycles.png",
    "fig2e_linear_range.png",
    "fig2f_sigma.png",
    "figures/accuracy_repetitions.png",
    "figures/accuracy_vs_time_potentiation.png",
    "figures/accuracy_vs_time_depression.png",
    "figures/sweep.png",
)

CONFIG_TOML = """task = "mnist"
device = "hfs2-xhameni2025"
repetitions = 3
times_s = [1.0, 86400.0, 31536000.0]
seed = 7
note = "a < b & c"

[periphery]
dac_bits = 8
adc_bits = 8
"""


def _accuracies(mode: str, variant: str, i: int) -> list[float]:
    base = 0.9800 if variant == "hwat_gdc" else 0.9750 - 0.03 * i
    offset = 0.0002 if mode == "depression" else 0.0
    return [base + offset + d for d in (-0.0005, 0.0, 0.0005)]


def results_dict() -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for mode in MODES:
        for variant in VARIANTS:
            for i, t in enumerate(TIMES):
                accs = _accuracies(mode, variant, i)
                rows.append(
                    {
                        "mode": mode,
                        "variant": variant,
                        "time_s": t,
                        "accuracy_mean": sum(accs) / 3,
                        "accuracy_std": 0.0005,
                        "repetitions": 3,
                        "accuracies": accs,
                    }
                )
    for value in (0.0, 0.3, 0.5):
        acc = 0.98 - 0.02 * value
        rows.append(
            {
                "mode": "potentiation",
                "variant": "hwat_gdc",
                "time_s": 1.0,
                "accuracy_mean": acc,
                "accuracy_std": 0.001,
                "repetitions": 3,
                "accuracies": [acc - 0.001, acc, acc + 0.001],
                "parameter": "device.d2d",
                "value": value,
            }
        )
    return {
        "task": "mnist",
        "device": "hfs2-xhameni2025",
        "digital_accuracy": DIGITAL,
        "analog": rows,
        "devices": [
            {
                "device": "hfs2-xhameni2025",
                "digital_accuracy": DIGITAL,
                "accuracy_mean": 0.9800,
                "max_programming_voltage_V": 0.995,
            },
            {
                "device": "reram-wan2022",
                "digital_accuracy": DIGITAL,
                "accuracy_mean": 0.9712,
                "max_programming_voltage_V": 3.3,
            },
        ],
        "seeds": {"run": 7, "repetitions": [7, 8, 9]},
        "timings_s": {"digital_training": 31.25, "hwat": 540.0, "evaluate": 95.0},
        "network": {"weights": 397510, "devices": 795020},
        "data": {"name": "mnist", "n_train": 60000, "n_test": 10000, "input_shape": [1, 28, 28]},
        "hardware": "cpu",
        "versions": {"memtwin": "0.1.0", "torch": "2.13.0", "python": "3.11.7"},
        "n_test_images": 10000,
    }


def characterization_dict() -> dict[str, Any]:
    def phase(slope: float, intercept: float, r2: float) -> dict[str, Any]:
        return {
            "phase": "potentiation" if slope > 0 else "depression",
            "linear_range": [3, 18],
            "levels": 16,
            "slope_S_per_pulse": slope,
            "intercept_S": intercept,
            "r2": r2,
            "sigma_mean_S": 23.7e-6,
            "bin_width_S": abs(slope),
            "bins": 31,
            "bits": 4.954,
        }

    return {
        "schema": "memtwin.characterization/1",
        "device": "hfs2-lab",
        "source": "lab.csv",
        "cycles": 100,
        "potentiation": phase(81.077e-6, 2234.2e-6, 0.99898),
        "depression": phase(-80.520e-6, 3879.7e-6, 0.99925),
        "bins": 31,
        "bits": 4.954,
        "sigma_mean_S": 23.7e-6,
        "symmetry": 0.99313,
        "on_off_ratio": 1.543,
        "energy_per_cycle_J": {"mean": 23.74e-9, "std": 1.26e-9, "cycles": 100},
        "max_programming_voltage_V": 0.995,
    }


def results_csv(results: dict[str, Any]) -> str:
    """results.csv as the experiments layer writes it: one line per analog row, run-wide columns repeated."""
    buf = io.StringIO()
    fields = ["task", "device", "digital_accuracy", "mode", "variant", "time_s", "accuracy_mean",
              "accuracy_std", "repetitions", "parameter", "value"]  # fmt: skip
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in results["analog"]:
        writer.writerow({**{k: results.get(k) for k in ("task", "device", "digital_accuracy")}, **row})
    return buf.getvalue()


#: make_run(name="run", *, state="complete", without=(), results=None) -> the run folder's path.
RunFactory = Callable[..., Path]
