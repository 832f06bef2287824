"""``memtwin compare``, ``memtwin ablate``, ``memtwin tolerance`` and ``memtwin cost``: screening devices
with the same network and protocol, what each non-ideality costs, what a device must reach, and what it
takes to program a network. The first three train the digital network once and fan the evaluations out
over an executor (``--executor local|serial|ray``)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import tomli_w
import typer
from rich.console import Console
from rich.table import Table

from memtwin.atomic import write_text_atomic
from memtwin.cli import options as opt
from memtwin.cli.devices import si
from memtwin.cli.options import config_from_flags, csv_list, floats, parse_periphery
from memtwin.devices import MODES, list_presets
from memtwin.errors import ConfigError
from memtwin.experiments.ablate import ablate as run_ablation
from memtwin.experiments.compare import compare_devices, loss_of
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.cost import load_weights, network_cost
from memtwin.experiments.devices import resolve_device
from memtwin.experiments.executors import make_executor
from memtwin.experiments.figures import time_label
from memtwin.experiments.jobs import rows_csv
from memtwin.experiments.runfolder import RunFolder
from memtwin.experiments.tolerance import PARAMETERS, threshold_text
from memtwin.experiments.tolerance import tolerance as run_tolerance
from memtwin.tasks.networks import build_network


def _config(task: str, **flags: Any) -> ExperimentConfig:
    """The analysis' experiment config: the task's protocol with the flags given applied;
    ``flags`` are config_from_flags's keywords, which it checks."""
    return config_from_flags(ExperimentConfig.for_task(task), **flags)


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
        task: opt.Task = "digits",
        devices: str = typer.Option(
            None, help="Comma-separated presets or device files \\[default: every preset]."
        ),
        executor: opt.Executor = "local",
        address: opt.Address = None,
        workers: opt.Workers = None,
        data_dir: opt.DataDir = None,
        out: Path = typer.Option(None, help="Run folder \\[default: runs/compare-TASK]."),
        epochs: opt.Epochs = None,
        hwat_epochs: opt.HwatEpochs = None,
        repetitions: opt.Repetitions = None,
        times: opt.Times = None,
        modes: opt.Modes = None,
        variants: opt.Variants = None,
        d2d: opt.D2d = None,
        drift: opt.Drift = None,
        subset: opt.Subset = None,
        test_subset: opt.TestSubset = None,
        seed: opt.Seed = None,
        periphery: opt.Periphery = None,
        cpu: opt.Cpu = False,
        overwrite: opt.Overwrite = False,
        quiet: opt.Quiet = False,
        as_json: opt.AsJson = False,
    ) -> None:
        """Run devices through the same network and protocol (the paper's Fig. 6, same pipeline for all).
        --d2d and --drift override every device's; the first and the last of --times are reported."""
        cfg = _config(
            task,
            data_dir=data_dir,
            epochs=epochs,
            hwat_epochs=hwat_epochs,
            repetitions=repetitions,
            times=times,
            modes=modes,
            variants=variants,
            d2d=d2d,
            drift=drift,
            subset=subset,
            test_subset=test_subset,
            seed=seed,
            periphery=periphery,
            cpu=cpu,
        )
        specs = csv_list(devices)
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
        device: opt.Device = "hfs2-xhameni2025",
        task: opt.Task = "digits",
        variant: str = typer.Option(
            "hwat_gdc", help="hwat_gdc (HWAT per configuration) or baseline (faster)."
        ),
        at: str = typer.Option(
            None,
            help="Comma-separated times (s) to judge at \\[default: 0 (just programmed) and the last of --times].",
        ),
        executor: opt.Executor = "local",
        address: opt.Address = None,
        workers: opt.Workers = None,
        data_dir: opt.DataDir = None,
        out: Path = typer.Option(None, help="Run folder \\[default: runs/ablate-TASK-DEVICE]."),
        epochs: opt.Epochs = None,
        hwat_epochs: opt.HwatEpochs = None,
        repetitions: opt.Repetitions = None,
        times: opt.Times = None,
        modes: opt.Modes = None,
        d2d: opt.D2d = None,
        drift: opt.Drift = None,
        subset: opt.Subset = None,
        test_subset: opt.TestSubset = None,
        seed: opt.Seed = None,
        periphery: opt.Periphery = None,
        cpu: opt.Cpu = False,
        overwrite: opt.Overwrite = False,
        quiet: opt.Quiet = False,
        as_json: opt.AsJson = False,
    ) -> None:
        """Switch each non-ideality off in turn and on alone: what each one costs, and which dominates."""
        cfg = _config(
            task,
            device=device,
            data_dir=data_dir,
            epochs=epochs,
            hwat_epochs=hwat_epochs,
            repetitions=repetitions,
            times=times,
            modes=modes,
            d2d=d2d,
            drift=drift,
            subset=subset,
            test_subset=test_subset,
            seed=seed,
            periphery=periphery,
            cpu=cpu,
        )
        out = out or Path("runs") / f"ablate-{cfg.task}-{Path(cfg.device).stem}"
        with make_executor(executor, workers=workers, address=address) as ex:
            results = run_ablation(
                cfg,
                out,
                variant=variant,
                times_s=floats(at, "--at"),
                executor=ex,
                progress=not (quiet or as_json),
                overwrite=overwrite,
            )
        _emit(results, out, as_json, quiet, _ablation_tables(results), results.get("note") or "")

    @app.command()
    def tolerance(
        device: opt.Device = "hfs2-xhameni2025",
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
        task: opt.Task = "digits",
        variant: str = typer.Option("hwat_gdc", help="hwat_gdc or baseline."),
        time_s: float = typer.Option(
            None, "--time", help="Evaluation time after programming (s) \\[default: 0, just programmed]."
        ),
        executor: opt.Executor = "local",
        address: opt.Address = None,
        workers: opt.Workers = None,
        data_dir: opt.DataDir = None,
        out: Path = typer.Option(None, help="Run folder \\[default: runs/tolerance-TASK-DEVICE]."),
        epochs: opt.Epochs = None,
        hwat_epochs: opt.HwatEpochs = None,
        repetitions: opt.Repetitions = None,
        times: opt.Times = None,
        modes: opt.Modes = None,
        drift: opt.Drift = None,
        subset: opt.Subset = None,
        test_subset: opt.TestSubset = None,
        seed: opt.Seed = None,
        periphery: opt.Periphery = None,
        cpu: opt.Cpu = False,
        overwrite: opt.Overwrite = False,
        quiet: opt.Quiet = False,
        as_json: opt.AsJson = False,
    ) -> None:
        """Largest d2d, largest sigma / bin width and fewest levels that keep the loss within a budget."""
        cfg = _config(
            task,
            device=device,
            data_dir=data_dir,
            epochs=epochs,
            hwat_epochs=hwat_epochs,
            repetitions=repetitions,
            times=times,
            modes=modes,
            drift=drift,
            subset=subset,
            test_subset=test_subset,
            seed=seed,
            periphery=periphery,
            cpu=cpu,
        )
        grids: dict[str, tuple[float, ...]] = {}
        for name, text in (("d2d", d2d_grid), ("sigma", sigma_grid), ("levels", levels_grid)):
            values = floats(text, f"--{name}-grid")
            if values is not None:
                grids[name] = values
        out = out or Path("runs") / f"tolerance-{cfg.task}-{Path(cfg.device).stem}"
        with make_executor(executor, workers=workers, address=address) as ex:
            results = run_tolerance(
                cfg, out, budget=budget, parameters=csv_list(parameters) or [], grids=grids, variant=variant,
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
        per = parse_periphery(periphery)
        if per.program_verify:  # verify pulses depend on each device's draw; only nominal counts are modelled
            raise ConfigError("cost counts open-loop programming pulses; '+verify' is not supported here")
        specs = list_presets() if device.strip() == "all" else (csv_list(device) or [])
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
