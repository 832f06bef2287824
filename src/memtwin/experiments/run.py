"""Run an experiment config into a run folder: ``config.toml``, ``device.toml``, ``results.json``,
``results.csv``, ``checkpoints/`` and ``figures/``. Killed runs resume from their checkpoints."""

from __future__ import annotations

import csv
import io
import platform
import time
from pathlib import Path
from typing import Any

import torch

from memtwin import __version__
from memtwin.atomic import write_text_atomic
from memtwin.characterization import write_characterizations
from memtwin.characterization.plots import plot_characterization
from memtwin.experiments.config import ExperimentConfig, same_experiment
from memtwin.experiments.devices import ResolvedDevice
from memtwin.experiments.evaluate import AnalogRow, Session, evaluate_protocol, program_seed
from memtwin.experiments.figures import plot_all
from memtwin.experiments.reuse import reusable_stages
from memtwin.experiments.runfolder import RunFolder, marks_failed_run
from memtwin.experiments.sweep import apply_parameter
from memtwin.tasks.networks import count_weights

CSV_COLUMNS = (
    "mode",
    "variant",
    "time_s",
    "accuracy_mean",
    "accuracy_std",
    "repetitions",
    "parameter",
    "value",
)


@marks_failed_run
def run_experiment(
    config: ExperimentConfig,
    out: str | Path,
    *,
    progress: bool = True,
    overwrite: bool = False,
    checkpoints_from: str | Path | None = None,
    source: ResolvedDevice | None = None,
) -> dict[str, Any]:
    """Run ``config`` (an evaluation, or a sweep when ``config.sweep`` is set) into ``out``.

    ``checkpoints_from``: a run folder whose trained networks this run starts from, as far as that run
    trained them the same way (see :func:`memtwin.experiments.reuse.reusable_stages`). ``source``: the
    device already resolved from measurements (``memtwin assess``), instead of resolving
    ``config.device``; the run folder then gets its ``characterization.json``."""
    stages = reusable_stages(config, Path(checkpoints_from)) if checkpoints_from is not None else None
    run = RunFolder(Path(out))
    started = time.perf_counter()
    # Data and device are validated before the folder is created.
    session = Session.open(config, run.checkpoints, progress=progress, source=source)
    run.start(config.to_toml(), overwrite=overwrite, same_config=same_experiment)
    if checkpoints_from is not None:
        run.import_checkpoints(Path(checkpoints_from), stages)
    session.device.to_toml(run.path / "device.toml")
    source = session.source
    if source is not None and source.characterized is not None and source.table is not None:
        found = source.characterized
        write_characterizations(found.results, run.path / "characterization.json", found.skipped)
        if source.characterization is not None:
            plot_characterization(source.table, source.characterization, run.figures)

    net, digital_acc, history = session.train_digital()
    t_digital = time.perf_counter() - started
    rows: list[AnalogRow] = []
    if config.sweep is None:
        rows = evaluate_protocol(session, net)
    else:
        for value in config.sweep.values:
            device, periphery = apply_parameter(
                session.device, config.periphery, config.sweep.parameter, value
            )
            rows += evaluate_protocol(
                session,
                net,
                device=device,
                periphery=periphery,
                times_s=(config.sweep.time_s,),
                tag=f"-{config.sweep.parameter}={value:g}",
                parameter=config.sweep.parameter,
                value=value,
                hwat_on_nominal=config.sweep.hwat == "once",
            )
    elapsed = time.perf_counter() - started
    weights = count_weights(net)
    results: dict[str, Any] = {
        "task": config.task,
        "device": session.device.name,
        "digital_accuracy": digital_acc,
        "analog": [r.to_dict() for r in rows],
        "network": {"weights": weights, "devices": 2 * weights},
        "data": session.data.describe(),
        "seeds": {
            "base": config.seed,
            "digital_training": config.digital.seed,
            "hwat_training": config.hwat.seed,
            "programming": {m: program_seed(config.seed, m) for m in config.modes},
        },
        "timings_s": {"digital_training": t_digital, "total": elapsed},
        "versions": {"memtwin": __version__, "torch": torch.__version__, "python": platform.python_version()},
        "hardware": str(session.torch_device),
    }
    if config.sweep is not None:
        results["sweep"] = {
            "parameter": config.sweep.parameter,
            "values": list(config.sweep.values),
            "hwat": config.sweep.hwat,
        }
    write_text_atomic(run.path / "results.csv", results_csv(results["analog"]))
    plot_all(results, run.figures, history["epochs"])
    run.write_json("history.json", history)
    run.write_json("results.json", results)
    run.complete()
    return results


def results_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: r.get(k, "") for k in CSV_COLUMNS})
    return buf.getvalue()
