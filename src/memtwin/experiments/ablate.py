"""Ablation: how much accuracy each non-ideality costs, switched off in turn and on alone.

Why both directions: non-idealities interact (device-to-device variation matters more when the ADC is
coarse, cycle-to-cycle noise less when a few levels dominate the error), so one number per effect can
mislead. For one device the analysis evaluates

* ``full``: the device and periphery as given;
* ``ideal``: every non-ideality switched off (the reference for "alone");
* ``off:<item>``: the full model with one item switched off: the accuracy it *recovers* is what the item
  costs in the real system;
* ``alone:<item>``: only that item switched on, everything else ideal: what it costs by itself.

Every configuration is programmed from the same seed, so configurations are compared repetition by
repetition (paired standard errors, :func:`memtwin.experiments.jobs.paired_difference`). All are
evaluated at one time after programming (default: the last time of the protocol), so drift is one of
the items.

The items (:data:`NONIDEALITIES`) are the seven the paper discusses (cycle-to-cycle noise,
device-to-device variation, finite levels, DAC, ADC, IR drop, drift), plus those that only some devices
or peripheries have (non-linearity, read noise, stuck-at faults, output noise), which are included when
present. "Off" means: sigma 0; d2d 0 (update, bounds and offset); 1024 levels along the device's own
level curve over the same range (only quantization removed, the absolute noise stays); an ideal
converter; ideal wires; drift model ``none``; evenly spaced levels between the same end points.
Extension point: a new item is a :class:`Nonideality` appended to :data:`NONIDEALITIES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel, ModeLevels
from memtwin.errors import ConfigError
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.executors import Executor
from memtwin.experiments.jobs import (
    EvalJob,
    executor_info,
    finish_analysis,
    loss_samples,
    markdown_table,
    mean_se,
    paired_difference,
    prepare_analysis,
    rows_csv,
    run_jobs,
    save_figure,
    using_executor,
)
from memtwin.experiments.sweep import scale_sigma

Pair = tuple[DeviceModel, Periphery]

#: Levels standing in for a continuous conductance when "finite levels" is switched off (10 bits).
CONTINUOUS_LEVELS = 1024
#: Relative deviation below which a level table counts as linear / two tables as mirror images.
SHAPE_TOLERANCE = 1e-6

__all__ = [
    "CONTINUOUS_LEVELS",
    "NONIDEALITIES",
    "Nonideality",
    "ablate",
    "asymmetric",
    "configurations",
    "linearize",
    "present_nonidealities",
    "resample_on_curve",
    "summarize_ablation",
]


# ------------------------------------------------------------------------------ level-table helpers
def resample_on_curve(levels: ModeLevels, count: int) -> ModeLevels:
    """``count`` levels along the mode's own level curve (piecewise linear in pulse number) over the
    same range, sigma interpolated the same way.

    Unlike :func:`memtwin.experiments.sweep.resample_levels`, which spaces levels evenly, this keeps a
    non-linear device non-linear: changing the number of levels then changes only the quantization.
    """
    if isinstance(count, bool) or int(count) != count or count < 2:
        raise ConfigError(f"levels must be a whole number >= 2, got {count!r}")
    count = int(count)
    last = levels.levels - 1
    g_new: list[float] = []
    s_new: list[float] = []
    for k in range(count):
        pos = k * last / (count - 1)
        i = min(int(pos), last - 1)
        w = pos - i
        g_new.append(levels.g_levels_S[i] * (1 - w) + levels.g_levels_S[i + 1] * w)
        s_new.append(levels.sigma_S[i] * (1 - w) + levels.sigma_S[i + 1] * w)
    return ModeLevels(tuple(g_new), tuple(s_new))


def linearize(levels: ModeLevels) -> ModeLevels:
    """The same number of levels evenly spaced between the same end points (sigmas kept per level)."""
    g0, g1 = levels.g_levels_S[0], levels.g_levels_S[-1]
    n = levels.levels - 1
    return ModeLevels(tuple(g0 + (g1 - g0) * k / n for k in range(levels.levels)), levels.sigma_S)


def _nonlinearity(levels: ModeLevels) -> float:
    """Largest deviation of a level from the straight line between the end levels, relative to the range."""
    lin = linearize(levels).g_levels_S
    span = abs(levels.g_levels_S[-1] - levels.g_levels_S[0])
    return max(abs(a - b) for a, b in zip(levels.g_levels_S, lin, strict=True)) / span


def asymmetric(device: DeviceModel) -> bool:
    """Whether depression is not the mirror image of potentiation (different level count, step or shape)."""
    pot, dep = device.potentiation, device.depression
    if pot.levels != dep.levels:
        return True
    d_pot = [g - pot.g_levels_S[0] for g in pot.g_levels_S]
    d_dep = [dep.g_levels_S[0] - g for g in dep.g_levels_S]
    scale = max(abs(d_pot[-1]), abs(d_dep[-1]))
    return max(abs(a - b) for a, b in zip(d_pot, d_dep, strict=True)) > SHAPE_TOLERANCE * scale


def _map_modes(device: DeviceModel, fn: Callable[[ModeLevels], ModeLevels]) -> DeviceModel:
    return replace(device, potentiation=fn(device.potentiation), depression=fn(device.depression))


# ------------------------------------------------------------------------------------- the items
@dataclass(frozen=True)
class Nonideality:
    """One effect the ablation can switch off. ``core`` items are always listed; the others only when
    ``present`` in the device/periphery. ``strip`` must change only this effect's own fields, so that
    stripping several items gives the same result in any order."""

    name: str
    label: str
    core: bool
    present: Callable[[DeviceModel, Periphery], bool]
    strip: Callable[[DeviceModel, Periphery], Pair]


def _strip_c2c(d: DeviceModel, p: Periphery) -> Pair:
    return _map_modes(d, lambda m: scale_sigma(m, 0.0)), p


def _strip_d2d(d: DeviceModel, p: Periphery) -> Pair:
    v = replace(d.variability, d2d_update=0.0, d2d_bounds=0.0, d2d_offset=0.0)
    return replace(d, variability=v), p


def _strip_levels(d: DeviceModel, p: Periphery) -> Pair:
    def fn(m: ModeLevels) -> ModeLevels:
        return m if m.levels >= CONTINUOUS_LEVELS else resample_on_curve(m, CONTINUOUS_LEVELS)

    return _map_modes(d, fn), p


def _strip_nonlinearity(d: DeviceModel, p: Periphery) -> Pair:
    return _map_modes(d, linearize), p


def _strip_read_noise(d: DeviceModel, p: Periphery) -> Pair:
    return replace(d, variability=replace(d.variability, read_noise_rel=0.0)), p


def _strip_stuck(d: DeviceModel, p: Periphery) -> Pair:
    v = replace(d.variability, stuck_at_min_rate=0.0, stuck_at_max_rate=0.0)
    return replace(d, variability=v), p


NONIDEALITIES: tuple[Nonideality, ...] = (
    Nonideality(
        "c2c_noise",
        "cycle-to-cycle noise",
        True,
        lambda d, p: any(s > 0 for m in (d.potentiation, d.depression) for s in m.sigma_S),
        _strip_c2c,
    ),
    Nonideality(
        "d2d_variation",
        "device-to-device variation",
        True,
        lambda d, p: max(d.variability.d2d_update, d.variability.d2d_bounds, d.variability.d2d_offset) > 0,
        _strip_d2d,
    ),
    Nonideality(
        "finite_levels",
        "finite levels",
        True,
        lambda d, p: min(d.potentiation.levels, d.depression.levels) < CONTINUOUS_LEVELS,
        _strip_levels,
    ),
    Nonideality(
        "nonlinearity",
        "non-linear levels",
        False,
        lambda d, p: max(_nonlinearity(d.potentiation), _nonlinearity(d.depression)) > SHAPE_TOLERANCE,
        _strip_nonlinearity,
    ),
    Nonideality("dac", "DAC", True, lambda d, p: p.dac_bits is not None, lambda d, p: (d, replace(p, dac_bits=None))),
    Nonideality("adc", "ADC", True, lambda d, p: p.adc_bits is not None, lambda d, p: (d, replace(p, adc_bits=None))),
    Nonideality(
        "ir_drop", "IR drop", True, lambda d, p: p.wire_resistance_ohm > 0, lambda d, p: (d, replace(p, wire_resistance_ohm=0.0))
    ),
    Nonideality(
        "drift", "drift", True, lambda d, p: d.drift.get("kind") != "none", lambda d, p: (replace(d, drift={"kind": "none"}), p)
    ),
    Nonideality("read_noise", "read noise", False, lambda d, p: d.variability.read_noise_rel > 0, _strip_read_noise),
    Nonideality(
        "stuck_at",
        "stuck-at faults",
        False,
        lambda d, p: d.variability.stuck_at_min_rate + d.variability.stuck_at_max_rate > 0,
        _strip_stuck,
    ),
    Nonideality(
        "output_noise",
        "output noise",
        False,
        lambda d, p: p.output_noise_rel > 0,
        lambda d, p: (d, replace(p, output_noise_rel=0.0)),
    ),
)
_BY_NAME = {n.name: n for n in NONIDEALITIES}


def present_nonidealities(device: DeviceModel, periphery: Periphery) -> dict[str, bool]:
    """For every item, whether it is present (non-zero) in this device and periphery, plus
    ``asymmetry`` (potentiation and depression tables that are not mirror images)."""
    out = {n.name: bool(n.present(device, periphery)) for n in NONIDEALITIES}
    out["asymmetry"] = asymmetric(device)
    return out


def ablation_items(device: DeviceModel, periphery: Periphery) -> list[Nonideality]:
    """The core items plus the optional ones present here, in :data:`NONIDEALITIES` order."""
    return [n for n in NONIDEALITIES if n.core or n.present(device, periphery)]


def _strip_all(device: DeviceModel, periphery: Periphery, items: Sequence[Nonideality]) -> Pair:
    for item in items:
        device, periphery = item.strip(device, periphery)
    return device, periphery


def configurations(device: DeviceModel, periphery: Periphery) -> dict[str, Pair]:
    """``full``, ``ideal``, ``off:<item>`` and ``alone:<item>`` (module docstring), in that order."""
    items = ablation_items(device, periphery)
    out: dict[str, Pair] = {"full": (device, periphery), "ideal": _strip_all(device, periphery, items)}
    for item in items:
        out[f"off:{item.name}"] = item.strip(device, periphery)
    for item in items:
        others = [o for o in items if o is not item]
        out[f"alone:{item.name}"] = _strip_all(device, periphery, others)
    return out


# ---------------------------------------------------------------------------------- the analysis
def ablate(
    config: ExperimentConfig,
    out: str | Path,
    *,
    variant: str = "hwat_gdc",
    time_s: float | None = None,
    executor: Executor | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Run the ablation of ``config.device`` (on ``config.periphery``) into the run folder ``out``.

    ``variant``: ``hwat_gdc`` (the paper's deployed network: every configuration gets its own HWAT) or
    ``baseline`` (the digital weights programmed as they are; much faster). ``time_s``: evaluation time
    after programming (default: the last of ``config.times_s``).
    """
    if variant not in ("baseline", "hwat_gdc"):
        raise ConfigError(f"variant must be 'baseline' or 'hwat_gdc', got {variant!r}")
    t_eval = float(time_s if time_s is not None else max(config.times_s))
    params = {"variant": variant, "time_s": t_eval}
    prepared = prepare_analysis("ablate", config, out, params, progress=progress, overwrite=overwrite)
    device = prepared.session.device
    periphery = config.periphery
    device.to_toml(prepared.run.path / "device.toml")
    configs = configurations(device, periphery)

    jobs: list[EvalJob] = []
    for cname, (dev, per) in configs.items():
        for mode in config.modes:
            jobs.append(
                prepared.job(
                    f"{cname.replace(':', '-')}-{mode}",
                    dev,
                    per,
                    modes=(mode,),
                    variants=(variant,),
                    times_s=(t_eval,),
                    labels={"config": cname, "mode": mode},
                )
            )
    # Identical configurations (an item absent from this device) are evaluated once.
    unique: dict[str, EvalJob] = {}
    for job in jobs:
        unique.setdefault(job.key(), job)
    with using_executor(executor) as ex:
        computed = run_jobs(ex, list(unique.values()), progress=progress, description=f"ablate {device.name}")
        by_key = {r["key"]: r for r in computed}
        info = executor_info(ex)

    rows: list[dict[str, Any]] = []
    for job in jobs:
        for row in by_key[job.key()]["rows"]:
            cname = str(job.labels["config"])
            setting, _, item = cname.partition(":")
            rows.append({"config": cname, "setting": setting, "item": item or None, **row})
    summary = summarize_ablation(prepared.digital_accuracy, rows, ablation_items(device, periphery), device, periphery)
    results = {
        **prepared.base_results(),
        "device": device.name,
        "variant": variant,
        "time_s": t_eval,
        "executor": info,
        **summary,
        "analog": rows,
    }
    plot_ablation(results, prepared.run.figures)
    csv_text = rows_csv(
        rows,
        ("config", "setting", "item", "mode", "variant", "time_s", "accuracy_mean", "accuracy_std", "repetitions", "accuracies"),
    )
    return finish_analysis(prepared, results, csv_text, ablation_markdown(results))


