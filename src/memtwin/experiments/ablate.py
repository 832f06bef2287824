"""Ablation: how much accuracy each non-ideality costs, switched off in turn and on alone.

Why both directions: non-idealities interact (device-to-device variation matters more when the ADC is
coarse, cycle-to-cycle noise less when a few levels dominate the error), so one number per effect can
mislead. For one device the analysis evaluates these :class:`Configuration` s:

* ``full``: the device and periphery as given;
* ``ideal``: every non-ideality switched off (the reference for "alone");
* ``off`` an item: the full model with that item switched off: the accuracy it *recovers* is what the
  item costs in the real system;
* ``alone`` an item: only that item switched on, everything else ideal: what it costs by itself.

Every configuration is programmed from the same seed, so configurations are compared repetition by
repetition (paired standard errors, :func:`memtwin.experiments.stats.paired_difference`).

The items are the effects of :data:`memtwin.experiments.knobs.EFFECTS`: the seven the paper discusses
(cycle-to-cycle noise, device-to-device variation, finite levels, DAC, ADC, IR drop, drift) are always
ablated; those that only some devices or peripheries have (non-linearity, read noise, stuck-at faults,
output noise) when present. What "off" means is each knob's own ``off`` (sigma 0; d2d 0; 1024 levels
along the device's own level curve; an ideal converter; ideal wires; drift ``none``; evenly spaced
levels). Tables and figures: :mod:`memtwin.report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Unpack

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel
from memtwin.errors import ConfigError
from memtwin.experiments.analysis import Analysis, Evaluations, Prepared, RunOptions, Summary, run_analysis
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.evaluate import EvalJob
from memtwin.experiments.knobs import CONTINUOUS_LEVELS, Knob, drift_kind, effect_knobs, present_effects
from memtwin.experiments.stats import loss_samples, mean_se, paired_difference

__all__ = [
    "CONTINUOUS_LEVELS",
    "TARGET_REDRAWING_DRIFTS",
    "Ablation",
    "Configuration",
    "ablate",
    "ablation_items",
    "configurations",
    "drift_note",
    "summarize_ablation",
]

Pair = tuple[DeviceModel, Periphery]
CSV_COLUMNS = ("config", "setting", "item", "mode", "variant", "time_s", "accuracy_mean", "accuracy_std",
               "repetitions", "accuracies")  # fmt: skip
#: Drift models that redraw each conductance around its *nominal* target at t > 0 (the programming
#: errors are forgotten; see memtwin.devices.drift.ReRamWan2022AihwkitDrift).
TARGET_REDRAWING_DRIFTS = ("reram-wan2022-aihwkit",)


@dataclass(frozen=True)
class Configuration:
    """One evaluated configuration: ``setting`` is ``full``, ``ideal``, ``off`` or ``alone``; ``item`` the
    effect switched off or left alone (``None`` for full and ideal); ``device``/``periphery`` the pair."""

    setting: str
    item: str | None
    device: DeviceModel
    periphery: Periphery

    @property
    def label(self) -> str:
        """``full``, ``ideal``, ``off:<item>`` or ``alone:<item>`` (the ``config`` column of the rows)."""
        return self.setting if self.item is None else f"{self.setting}:{self.item}"


def ablation_items(device: DeviceModel, periphery: Periphery) -> list[Knob]:
    """The knobs of the core effects plus those of the optional ones present here, in effect order."""
    return [k for k in effect_knobs() if k.core or k.is_present(device, periphery)]


def _all_off(device: DeviceModel, periphery: Periphery, items: Sequence[Knob]) -> Pair:
    for item in items:
        assert item.off is not None
        device, periphery = item.off(device, periphery)
    return device, periphery


def configurations(device: DeviceModel, periphery: Periphery) -> list[Configuration]:
    """``full``, ``ideal``, each item ``off``, then each item ``alone`` (module docstring)."""
    items = ablation_items(device, periphery)
    out = [
        Configuration("full", None, device, periphery),
        Configuration("ideal", None, *_all_off(device, periphery, items)),
    ]
    for item in items:
        assert item.off is not None
        out.append(Configuration("off", item.effect, *item.off(device, periphery)))
    for item in items:
        out.append(
            Configuration(
                "alone", item.effect, *_all_off(device, periphery, [o for o in items if o is not item])
            )
        )
    return out  # fmt: skip


def drift_note(device: DeviceModel, times: Sequence[float]) -> str | None:
    """A warning when the device's drift model erases programming errors at the evaluated times > 0."""
    kind = drift_kind(device)
    if kind in TARGET_REDRAWING_DRIFTS and any(t > 0 for t in times):
        return (
            f"This device's drift model ({kind}, as AIHWKIT applies it) redraws every conductance around its "
            "nominal target at any t > 0, so cycle-to-cycle and device-to-device programming errors are "
            "forgotten there; judge those at t = 0."
        )
    return None


