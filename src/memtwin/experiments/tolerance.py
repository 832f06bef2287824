"""Tolerance: what a device must reach to keep the accuracy loss within a budget.

For each searched knob — by default the largest device-to-device variation (``d2d``), the largest
cycle-to-cycle sigma (``sigma_scale``: a multiple of the device's own, reported as sigma / bin width)
and the smallest number of levels (``levels``) — :func:`memtwin.experiments.search.search_threshold`
brackets and refines where the mean loss crosses the budget, with an uncertainty band where mean ± ``z``
standard errors cross it. The coarse grids of every knob are evaluated at once (in parallel on an
executor); each refinement round evaluates its few points at once. Tables and figures:
:mod:`memtwin.report`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Unpack

from memtwin.errors import ConfigError
from memtwin.experiments.analysis import Analysis, Evaluations, Prepared, RunOptions, Summary, run_analysis
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.evaluate import EvalJob, Session
from memtwin.experiments.knobs import KNOBS, Knob, knob, sigma_ratio
from memtwin.experiments.search import LossPoint, ThresholdResult, grid_values, search_threshold
from memtwin.experiments.stats import loss_samples, mean_se

__all__ = [
    "PARAMETERS",
    "LossPoint",
    "ThresholdResult",
    "Tolerance",
    "band_range",
    "search_threshold",
    "threshold_text",
    "tolerance",
]

#: The knobs a tolerance search can vary (those with a search grid), by name.
PARAMETERS: dict[str, Knob] = {name: k for name, k in KNOBS.items() if k.search is not None}
DEFAULT_PARAMETERS = ("d2d", "sigma_scale", "levels")
CSV_COLUMNS = ("parameter", "value", "mode", "variant", "time_s", "accuracy_mean", "accuracy_std", "repetitions",
               "accuracies")  # fmt: skip


@dataclass
class Tolerance(Analysis):
    """Search the tolerated ``parameters`` of the config's device for a loss ``budget`` (points).

    ``grids`` overrides the coarse grid of a knob (for ``sigma_scale``: multiples of the device's own
    sigma). ``variant``: ``hwat_gdc`` (default, HWAT + compensation per point) or ``baseline``.
    ``time_s``: when after programming the budget applies (default 0: what programming must achieve;
    drift is a separate question, and some drift models erase programming errors at t > 0, see
    :data:`memtwin.experiments.ablate.TARGET_REDRAWING_DRIFTS`)."""

    config: ExperimentConfig
    budget: float = 1.0
    searched: Sequence[str] = DEFAULT_PARAMETERS
    grids: Mapping[str, Sequence[float]] = field(default_factory=dict)
    variant: str = "hwat_gdc"
    time_s: float = 0.0
    rounds: int = 2
    points_per_round: int = 3
    z: float = 2.0
    knobs: dict[str, Knob] = field(init=False)
    kind: ClassVar[str] = "tolerance"

    def __post_init__(self) -> None:
        if self.budget <= 0:
            raise ConfigError(f"budget must be > 0 points, got {self.budget}")
        if self.variant not in ("baseline", "hwat_gdc"):
            raise ConfigError(f"variant must be 'baseline' or 'hwat_gdc', got {self.variant!r}")
        found = {name: _searchable(name) for name in self.searched}
        unknown = [name for name, k in found.items() if k is None]
        if unknown or not found:
            raise ConfigError(
                f"unknown tolerance parameter(s) {unknown}; choose from {', '.join(PARAMETERS)}"
            )
        self.knobs = {name: k for name, k in found.items() if k is not None}
        self.grids = {k: tuple(float(v) for v in g) for k, g in self.grids.items()}
        self.time_s = float(self.time_s)

    def parameters(self) -> dict[str, Any]:
        return {
            "budget": self.budget,
            "parameters": list(self.searched),
            "grids": {k: list(v) for k, v in self.grids.items()},
            "variant": self.variant,
            "time_s": self.time_s,
            "rounds": self.rounds,
            "points_per_round": self.points_per_round,
            "z": self.z,
        }

    def check(self, session: Session) -> None:
        scaled = [name for name, k in self.knobs.items() if k.name == "sigma_scale"]
        if scaled and sigma_ratio(session.device) == 0:
            raise ConfigError(
                f"device {session.device.name!r} has no cycle-to-cycle sigma to scale; drop {scaled[0]!r} from "
                "the parameters"
            )

    def setup(self, prepared: Prepared) -> None:
        prepared.session.device.to_toml(prepared.run.path / "device.toml")

    def _grid(self, name: str) -> Sequence[float]:
        search = self.knobs[name].search
        assert search is not None
        return self.grids.get(name, search.grid)

    def _jobs(self, prepared: Prepared, name: str, values: Sequence[float]) -> list[EvalJob]:
        """One job per (value, mode) of the knob called ``name``."""
        device, periphery = prepared.session.device, self.config.periphery
        jobs = []
        for v in values:
            dev, per = self.knobs[name].apply(device, periphery, v)
            jobs += [
                prepared.job(f"{name}={v:.6g}-{mode}", dev, per, modes=(mode,), variants=(self.variant,),
                             times_s=(self.time_s,), parameter=name, value=float(v))
                for mode in self.config.modes
            ]  # fmt: skip
        return jobs

    def plan(self, prepared: Prepared) -> list[EvalJob]:
        """The coarse grid of every knob (the refinements follow from their results)."""
        jobs = []
        for name, k in self.knobs.items():
            assert k.search is not None
            jobs += self._jobs(prepared, name, grid_values(self._grid(name), k.search.integer))
        return jobs

    def summarize(self, prepared: Prepared, evaluations: Evaluations) -> Summary:
        device = prepared.session.device
        found: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        for name, k in self.knobs.items():
            assert k.search is not None
            evaluate = self._evaluator(prepared, evaluations, name, rows)
            res = search_threshold(
                evaluate, self._grid(name), self.budget, increasing=k.search.increasing,
                integer=k.search.integer, rounds=self.rounds, points_per_round=self.points_per_round, z=self.z,
            )  # fmt: skip
            found.append(_report(name, k, prepared, res, self.budget))
        results = {
            **prepared.base_results(),
            "device": device.name,
            "budget_points": self.budget,
            "variant": self.variant,
            "time_s": self.time_s,
            "z": self.z,
            "executor": evaluations.info,
            "thresholds": found,
            "analog": rows,
        }
        return Summary(results, rows, CSV_COLUMNS)

    def _evaluator(
        self, prepared: Prepared, evaluations: Evaluations, name: str, rows_out: list[dict[str, Any]]
    ) -> Callable[[list[float]], list[LossPoint]]:
        """Values → loss points of the knob called ``name``, by running its jobs."""

        def evaluate(values: list[float]) -> list[LossPoint]:
            results = evaluations.run(self._jobs(prepared, name, values), f"tolerance {name}")
            out = []
            for v in values:
                rows = [row for r in results for row in r["rows"] if row["value"] == float(v)]
                rows_out.extend(rows)
                m, sd, se = mean_se(loss_samples(prepared.digital_accuracy, rows))
                n = sum(len(r["accuracies"]) for r in rows)
                out.append(LossPoint(value=float(v), mean=m, std=sd, se=se, n=n))
            return out

        return evaluate


def _searchable(name: str) -> Knob | None:
    """The knob a tolerance search varies under ``name`` (an old name works too), or ``None``."""
    try:
        found = knob(name)
    except ConfigError:
        return None
    return found if found.search is not None else None


def _report(name: str, k: Knob, prepared: Prepared, res: ThresholdResult, budget: float) -> dict[str, Any]:
    """One knob's threshold as ``results.json['thresholds']`` holds it (values shown as reported)."""
    search = k.search
    assert search is not None
    device = prepared.session.device

    def shown(v: float | None) -> float | None:
        return None if v is None else search.display(device, v)

    lo, hi = res.band
    return {
        "parameter": name,
        "label": search.label or k.label,
        "unit": search.unit or k.unit,
        "kind": "largest" if search.increasing else "smallest",
        "threshold": shown(res.threshold),
        "threshold_raw": res.threshold,
        "censored": res.censored,
        "band": [shown(lo), shown(hi)],
        "band_raw": [lo, hi],
        "band_range": band_range(shown(lo), shown(hi)),
        "last_within": shown(res.last_within),
        "first_beyond": shown(res.first_beyond),
        "device_value": search.display(device, k.read(device, prepared.config.periphery)),
        "points": [{**asdict(p), "shown": search.display(device, p.value)} for p in res.points],
        "budget_points": budget,
    }


