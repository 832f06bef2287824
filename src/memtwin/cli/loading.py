"""Command-line options shared by every command that reads measurement files (``characterize``,
``assess``, ``retention``...): one place for their help texts and parsing, so ``--columns C:F`` or
``--g-range 1e-6,1e-4`` mean the same everywhere, and one :func:`load_files` that reads the files
and tells the user, one line per file, which layout and column roles were used.

A command takes the options as one :class:`LoadOptions` (see :func:`memtwin.cli.flags.with_flags`)::

    from memtwin.cli import loading
    from memtwin.cli.flags import with_flags

    @with_flags(loading.LoadOptions)
    def characterize(files: list[Path], load: loading.LoadOptions) -> None:
        table = loading.load_files(files, load)

Help texts are rich markup: a literal ``[`` is written ``\\[``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeAlias

import typer
from rich.console import Console
from rich.markup import escape

from memtwin.errors import MeasurementWarning
from memtwin.measurements import FORMATS, QUANTITIES, PulseTable, load_many

FORMAT_HELP = f"File layout: {', '.join(FORMATS)} (xlsx = signed pulse voltage, in any container) \\[default: detected]."
PHASE_HELP = (
    "Phase of single-phase files (potentiation/depression, set/reset, up/down...); in files with both, "
    "keep only this one. Two phases, e.g. up,down, with --pulses-per-cycle: a column's ramps take them in turn."
)
DEVICE_HELP = (
    "Tidy files: keep this device. Signed-pulse sheets: this device column (name, header, letter C or "
    "number 3). Wide and up/down files: the name to give the device."
)
COLUMNS_HELP = (
    "Which columns are devices (signed sheets), ramps (wide) or up,down (up/down): letters (C, AA), 1-based "
    "numbers (3), ranges (C:F, 3-6) or header names, comma-separated."
)
SHEET_HELP = "XLSX sheet: its name or 0-based index \\[default: the first]."
PULSES_PER_CYCLE_HELP = (
    "Pulses per ramp, to split columns (wide, up/down) or runs of one pulse sign (signed) that hold "
    "several ramps back to back."
)
QUANTITY_HELP = (
    f"What response cells without a unit in their header hold: {', '.join(QUANTITIES)} (in S, A, ohm). "
    "A header unit (G (uS), I (uA), R (kOhm)) wins. Default: read currents if a read voltage is given, "
    "else a guess from the magnitudes, with a warning."
)
READ_VOLTAGE_HELP = (
    "Read voltage in V, for files holding read currents (G = |I / V|) without a read-voltage column."
)
G_RANGE_HELP = (
    "GMIN,GMAX in S (e.g. 1e-6,1e-4 or 1u,100u): map each device's unitless (normalized) values, from "
    "their minimum to their maximum, linearly onto this conductance range."
)

Format: TypeAlias = Annotated[str | None, typer.Option("--format", help=FORMAT_HELP)]
Phase: TypeAlias = Annotated[str | None, typer.Option("--phase", help=PHASE_HELP)]
Device: TypeAlias = Annotated[str | None, typer.Option("--device", help=DEVICE_HELP)]
Columns: TypeAlias = Annotated[str | None, typer.Option("--columns", help=COLUMNS_HELP, metavar="SPEC")]
Sheet: TypeAlias = Annotated[str | None, typer.Option("--sheet", help=SHEET_HELP)]
PulsesPerCycle: TypeAlias = Annotated[
    int | None, typer.Option("--pulses-per-cycle", min=1, help=PULSES_PER_CYCLE_HELP)
]
Quantity: TypeAlias = Annotated[str | None, typer.Option("--quantity", help=QUANTITY_HELP)]
ReadVoltage: TypeAlias = Annotated[float | None, typer.Option("--read-voltage", help=READ_VOLTAGE_HELP)]
GRange: TypeAlias = Annotated[str | None, typer.Option("--g-range", help=G_RANGE_HELP, metavar="GMIN,GMAX")]
QuietLayout: TypeAlias = Annotated[
    bool, typer.Option("--quiet-layout", help="Do not print the layout found in each file.")
]

_PREFIX = {"": 1.0, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "m": 1e-3}
_SIEMENS = re.compile(
    r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<prefix>[fpnuµμm]?)\s*S?$"
)


@dataclass(frozen=True)
class LoadOptions:
    """The measurement-reading flags of one command line, as typed (see the aliases above)."""

    format: Format = None
    phase: Phase = None
    device: Device = None
    columns: Columns = None
    sheet: Sheet = None
    pulses_per_cycle: PulsesPerCycle = None
    quantity: Quantity = None
    read_voltage: ReadVoltage = None
    g_range: GRange = None

    def load_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`memtwin.measurements.load_many`; bad flags raise BadParameter."""
        quantity = None if self.quantity is None else self.quantity.strip().lower()
        if quantity is not None and quantity not in QUANTITIES:
            raise typer.BadParameter(
                f"{self.quantity!r}: expected one of {', '.join(QUANTITIES)}", param_hint="--quantity"
            )
        if self.format is not None and self.format not in FORMATS:
            raise typer.BadParameter(
                f"{self.format!r}: expected one of {', '.join(FORMATS)}", param_hint="--format"
            )
        return {
            "format": self.format,
            "phase": self.phase,
            "device": self.device,
            "columns": self.columns,
            "sheet": self.sheet,
            "pulses_per_cycle": self.pulses_per_cycle,
            "quantity": quantity,
            "read_voltage_V": self.read_voltage,
            "g_range": parse_g_range(self.g_range),
        }


def parse_g_range(text: str | None) -> tuple[float, float] | None:
    """``"1e-6,1e-4"``, ``"1u,100u"`` or ``"1uS, 100uS"`` → ``(1e-6, 1e-4)`` in S; None stays None."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    values = [_siemens(p) for p in parts] if len(parts) == 2 else []
    if len(values) != 2 or any(v is None for v in values):
        raise typer.BadParameter(
            f"{text!r}: expected GMIN,GMAX in S, e.g. 1e-6,1e-4 or 1u,100u", param_hint="--g-range"
        )
    low, high = (float(v) for v in values if v is not None)
    if not 0 < low < high:
        raise typer.BadParameter(f"{text!r}: expected 0 < GMIN < GMAX", param_hint="--g-range")
    return low, high


def _siemens(text: str) -> float | None:
    match = _SIEMENS.match(text)
    if match is None:
        return None
    value = float(match["number"]) * _PREFIX[match["prefix"]]
    return value if value == value and abs(value) != float("inf") else None


def load_files(
    paths: Sequence[Path | str],
    options: LoadOptions,
    *,
    console: Console | None = None,
    quiet: bool = False,
) -> PulseTable:
    """Read ``paths`` with ``options`` (one table); print each file's layout line and the warnings.

    Printed to stderr by default, so a command's ``--json`` output on stdout stays clean. Warnings
    about the data (:class:`MeasurementWarning`) are printed as ``warning: ...`` lines, not as
    Python warnings; ``quiet`` keeps the layout lines (not the warnings) off.
    """
    out = console or Console(stderr=True, soft_wrap=True, highlight=False)
    kwargs = options.load_kwargs()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MeasurementWarning)
        table = load_many(list(paths), **kwargs)
    if not quiet:
        for line in table.layout.splitlines():
            out.print(f"[bold]read[/bold] {escape(line)}")
    for item in caught:
        if issubclass(item.category, MeasurementWarning):
            out.print(f"[yellow]warning:[/yellow] {escape(str(item.message))}")
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    return table
