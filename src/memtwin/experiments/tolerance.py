"""Tolerance: what a device must reach to keep the accuracy loss within a budget.

For each parameter — the largest device-to-device variation, the largest cycle-to-cycle sigma (as a
multiple of the device's own, reported as sigma / bin width) and the smallest number of levels — the
search

1. evaluates a coarse grid (all points in parallel on the executor);
2. walks the grid from the safe end (small d2d or sigma, many levels) and brackets the first crossing of
   the budget by the mean loss: the last point within budget and the first beyond it. Noise may make
   the loss dip below the budget again further out; the first crossing is the conservative answer, and
   the region before it is where the loss is treated as monotone;
3. refines the bracket by ``rounds`` of k-section (``points_per_round`` interior points per round, in
   parallel), or for integer parameters until the bracket ends are neighbours;
4. reports the threshold where the linearly interpolated mean loss crosses the budget, and an
   uncertainty band where mean ± ``z`` standard errors (over modes × repetitions) cross it.

The search itself (:func:`search_threshold`) only sees a function from a list of values to
:class:`LossPoint` s, so it can be tested against an analytic loss curve; :func:`tolerance` plugs in the
real evaluator (jobs on an executor).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel
from memtwin.errors import ConfigError
from memtwin.experiments.ablate import resample_on_curve
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.devices import with_d2d
from memtwin.experiments.executors import Executor
from memtwin.experiments.jobs import (
    PreparedAnalysis,
    executor_info,
    finish_analysis,
    loss_samples,
    markdown_table,
    mean_se,
    prepare_analysis,
    rows_csv,
    run_jobs,
    save_figure,
    using_executor,
)
from memtwin.experiments.runfolder import marks_failed_run
from memtwin.experiments.sweep import scale_sigma

__all__ = [
    "PARAMETERS",
    "LossPoint",
    "ThresholdResult",
    "TolerancePar",
    "search_threshold",
    "tolerance",
]

Pair = tuple[DeviceModel, Periphery]


@dataclass(frozen=True)
class LossPoint:
    """Mean accuracy loss (points) at one value, with its sample std and standard error."""

    value: float
    mean: float
    std: float
    se: float
    n: int


@dataclass(frozen=True)
class ThresholdResult:
    """Outcome of a search. ``threshold`` is the interpolated crossing of the mean loss (``None`` if the
    budget is met nowhere, i.e. already violated at the safe end); ``censored`` is ``"below_grid"``
    (violated at the safe end), ``"beyond_grid"`` (met everywhere: the threshold is beyond the grid) or
    ``None``. ``last_within``/``first_beyond`` are the final bracket (evaluated values). ``band`` is
    (conservative, optimistic): where mean + z·SE and mean − z·SE cross the budget (a side is ``None``
    when that curve does not cross inside the evaluated range)."""

    threshold: float | None
    censored: str | None
    last_within: float | None
    first_beyond: float | None
    band: tuple[float | None, float | None]
    points: tuple[LossPoint, ...]


def _walk(points: Sequence[LossPoint], increasing: bool) -> list[LossPoint]:
    """Points ordered from the safe end (where the loss is expected to be smallest) outwards."""
    return sorted(points, key=lambda p: p.value, reverse=not increasing)


def _first_crossing(
    walk: Sequence[LossPoint], losses: Sequence[float], budget: float
) -> tuple[int | None, float | None]:
    """Index of the first point along the walk whose loss exceeds the budget, and the linearly
    interpolated value of the crossing (None, None when no point exceeds it; (0, None) when the first does)."""
    for i, loss in enumerate(losses):
        if loss > budget:
            if i == 0:
                return 0, None
            v0, v1 = walk[i - 1].value, walk[i].value
            l0 = losses[i - 1]
            frac = (budget - l0) / (loss - l0) if loss != l0 else 0.0
            return i, v0 + frac * (v1 - v0)
    return None, None


def _band_side(
    walk: Sequence[LossPoint], losses: Sequence[float], budget: float, integer: bool
) -> float | None:
    """Where a shifted loss curve (mean ± z SE) first crosses the budget along the walk: interpolated for
    a continuous parameter; for an integer one, the last evaluated value still within budget (a value
    between two integers cannot be built). ``None`` when the curve exceeds the budget already at the safe
    end; the last value of the walk when it never does."""
    idx, crossing = _first_crossing(walk, losses, budget)
    if idx is None:
        return walk[-1].value
    if idx == 0:
        return None
    return walk[idx - 1].value if integer else crossing


def search_threshold(
    evaluate: Callable[[list[float]], list[LossPoint]],
    grid: Sequence[float],
    budget: float,
    *,
    increasing: bool,
    integer: bool = False,
    rounds: int = 2,
    points_per_round: int = 3,
    z: float = 2.0,
) -> ThresholdResult:
    """Find where the loss crosses ``budget`` (module docstring). ``increasing``: the loss grows with
    the value (d2d, sigma); otherwise it shrinks (levels). ``evaluate`` gets a list of new values and
    returns one :class:`LossPoint` per value."""
    if len(grid) < 2:
        raise ConfigError(f"a tolerance grid needs at least 2 values, got {list(grid)}")
    if rounds < 0 or points_per_round < 1:
        raise ConfigError("rounds must be >= 0 and points_per_round >= 1")
    values = sorted({int(round(v)) if integer else float(v) for v in grid})
    points = {p.value: p for p in evaluate([float(v) for v in values])}

    def bracket() -> tuple[int | None, list[LossPoint]]:
        walk = _walk(list(points.values()), increasing)
        idx, _ = _first_crossing(walk, [p.mean for p in walk], budget)
        return idx, walk

    for _ in range(rounds if not integer else 64):
        idx, walk = bracket()
        if idx is None or idx == 0:
            break
        a, b = walk[idx - 1].value, walk[idx].value
        lo, hi = min(a, b), max(a, b)
        if integer:
            inner = list(range(int(lo) + 1, int(hi)))
            if not inner:
                break
            n_in = len(inner)
            spots = (
                round((k + 1) * (n_in + 1) / (points_per_round + 1)) - 1 for k in range(points_per_round)
            )
            picks = sorted({inner[min(n_in - 1, max(0, i))] for i in spots})
            new = [float(v) for v in picks if float(v) not in points]
        else:
            new = [lo + (hi - lo) * (k + 1) / (points_per_round + 1) for k in range(points_per_round)]
        if not new:
            break
        for p in evaluate(new):
            points[p.value] = p

    idx, walk = bracket()
    means = [p.mean for p in walk]
    if idx is None:
        censored: str | None = "beyond_grid"
        threshold: float | None = walk[-1].value
        last_within, first_beyond = walk[-1].value, None
    elif idx == 0:
        censored, threshold, last_within, first_beyond = "below_grid", None, None, walk[0].value
    else:
        censored = None
        _, threshold = _first_crossing(walk, means, budget)
        last_within, first_beyond = walk[idx - 1].value, walk[idx].value
        if integer:
            threshold = last_within  # the last integer value that meets the budget
    conservative = _band_side(walk, [p.mean + z * p.se for p in walk], budget, integer)
    optimistic = _band_side(walk, [p.mean - z * p.se for p in walk], budget, integer)
    return ThresholdResult(
        threshold=threshold,
        censored=censored,
        last_within=last_within,
        first_beyond=first_beyond,
        band=(conservative, optimistic),
        points=tuple(sorted(points.values(), key=lambda p: p.value)),
    )


# ------------------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class TolerancePar:
    """A parameter the tolerance analysis searches. ``apply`` sets it on the device/periphery;
    ``display`` turns a searched value into the reported one (e.g. sigma scale → sigma / bin width)."""

    name: str
    label: str
    increasing: bool
    integer: bool
    grid: tuple[float, ...]
    apply: Callable[[DeviceModel, Periphery, float], Pair]
    display: Callable[[DeviceModel, float], float]
    unit: str


def _sigma_ratio(device: DeviceModel) -> float:
    """The device's mean sigma / bin width over both modes."""
    modes = (device.potentiation, device.depression)
    return sum(m.sigma_mean_S / m.mean_step_S for m in modes) / 2


