"""How the experiment and analysis commands print their results: JSON (``--json``), the run folder only
(``--quiet``) or tables. The analyses' tables are the report's own (:mod:`memtwin.report.tables`,
rendered for the terminal), so a run's ``results.md``, its report and the terminal agree."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from memtwin.atomic import write_text_atomic
from memtwin.cli.options import RunFlags
from memtwin.crossbar.periphery import WRITE_MEANINGS
from memtwin.devices import MODES
from memtwin.experiments.config import ExperimentConfig, time_label
from memtwin.experiments.knobs import knob
from memtwin.report.doc import Block
from memtwin.report.terminal import print_blocks
from memtwin.siformat import si

#: Prints the tables of one kind of result on a console (called only when they are printed).
Printer = Callable[[dict[str, Any], Console], None]


def write_line(config: ExperimentConfig) -> str:
    """The write model(s) a run assumes, in words."""
    sweep = config.sweep
    if sweep is not None and knob(sweep.parameter).name == "write":
        return "write models: " + ", ".join(str(v) for v in sweep.values) + " (swept)"
    write = config.periphery.write
    others = "; --write verify|exact for the others" if write == "open-loop" else ""
    return f"write model: {write} ({WRITE_MEANINGS[write]}{others})"


def training_line(config: ExperimentConfig) -> str:
    """How the chips of an in-situ run are trained, in words ('' for offline training)."""
    if "in_situ" not in config.variants:
        return ""
    r = config.insitu
    start = "the digital network" if r.start == "digital" else "random weights"
    return (
        f"training in situ: {r.epochs} epoch(s) of {r.pulsing} pulses from {start}, lr {r.lr:g}, "
        f"batch {r.batch_size}; the first weights are written open loop"
    )


def announce(config: ExperimentConfig, run: RunFlags) -> None:
    """The first line(s) of a run's output: which write model its accuracies assume, and for chips
    trained in situ how."""
    if run.progress:
        console = Console(stderr=True, highlight=False)
        console.print(write_line(config))
        if line := training_line(config):
            console.print(line)


def emit_text(text: str, out: Path | None) -> None:
    """``text`` to standard output, or written atomically to ``out`` (then the path is printed)."""
    if out is None:
        typer.echo(text, nl=False)
        return
    write_text_atomic(out, text)
    typer.echo(str(out))


def emit(results: dict[str, Any], out: Path, run: RunFlags, printer: Printer, footer: str = "") -> None:
    """Print a finished run: its results as JSON, its folder only, or its tables, ``footer`` and folder."""
    if run.as_json:
        typer.echo(json.dumps({"run_dir": str(out), **results}))
        return
    if run.quiet:
        typer.echo(str(out))
        return
    console = Console()
    printer(results, console)
    if footer:
        console.print(footer, highlight=False)
    console.print(f"run folder: {out}  ({results['timings_s']['total']:.0f} s)", highlight=False)


def blocks(build: Callable[[dict[str, Any]], list[Block]]) -> Printer:
    """The printer of the report's tables of an analysis (``build``: e.g. its ``comparison_blocks``)."""
    return lambda results, console: print_blocks(build(results), console)


def print_evaluation(results: dict[str, Any], console: Console) -> None:
    """Accuracy and loss per mode, variant (and swept value) and time of an evaluation or a sweep."""
    write = results.get("write")
    written = f", {write} write" if write and write != "swept" else ""
    table = Table(
        title=f"{results['task']} on {results['device']}{written}: digital {100 * results['digital_accuracy']:.2f} %"
    )
    for col in ("mode", "variant", "time", "accuracy (%)", "loss (points)", "reps"):
        table.add_column(col)
    for r in results["analog"]:
        value = r.get("value")
        label = (
            f"{r['parameter']} = {value if isinstance(value, str) else format(value, 'g')}, "
            if "parameter" in r
            else ""
        )
        table.add_row(
            r["mode"],
            label + r["variant"],
            time_label(r["time_s"]),
            f"{100 * r['accuracy_mean']:.2f} ± {100 * r['accuracy_std']:.2f}",
            f"{100 * (results['digital_accuracy'] - r['accuracy_mean']):+.2f}",
            str(r["repetitions"]),
        )
    console.print(table)


def _count(n: int) -> str:
    """A large count compactly: 2.98 M, 36."""
    for factor, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if n >= factor:
            return f"{n / factor:.3g}{suffix}"
    return str(n)


def cost_table(costs: list[dict[str, Any]], task: str) -> Table:
    """Devices, tiles, pulses, energy and voltage to program the network, one row per device."""
    first = costs[0]
    table = Table(
        title=f"programming the {task} network: {first['weights']:,} weights → {first['devices']:,} devices, "
        f"{first['tiles']} tiles, {first['analog_layers']} analog layers (pulses counted from level 0)"
    )
    table.add_column("device", no_wrap=True)
    for col in ("pulses pot", "pulses dep", "E/pulse", "energy pot", "energy dep", "V max"):
        table.add_column(col, justify="right")
    for c in costs:
        energy = c["energy_J"]
        e_pulse = c["energy_per_pulse_J"]
        table.add_row(
            c["device"],
            *[_count(c["pulses"][m]) if m in c["pulses"] else "–" for m in MODES],
            "–" if e_pulse is None else si(e_pulse, "J"),
            *["–" if energy.get(m) is None else si(energy[m], "J") for m in MODES],
            "–" if c["max_voltage_V"] is None else f"{c['max_voltage_V']:g} V",
        )
    return table