def summarize_ablation(
    digital_accuracy: float,
    rows: Sequence[dict[str, Any]],
    items: Sequence[Nonideality],
    device: DeviceModel,
    periphery: Periphery,
) -> dict[str, Any]:
    """Per item: loss with the item off and alone (mean ± std, points), the accuracy it recovers when
    switched off in the full model and what it costs alone (paired mean ± SE), and the verdict."""

    def samples(cname: str) -> list[float]:
        chosen = sorted((r for r in rows if r["config"] == cname), key=lambda r: r["mode"])
        return loss_samples(digital_accuracy, chosen)

    full, ideal = samples("full"), samples("ideal")
    f_mean, f_std, _ = mean_se(full)
    i_mean, i_std, _ = mean_se(ideal)
    present = present_nonidealities(device, periphery)
    table: list[dict[str, Any]] = []
    for item in items:
        off, alone = samples(f"off:{item.name}"), samples(f"alone:{item.name}")
        off_m, off_s, _ = mean_se(off)
        al_m, al_s, _ = mean_se(alone)
        rec, rec_se = paired_difference(full, off)
        cost, cost_se = paired_difference(alone, ideal)
        table.append(
            {
                "item": item.name,
                "label": item.label,
                "present": present[item.name],
                "loss_off_mean": off_m,
                "loss_off_std": off_s,
                "recovered_mean": rec,
                "recovered_se": rec_se,
                "loss_alone_mean": al_m,
                "loss_alone_std": al_s,
                "cost_alone_mean": cost,
                "cost_alone_se": cost_se,
            }
        )
    verdict = _verdict(table, full, {t["item"]: samples(f"off:{t['item']}") for t in table}, f_mean)
    return {
        "loss_full": {"mean": f_mean, "std": f_std, "n": len(full)},
        "loss_ideal": {"mean": i_mean, "std": i_std, "n": len(ideal)},
        "items": table,
        **verdict,
    }


