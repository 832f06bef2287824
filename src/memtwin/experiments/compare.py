"""Compare devices through one network and one protocol (the paper's Sec. VI and Fig. 6, done the way
the paper could not: the same pipeline for every device).

The paper compared its HfS2 device with other memristors through numbers their authors obtained with
other toolkits, networks and non-idealities. Here every device is programmed into the *same* trained
network with the same periphery, seeds and protocol, so the differences are the devices'. The published
numbers (:data:`memtwin.devices.literature.LITERATURE_RESULTS`) are shown next to memtwin's, hatched and
labelled as what they are: reported by their authors, with a different network and toolkit.

Outputs: per device the accuracy loss vs digital per mode and variant at the first and last time of the
protocol; ``results.json`` / ``results.csv`` / ``results.md``; figures ``compare_loss`` (Fig. 6(a)/(b)),
``compare_voltage`` (6(c)) and ``compare_nonidealities`` (6(d)); every device's TOML under ``devices/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel, list_presets
from memtwin.devices.literature import LITERATURE_RESULTS
from memtwin.devices.literature import NONIDEALITIES as REPORTED_NONIDEALITIES
from memtwin.errors import ConfigError
from memtwin.experiments.ablate import present_nonidealities
from memtwin.experiments.config import ExperimentConfig
from memtwin.experiments.devices import resolve_device
from memtwin.experiments.executors import Executor
from memtwin.experiments.figures import VARIANT_LABELS, time_label
from memtwin.experiments.jobs import (
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

__all__ = ["TASK_PANELS", "compare_devices", "literature_rows", "simulated_nonidealities"]

#: Fig. 6 panel of each task's accuracy-loss figure.
TASK_PANELS = {"mnist": "(a) MNIST", "cifar10": "(b) CIFAR-10", "digits": "digits (8×8, bundled)"}
REPORTED_LABEL = "reported by the authors (different network/toolkit)"


def simulated_nonidealities(device: DeviceModel, periphery: Periphery) -> dict[str, str]:
    """For each entry of the paper's Fig. 6(d) list: ``"on"`` when it is present in this device's model
    and periphery, ``"zero"`` when memtwin simulates it but this device/periphery has none of it (e.g. a
    closed-loop-programmed device with no d2d spread). memtwin runs the same full model for every device,
    so there is no ``"not simulated"``."""
    present = present_nonidealities(device, periphery)
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


@marks_failed_run
def compare_devices(
    config: ExperimentConfig,
    out: str | Path,
    devices: Sequence[str] | None = None,
    *,
    executor: Executor | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Evaluate ``devices`` (presets, device TOMLs, …; default: every preset) with ``config``'s task,
    protocol and periphery, into the run folder ``out``. ``config.d2d`` / ``config.drift`` (if set)
    override every device's device-to-device variation / drift model; otherwise each keeps its own."""
    specs = list(devices) if devices else list_presets()
    if not specs:
        raise ConfigError("no devices to compare")
    models = [resolve_device(s, d2d=config.d2d, drift=config.drift) for s in specs]
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ConfigError(f"devices must have distinct names; repeated: {', '.join(dupes)}")
    times = sorted({min(config.times_s), max(config.times_s)})
    params = {"devices": specs, "times_s": times}
    prepared = prepare_analysis("compare", config, out, params, progress=progress, overwrite=overwrite)
    for m in models:
        m.to_toml(prepared.run.path / "devices" / f"{m.name}.toml")
    jobs = [
        prepared.job(
            f"{m.name}-{mode}", m, config.periphery, modes=(mode,), times_s=times, labels={"device": m.name}
        )
        for m in models
        for mode in config.modes
    ]
    with using_executor(executor) as ex:
        computed = run_jobs(ex, jobs, progress=progress, description=f"compare {len(models)} devices")
        info = executor_info(ex)

    digital = prepared.digital_accuracy
    rows: list[dict[str, Any]] = []
    for job, res in zip(jobs, computed, strict=True):
        for row in res["rows"]:
            mean, sd, se = mean_se(loss_samples(digital, [row]))
            rows.append(
                {"device": job.labels["device"], **row, "loss_mean": mean, "loss_std": sd, "loss_se": se}
            )
    summaries = [
        _device_summary(m, config.periphery, [r for r in rows if r["device"] == m.name]) for m in models
    ]
    results = {
        **prepared.base_results(),
        "times_s": times,
        "executor": info,
        "devices": summaries,
        "analog": rows,
        "literature": literature_rows(config.task),
        "nonidealities_reported": list(REPORTED_NONIDEALITIES),
        "literature_nonidealities": [
            {"work": r.work, "task": r.task, "toolkit": r.toolkit, "nonidealities": list(r.nonidealities)}
            for r in LITERATURE_RESULTS
        ],
    }
    plot_compare(results, prepared.run.figures)
    csv_text = rows_csv(
        rows,
        (
            "device",
            "mode",
            "variant",
            "time_s",
            "accuracy_mean",
            "accuracy_std",
            "loss_mean",
            "loss_std",
            "repetitions",
            "accuracies",
        ),
    )
    return finish_analysis(prepared, results, csv_text, compare_markdown(results))


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
        "drift": device.drift.get("kind"),
        "nonidealities": simulated_nonidealities(device, periphery),
        "losses": [
            {
                k2: r[k2]
                for k2 in ("mode", "variant", "time_s", "loss_mean", "loss_std", "loss_se", "repetitions")
            }
            for r in rows
        ],
    }