def summarize_ablation(
    digital_accuracy: float,
    rows: Sequence[dict[str, Any]],
    items: Sequence[Knob],
    device: DeviceModel,
    periphery: Periphery,
) -> dict[str, Any]:
    """Per item: loss with the item off and alone (mean ± std, points), the accuracy it recovers when
    switched off in the full model and what it costs alone (paired mean ± SE), and the verdict. ``rows``
    carry their configuration's ``setting`` and ``item``."""

    def samples(setting: str, item: str | None = None) -> list[float]:
        chosen = [r for r in rows if r["setting"] == setting and r.get("item") == item]
        return loss_samples(digital_accuracy, sorted(chosen, key=lambda r: r["mode"]))

    full, ideal = samples("full"), samples("ideal")
    present = present_effects(device, periphery)
    off = {str(k.effect): samples("off", k.effect) for k in items}
    alone = {str(k.effect): samples("alone", k.effect) for k in items}
    table = [
        _item_row(k, present[str(k.effect)], full, ideal, off[str(k.effect)], alone[str(k.effect)])
        for k in items
    ]
    f_mean, f_std, _ = mean_se(full)
    i_mean, i_std, _ = mean_se(ideal)
    return {
        "loss_full": {"mean": f_mean, "std": f_std, "n": len(full)},
        "loss_ideal": {"mean": i_mean, "std": i_std, "n": len(ideal)},
        "items": table,
        **verdict(table, off, alone, f_mean),
    }  # fmt: skip


def _item_row(
    item: Knob, present: bool, full: list[float], ideal: list[float], off: list[float], alone: list[float]
) -> dict[str, Any]:
    off_m, off_s, _ = mean_se(off)
    al_m, al_s, _ = mean_se(alone)
    rec, rec_se = paired_difference(full, off)
    cost, cost_se = paired_difference(alone, ideal)
    return {
        "item": item.effect,
        "label": item.effect_label,
        "present": present,
        "loss_off_mean": off_m,
        "loss_off_std": off_s,
        "recovered_mean": rec,
        "recovered_se": rec_se,
        "loss_alone_mean": al_m,
        "loss_alone_std": al_s,
        "cost_alone_mean": cost,
        "cost_alone_se": cost_se,
    }


# ------------------------------------------------------------------------------------ the verdict
def _ranking(
    table: Sequence[dict[str, Any]], key: str, samples: dict[str, list[float]], lower_is_more: bool
) -> dict[str, Any]:
    """The item with the largest ``key`` (``recovered_mean`` or ``cost_alone_mean``): whether it differs
    from zero by more than 2 SE, and whether its lead over the runner-up does (paired per repetition:
    for "recovered", less loss with the item off is more recovery, hence ``lower_is_more``)."""
    ranked = sorted(table, key=lambda t: t[key], reverse=True)
    top = ranked[0]
    se_key = key.replace("_mean", "_se")
    out: dict[str, Any] = {
        "top": top,
        "measurable": top[key] > max(2 * top[se_key], 1e-9),
        "second": None,
        "lead": None,
        "lead_se": None,
        "clear_lead": True,
    }
    if len(ranked) > 1:
        second = ranked[1]
        a, b = samples[second["item"]], samples[top["item"]]
        lead, lead_se = paired_difference(a, b) if lower_is_more else paired_difference(b, a)
        out.update(second=second, lead=lead, lead_se=lead_se, clear_lead=lead > 2 * lead_se)
    return out


