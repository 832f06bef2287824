"""Option groups declared once (memtwin.cli.flags.with_flags): a command takes a group as one parameter
and shows the group's options in its place."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Annotated

import click
import pytest
import typer
from typer.testing import CliRunner

from memtwin.cli.app import app as memtwin_app
from memtwin.cli.flags import with_flags
from memtwin.cli.options import ExperimentFlags, config_from_flags
from memtwin.experiments.config import ExperimentConfig

runner = CliRunner()


@dataclass(frozen=True)
class Pair:
    left: Annotated[int, typer.Option(help="Left value.")] = 1
    right: Annotated[str | None, typer.Option("--right-side", help="Right value.")] = None
    hidden: Annotated[int, typer.Option(help="Not shown where omitted.")] = 7


app = typer.Typer()


@app.command()
@with_flags(Pair, omit={"hidden"}, left=5)
def show(name: str, *, pair: Pair, loud: bool = False) -> None:
    typer.echo(json.dumps({"name": name, "pair": asdict(pair), "loud": loud}))


@app.command()
@with_flags(Pair)
def other(pair: Pair) -> None:
    typer.echo(json.dumps(asdict(pair)))


def test_group_options_stand_in_for_the_group_parameter() -> None:
    result = runner.invoke(app, ["show", "x", "--right-side", "r", "--loud"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "name": "x",
        "pair": {"left": 5, "right": "r", "hidden": 7},
        "loud": True,
    }
    # Per-command defaults and omissions; the other command shows the group's own defaults.
    assert runner.invoke(app, ["show", "x", "--hidden", "3"]).exit_code != 0
    assert json.loads(runner.invoke(app, ["other", "--hidden", "3"]).output) == {
        "left": 1,
        "right": None,
        "hidden": 3,
    }


def test_a_group_the_command_does_not_take_or_an_unknown_field_is_refused() -> None:
    with pytest.raises(TypeError, match="no parameter of type Pair"):
        with_flags(Pair)(lambda x: x)
    with pytest.raises(TypeError, match="has no field colour"):
        with_flags(Pair, omit={"colour"})


def test_experiment_flags_give_the_config_the_flags_describe(tmp_path: Path) -> None:
    flags = ExperimentFlags(task="digits", epochs=3, times="0,60", modes="depression", d2d="0.2", cpu=True)
    base = ExperimentConfig.for_task("digits")
    expected = replace(
        base, digital=base.digital.replace(epochs=3), times_s=(0.0, 60.0), modes=("depression",), d2d=0.2,
        device_kind="cpu",
    )  # fmt: skip
    assert flags.experiment_config() == expected
    assert (
        config_from_flags(base, epochs=3, times="0,60", modes="depression", d2d="0.2", cpu=True) == expected
    )
    assert config_from_flags(base) == base  # no flag given, nothing changes
    with pytest.raises(TypeError):
        config_from_flags(base, epoch=3)  # a misspelt flag is an error, not ignored
    toml = tmp_path / "base.toml"
    toml.write_text('task = "digits"\nrepetitions = 2\n')
    from_file = ExperimentFlags(task="mnist", config_file=toml, seed=4).experiment_config()
    assert from_file.task == "digits" and from_file.repetitions == 2 and from_file.seed == 4


def _options(path: str) -> dict[str, click.Parameter]:
    command = typer.main.get_command(memtwin_app).commands[path]  # type: ignore[attr-defined]
    return {p.opts[0]: p for p in command.params if p.opts[0].startswith("--")}


def test_experiment_commands_share_one_declaration_of_each_option() -> None:
    commands = ("evaluate", "sweep", "compare", "ablate", "tolerance")
    options = {c: _options(c) for c in commands}
    for flag in (
        "--task",
        "--epochs",
        "--repetitions",
        "--modes",
        "--drift",
        "--seed",
        "--periphery",
        "--quiet",
    ):
        helps = {options[c][flag].help for c in commands}
        assert len(helps) == 1, f"{flag} is described {len(helps)} ways"
    assert {"--executor", "--workers", "--address"} <= set(options["compare"])
    # Each command shows only the flags that apply to it.
    assert "--variants" not in options["evaluate"] and "--times" not in options["sweep"]
    assert "--device" not in options["compare"] and "--d2d" not in options["tolerance"]
    assert options["ablate"]["--device"].default == "hfs2-xhameni2025"
    assert options["sweep"]["--variants"].default == "hwat_gdc"
