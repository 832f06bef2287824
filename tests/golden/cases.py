"""The golden cases: every analysis on the bundled digits task with fixed seeds and small settings.

``python tests/golden/cases.py`` (re)writes ``tests/golden/*.json`` from the code as it is; the test
(``test_golden.py``) holds the code to them, so a restructuring that changes a number is caught. Only
the numbers of a run are kept (accuracies, losses, thresholds, counts), not timings, paths or versions.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import preset
from memtwin.experiments.ablate import ablate
from memtwin.experiments.compare import compare_devices
from memtwin.experiments.config import ExperimentConfig, SweepConfig
from memtwin.experiments.cost import network_cost
from memtwin.experiments.executors import make_executor
from memtwin.experiments.run import run_experiment
from memtwin.experiments.tolerance import tolerance
from memtwin.tasks.networks import build_network

HERE = Path(__file__).resolve().parent
#: Fields that differ between runs of the same numbers (wall times, paths, versions, hardware).
VOLATILE = {"timings_s", "versions", "hardware", "executor", "run_dir", "created", "out", "seconds"}


def quick(**changes: Any) -> ExperimentConfig:
    cfg = ExperimentConfig.for_task(
        "digits", repetitions=2, times_s=(0.0, 86400.0), subset=300, test_subset=200, seed=3
    )
    cfg = replace(cfg, digital=cfg.digital.replace(epochs=3), hwat=cfg.hwat.replace(epochs=1))
    return replace(cfg, **changes)


def numbers(value: Any) -> Any:
    """``value`` without the volatile fields (recursively)."""
    if isinstance(value, dict):
        return {k: numbers(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [numbers(v) for v in value]
    return value


def _evaluate(out: Path) -> dict[str, Any]:
    return run_experiment(quick(), out, progress=False)


def _sweep(out: Path) -> dict[str, Any]:
    cfg = quick(
        modes=("potentiation",),
        # The old knob name on purpose: the record was made with it, and old names must keep working.
        sweep=SweepConfig(parameter="device.d2d", values=(0.0, 0.5), hwat="once"),
    )
    return run_experiment(cfg, out, progress=False)


def _compare(out: Path) -> dict[str, Any]:
    cfg = quick(modes=("potentiation",), variants=("baseline",))
    with make_executor("serial") as ex:
        return compare_devices(cfg, out, ["hfs2-xhameni2025", "reram-wan2022"], executor=ex, progress=False)


def _ablate(out: Path) -> dict[str, Any]:
    cfg = quick(modes=("potentiation",), variants=("baseline",), times_s=(1.0,))
    with make_executor("serial") as ex:
        return ablate(cfg, out, variant="baseline", executor=ex, progress=False)


def _tolerance(out: Path) -> dict[str, Any]:
    cfg = quick(modes=("potentiation",), drift="none", times_s=(1.0,))
    with make_executor("serial") as ex:
        return tolerance(
            cfg, out, budget=1.0, parameters=("d2d", "levels"), variant="baseline", rounds=1,
            points_per_round=1, executor=ex, progress=False,
        )  # fmt: skip


def _cost(out: Path) -> dict[str, Any]:
    net = build_network("digits", seed=3)
    costs = [
        network_cost(net, preset(name), Periphery.paper()).to_dict()
        for name in ("hfs2-xhameni2025", "reram-wan2022")
    ]
    return {"analysis": "cost", "costs": costs}


CASES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "evaluate": _evaluate,
    "sweep": _sweep,
    "compare": _compare,
    "ablate": _ablate,
    "tolerance": _tolerance,
    "cost": _cost,
}


def run_case(name: str) -> dict[str, Any]:
    torch.set_num_threads(1)  # the numbers must not depend on the machine's thread count
    with tempfile.TemporaryDirectory() as tmp:
        return numbers(json.loads(json.dumps(CASES[name](Path(tmp) / name))))


def main(names: list[str]) -> None:
    for name in names or list(CASES):
        path = HERE / f"{name}.json"
        path.write_text(json.dumps(run_case(name), indent=1, sort_keys=True) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
