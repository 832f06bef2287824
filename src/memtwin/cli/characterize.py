"""``memtwin characterize``: pulse-train files in; a summary table, ``characterization.json`` and the
Fig. 2(d)(e)(f) figures out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from memtwin.characterization import (
    Characterization,
    LinearRangeCriteria,
    characterizations_to_dict,
    characterize_all,
    write_characterizations,
)
from memtwin.measurements.table import PulseTable

US = 1e6
NJ = 1e9


def _parse_range(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*[-:]\s*(\d+)\s*", text)
    if not m or int(m.group(1)) >= int(m.group(2)):
        raise typer.BadParameter(
            f"{text!r}: expected FIRST-LAST pulse numbers, e.g. 3-18", param_hint="--linear-range"
        )
    return int(m.group(1)), int(m.group(2))


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "device"


def _fmt(x: float | None, fmt: str, scale: float = 1.0) -> str:
    if x is None or x != x:  # None or NaN
        return "—"
    return format(x * scale, fmt)


def summary_tables(result: Characterization) -> list[Table]:
    """One device's figures of merit in readable units (µS, nJ): per phase, then for the device."""
    p, d = result.potentiation, result.depression
    phases = Table(
        title=f"{result.device}: {result.cycles} cycles from {result.source}", title_justify="left"
    )
    phases.add_column("per phase")
    phases.add_column("potentiation", justify="right")
    phases.add_column("depression", justify="right")
    for name, fn in (
        ("linear range (pulses)", lambda ph: f"{ph.linear_range[0]}–{ph.linear_range[1]}"),
        ("levels", lambda ph: str(ph.levels)),
        ("slope = bin width (µS/pulse)", lambda ph: _fmt(ph.slope_S_per_pulse, "+.3f", US)),
        ("R²", lambda ph: _fmt(ph.r2, ".5f")),
        ("mean σ (µS)", lambda ph: _fmt(ph.sigma_mean_S, ".3f", US)),
        ("smallest step / pair σ", lambda ph: _fmt(ph.min_separation_sigma, ".2f")),
        ("bins, pair in this mode", lambda ph: f"{ph.bins} ({ph.bits:.2f} bits)"),
        ("full-ramp A / P_max", lambda ph: _fmt(ph.nonlinearity.A_norm, ".2f")),
    ):
        phases.add_row(name, fn(p), fn(d))
    e = result.energy_per_cycle_J
    energy = "—"
    if e is not None:
        spread = f" ± {e.std * NJ:.2f}" if e.std is not None else ""
        energy = f"{e.mean * NJ:.2f}{spread} ({e.method.replace('_', ' ')}, {e.cycles} cycles)"
    device = Table(show_header=True)
    device.add_column("device")
    device.add_column("value", justify="right")
    for name, value in (
        ("bins (+ potentiation, − depression)", f"{result.bins} ({result.bits:.2f} bits)"),
        ("mean σ of all levels (µS)", _fmt(result.sigma_mean_S, ".3f", US)),
        ("symmetry (|slope| min/max)", _fmt(result.symmetry, ".4f")),
        ("ON/OFF ratio", _fmt(result.on_off_ratio, ".3f")),
        ("conductance range (µS)", f"{_fmt(result.g_min_S, '.1f', US)}–{_fmt(result.g_max_S, '.1f', US)}"),
        ("energy per cycle (nJ)", energy),
        ("max programming voltage (V)", _fmt(result.max_programming_voltage_V, ".3f")),
    ):
        device.add_row(name, value)
    return [phases, device]


def characterize_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Measurement files (tidy/wide CSV, XLSX, up/down table); read together.", show_default=False
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Output folder (default: runs/characterize-<stem of the first file>)."
        ),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Use the bundled SYNTHETIC HfS2-like example device.")
    ] = False,
    device: Annotated[str | None, typer.Option("--device", help="Characterize only this device.")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="File layout: tidy, wide, xlsx or updown (default: detected)."),
    ] = None,
    phase: Annotated[
        str | None, typer.Option("--phase", help="Phase of single-phase files (potentiation/depression).")
    ] = None,
    read_voltage: Annotated[
        float | None,
        typer.Option("--read-voltage", help="Read voltage in V, for files holding read currents."),
    ] = None,
    min_r2: Annotated[float, typer.Option("--min-r2", help="Least R² of the linear range's fit.")] = 0.995,
    k_sigma: Annotated[
        float, typer.Option("--k-sigma", help="Neighbouring levels must differ by more than k pair sigmas.")
    ] = 2.0,
    min_levels: Annotated[int, typer.Option("--min-levels", help="Fewest pulses in a linear range.")] = 4,
    linear_range: Annotated[
        str | None,
        typer.Option("--linear-range", help="Fix the range of both phases, FIRST-LAST (e.g. 3-18)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON instead of the summary table.")
    ] = False,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Write the Fig. 2(d)(e)(f) plots.")
    ] = True,
) -> None:
    """Characterize devices from pulse-train files: linear range, bins, σ, symmetry, energy; JSON + figures.

    Several devices: one characterization.json holding {"devices": {name: ...}}, figures in a folder each.
    """
    from memtwin.data import example_csv_path
    from memtwin.measurements import load_many

    if example and files:
        raise typer.BadParameter("give FILE... or --example, not both", param_hint="FILE")
    if example:
        paths = [example_csv_path()]
    elif files:
        paths = list(files)
    else:
        raise typer.BadParameter("give one or more measurement files, or --example", param_hint="FILE")
    fixed = _parse_range(linear_range)
    criteria = LinearRangeCriteria(min_r2=min_r2, k_sigma=k_sigma, min_levels=min_levels)

    table: PulseTable = load_many(paths, format=fmt, phase=phase, device=device, read_voltage_V=read_voltage)
    if device is not None and len(table.devices) > 1:
        table = table.for_device(device)
    results = characterize_all(table, criteria, linear_range=fixed)

    out_dir = out if out is not None else Path("runs") / f"characterize-{paths[0].stem}"
    json_path = write_characterizations(results, out_dir / "characterization.json")
    written = [json_path]
    if figures:
        from memtwin.characterization.plots import plot_characterization

        for name, result in results.items():
            fig_dir = out_dir if len(results) == 1 else out_dir / _safe_name(name)
            written += plot_characterization(table.for_device(name), result, fig_dir)

    if as_json:
        typer.echo(json.dumps(characterizations_to_dict(results), indent=2, allow_nan=False))
        return
    console = Console()
    for result in results.values():
        for table_ in summary_tables(result):
            console.print(table_)
    console.print(f"wrote {json_path}" + (f" and {len(written) - 1} figure files" if figures else ""))


def register(app: typer.Typer) -> None:
    """Add ``characterize`` to the ``memtwin`` command."""
    app.command("characterize")(characterize_command)
