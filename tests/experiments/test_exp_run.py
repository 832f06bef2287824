"""End-to-end runs on the bundled digits task: small, but the real protocol."""

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from memtwin.cli.app import app
from memtwin.crossbar.periphery import Periphery
from memtwin.errors import ConfigError
from memtwin.experiments import evaluate as evaluate_module
from memtwin.experiments.config import ExperimentConfig, SweepConfig
from memtwin.experiments.executors import make_executor
from memtwin.experiments.run import run_experiment
from memtwin.report import present_run


def quick(**changes) -> ExperimentConfig:
    cfg = ExperimentConfig.for_task("digits", repetitions=2, times_s=(1.0, 31536000.0))
    cfg = replace(cfg, digital=cfg.digital.replace(epochs=4), hwat=cfg.hwat.replace(epochs=1))
    return replace(cfg, **changes)


def test_ideal_hardware_reproduces_the_digital_accuracy(tmp_path):
    # 1024 noiseless levels, ideal converters and wires: the analog chip computes what the digital
    # network computes, up to a weight rounding far below the decision margins.
    cfg = quick(device="ideal", periphery=Periphery.ideal(), variants=("baseline",))
    results = run_experiment(cfg, tmp_path / "run", progress=False)
    for row in results["analog"]:
        assert row["accuracy_mean"] == pytest.approx(results["digital_accuracy"], abs=1 / 450)


def test_run_folder_holds_every_result(tmp_path):
    out = tmp_path / "run"
    results = run_experiment(quick(), out, progress=False, present=present_run)
    assert json.loads((out / "status.json").read_text())["state"] == "complete"
    on_disk = json.loads((out / "results.json").read_text())
    assert on_disk == json.loads(json.dumps(results))
    assert {"task", "device", "digital_accuracy", "analog"} <= set(on_disk)
    assert on_disk["digital_accuracy"] > 0.9
    # modes × variants × times, each with its repetitions
    assert len(on_disk["analog"]) == 2 * 2 * 2
    for row in on_disk["analog"]:
        assert {"mode", "variant", "time_s", "accuracy_mean", "accuracy_std", "repetitions"} <= set(row)
        assert len(row["accuracies"]) == row["repetitions"] == 2
        assert 0.0 <= row["accuracy_mean"] <= 1.0
    csv_lines = (out / "results.csv").read_text().splitlines()
    assert csv_lines[0].startswith("mode,variant,time_s,accuracy_mean")
    assert len(csv_lines) == 1 + len(on_disk["analog"])
    assert ExperimentConfig.from_toml(out / "config.toml") == quick()
    for stem in (
        "accuracy_repetitions",
        "accuracy_vs_time_potentiation",
        "accuracy_vs_time_depression",
        "training",
    ):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 1000


def test_same_seed_same_numbers(tmp_path):
    cfg = quick(modes=("potentiation",))
    a = run_experiment(cfg, tmp_path / "a", progress=False)
    b = run_experiment(cfg, tmp_path / "b", progress=False)
    assert [r["accuracies"] for r in a["analog"]] == [r["accuracies"] for r in b["analog"]]


def test_a_killed_run_is_not_complete_and_resumes(tmp_path, monkeypatch):
    out = tmp_path / "run"
    cfg = quick(modes=("potentiation",))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("memtwin.experiments.evaluate.evaluate_protocol", crash)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(cfg, out, progress=False)
    assert json.loads((out / "status.json").read_text())["state"] == "running"
    assert not (out / "results.json").exists()
    assert (out / "checkpoints" / "digital" / "last.pt").exists()

    monkeypatch.undo()
    calls = []
    real_train = evaluate_module.train

    def counting_train(*args, **kwargs):
        result = real_train(*args, **kwargs)
        calls.append(result.resumed_from_epoch)
        return result

    monkeypatch.setattr(evaluate_module, "train", counting_train)
    run_experiment(cfg, out, progress=False)
    assert calls[0] == cfg.digital.epochs  # the digital network came from its checkpoint
    assert json.loads((out / "status.json").read_text())["state"] == "complete"


def test_complete_and_foreign_folders_are_protected(tmp_path):
    out = tmp_path / "run"
    run_experiment(quick(modes=("potentiation",), variants=("baseline",)), out, progress=False)
    with pytest.raises(ConfigError, match="complete run"):
        run_experiment(quick(), out, progress=False)
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"x")
    with pytest.raises(ConfigError, match="not a memtwin run folder"):
        run_experiment(quick(), foreign, progress=False)


def test_sweep_rows_carry_parameter_and_value(tmp_path):
    cfg = quick(
        modes=("potentiation",),
        variants=("baseline",),
        sweep=SweepConfig("device.d2d", (0.0, 0.6), time_s=1.0),
    )
    with pytest.warns(DeprecationWarning, match="'d2d'"):  # the old name still works
        results = run_experiment(cfg, tmp_path / "sweep", progress=False, present=present_run)
    assert [(r["parameter"], r["value"]) for r in results["analog"]] == [
        ("device.d2d", 0.0),
        ("device.d2d", 0.6),
    ]
    assert (tmp_path / "sweep" / "figures" / "sweep.png").exists()


