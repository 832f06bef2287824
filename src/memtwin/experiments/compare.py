"""Compare devices through one network and one protocol (the paper's Sec. VI and Fig. 6, done the way
the paper could not: the same pipeline for every device).

The paper compared its HfS2 device with other memristors through numbers their authors obtained with
other toolkits, networks and non-idealities. Here every device is programmed into the *same* trained
network with the same periphery, seeds and protocol, so the differences are the devices'. The published
numbers (:data:`memtwin.devices.literature.LITERATURE_RESULTS`) are listed next to memtwin's, as what they
are: reported by their authors, with a different network and toolkit.

Results: per device the accuracy loss vs digital per mode and variant at the first and last time of the
protocol, and every device's TOML under ``devices/``. Tables and figures (Fig. 6(a)–(d)):
:mod:`memtwin.report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Unpack

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel, list_presets
from memtwin.devices.literature import LITERATURE_RESULTS
from memtwin.devices.literature import NONIDEALITIES as REPORTED_NONIDEALITIES
from memtwin.errors import ConfigError
from memtwin.experiments.analysis import Analysis, Evaluations, Prepared, RunOptions, Summary, run_analysis
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.devices import resolve_device
from memtwin.experiments.evaluate import EvalJob
from memtwin.experiments.knobs import drift_kind, present_effects
from memtwin.experiments.stats import loss_samples, mean_se

__all__ = ["Comparison", "compare_devices", "literature_rows", "loss_of", "simulated_nonidealities"]

CSV_COLUMNS = ("device", "mode", "variant", "time_s", "accuracy_mean", "accuracy_std", "loss_mean", "loss_std",
               "repetitions", "accuracies")  # fmt: skip
LOSS_KEYS = ("mode", "variant", "time_s", "loss_mean", "loss_std", "loss_se", "repetitions")


def simulated_nonidealities(device: DeviceModel, periphery: Periphery) -> dict[str, str]:
    """For each entry of the paper's Fig. 6(d) list: ``"on"`` when it is present in this device's model
    and periphery, ``"zero"`` when memtwin simulates it but this device/periphery has none of it (e.g. a
    closed-loop-programmed device with no d2d spread). memtwin runs the same full model for every device,
    so there is no ``"not simulated"``."""
    present = present_effects(device, periphery)
    out: dict[str, str] = {}
    for name in REPORTED_NONIDEALITIES:
        # Every device has a finite level table (1024 levels still quantize), so finite levels are always on.
        on = name == "finite_levels" or present.get(name, False)
        out[name] = "on" if on else "zero"
    return out


def literature_rows(task: str) -> list[dict[str, Any]]:
    """The published results for ``task`` as plain dicts (with their accuracy loss)."""
    rows = []
    for r in LITERATURE_RESULTS:
        if r.task != task:
            continue
        row = asdict(r)
        row["nonidealities"] = list(r.nonidealities)
        row["accuracy_loss_pct"] = r.accuracy_loss_pct
        rows.append(row)
    return rows


def loss_of(summary: dict[str, Any], mode: str, variant: str, time_s: float) -> dict[str, Any] | None:
    """The loss entry of a device summary at one condition (None if not evaluated)."""
    for e in summary["losses"]:
        if e["mode"] == mode and e["variant"] == variant and e["time_s"] == time_s:
            return e
    return None


@dataclass
class Comparison(Analysis):
    """Every device in ``specs`` (presets, device TOMLs, …; default: every preset) through the config's
    task, protocol and periphery, at the first and last time of the protocol. ``config.d2d`` /
    ``config.drift`` (if set) override every device's device-to-device variation / drift model."""

    config: ExperimentConfig
    specs: list[str] = field(default_factory=list)
    models: list[DeviceModel] = field(init=False)
    times: list[float] = field(init=False)
    kind: ClassVar[str] = "compare"

    def __post_init__(self) -> None:
        self.specs = list(self.specs) or list_presets()
        if not self.specs:
            raise ConfigError("no devices to compare")
        cfg = self.config
        self.models = [resolve_device(s, d2d=cfg.d2d, drift=cfg.drift) for s in self.specs]
        names = [m.name for m in self.models]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise ConfigError(f"devices must have distinct names; repeated: {', '.join(dupes)}")
        self.times = sorted({min(cfg.times_s), max(cfg.times_s)})

    def describe(self, prepared: Prepared) -> str:
        return f"compare {len(self.models)} devices"

    def parameters(self) -> dict[str, Any]:
        return {"devices": self.specs, "times_s": self.times}

    def setup(self, prepared: Prepared) -> None:
        for m in self.models:
            m.to_toml(prepared.run.path / "devices" / f"{m.name}.toml")

    def plan(self, prepared: Prepared) -> list[EvalJob]:
        return [
            prepared.job(f"{m.name}-{mode}", m, self.config.periphery, modes=(mode,), times_s=self.times,
                         labels={"device": m.name})
            for m in self.models
            for mode in self.config.modes
        ]  # fmt: skip

    def summarize(self, prepared: Prepared, evaluations: Evaluations) -> Summary:
        rows: list[dict[str, Any]] = []
        for job in self.plan(prepared):
            for row in evaluations[job]["rows"]:
                m, sd, se = mean_se(loss_samples(prepared.digital_accuracy, [row]))
                rows.append(
                    {"device": job.labels["device"], **row, "loss_mean": m, "loss_std": sd, "loss_se": se}
                )
        periphery = self.config.periphery
        results = {
            **prepared.base_results(),
            "times_s": self.times,
            "executor": evaluations.info,
            "devices": [_device_summary(m, periphery, [r for r in rows if r["device"] == m.name]) for m in self.models],
            "analog": rows,
            "literature": literature_rows(self.config.task),
            "nonidealities_reported": list(REPORTED_NONIDEALITIES),
            "literature_nonidealities": [
                {"work": r.work, "task": r.task, "toolkit": r.toolkit, "nonidealities": list(r.nonidealities)}
                for r in LITERATURE_RESULTS
            ],
        }  # fmt: skip
        return Summary(results, rows, CSV_COLUMNS)


