"""``memtwin evaluate``, ``memtwin sweep`` and ``memtwin run``: the paper's protocols as commands."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from memtwin.cli import options as opt
from memtwin.cli.options import config_from_flags, floats
from memtwin.experiments.config import ExperimentConfig, SweepConfig
from memtwin.experiments.figures import time_label
from memtwin.experiments.run import run_experiment
from memtwin.experiments.sweep import parameter_names


def _build_config(task: str, config: Path | None, **flags: Any) -> ExperimentConfig:
    """The --config file (or the task's protocol without one) with the flags given applied;
    ``flags`` are config_from_flags's keywords, which it checks."""
    base = ExperimentConfig.from_toml(config) if config else ExperimentConfig.for_task(task)
    return config_from_flags(base, **flags)


def _print_results(results: dict[str, Any], out: Path, as_json: bool, quiet: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"run_dir": str(out), **results}))
        return
    if quiet:
        typer.echo(str(out))
        return
    console = Console()
    table = Table(
        title=f"{results['task']} on {results['device']}: digital {100 * results['digital_accuracy']:.2f} %"
    )
    for col in ("mode", "variant", "time", "accuracy (%)", "loss (points)", "reps"):
        table.add_column(col)
    for r in results["analog"]:
        label = f"{r['parameter']} = {r['value']:g}, " if "parameter" in r else ""
        table.add_row(
            r["mode"],
            label + r["variant"],
            time_label(r["time_s"]),
            f"{100 * r['accuracy_mean']:.2f} ± {100 * r['accuracy_std']:.2f}",
            f"{100 * (results['digital_accuracy'] - r['accuracy_mean']):+.2f}",
            str(r["repetitions"]),
        )
    console.print(table)
    console.print(f"run folder: {out}  ({results['timings_s']['total']:.0f} s)")


def register(app: typer.Typer) -> None:
    @app.command()
    def evaluate(
        task: opt.Task = "digits",
        device: opt.Device = None,
        data_dir: opt.DataDir = None,
        out: Path = typer.Option(None, help="Run folder \\[default: runs/evaluate-TASK-DEVICE]."),
        config: opt.ConfigFile = None,
        epochs: opt.Epochs = None,
        hwat_epochs: opt.HwatEpochs = None,
        repetitions: opt.Repetitions = None,
        times: opt.Times = None,
        modes: opt.Modes = None,
        d2d: opt.D2d = None,
        drift: opt.Drift = None,
        hwat_noise_scale: opt.HwatNoiseScale = None,
        subset: opt.Subset = None,
        test_subset: opt.TestSubset = None,
        seed: opt.Seed = None,
        periphery: opt.Periphery = None,
        cpu: opt.Cpu = False,
        from_run: opt.FromRun = None,
        overwrite: opt.Overwrite = False,
        quiet: opt.Quiet = False,
        as_json: opt.AsJson = False,
    ) -> None:
        """Train, hardware-aware train and evaluate a network on simulated crossbars of a device:
        modes x repetitions x times x (baseline, HWAT + drift compensation)."""
        cfg = _build_config(
            task,
            config,
            device=device,
            data_dir=data_dir,
            epochs=epochs,
            hwat_epochs=hwat_epochs,
            repetitions=repetitions,
            times=times,
            modes=modes,
            d2d=d2d,
            drift=drift,
            hwat_noise_scale=hwat_noise_scale,
            subset=subset,
            test_subset=test_subset,
            seed=seed,
            periphery=periphery,
            cpu=cpu,
        )
        out = out or Path("runs") / f"evaluate-{cfg.task}-{Path(cfg.device).stem}"
        results = run_experiment(
            cfg, out, progress=not (quiet or as_json), overwrite=overwrite, checkpoints_from=from_run
        )
        _print_results(results, out, as_json, quiet)

    @app.command()
    def sweep(
        parameter: str = typer.Option(
            "device.d2d", help="What to vary: " + ", ".join(parameter_names()[:8]) + ", …"
        ),
        values: str = typer.Option("0,0.1,0.2,0.3,0.4,0.5", help="Comma-separated values."),
        time: float = typer.Option(
            0.0,
            help="Time after programming at which to evaluate (s); 0 = just programmed. The paper's "
            "worst-case drift (reram-wan2022-aihwkit) redraws every device around its target at t > 0, "
            "which hides programming errors such as device-to-device variation.",
        ),
        hwat: str = typer.Option(
            "per_value",
            help="HWAT afresh on every swept device ('per_value') or once on the nominal device, "
            "then programmed onto each swept one ('once', as the paper's Fig. 5(b)).",
        ),
        task: opt.Task = "digits",
        device: opt.Device = None,
        data_dir: opt.DataDir = None,
        out: Path = typer.Option(None, help="Run folder \\[default: runs/sweep-TASK-PARAMETER]."),
        config: opt.ConfigFile = None,
        epochs: opt.Epochs = None,
        hwat_epochs: opt.HwatEpochs = None,
        repetitions: opt.Repetitions = None,
        modes: opt.Modes = None,
        variants: opt.Variants = "hwat_gdc",
        drift: opt.Drift = None,
        hwat_noise_scale: opt.HwatNoiseScale = None,
        subset: opt.Subset = None,
        test_subset: opt.TestSubset = None,
        seed: opt.Seed = None,
        periphery: opt.Periphery = None,
        cpu: opt.Cpu = False,
        from_run: opt.FromRun = None,
        overwrite: opt.Overwrite = False,
        quiet: opt.Quiet = False,
        as_json: opt.AsJson = False,
    ) -> None:
        """Sweep one device or periphery parameter (as Fig. 5(b) sweeps device-to-device variation)."""
        cfg = _build_config(
            task,
            config,
            device=device,
            data_dir=data_dir,
            epochs=epochs,
            hwat_epochs=hwat_epochs,
            repetitions=repetitions,
            modes=modes,
            variants=variants,
            drift=drift,
            hwat_noise_scale=hwat_noise_scale,
            subset=subset,
            test_subset=test_subset,
            seed=seed,
            periphery=periphery,
            cpu=cpu,
        )
        sweep_values = floats(values, "--values") or ()
        sweep_config = SweepConfig(parameter, sweep_values, time_s=time, hwat=hwat.replace("-", "_"))
        cfg = replace(cfg, sweep=sweep_config)
        out = out or Path("runs") / f"sweep-{cfg.task}-{parameter.replace('.', '_')}"
        results = run_experiment(
            cfg, out, progress=not (quiet or as_json), overwrite=overwrite, checkpoints_from=from_run
        )
        _print_results(results, out, as_json, quiet)

    @app.command()
    def run(
        config: Path = typer.Argument(..., help="Experiment TOML (a run folder's config.toml works too)."),
        out: Path = typer.Option(
            None,
            help="Run folder \\[default: the config's own folder if it is a run folder, else runs/CONFIG-STEM].",
        ),
        from_run: opt.FromRun = None,
        overwrite: opt.Overwrite = False,
        quiet: opt.Quiet = False,
        as_json: opt.AsJson = False,
    ) -> None:
        """Run an experiment from a config file (evaluation, or a sweep when it has a [sweep] table).
        Pointed at an unfinished run folder's config.toml, it resumes that run from its checkpoints."""
        cfg = ExperimentConfig.from_toml(config)
        if out is None:
            in_run_folder = (config.parent / "status.json").exists()
            out = config.parent if in_run_folder else Path("runs") / config.stem
        results = run_experiment(
            cfg, out, progress=not (quiet or as_json), overwrite=overwrite, checkpoints_from=from_run
        )
        _print_results(results, out, as_json, quiet)
