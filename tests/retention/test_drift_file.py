"""A drift TOML (as ``memtwin retention`` writes it) is accepted wherever a drift kind is: the Python API,
resolve_device_source, ExperimentConfig and the CLI's --drift; the run's device.toml carries the spec."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from memtwin.cli.options import config_from_flags
from memtwin.devices import DeviceModel, preset, read_drift_file, resolve_drift, write_drift_file
from memtwin.devices.drift import PowerLawDrift, build_drift
from memtwin.errors import ConfigError
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.devices import resolve_device, resolve_device_source

SPEC = {"kind": "power_law", "nu": 0.0123, "nu_std": 0.004, "t0_s": 1.0}


def _write(tmp_path: Path, text: str, name: str = "drift.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_drift_table_and_bare_table(tmp_path: Path) -> None:
    table = _write(tmp_path, '[drift]\nkind = "power_law"\nnu = 0.0123\nnu_std = 0.004\n', "a.toml")
    assert read_drift_file(table) == SPEC  # t0_s filled in: every parameter explicit
    bare = _write(tmp_path, 'kind = "log_time"\nmean_per_decade = -0.02\n', "b.toml")
    assert read_drift_file(bare) == {
        "kind": "log_time",
        "mean_per_decade": -0.02,
        "std_per_decade": 0.005,
        "t0_s": 1.0,
    }
    # A device TOML carries a [drift] table too: its drift can be borrowed.
    device_toml = tmp_path / "dev.toml"
    preset("hfs2-xhameni2025").to_toml(device_toml)
    assert read_drift_file(device_toml) == preset("hfs2-xhameni2025").drift.to_dict()


def test_write_round_trip_with_comment(tmp_path: Path) -> None:
    path = write_drift_file(tmp_path / "d.toml", SPEC, comment="fitted to\n  x.csv")
    text = path.read_text()
    assert text.startswith("# fitted to\n#   x.csv\n[drift]\n")
    assert read_drift_file(path) == SPEC


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[drift]\nkind = "power_law"\nnu = 0.01\nnux = 3\n', "unknown key.*'nux'"),
        ('[drift]\nkind = "power_law"\nnu_std = -1\n', r"drift.nu_std = -1"),
        ('[drift]\nkind = "bathtub"\n', "drift.kind = 'bathtub'"),
        ("[drift]\nnu = 0.01\n", "missing its 'kind'"),
        ("nu = 0.01\n", r"no \[drift\] table"),
        ("drift = 3\n", "must be a table"),
        ("[drift\n", "not valid TOML"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=match) as err:
        read_drift_file(path)
    assert str(path) in str(err.value)


def test_resolve_drift_kind_path_or_dict(tmp_path: Path) -> None:
    path = write_drift_file(tmp_path / "d.toml", SPEC)
    assert resolve_drift("power_law") == PowerLawDrift().to_dict()
    assert resolve_drift(str(path)) == SPEC
    assert resolve_drift(path) == SPEC
    assert resolve_drift({"kind": "power_law", "nu": 0.0123, "nu_std": 0.004}) == SPEC
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_drift(str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="neither a drift kind"):
        resolve_drift("powerlaw")


def test_python_api_on_a_device(tmp_path: Path) -> None:
    path = write_drift_file(tmp_path / "d.toml", SPEC)
    base = preset("hfs2-xhameni2025")
    device = replace(base, drift=read_drift_file(path))
    assert device.drift.to_dict() == SPEC and isinstance(device.drift, PowerLawDrift)
    built = DeviceModel(
        name="x", potentiation=base.potentiation, depression=base.depression, drift=read_drift_file(path)
    )
    assert build_drift(built.drift) == PowerLawDrift(nu=0.0123, nu_std=0.004)


def test_resolve_device_and_experiment_config(tmp_path: Path) -> None:
    path = write_drift_file(tmp_path / "d.toml", SPEC)
    # A preset with the file's drift; the kind form still works as before.
    assert resolve_device("hfs2-xhameni2025", drift=str(path)).drift.to_dict() == SPEC
    assert resolve_device("hfs2-xhameni2025", drift="none").drift.to_dict() == {"kind": "none"}
    # A measured device: the file replaces the worst-case default.
    from memtwin.data import example_csv_path

    measured = resolve_device_source(str(example_csv_path()), drift=str(path))
    assert measured.device.drift.to_dict() == SPEC and measured.characterization is not None
    # The CLI's --drift (options.config_from_flags) and the run's config.toml keep the path ...
    cfg = config_from_flags(ExperimentConfig(), drift=str(path))
    assert cfg.drift == str(path)
    saved = tmp_path / "config.toml"
    saved.write_text(cfg.to_toml())
    again = ExperimentConfig.from_toml(saved)
    assert again.drift == str(path)
    # ... and the device a run resolves (what run.py writes as device.toml) carries the full spec.
    device = resolve_device_source(again.device, d2d=again.d2d, drift=again.drift).device
    device_toml = tmp_path / "device.toml"
    device.to_toml(device_toml)
    assert DeviceModel.from_toml(device_toml).drift.to_dict() == SPEC
    assert "nu_std = 0.004" in device_toml.read_text()


def test_session_resolves_the_drift_file(tmp_path: Path) -> None:
    """The run's own resolution (Session.open, as run.py uses before writing device.toml)."""
    from memtwin.experiments.evaluate import Session

    path = write_drift_file(tmp_path / "d.toml", SPEC)
    cfg = ExperimentConfig(task="digits", drift=str(path), subset=50, test_subset=50, device_kind="cpu")
    session = Session.open(cfg, tmp_path / "checkpoints", progress=False)
    assert session.device.drift.to_dict() == SPEC
