"""``memtwin retention``: retention files in; drift fits, ``retention.json``, ``drift.toml`` and a figure out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import typer
from rich.console import Console
from rich.table import Table

from memtwin.cli.flags import with_flags
from memtwin.cli.options import csv_list

if TYPE_CHECKING:
    from memtwin.retention import RetentionOptions

MODEL_HELP = (
    "Drift model written to drift.toml: power_law or log_time \\[default: the better R² over all states]."
)

Files: TypeAlias = Annotated[
    list[Path],
    typer.Argument(
        help="Retention files (CSV or XLSX): conductance/current/resistance against time.", show_default=False
    ),
]
Out: TypeAlias = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Output folder \\[default: runs/retention-STEM, STEM the first file's name without its extension].",
    ),
]
Model: TypeAlias = Annotated[str | None, typer.Option("--model", help=MODEL_HELP)]
Quantity: TypeAlias = Annotated[
    str | None,
    typer.Option(
        "--quantity",
        help="conductance, current or resistance: what value columns without a unit hold (in S, A, Ohm), "
        "or which kind of column to use when a file has several.",
    ),
]
Unit: TypeAlias = Annotated[
    str | None, typer.Option("--unit", help="Unit of value columns whose header has none, e.g. uS, nA, kOhm.")
]
ReadVoltage: TypeAlias = Annotated[
    float | None,
    typer.Option("--read-voltage", help="Read voltage in V for currents (G = |I/V|) when the file has none."),
]
TimeUnit: TypeAlias = Annotated[
    str | None,
    typer.Option("--time-unit", help="Unit of a time column whose header has none: s, ms, us, min, h, d."),
]
TimeColumn: TypeAlias = Annotated[
    str | None, typer.Option("--time-column", help="The time column: header, letter (A) or 1-based number.")
]
Columns: TypeAlias = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="Value columns to use: headers, letters (C), 1-based numbers (3) or ranges (C:F, 3-6), comma-separated.",
    ),
]
States: TypeAlias = Annotated[
    str | None, typer.Option("--state", help="Comma-separated states to keep (default: all).")
]
Sheet: TypeAlias = Annotated[str | None, typer.Option("--sheet", help="Workbook sheet (default: the first).")]
T0: TypeAlias = Annotated[
    float, typer.Option("--t0", help="Onset time scale t0 of both models, s (kept fixed in the fit).")
]
AsJson: TypeAlias = Annotated[bool, typer.Option("--json", help="Print retention.json instead of the table.")]
Figures: TypeAlias = Annotated[
    bool, typer.Option("--figures/--no-figures", help="Write the figure (PNG + SVG).")
]


@dataclass(frozen=True)
class RetentionFlags:
    """How to read the retention files, as typed (see :class:`memtwin.retention.RetentionOptions`)."""

    quantity: Quantity = None
    unit: Unit = None
    read_voltage: ReadVoltage = None
    time_unit: TimeUnit = None
    time_column: TimeColumn = None
    columns: Columns = None
    state: States = None
    sheet: Sheet = None

    def options(self) -> RetentionOptions:
        from memtwin.retention import RetentionOptions

        columns = csv_list(self.columns)
        states = csv_list(self.state)
        sheet = self.sheet
        return RetentionOptions(
            quantity=self.quantity,
            unit=self.unit,
            time_unit=self.time_unit,
            read_voltage_V=self.read_voltage,
            columns=tuple(columns) if columns else None,
            time_column=self.time_column,
            states=tuple(states) if states else None,
            sheet=int(sheet) if sheet is not None and sheet.isdigit() else sheet,
        )


@with_flags(RetentionFlags)
def retention_command(
    files: Files,
    out: Out = None,
    model: Model = None,
    *,
    read: RetentionFlags,
    t0: T0 = 1.0,
    as_json: AsJson = False,
    figures: Figures = True,
) -> None:
    """Fit drift models to retention data (conductance against time since programming; t = 0 is
    programming) and write retention.json, drift.toml (for --drift) and a figure.

    Layouts: a tidy file (time, value, state column), a wide sheet (time, then one column per state), or
    two columns (time, value). Several files: their states are fitted together.
    """
    from memtwin.retention import fit_retention, read_retention, write_retention

    if model is not None and model not in ("power_law", "log_time"):
        raise typer.BadParameter(f"{model!r}: expected power_law or log_time", param_hint="--model")
    data = read_retention(files, read.options())
    fit = fit_retention(data.series, t0_s=t0)
    out_dir = out if out is not None else Path("runs") / f"retention-{files[0].stem}"
    result = write_retention(data, fit, out_dir, model=model, figures=figures)
    if as_json:
        typer.echo(json.dumps({k: v for k, v in result.items() if k != "written"}, indent=2, allow_nan=False))
        return
    _print_fit(result, out_dir, figures)


def _print_fit(result: dict[str, Any], out_dir: Path, figures: bool) -> None:
    """The fit table, the drift model chosen, the fit's notes and what was written."""
    console = Console()
    console.print(summary_table(result))
    drift = result["drift"]
    params = ", ".join(f"{k} = {v:.4g}" for k, v in drift.items() if k != "kind" and isinstance(v, float))
    console.print(f"drift model: {drift['kind']} ({result['model_chosen_by']}): {params}")
    for note in result["fit_notes"]:
        console.print(f"note: {note}", style="yellow")
    console.print(f"wrote {out_dir / 'retention.json'}, {out_dir / 'drift.toml'}"
                  + (" and the figure (PNG + SVG)" if figures else ""))  # fmt: skip
    console.print(f"use it: memtwin evaluate --drift {out_dir / 'drift.toml'} ...")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:+.3f}"


def _r2(x: float | None) -> str:
    return "—" if x is None else f"{x:.4f}"


def summary_table(result: dict[str, Any]) -> Table:
    """Per state and overall: the power law (PL: nu, its %/decade, R²) and the log-time model (LT: %/decade,
    R²); the overall row gives the spread over states (σ) that goes into drift.toml."""
    table = Table(
        title=f"retention fit, t0 = {result['t0_s']:g} s (t = 0 is programming)", title_justify="left"
    )
    for name, justify in (
        ("state", "left"), ("reads", "right"), ("t (s)", "right"), ("nu ± se", "right"),
        ("PL %/dec", "right"), ("R² PL", "right"), ("LT %/dec", "right"), ("R² LT", "right"),
    ):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in result["states"]:
        p, lt = s["power_law"], s["log_time"]
        table.add_row(
            s["name"],
            str(s["n_points"]),
            f"{s['t_first_s']:.3g}–{s['t_last_s']:.3g}",
            f"{p['nu']:.4g}±{p['nu_se']:.1g}",
            _pct(p["per_decade_change"]),
            _r2(p["r2"]),
            _pct(lt["per_decade_change"]),
            _r2(lt["r2"]),
        )
    p, lt = result["overall"]["power_law"], result["overall"]["log_time"]
    table.add_row(
        f"all ({p['n_states']} states)",
        "",
        "",
        f"{p['nu']:.4g} (σ {p['nu_std']:.2g})",
        _pct(p["per_decade_change"]),
        _r2(p["r2"]),
        f"{_pct(lt['per_decade_change'])} (σ {100 * lt['std_per_decade']:.2g})",
        _r2(lt["r2"]),
        style="bold",
    )
    return table


def register(app: typer.Typer) -> None:
    """Add ``retention`` to the ``memtwin`` command."""
    app.command("retention")(retention_command)