def _verdict(
    table: Sequence[dict[str, Any]], full: list[float], off: dict[str, list[float]], full_loss: float
) -> dict[str, Any]:
    """Which item dominates, by what it recovers when switched off (ties broken by the cost alone), and
    whether its lead over the runner-up exceeds twice the paired standard error of their difference."""
    if not table:
        return {"dominant": None, "dominant_alone": None, "statement": "no items to ablate", "claim_d2d_dominates": None}
    by_off = sorted(table, key=lambda t: (t["recovered_mean"], t["cost_alone_mean"]), reverse=True)
    by_alone = sorted(table, key=lambda t: t["cost_alone_mean"], reverse=True)
    top = by_off[0]
    if top["recovered_mean"] <= max(2 * top["recovered_se"], 1e-9):
        return {
            "dominant": None,
            "dominant_alone": by_alone[0]["item"],
            "dominant_lead_significant": False,
            "claim_d2d_dominates": False,
            "statement": (
                f"No non-ideality costs measurable accuracy: the largest recovery when switching one off is "
                f"{top['recovered_mean']:.2f} ± {top['recovered_se']:.2f} points ({top['label']}), within 2 SE "
                f"of zero; the full model's loss is {full_loss:.2f} points."
            ),
        }
    text = (
        f"{top['label'].capitalize()} dominates: switching it off recovers {top['recovered_mean']:.2f} ± "
        f"{top['recovered_se']:.2f} points of the full model's {full_loss:.2f}-point loss"
    )
    significant = True
    if len(by_off) > 1:
        second = by_off[1]
        # Recovery of top minus recovery of second = loss_off(second) - loss_off(top), paired per repetition.
        lead, lead_se = paired_difference(off[second["item"]], off[top["item"]])
        significant = lead > 2 * lead_se
        text += (
            f"; the next, {second['label']}, recovers {second['recovered_mean']:.2f} ± {second['recovered_se']:.2f}"
            f" (lead {lead:.2f} ± {lead_se:.2f}{'' if significant else ', within 2 SE: not a clear lead'})"
        )
    top_alone = by_alone[0]
    if top_alone["item"] == top["item"]:
        text += f". Alone it also costs the most: {top_alone['cost_alone_mean']:.2f} ± {top_alone['cost_alone_se']:.2f}."
    else:
        text += (
            f". Alone, {top_alone['label']} costs the most ({top_alone['cost_alone_mean']:.2f} ± "
            f"{top_alone['cost_alone_se']:.2f}; {top['label']}: {top['cost_alone_mean']:.2f} ± {top['cost_alone_se']:.2f})."
        )
    claim = top["item"] == "d2d_variation" and top_alone["item"] == "d2d_variation" and significant
    text += (
        " The paper's claim that device-to-device variation dominates is "
        + ("supported here." if claim else "not supported by this run.")
    )
    return {
        "dominant": top["item"],
        "dominant_alone": top_alone["item"],
        "dominant_lead_significant": significant,
        "claim_d2d_dominates": claim,
        "statement": text,
    }


