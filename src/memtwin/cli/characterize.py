"""``memtwin characterize``: pulse-train files in; a summary table, ``characterization.json`` and the
Fig. 2(d)(e)(f) figures out."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeAlias, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from memtwin.characterization import (
    Characterization,
    CharacterizedDevices,
    LinearRangeCriteria,
    characterizations_to_dict,
    characterize_devices,
    write_characterizations,
)
from memtwin.characterization.levels import FIT_RESIDUALS
from memtwin.characterization.spread import DeviceToDevice
from memtwin.cli import loading
from memtwin.cli.flags import with_flags
from memtwin.errors import MeasurementWarning
from memtwin.experiments.devices import name_unnamed
from memtwin.measurements.table import PulseTable
from memtwin.siformat import si, si_row

T = TypeVar("T")


def _parse_range(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*[-:]\s*(\d+)\s*", text)
    if not m or int(m.group(1)) >= int(m.group(2)):
        raise typer.BadParameter(
            f"{text!r}: expected FIRST-LAST pulse numbers, e.g. 3-18", param_hint="--linear-range"
        )
    return int(m.group(1)), int(m.group(2))


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "device"


def _fmt(x: float | None, fmt: str, scale: float = 1.0) -> str:
    if x is None or x != x:  # None or NaN
        return "—"
    return format(x * scale, fmt)


def summary_tables(result: Characterization) -> list[Table]:
    """One device's figures of merit, each quantity with its own SI prefix: per phase, then the device."""
    p, d = result.potentiation, result.depression
    phases = Table(
        title=f"{result.device}: {result.cycles} cycle{'s' if result.cycles != 1 else ''} from {result.source}",
        title_justify="left",
    )
    phases.add_column("per phase")
    phases.add_column("potentiation", justify="right")
    phases.add_column("depression", justify="right")
    pair = [p, d]
    rows: list[tuple[str, list[str]]] = [
        ("linear range (pulses)", [f"{ph.linear_range[0]}–{ph.linear_range[1]}" for ph in pair]),
        ("levels (pulses per level)", [f"{ph.levels} ({ph.pulses_per_level})" for ph in pair]),
        ("slope per pulse", si_row([ph.slope_S_per_pulse for ph in pair], "S", signed=True)),
        ("bin width (level spacing)", si_row([ph.bin_width_S for ph in pair], "S")),
        ("R² of the fit (per pulse)", [_fmt(ph.r2, ".5f") for ph in pair]),
        ("range judged on means of", [f"{ph.range_smoothing_pulses} pulses" for ph in pair]),
        ("mean σ" + (" (fit residuals)" if FIT_RESIDUALS in {p.sigma_source, d.sigma_source} else ""),
         si_row([ph.sigma_mean_S for ph in pair], "S")),
        ("smallest level step / pair σ", [_fmt(ph.min_separation_sigma, ".2f") for ph in pair]),
        ("bins, pair in this mode", [f"{ph.bins} ({ph.bits:.2f} bits)" for ph in pair]),
        ("full-ramp A / P_max", [_fmt(ph.nonlinearity.A_norm, ".2f") for ph in pair]),
    ]  # fmt: skip
    for name, cells in rows:
        phases.add_row(name, *cells)
    e = result.energy_per_cycle_J
    energy = "—"
    if e is not None:
        spread = f" ± {si(e.std, 'J')}" if e.std is not None else ""
        energy = f"{si(e.mean, 'J')}{spread} ({e.method.replace('_', ' ')}, {e.cycles} cycles)"
    device = Table(show_header=True)
    device.add_column("device")
    device.add_column("value", justify="right")
    g_min, g_max = si_row([result.g_min_S, result.g_max_S], "S")
    v_max = result.max_programming_voltage_V
    for name, value in (
        ("bins (+ potentiation, − depression)", f"{result.bins} ({result.bits:.2f} bits)"),
        ("mean σ of all levels", si(result.sigma_mean_S, "S")),
        ("symmetry (|slope| min/max)", _fmt(result.symmetry, ".4f")),
        ("ON/OFF ratio", _fmt(result.on_off_ratio, ".4g")),
        ("conductance range", f"{g_min} – {g_max}"),
        ("energy per cycle", energy),
        ("max programming voltage", "—" if v_max is None else f"{v_max:.3g} V"),
    ):
        device.add_row(name, value)
    return [phases, device]


