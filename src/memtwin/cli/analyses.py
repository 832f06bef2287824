"""``memtwin compare``, ``memtwin ablate`` and ``memtwin tolerance``: screening devices with the same
network and protocol, what each non-ideality costs, and what a device must reach. Each trains the
digital network once and fans the evaluations out over an executor (``--executor local|serial|ray``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, TypeAlias

import typer

from memtwin.cli.flags import with_flags
from memtwin.cli.options import ExperimentFlags, RunFlags, csv_list, floats
from memtwin.cli.output import announce, blocks, emit
from memtwin.devices import list_presets
from memtwin.experiments.ablate import ablate as run_ablation
from memtwin.experiments.compare import compare_devices
from memtwin.experiments.knobs import KNOBS
from memtwin.experiments.tolerance import DEFAULT_PARAMETERS, PARAMETERS
from memtwin.experiments.tolerance import tolerance as run_tolerance
from memtwin.report import present_run
from memtwin.report.tables import ablation_blocks, comparison_blocks, tolerance_blocks

#: The device the ablation and the tolerance search study unless --device says otherwise.
STUDIED_DEVICE = "hfs2-xhameni2025"
#: The knob whose coarse grid each grid flag of ``tolerance`` gives.
GRID_KNOBS = {"--d2d-grid": "d2d", "--sigma-grid": "sigma_scale", "--levels-grid": "levels"}

Devices: TypeAlias = Annotated[
    str | None, typer.Option(help="Comma-separated presets or device files \\[default: every preset].")
]
Variant: TypeAlias = Annotated[
    str, typer.Option(help="hwat_gdc (HWAT per configuration) or baseline (faster).")
]
At: TypeAlias = Annotated[
    str | None,
    typer.Option(
        help="Comma-separated times (s) to judge at \\[default: 0 (just programmed) and the last of --times]."
    ),
]
ToleranceVariant: TypeAlias = Annotated[str, typer.Option(help="hwat_gdc or baseline.")]
Budget: TypeAlias = Annotated[float, typer.Option(help="Largest accepted accuracy loss vs digital (points).")]
Parameters: TypeAlias = Annotated[str, typer.Option(help="Which limits to search: " + ", ".join(PARAMETERS))]
D2dGrid: TypeAlias = Annotated[
    str | None, typer.Option(help="Coarse grid of device-to-device variation values.")
]
SigmaGrid: TypeAlias = Annotated[
    str | None, typer.Option(help="Coarse grid of sigma multiples (of the device's own sigma).")
]
LevelsGrid: TypeAlias = Annotated[str | None, typer.Option(help="Coarse grid of level counts.")]
Rounds: TypeAlias = Annotated[
    int, typer.Option(help="Refinement rounds after the grid (integer levels: until adjacent).")
]
PointsPerRound: TypeAlias = Annotated[
    int, typer.Option(help="Points evaluated in parallel per refinement round.")
]
EvaluationTime: TypeAlias = Annotated[
    float | None,
    typer.Option("--time", help="Evaluation time after programming (s) \\[default: 0, just programmed]."),
]
CompareOut: TypeAlias = Annotated[
    Path | None, typer.Option(help="Run folder \\[default: runs/compare-TASK].")
]
AblateOut: TypeAlias = Annotated[
    Path | None, typer.Option(help="Run folder \\[default: runs/ablate-TASK-DEVICE].")
]
ToleranceOut: TypeAlias = Annotated[
    Path | None, typer.Option(help="Run folder \\[default: runs/tolerance-TASK-DEVICE].")
]


@with_flags(ExperimentFlags, omit={"device", "config_file", "hwat_noise_scale"})
@with_flags(RunFlags, omit={"from_run"}, executor="local")
def compare(
    devices: Devices = None,
    *,
    flags: ExperimentFlags,
    out: CompareOut = None,
    run: RunFlags,
) -> None:
    """Run devices through the same network and protocol (the paper's Fig. 6, same pipeline for all).
    --d2d and --drift override every device's; the first and the last of --times are reported."""
    config = flags.experiment_config()
    announce(config, run)
    specs = csv_list(devices)
    if specs == ["all"]:
        specs = list_presets()
    out = out or Path("runs") / f"compare-{config.task}"
    started = time.perf_counter()
    with run.open_executor() as executor:
        results = compare_devices(
            config,
            out,
            specs,
            executor=executor,
            progress=run.progress,
            overwrite=run.overwrite,
            present=present_run,
        )
    footer = f"{len(results['devices'])} devices, executor {run.executor}: {time.perf_counter() - started:.0f} s wall."
    emit(results, out, run, blocks(comparison_blocks), footer)


@with_flags(ExperimentFlags, omit={"config_file", "variants", "hwat_noise_scale"}, device=STUDIED_DEVICE)
@with_flags(RunFlags, omit={"from_run"}, executor="local")
def ablate(
    variant: Variant = "hwat_gdc",
    at: At = None,
    *,
    flags: ExperimentFlags,
    out: AblateOut = None,
    run: RunFlags,
) -> None:
    """Switch each non-ideality off in turn and on alone: what each one costs, and which dominates."""
    config = flags.experiment_config()
    announce(config, run)
    out = out or Path("runs") / f"ablate-{config.task}-{Path(config.device).stem}"
    with run.open_executor() as executor:
        results = run_ablation(
            config, out, variant=variant, times_s=floats(at, "--at"), executor=executor,
            progress=run.progress, overwrite=run.overwrite, present=present_run,
        )  # fmt: skip
    emit(results, out, run, blocks(ablation_blocks))


@with_flags(
    ExperimentFlags, omit={"config_file", "variants", "d2d", "hwat_noise_scale"}, device=STUDIED_DEVICE
)
@with_flags(RunFlags, omit={"from_run"}, executor="local")
def tolerance(
    budget: Budget = 1.0,
    parameters: Parameters = ",".join(DEFAULT_PARAMETERS),
    d2d_grid: D2dGrid = None,
    sigma_grid: SigmaGrid = None,
    levels_grid: LevelsGrid = None,
    rounds: Rounds = 2,
    points_per_round: PointsPerRound = 3,
    variant: ToleranceVariant = "hwat_gdc",
    time_s: EvaluationTime = None,
    *,
    flags: ExperimentFlags,
    out: ToleranceOut = None,
    run: RunFlags,
) -> None:
    """Largest d2d, largest sigma / bin width and fewest levels that keep the loss within a budget."""
    config = flags.experiment_config()
    announce(config, run)
    searched = csv_list(parameters) or []
    grids = _grids(
        searched, {"--d2d-grid": d2d_grid, "--sigma-grid": sigma_grid, "--levels-grid": levels_grid}
    )
    out = out or Path("runs") / f"tolerance-{config.task}-{Path(config.device).stem}"
    with run.open_executor() as executor:
        results = run_tolerance(
            config, out, budget=budget, parameters=searched, grids=grids, variant=variant,
            time_s=time_s, rounds=rounds, points_per_round=points_per_round, executor=executor,
            progress=run.progress, overwrite=run.overwrite, present=present_run,
        )  # fmt: skip
    emit(results, out, run, blocks(tolerance_blocks))


def _grids(searched: list[str], texts: dict[str, str | None]) -> dict[str, tuple[float, ...]]:
    """The coarse grids given, each keyed by the name (public or old) under which its knob is searched."""
    grids: dict[str, tuple[float, ...]] = {}
    for flag, text in texts.items():
        values = floats(text, flag)
        if values is not None:
            gridded = KNOBS[GRID_KNOBS[flag]]
            names = [n for n in searched if n == gridded.name or n in gridded.aliases] or [gridded.name]
            grids.update(dict.fromkeys(names, values))
    return grids


def register(app: typer.Typer) -> None:
    """Add ``compare``, ``ablate`` and ``tolerance`` to the ``memtwin`` command."""
    for command in (compare, ablate, tolerance):
        app.command()(command)
