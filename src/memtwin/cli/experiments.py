"""``memtwin evaluate``, ``memtwin sweep`` and ``memtwin run``: the paper's protocols as commands."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, TypeAlias

import typer

from memtwin.cli.flags import with_flags
from memtwin.cli.options import ExperimentFlags, RunFlags, floats_or_names
from memtwin.cli.output import announce, emit, print_evaluation
from memtwin.experiments.config import ExperimentConfig, SweepConfig
from memtwin.experiments.knobs import parameter_names
from memtwin.experiments.run import run_experiment
from memtwin.insitu.config import FOLLOW_WEIGHTS
from memtwin.report import present_run

Parameter: TypeAlias = Annotated[
    str, typer.Option(help="What to vary: " + ", ".join(parameter_names()[:8]) + ", …")
]
Values: TypeAlias = Annotated[
    str, typer.Option(help="Comma-separated values (for --parameter write: open-loop,verify,exact).")
]
Time: TypeAlias = Annotated[
    float,
    typer.Option(
        help="Time after programming at which to evaluate (s); 0 = just programmed. The paper's "
        "worst-case drift (reram-wan2022-aihwkit) redraws every device around its target at t > 0, "
        "which hides programming errors such as device-to-device variation."
    ),
]
Hwat: TypeAlias = Annotated[
    str,
    typer.Option(
        help="HWAT afresh on every swept device ('per_value') or once on the nominal device, "
        "then programmed onto each swept one ('once', as the paper's Fig. 5(b))."
    ),
]
EvaluateOut: TypeAlias = Annotated[
    Path | None, typer.Option(help="Run folder \\[default: runs/evaluate-TASK-DEVICE].")
]
SweepOut: TypeAlias = Annotated[
    Path | None, typer.Option(help="Run folder \\[default: runs/sweep-TASK-PARAMETER].")
]
ConfigArgument: TypeAlias = Annotated[
    Path, typer.Argument(help="Experiment TOML (a run folder's config.toml works too).")
]
RunOut: TypeAlias = Annotated[
    Path | None,
    typer.Option(
        help="Run folder \\[default: the config's own folder if it is a run folder, else runs/CONFIG-STEM]."
    ),
]


def _run(config: ExperimentConfig, out: Path, run: RunFlags) -> None:
    """Run ``config`` into ``out`` and print its results, as ``run`` asks."""
    if "in_situ" in config.variants and run.from_run is not None and config.insitu.start == "random":
        # fine-tune the trained network on the chip, each column's pairs spanning its weights (as inference)
        start = replace(config.insitu, start="digital", weight_range=FOLLOW_WEIGHTS)
        config = replace(config, insitu=start)
    announce(config, run)
    with run.open_executor() as executor:
        results: dict[str, Any] = run_experiment(
            config, out, progress=run.progress, overwrite=run.overwrite, checkpoints_from=run.from_run,
            executor=executor, present=present_run,
        )  # fmt: skip
    emit(results, out, run, print_evaluation)


@with_flags(ExperimentFlags, omit={"variants"})
@with_flags(RunFlags)
def evaluate(flags: ExperimentFlags, out: EvaluateOut = None, *, run: RunFlags) -> None:
    """Train, hardware-aware train and evaluate a network on simulated crossbars of a device:
    modes x repetitions x times x (baseline, HWAT + drift compensation)."""
    config = flags.experiment_config()
    _run(config, out or Path("runs") / f"evaluate-{config.task}-{Path(config.device).stem}", run)


@with_flags(ExperimentFlags, omit={"times", "d2d"}, variants="hwat_gdc")
@with_flags(RunFlags)
def sweep(
    parameter: Parameter = "d2d",
    values: Values = "0,0.1,0.2,0.3,0.4,0.5",
    time: Time = 0.0,
    hwat: Hwat = "per_value",
    *,
    flags: ExperimentFlags,
    out: SweepOut = None,
    run: RunFlags,
) -> None:
    """Sweep one device or periphery parameter (as Fig. 5(b) sweeps device-to-device variation)."""
    swept = SweepConfig(
        parameter, floats_or_names(values, "--values"), time_s=time, hwat=hwat.replace("-", "_")
    )
    config = replace(flags.experiment_config(), sweep=swept)
    _run(config, out or Path("runs") / f"sweep-{config.task}-{parameter.replace('.', '_')}", run)


@with_flags(RunFlags)
def run_command(config: ConfigArgument, out: RunOut = None, *, run: RunFlags) -> None:
    """Run an experiment from a config file (evaluation, or a sweep when it has a \\[sweep] table).
    Pointed at an unfinished run folder's config.toml, it resumes that run from its checkpoints."""
    if out is None:
        in_run_folder = (config.parent / "status.json").exists()
        out = config.parent if in_run_folder else Path("runs") / config.stem
    _run(ExperimentConfig.from_toml(config), out, run)


def register(app: typer.Typer) -> None:
    """Add ``evaluate``, ``sweep`` and ``run`` to the ``memtwin`` command."""
    app.command()(evaluate)
    app.command()(sweep)
    app.command("run")(run_command)
