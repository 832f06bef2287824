"""Device comparison: rows for every device, the ideal device loses less than a noisy one, published
numbers kept apart, figures and tables written."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import preset
from memtwin.errors import ConfigError
from memtwin.experiments import evaluate as evaluate_module
from memtwin.experiments.compare import compare_devices, loss_of, simulated_nonidealities
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.executors import make_executor
from memtwin.experiments.run import run_experiment
from memtwin.experiments.runfolder import RUNNING
from memtwin.report import present_run

NOISY = "reram-array-hfo2-aihwkit"  # 5 levels, 71 % update spread


def test_two_devices_side_by_side(tmp_path: Path) -> None:
    cfg = ExperimentConfig.for_task(
        "digits", repetitions=2, times_s=(1.0, 31536000.0), variants=("baseline",)
    )
    cfg = replace(cfg, digital=cfg.digital.replace(epochs=3))
    out = tmp_path / "run"
    with make_executor("serial") as ex:
        results = compare_devices(
            cfg, out, ["ideal", NOISY], executor=ex, progress=False, present=present_run
        )
    names = [d["name"] for d in results["devices"]]
    assert names == ["ideal", NOISY]
    assert {r["device"] for r in results["analog"]} == set(names)
    # 2 devices x 2 modes x 1 variant x 2 times
    assert len(results["analog"]) == 8
    for mode in ("potentiation", "depression"):
        ideal = loss_of(results["devices"][0], mode, "baseline", 1.0)
        noisy = loss_of(results["devices"][1], mode, "baseline", 1.0)
        assert ideal is not None and noisy is not None
        assert ideal["loss_mean"] < noisy["loss_mean"]
        assert ideal["loss_mean"] < 1.0
    assert results["literature"] == []  # nobody published digits numbers
    on_disk = json.loads((out / "results.json").read_text())
    assert on_disk["devices"] == results["devices"]
    assert json.loads((out / "status.json").read_text())["state"] == "complete"
    assert (out / "devices" / f"{NOISY}.toml").is_file()
    assert "| ideal |" in (out / "results.md").read_text()
    assert len((out / "results.csv").read_text().splitlines()) == 1 + 8
    for stem in ("compare_loss", "compare_voltage", "compare_nonidealities"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 1000


def test_every_device_is_simulated_with_the_same_effects() -> None:
    paper = Periphery.paper()
    yao = simulated_nonidealities(preset("taox-hfox-yao2020"), paper)
    hfs2 = simulated_nonidealities(preset("hfs2-xhameni2025"), paper)
    assert set(yao) == set(hfs2)  # one model for all: an effect is on, or present with value zero
    assert yao["d2d_variation"] == "zero" and hfs2["d2d_variation"] == "on"
    assert yao["adc"] == hfs2["adc"] == "on"


def test_a_killed_comparison_resumes_without_recomputing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = ExperimentConfig.for_task(
        "digits", repetitions=1, times_s=(1.0,), modes=("potentiation",), variants=("baseline",)
    )
    cfg = replace(cfg, digital=cfg.digital.replace(epochs=2))
    out = tmp_path / "run"
    with make_executor("serial") as ex:
        first = compare_devices(cfg, out, ["ideal", "hfs2-xhameni2025"], executor=ex, progress=False)
    # Simulate a kill after the jobs finished but before the results were written.
    (out / "results.json").unlink()
    (out / "status.json").write_text(json.dumps({"state": RUNNING}))

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("a finished job was evaluated again")

    monkeypatch.setattr(evaluate_module, "evaluate_protocol", boom)
    with make_executor("serial") as ex:
        with pytest.raises(ConfigError, match="other settings"):
            compare_devices(cfg, out, ["ideal"], executor=ex, progress=False)
        again = compare_devices(cfg, out, ["ideal", "hfs2-xhameni2025"], executor=ex, progress=False)
    assert again["analog"] == first["analog"]
    assert json.loads((out / "status.json").read_text())["state"] == "complete"


def test_a_comparison_starts_from_the_network_another_run_trained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = ExperimentConfig.for_task(
        "digits", repetitions=1, times_s=(1.0,), modes=("potentiation",), variants=("baseline",)
    )
    cfg = replace(cfg, digital=cfg.digital.replace(epochs=2))
    evaluation = run_experiment(cfg, tmp_path / "eval", progress=False)
    resumed = []
    real_train = evaluate_module.train

    def counting_train(*args: object, **kwargs: object) -> object:
        result = real_train(*args, **kwargs)  # type: ignore[arg-type]
        resumed.append(result.resumed_from_epoch)
        return result

    monkeypatch.setattr(evaluate_module, "train", counting_train)
    with make_executor("serial") as ex:
        results = compare_devices(
            cfg, tmp_path / "cmp", ["hfs2-xhameni2025"], executor=ex, progress=False,
            checkpoints_from=tmp_path / "eval",
        )  # fmt: skip
    assert resumed == [cfg.digital.epochs]  # the digital network came from the evaluation, untrained
    assert results["digital_accuracy"] == evaluation["digital_accuracy"]
    # The same device, network, seed and protocol: the comparison programs the evaluation's very chips.
    assert results["analog"][0]["accuracies"] == evaluation["analog"][0]["accuracies"]
    stages = sorted(p.name for p in (tmp_path / "cmp" / "checkpoints").iterdir() if p.name != "jobs")
    assert stages == ["digital"]
