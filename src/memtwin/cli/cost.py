"""``memtwin cost``: devices, tiles, programming pulses, energy and voltage to program a network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, TypeAlias

import tomli_w
import typer
from rich.console import Console

from memtwin.atomic import write_text_atomic
from memtwin.cli.options import Overwrite, csv_list, parse_periphery
from memtwin.cli.output import cost_table
from memtwin.devices import MODES, list_presets
from memtwin.errors import ConfigError
from memtwin.experiments.analysis import rows_csv
from memtwin.experiments.cost import load_weights, network_cost
from memtwin.experiments.devices import resolve_device
from memtwin.experiments.runfolder import RunFolder
from memtwin.tasks.networks import build_network

CSV_COLUMNS = ("device", "weights", "devices", "tiles", *[f"pulses_{m}" for m in MODES],
               *[f"energy_J_{m}" for m in MODES], "energy_per_pulse_J", "max_voltage_V", "weight_source")  # fmt: skip

Task: TypeAlias = Annotated[
    str, typer.Option(help="mnist, cifar10 or digits (only the network is built; no data).")
]
Devices: TypeAlias = Annotated[
    str, typer.Option("--device", help="Comma-separated presets or device files, or 'all'.")
]
Checkpoint: TypeAlias = Annotated[
    Path | None,
    typer.Option(
        help="Trained weights: a last.pt, a state-dict file or a run folder \\[default: the untrained network]."
    ),
]
PeripheryName: TypeAlias = Annotated[
    str, typer.Option("--periphery", help="'paper' (512×512 tiles) or 'ideal' (one tile per layer).")
]
Seed: TypeAlias = Annotated[int, typer.Option(help="Seed of the untrained network's initial weights.")]
Out: TypeAlias = Annotated[
    Path | None, typer.Option(help="Also write a run folder (results.json, results.csv) here.")
]


def cost(
    task: Task = "mnist",
    devices: Devices = "hfs2-xhameni2025",
    checkpoint: Checkpoint = None,
    periphery: PeripheryName = "paper",
    seed: Seed = 0,
    out: Out = None,
    overwrite: Overwrite = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the costs as JSON.")] = False,
) -> None:
    """Devices, tiles, programming pulses, energy and voltage to program a network onto a device."""
    per = parse_periphery(periphery)
    if per.write != "open-loop":  # verify pulses depend on each device's draw; exact writes count none
        raise ConfigError(
            f"cost counts open-loop programming pulses; write {per.write!r} is not supported here"
        )
    specs = list_presets() if devices.strip() == "all" else (csv_list(devices) or [])
    net = build_network(task, seed=seed)
    source = f"untrained network (seed {seed})" if checkpoint is None else str(load_weights(net, checkpoint))
    costs = [network_cost(net, resolve_device(s), per, weight_source=source).to_dict() for s in specs]
    results: dict[str, Any] = {"analysis": "cost", "task": task, "periphery": per.to_dict(), "costs": costs}
    if out is not None:
        settings = {"analysis": "cost", "task": task, "devices": specs, "seed": seed, "periphery": periphery}
        if checkpoint is not None:
            settings["checkpoint"] = str(checkpoint)
        write_cost_run(out, settings, results, overwrite=overwrite)
    if as_json:
        typer.echo(json.dumps(results))
        return
    console = Console()
    console.print(cost_table(costs, task))
    console.print(f"weights: {source}; tiles {per.tile_rows or '∞'}×{per.tile_cols or '∞'}", highlight=False)


def write_cost_run(out: Path, settings: dict[str, Any], results: dict[str, Any], *, overwrite: bool) -> None:
    """A complete run folder of the costs: the settings as its config, results.json and results.csv
    (one row per device, the per-mode counts as columns)."""
    run = RunFolder(out)
    run.start(tomli_w.dumps(settings), overwrite=overwrite)
    rows = [
        {k: v for k, v in c.items() if k != "layers"}
        | {f"pulses_{m}": n for m, n in c["pulses"].items()}
        | {f"energy_J_{m}": e for m, e in c["energy_J"].items()}
        for c in results["costs"]
    ]
    write_text_atomic(run.path / "results.csv", rows_csv(rows, CSV_COLUMNS))
    run.write_json("results.json", results)
    run.complete()


def register(app: typer.Typer) -> None:
    """Add ``cost`` to the ``memtwin`` command."""
    app.command()(cost)
