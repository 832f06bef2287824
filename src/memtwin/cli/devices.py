"""``memtwin devices``: the device library — list the presets with their key figures, show one (with its
citation and the notes on every assumed value), export one as TOML to start a device file from.

The list fits the terminal: when its columns do not fit side by side, they are split into several
tables (each keeping the device column) rather than cut to "ON/O…"; one device is shown as a
figure-per-line table, which fits any width."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeAlias

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from memtwin.cli.output import emit_text
from memtwin.devices import DeviceModel, list_presets, preset
from memtwin.experiments.devices import resolve_device
from memtwin.siformat import si

__all__ = ["si"]  # re-exported: older code formats with memtwin.cli.devices.si

LIST_TITLE = "memtwin device presets (potentiation / depression where they differ)"


def _figures(device: DeviceModel) -> dict[str, Any]:
    """Key figures flattened for a table row / JSON (SI units)."""
    k = device.key_figures()
    pot: dict[str, Any] = k["potentiation"]  # type: ignore[assignment]
    dep: dict[str, Any] = k["depression"]  # type: ignore[assignment]
    same = (
        "d2d_update",
        "d2d_bounds",
        "d2d_measured_over",
        "on_off_ratio",
        "max_voltage_V",
        "energy_per_cycle_J",
    )
    return {
        "name": device.name,
        "levels": [pot["levels"], dep["levels"]],
        "pulses_per_level": [pot["pulses_per_level"], dep["pulses_per_level"]],
        "bins_per_mode": [pot["bins"], dep["bins"]],
        "bins": k["bins"],
        "bits": k["bits"],
        "sigma_over_bin_width": [pot["sigma_over_bin_width"], dep["sigma_over_bin_width"]],
        **{key: k[key] for key in same},
        "drift": k["drift"],
    }


def _pair(values: list[Any], fmt: str) -> str:
    a, b = (format(v, fmt) for v in values)
    return a if a == b else f"{a} / {b}"


@dataclass(frozen=True)
class Column:
    """One key figure: its header in the list, its label on a line of its own, and its cell text."""

    header: str
    label: str
    cell: Callable[[dict[str, Any]], str]


COLUMNS = (
    Column("levels", "levels per mode", lambda r: _pair(r["levels"], "d")),
    Column("bits", "bits (differential pair)", lambda r: f"{r['bits']:.2f}"),
    Column("σ/bin", "σ / bin width", lambda r: _pair(r["sigma_over_bin_width"], ".3g")),
    Column(
        "d2d u/b",
        "device-to-device variation, update / bounds",
        lambda r: f"{r['d2d_update']:.2g} / {r['d2d_bounds']:.2g}" + ("*" if r["d2d_measured_over"] else ""),
    ),
    Column("ON/OFF", "ON/OFF ratio", lambda r: f"{r['on_off_ratio']:.3g}"),
    Column(
        "V max",
        "max programming voltage",
        lambda r: "–" if r["max_voltage_V"] is None else f"{r['max_voltage_V']:g} V",
    ),
    Column(
        "E/cycle",
        "energy per cycle",
        lambda r: "–" if r["energy_per_cycle_J"] is None else si(r["energy_per_cycle_J"], "J"),
    ),
    Column("drift", "drift model", lambda r: str(r["drift"])),
)


def _table(
    rows: list[dict[str, Any]], columns: tuple[Column, ...] | list[Column], title: str | None
) -> Table:
    table = Table(title=title)
    table.add_column("device", no_wrap=True)
    for col in columns:
        table.add_column(col.header, justify="left" if col.header == "drift" else "right", no_wrap=True)
    for r in rows:
        table.add_row(r["name"], *[col.cell(r) for col in columns])
    return table


def list_tables(rows: list[dict[str, Any]], width: int, console: Console) -> list[Table]:
    """The preset list as one table, or split into as few tables as fit ``width`` side by side."""
    unbounded = console.options.update_width(10 * width)  # measure the natural width, not the clipped one
    groups: list[list[Column]] = [[]]
    for col in COLUMNS:
        wider = _table(rows, [*groups[-1], col], None)
        if groups[-1] and Measurement.get(console, unbounded, wider).maximum > width:
            groups.append([col])
        else:
            groups[-1].append(col)
    return [_table(rows, group, LIST_TITLE if i == 0 else None) for i, group in enumerate(groups)]


def device_table(figures: dict[str, Any]) -> Table:
    """One device's key figures, one per line."""
    table = Table(title=figures["name"], show_header=False)
    table.add_column("figure")
    table.add_column("value")
    for col in COLUMNS:
        table.add_row(col.label, col.cell(figures))
    return table


JsonFlag: TypeAlias = Annotated[bool, typer.Option("--json", help="Print the key figures as JSON.")]
Name: TypeAlias = Annotated[
    str, typer.Argument(help="A preset name, or a device TOML / characterization JSON file.")
]
TomlFlag: TypeAlias = Annotated[
    bool, typer.Option("--toml", help="Print the device as TOML (or write it with --out).")
]
TomlOut: TypeAlias = Annotated[
    Path | None, typer.Option(help="With --toml: write the TOML to this file instead of stdout.")
]
ShowJson: TypeAlias = Annotated[
    bool, typer.Option("--json", help="Print the key figures and sources as JSON.")
]


def devices(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List every preset with its key figures (levels, bits, sigma / bin width, device-to-device
    variation, ON/OFF, max programming voltage, energy per cycle)."""
    if ctx.invoked_subcommand is not None:
        return
    rows = [_figures(preset(name)) for name in list_presets()]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    console = Console()
    for table in list_tables(rows, console.width, console):
        console.print(table)
    if any(r["d2d_measured_over"] for r in rows):
        console.print("* device-to-device spread measured over the devices of the measurements")
    console.print("details: memtwin devices show NAME   export: memtwin devices show NAME --toml")


def show(name: Name, toml: TomlFlag = False, out: TomlOut = None, as_json: ShowJson = False) -> None:
    """Show one device: key figures, citation and the notes on every value that had to be assumed."""
    device = resolve_device(name)
    if toml:
        _export_toml(device, out)
        return
    figures = _figures(device)
    if as_json:
        typer.echo(json.dumps({**figures, "citation": device.citation, "notes": device.notes}))
        return
    console = Console()
    console.print(device_table(figures))
    if figures["d2d_measured_over"]:
        console.print(f"* device-to-device spread measured over {figures['d2d_measured_over']} devices")
    console.print(f"[bold]citation[/bold]: {device.citation or '–'}", highlight=False)
    if device.notes:
        console.print("[bold]notes[/bold]:", highlight=False)
        typer.echo(device.notes)  # already line-broken by its author; rich would re-wrap it


def _export_toml(device: DeviceModel, out: Path | None) -> None:
    emit_text(device.to_toml_str(), out)


def register(app: typer.Typer) -> None:
    """Add ``devices`` (the list) and ``devices show`` to the ``memtwin`` command."""
    devices_app = typer.Typer(
        help="The device library: presets from the paper and the literature, with their sources.",
        invoke_without_command=True,
        no_args_is_help=False,
    )
    devices_app.callback()(devices)
    devices_app.command()(show)
    app.add_typer(devices_app, name="devices")