def _device_summary(device: DeviceModel, periphery: Periphery, rows: list[dict[str, Any]]) -> dict[str, Any]:
    k = device.key_figures()
    pot: dict[str, Any] = k["potentiation"]  # type: ignore[assignment]
    dep: dict[str, Any] = k["depression"]  # type: ignore[assignment]
    return {
        "name": device.name,
        "citation": device.citation,
        "levels": [pot["levels"], dep["levels"]],
        "bits": k["bits"],
        "sigma_over_bin_width": [pot["sigma_over_bin_width"], dep["sigma_over_bin_width"]],
        "d2d_update": device.variability.d2d_update,
        "d2d_bounds": device.variability.d2d_bounds,
        "on_off_ratio": k["on_off_ratio"],
        "max_voltage_V": device.pulse_scheme.max_voltage_V,
        "energy_per_cycle_J": device.pulse_scheme.energy_per_cycle_J,
        "drift": drift_kind(device),
        "nonidealities": simulated_nonidealities(device, periphery),
        "losses": [{key: r[key] for key in LOSS_KEYS} for r in rows],
    }


def compare_devices(
    config: ExperimentConfig,
    out: str | Path,
    devices: Sequence[str] | None = None,
    **options: Unpack[RunOptions],
) -> dict[str, Any]:
    """Evaluate ``devices`` (presets, device TOMLs, …; default: every preset) with ``config``'s task,
    protocol and periphery, into the run folder ``out`` (see :class:`Comparison`).

    ``options``: ``checkpoints_from``, a run folder whose digital network the comparison starts from
    (trained the same way, e.g. the evaluation ``memtwin assess`` just ran) instead of training it again;
    ``executor`` (default: a local process pool), ``progress``, ``overwrite``, ``present`` (see
    :func:`~memtwin.experiments.analysis.run_analysis`)."""
    return run_analysis(Comparison(config, list(devices or ())), config, out, **options)
