"""Readers for lab pulse-train files; each returns a validated :class:`PulseTable` in SI units.

``load(path)`` reads one file, ``load_many(paths)`` merges several (e.g. a set and a reset wide
file: the same cycle numbers pair up). Layouts (``format=``):

- ``tidy``: one row per read (:mod:`memtwin.measurements.tidy`);
- ``wide``: one column per ramp, one phase per file (:mod:`memtwin.measurements.wide`);
- ``xlsx``: the signed-pulse-voltage sheet, one column per device (:mod:`memtwin.measurements.signed`);
- ``updown``: a two-column up/down response table (:mod:`memtwin.measurements.updown`).

The container (CSV/TSV text or XLSX workbook) is recognised by content, the layout by the headers
(:mod:`memtwin.measurements.detect`), so e.g. a wide sheet in a workbook also reads. Units in headers
are understood (:mod:`memtwin.measurements.units`). Bad input raises
:class:`~memtwin.errors.MeasurementError` naming file, row (as a spreadsheet shows it), column and
value; implausible values warn with :class:`~memtwin.errors.MeasurementWarning`. A table may hold a
single cycle; :func:`require_cycles` / :meth:`PulseTable.check_for_characterization` demand more.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.measurements.checks import caller_stacklevel
from memtwin.measurements.detect import FORMATS, detect_format
from memtwin.measurements.grid import read_grid
from memtwin.measurements.phases import PHASE_VALUES_HELP, phase_of_value
from memtwin.measurements.signed import read_signed
from memtwin.measurements.table import (
    DEPRESSION,
    OPTIONAL_COLUMNS,
    PHASES,
    POTENTIATION,
    REQUIRED_COLUMNS,
    PulseTable,
    require_cycles,
)
from memtwin.measurements.tidy import read_tidy
from memtwin.measurements.updown import read_updown
from memtwin.measurements.wide import read_wide

PathLike = str | os.PathLike[str]

__all__ = [
    "DEPRESSION",
    "FORMATS",
    "OPTIONAL_COLUMNS",
    "PHASES",
    "POTENTIATION",
    "REQUIRED_COLUMNS",
    "PulseTable",
    "load",
    "load_many",
    "require_cycles",
]


def load(
    path: PathLike,
    *,
    format: str | None = None,
    phase: str | None = None,
    device: str | None = None,
    read_voltage_V: float | None = None,
    sheet: str | int | None = None,
    pulses_per_cycle: int | None = None,
) -> PulseTable:
    """Read one measurement file into a validated :class:`PulseTable` (SI units).

    ``format``: one of :data:`FORMATS` (default: detected). ``phase``: the phase of a wide file (else
    guessed from headers / file name); in other layouts it keeps only that phase. ``device``: the
    device name for wide/up-down files; in tidy/xlsx layouts it keeps only that device.
    ``read_voltage_V``: turns read currents into conductances where the file has no read voltage.
    ``sheet``: XLSX sheet name or 0-based index (default: the first). ``pulses_per_cycle``: split
    columns holding several ramps back to back (wide and up/down layouts).
    """
    file = os.fspath(path)
    if not isinstance(file, str):
        file = os.fsdecode(file)
    if format is not None and format not in FORMATS:
        raise MeasurementError(
            "unknown format", file=file, value=format, expected=f"one of {', '.join(FORMATS)}"
        )
    the_phase = _phase_argument(phase, file)
    if device is not None:
        device = str(device)
    if read_voltage_V is not None:
        try:
            read_voltage_V = float(read_voltage_V)
        except (TypeError, ValueError):
            read_voltage_V = math.nan
        if not math.isfinite(read_voltage_V) or read_voltage_V == 0:
            raise MeasurementError(
                "invalid read_voltage_V",
                file=file,
                value=read_voltage_V,
                expected="a finite, non-zero voltage in V",
            )
    if pulses_per_cycle is not None and (
        isinstance(pulses_per_cycle, bool) or not isinstance(pulses_per_cycle, int) or pulses_per_cycle < 1
    ):
        raise MeasurementError(
            "invalid pulses_per_cycle", file=file, value=pulses_per_cycle, expected="a whole number >= 1"
        )

    p = Path(file)
    if not p.exists():
        raise MeasurementError("no such file", file=file, expected="an existing .csv or .xlsx file")
    if p.is_dir():
        raise MeasurementError("this is a directory, not a file", file=file, expected="a .csv or .xlsx file")
    grid = read_grid(p, file, sheet)
    fmt = format or detect_format(grid)
    if pulses_per_cycle is not None and fmt not in ("wide", "updown"):
        raise MeasurementError(
            f"pulses_per_cycle= does not apply to the {fmt} layout",
            file=file,
            value=pulses_per_cycle,
            expected="pulses_per_cycle only for wide or up/down files",
        )
    if fmt == "tidy":
        return read_tidy(grid, phase=the_phase, device=device, read_voltage_V=read_voltage_V)
    if fmt == "xlsx":
        return read_signed(grid, phase=the_phase, device=device, read_voltage_V=read_voltage_V)
    if fmt == "updown":
        return read_updown(
            grid,
            phase=the_phase,
            device=device,
            read_voltage_V=read_voltage_V,
            pulses_per_cycle=pulses_per_cycle,
        )
    return read_wide(
        grid, phase=the_phase, device=device, read_voltage_V=read_voltage_V, pulses_per_cycle=pulses_per_cycle
    )


def load_many(
    paths: Iterable[PathLike] | PathLike,
    *,
    format: str | None = None,
    phase: str | None = None,
    device: str | None = None,
    read_voltage_V: float | None = None,
    sheet: str | int | None = None,
    pulses_per_cycle: int | None = None,
) -> PulseTable:
    """Read several files with the same options and merge them into one table.

    Reads of the same device, cycle number and phase pair up across files (a set file's cycle 3
    and a reset file's cycle 3 form cycle 3). A read present in two files is an error. An optional
    column only some files have is dropped, with a :class:`MeasurementWarning`.
    """
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not items:
        raise MeasurementError("no files given", expected="at least one measurement file")
    tables = [
        load(
            p,
            format=format,
            phase=phase,
            device=device,
            read_voltage_V=read_voltage_V,
            sheet=sheet,
            pulses_per_cycle=pulses_per_cycle,
        )
        for p in items
    ]
    if len(tables) == 1:
        return tables[0]
    source = ", ".join(t.source for t in tables)
    shared = [c for c in OPTIONAL_COLUMNS if all(c in t.frame.columns for t in tables)]
    partial = [c for c in OPTIONAL_COLUMNS if c not in shared and any(c in t.frame.columns for t in tables)]
    if partial:
        warnings.warn(
            f"{source}: column(s) {', '.join(partial)} are missing from some files and were dropped",
            MeasurementWarning,
            stacklevel=caller_stacklevel(),
        )
    frames = [t.frame[[*REQUIRED_COLUMNS, *shared]].assign(_file=k) for k, t in enumerate(tables)]
    merged = pd.concat(frames, ignore_index=True)
    key = ["device", "cycle", "phase", "pulse"]
    dup = merged.duplicated(subset=key).to_numpy()
    if dup.any():
        i = int(dup.argmax())
        row = merged.iloc[i]
        first = merged[(merged[key] == row[key]).all(axis=1)].iloc[0]
        raise MeasurementError(
            f"device {row['device']!r}, {row['phase']} cycle {row['cycle']} pulse {row['pulse']} "
            f"is also in {tables[int(first['_file'])].source}",
            file=tables[int(row["_file"])].source,
            column="cycle",
            value=int(row["cycle"]),
            expected="each read in one file only (distinct cycle numbers, or distinct device=)",
        )
    return PulseTable.from_frame(merged.drop(columns="_file"), source)


def _phase_argument(phase: str | None, file: str) -> str | None:
    if phase is None:
        return None
    canonical = phase_of_value(phase)
    if canonical is None:
        raise MeasurementError("unknown phase= argument", file=file, value=phase, expected=PHASE_VALUES_HELP)
    return canonical
