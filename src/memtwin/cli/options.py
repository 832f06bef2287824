"""Command-line options shared by the experiment commands (``evaluate``, ``sweep``, ``run``) and the
analyses (``compare``, ``ablate``, ``tolerance``): one place for their help texts, their parsing and
how they turn into an :class:`ExperimentConfig`, so that a flag means the same in every command.

The options come in two groups, each a dataclass that a command takes as one parameter (see
:func:`memtwin.cli.flags.with_flags`): :class:`ExperimentFlags` (what to run) and :class:`RunFlags`
(where its evaluations run, and how the run is kept and reported)::

    @with_flags(ExperimentFlags, omit={"variants"})
    @with_flags(RunFlags)
    def evaluate(flags: ExperimentFlags, run: RunFlags) -> None:
        results = run_experiment(flags.experiment_config(), out, progress=run.progress)

Help texts are rich markup: a literal ``[`` is written ``\\[`` or rich swallows the bracketed text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, TypeAlias

import typer

from memtwin.crossbar.periphery import WRITES
from memtwin.crossbar.periphery import Periphery as PeripheryConfig
from memtwin.errors import ConfigError
from memtwin.experiments.config import TRAININGS, ExperimentConfig
from memtwin.experiments.executors import EXECUTOR_KINDS, Executor, make_executor
from memtwin.validation import choice

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
EXECUTOR_HELP = (
    f"Where the evaluations run: {', '.join(EXECUTOR_KINDS)} (local = process pool); evaluate and sweep run "
    "them in this process unless told."
)
PERIPHERY_HELP = (
    "'paper' (8-bit DAC/ADC, IR drop, 512x512 tiles; the default) or 'ideal'; 'paper+verify' is the older "
    "spelling of --write verify."
)
WRITE_HELP = (
    "How weights are written: open-loop (a pulse count per weight, as the paper's text describes; the "
    "default), verify (program-and-verify), exact (every device holds its target, clipped at its own "
    "bounds: AIHWKIT's write onto a pulsed tile, which the paper's simulation used)."
)


def floats(text: str | None, what: str) -> tuple[float, ...] | None:
    """``"0,0.1, 0.2"`` → ``(0.0, 0.1, 0.2)``; None stays None (flag not given)."""
    if text is None:
        return None
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise ConfigError(f"{what}: expected comma-separated numbers, got {text!r}") from exc


def floats_or_names(text: str, what: str) -> tuple[float, ...] | tuple[str, ...]:
    """``"0,0.1"`` → numbers; ``"open-loop,exact"`` → names (for a knob with named settings)."""
    names = tuple(v.strip() for v in text.split(",") if v.strip())
    if names and not any(v[0].isdigit() or v[0] in "+-." for v in names):
        return names
    return floats(text, what) or ()


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
    return replace(periphery, write="verify") if plus else periphery


def parse_write(text: str) -> str:
    """The ``--write`` choice: one of the write models."""
    if text not in WRITES:
        raise ConfigError(f"--write must be one of {', '.join(WRITES)}, got {text!r}")
    return text


# Options of the experiment config (see ExperimentFlags).
Task: TypeAlias = Annotated[str, typer.Option(help=TASK_HELP)]
Device: TypeAlias = Annotated[str | None, typer.Option(help=DEVICE_HELP)]
DataDir: TypeAlias = Annotated[Path | None, typer.Option(help=DATA_HELP)]
ConfigFile: TypeAlias = Annotated[
    Path | None, typer.Option("--config", help="Experiment TOML to start from (flags override it).")
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
    str | None, typer.Option(help="Comma-separated variants to evaluate: baseline, hwat_gdc, in_situ.")
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
Write: TypeAlias = Annotated[str | None, typer.Option(help=WRITE_HELP)]
Cpu: TypeAlias = Annotated[bool, typer.Option("--cpu", help="Stay on the CPU even when CUDA is available.")]
Training: TypeAlias = Annotated[
    str | None,
    typer.Option(
        help="offline (train digitally, program the chips: baseline and HWAT variants; the default) or "
        "in-situ (train every chip in place by programming pulses, from random weights or, with "
        "--from-run, from that run's digital network)."
    ),
]
InsituEpochs: TypeAlias = Annotated[int | None, typer.Option(help="Epochs of in-situ training.")]
Pulsing: TypeAlias = Annotated[
    str | None,
    typer.Option(
        help="In-situ updates as stochastic pulse trains (AIHWKIT's analog SGD; the default) or "
        "deterministic pulse counts."
    ),
]

# Options of how a run is done and reported.
FromRun: TypeAlias = Annotated[Path | None, typer.Option(help=FROM_RUN_HELP)]
Overwrite: TypeAlias = Annotated[bool, typer.Option(help="Replace a complete run in --out.")]
Quiet: TypeAlias = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars; print only the run folder.")
]
AsJson: TypeAlias = Annotated[bool, typer.Option("--json", help="Print the results as JSON.")]

# Where the analyses' evaluations run (see memtwin.experiments.executors).
ExecutorKind: TypeAlias = Annotated[str | None, typer.Option("--executor", help=EXECUTOR_HELP)]
Address: TypeAlias = Annotated[
    str | None,
    typer.Option(help="Ray cluster address (with --executor ray), e.g. auto or ray://host:10001."),
]
Workers: TypeAlias = Annotated[
    int | None,
    typer.Option(help="Worker processes (local) or CPUs of a local Ray instance \\[default: all]."),
]


@dataclass(frozen=True)
class ExperimentFlags:
    """What to run: the flags that change the experiment config (each command shows those that apply
    to it). A flag left unset keeps the value of ``--config`` or of the task's protocol."""

    task: Task = "digits"
    device: Device = None
    data_dir: DataDir = None
    config_file: ConfigFile = None
    epochs: Epochs = None
    hwat_epochs: HwatEpochs = None
    repetitions: Repetitions = None
    times: Times = None
    modes: Modes = None
    variants: Variants = None
    d2d: D2d = None
    drift: Drift = None
    hwat_noise_scale: HwatNoiseScale = None
    subset: Subset = None
    test_subset: TestSubset = None
    seed: Seed = None
    periphery: Periphery = None
    write: Write = None
    training: Training = None
    insitu_epochs: InsituEpochs = None
    pulsing: Pulsing = None
    cpu: Cpu = False

    def experiment_config(self) -> ExperimentConfig:
        """The --config file (or the task's protocol without one) with the flags given applied."""
        if self.config_file is not None:
            return self.applied_to(ExperimentConfig.from_toml(self.config_file))
        return self.applied_to(ExperimentConfig.for_task(self.task))

    def applied_to(self, base: ExperimentConfig) -> ExperimentConfig:
        """``base`` with the flags given applied (``task`` and ``config_file`` aside: they choose the
        base); a flag left at None (or ``cpu`` False) keeps base's value."""
        # Flags that map one-to-one onto a config field.
        plain = {"device": self.device, "repetitions": self.repetitions, "d2d": parse_d2d(self.d2d),
                 "drift": self.drift, "subset": self.subset, "test_subset": self.test_subset, "seed": self.seed,
                 "hwat_noise_scale": self.hwat_noise_scale}  # fmt: skip
        changes: dict[str, Any] = {k: v for k, v in plain.items() if v is not None}
        if self.data_dir is not None:
            changes["data_dir"] = str(self.data_dir)
        # Epochs live in the nested training configs; keep their other settings.
        if self.epochs is not None:
            changes["digital"] = base.digital.replace(epochs=self.epochs)
        if self.hwat_epochs is not None:
            changes["hwat"] = base.hwat.replace(epochs=self.hwat_epochs)
        if self.times is not None:
            changes["times_s"] = floats(self.times, "--times")
        for key, text in (("modes", self.modes), ("variants", self.variants)):
            chosen = csv_list(text)
            if chosen is not None:
                changes[key] = tuple(chosen)
        if self.periphery is not None:
            changes["periphery"] = parse_periphery(self.periphery)
        if self.write is not None:
            periphery = changes.get("periphery", base.periphery)
            changes["periphery"] = replace(periphery, write=parse_write(self.write))
        if self.training is not None:
            changes["variants"] = TRAININGS[choice("--training", self.training, tuple(TRAININGS))]
        insitu: dict[str, Any] = {"epochs": self.insitu_epochs, "pulsing": self.pulsing}
        if any(v is not None for v in insitu.values()):
            changes["insitu"] = replace(base.insitu, **{k: v for k, v in insitu.items() if v is not None})
        if self.cpu:
            changes["device_kind"] = "cpu"
        return replace(base, **changes)


