from dataclasses import replace

import pytest

from memtwin.crossbar.periphery import Periphery
from memtwin.errors import ConfigError
from memtwin.experiments.config import ExperimentConfig, SweepConfig, same_experiment


def test_toml_round_trip_is_lossless(tmp_path):
    cfg = ExperimentConfig.for_task(
        "mnist",
        d2d=0.25,
        drift="hfs2-retention",
        subset=1000,
        times_s=(1.0, 3600.0),
        modes=("depression",),
        periphery=Periphery.ideal(),
        sweep=SweepConfig("periphery.adc_bits", (4.0, 6.0, 8.0), time_s=10.0),
    )
    path = tmp_path / "c.toml"
    path.write_text(cfg.to_toml())
    assert ExperimentConfig.from_toml(path) == cfg


def test_task_defaults_follow_the_paper():
    cfg = ExperimentConfig.for_task("mnist")
    assert (cfg.digital.epochs, cfg.hwat.epochs, cfg.repetitions) == (30, 5, 5)
    assert ExperimentConfig.for_task("cifar10").digital.epochs == 200
    assert ExperimentConfig.for_task("cifar10").hwat.epochs == 20


def test_partial_training_table_keeps_task_defaults(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('task = "mnist"\n[digital]\nepochs = 3\n')
    cfg = ExperimentConfig.from_toml(path)
    assert cfg.digital.epochs == 3
    assert cfg.digital.lr == ExperimentConfig.for_task("mnist").digital.lr


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('task = "imagenet"\n', "imagenet"),
        ("colour = 1\n", "colour"),
        ("repetitions = 0\n", "repetitions"),
        ('modes = ["sideways"]\n', "sideways"),
        ("[digital]\nepoch = 3\n", "epoch"),
        ("[periphery]\nadc_bits = -1\n", "adc_bits"),
        ("[sweep]\nvalues = [1]\n", "parameter"),
        ("task = \n", "TOML"),
    ],
)
def test_bad_configs_name_the_problem(tmp_path, text, fragment):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=fragment):
        ExperimentConfig.from_toml(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        ExperimentConfig.from_toml(tmp_path / "nope.toml")


def test_replace_validates():
    with pytest.raises(ConfigError):
        replace(ExperimentConfig(), times_s=(-1.0,))


def test_hwat_noise_scale_round_trips_and_is_validated(tmp_path):
    cfg = replace(ExperimentConfig.for_task("mnist"), hwat_noise_scale=2.0)
    path = tmp_path / "c.toml"
    path.write_text(cfg.to_toml())
    assert ExperimentConfig.from_toml(path) == cfg
    # a config written before the option existed means its default, and is the same experiment
    older = "\n".join(
        line
        for line in ExperimentConfig.for_task("mnist").to_toml().splitlines()
        if "hwat_noise_scale" not in line
    )
    assert same_experiment(older, ExperimentConfig.for_task("mnist").to_toml())
    assert not same_experiment(older, cfg.to_toml())
    with pytest.raises(ConfigError, match="hwat_noise_scale"):
        replace(cfg, hwat_noise_scale=-0.5)
