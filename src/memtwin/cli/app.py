"""Entry point of the ``memtwin`` command. Each sub-command lives in its own module with a
``register(app)`` function; add the module's name to COMMAND_MODULES."""

from __future__ import annotations

import importlib
import sys

import typer

from memtwin import __version__
from memtwin.errors import MemtwinError

COMMAND_MODULES: list[str] = [
    "memtwin.cli.characterize",
    "memtwin.cli.experiments",
    "memtwin.cli.assess",
    "memtwin.cli.report",
    "memtwin.cli.analyses",
    "memtwin.cli.cost",
    "memtwin.cli.devices",
    "memtwin.cli.retention",
    "memtwin.cli.export",
]

app = typer.Typer(
    name="memtwin",
    help="From a memristor's measured pulse trains to the inference accuracy of a crossbar built from it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"memtwin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """memtwin command line."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Run the CLI; errors memtwin raises on purpose are printed as one line, not a traceback."""
    try:
        app()
    except MemtwinError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(2)


if __name__ == "__main__":
    main()