def band_range(a: float | None, b: float | None) -> list[float | None]:
    """A band's ends in increasing order (a missing end stays ``None`` on its own side)."""
    if a is not None and b is not None:
        return [min(a, b), max(a, b)]
    return [a, b]


def _fmt(v: float | None, integer: bool) -> str:
    if v is None:
        return "–"
    return f"{v:.0f}" if integer else f"{v:.3g}"


def threshold_text(t: dict[str, Any]) -> str:
    """What a search concluded, in words, e.g. ``largest device-to-device variation within budget: 0.41
    (band 0.35 to 0.47; device: 0.3)``."""
    integer = t["parameter"] == "levels"
    if t["censored"] == "below_grid":
        return f"{t['label']}: budget exceeded already at {_fmt(t['first_beyond'], integer)} (safe end of the grid)"
    if t["censored"] == "beyond_grid":
        return f"{t['label']}: within budget over the whole grid (up to {_fmt(t['threshold'], integer)})"
    lo, hi = t["band_range"]
    return (
        f"{t['kind']} {t['label']} within budget: {_fmt(t['threshold'], integer)} "
        f"(band {_fmt(lo, integer)} to {_fmt(hi, integer)}; device: {_fmt(t['device_value'], integer)})"
    )


def tolerance(
    config: ExperimentConfig,
    out: str | Path,
    *,
    budget: float = 1.0,
    parameters: Sequence[str] = DEFAULT_PARAMETERS,
    grids: Mapping[str, Sequence[float]] | None = None,
    variant: str = "hwat_gdc",
    time_s: float | None = None,
    rounds: int = 2,
    points_per_round: int = 3,
    z: float = 2.0,
    **options: Unpack[RunOptions],
) -> dict[str, Any]:
    """Search the tolerated d2d, sigma and levels of ``config.device`` for a loss ``budget`` (points),
    into the run folder ``out`` (see :class:`Tolerance`). ``options``: ``executor`` (default: a local
    process pool), ``progress``, ``overwrite``, ``checkpoints_from`` (a run folder whose digital network
    it starts from), ``present`` (see :func:`~memtwin.experiments.analysis.run_analysis`)."""
    analysis = Tolerance(
        config, budget, tuple(parameters), dict(grids or {}), variant, 0.0 if time_s is None else time_s,
        rounds, points_per_round, z,
    )  # fmt: skip
    return run_analysis(analysis, config, out, **options)
