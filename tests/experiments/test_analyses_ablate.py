"""Ablation: configurations switch exactly one effect, the ideal device costs nothing, and a known
ordering (strong device-to-device variation costs more than IR drop on a small array) comes out."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import ModeLevels, preset
from memtwin.devices.drift_file import resolve_drift
from memtwin.devices.transforms import resample_on_curve
from memtwin.experiments.ablate import (
    CONTINUOUS_LEVELS,
    ablate,
    ablation_items,
    configurations,
    summarize_ablation,
)
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.executors import make_executor
from memtwin.experiments.knobs import effect_knobs
from memtwin.experiments.knobs import present_effects as present_nonidealities
from memtwin.report import present_run

DEVICE_ITEMS = ("c2c_noise", "d2d_variation", "finite_levels", "drift")
PERIPHERY_ITEMS = ("dac", "adc", "ir_drop")


def quick(**changes: object) -> ExperimentConfig:
    cfg = ExperimentConfig.for_task(
        "digits", repetitions=3, times_s=(1.0,), modes=("potentiation",), variants=("baseline",)
    )
    cfg = replace(cfg, digital=cfg.digital.replace(epochs=3), hwat=cfg.hwat.replace(epochs=1))
    return replace(cfg, **changes)


def at(results: dict, t: float) -> dict:
    (summary,) = [s for s in results["by_time"] if s["time_s"] == t]
    return summary


def items(summary: dict) -> dict[str, dict]:
    return {t["item"]: t for t in summary["items"]}


# ------------------------------------------------------------------------------ configurations
def test_off_and_alone_configurations_touch_only_their_own_effect() -> None:
    device, periphery = preset("hfs2-xhameni2025"), Periphery.paper()
    configs = {c.label: (c.device, c.periphery) for c in configurations(device, periphery)}
    ideal_dev, ideal_per = configs["ideal"]
    assert ideal_dev.variability.d2d_update == ideal_dev.variability.d2d_bounds == 0
    assert max(ideal_dev.potentiation.sigma_S) == 0
    assert ideal_dev.potentiation.levels == CONTINUOUS_LEVELS
    assert ideal_dev.drift.to_dict() == resolve_drift("none")
    assert (ideal_per.dac_bits, ideal_per.adc_bits, ideal_per.wire_resistance_ohm) == (None, None, 0.0)

    off_d2d, _ = configs["off:d2d_variation"]
    assert off_d2d.variability.d2d_update == 0 and off_d2d.potentiation == device.potentiation
    alone_adc_dev, alone_adc_per = configs["alone:adc"]
    assert alone_adc_per.adc_bits == 8 and alone_adc_per.dac_bits is None
    assert alone_adc_dev == ideal_dev
    # Stripping in another order gives the same ideal configuration.
    dev, per = device, periphery
    for item in reversed([k for k in effect_knobs() if k.core]):
        assert item.off is not None
        dev, per = item.off(dev, per)
    assert (dev, per) == configs["ideal"]
    # Every configuration is told apart by what it is, not by parsing its label.
    settings = [(c.setting, c.item) for c in configurations(device, periphery)]
    assert settings[:3] == [("full", None), ("ideal", None), ("off", "c2c_noise")]
    assert ("alone", "d2d_variation") in settings


def test_resampling_keeps_the_level_curve_and_range() -> None:
    # A bent curve: 0, 1, 4 (µS). Five levels along it interpolate between the measured ones.
    levels = ModeLevels((1e-6, 2e-6, 5e-6), (0.1e-6, 0.2e-6, 0.3e-6))
    out = resample_on_curve(levels, 5)
    assert out.g_levels_S == pytest.approx((1e-6, 1.5e-6, 2e-6, 3.5e-6, 5e-6))
    assert out.sigma_S == pytest.approx((0.1e-6, 0.15e-6, 0.2e-6, 0.25e-6, 0.3e-6))


def test_presence_of_each_effect() -> None:
    ideal = present_nonidealities(preset("ideal"), Periphery.ideal())
    assert not any(ideal.values())
    hfs2 = present_nonidealities(preset("hfs2-xhameni2025"), Periphery.paper())
    assert all(hfs2[k] for k in (*DEVICE_ITEMS, *PERIPHERY_ITEMS))
    assert not hfs2["nonlinearity"] and hfs2["asymmetry"]  # 81.077 vs 80.520 µS steps
    assert present_nonidealities(preset("ag-asi-neurosim"), Periphery.paper())["nonlinearity"]


# ------------------------------------------------------------------------------------ the runs
def test_ideal_device_costs_nothing(tmp_path: Path) -> None:
    cfg = quick(device="ideal")  # paper periphery: 8-bit converters and IR drop remain
    with make_executor("serial") as ex:
        results = ablate(
            cfg, tmp_path / "run", variant="baseline", executor=ex, progress=False, present=present_run
        )
    assert results["times_s"] == [0.0, 1.0]  # just programmed, and the protocol's last time
    summary = at(results, 1.0)
    table = items(summary)
    for name in DEVICE_ITEMS:
        # The ideal device has none of these: "off" is the full model, "alone" the ideal one, exactly.
        assert table[name]["recovered_mean"] == 0.0
        assert table[name]["cost_alone_mean"] == 0.0
    for name in PERIPHERY_ITEMS:
        # 8-bit converters and 5 µS-scaled IR drop on a 64-128-10 MLP flip at most a few of 450 digits.
        assert abs(table[name]["recovered_mean"]) < 1.0
        assert abs(table[name]["cost_alone_mean"]) < 1.0
    assert summary["loss_full"]["mean"] < 1.5
    assert summary["dominant"] is None
    assert not summary["claim_d2d_dominates"]
    assert results["note"] is None  # the ideal device has no drift
    on_disk = json.loads((tmp_path / "run" / "results.json").read_text())
    assert on_disk["by_time"] == results["by_time"]
    assert (tmp_path / "run" / "figures" / "ablation.png").stat().st_size > 1000
    assert "non-ideality" in (tmp_path / "run" / "results.md").read_text()


def test_strong_device_to_device_variation_costs_more_than_ir_drop(tmp_path: Path) -> None:
    # drift "none": the preset's worst-case drift model (reram-wan2022-aihwkit, as AIHWKIT applies it)
    # redraws every conductance around its nominal target at any t >= 1 s, which would erase the
    # device-to-device deviations this test is about.
    cfg = quick(device="hfs2-xhameni2025", d2d=0.6, drift="none")
    with make_executor("serial") as ex:
        results = ablate(
            cfg, tmp_path / "run", variant="baseline", times_s=(1.0,), executor=ex, progress=False
        )
    summary = at(results, 1.0)
    table = items(summary)
    d2d, ir = table["d2d_variation"], table["ir_drop"]
    assert d2d["cost_alone_mean"] > ir["cost_alone_mean"] + 2 * (d2d["cost_alone_se"] + ir["cost_alone_se"])
    assert d2d["recovered_mean"] > ir["recovered_mean"]
    assert summary["dominant_alone"] == "d2d_variation"
    assert "device-to-device variation" in summary["statement"]
    rows = results["analog"]
    assert {r["config"] for r in rows} >= {"full", "ideal", "off:d2d_variation", "alone:ir_drop"}


def test_drift_that_redraws_around_targets_hides_programming_errors(tmp_path: Path) -> None:
    # The HfS2 preset's drift (AIHWKIT's Wan2022 model) redraws conductances around their nominal targets
    # at any t > 0: device-to-device errors visible at t = 0 are gone at t = 1 s, and the run says so.
    cfg = quick(device="hfs2-xhameni2025", d2d=0.6, repetitions=2)
    with make_executor("serial") as ex:
        results = ablate(
            cfg, tmp_path / "run", variant="baseline", times_s=(0.0, 1.0), executor=ex, progress=False
        )
    at0, at1 = items(at(results, 0.0)), items(at(results, 1.0))
    assert at0["d2d_variation"]["cost_alone_mean"] > 1.0
    assert at0["d2d_variation"]["recovered_mean"] > at1["d2d_variation"]["recovered_mean"]
    assert "redraws every conductance" in results["note"]


def _synthetic_rows(off: dict[str, list[float]], alone: dict[str, list[float]]) -> list[dict]:
    """Rows of a fake ablation on the HfS2 items (digital accuracy 1.0): full 0.90, ideal 1.00, and the
    given accuracies for some items; the other items change nothing."""
    reps = len(next(iter(off.values())))
    names = [k.effect for k in ablation_items(preset("hfs2-xhameni2025"), Periphery.paper())]

    def row(setting: str, item: str | None, accuracies: list[float]) -> dict:
        return {"setting": setting, "item": item, "mode": "potentiation", "accuracies": accuracies}

    rows = [row("full", None, [0.90] * reps), row("ideal", None, [1.0] * reps)]
    for n in names:
        assert n is not None
        rows.append(row("off", n, off.get(n, [0.90] * reps)))
        rows.append(row("alone", n, alone.get(n, [1.0] * reps)))
    return rows


def test_verdict_distinguishes_a_clear_lead_from_a_tie() -> None:
    device, periphery = preset("hfs2-xhameni2025"), Periphery.paper()
    items_ = ablation_items(device, periphery)
    clear = _synthetic_rows(
        off={"d2d_variation": [0.98, 0.981, 0.979, 0.98], "ir_drop": [0.91, 0.905, 0.91, 0.915]},
        alone={"d2d_variation": [0.92, 0.921, 0.919, 0.92], "ir_drop": [0.99, 0.995, 0.99, 0.985]},
    )
    summary = summarize_ablation(1.0, clear, items_, device, periphery)
    assert summary["claim"] == "supported" and summary["dominant"] == "d2d_variation"
    d2d = items(summary)["d2d_variation"]
    assert d2d["recovered_mean"] == pytest.approx(8.0) and d2d["cost_alone_mean"] == pytest.approx(8.0)
    tie = _synthetic_rows(
        off={"d2d_variation": [0.98, 0.97, 0.99, 0.98], "ir_drop": [0.97, 0.98, 0.98, 0.975]},
        alone={"d2d_variation": [0.92, 0.93, 0.91, 0.92], "ir_drop": [0.93, 0.92, 0.92, 0.925]},
    )
    summary = summarize_ablation(1.0, tie, items_, device, periphery)
    assert summary["claim"] == "consistent" and summary["dominant"] is None
    other = _synthetic_rows(off={"ir_drop": [0.98] * 4}, alone={"ir_drop": [0.92, 0.93, 0.92, 0.93]})
    assert summarize_ablation(1.0, other, items_, device, periphery)["claim"] == "not supported"
