"""``memtwin export``: a device as another simulator's configuration. ``memtwin export aihwkit DEVICE
--out FILE.py`` writes a Python module whose ``rpu_config()`` builds the device's IBM AIHWKIT
configuration (see :mod:`memtwin.export.aihwkit`); the module needs only aihwkit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeAlias

import typer

from memtwin.cli.options import DEVICE_HELP, D2d, Drift, parse_d2d, parse_periphery
from memtwin.cli.output import emit_text
from memtwin.errors import ConfigError
from memtwin.experiments.devices import resolve_device
from memtwin.export import AIHWKIT_KINDS, aihwkit_module

Device: TypeAlias = Annotated[str, typer.Argument(help=DEVICE_HELP)]
Out: TypeAlias = Annotated[
    Path | None, typer.Option(help="The Python module to write (atomically) \\[default: print it].")
]
Kind: TypeAlias = Annotated[
    str,
    typer.Option(
        help="pulsed: a SingleRPUConfig with the device's pulsed (training) device, its step, spreads and "
        "bounds; inference: an InferenceRPUConfig with the device's drift as noise model and global drift "
        "compensation."
    ),
]
PeripheryName: TypeAlias = Annotated[
    str,
    typer.Option(
        "--periphery",
        help="Converters, IR drop and tiles to export: 'paper' (8-bit DAC/ADC, IR drop, 512x512 tiles) or "
        "'ideal'.",
    ),
]


def aihwkit(
    device: Device,
    out: Out = None,
    kind: Kind = "pulsed",
    periphery: PeripheryName = "paper",
    d2d: D2d = None,
    drift: Drift = None,
) -> None:
    """Write a Python module whose rpu_config() builds the device's AIHWKIT configuration; its comment
    block gives every value, how it was derived from the device, and what AIHWKIT cannot represent."""
    if kind not in AIHWKIT_KINDS:
        raise ConfigError(f"--kind must be one of {', '.join(AIHWKIT_KINDS)}, got {kind!r}")
    model = resolve_device(device, d2d=parse_d2d(d2d), drift=drift)
    emit_text(aihwkit_module(model, parse_periphery(periphery), kind), out)


def register(app: typer.Typer) -> None:
    """Add ``export`` (with ``export aihwkit``) to the ``memtwin`` command."""
    export_app = typer.Typer(
        help="Export a device as another simulator's configuration.", no_args_is_help=True
    )
    export_app.command()(aihwkit)
    app.add_typer(export_app, name="export")
