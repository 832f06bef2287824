"""The report's device sections: the characterization of the measured devices (figures of merit, the
device-to-device spread) and the device model the run simulated."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from memtwin.report import fmt
from memtwin.report.doc import Block, Collapsed, Figure, Paragraph, Section, Table, Verbatim
from memtwin.report.rows import figure_section, list_of, text_of
from memtwin.report.run import RunContents
from memtwin.siformat import si_row

__all__ = ["bins_text", "characterization_section", "chosen_device", "device_section"]


def _phase_rows(pot: Mapping[str, Any], dep: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """Each figure of the two phases on one row, conductances with one SI prefix per row."""

    def both(key: str, signed: bool = False) -> list[str]:
        return si_row([fmt.number(pot.get(key)), fmt.number(dep.get(key))], "S", signed=signed)

    def each(get: Callable[[Mapping[str, Any]], str]) -> list[str]:
        return [get(pot), get(dep)]

    sigma_label = "mean σ, cycle to cycle"
    if "fit_residuals" in (pot.get("sigma_source"), dep.get("sigma_source")):
        sigma_label = "mean σ (one cycle: from the fit residuals)"
    rows: list[tuple[str, list[str]]] = [
        ("linear range (pulse numbers)", each(lambda p: _range(p.get("linear_range")))),
        ("levels", each(lambda p: fmt.value("levels", p.get("levels")))),
        ("pulses per level", each(lambda p: fmt.value("pulses_per_level", p.get("pulses_per_level", 1)))),
        ("slope per pulse", both("slope_S_per_pulse", signed=True)),
        ("intercept", both("intercept_S")),
        ("R² of the linear fit", each(lambda p: fmt.fixed(p.get("r2"), ".5f"))),
        (sigma_label, both("sigma_mean_S")),
        ("bin width (level spacing)", both("bin_width_S")),
        ("σ / bin width", each(lambda p: _ratio(p.get("sigma_mean_S"), p.get("bin_width_S")))),
        ("bins of a pair in this mode", each(lambda p: bins_text(p.get("bins"), p.get("bits")))),
    ]
    return tuple((label, a, b) for label, (a, b) in rows)


def _range(r: Any) -> str:
    r = list_of(r)
    return f"{r[0]}–{r[1]}" if len(r) == 2 else fmt.DASH


def _ratio(a: Any, b: Any) -> str:
    x, y = fmt.number(a), fmt.number(b)
    return fmt.DASH if x is None or not y else f"{x / y:.3f}"


def bins_text(bins: Any, bits: Any) -> str:
    if fmt.number(bins) is None:
        return fmt.DASH
    b = fmt.number(bits)
    return f"{int(bins)} ({b:.2f} bits)" if b is not None else str(int(bins))


def _energy(e: Any) -> str:
    if not isinstance(e, Mapping):
        return fmt.DASH
    text = fmt.value("energy_per_cycle_J", e)
    cycles = e.get("cycles")
    return f"{text} (over {cycles} cycles)" if cycles else text


#: A file of many devices shows the spread, one overview row per device and the simulated device's tables.
MAX_DEVICE_TABLES = 3


def _spread_blocks(run: RunContents) -> list[Block]:
    """The device-to-device spread measured over the devices of the characterized files."""
    spread = run.device_to_device
    if not spread:
        return []
    by_phase = spread.get("slope_rel_std_by_phase") or {}
    rows = [
        ("devices", fmt.value("devices", spread.get("devices"))),
        ("slope (conductance step), relative std", fmt.fixed(spread.get("slope_rel_std"), ".3g", 100.0, "%")),
        *(
            (f"  {p}", fmt.fixed(by_phase.get(p), ".3g", 100.0, "%"))
            for p in ("potentiation", "depression")
            if p in by_phase
        ),
        ("reachable range, relative std", fmt.fixed(spread.get("range_rel_std"), ".3g", 100.0, "%")),
    ]
    if run.devices_skipped:
        rows.append(("devices skipped (no usable linear range)", str(len(run.devices_skipped))))
    return [
        Table(
            header=("device-to-device variation, measured", "value"),
            rows=tuple(rows),
            caption="spread over the devices of the measurement files (the paper had to assume 30 %); "
            "slopes fitted over the representative device's linear range",
        )
    ]


def _devices_overview(items: Sequence[tuple[str, Mapping[str, Any]]]) -> Table:
    def phase(ch: Mapping[str, Any], p: str) -> Mapping[str, Any]:
        got = ch.get(p)
        return got if isinstance(got, Mapping) else {}

    slopes_p = si_row(
        [fmt.number(phase(c, "potentiation").get("slope_S_per_pulse")) for _, c in items], "S", 3
    )
    slopes_d = si_row([fmt.number(phase(c, "depression").get("slope_S_per_pulse")) for _, c in items], "S", 3)
    sigmas = si_row([fmt.number(c.get("sigma_mean_S")) for _, c in items], "S", 3)
    rows = tuple(
        (
            name,
            f"{phase(ch, 'potentiation').get('levels', fmt.DASH)} / {phase(ch, 'depression').get('levels', fmt.DASH)}",
            bins_text(ch.get("bins"), ch.get("bits")),
            sp,
            sd,
            sg,
        )
        for (name, ch), sp, sd, sg in zip(items, slopes_p, slopes_d, sigmas, strict=True)
    )
    return Table(
        header=("device", "levels P / D", "bins", "slope P", "slope D", "mean σ"),
        rows=rows,
        caption=f"{len(items)} characterized devices",
    )


def chosen_device(run: RunContents) -> str | None:
    """The device the run simulated (its device.toml's name), if the folder has one."""
    if run.device_toml is None:
        return None
    for line in run.device_toml.splitlines():
        if line.startswith("name = "):
            return line.split("=", 1)[1].strip().strip('"')
    return None


def characterization_section(
    run: RunContents, figures: Sequence[Figure], omitted: list[str]
) -> Section | None:
    """The measured devices: their spread, an overview of many, and the figures of merit of each shown."""
    if not run.characterization:
        if run.is_experiment:
            omitted.append(
                "Characterization: no characterization.json in this folder (the device came from a preset "
                "or a device file; `memtwin characterize` measures one)."
            )
        return figure_section("characterization", "Device characterization", figures)
    blocks: list[Block] = []
    blocks += _spread_blocks(run)
    shown = list(run.characterization.items())
    if len(shown) > MAX_DEVICE_TABLES:
        blocks.append(_devices_overview(shown))
        chosen = chosen_device(run)
        shown = [(n, c) for n, c in shown if n == chosen] or shown[:1]
    for name, ch in shown:
        blocks += _one_device(name, ch)
    blocks += figures
    return Section("characterization", "Device characterization", blocks)


def _one_device(name: str, ch: Mapping[str, Any]) -> list[Block]:
    """One characterized device: each phase's figures of merit, and the device's as a whole."""
    blocks: list[Block] = []
    if any((ch.get(p) or {}).get("sigma_source") == "fit_residuals" for p in ("potentiation", "depression")):
        blocks.append(
            Paragraph(
                f"{name}: one ramp per phase, so σ is the spread of the residuals around the linear fit; "
                "it mixes cycle-to-cycle noise with non-linearity (an upper bound on the former).",
                "warning",
            )
        )
    phases = {p: ch[p] if isinstance(ch.get(p), Mapping) else {} for p in ("potentiation", "depression")}
    source = f" from {ch['source']}" if ch.get("source") else ""
    cycles = f", {ch['cycles']} cycles" if ch.get("cycles") else ""
    g_range = si_row([fmt.number(ch.get("g_min_S")), fmt.number(ch.get("g_max_S"))], "S")
    whole = (
        ("distinguishable differential bins", bins_text(ch.get("bins"), ch.get("bits"))),
        ("mean σ of all levels", fmt.si(ch.get("sigma_mean_S"), "S")),
        ("symmetry (|slope| min / max)", fmt.fixed(ch.get("symmetry"), ".4f")),
        ("ON/OFF ratio", fmt.fixed(ch.get("on_off_ratio"), ".4g")),
        ("conductance range", " – ".join(g_range)),
        ("programming energy per cycle", _energy(ch.get("energy_per_cycle_J"))),
        ("max programming voltage", fmt.fixed(ch.get("max_programming_voltage_V"), ".3g", unit="V")),
    )
    return [
        *blocks,
        Table(
            header=("per programming mode", "potentiation", "depression"),
            rows=_phase_rows(phases["potentiation"], phases["depression"]),
            caption=f"{name}{cycles}{source}: figures of merit of each phase's linear range",
        ),
        Table(header=("device", "value"), rows=whole, caption=f"{name}: the device as a whole"),
    ]


# -------------------------------------------------------------------------------------- device
def device_section(run: RunContents, omitted: list[str]) -> Section | None:
    if run.device_toml is None:
        if run.is_experiment:
            name = (run.config or {}).get("device") or (run.results or {}).get("device")
            used = f" (the run used device {name!r}; see the configuration)" if name else ""
            omitted.append(f"Device model: no device.toml in this folder{used}.")
        return None
    blocks: list[Block] = []
    try:
        from memtwin.devices import DeviceModel

        model = DeviceModel.from_toml_str(run.device_toml, source="device.toml")
    except Exception as exc:  # a broken device file must not stop the report
        blocks.append(Paragraph(f"device.toml could not be read as a device model: {exc}", "warning"))
    else:
        blocks += _device_tables(model.key_figures(), model.drift.to_dict(), model.citation)
    blocks.append(
        Collapsed(
            "device.toml (verbatim)",
            (Verbatim(run.device_toml, "device.toml", "toml", run.path / "device.toml"),),
        )
    )
    return Section("device", "Device model", blocks)


def _device_tables(kf: Mapping[str, Any], drift: Mapping[str, Any], citation: str) -> list[Block]:
    modes = [m for m in ("potentiation", "depression") if isinstance(kf.get(m), Mapping)]

    def per_mode(get: Callable[[Mapping[str, Any]], str]) -> tuple[str, ...]:
        return tuple(get(kf[m]) for m in modes)

    per = Table(
        header=("per programming mode", *modes),
        rows=(
            ("levels", *per_mode(lambda m: fmt.value("levels", m.get("levels")))),
            (
                "pulses per level",
                *per_mode(lambda m: fmt.value("pulses_per_level", m.get("pulses_per_level", 1))),
            ),
            ("bins of a pair (bits)", *per_mode(lambda m: bins_text(m.get("bins"), m.get("bits")))),
            ("bin width", *si_row([fmt.number(kf[m].get("bin_width_S")) for m in modes], "S")),
            ("mean σ", *si_row([fmt.number(kf[m].get("sigma_mean_S")) for m in modes], "S")),
            ("σ / bin width", *per_mode(lambda m: fmt.fixed(m.get("sigma_over_bin_width"), ".3f"))),
        ),
        caption=f"{kf.get('name', 'device')}: the levels each weight is programmed to",
    )
    measured_over = fmt.number(kf.get("d2d_measured_over")) or 0
    spread_note = f" (measured over {int(measured_over)} devices)" if measured_over else ""
    rows = [
        ("distinguishable differential bins", bins_text(kf.get("bins"), kf.get("bits"))),
        ("ON/OFF ratio", fmt.fixed(kf.get("on_off_ratio"), ".4g")),
        ("device-to-device spread of the step", fmt.fixed(kf.get("d2d_update"), ".3g", 100.0, "%")),
        ("device-to-device spread of the bounds", fmt.fixed(kf.get("d2d_bounds"), ".3g", 100.0, "%")),
        ("max programming voltage", fmt.fixed(kf.get("max_voltage_V"), ".3g", unit="V")),
        ("programming energy per cycle", fmt.si(kf.get("energy_per_cycle_J"), "J")),
        ("drift model", text_of(drift.get("kind", kf.get("drift", fmt.DASH)))),
    ]
    if spread_note:
        rows.append(("device-to-device spread measured", spread_note.strip(" ()")))
    whole = Table(header=("device", "value"), rows=tuple(rows), caption="variability, limits, drift")
    blocks: list[Block] = [per, whole]
    params = [(_unit_key(k), fmt.with_unit(k, v)) for k, v in drift.items() if k != "kind"]
    if params:
        blocks.append(Table(header=("drift parameter", "value"), rows=tuple(params), caption="drift model"))
    if citation:
        blocks.append(Paragraph(f"Source of the device parameters: {citation}", "note"))
    return blocks


def _unit_key(key: str) -> str:
    """A parameter name without its SI suffix (the unit is printed with the value)."""
    for suffix in ("_S", "_J", "_V"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key