def loss_of(summary: dict[str, Any], mode: str, variant: str, time_s: float) -> dict[str, Any] | None:
    """The loss entry of a device summary at one condition (None if not evaluated)."""
    for e in summary["losses"]:
        if e["mode"] == mode and e["variant"] == variant and e["time_s"] == time_s:
            return e
    return None


# ------------------------------------------------------------------------------------ reporting
def _pm(e: dict[str, Any] | None) -> str:
    return "–" if e is None else f"{e['loss_mean']:.2f} ± {e['loss_std']:.2f}"


def compare_markdown(results: dict[str, Any]) -> str:
    """The comparison table (losses in points, mean ± std over repetitions) and the reported numbers."""
    p = results["protocol"]
    times = results["times_s"]
    head = (
        f"# Device comparison on {results['task']}\n\nDigital accuracy {100 * results['digital_accuracy']:.2f} %; "
        f"{p['digital_epochs']} digital + {p['hwat_epochs']} HWAT epochs, {p['repetitions']} repetitions, "
        f"subset {p['subset'] or 'full'}; losses vs digital in points (mean ± std over repetitions).\n\n"
    )
    header = ["device", "levels", "σ/bin", "d2d", "V max"]
    conds = [(v, m, t) for v in p["variants"] for t in times for m in p["modes"]]
    header += [f"{v} {m[:3]} @{time_label(t)}" for v, m, t in conds]
    rows = []
    for d in results["devices"]:
        rows.append(
            [
                d["name"],
                "/".join(str(x) for x in d["levels"]),
                f"{d['sigma_over_bin_width'][0]:.3g}",
                f"{d['d2d_update']:.2g}",
                "–" if d["max_voltage_V"] is None else f"{d['max_voltage_V']:g} V",
                *[_pm(loss_of(d, m, v, t)) for v, m, t in conds],
            ]
        )
    out = head + markdown_table(header, rows)
    lit = results["literature"]
    if lit:
        out += "\n## Published numbers: reported by the authors, with their own network and toolkit\n\n"
        out += markdown_table(
            ["work", "device", "network", "toolkit", "digital %", "analog %", "loss", "V max"],
            [
                [
                    r["work"], r["device"], r["network"], r["toolkit"], f"{r['digital_accuracy_pct']:.2f}",
                    f"{r['analog_accuracy_pct']:.2f}", f"{r['accuracy_loss_pct']:.2f}",
                    "–" if r["max_programming_voltage_V"] is None else f"{r['max_programming_voltage_V']:g} V",
                ]
                for r in lit
            ],
        )  # fmt: skip
    return out


