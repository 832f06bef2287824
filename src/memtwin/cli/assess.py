"""``memtwin assess`` (a lab's measurement file → a complete assessment) and ``memtwin demo`` (the same
on the bundled example device)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from memtwin.atomic import write_json_atomic
from memtwin.data import example_csv_path
from memtwin.experiments.compare import compare_devices
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.executors import make_executor
from memtwin.experiments.run import run_experiment
from memtwin.tasks.datasets import find_mnist_files, resolve_data_dir

#: A protocol that finishes in minutes on a laptop CPU; the paper's full one is `memtwin evaluate`.
QUICK = {"mnist": (8, 2), "digits": (30, 3), "cifar10": (10, 2)}


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


#: Library devices an assessment is compared with, through the same network and protocol.
COMPARED_PRESETS = ("hfs2-xhameni2025", "taox-hfox-yao2020", "reram-wan2022")


def add_comparison(cfg: ExperimentConfig, out: Path, presets: tuple[str, ...], quiet: bool) -> None:
    """Run the assessed device and ``presets`` through the same protocol (in ``out/compare``, whose
    figures the report picks up) and add a one-row-per-device summary to the assessment's results."""
    compare_dir = out / "compare"
    results = compare_devices(
        cfg,
        compare_dir,
        [cfg.device, *presets],
        executor=make_executor("serial"),
        progress=not quiet,
        overwrite=True,
    )
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


def assess_file(
    data_file: Path,
    task: str,
    out: Path,
    data_dir: Path | None,
    full: bool,
    repetitions: int,
    quiet: bool,
    overwrite: bool,
) -> Path:
    """Characterize → device model → train → HWAT → evaluate → report; returns the report's path."""
    device = str(data_file.resolve())
    if full:
        cfg = ExperimentConfig.for_task(
            task, device=device, data_dir=None if data_dir is None else str(data_dir)
        )
    else:
        cfg = quick_config(task, device, data_dir, repetitions)
    run_experiment(cfg, out, progress=not quiet, overwrite=overwrite)
    add_comparison(cfg, out, COMPARED_PRESETS, quiet)
    from memtwin.report import write_report

    html, _ = write_report(out)
    return html


def register(app: typer.Typer) -> None:
    @app.command()
    def assess(
        data_file: Path = typer.Argument(
            ..., help="Pulse-train measurements (CSV/XLSX, any layout memtwin reads)."
        ),
        task: str = typer.Option("mnist", help="mnist, cifar10 or digits."),
        data_dir: Path = typer.Option(
            None, help="Dataset folder (default: $MEMTWIN_DATA_DIR, ~/.cache/memtwin/data)."
        ),
        out: Path = typer.Option(None, help="Run folder [default: runs/assess-FILE-TASK]."),
        full: bool = typer.Option(
            False, "--full", help="The paper's full protocol instead of the quick one."
        ),
        repetitions: int = typer.Option(5, help="Independent programmings per condition."),
        overwrite: bool = typer.Option(False, help="Replace a complete run in --out."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    ) -> None:
        """Assess a device from its measurements: characterize, model, train, hardware-aware train,
        evaluate over time, and write an HTML report."""
        out = out or Path("runs") / f"assess-{data_file.stem}-{task}"
        html = assess_file(data_file, task, out, data_dir, full, repetitions, quiet, overwrite)
        Console().print(f"report: {html}")

    @app.command()
    def demo(
        out: Path = typer.Option(Path("runs/demo"), help="Run folder."),
        data_dir: Path = typer.Option(
            None, help="Folder holding MNIST (else the bundled digits task is used)."
        ),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    ) -> None:
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
        html = assess_file(example_csv_path(), task, out, data_dir, False, 3, quiet, overwrite=True)
        console.print(f"report: {html}")
