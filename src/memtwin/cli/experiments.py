"""``memtwin evaluate``, ``memtwin sweep`` and ``memtwin run``: the paper's protocols as commands."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from memtwin.crossbar.periphery import Periphery
from memtwin.errors import ConfigError
from memtwin.experiments.config import ExperimentConfig, SweepConfig
from memtwin.experiments.figures import time_label
from memtwin.experiments.run import run_experiment
from memtwin.experiments.sweep import parameter_names

TASK_HELP = "digits (bundled, offline), mnist (IDX files) or cifar10 (python batches)."
DATA_HELP = "Folder with the dataset (default: $MEMTWIN_DATA_DIR, then ~/.cache/memtwin/data)."
DRIFT_HELP = (
    "Drift model kind overriding the device's: reram-wan2022-aihwkit (paper's worst case), reram-wan2022, "
    "hfs2-retention, log_time, power_law, none."
)
DEVICE_HELP = "A preset name (memtwin devices), a device TOML, a characterization JSON or a measurement file."


def _floats(text: str | None, what: str) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise ConfigError(f"{what}: expected comma-separated numbers, got {text!r}") from exc


def _build_config(
    task: str,
    config: Path | None,
    device: str | None,
    data_dir: Path | None,
    epochs: int | None,
    hwat_epochs: int | None,
    repetitions: int | None,
    times: str | None,
    modes: str | None,
    d2d: float | None,
    drift: str | None,
    subset: int | None,
    test_subset: int | None,
    seed: int | None,
    periphery: str | None,
    cpu: bool,
) -> ExperimentConfig:
    cfg = ExperimentConfig.from_toml(config) if config else ExperimentConfig.for_task(task)
    changes: dict[str, Any] = {}
    if device is not None:
        changes["device"] = device
    if data_dir is not None:
        changes["data_dir"] = str(data_dir)
    if epochs is not None:
        changes["digital"] = cfg.digital.replace(epochs=epochs)
    if hwat_epochs is not None:
        changes["hwat"] = cfg.hwat.replace(epochs=hwat_epochs)
    if repetitions is not None:
        changes["repetitions"] = repetitions
    if times is not None:
        changes["times_s"] = _floats(times, "--times")
    if modes is not None:
        changes["modes"] = tuple(m.strip() for m in modes.split(",") if m.strip())
    if d2d is not None:
        changes["d2d"] = d2d
    if drift is not None:
        changes["drift"] = drift
    if subset is not None:
        changes["subset"] = subset
    if test_subset is not None:
        changes["test_subset"] = test_subset
    if seed is not None:
        changes["seed"] = seed
    if periphery is not None:
        if periphery not in ("paper", "ideal"):
            raise ConfigError(f"--periphery must be 'paper' or 'ideal', got {periphery!r}")
        changes["periphery"] = Periphery.paper() if periphery == "paper" else Periphery.ideal()
    if cpu:
        changes["device_kind"] = "cpu"
    return replace(cfg, **changes)


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
        task: str = typer.Option("digits", help=TASK_HELP),
        device: str = typer.Option(None, help=DEVICE_HELP + " [default: hfs2-xhameni2025]"),
        data_dir: Path = typer.Option(None, help=DATA_HELP),
        out: Path = typer.Option(None, help="Run folder [default: runs/evaluate-TASK-DEVICE]."),
        config: Path = typer.Option(None, help="Experiment TOML to start from (flags override it)."),
        epochs: int = typer.Option(None, help="Digital training epochs (paper: MNIST 30, CIFAR-10 200)."),
        hwat_epochs: int = typer.Option(None, help="Hardware-aware training epochs (paper: 5 / 20)."),
        repetitions: int = typer.Option(None, help="Independent programmings per condition [default: 5]."),
        times: str = typer.Option(None, help="Comma-separated times after programming, in seconds."),
        modes: str = typer.Option(None, help="potentiation,depression (default both)."),
        d2d: float = typer.Option(None, help="Device-to-device variation override (relative, e.g. 0.3)."),
        drift: str = typer.Option(None, help=DRIFT_HELP),
        subset: int = typer.Option(None, help="Use only this many training examples (quick runs)."),
        test_subset: int = typer.Option(None, help="Use only this many test examples."),
        seed: int = typer.Option(None, help="Seed of the run."),
        periphery: str = typer.Option(
            None, help="'paper' (8-bit DAC/ADC, IR drop, 512x512 tiles) or 'ideal'."
        ),
        cpu: bool = typer.Option(False, "--cpu", help="Stay on the CPU even when CUDA is available."),
        overwrite: bool = typer.Option(False, help="Replace a complete run in --out."),
        quiet: bool = typer.Option(
            False, "--quiet", "-q", help="No progress bars; print only the run folder."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    ) -> None:
        """Train, hardware-aware train and evaluate a network on simulated crossbars of a device:
        modes x repetitions x times x (baseline, HWAT + drift compensation)."""
        cfg = _build_config(
            task,
            config,
            device,
            data_dir,
            epochs,
            hwat_epochs,
            repetitions,
            times,
            modes,
            d2d,
            drift,
            subset,
            test_subset,
            seed,
            periphery,
            cpu,
        )
        out = out or Path("runs") / f"evaluate-{cfg.task}-{Path(cfg.device).stem}"
        results = run_experiment(cfg, out, progress=not (quiet or as_json), overwrite=overwrite)
        _print_results(results, out, as_json, quiet)

    @app.command()
    def sweep(
        parameter: str = typer.Option(
            "device.d2d", help="What to vary: " + ", ".join(parameter_names()[:8]) + ", …"
        ),
        values: str = typer.Option("0,0.1,0.2,0.3,0.4,0.5", help="Comma-separated values."),
        time: float = typer.Option(1.0, help="Time after programming at which to evaluate (s)."),
        task: str = typer.Option("digits", help=TASK_HELP),
        device: str = typer.Option(None, help=DEVICE_HELP),
        data_dir: Path = typer.Option(None, help=DATA_HELP),
        out: Path = typer.Option(None, help="Run folder [default: runs/sweep-TASK-PARAMETER]."),
        config: Path = typer.Option(None, help="Experiment TOML to start from."),
        epochs: int = typer.Option(None, help="Digital training epochs."),
        hwat_epochs: int = typer.Option(None, help="Hardware-aware training epochs."),
        repetitions: int = typer.Option(None, help="Repetitions per value."),
        modes: str = typer.Option(None, help="potentiation,depression (default both)."),
        variants: str = typer.Option("hwat_gdc", help="baseline,hwat_gdc"),
        drift: str = typer.Option(None, help=DRIFT_HELP),
        subset: int = typer.Option(None, help="Training examples to use."),
        test_subset: int = typer.Option(None, help="Test examples to use."),
        seed: int = typer.Option(None, help="Seed of the run."),
        cpu: bool = typer.Option(False, "--cpu", help="Stay on the CPU."),
        overwrite: bool = typer.Option(False, help="Replace a complete run in --out."),
        quiet: bool = typer.Option(False, "--quiet", "-q"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Sweep one device or periphery parameter (as Fig. 5(b) sweeps device-to-device variation)."""
        cfg = _build_config(
            task,
            config,
            device,
            data_dir,
            epochs,
            hwat_epochs,
            repetitions,
            None,
            modes,
            None,
            drift,
            subset,
            test_subset,
            seed,
            None,
            cpu,
        )
        sweep_values = _floats(values, "--values") or ()
        cfg = replace(
            cfg,
            sweep=SweepConfig(parameter=parameter, values=sweep_values, time_s=time),
            variants=tuple(v.strip() for v in variants.split(",") if v.strip()),
        )
        out = out or Path("runs") / f"sweep-{cfg.task}-{parameter.replace('.', '_')}"
        results = run_experiment(cfg, out, progress=not (quiet or as_json), overwrite=overwrite)
        _print_results(results, out, as_json, quiet)

    @app.command()
    def run(
        config: Path = typer.Argument(..., help="Experiment TOML (a run folder's config.toml works too)."),
        out: Path = typer.Option(
            None,
            help="Run folder [default: the config's own folder if it is a run folder, else runs/CONFIG-STEM].",
        ),
        overwrite: bool = typer.Option(False, help="Replace a complete run in --out."),
        quiet: bool = typer.Option(False, "--quiet", "-q"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Run an experiment from a config file (evaluation, or a sweep when it has a [sweep] table).
        Pointed at an unfinished run folder's config.toml, it resumes that run from its checkpoints."""
        cfg = ExperimentConfig.from_toml(config)
        if out is None:
            in_run_folder = (config.parent / "status.json").exists()
            out = config.parent if in_run_folder else Path("runs") / config.stem
        results = run_experiment(cfg, out, progress=not (quiet or as_json), overwrite=overwrite)
        _print_results(results, out, as_json, quiet)
