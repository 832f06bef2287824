"""The configuration of one experiment run, with a lossless TOML round trip.

A run folder always holds the fully resolved ``config.toml``: rerunning ``memtwin run`` on it
reproduces every number and figure of that folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from memtwin import validation as check
from memtwin.crossbar.periphery import Periphery
from memtwin.errors import ConfigError
from memtwin.insitu.config import InSituConfig, default_insitu_config
from memtwin.training.config import TrainConfig, default_hwat_config, default_train_config

MODES = ("potentiation", "depression")
#: ``baseline``: the digital network programmed as trained; ``hwat_gdc``: after hardware-aware training,
#: with global drift compensation; ``in_situ``: trained on the chip itself by programming pulses
#: (:mod:`memtwin.insitu`), with global drift compensation.
VARIANTS = ("baseline", "hwat_gdc", "in_situ")
#: How the network that a chip holds is trained: offline (digitally, then programmed) or in situ.
TRAININGS = {"offline": ("baseline", "hwat_gdc"), "in-situ": ("in_situ",)}
TASKS = ("digits", "mnist", "cifar10")
#: Just programmed (0 s: no drift yet), then 1 s, 1 h, 1 day, 1 week, 30 days, 1 year after programming.
DEFAULT_TIMES_S = (0.0, 1.0, 3600.0, 86400.0, 604800.0, 2592000.0, 31536000.0)
#: How people say the usual times after programming.
TIME_LABELS = {
    1.0: "1 s",
    60.0: "1 min",
    3600.0: "1 h",
    86400.0: "1 day",
    604800.0: "1 week",
    2592000.0: "30 days",
    31536000.0: "1 year",
}
#: How a sweep's HWAT networks are trained: afresh on every swept device (``per_value``), or once on the
#: run's nominal device and then programmed onto every swept one (``once``: the paper's "re-ran
#: simulations for inference" of Fig. 5(b), and the only affordable choice for CIFAR-10 on a CPU).
SWEEP_HWAT = ("per_value", "once")


@dataclass(frozen=True)
class SweepConfig:
    """Sweep one knob over values; ``parameter`` is a knob's name such as ``d2d`` or ``adc_bits`` (see
    :mod:`memtwin.experiments.knobs`, checked when the sweep runs); ``hwat`` is one of
    :data:`SWEEP_HWAT`. ``time_s`` defaults to 0 (just programmed): the paper's worst-case drift model
    redraws every device around its target at t > 0, which would hide programming errors."""

    parameter: str
    values: tuple[float | str, ...]
    time_s: float = 0.0
    hwat: str = "per_value"

    def __post_init__(self) -> None:
        check.text("sweep.parameter", self.parameter)
        if not self.values:
            check.fail("sweep.values", list(self.values), "give at least one value")
        if not all(isinstance(v, str) and v for v in self.values):  # names, for a knob like `write`
            check.numbers("sweep.values", tuple(self.values))
        check.number("sweep.time_s", self.time_s, ge=0, note="s")
        check.choice("sweep.hwat", self.hwat, SWEEP_HWAT)


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines an evaluation (or sweep) run.

    ``device`` is a preset name, a device TOML file, a characterization JSON, or a measurement file
    (then characterized first). Measurements carry no retention data, so a measured device gets the
    drift model memtwin assumes for them (:data:`memtwin.devices.from_characterization.MEASURED_DEVICE_DRIFT`).
    ``drift`` overrides the device's drift model: a kind
    (e.g. ``hfs2-retention``, ``none``) or the path of a drift TOML (``memtwin retention`` writes one).
    ``d2d`` overrides the device's device-to-device variation (both the update and the bounds spread):
    a relative spread, or ``"measured"`` for the spread over the devices of the measurements.
    ``hwat_noise_scale`` widens every device spread that hardware-aware training sees (× the device's
    own, default 1.5; inference always uses the device's own).
    ``subset`` limits the training and test sets (quick runs, CI).
    """

    task: str = "digits"
    device: str = "hfs2-xhameni2025"
    data_dir: str | None = None
    d2d: float | str | None = None
    drift: str | None = None
    modes: tuple[str, ...] = MODES
    variants: tuple[str, ...] = TRAININGS["offline"]
    repetitions: int = 5
    times_s: tuple[float, ...] = DEFAULT_TIMES_S
    seed: int = 0
    hwat_noise_scale: float = 1.5
    subset: int | None = None
    test_subset: int | None = None
    device_kind: str = "auto"
    digital: TrainConfig = field(default_factory=lambda: default_train_config("digits"))
    hwat: TrainConfig = field(default_factory=lambda: default_hwat_config("digits"))
    periphery: Periphery = field(default_factory=Periphery.paper)
    sweep: SweepConfig | None = None
    insitu: InSituConfig = field(default_factory=lambda: default_insitu_config("digits"))

    def __post_init__(self) -> None:
        check.choice("task", self.task, TASKS)
        for i, mode in enumerate(self.modes):
            check.choice(f"modes[{i}]", mode, MODES)
        for i, variant in enumerate(self.variants):
            check.choice(f"variants[{i}]", variant, VARIANTS)
        check.number("hwat_noise_scale", self.hwat_noise_scale, ge=0)
        check.integer("repetitions", self.repetitions, ge=1)
        if not self.times_s:
            check.fail("times_s", list(self.times_s), "give at least one time after programming")
        check.numbers("times_s", tuple(self.times_s), ge=0, note="s")
        if isinstance(self.d2d, str) and self.d2d != "measured":
            check.fail("d2d", self.d2d, "must be a number >= 0 or 'measured'")
        if self.d2d is not None and not isinstance(self.d2d, str):
            check.number("d2d", self.d2d, ge=0)
        for key in ("subset", "test_subset"):
            if getattr(self, key) is not None:
                check.integer(key, getattr(self, key), ge=10, note="examples")

    @classmethod
    def for_task(cls, task: str, **changes: Any) -> ExperimentConfig:
        """The paper's protocol for ``task`` (its training recipes), with ``changes`` applied."""
        base = cls(
            task=task,
            digital=default_train_config(task),
            hwat=default_hwat_config(task),
            insitu=default_insitu_config(task),
        )
        return replace(base, **changes)

    # -- TOML ----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "task": self.task,
            "device": self.device,
            "modes": list(self.modes),
            "variants": list(self.variants),
            "repetitions": self.repetitions,
            "times_s": list(self.times_s),
            "seed": self.seed,
            "device_kind": self.device_kind,
        }
        for key in ("data_dir", "d2d", "drift", "subset", "test_subset"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out["hwat_noise_scale"] = self.hwat_noise_scale
        out["digital"] = self.digital.to_dict()
        out["hwat"] = self.hwat.to_dict()
        out["periphery"] = self.periphery.to_dict()
        if "in_situ" in self.variants:  # written only where used: other configs keep their text (and keys)
            out["insitu"] = self.insitu.to_dict()
        if self.sweep is not None:
            out["sweep"] = {
                "parameter": self.sweep.parameter,
                "values": list(self.sweep.values),
                "time_s": self.sweep.time_s,
            }
            out["sweep"]["hwat"] = self.sweep.hwat
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentConfig:
        data = dict(data)
        check.check_keys("config", data, sorted(f.name for f in fields(cls)))
        task = str(data.get("task", "digits"))
        kwargs: dict[str, Any] = {
            k: v for k, v in data.items() if k not in ("digital", "hwat", "periphery", "sweep", "insitu")
        }
        for key in ("modes", "variants"):
            if key in kwargs:
                kwargs[key] = tuple(kwargs[key])
        if "times_s" in kwargs:
            kwargs["times_s"] = tuple(float(t) for t in kwargs["times_s"])
        kwargs["digital"] = _train(default_train_config(task), data.get("digital", {}), "digital")
        kwargs["hwat"] = _train(default_hwat_config(task), data.get("hwat", {}), "hwat")
        if "periphery" in data:
            kwargs["periphery"] = Periphery.from_dict(data["periphery"])
        insitu = default_insitu_config(task).to_dict()
        insitu.update(data.get("insitu", {}))
        kwargs["insitu"] = InSituConfig.from_dict(insitu)
        if "sweep" in data:
            sweep = dict(data["sweep"])
            hint = "[sweep] needs 'parameter' and 'values' (and optionally 'time_s' and 'hwat')"
            check.check_keys("[sweep]", sweep, ("parameter", "values", "time_s", "hwat"), hint=hint)
            if "parameter" not in sweep or "values" not in sweep:
                raise ConfigError(hint)
            kwargs["sweep"] = SweepConfig(
                parameter=str(sweep["parameter"]),
                values=tuple(v if isinstance(v, str) else float(v) for v in sweep["values"]),
                time_s=float(sweep.get("time_s", 0.0)),
                hwat=str(sweep.get("hwat", "per_value")),
            )
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ConfigError(f"invalid experiment config: {exc}") from exc

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    @classmethod
    def from_toml(cls, path: str | Path) -> ExperimentConfig:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        return cls.from_dict(data)


def time_label(t_s: float) -> str:
    """A time after programming as people say it (1 s, 1 h, 1 day, 1 year, else seconds)."""
    return TIME_LABELS.get(float(t_s), f"{t_s:g} s")


def _train(base: TrainConfig, changes: dict[str, Any], table: str) -> TrainConfig:
    merged = base.to_dict()
    check.check_keys(f"[{table}]", changes, list(merged))
    merged.update(changes)
    return TrainConfig.from_dict(merged)


def same_experiment(a_toml: str, b_toml: str) -> bool:
    """Whether two config texts describe the same experiment: equal once parsed, so that a run folder
    written before a new option existed (the option then takes its default) still resumes."""
    try:
        return ExperimentConfig.from_dict(tomllib.loads(a_toml)) == ExperimentConfig.from_dict(
            tomllib.loads(b_toml)
        )
    except (ConfigError, tomllib.TOMLDecodeError):
        return False
