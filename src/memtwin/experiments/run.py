"""Run an experiment config into a run folder: the paper's evaluation, or a sweep of one knob when
``config.sweep`` is set. The folder gets ``config.toml``, ``device.toml``, ``results.json``,
``results.csv``, ``history.json`` and ``checkpoints/``; killed runs resume from their checkpoints.

Both are :class:`~memtwin.experiments.analysis.Analysis` definitions: one job per programming mode and
variant (and swept value), run by :func:`~memtwin.experiments.analysis.run_analysis` in this process
or on an executor, with the same numbers either way. Their HWAT networks are trained into the run's
own ``checkpoints/hwat-<mode>[-<knob>=<value>]``, where another run can import them (``--from-run``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Unpack

from memtwin.characterization import write_characterizations
from memtwin.characterization.plots import plot_characterization
from memtwin.experiments.analysis import (
    Analysis,
    Evaluations,
    Prepared,
    RunOptions,
    Summary,
    run_analysis,
    versions,
)
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.devices import ResolvedDevice
from memtwin.experiments.evaluate import EvalJob, Session, program_seed
from memtwin.experiments.knobs import Knob, knob
from memtwin.experiments.onchip import in_situ_summary
from memtwin.tasks.networks import count_weights

__all__ = ["CSV_COLUMNS", "Evaluation", "Sweep", "run_experiment"]

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


@dataclass
class Evaluation(Analysis):
    """The paper's protocol: modes × variants × times on the config's device and periphery."""

    config: ExperimentConfig
    kind: ClassVar[str] = "evaluate"
    in_process: ClassVar[bool] = True
    reuses_hwat: ClassVar[bool] = True

    def setup(self, prepared: Prepared) -> None:
        """``device.toml``, and for a device measured in this run its characterization and figures."""
        run, source = prepared.run, prepared.session.source
        prepared.session.device.to_toml(run.path / "device.toml")
        if source is not None and source.characterized is not None and source.table is not None:
            found = source.characterized
            write_characterizations(found.results, run.path / "characterization.json", found.skipped)
            if source.characterization is not None:
                plot_characterization(source.table, source.characterization, run.figures)

    def plan(self, prepared: Prepared) -> list[EvalJob]:
        device, cfg = prepared.session.device, self.config
        return [
            prepared.job(f"{mode}-{variant}", device, cfg.periphery, modes=(mode,), variants=(variant,),
                         shared_hwat=True)
            for mode in cfg.modes
            for variant in cfg.variants
        ]  # fmt: skip

    def summarize(self, prepared: Prepared, evaluations: Evaluations) -> Summary:
        cfg, session = self.config, prepared.session
        rows = [row for result in evaluations.run(self.plan(prepared)) for row in result["rows"]]
        weights = count_weights(prepared.net)
        results: dict[str, Any] = {
            "task": cfg.task,
            "device": session.device.name,
            "write": cfg.periphery.write,
            "digital_accuracy": prepared.digital_accuracy,
            "analog": rows,
            "network": {"weights": weights, "devices": 2 * weights},
            "data": session.data.describe(),
            "seeds": {
                "base": cfg.seed,
                "digital_training": cfg.digital.seed,
                "hwat_training": cfg.hwat.seed,
                "programming": {m: program_seed(cfg.seed, m) for m in cfg.modes},
            },
            "versions": versions(),
            "hardware": str(session.torch_device),
        }
        if evaluations.info is not None:
            results["executor"] = evaluations.info
        if "in_situ" in cfg.variants:
            results["in_situ"] = in_situ_summary(prepared, self.config)
        return Summary(results, rows, CSV_COLUMNS)


@dataclass
class Sweep(Evaluation):
    """The protocol at each value of one knob (``config.sweep``), at one time after programming.

    ``hwat = "per_value"`` hardware-aware trains afresh on every swept device; ``"once"`` trains once on
    the nominal device (before the jobs, so parallel jobs share it) and programs that network onto
    every swept one, as the paper's Fig. 5(b)."""

    kind: ClassVar[str] = "sweep"
    knob: Knob | None = None

    def __post_init__(self) -> None:
        if self.config.sweep is None:
            raise ValueError("a Sweep needs a config with a [sweep] table")
        self.knob = knob(self.config.sweep.parameter)

    def check(self, session: Session) -> None:
        """Every swept value can be set on this device (before the run folder opens)."""
        assert self.knob is not None and self.config.sweep is not None
        for value in self.config.sweep.values:
            self.knob.apply(session.device, self.config.periphery, value)

    def setup(self, prepared: Prepared) -> None:
        super().setup(prepared)
        cfg = self.config
        if cfg.sweep is not None and cfg.sweep.hwat == "once" and "hwat_gdc" in cfg.variants:
            nominal = replace(cfg.periphery, drift_compensation=True)
            for mode in cfg.modes:
                prepared.session.hardware_aware(prepared.net, prepared.session.device, nominal, mode, mode)

    def plan(self, prepared: Prepared) -> list[EvalJob]:
        cfg, sweep, device = self.config, self.config.sweep, prepared.session.device
        assert sweep is not None and self.knob is not None
        jobs = []
        for value in sweep.values:
            swept_device, periphery = self.knob.apply(device, cfg.periphery, value)
            at = f"{sweep.parameter}={value if isinstance(value, str) else format(value, 'g')}"
            jobs += [
                prepared.job(
                    f"{at}-{mode}-{variant}", swept_device, periphery, modes=(mode,), variants=(variant,),
                    times_s=(sweep.time_s,), tag=f"-{at}", parameter=sweep.parameter, value=value,
                    hwat_device=device if sweep.hwat == "once" else None, shared_hwat=True,
                )
                for mode in cfg.modes
                for variant in cfg.variants
            ]  # fmt: skip
        return jobs

    def summarize(self, prepared: Prepared, evaluations: Evaluations) -> Summary:
        summary = super().summarize(prepared, evaluations)
        sweep = self.config.sweep
        assert sweep is not None
        if self.knob is not None and self.knob.name == "write":
            summary.results["write"] = "swept"
        summary.results["sweep"] = {
            "parameter": sweep.parameter,
            "values": list(sweep.values),
            "hwat": sweep.hwat,
        }
        return summary


def run_experiment(
    config: ExperimentConfig,
    out: str | Path,
    *,
    source: ResolvedDevice | None = None,
    **options: Unpack[RunOptions],
) -> dict[str, Any]:
    """Run ``config`` (an evaluation, or a sweep when ``config.sweep`` is set) into ``out``.

    ``source``: the device already resolved from measurements (``memtwin assess``), instead of resolving
    ``config.device``; the run folder then gets its ``characterization.json``. ``options``:
    ``checkpoints_from``, a run folder whose trained networks this run starts from, as far as that run
    trained them the same way (see :func:`memtwin.experiments.reuse.reusable_stages`); ``executor``
    (default: this process), ``progress``, ``overwrite``, ``present`` (writes the figures; see
    :func:`~memtwin.experiments.analysis.run_analysis`)."""
    analysis = Evaluation(config) if config.sweep is None else Sweep(config)
    return run_analysis(analysis, config, out, source=source, **options)
