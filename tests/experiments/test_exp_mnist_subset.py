"""The paper's MNIST protocol, reduced to fit CI: a real MNIST subset, the 784-500-10 MLP, the HfS2
device at 30 % device-to-device variation with the paper's periphery, both modes, both variants."""

import os
from dataclasses import replace
from pathlib import Path

import pytest

from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.run import run_experiment
from memtwin.tasks.datasets import find_mnist_files

CANDIDATES = [os.environ.get("MEMTWIN_DATA_DIR"), Path(__file__).parents[3] / "shared" / "data"]


def mnist_dir() -> Path | None:
    for candidate in CANDIDATES:
        if candidate and find_mnist_files(Path(candidate)) is not None:
            return Path(candidate)
    return None


@pytest.mark.skipif(mnist_dir() is None, reason="MNIST IDX files not found (set MEMTWIN_DATA_DIR)")
def test_reduced_mnist_protocol(tmp_path):
    cfg = ExperimentConfig.for_task(
        "mnist",
        data_dir=str(mnist_dir()),
        subset=3000,
        test_subset=1000,
        repetitions=2,
        times_s=(1.0, 31536000.0),
    )
    cfg = replace(cfg, digital=cfg.digital.replace(epochs=3), hwat=cfg.hwat.replace(epochs=1))
    results = run_experiment(cfg, tmp_path / "mnist", progress=False)
    assert results["network"]["weights"] == 784 * 500 + 500 * 10
    assert results["digital_accuracy"] > 0.85
    rows = results["analog"]
    assert {(r["mode"], r["variant"]) for r in rows} == {
        (m, v) for m in ("potentiation", "depression") for v in ("baseline", "hwat_gdc")
    }
    for r in rows:
        # Programmed chips stay close to the digital network right after programming.
        if r["time_s"] == 1.0:
            assert r["accuracy_mean"] > results["digital_accuracy"] - 0.05