def _apply_d2d(d: DeviceModel, p: Periphery, v: float) -> Pair:
    return with_d2d(d, v), p


def _apply_sigma(d: DeviceModel, p: Periphery, v: float) -> Pair:
    return replace(d, potentiation=scale_sigma(d.potentiation, v), depression=scale_sigma(d.depression, v)), p


def _apply_levels(d: DeviceModel, p: Periphery, v: float) -> Pair:
    n = int(round(v))
    return replace(
        d, potentiation=resample_on_curve(d.potentiation, n), depression=resample_on_curve(d.depression, n)
    ), p


PARAMETERS: dict[str, TolerancePar] = {
    "d2d": TolerancePar(
        "d2d",
        "device-to-device variation",
        increasing=True,
        integer=False,
        grid=(0.0, 0.15, 0.3, 0.45, 0.6, 0.8, 1.0),
        apply=_apply_d2d,
        display=lambda d, v: v,
        unit="relative std",
    ),
    "sigma": TolerancePar(
        "sigma",
        "cycle-to-cycle sigma / bin width",
        increasing=True,
        integer=False,
        grid=(0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0),
        apply=_apply_sigma,
        display=lambda d, v: v * _sigma_ratio(d),
        unit="sigma / bin width",
    ),
    "levels": TolerancePar(
        "levels",
        "levels per device",
        increasing=False,
        integer=True,
        grid=(2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 64.0),
        apply=_apply_levels,
        display=lambda d, v: v,
        unit="levels",
    ),
}


