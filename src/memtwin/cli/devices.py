"""``memtwin devices``: the device library — list the presets with their key figures, show one (with its
citation and the notes on every assumed value), export one as TOML to start a device file from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from memtwin.atomic import write_text_atomic
from memtwin.devices import DeviceModel, list_presets, preset
from memtwin.experiments.devices import resolve_device
from memtwin.siformat import si


def _figures(device: DeviceModel) -> dict[str, Any]:
    """Key figures flattened for a table row / JSON (SI units)."""
    k = device.key_figures()
    pot: dict[str, Any] = k["potentiation"]  # type: ignore[assignment]
    dep: dict[str, Any] = k["depression"]  # type: ignore[assignment]
    return {
        "name": device.name,
        "levels": [pot["levels"], dep["levels"]],
        "pulses_per_level": [pot["pulses_per_level"], dep["pulses_per_level"]],
        "bins_per_mode": [pot["bins"], dep["bins"]],
        "bins": k["bins"],
        "bits": k["bits"],
        "sigma_over_bin_width": [pot["sigma_over_bin_width"], dep["sigma_over_bin_width"]],
        "d2d_update": device.variability.d2d_update,
        "d2d_bounds": device.variability.d2d_bounds,
        "d2d_measured_over": k["d2d_measured_over"],
        "on_off_ratio": k["on_off_ratio"],
        "max_voltage_V": device.pulse_scheme.max_voltage_V,
        "energy_per_cycle_J": device.pulse_scheme.energy_per_cycle_J,
        "drift": device.drift.get("kind"),
    }


def _pair(values: list[Any], fmt: str) -> str:
    a, b = (format(v, fmt) for v in values)
    return a if a == b else f"{a} / {b}"


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="memtwin device presets (potentiation / depression where they differ)")
    table.add_column("device", no_wrap=True)
    for col in ("levels", "bits", "σ/bin", "d2d u/b", "ON/OFF", "V max", "E/cycle"):
        table.add_column(col, justify="right")
    table.add_column("drift")
    for r in rows:
        table.add_row(
            r["name"],
            _pair(r["levels"], "d"),
            f"{r['bits']:.2f}",
            _pair(r["sigma_over_bin_width"], ".3g"),
            f"{r['d2d_update']:.2g} / {r['d2d_bounds']:.2g}" + ("*" if r["d2d_measured_over"] else ""),
            f"{r['on_off_ratio']:.3g}",
            "–" if r["max_voltage_V"] is None else f"{r['max_voltage_V']:g} V",
            "–" if r["energy_per_cycle_J"] is None else si(r["energy_per_cycle_J"], "J"),
            str(r["drift"]),
        )
    return table


def register(app: typer.Typer) -> None:
    devices_app = typer.Typer(
        help="The device library: presets from the paper and the literature, with their sources.",
        invoke_without_command=True,
        no_args_is_help=False,
    )

    @devices_app.callback()
    def devices(
        ctx: typer.Context,
        as_json: bool = typer.Option(False, "--json", help="Print the key figures as JSON."),
    ) -> None:
        """List every preset with its key figures (levels, bits, sigma / bin width, device-to-device
        variation, ON/OFF, max programming voltage, energy per cycle)."""
        if ctx.invoked_subcommand is not None:
            return
        rows = [_figures(preset(name)) for name in list_presets()]
        if as_json:
            typer.echo(json.dumps(rows))
            return
        console = Console()
        console.print(_table(rows))
        console.print("details: memtwin devices show NAME   export: memtwin devices show NAME --toml")

    @devices_app.command()
    def show(
        name: str = typer.Argument(..., help="A preset name, or a device TOML / characterization JSON file."),
        toml: bool = typer.Option(False, "--toml", help="Print the device as TOML (or write it with --out)."),
        out: Path = typer.Option(None, help="With --toml: write the TOML to this file instead of stdout."),
        as_json: bool = typer.Option(False, "--json", help="Print the key figures and sources as JSON."),
    ) -> None:
        """Show one device: key figures, citation and the notes on every value that had to be assumed."""
        device = resolve_device(name)
        if toml:
            text = device.to_toml_str()
            if out is not None:
                write_text_atomic(out, text)
                typer.echo(str(out))
            else:
                typer.echo(text, nl=False)
            return
        figures = _figures(device)
        if as_json:
            typer.echo(json.dumps({**figures, "citation": device.citation, "notes": device.notes}))
            return
        console = Console()
        console.print(_table([figures]))
        if figures["d2d_measured_over"]:
            console.print(f"* device-to-device spread measured over {figures['d2d_measured_over']} devices")
        console.print(f"[bold]citation[/bold]: {device.citation or '–'}", highlight=False)
        if device.notes:
            console.print("[bold]notes[/bold]:", highlight=False)
            typer.echo(device.notes)  # already line-broken by its author; rich would re-wrap it

    app.add_typer(devices_app, name="devices")