def _ranking_text(r: dict[str, Any], key: str, what: str) -> str:
    top, se_key = r["top"], key.replace("_mean", "_se")
    if not r["measurable"]:
        return f"{what}, no item costs measurable accuracy (largest: {top['label']}, {top[key]:.2f} ± {top[se_key]:.2f} points)"
    text = f"{what}, {top['label']} costs the most: {top[key]:.2f} ± {top[se_key]:.2f} points"
    if r["second"] is not None:
        second = r["second"]
        text += (
            f" (next: {second['label']}, {second[key]:.2f} ± {second[se_key]:.2f}; lead {r['lead']:.2f} ± "
            f"{r['lead_se']:.2f}{'' if r['clear_lead'] else ', within 2 SE'})"
        )
    return text


def verdict(
    table: Sequence[dict[str, Any]],
    off: dict[str, list[float]],
    alone: dict[str, list[float]],
    full_loss: float,
) -> dict[str, Any]:
    """Which item dominates, judged both ways: what switching it off recovers in the full model, and what
    it costs alone. An item "dominates" a ranking when it is measurably above zero and leads the runner-up
    by more than 2 paired SE. Effects can overlap (two error sources each hiding the other), so the two
    rankings need not agree; the statement says so when they do not."""
    if not table:
        return {
            "dominant": None,
            "dominant_alone": None,
            "statement": "no items to ablate",
            "claim": "not supported",
            "claim_d2d_dominates": False,
        }
    by_off = _ranking(table, "recovered_mean", off, lower_is_more=True)
    by_alone = _ranking(table, "cost_alone_mean", alone, lower_is_more=False)

    def winner(r: dict[str, Any]) -> str | None:
        return str(r["top"]["item"]) if r["measurable"] and r["clear_lead"] else None

    dominant, dominant_alone = winner(by_off), winner(by_alone)
    parts = [
        f"Full model: {full_loss:.2f} points lost.",
        _ranking_text(by_off, "recovered_mean", "Switched off one at a time") + ".",
        _ranking_text(by_alone, "cost_alone_mean", "Alone (everything else ideal)") + ".",
    ]
    if by_off["measurable"] is False and by_alone["measurable"]:
        parts.append("No single item recovers accuracy when switched off: the effects overlap.")
    claim = _claim(by_off, by_alone)
    parts.append(
        {
            "supported": "The paper's claim that device-to-device variation dominates is supported by this run.",
            "consistent": "Device-to-device variation costs the most, but its lead is within 2 SE: consistent "
            "with the paper's claim that it dominates, not established by this run (more repetitions would "
            "tell).",
            "not supported": "The paper's claim that device-to-device variation dominates is not supported by "
            "this run.",
        }[claim]
    )
    return {
        "dominant": dominant,
        "dominant_alone": dominant_alone,
        "claim": claim,
        "claim_d2d_dominates": claim == "supported",
        "statement": " ".join(parts),
    }


def _claim(*rankings: dict[str, Any]) -> str:
    """The paper's claim against the rankings with a measurable top item: ``supported`` when
    device-to-device variation is on top of each with a clear lead, ``consistent`` when it is on top of
    each but some lead is within 2 SE, else ``not supported``."""
    measurable = [r for r in rankings if r["measurable"]]
    if not measurable or any(r["top"]["item"] != "d2d_variation" for r in measurable):
        return "not supported"
    return "supported" if all(r["clear_lead"] for r in measurable) else "consistent"