def spread_table(spread: DeviceToDevice, skipped: int) -> Table:
    """The device-to-device spread measured over the devices of the files."""
    table = Table(title=f"device-to-device variation over {spread.devices} devices", title_justify="left")
    table.add_column("relative std")
    table.add_column("value", justify="right")
    table.add_row("slope (conductance step)", f"{100 * spread.slope_rel_std:.1f} %")
    for phase, value in spread.slope_rel_std_by_phase.items():
        table.add_row(f"  {phase}", f"{100 * value:.1f} %")
    table.add_row("reachable range (G max − G min)", f"{100 * spread.range_rel_std:.1f} %")
    if skipped:
        table.add_row("devices skipped (no usable range)", str(skipped))
    return table


def devices_table(found: CharacterizedDevices) -> Table:
    """One row per device (a file of many devices would print pages of per-device tables)."""
    table = Table(title=f"{len(found.results)} devices", title_justify="left")
    for col in ("device", "levels P/D", "bits", "slope P", "slope D", "mean σ", "R² P/D"):
        table.add_column(col, justify="left" if col == "device" else "right")
    results = list(found.results.values())
    slopes_p = si_row([r.potentiation.slope_S_per_pulse for r in results], "S", 3, signed=True)
    slopes_d = si_row([r.depression.slope_S_per_pulse for r in results], "S", 3, signed=True)
    sigmas = si_row([r.sigma_mean_S for r in results], "S", 3)
    for r, sp, sd, sg in zip(results, slopes_p, slopes_d, sigmas, strict=True):
        table.add_row(
            r.device,
            f"{r.potentiation.levels}/{r.depression.levels}",
            f"{r.bits:.2f}",
            sp,
            sd,
            sg,
            f"{r.potentiation.r2:.3f}/{r.depression.r2:.3f}",
        )
    return table


