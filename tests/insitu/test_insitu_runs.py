"""In-situ training end to end on the bundled digits task: chips, their evaluation and the run."""

import copy
import json
import tomllib
from dataclasses import replace

import pytest
import torch
from typer.testing import CliRunner

from memtwin.cli.app import app
from memtwin.crossbar import convert
from memtwin.crossbar.periphery import Periphery
from memtwin.devices import preset
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.run import run_experiment
from memtwin.insitu.config import InSituConfig
from memtwin.insitu.train import train_in_situ
from memtwin.tasks.datasets import load_task
from memtwin.tasks.networks import build_network

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits():
    return load_task("digits", seed=0)


def quick(**changes) -> ExperimentConfig:
    cfg = ExperimentConfig.for_task("digits", repetitions=2, times_s=(0.0,), variants=("in_situ",))
    cfg = replace(cfg, modes=("potentiation",), digital=cfg.digital.replace(epochs=2))
    return replace(cfg, insitu=replace(cfg.insitu, epochs=2), **changes)


def test_training_on_a_chip_learns(digits):
    net = build_network("digits", seed=0)
    result = train_in_situ(
        net, digits, preset("hfs2-xhameni2025"), "potentiation", InSituConfig(epochs=3, batch_size=16), seed=0
    )
    accuracies = [h["test_accuracy"] for h in result.history]
    assert accuracies[-1] > 0.6  # ten classes: chance is 0.1
    assert result.history[0]["epoch"] == 0 and result.history[0]["test_accuracy"] < 0.3  # as first written
    assert result.history[1]["train_loss"] > result.history[-1]["train_loss"]


def test_a_trained_chip_reads_through_an_ideal_periphery_as_its_weights(digits):
    net = build_network("digits", seed=0)
    device = preset("hfs2-xhameni2025")
    result = train_in_situ(net, digits, device, "potentiation", InSituConfig(epochs=1, batch_size=16), seed=0)
    analog = convert(copy.deepcopy(net), device, Periphery.ideal(), mode="potentiation").eval()
    analog.load_programmed([(p.g.unsqueeze(0), p.scale) for p in result.pairs], seed=0)
    x = digits.test_x[:50]
    with torch.no_grad():
        assert torch.allclose(analog(x), net.eval()(x), atol=1e-4)


def test_each_chip_is_the_same_however_many_are_trained(tmp_path):
    two = run_experiment(quick(), tmp_path / "two", progress=False)
    three = run_experiment(quick(repetitions=3), tmp_path / "three", progress=False)
    assert two["analog"][0]["variant"] == "in_situ"
    assert three["analog"][0]["accuracies"][:2] == two["analog"][0]["accuracies"]
    curves = two["in_situ"]["curves"]["potentiation"]["chips"]
    assert len(curves) == 2 and len(curves[0]) == 3  # two chips, as written and after two epochs each
    assert (tmp_path / "two" / "checkpoints" / "insitu-potentiation" / "chip-1.pt").is_file()


def test_the_cli_trains_in_situ_and_records_the_recipe(tmp_path):
    out = tmp_path / "run"
    args = ["evaluate", "--task", "digits", "--training", "in-situ", "--insitu-epochs", "1", "--epochs", "2",
            "--repetitions", "1", "--times", "0", "--modes", "potentiation", "--pulsing", "deterministic",
            "--out", str(out), "--quiet"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["variants"] == ["in_situ"]
    assert config["insitu"]["pulsing"] == "deterministic" and config["insitu"]["start"] == "random"
    results = json.loads((out / "results.json").read_text())
    assert {"recipe", "curves", "digital_curve", "response"} <= set(results["in_situ"])
    assert (out / "figures" / "update_response.png").is_file()
    assert (out / "figures" / "insitu_training.png").is_file()
    # --from-run fine-tunes that run's digital network on the chip
    again = CliRunner().invoke(
        app, [*args[:-3], "--out", str(tmp_path / "again"), "--from-run", str(out), "--quiet"]
    )
    assert again.exit_code == 0, again.output
    recipe = tomllib.loads((tmp_path / "again" / "config.toml").read_text())["insitu"]
    assert (recipe["start"], recipe["weight_range"]) == ("digital", "weights")


def test_an_offline_config_keeps_its_text():
    # [insitu] is written only where a run trains in situ: other runs' configs (and cache keys) stay put
    offline = ExperimentConfig.for_task("mnist")
    assert "insitu" not in offline.to_dict()
    trained_in_situ = replace(offline, variants=("in_situ",))
    assert ExperimentConfig.from_dict(trained_in_situ.to_dict()) == trained_in_situ


def test_trained_chips_are_kept_and_not_trained_again(tmp_path, monkeypatch):
    from memtwin.experiments import onchip
    from memtwin.experiments.evaluate import Session

    session = Session.open(quick(), tmp_path, progress=False)
    net, device = build_network("digits", seed=0), session.device
    first = onchip.in_situ_accuracies(session, net, device, Periphery.paper(), "potentiation", 7, (0.0, 60.0))
    calls = []
    monkeypatch.setattr(onchip, "train_in_situ", lambda *a, **k: calls.append(1))
    again = onchip.in_situ_accuracies(session, net, device, Periphery.paper(), "potentiation", 7, (0.0, 60.0))
    assert calls == [] and again == first  # both chips read back from checkpoints/insitu-potentiation


def test_a_bias_free_convolution_on_the_input_trains_by_pulses():
    # The first layer of the CIFAR-10 network: its output needs a gradient only for the pulses.
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1, bias=False), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.Linear(4 * 8 * 8, 10),
    )  # fmt: skip
    data = load_task("digits", seed=0)
    before = net[0].weight.detach().clone()
    result = train_in_situ(
        net, data, preset("capacitor-aihwkit"), "potentiation", InSituConfig(epochs=1), seed=0
    )
    assert not torch.equal(net[0].weight.detach(), before)  # the convolution's devices were pulsed
    assert result.history[-1]["test_accuracy"] > 0.5


def test_an_in_situ_run_says_how_its_chips_are_trained():
    from memtwin.cli.output import training_line

    assert training_line(ExperimentConfig.for_task("mnist")) == ""
    recipe = InSituConfig(epochs=3, pulsing="deterministic", start="digital")
    line = training_line(replace(quick(), insitu=recipe))
    assert "3 epoch(s) of deterministic pulses from the digital network" in line