@dataclass
class Ablation(Analysis):
    """The ablation of the config's device on its periphery (module docstring).

    ``variant``: ``hwat_gdc`` (the paper's deployed network: every configuration gets its own HWAT) or
    ``baseline`` (the digital weights programmed as they are; much faster). ``times_s``: when after
    programming to judge (default: t = 0, what programming leaves, and the last time of the protocol,
    where drift has acted); every time gets its own table and verdict from the same chips.

    Why t = 0 by default: some drift models redraw every conductance around its nominal target at any
    t > 0 (AIHWKIT's Wan2022 model, the HfS2 preset's worst case, see :data:`TARGET_REDRAWING_DRIFTS`),
    which erases the programming errors (cycle-to-cycle, device-to-device) the other items are about.
    """

    config: ExperimentConfig
    variant: str = "hwat_gdc"
    times_s: Sequence[float] | None = None
    times: list[float] = field(init=False)
    kind: ClassVar[str] = "ablate"

    def __post_init__(self) -> None:
        if self.variant not in ("baseline", "hwat_gdc"):
            raise ConfigError(f"variant must be 'baseline' or 'hwat_gdc', got {self.variant!r}")
        chosen = self.times_s if self.times_s is not None else (0.0, max(self.config.times_s))
        self.times = sorted({float(t) for t in chosen})
        if not self.times or self.times[0] < 0:
            raise ConfigError(f"ablation times must be >= 0 s, got {list(chosen)}")

    def describe(self, prepared: Prepared) -> str:
        return f"ablate {prepared.session.device.name}"

    def parameters(self) -> dict[str, Any]:
        return {"variant": self.variant, "times_s": self.times}

    def setup(self, prepared: Prepared) -> None:
        prepared.session.device.to_toml(prepared.run.path / "device.toml")

    def plan(self, prepared: Prepared) -> list[EvalJob]:
        device, periphery = prepared.session.device, self.config.periphery
        return [
            prepared.job(
                f"{c.label.replace(':', '-')}-{mode}", c.device, c.periphery, modes=(mode,),
                variants=(self.variant,), times_s=self.times,
                labels={"config": c.label, "setting": c.setting, "item": c.item, "mode": mode},
            )
            for c in configurations(device, periphery)
            for mode in self.config.modes
        ]  # fmt: skip

    def summarize(self, prepared: Prepared, evaluations: Evaluations) -> Summary:
        device, periphery = prepared.session.device, self.config.periphery
        rows = [
            {"config": job.labels["config"], "setting": job.labels["setting"], "item": job.labels["item"], **row}
            for job in self.plan(prepared)
            for row in evaluations[job]["rows"]
        ]  # fmt: skip
        items = ablation_items(device, periphery)
        by_time = [
            {"time_s": t, **summarize_ablation(prepared.digital_accuracy, [r for r in rows if r["time_s"] == t],
                                               items, device, periphery)}
            for t in self.times
        ]  # fmt: skip
        results = {
            **prepared.base_results(),
            "device": device.name,
            "variant": self.variant,
            "times_s": self.times,
            "executor": evaluations.info,
            "by_time": by_time,
            "note": drift_note(device, self.times),
            "analog": rows,
        }
        return Summary(results, rows, CSV_COLUMNS)


def ablate(
    config: ExperimentConfig,
    out: str | Path,
    *,
    variant: str = "hwat_gdc",
    times_s: Sequence[float] | None = None,
    **options: Unpack[RunOptions],
) -> dict[str, Any]:
    """Run the ablation of ``config.device`` (on ``config.periphery``) into the run folder ``out`` (see
    :class:`Ablation`). ``options``: ``executor`` (default: a local process pool), ``progress``,
    ``overwrite``, ``checkpoints_from`` (a run folder whose digital network it starts from), ``present``
    (see :func:`~memtwin.experiments.analysis.run_analysis`)."""
    return run_analysis(Ablation(config, variant, times_s), config, out, **options)