@contextmanager
def printed_warnings(console: Console) -> Iterator[None]:
    """Data warnings (:class:`MeasurementWarning`) as ``warning:`` lines, not Python warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MeasurementWarning)
        yield
    for item in caught:
        if issubclass(item.category, MeasurementWarning):
            console.print(f"[yellow]warning:[/yellow] {escape(str(item.message))}")
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)


# The linear-range criteria, shared by every command that characterizes (characterize, assess).
MinR2: TypeAlias = Annotated[float, typer.Option("--min-r2", help="Least R² of the linear range's fit.")]
KSigma: TypeAlias = Annotated[
    float,
    typer.Option(
        "--k-sigma",
        help="Neighbouring levels must differ by more than k pair sigmas (pulses are grouped into "
        "levels until they do; 0 counts every pulse).",
    ),
]
MinLevels: TypeAlias = Annotated[
    int, typer.Option("--min-levels", help="Fewest pulses (or smoothing blocks) in a linear range.")
]
LinearRangeFlag: TypeAlias = Annotated[
    str | None,
    typer.Option("--linear-range", help="Fix the range of both phases, FIRST-LAST (e.g. 3-18)."),
]


@dataclass(frozen=True)
class CriteriaFlags:
    """The linear-range criteria of one command line, as typed."""

    min_r2: MinR2 = 0.995
    k_sigma: KSigma = 2.0
    min_levels: MinLevels = 4
    linear_range: LinearRangeFlag = None

    def criteria(self) -> LinearRangeCriteria:
        return LinearRangeCriteria(min_r2=self.min_r2, k_sigma=self.k_sigma, min_levels=self.min_levels)

    def fixed_range(self) -> tuple[int, int] | None:
        """The --linear-range pulses, or None to find the range from the data."""
        return _parse_range(self.linear_range)


def characterize_files(
    paths: list[Path], load: loading.LoadOptions, criteria: CriteriaFlags, console: Console
) -> tuple[PulseTable, CharacterizedDevices]:
    """Read and characterize, printing the layout lines and the data warnings (the shared front of
    ``characterize`` and ``assess``). Bad criteria are refused before any file is read."""
    fixed, rules = criteria.fixed_range(), criteria.criteria()
    table = name_unnamed(loading.load_files(paths, load, console=console), paths)
    with printed_warnings(console):
        found = characterize_devices(table, rules, linear_range=fixed)
    return table, found


Files: TypeAlias = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Measurement files (tidy/wide CSV, XLSX, up/down table); read together.", show_default=False
    ),
]
Out: TypeAlias = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Output folder (default: runs/characterize-STEM, STEM the first file's name without its extension).",
    ),
]
Example: TypeAlias = Annotated[
    bool, typer.Option("--example", help="Use the bundled SYNTHETIC HfS2-like example device.")
]
AsJson: TypeAlias = Annotated[
    bool, typer.Option("--json", help="Print the JSON instead of the summary table.")
]
Figures: TypeAlias = Annotated[
    bool, typer.Option("--figures/--no-figures", help="Write the Fig. 2(d)(e)(f) plots.")
]


@with_flags(CriteriaFlags)
@with_flags(loading.LoadOptions)
def characterize_command(
    files: Files = None,
    out: Out = None,
    example: Example = False,
    *,
    load: loading.LoadOptions,
    criteria: CriteriaFlags,
    as_json: AsJson = False,
    figures: Figures = True,
) -> None:
    """Characterize devices from pulse-train files: linear range, levels, bins, σ, symmetry, energy, and
    the device-to-device spread when the files hold several devices; JSON + figures.

    Several devices: one characterization.json holding {"devices": {name: ...}, "device_to_device": ...},
    figures in a folder each. Devices that cannot be characterized are skipped and listed.
    """
    paths = _input_paths(files, example)
    console = Console(stderr=as_json, highlight=False, soft_wrap=True)
    table, found = characterize_files(paths, load, criteria, console)
    out_dir = out if out is not None else Path("runs") / f"characterize-{paths[0].stem}"
    json_path = write_characterizations(found.results, out_dir / "characterization.json", found.skipped)
    written = _write_figures(table, found, out_dir, console) if figures else []
    if as_json:
        typer.echo(
            json.dumps(characterizations_to_dict(found.results, found.skipped), indent=2, allow_nan=False)
        )
        return
    for summary in _summaries(found):
        console.print(summary)
    console.print(f"wrote {json_path}" + (f" and {len(written)} figure files" if figures else ""))


def _input_paths(files: list[Path] | None, example: bool) -> list[Path]:
    """The files to read: those given, or the bundled example (not both)."""
    from memtwin.data import example_csv_path

    if example and files:
        raise typer.BadParameter("give FILE... or --example, not both", param_hint="FILE")
    if example:
        return [example_csv_path()]
    if files:
        return list(files)
    raise typer.BadParameter("give one or more measurement files, or --example", param_hint="FILE")


def _write_figures(
    table: PulseTable, found: CharacterizedDevices, out_dir: Path, console: Console
) -> list[Path]:
    """Fig. 2(d)(e)(f) of every device: in ``out_dir`` for one device, in a folder each for several."""
    from memtwin.characterization.plots import plot_characterization

    results = found.results
    written: list[Path] = []
    for name, result in _progress(results.items(), len(results), "figures", console):
        fig_dir = out_dir if len(results) == 1 else out_dir / _safe_name(name)
        written += plot_characterization(table.for_device(name), result, fig_dir)
    return written


def _summaries(found: CharacterizedDevices) -> list[Table]:
    """Per-device tables for up to three devices, else one row per device; then the measured spread."""
    results = found.results
    tables = (
        [t for r in results.values() for t in summary_tables(r)]
        if len(results) <= 3
        else [devices_table(found)]
    )
    if found.device_to_device is not None:
        tables.append(spread_table(found.device_to_device, len(found.skipped)))
    return tables


def _progress(items: Iterable[T], total: int, what: str, console: Console) -> Iterable[T]:
    """A progress bar for more than a few devices (a figure set takes about a second)."""
    if total <= 3:
        return items
    from rich.progress import track

    return track(items, total=total, description=what, console=console, transient=True)


def register(app: typer.Typer) -> None:
    """Add ``characterize`` to the ``memtwin`` command."""
    app.command("characterize")(characterize_command)
