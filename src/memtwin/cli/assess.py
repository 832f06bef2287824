"""``memtwin assess`` (a lab's measurement files → a complete assessment) and ``memtwin demo`` (the same
on the bundled example device).

Inputs are validated before anything is written: the files are read and characterized, the device is
built and the dataset is found before the run folder is created, so a typo leaves no folder behind; a
run that fails later says ``failed`` in its ``status.json``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, TypeAlias

import typer
from rich.console import Console

from memtwin.atomic import write_json_atomic
from memtwin.cli import loading
from memtwin.cli.characterize import CriteriaFlags, characterize_files
from memtwin.cli.flags import with_flags
from memtwin.cli.options import DRIFT_HELP, parse_d2d
from memtwin.crossbar.periphery import WRITES
from memtwin.data import example_csv_path
from memtwin.experiments.compare import compare_devices
from memtwin.experiments.config import ExperimentConfig, SweepConfig
from memtwin.experiments.devices import ResolvedDevice, device_from_measurements
from memtwin.experiments.executors import make_executor
from memtwin.experiments.run import run_experiment
from memtwin.report import present_run, write_report
from memtwin.tasks.datasets import find_mnist_files, resolve_data_dir

#: A protocol that finishes in minutes on a laptop CPU; the paper's full one is `memtwin evaluate`.
QUICK = {"mnist": (8, 2), "digits": (30, 3), "cifar10": (10, 2)}
#: Library devices an assessment is compared with, through the same network and protocol.
COMPARED_PRESETS = ("hfs2-xhameni2025", "taox-hfox-yao2020", "reram-wan2022")


def quick_config(task: str, device: str, data_dir: Path | None, repetitions: int) -> ExperimentConfig:
    digital_epochs, hwat_epochs = QUICK[task]
    cfg = ExperimentConfig.for_task(
        task,
        device=device,
        data_dir=None if data_dir is None else str(data_dir),
        repetitions=repetitions,
        times_s=(0.0, 1.0, 86400.0, 2592000.0, 31536000.0),
    )
    return replace(
        cfg,
        digital=cfg.digital.replace(epochs=digital_epochs),
        hwat=cfg.hwat.replace(epochs=hwat_epochs),
    )


def add_comparison(out: Path, cfg: ExperimentConfig, presets: tuple[str, ...], quiet: bool) -> None:
    """Run the assessed device (its ``device.toml``, exactly as simulated) and ``presets`` through the
    same protocol and the network the assessment trained (in ``out/compare``, whose figures the report
    picks up), each with its own variability and drift, and add a one-row-per-device summary to the
    assessment's results."""
    base = replace(cfg, d2d=None, drift=None)
    with make_executor("serial") as executor:
        results = compare_devices(
            base, out / "compare", [str(out / "device.toml"), *presets], executor=executor,
            progress=not quiet, overwrite=True, checkpoints_from=out, present=present_run,
        )  # fmt: skip
    first = min(results["times_s"])
    rows = []
    for d in results["devices"]:
        row: dict[str, Any] = {
            "device": d["name"],
            "levels": d["levels"][0],
            "sigma_over_bin_width": round(d["sigma_over_bin_width"][0], 3),
            "d2d_update": d["d2d_update"],
            "max_voltage_V": d["max_voltage_V"],
        }
        for loss in d["losses"]:
            if loss["variant"] == "hwat_gdc" and loss["time_s"] == first:
                row[f"loss_{loss['mode']}_pt"] = round(loss["loss_mean"], 2)
        rows.append(row)
    summary = json.loads((out / "results.json").read_text())
    summary["devices"] = rows
    write_json_atomic(out / "results.json", summary)


def add_writes(out: Path, cfg: ExperimentConfig, quiet: bool) -> None:
    """The assessed device under every write model (in ``out/writes``): the networks the assessment
    trained, programmed open loop, by program-and-verify and exactly, just programmed; one row per write
    and mode added to the assessment's results, so a reader sees how much the answer depends on the
    write circuit."""
    swept = SweepConfig("write", WRITES, time_s=0.0, hwat="once")
    writes_cfg = replace(cfg, sweep=swept, variants=("hwat_gdc",))
    results = run_experiment(
        writes_cfg,
        out / "writes",
        progress=not quiet,
        overwrite=True,
        checkpoints_from=out,
        present=present_run,
    )
    rows = [
        {
            "write": r["value"],
            "mode": r["mode"],
            "accuracy_mean": r["accuracy_mean"],
            "accuracy_std": r["accuracy_std"],
        }
        for r in results["analog"]
        if r.get("parameter") == "write"
    ]
    summary = json.loads((out / "results.json").read_text())
    summary["writes"] = rows
    write_json_atomic(out / "results.json", summary)


def describe_device(resolved: ResolvedDevice) -> str:
    """One line: which device is simulated, and where its variability and drift come from."""
    device = resolved.device
    found = resolved.characterized
    measured = device.measured
    parts = [f"device {device.name!r}"]
    if found is not None and len(found.results) > 1:
        parts.append(f"representative of {len(found.results)} devices (--device picks another)")
    v = device.variability
    if measured is not None and measured.d2d_devices > 1 and v.d2d_update == measured.d2d_slope_rel_std:
        parts.append(
            f"device-to-device variation measured over {measured.d2d_devices} devices: step "
            f"{100 * v.d2d_update:.1f} %, range {100 * v.d2d_bounds:.1f} %"
        )
    else:
        parts.append(f"device-to-device variation {100 * v.d2d_update:.3g} % (assumed)")
    parts.append(f"drift {device.key_figures()['drift']}")
    parts.append("write model open-loop (and, in the summary, verify and exact)")
    return "; ".join(parts)