# ----------------------------------------------------------------------------------- the analysis
@marks_failed_run
def tolerance(
    config: ExperimentConfig,
    out: str | Path,
    *,
    budget: float = 1.0,
    parameters: Sequence[str] = ("d2d", "sigma", "levels"),
    grids: Mapping[str, Sequence[float]] | None = None,
    variant: str = "hwat_gdc",
    time_s: float | None = None,
    rounds: int = 2,
    points_per_round: int = 3,
    z: float = 2.0,
    executor: Executor | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Search the tolerated d2d, sigma and levels of ``config.device`` for a loss ``budget`` (points).

    ``grids`` overrides the coarse grid of a parameter (for ``sigma``: multiples of the device's own
    sigma). ``variant``: ``hwat_gdc`` (default, HWAT + compensation per point) or ``baseline``.
    ``time_s``: when after programming the budget applies (default 0: what programming must achieve;
    drift is a separate question, and some drift models erase programming errors at t > 0, see
    :data:`memtwin.experiments.ablate.TARGET_REDRAWING_DRIFTS`).
    """
    if budget <= 0:
        raise ConfigError(f"budget must be > 0 points, got {budget}")
    if variant not in ("baseline", "hwat_gdc"):
        raise ConfigError(f"variant must be 'baseline' or 'hwat_gdc', got {variant!r}")
    unknown = [p for p in parameters if p not in PARAMETERS]
    if unknown or not parameters:
        raise ConfigError(f"unknown tolerance parameter(s) {unknown}; choose from {', '.join(PARAMETERS)}")
    grids = {k: tuple(float(v) for v in g) for k, g in (grids or {}).items()}
    t_eval = float(time_s if time_s is not None else 0.0)
    params = {
        "budget": budget,
        "parameters": list(parameters),
        "grids": {k: list(v) for k, v in grids.items()},
        "variant": variant,
        "time_s": t_eval,
        "rounds": rounds,
        "points_per_round": points_per_round,
        "z": z,
    }
    prepared = prepare_analysis("tolerance", config, out, params, progress=progress, overwrite=overwrite)
    device = prepared.session.device
    periphery = config.periphery
    device.to_toml(prepared.run.path / "device.toml")
    if "sigma" in parameters and _sigma_ratio(device) == 0:
        raise ConfigError(
            f"device {device.name!r} has no cycle-to-cycle sigma to scale; drop 'sigma' from the parameters"
        )

    found: list[dict[str, Any]] = []
    all_rows: list[dict[str, Any]] = []
    with using_executor(executor) as ex:
        info = executor_info(ex)
        for name in parameters:
            par = PARAMETERS[name]
            rows_of: list[dict[str, Any]] = []
            evaluator = _job_evaluator(
                prepared, ex, par, device, periphery, variant, t_eval, rows_of, progress
            )
            res = search_threshold(
                evaluator,
                grids.get(name, par.grid),
                budget,
                increasing=par.increasing,
                integer=par.integer,
                rounds=rounds,
                points_per_round=points_per_round,
                z=z,
            )
            found.append(_report(par, device, res, budget))
            all_rows += rows_of
    results = {
        **prepared.base_results(),
        "device": device.name,
        "budget_points": budget,
        "variant": variant,
        "time_s": t_eval,
        "z": z,
        "executor": info,
        "thresholds": found,
        "analog": all_rows,
    }
    plot_tolerance(results, prepared.run.figures)
    csv_text = rows_csv(
        all_rows,
        (
            "parameter",
            "value",
            "mode",
            "variant",
            "time_s",
            "accuracy_mean",
            "accuracy_std",
            "repetitions",
            "accuracies",
        ),
    )
    return finish_analysis(prepared, results, csv_text, tolerance_markdown(results))


def _job_evaluator(
    prepared: PreparedAnalysis,
    executor: Executor,
    par: TolerancePar,
    device: DeviceModel,
    periphery: Periphery,
    variant: str,
    t_eval: float,
    rows_out: list[dict[str, Any]],
    progress: bool,
) -> Callable[[list[float]], list[LossPoint]]:
    """Values → loss points by running one job per (value, mode) on the executor."""
    modes = prepared.config.modes

    def evaluate(values: list[float]) -> list[LossPoint]:
        jobs = []
        for v in values:
            dev, per = par.apply(device, periphery, v)
            for mode in modes:
                jobs.append(
                    prepared.job(
                        f"{par.name}={v:.6g}-{mode}", dev, per, modes=(mode,), variants=(variant,),
                        times_s=(t_eval,), parameter=par.name, value=float(v),
                    )
                )  # fmt: skip
        results = run_jobs(executor, jobs, progress=progress, description=f"tolerance {par.name}")
        out = []
        for v in values:
            rows = [row for r in results for row in r["rows"] if row["value"] == float(v)]
            rows_out.extend(rows)
            m, sd, se = mean_se(loss_samples(prepared.digital_accuracy, rows))
            out.append(
                LossPoint(value=float(v), mean=m, std=sd, se=se, n=sum(len(r["accuracies"]) for r in rows))
            )
        return out

    return evaluate


def _report(par: TolerancePar, device: DeviceModel, res: ThresholdResult, budget: float) -> dict[str, Any]:
    def shown(v: float | None) -> float | None:
        return None if v is None else par.display(device, v)

    lo, hi = res.band
    return {
        "parameter": par.name,
        "label": par.label,
        "unit": par.unit,
        "kind": "largest" if par.increasing else "smallest",
        "threshold": shown(res.threshold),
        "threshold_raw": res.threshold,
        "censored": res.censored,
        "band": [shown(lo), shown(hi)],
        "band_raw": [lo, hi],
        "band_range": band_range(shown(lo), shown(hi)),
        "last_within": shown(res.last_within),
        "first_beyond": shown(res.first_beyond),
        "device_value": _device_value(par, device),
        "points": [{**asdict(p), "shown": par.display(device, p.value)} for p in res.points],
        "budget_points": budget,
    }


def _device_value(par: TolerancePar, device: DeviceModel) -> float:
    if par.name == "d2d":
        return device.variability.d2d_update
    if par.name == "sigma":
        return _sigma_ratio(device)
    return float(min(device.potentiation.levels, device.depression.levels))


def _fmt(v: float | None, integer: bool) -> str:
    if v is None:
        return "–"
    return f"{v:.0f}" if integer else f"{v:.3g}"


def band_range(a: float | None, b: float | None) -> list[float | None]:
    """A band's ends in increasing order (a missing end stays ``None`` on its own side)."""
    if a is not None and b is not None:
        return [min(a, b), max(a, b)]
    return [a, b]


def threshold_text(t: dict[str, Any]) -> str:
    """e.g. ``largest device-to-device variation: 0.41 (band 0.35–0.47)``."""
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


def tolerance_markdown(results: dict[str, Any]) -> str:
    head = (
        f"# Tolerance: {results['device']} on {results['task']} (budget {results['budget_points']:g} points, "
        f"{results['variant']}, t = {results['time_s']:g} s)\n\nDigital accuracy {100 * results['digital_accuracy']:.2f} %. "
        f"Band: where mean ± {results['z']:g} SE of the loss crosses the budget.\n\n"
    )
    rows = []
    for t in results["thresholds"]:
        integer = t["parameter"] == "levels"
        lo, hi = t["band_range"]
        rows.append(
            [
                f"{t['kind']} {t['label']}",
                _fmt(t["device_value"], integer),
                _fmt(t["threshold"], integer) + (f" ({t['censored']})" if t["censored"] else ""),
                f"{_fmt(lo, integer)} to {_fmt(hi, integer)}",
                f"{_fmt(t['last_within'], integer)} / {_fmt(t['first_beyond'], integer)}",
                str(len(t["points"])),
            ]
        )
    table = markdown_table(
        ["parameter", "device", "threshold", "band", "bracket (within / beyond)", "points"], rows
    )
    return head + table


def plot_tolerance(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """One figure per parameter: loss (mean ± 2 SE) vs value, the budget line, the threshold and band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: list[Path] = []
    budget = results["budget_points"]
    for t in results["thresholds"]:
        pts = t["points"]
        fig, ax = plt.subplots(figsize=(5.6, 3.8))
        x = [p["shown"] for p in pts]
        ax.errorbar(
            x, [p["mean"] for p in pts], yerr=[results["z"] * p["se"] for p in pts], fmt="o-", ms=4, capsize=3,
            color="#1f618d", label=f"mean loss ± {results['z']:g} SE",
        )  # fmt: skip
        ax.axhline(budget, color="#c0392b", ls="--", lw=1, label=f"budget {budget:g} points")
        lo, hi = t["band"]
        if lo is not None and hi is not None:
            ax.axvspan(min(lo, hi), max(lo, hi), color="#f5b041", alpha=0.25, label="uncertainty band")
        if t["threshold"] is not None and t["censored"] is None:
            ax.axvline(t["threshold"], color="#117a65", lw=1.5, label=f"threshold {t['threshold']:.3g}")
        ax.axvline(
            t["device_value"], color="grey", ls=":", lw=1, label=f"this device ({t['device_value']:.3g})"
        )
        if t["parameter"] == "levels":
            ax.set_xscale("log", base=2)
        ax.set_xlabel(f"{t['label']} ({t['unit']})")
        ax.set_ylabel("accuracy loss vs digital (points)")
        ax.set_title(f"{results['device']}: {t['kind']} {t['label']}", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        paths += save_figure(fig, out_dir, f"tolerance_{t['parameter']}")
    return paths