def config_from_flags(base: ExperimentConfig, **flags: Any) -> ExperimentConfig:
    """``base`` with ``flags`` applied: keywords named as :class:`ExperimentFlags`' fields, values as
    typed on the command line (``times="0,60"``, ``d2d="measured"``)."""
    if {"task", "config_file"} & set(flags):
        raise TypeError("config_from_flags applies flags to a base config; build the base from the task")
    return ExperimentFlags(**flags).applied_to(base)


@dataclass(frozen=True)
class RunFlags:
    """How a run is done: where its evaluations go (a local process pool, a Ray cluster, or, with
    ``executor`` None, this process), whether it starts from another run, and how it is reported."""

    executor: ExecutorKind = None
    address: Address = None
    workers: Workers = None
    from_run: FromRun = None
    overwrite: Overwrite = False
    quiet: Quiet = False
    as_json: AsJson = False

    @property
    def progress(self) -> bool:
        """Progress bars only for a person reading the terminal (not with --quiet or --json)."""
        return not (self.quiet or self.as_json)

    @contextmanager
    def open_executor(self) -> Iterator[Executor | None]:
        """The executor, closed on exit; None for this process."""
        if self.executor is None:
            if self.address is not None or self.workers is not None:
                raise ConfigError("--address and --workers go with --executor local or ray")
            yield None
            return
        with make_executor(self.executor, workers=self.workers, address=self.address) as executor:
            yield executor
