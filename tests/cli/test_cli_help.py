"""Every command's ``--help`` shows its whole text: rich markup must not swallow a bracketed name such as
``[sweep]`` or ``[default: ...]`` (it takes ``[word]`` for a style tag and drops it)."""

from __future__ import annotations

import re

import click
import pytest
import typer
from typer.testing import CliRunner

from memtwin.cli.app import app

runner = CliRunner()
#: "[...]" as written in a help text, escaped ("\[") for rich or not.
BRACKETED = re.compile(r"\\?\[([^\[\]]*)\]")
#: Placeholders in angle brackets, which a Markdown renderer would take for HTML tags and drop.
ANGLED = re.compile(r"<[^<>]*>")
BOX = re.compile(r"[│╭╮╰╯─]")


def _commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, command)] if path else []
    for name, sub in getattr(command, "commands", {}).items():  # a group (typer's own class, not click's)
        found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def _flat(text: str) -> str:
    """Help output as one line: box borders dropped, wrapped lines and runs of spaces joined."""
    return " ".join(BOX.sub(" ", text).split())


def _bracketed(command: click.Command) -> list[str]:
    """The bracketed names of the command's own help and of its options' help, as a reader should see them."""
    texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
    squared = [" ".join(f"[{inner}]".split()) for text in texts for inner in BRACKETED.findall(text)]
    return squared + [" ".join(a.split()) for text in texts for a in ANGLED.findall(text)]


def test_every_command_is_checked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"evaluate", "sweep", "run", "compare", "ablate", "tolerance", "cost", "assess", "demo",
            "characterize", "retention", "report", "devices", "devices show"} <= names  # fmt: skip
    assert sum(len(_bracketed(c)) for _, c in COMMANDS) >= 15  # the help texts do hold bracketed names


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_keeps_every_bracketed_name(path: tuple[str, ...]) -> None:
    command = dict(COMMANDS)[path]
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    shown = _flat(result.output)
    missing = [b for b in _bracketed(command) if b not in shown]
    assert not missing, f"{' '.join(path)} --help lost {missing}"


def test_the_names_rich_used_to_swallow_are_shown() -> None:
    run_help = _flat(runner.invoke(app, ["run", "--help"], env={"COLUMNS": "100"}).output)
    assert "when it has a [sweep] table" in run_help
    cost_help = _flat(runner.invoke(app, ["cost", "--help"], env={"COLUMNS": "100"}).output)
    assert "a run folder [default: the untrained network]" in cost_help