def plot_compare(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Fig. 6(a/b) loss per device (+ hatched published losses), 6(c) max voltage, 6(d) non-idealities."""
    return [*_plot_loss(results, out_dir), *_plot_voltage(results, out_dir), *_plot_table(results, out_dir)]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


_BAR_COLORS = {
    ("potentiation", "hwat_gdc"): "#1f618d",
    ("depression", "hwat_gdc"): "#5dade2",
    ("potentiation", "baseline"): "#a93226",
    ("depression", "baseline"): "#f1948a",
}


def _plot_loss(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Fig. 6(a)/(b): horizontal bars per device, one per (mode, variant), one panel per time; the
    published loss of a work whose device is in the comparison is a hatched bar in that device's group
    (first panel only: published numbers carry no drift time), other published works get rows of their
    own at the bottom."""
    plt = _plt()
    from matplotlib.patches import Patch

    devices = results["devices"]
    p = results["protocol"]
    conds = [(m, v) for v in p["variants"] for m in p["modes"]]
    lit = results["literature"]
    by_preset = {r["preset"]: r for r in lit if r.get("preset")}
    names = [d["name"] for d in devices]
    extra = [r for r in lit if r.get("preset") not in names]
    n_rows = len(devices) + len(extra)
    slots = len(conds) + (1 if by_preset else 0)
    height = 0.8 / max(slots, 1)
    times = results["times_s"]
    hatched: dict[str, Any] = {"facecolor": "white", "edgecolor": "#444", "hatch": "///"}
    fig, axes = plt.subplots(
        1, len(times), figsize=(5.0 * len(times) + 1.5, 0.42 * n_rows * max(1.0, slots / 4) + 2.0),
        sharey=True, squeeze=False, layout="constrained",
    )  # fmt: skip
    for ax, t in zip(axes[0], times, strict=True):
        for i, d in enumerate(devices):
            y0 = n_rows - 1 - i
            for k, (m, v) in enumerate(conds):
                e = loss_of(d, m, v, t)
                if e is not None:
                    ax.barh(
                        y0 + 0.4 - (k + 0.5) * height, e["loss_mean"], height, xerr=e["loss_std"],
                        capsize=2, color=_BAR_COLORS.get((m, v), "#7f8c8d"), error_kw={"lw": 0.8},
                    )  # fmt: skip
            r = by_preset.get(d["name"])
            if r is not None and t == times[0]:
                y = y0 + 0.4 - (len(conds) + 0.5) * height
                ax.barh(y, r["accuracy_loss_pct"], height, **hatched)
                ax.text(
                    r["accuracy_loss_pct"],
                    y,
                    f" {r['accuracy_loss_pct']:.2f} reported",
                    va="center",
                    fontsize=6,
                )
        for j, r in enumerate(extra):
            if t == times[0]:
                ax.barh(n_rows - 1 - len(devices) - j, r["accuracy_loss_pct"], 0.5, **hatched)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(f"t = {time_label(t)} after programming", fontsize=10)
        ax.set_xlabel("accuracy loss vs digital (points), mean ± std")
        ax.grid(axis="x", alpha=0.3)
    labels = names + [f"{r['work']} ({r['network']})"[:50] for r in extra]
    axes[0][0].set_yticks([n_rows - 1 - i for i in range(n_rows)])
    axes[0][0].set_yticklabels(labels, fontsize=8)
    handles = [
        Patch(color=_BAR_COLORS.get(c, "#7f8c8d"), label=f"{c[0]}, {VARIANT_LABELS.get(c[1], c[1])}")
        for c in conds
    ]
    if lit:
        handles.append(Patch(**hatched, label=REPORTED_LABEL))
    fig.legend(handles=handles, fontsize=7, loc="outside lower center", ncol=min(3, len(handles)))
    panel = TASK_PANELS.get(results["task"], results["task"])
    fig.suptitle(
        f"{panel}: same network and protocol for every device (digital {100 * results['digital_accuracy']:.2f} %)",
        fontsize=11,
    )
    return save_figure(fig, out_dir, "compare_loss")


def _plot_voltage(results: dict[str, Any], out_dir: Path) -> list[Path]:
    plt = _plt()
    devices = results["devices"]
    fig, ax = plt.subplots(figsize=(6.0, 0.35 * len(devices) + 1.4))
    for i, d in enumerate(devices):
        y = len(devices) - 1 - i
        v = d["max_voltage_V"]
        if v is None:
            ax.text(0.02, y, "not given", va="center", fontsize=7, color="#7f8c8d")
        else:
            ax.barh(y, v, 0.6, color="#117a65")
            ax.text(v, y, f" {v:g} V", va="center", fontsize=7)
    ax.set_yticks(range(len(devices)))
    ax.set_yticklabels([d["name"] for d in reversed(devices)], fontsize=8)
    ax.set_ylim(-0.6, len(devices) - 0.4)
    ax.set_xlabel("maximum programming voltage (V)")
    ax.set_title("(c) maximum programming voltage", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, out_dir, "compare_voltage")


def _plot_table(results: dict[str, Any], out_dir: Path) -> list[Path]:
    plt = _plt()
    cols = results["nonidealities_reported"]
    labels: list[str] = []
    cells: list[list[str]] = []
    colors: list[list[str]] = []
    for d in results["devices"]:
        labels.append(f"memtwin: {d['name']}")
        row = [{"on": "✓", "zero": "0"}[d["nonidealities"][c]] for c in cols]
        cells.append(row)
        colors.append(["#d5f5e3" if c == "✓" else "#fdfefe" for c in row])
    for r in results["literature_nonidealities"]:
        toolkit = r["toolkit"].split(" (")[0]
        labels.append(f"reported: {r['work']} ({r['task']}, {toolkit})")
        row = ["✓" if c in r["nonidealities"] else "" for c in cols]
        cells.append(row)
        colors.append(["#d6eaf8" if c else "#fdfefe" for c in row])
    fig, ax = plt.subplots(figsize=(1.0 * len(cols) + 4.5, 0.22 * len(cells) + 0.6))
    ax.axis("off")
    table = ax.table(
        cellText=cells, rowLabels=labels, colLabels=[c.replace("_", "\n") for c in cols], cellColours=colors,
        cellLoc="center", loc="center",
    )  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.3)
    ax.set_title(
        "(d) non-idealities simulated: ✓ present; 0 = simulated, none in this device's model; "
        "reported rows as disclosed by their authors",
        fontsize=9,
    )
    return save_figure(fig, out_dir, "compare_nonidealities")
