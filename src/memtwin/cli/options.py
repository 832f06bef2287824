"""Command-line options shared by the experiment commands (``evaluate``, ``sweep``, ``run``) and the
analyses (``compare``, ``ablate``, ``tolerance``): one place for their help texts, their parsing and
how they turn into an :class:`ExperimentConfig`, so that a flag means the same in every command.

The ``Annotated`` aliases carry the option's declaration; a command sets only the default::

    from memtwin.cli import options as opt

    def evaluate(epochs: opt.Epochs = None, quiet: opt.Quiet = False) -> None: ...

Help texts are rich markup: a literal ``[`` is written ``\\[`` or rich swallows the bracketed text.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, TypeAlias

import typer

from memtwin.crossbar.periphery import Periphery as PeripheryConfig
from memtwin.errors import ConfigError
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.executors import EXECUTOR_KINDS

TASK_HELP = "digits (bundled, offline), mnist (IDX files) or cifar10 (python batches)."
DATA_HELP = "Folder with the dataset (default: $MEMTWIN_DATA_DIR, then ~/.cache/memtwin/data)."
DRIFT_HELP = (
    "Drift model overriding the device's: a kind, reram-wan2022-aihwkit (paper's worst case), reram-wan2022, "
    "hfs2-retention, log_time, power_law, none; or the path of a drift TOML, e.g. the drift.toml that "
    "'memtwin retention' fits to your own retention data."
)
DEVICE_HELP = "A preset name (memtwin devices), a device TOML, a characterization JSON or a measurement file."
FROM_RUN_HELP = (
    "Start from the networks (checkpoints) another run folder trained; refused unless that run "
    "trained them with the same task, device, periphery, recipes, seed and data."
)
EXECUTOR_HELP = f"Where the evaluations run: {', '.join(EXECUTOR_KINDS)} (local = process pool)."
PERIPHERY_HELP = (
    "'paper' (8-bit DAC/ADC, IR drop, 512x512 tiles, open-loop writes; the default) or 'ideal'; append "
    "'+verify' to write every device by program-and-verify (e.g. paper+verify)."
)


def floats(text: str | None, what: str) -> tuple[float, ...] | None:
    """``"0,0.1, 0.2"`` → ``(0.0, 0.1, 0.2)``; None stays None (flag not given)."""
    if text is None:
        return None
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise ConfigError(f"{what}: expected comma-separated numbers, got {text!r}") from exc


def csv_list(text: str | None) -> list[str] | None:
    """``"a, b,"`` → ``["a", "b"]``; None stays None (flag not given)."""
    if text is None:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def parse_d2d(text: str | float | None) -> float | str | None:
    """The ``--d2d`` choice: a relative spread (``0.3``) or ``measured`` (the spread over the devices of
    the measurements)."""
    if text is None or isinstance(text, float | int):
        return text
    if text.strip().lower() == "measured":
        return "measured"
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"--d2d must be a number such as 0.3, or 'measured', got {text!r}") from None


def parse_periphery(name: str) -> PeripheryConfig:
    """The ``--periphery`` choice: ``paper`` or ``ideal``, optionally ``+verify`` (program-and-verify)."""
    base, plus, scheme = name.partition("+")
    if base not in ("paper", "ideal") or (plus and scheme != "verify"):
        raise ConfigError(
            f"--periphery must be 'paper' or 'ideal', optionally followed by '+verify', got {name!r}"
        )
    periphery = PeripheryConfig.paper() if base == "paper" else PeripheryConfig.ideal()
    return replace(periphery, program_verify=True) if plus else periphery


def config_from_flags(
    base: ExperimentConfig,
    *,
    device: str | None = None,
    data_dir: Path | None = None,
    epochs: int | None = None,
    hwat_epochs: int | None = None,
    repetitions: int | None = None,
    times: str | None = None,
    modes: str | None = None,
    variants: str | None = None,
    d2d: str | None = None,
    drift: str | None = None,
    subset: int | None = None,
    test_subset: int | None = None,
    seed: int | None = None,
    periphery: str | None = None,
    cpu: bool = False,
    hwat_noise_scale: float | None = None,
) -> ExperimentConfig:
    """``base`` with the flags given applied; a flag left at None (or ``cpu`` False) keeps base's value."""
    changes: dict[str, Any] = {}
    # Flags that map one-to-one onto a config field.
    plain = {"device": device, "repetitions": repetitions, "d2d": parse_d2d(d2d), "drift": drift, "subset": subset,
             "test_subset": test_subset, "seed": seed, "hwat_noise_scale": hwat_noise_scale}  # fmt: skip
    changes.update({k: v for k, v in plain.items() if v is not None})
    if data_dir is not None:
        changes["data_dir"] = str(data_dir)
    # Epochs live in the nested training configs; keep their other settings.
    if epochs is not None:
        changes["digital"] = base.digital.replace(epochs=epochs)
    if hwat_epochs is not None:
        changes["hwat"] = base.hwat.replace(epochs=hwat_epochs)
    if times is not None:
        changes["times_s"] = floats(times, "--times")
    for key, text in (("modes", modes), ("variants", variants)):
        chosen = csv_list(text)
        if chosen is not None:
            changes[key] = tuple(chosen)
    if periphery is not None:
        changes["periphery"] = parse_periphery(periphery)
    if cpu:
        changes["device_kind"] = "cpu"
    return replace(base, **changes)