def assess_files(
    files: list[Path],
    *,
    task: str,
    out: Path,
    data_dir: Path | None,
    full: bool,
    repetitions: int,
    quiet: bool,
    overwrite: bool,
    load: loading.LoadOptions | None = None,
    criteria: CriteriaFlags | None = None,
    d2d: float | str | None = None,
    drift: str | None = None,
    console: Console | None = None,
) -> Path:
    """Characterize → device model → train → HWAT → evaluate → compare → report; returns the report's path.

    ``d2d``: None uses the spread measured over the files' devices when there are several (else the
    paper's assumed 30 %), ``"measured"`` demands it, a number sets it. ``drift``: a kind or a drift TOML
    (default: the worst case memtwin assumes for measured devices)."""
    console = console or Console(highlight=False, soft_wrap=True)
    load = load or loading.LoadOptions()
    table, found = characterize_files(files, load, criteria or CriteriaFlags(), console)
    if d2d is None and found.device_to_device is not None:
        d2d = "measured"
    chosen = load.device if load.device in found.results else None
    resolved = device_from_measurements(table, found, device=chosen, d2d=d2d, drift=drift)
    console.print(describe_device(resolved))
    device_spec = str((out / "characterization.json").resolve())
    data = None if data_dir is None else str(data_dir)
    cfg = (
        ExperimentConfig.for_task(task, device=device_spec, data_dir=data)
        if full
        else quick_config(task, device_spec, data_dir, repetitions)
    )
    cfg = replace(cfg, d2d=d2d, drift=drift)
    run_experiment(cfg, out, progress=not quiet, overwrite=overwrite, source=resolved, present=present_run)
    add_writes(out, cfg, quiet)
    add_comparison(out, cfg, COMPARED_PRESETS, quiet)
    html, _ = write_report(out)
    return html


Files: TypeAlias = Annotated[
    list[Path],
    typer.Argument(help="Pulse-train measurements (CSV/XLSX, any layout memtwin reads); read together."),
]
Task: TypeAlias = Annotated[str, typer.Option(help="mnist, cifar10 or digits.")]
DataDir: TypeAlias = Annotated[
    Path | None, typer.Option(help="Dataset folder (default: $MEMTWIN_DATA_DIR, ~/.cache/memtwin/data).")
]
Out: TypeAlias = Annotated[Path | None, typer.Option(help="Run folder \\[default: runs/assess-FILE-TASK].")]
Full: TypeAlias = Annotated[
    bool, typer.Option("--full", help="The paper's full protocol instead of the quick one.")
]
Repetitions: TypeAlias = Annotated[int, typer.Option(help="Independent programmings per condition.")]
D2d: TypeAlias = Annotated[
    str | None,
    typer.Option(
        help="Device-to-device variation: 'measured' (the spread over the files' devices; the default "
        "when they hold several), or a relative spread such as 0.3 (the paper's assumption, the default "
        "for one device)."
    ),
]
Drift: TypeAlias = Annotated[str | None, typer.Option(help=DRIFT_HELP)]
Overwrite: TypeAlias = Annotated[bool, typer.Option(help="Replace a complete run in --out.")]
Quiet: TypeAlias = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]


@with_flags(CriteriaFlags)
@with_flags(loading.LoadOptions)
def assess(
    files: Files,
    task: Task = "mnist",
    data_dir: DataDir = None,
    out: Out = None,
    full: Full = False,
    repetitions: Repetitions = 5,
    d2d: D2d = None,
    drift: Drift = None,
    *,
    load: loading.LoadOptions,
    criteria: CriteriaFlags,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
) -> None:
    """Assess a device from its measurements: characterize, model, train, hardware-aware train,
    evaluate over time, compare with library devices, and write an HTML report. Takes every flag
    `memtwin characterize` takes."""
    html = assess_files(
        files, task=task, out=out or Path("runs") / f"assess-{files[0].stem}-{task}", data_dir=data_dir,
        full=full, repetitions=repetitions, quiet=quiet, overwrite=overwrite, load=load, criteria=criteria,
        d2d=parse_d2d(d2d), drift=drift,
    )  # fmt: skip
    Console().print(f"report: {html}")


DemoOut: TypeAlias = Annotated[Path, typer.Option(help="Run folder.")]
DemoDataDir: TypeAlias = Annotated[
    Path | None, typer.Option(help="Folder holding MNIST (else the bundled digits task is used).")
]


def demo(out: DemoOut = Path("runs/demo"), data_dir: DemoDataDir = None, quiet: Quiet = False) -> None:
    """The whole pipeline on the bundled (synthetic) HfS2-like example device, in a few minutes:
    MNIST when its files are found, else scikit-learn's bundled 8x8 digits. Ends with the report's path."""
    console = Console()
    has_mnist = find_mnist_files(resolve_data_dir(data_dir)) is not None
    task = "mnist" if has_mnist else "digits"
    if not has_mnist:
        console.print(
            "[yellow]MNIST not found[/yellow] in "
            f"{resolve_data_dir(data_dir)}; using the bundled 8x8 digits. Put the four MNIST IDX files "
            "there (or pass --data-dir / set MEMTWIN_DATA_DIR) for the paper's task."
        )
    html = assess_files(
        [example_csv_path()], task=task, out=out, data_dir=data_dir, full=False, repetitions=3, quiet=quiet,
        overwrite=True,
    )  # fmt: skip
    console.print(f"report: {html}")


def register(app: typer.Typer) -> None:
    """Add ``assess`` and ``demo`` to the ``memtwin`` command."""
    app.command()(assess)
    app.command()(demo)