def test_cli_evaluate_json(tmp_path):
    out = tmp_path / "cli"
    args = [
        "evaluate",
        "--task",
        "digits",
        "--epochs",
        "3",
        "--hwat-epochs",
        "1",
        "--repetitions",
        "2",
        "--times",
        "1,3600",
        "--modes",
        "depression",
        "--out",
        str(out),
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output.strip().splitlines()[-1])
    assert payload["run_dir"] == str(out)
    assert {r["time_s"] for r in payload["analog"]} == {1.0, 3600.0}
    # The same run again from its folder's config resumes nothing and refuses to overwrite.
    again = CliRunner().invoke(app, ["run", str(out / "config.toml"), "--quiet"])
    assert again.exit_code != 0


def test_sweep_with_hwat_once_reuses_the_evaluations_networks(tmp_path):
    # A sweep that HWATs once on the nominal device, started from an evaluation's checkpoints, trains
    # nothing; at the nominal value (the preset's 30 %) it programs the very same chips as the evaluation.
    base = quick(modes=("potentiation",), variants=("hwat_gdc",), times_s=(1.0,))
    evaluation = run_experiment(base, tmp_path / "eval", progress=False)
    sweep_cfg = replace(base, sweep=SweepConfig("d2d", (0.0, 0.3), time_s=1.0, hwat="once"))
    swept = run_experiment(sweep_cfg, tmp_path / "sweep", progress=False, checkpoints_from=tmp_path / "eval")
    # (checkpoints/jobs holds each job's cached rows, not networks)
    stages = sorted(p.name for p in (tmp_path / "sweep" / "checkpoints").iterdir() if p.name != "jobs")
    assert stages == ["digital", "hwat-potentiation"]
    for stage in stages:  # imported, not trained again (which, seeded, would give the same numbers)
        mine, theirs = (tmp_path / run / "checkpoints" / stage / "last.pt" for run in ("sweep", "eval"))
        assert mine.read_bytes() == theirs.read_bytes()
    assert swept["digital_accuracy"] == evaluation["digital_accuracy"]
    at_nominal = [r for r in swept["analog"] if r["value"] == 0.3]
    assert at_nominal[0]["accuracies"] == evaluation["analog"][0]["accuracies"]
    assert swept["sweep"]["hwat"] == "once"
    assert ExperimentConfig.from_toml(tmp_path / "sweep" / "config.toml") == sweep_cfg


def test_imported_checkpoints_of_another_training_are_refused(tmp_path):
    run_experiment(quick(modes=("potentiation",), variants=("baseline",)), tmp_path / "a", progress=False)
    other = quick(modes=("potentiation",), variants=("baseline",), seed=5)
    other = replace(other, digital=other.digital.replace(epochs=5))
    with pytest.raises(ConfigError):
        run_experiment(other, tmp_path / "b", progress=False, checkpoints_from=tmp_path / "a")


def test_checkpoints_from_a_folder_that_is_no_run(tmp_path):
    with pytest.raises(ConfigError, match="no config.toml"):
        run_experiment(quick(), tmp_path / "c", progress=False, checkpoints_from=tmp_path / "nothing")


def test_the_numbers_do_not_depend_on_the_executor(tmp_path):
    # The same evaluation and sweep in this process, serially and on a pool of two workers.
    base = quick(modes=("potentiation",), times_s=(1.0,))
    runs = {
        "evaluate": base,
        "sweep": replace(base, variants=("baseline",), sweep=SweepConfig("d2d", (0.0, 0.5), time_s=1.0)),
    }
    for name, cfg in runs.items():
        inline = run_experiment(cfg, tmp_path / f"{name}-inline", progress=False)
        with make_executor("serial") as ex:
            serial = run_experiment(cfg, tmp_path / f"{name}-serial", progress=False, executor=ex)
        with make_executor("local", workers=2) as ex:
            pooled = run_experiment(cfg, tmp_path / f"{name}-local", progress=False, executor=ex)
        assert serial["analog"] == inline["analog"] == pooled["analog"], name
        assert pooled["executor"] == {"kind": "local", "workers": 2} and "executor" not in inline


def test_invalid_sweep_values_leave_no_run_folder(tmp_path):
    cfg = quick(sweep=SweepConfig("levels", (1.0,)))
    with pytest.raises(ConfigError, match="levels"):
        run_experiment(cfg, tmp_path / "never", progress=False)
    assert not (tmp_path / "never").exists()


def test_sweep_hwat_choice_is_validated():
    with pytest.raises(ConfigError, match="sweep.hwat"):
        SweepConfig("device.d2d", (0.1,), hwat="sometimes")


def test_only_the_digital_network_is_reused_when_the_hwat_recipe_differs(tmp_path):
    base = quick(modes=("potentiation",), variants=("hwat_gdc",), times_s=(1.0,))
    first = run_experiment(base, tmp_path / "a", progress=False)
    other = replace(base, hwat_noise_scale=2.0)
    second = run_experiment(other, tmp_path / "b", progress=False, checkpoints_from=tmp_path / "a")
    assert second["digital_accuracy"] == first["digital_accuracy"]
    # the digital network came along; the HWAT network was trained afresh, against wider spreads
    ckpt = "checkpoints/{}/last.pt"
    assert (tmp_path / "b" / ckpt.format("digital")).read_bytes() == (
        tmp_path / "a" / ckpt.format("digital")
    ).read_bytes()
    hwat = ckpt.format("hwat-potentiation")
    assert (tmp_path / "b" / hwat).read_bytes() != (tmp_path / "a" / hwat).read_bytes()
    assert second["analog"][0]["accuracies"] != first["analog"][0]["accuracies"]