# Options of the experiment config (see config_from_flags).
Task: TypeAlias = Annotated[str, typer.Option(help=TASK_HELP)]
Device: TypeAlias = Annotated[str | None, typer.Option(help=DEVICE_HELP)]
DataDir: TypeAlias = Annotated[Path | None, typer.Option(help=DATA_HELP)]
ConfigFile: TypeAlias = Annotated[
    Path | None, typer.Option(help="Experiment TOML to start from (flags override it).")
]
Epochs: TypeAlias = Annotated[
    int | None, typer.Option(help="Digital training epochs (paper: MNIST 30, CIFAR-10 200).")
]
HwatEpochs: TypeAlias = Annotated[
    int | None, typer.Option(help="Hardware-aware training epochs (paper: MNIST 5, CIFAR-10 20).")
]
Repetitions: TypeAlias = Annotated[
    int | None, typer.Option(help="Independent programmings per evaluated condition \\[default: 5].")
]
Times: TypeAlias = Annotated[
    str | None, typer.Option(help="Comma-separated times after programming, in seconds.")
]
Modes: TypeAlias = Annotated[str | None, typer.Option(help="potentiation,depression (default both).")]
Variants: TypeAlias = Annotated[
    str | None, typer.Option(help="Comma-separated variants to evaluate: baseline, hwat_gdc.")
]
D2d: TypeAlias = Annotated[
    str | None,
    typer.Option(
        help="Override the device-to-device variation: relative, e.g. 0.3, or 'measured' (the spread over "
        "the devices of a measurement file or characterization)."
    ),
]
Drift: TypeAlias = Annotated[str | None, typer.Option(help=DRIFT_HELP)]
HwatNoiseScale: TypeAlias = Annotated[
    float | None,
    typer.Option(
        help="Hardware-aware training sees every device spread this many times wider than the device's."
    ),
]
Subset: TypeAlias = Annotated[
    int | None, typer.Option(help="Use only this many training examples (quick runs).")
]
TestSubset: TypeAlias = Annotated[int | None, typer.Option(help="Use only this many test examples.")]
Seed: TypeAlias = Annotated[int | None, typer.Option(help="Seed of the run.")]
Periphery: TypeAlias = Annotated[str | None, typer.Option(help=PERIPHERY_HELP)]
Cpu: TypeAlias = Annotated[bool, typer.Option("--cpu", help="Stay on the CPU even when CUDA is available.")]

# Options of how a run is done and reported.
FromRun: TypeAlias = Annotated[Path | None, typer.Option(help=FROM_RUN_HELP)]
Overwrite: TypeAlias = Annotated[bool, typer.Option(help="Replace a complete run in --out.")]
Quiet: TypeAlias = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars; print only the run folder.")
]
AsJson: TypeAlias = Annotated[bool, typer.Option("--json", help="Print the results as JSON.")]

# Where the analyses' evaluations run (see memtwin.experiments.executors).
Executor: TypeAlias = Annotated[str, typer.Option(help=EXECUTOR_HELP)]
Address: TypeAlias = Annotated[
    str | None,
    typer.Option(help="Ray cluster address (with --executor ray), e.g. auto or ray://host:10001."),
]
Workers: TypeAlias = Annotated[
    int | None,
    typer.Option(help="Worker processes (local) or CPUs of a local Ray instance \\[default: all]."),
]