# ------------------------------------------------------------------------------------ reporting
def ablation_markdown(results: dict[str, Any]) -> str:
    """The ablation table as Markdown, with the verdict under it."""
    head = (
        f"# Ablation: {results['device']} on {results['task']} ({results['variant']}, t = {results['time_s']:g} s)\n\n"
        f"Digital accuracy {100 * results['digital_accuracy']:.2f} %. Full model: loss "
        f"{results['loss_full']['mean']:.2f} ± {results['loss_full']['std']:.2f} points; all non-idealities off: "
        f"{results['loss_ideal']['mean']:.2f} ± {results['loss_ideal']['std']:.2f} (mean ± std over modes × repetitions).\n\n"
    )
    rows = [
        [
            t["label"],
            "yes" if t["present"] else "no",
            f"{t['loss_off_mean']:.2f} ± {t['loss_off_std']:.2f}",
            f"{t['recovered_mean']:+.2f} ± {t['recovered_se']:.2f}",
            f"{t['loss_alone_mean']:.2f} ± {t['loss_alone_std']:.2f}",
            f"{t['cost_alone_mean']:+.2f} ± {t['cost_alone_se']:.2f}",
        ]
        for t in results["items"]
    ]
    table = markdown_table(
        ["non-ideality", "present", "loss, it off", "recovered (± SE)", "loss, it alone", "cost alone (± SE)"], rows
    )
    return head + table + "\nLosses in percentage points vs digital. " + results["statement"] + "\n"


def plot_ablation(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Bars per item: accuracy recovered when switched off, and cost alone, with ±2 SE error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = results["items"]
    if not items:
        return []
    fig, ax = plt.subplots(figsize=(max(6.0, 1.0 * len(items) + 2), 4.2))
    x = list(range(len(items)))
    width = 0.38
    ax.bar(
        [i - width / 2 for i in x],
        [t["recovered_mean"] for t in items],
        width,
        yerr=[2 * t["recovered_se"] for t in items],
        capsize=3,
        color="#1f618d",
        label="switched off in the full model: accuracy recovered",
    )
    ax.bar(
        [i + width / 2 for i in x],
        [t["cost_alone_mean"] for t in items],
        width,
        yerr=[2 * t["cost_alone_se"] for t in items],
        capsize=3,
        color="#d68910",
        label="on alone (all else ideal): accuracy cost",
    )
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels([t["label"] for t in items], rotation=30, ha="right")
    ax.set_ylabel("accuracy (points); error bars ±2 SE")
    ax.set_title(
        f"{results['device']} on {results['task']}: full-model loss {results['loss_full']['mean']:.2f} points "
        f"({results['variant']}, t = {results['time_s']:g} s)",
        fontsize=10,
    )
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, out_dir, "ablation")
