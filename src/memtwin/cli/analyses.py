"""``memtwin compare``, ``memtwin ablate``, ``memtwin tolerance`` and ``memtwin cost``: screening devices
with the same network and protocol, what each non-ideality costs, what a device must reach, and what it
takes to program a network. The first three train the digital network once and fan the evaluations out
over an executor (``--executor local|serial|ray``)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomli_w
import typer
from rich.console import Console
from rich.table import Table

from memtwin.atomic import write_text_atomic
from memtwin.cli.devices import si
from memtwin.cli.experiments import DATA_HELP, DEVICE_HELP, TASK_HELP, _floats
from memtwin.crossbar.periphery import Periphery
from memtwin.devices import MODES, list_presets
from memtwin.errors import ConfigError
from memtwin.experiments.ablate import ablate as run_ablation
from memtwin.experiments.compare import compare_devices, loss_of
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.cost import load_weights, network_cost
from memtwin.experiments.devices import resolve_device
from memtwin.experiments.executors import EXECUTOR_KINDS, make_executor
from memtwin.experiments.figures import time_label
from memtwin.experiments.jobs import rows_csv
from memtwin.experiments.runfolder import RunFolder
from memtwin.experiments.tolerance import PARAMETERS, threshold_text
from memtwin.experiments.tolerance import tolerance as run_tolerance
from memtwin.tasks.networks import build_network

EXECUTOR_HELP = f"Where the evaluations run: {', '.join(EXECUTOR_KINDS)} (local = process pool)."


def _csv_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def _config(
    task: str,
    device: str | None = None,
    data_dir: Path | None = None,
    epochs: int | None = None,
    hwat_epochs: int | None = None,
    repetitions: int | None = None,
    times: str | None = None,
    modes: str | None = None,
    variants: str | None = None,
    d2d: float | None = None,
    drift: str | None = None,
    subset: int | None = None,
    test_subset: int | None = None,
    seed: int | None = None,
    periphery: str | None = None,
    cpu: bool = False,
) -> ExperimentConfig:
    """The analysis' experiment config: the task's protocol with the flags given applied."""
    cfg = ExperimentConfig.for_task(task)
    changes: dict[str, Any] = {}
    if epochs is not None:
        changes["digital"] = cfg.digital.replace(epochs=epochs)
    if hwat_epochs is not None:
        changes["hwat"] = cfg.hwat.replace(epochs=hwat_epochs)
    if times is not None:
        changes["times_s"] = _floats(times, "--times")
    for key, text in (("modes", modes), ("variants", variants)):
        chosen = _csv_list(text)
        if chosen is not None:
            changes[key] = tuple(chosen)
    if data_dir is not None:
        changes["data_dir"] = str(data_dir)
    plain = {"device": device, "repetitions": repetitions, "d2d": d2d, "drift": drift, "subset": subset,
             "test_subset": test_subset, "seed": seed}  # fmt: skip
    changes.update({k: v for k, v in plain.items() if v is not None})
    if periphery is not None:
        if periphery not in ("paper", "ideal"):
            raise ConfigError(f"--periphery must be 'paper' or 'ideal', got {periphery!r}")
        changes["periphery"] = Periphery.paper() if periphery == "paper" else Periphery.ideal()
    if cpu:
        changes["device_kind"] = "cpu"
    return replace(cfg, **changes)


def _emit(
    results: dict[str, Any], out: Path, as_json: bool, quiet: bool, tables: Table | list[Table], footer: str
) -> None:
    if as_json:
        typer.echo(json.dumps({"run_dir": str(out), **results}))
        return
    if quiet:
        typer.echo(str(out))
        return
    console = Console()
    for table in tables if isinstance(tables, list) else [tables]:
        console.print(table)
    if footer:
        console.print(footer, highlight=False)
    console.print(f"run folder: {out}  ({results['timings_s']['total']:.0f} s)", highlight=False)


def _compare_table(results: dict[str, Any]) -> Table:
    p = results["protocol"]
    times = results["times_s"]
    table = Table(
        title=f"{results['task']}: accuracy loss vs digital ({100 * results['digital_accuracy']:.2f} %), points, "
        f"mean ± std over {p['repetitions']} repetitions"
    )
    table.add_column("device")
    table.add_column("variant")
    table.add_column("V max", justify="right")
    for t in times:
        for m in p["modes"]:
            table.add_column(f"{m[:3]} @ {time_label(t)}", justify="right")
    for d in results["devices"]:
        for v in p["variants"]:
            cells = []
            for t in times:
                for m in p["modes"]:
                    e = loss_of(d, m, v, t)
                    cells.append("–" if e is None else f"{e['loss_mean']:.2f} ± {e['loss_std']:.2f}")
            vmax = "–" if d["max_voltage_V"] is None else f"{d['max_voltage_V']:g}"
            table.add_row(d["name"], v, vmax, *cells)
    return table


def _ablation_tables(results: dict[str, Any]) -> list[Table]:
    tables = []
    for s in results["by_time"]:
        when = "0 s (just programmed)" if s["time_s"] == 0 else time_label(s["time_s"])
        table = Table(
            title=f"ablation of {results['device']} on {results['task']} ({results['variant']}, t = {when}): "
            f"full loss {s['loss_full']['mean']:.2f} ± {s['loss_full']['std']:.2f} points",
            caption=s["statement"],
            caption_justify="left",
        )
        table.add_column("non-ideality", no_wrap=True)
        for col in ("present", "loss, it off", "recovered ± SE", "loss, it alone", "cost alone ± SE"):
            table.add_column(col, justify="right")
        for t in s["items"]:
            table.add_row(
                t["label"],
                "yes" if t["present"] else "no",
                f"{t['loss_off_mean']:.2f} ± {t['loss_off_std']:.2f}",
                f"{t['recovered_mean']:+.2f} ± {t['recovered_se']:.2f}",
                f"{t['loss_alone_mean']:.2f} ± {t['loss_alone_std']:.2f}",
                f"{t['cost_alone_mean']:+.2f} ± {t['cost_alone_se']:.2f}",
            )
        tables.append(table)
    return tables


def _tolerance_table(results: dict[str, Any]) -> Table:
    table = Table(
        title=f"tolerance of {results['device']} on {results['task']}: budget {results['budget_points']:g} points "
        f"({results['variant']}, t = {time_label(results['time_s'])}; band = mean ± {results['z']:g} SE)"
    )
    for col in ("parameter", "this device", "threshold", "band", "points evaluated"):
        table.add_column(col, justify="left" if col == "parameter" else "right")
    for t in results["thresholds"]:
        integer = t["parameter"] == "levels"

        def f(v: float | None, integer: bool = integer) -> str:
            return "–" if v is None else (f"{v:.0f}" if integer else f"{v:.3g}")

        thr = f(t["threshold"]) + (f" ({t['censored'].replace('_', ' ')})" if t["censored"] else "")
        table.add_row(
            f"{t['kind']} {t['label']}",
            f(t["device_value"]),
            thr,
            f"{f(t['band_range'][0])} – {f(t['band_range'][1])}",
            str(len(t["points"])),
        )
    return table


def _count(n: int) -> str:
    """A large count compactly: 2.98 M, 36."""
    for factor, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if n >= factor:
            return f"{n / factor:.3g}{suffix}"
    return str(n)


def _cost_table(costs: list[dict[str, Any]], task: str) -> Table:
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


def register(app: typer.Typer) -> None:
    @app.command()
    def compare(
        task: str = typer.Option("digits", help=TASK_HELP),
        devices: str = typer.Option(
            None, help="Comma-separated presets or device files [default: every preset]."
        ),
        executor: str = typer.Option("local", help=EXECUTOR_HELP),
        address: str = typer.Option(
            None, help="Ray cluster address (with --executor ray), e.g. auto or ray://host:10001."
        ),
        workers: int = typer.Option(
            None, help="Worker processes (local) or CPUs of a local Ray instance [default: all]."
        ),
        data_dir: Path = typer.Option(None, help=DATA_HELP),
        out: Path = typer.Option(None, help="Run folder [default: runs/compare-TASK]."),
        epochs: int = typer.Option(None, help="Digital training epochs."),
        hwat_epochs: int = typer.Option(None, help="Hardware-aware training epochs."),
        repetitions: int = typer.Option(None, help="Programmings per condition [default: 5]."),
        times: str = typer.Option(
            None, help="Times after programming (s); the first and the last are reported."
        ),
        modes: str = typer.Option(None, help="potentiation,depression (default both)."),
        variants: str = typer.Option(None, help="baseline,hwat_gdc (default both)."),
        d2d: float = typer.Option(None, help="Override every device's device-to-device variation."),
        drift: str = typer.Option(
            None, help="Override every device's drift model kind (e.g. none, reram-wan2022-aihwkit)."
        ),
        subset: int = typer.Option(None, help="Training examples to use."),
        test_subset: int = typer.Option(None, help="Test examples to use."),
        seed: int = typer.Option(None, help="Seed of the run."),
        periphery: str = typer.Option(None, help="'paper' (default) or 'ideal'."),
        cpu: bool = typer.Option(False, "--cpu", help="Stay on the CPU."),
        overwrite: bool = typer.Option(False, help="Replace a complete run in --out."),
        quiet: bool = typer.Option(
            False, "--quiet", "-q", help="No progress bars; print only the run folder."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    ) -> None:
        """Run devices through the same network and protocol (the paper's Fig. 6, same pipeline for all)."""
        cfg = _config(task, None, data_dir, epochs, hwat_epochs, repetitions, times, modes, variants, d2d, drift,
                      subset, test_subset, seed, periphery, cpu)  # fmt: skip
        specs = _csv_list(devices)
        if specs == ["all"]:
            specs = list_presets()
        out = out or Path("runs") / f"compare-{cfg.task}"
        started = time.perf_counter()
        with make_executor(executor, workers=workers, address=address) as ex:
            results = compare_devices(
                cfg, out, specs, executor=ex, progress=not (quiet or as_json), overwrite=overwrite
            )
        footer = (
            f"{len(results['devices'])} devices, executor {executor}: {time.perf_counter() - started:.0f} s wall. "
            "Published numbers (different network/toolkit): see results.md and figures/compare_loss.png."
        )
        _emit(results, out, as_json, quiet, _compare_table(results), footer)

    @app.command()
    def ablate(
        device: str = typer.Option("hfs2-xhameni2025", help=DEVICE_HELP),
        task: str = typer.Option("digits", help=TASK_HELP),
        variant: str = typer.Option(
            "hwat_gdc", help="hwat_gdc (HWAT per configuration) or baseline (faster)."
        ),
        at: str = typer.Option(
            None,
            help="Comma-separated times (s) to judge at [default: 0 (just programmed) and the last of --times].",
        ),
        executor: str = typer.Option("local", help=EXECUTOR_HELP),
        address: str = typer.Option(None, help="Ray cluster address (with --executor ray)."),
        workers: int = typer.Option(None, help="Worker processes / Ray CPUs."),
        data_dir: Path = typer.Option(None, help=DATA_HELP),
        out: Path = typer.Option(None, help="Run folder [default: runs/ablate-TASK-DEVICE]."),
        epochs: int = typer.Option(None, help="Digital training epochs."),
        hwat_epochs: int = typer.Option(None, help="Hardware-aware training epochs."),
        repetitions: int = typer.Option(None, help="Programmings per configuration."),
        times: str = typer.Option(
            None, help="Protocol times (s); the ablation judges at 0 and the last unless --at."
        ),
        modes: str = typer.Option(None, help="potentiation,depression (default both)."),
        d2d: float = typer.Option(None, help="Device-to-device variation override."),
        drift: str = typer.Option(
            None, help="Override the drift model kind (e.g. none, reram-wan2022-aihwkit)."
        ),
        subset: int = typer.Option(None, help="Training examples to use."),
        test_subset: int = typer.Option(None, help="Test examples to use."),
        seed: int = typer.Option(None, help="Seed of the run."),
        periphery: str = typer.Option(None, help="'paper' (default) or 'ideal'."),
        cpu: bool = typer.Option(False, "--cpu", help="Stay on the CPU."),
        overwrite: bool = typer.Option(False, help="Replace a complete run in --out."),
        quiet: bool = typer.Option(False, "--quiet", "-q"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Switch each non-ideality off in turn and on alone: what each one costs, and which dominates."""
        cfg = _config(task, device, data_dir, epochs, hwat_epochs, repetitions, times, modes, None, d2d, drift,
                      subset, test_subset, seed, periphery, cpu)  # fmt: skip
        out = out or Path("runs") / f"ablate-{cfg.task}-{Path(cfg.device).stem}"
        with make_executor(executor, workers=workers, address=address) as ex:
            results = run_ablation(
                cfg,
                out,
                variant=variant,
                times_s=_floats(at, "--at"),
                executor=ex,
                progress=not (quiet or as_json),
                overwrite=overwrite,
            )
        _emit(results, out, as_json, quiet, _ablation_tables(results), results.get("note") or "")

    @app.command()
    def tolerance(
        device: str = typer.Option("hfs2-xhameni2025", help=DEVICE_HELP),
        budget: float = typer.Option(1.0, help="Largest accepted accuracy loss vs digital (points)."),
        parameters: str = typer.Option(
            "d2d,sigma,levels", help="Which limits to search: " + ", ".join(PARAMETERS)
        ),
        d2d_grid: str = typer.Option(None, help="Coarse grid of device-to-device variation values."),
        sigma_grid: str = typer.Option(
            None, help="Coarse grid of sigma multiples (of the device's own sigma)."
        ),
        levels_grid: str = typer.Option(None, help="Coarse grid of level counts."),
        rounds: int = typer.Option(
            2, help="Refinement rounds after the grid (integer levels: until adjacent)."
        ),
        points_per_round: int = typer.Option(3, help="Points evaluated in parallel per refinement round."),
        task: str = typer.Option("digits", help=TASK_HELP),
        variant: str = typer.Option("hwat_gdc", help="hwat_gdc or baseline."),
        time_s: float = typer.Option(
            None, "--time", help="Evaluation time after programming (s) [default: 0, just programmed]."
        ),
        executor: str = typer.Option("local", help=EXECUTOR_HELP),
        address: str = typer.Option(None, help="Ray cluster address (with --executor ray)."),
        workers: int = typer.Option(None, help="Worker processes / Ray CPUs."),
        data_dir: Path = typer.Option(None, help=DATA_HELP),
        out: Path = typer.Option(None, help="Run folder [default: runs/tolerance-TASK-DEVICE]."),
        epochs: int = typer.Option(None, help="Digital training epochs."),
        hwat_epochs: int = typer.Option(None, help="Hardware-aware training epochs."),
        repetitions: int = typer.Option(None, help="Programmings per point."),
        times: str = typer.Option(None, help="Protocol times (s)."),
        modes: str = typer.Option(None, help="potentiation,depression (default both)."),
        drift: str = typer.Option(
            None, help="Override the drift model kind (e.g. none, reram-wan2022-aihwkit)."
        ),
        subset: int = typer.Option(None, help="Training examples to use."),
        test_subset: int = typer.Option(None, help="Test examples to use."),
        seed: int = typer.Option(None, help="Seed of the run."),
        periphery: str = typer.Option(None, help="'paper' (default) or 'ideal'."),
        cpu: bool = typer.Option(False, "--cpu", help="Stay on the CPU."),
        overwrite: bool = typer.Option(False, help="Replace a complete run in --out."),
        quiet: bool = typer.Option(False, "--quiet", "-q"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Largest d2d, largest sigma / bin width and fewest levels that keep the loss within a budget."""
        cfg = _config(task, device, data_dir, epochs, hwat_epochs, repetitions, times, modes, None, None, drift,
                      subset, test_subset, seed, periphery, cpu)  # fmt: skip
        grids: dict[str, tuple[float, ...]] = {}
        for name, text in (("d2d", d2d_grid), ("sigma", sigma_grid), ("levels", levels_grid)):
            values = _floats(text, f"--{name}-grid")
            if values is not None:
                grids[name] = values
        out = out or Path("runs") / f"tolerance-{cfg.task}-{Path(cfg.device).stem}"
        with make_executor(executor, workers=workers, address=address) as ex:
            results = run_tolerance(
                cfg, out, budget=budget, parameters=_csv_list(parameters) or [], grids=grids, variant=variant,
                time_s=time_s, rounds=rounds, points_per_round=points_per_round, executor=ex,
                progress=not (quiet or as_json), overwrite=overwrite,
            )  # fmt: skip
        footer = "\n".join(threshold_text(t) for t in results["thresholds"])
        _emit(results, out, as_json, quiet, _tolerance_table(results), footer)

    @app.command()
    def cost(
        task: str = typer.Option(
            "mnist", help="mnist, cifar10 or digits (only the network is built; no data)."
        ),
        device: str = typer.Option(
            "hfs2-xhameni2025", help="Comma-separated presets or device files, or 'all'."
        ),
        checkpoint: Path = typer.Option(
            None,
            help="Trained weights: a last.pt, a state-dict file or a run folder [default: the untrained network].",
        ),
        periphery: str = typer.Option(
            "paper", help="'paper' (512×512 tiles) or 'ideal' (one tile per layer)."
        ),
        seed: int = typer.Option(0, help="Seed of the untrained network's initial weights."),
        out: Path = typer.Option(None, help="Also write a run folder (results.json, results.csv) here."),
        overwrite: bool = typer.Option(False, help="Replace a complete run in --out."),
        as_json: bool = typer.Option(False, "--json", help="Print the costs as JSON."),
    ) -> None:
        """Devices, tiles, programming pulses, energy and voltage to program a network onto a device."""
        if periphery not in ("paper", "ideal"):
            raise ConfigError(f"--periphery must be 'paper' or 'ideal', got {periphery!r}")
        per = Periphery.paper() if periphery == "paper" else Periphery.ideal()
        specs = list_presets() if device.strip() == "all" else (_csv_list(device) or [])
        net = build_network(task, seed=seed)
        source = f"untrained network (seed {seed})"
        if checkpoint is not None:
            source = str(load_weights(net, checkpoint))
        costs = [network_cost(net, resolve_device(s), per, weight_source=source).to_dict() for s in specs]
        results: dict[str, Any] = {
            "analysis": "cost",
            "task": task,
            "periphery": per.to_dict(),
            "costs": costs,
        }
        if out is not None:
            run = RunFolder(out)
            settings = {
                "analysis": "cost",
                "task": task,
                "devices": specs,
                "seed": seed,
                "periphery": periphery,
            }
            if checkpoint is not None:
                settings["checkpoint"] = str(checkpoint)
            run.start(tomli_w.dumps(settings), overwrite=overwrite)
            flat = [{k: v for k, v in c.items() if k != "layers"} | {f"pulses_{m}": c["pulses"][m] for m in c["pulses"]}
                    | {f"energy_J_{m}": c["energy_J"][m] for m in c["energy_J"]} for c in costs]  # fmt: skip
            columns = ["device", "weights", "devices", "tiles", *[f"pulses_{m}" for m in MODES], *[f"energy_J_{m}" for m in MODES],
                       "energy_per_pulse_J", "max_voltage_V", "weight_source"]  # fmt: skip
            write_text_atomic(run.path / "results.csv", rows_csv(flat, columns))
            run.write_json("results.json", results)
            run.complete()
        if as_json:
            typer.echo(json.dumps(results))
            return
        console = Console()
        console.print(_cost_table(costs, task))
        console.print(
            f"weights: {source}; tiles {per.tile_rows or '∞'}×{per.tile_cols or '∞'}", highlight=False
        )
