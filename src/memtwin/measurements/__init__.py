"""Readers for lab pulse-train files; each returns a validated :class:`PulseTable` in SI units.

``load(path)`` reads one file, ``load_many(paths)`` merges several (e.g. a set and a reset wide
file: the same cycle numbers pair up). Layouts (``format=``):

- ``tidy``: one row per read (:mod:`memtwin.measurements.tidy`);
- ``wide``: one column per ramp, one phase per file (:mod:`memtwin.measurements.wide`);
- ``xlsx``: the signed-pulse-voltage sheet, one column per device (:mod:`memtwin.measurements.signed`);
- ``updown``: a two-column up/down response table (:mod:`memtwin.measurements.updown`).

The container (CSV/TSV text or XLSX workbook) is recognised by content, the layout by the headers
(:mod:`memtwin.measurements.detect`), so e.g. a wide sheet in a workbook also reads. Units in headers
are understood (:mod:`memtwin.measurements.units`); columns without a telling header (all of them
in a file without a header row) are judged by content (:mod:`memtwin.measurements.roles`), so a
constant read voltage or a pulse index is never taken for a device. ``quantity=``, ``columns=``,
``g_range=`` cover what headers do not say; :attr:`PulseTable.layout` says, one line per file,
which layout and column roles were used. Bad input raises
:class:`~memtwin.errors.MeasurementError` naming file, row (as a spreadsheet shows it), column and
value; implausible values warn with :class:`~memtwin.errors.MeasurementWarning`. A table may hold a
single cycle; :func:`require_cycles` / :meth:`PulseTable.check_for_characterization` demand more.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.measurements.checks import caller_stacklevel
from memtwin.measurements.columns import ColumnRef, column_letter, parse_column_spec
from memtwin.measurements.detect import FORMATS, detect_format
from memtwin.measurements.grid import read_grid
from memtwin.measurements.phases import PHASE_VALUES_HELP, phase_of_value
from memtwin.measurements.reading import G_RANGE_HELP, QUANTITIES, Report, Request
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
    "QUANTITIES",
    "REQUIRED_COLUMNS",
    "PulseTable",
    "column_letter",
    "load",
    "load_many",
    "parse_column_spec",
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
    quantity: str | None = None,
    columns: str | Sequence[str] | None = None,
    g_range: tuple[float, float] | Sequence[float] | None = None,
) -> PulseTable:
    """Read one measurement file into a validated :class:`PulseTable` (SI units).

    ``format``: one of :data:`FORMATS` (default: detected). ``phase``: the phase of a wide file (else
    guessed from headers / file name); in other layouts it keeps only that phase. ``device``: the
    device name for wide/up-down files; in tidy layouts it keeps only that device, in signed (xlsx)
    layouts that device column (a name, header, letter ``"C"`` or 1-based number ``"3"``).
    ``read_voltage_V``: turns read currents into conductances where the file has no read voltage
    (an error where the values are conductances or resistances). ``sheet``: XLSX sheet name or
    0-based index, also as text (default: the first). ``pulses_per_cycle``: split columns (wide,
    up/down) or runs of one pulse sign (signed) holding several ramps back to back.

    ``quantity``: what response cells without a unit or telling name hold: ``"conductance"`` (S),
    ``"current"`` (A, with a read voltage) or ``"resistance"`` (ohm); a header's unit or name wins
    and contradicting it is an error. Default: read currents when a read voltage is given, else a
    guess from the magnitudes; both warn. ``columns``: the device (signed), ramp (wide) or up and
    down (up/down) columns, e.g. ``"C:F"``, ``"3-6"``, ``"C,E,G"`` or header names
    (:func:`~memtwin.measurements.columns.parse_column_spec`). ``g_range``: ``(g_min_S, g_max_S)``
    onto which each device's unitless (e.g. normalized) values are mapped linearly, from the
    minimum to the maximum of all its reads.

    :attr:`PulseTable.layout` says in one line which layout and column roles were used.
    """
    req, file = _request(
        path, format, phase, device, read_voltage_V, pulses_per_cycle, quantity, columns, g_range
    )
    return _read(file, req, format, sheet)[0]


def load_many(
    paths: Iterable[PathLike] | PathLike,
    *,
    format: str | None = None,
    phase: str | None = None,
    device: str | None = None,
    read_voltage_V: float | None = None,
    sheet: str | int | None = None,
    pulses_per_cycle: int | None = None,
    quantity: str | None = None,
    columns: str | Sequence[str] | None = None,
    g_range: tuple[float, float] | Sequence[float] | None = None,
) -> PulseTable:
    """Read several files with the same options (see :func:`load`) and merge them into one table.

    Reads of the same device, cycle number and phase pair up across files (a set file's cycle 3
    and a reset file's cycle 3 form cycle 3). A read present in two files is an error. An optional
    column only some files have is dropped, with a :class:`MeasurementWarning`. With ``g_range``, a
    device read from several files is mapped over its span in all of them. The merged ``layout``
    holds one line per file.
    """
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not items:
        raise MeasurementError("no files given", expected="at least one measurement file")
    read = []
    for p in items:
        req, file = _request(
            p, format, phase, device, read_voltage_V, pulses_per_cycle, quantity, columns, g_range
        )
        read.append(_read(file, req, format, sheet))
    if len(read) == 1:
        return read[0][0]
    tables = [t for t, _ in read]
    if g_range is not None:
        tables = _remap(read, tuple(float(g) for g in g_range))  # type: ignore[arg-type]
    return _merge(tables)


def _merge(tables: list[PulseTable]) -> PulseTable:
    """One table of several files' reads (see :func:`load_many`)."""
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
    merged = pd.concat(_qualify_column_names(frames, tables), ignore_index=True)
    _check_one_file_per_read(merged, tables)
    layout = "\n".join(t.layout for t in tables if t.layout)
    return PulseTable.from_frame(merged.drop(columns="_file"), source, layout=layout)


def _check_one_file_per_read(merged: pd.DataFrame, tables: list[PulseTable]) -> None:
    """A read (device, cycle, phase, pulse) in two files raises, naming both files."""
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
            expected="each read in one file only (distinct cycle numbers, or distinct --device names)",
        )


def _request(
    path: PathLike,
    format: str | None,
    phase: str | None,
    device: str | None,
    read_voltage_V: float | None,
    pulses_per_cycle: int | None,
    quantity: str | None,
    columns: str | Sequence[str] | None,
    g_range: tuple[float, float] | Sequence[float] | None,
) -> tuple[Request, str]:
    """Check the options of one load (each error names the CLI flag) and gather them."""
    file = os.fspath(path)
    if not isinstance(file, str):
        file = os.fsdecode(file)
    if format is not None and format not in FORMATS:
        raise MeasurementError(
            "unknown --format", file=file, value=format, expected=f"one of {', '.join(FORMATS)}"
        )
    if pulses_per_cycle is not None and (
        isinstance(pulses_per_cycle, bool) or not isinstance(pulses_per_cycle, int) or pulses_per_cycle < 1
    ):
        raise MeasurementError(
            "invalid --pulses-per-cycle (pulses_per_cycle= in Python)",
            file=file,
            value=pulses_per_cycle,
            expected="a whole number >= 1",
        )
    the_phase, phases = _phase_argument(phase, file)
    req = Request(
        phase=the_phase,
        phases=phases,
        device=None if device is None else str(device),
        read_voltage_V=_read_voltage_argument(read_voltage_V, file),
        pulses_per_cycle=pulses_per_cycle,
        quantity=_quantity_argument(quantity, file),
        columns=None if columns is None else _columns_argument(columns, file),
        g_range=None if g_range is None else _g_range_argument(g_range, file),
    )
    return req, file


def _read(file: str, req: Request, format: str | None, sheet: str | int | None) -> tuple[PulseTable, Report]:
    p = Path(file)
    if not p.exists():
        raise MeasurementError("no such file", file=file, expected="an existing .csv or .xlsx file")
    if p.is_dir():
        raise MeasurementError("this is a directory, not a file", file=file, expected="a .csv or .xlsx file")
    grid = read_grid(p, file, sheet)
    for note in grid.notes:
        if "skipped" in note:
            warnings.warn(f"{file}: {note}", MeasurementWarning, stacklevel=caller_stacklevel())
    fmt = format or detect_format(grid, req)
    if req.pulses_per_cycle is not None and fmt == "tidy":
        raise MeasurementError(
            "--pulses-per-cycle does not apply to the tidy layout",
            file=file,
            value=req.pulses_per_cycle,
            expected="--pulses-per-cycle only for wide, up/down or signed (xlsx) files",
        )
    if req.phases is not None and fmt != "wide":
        raise MeasurementError(
            f"--phase {','.join(req.phases)} (ramps in turn) applies only to the wide layout, not {fmt}",
            file=file,
            value=",".join(req.phases),
            expected="one phase for this layout, or --format wide",
        )
    report = Report(grid)
    reader = {"tidy": read_tidy, "xlsx": read_signed, "updown": read_updown}.get(fmt, read_wide)
    return reader(grid, req, report), report


def _remap(read: list[tuple[PulseTable, Report]], g_range: tuple[float, float]) -> list[PulseTable]:
    """Map a device's values over its span in every file, not file by file (see :func:`load_many`)."""
    g_min, g_max = g_range
    overall: dict[str, tuple[float, float]] = {}
    for _, report in read:
        for name, (lo, hi) in report.spans.items():
            a, b = overall.get(name, (lo, hi))
            overall[name] = (min(a, lo), max(b, hi))
    out = []
    for table, report in read:
        frame = table.frame.copy()
        for name, (lo, hi) in report.spans.items():
            low, high = overall[name]
            mine = (frame["device"] == name).to_numpy()
            raw = lo + (frame.loc[mine, "conductance_S"] - g_min) / (g_max - g_min) * (hi - lo)
            frame.loc[mine, "conductance_S"] = g_min + (raw - low) / (high - low) * (g_max - g_min)
        out.append(PulseTable(frame=frame, source=table.source, layout=table.layout))
    return out


def _read_voltage_argument(value: float | None, file: str) -> float | None:
    if value is None:
        return None
    try:
        volts = float(value)
    except (TypeError, ValueError):
        volts = math.nan
    if not math.isfinite(volts) or volts == 0:
        raise MeasurementError(
            "invalid --read-voltage (read_voltage_V= in Python)",
            file=file,
            value=value,
            expected="a finite, non-zero voltage in V",
        )
    return volts


def _quantity_argument(value: str | None, file: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text not in QUANTITIES:
        raise MeasurementError(
            "unknown --quantity (quantity= in Python)",
            file=file,
            value=value,
            expected=f"one of {', '.join(QUANTITIES)}",
        )
    return text


def _columns_argument(value: str | Sequence[str], file: str) -> tuple[ColumnRef, ...]:
    try:
        return parse_column_spec(value)
    except MeasurementError as exc:
        raise MeasurementError(exc.reason, file=file, value=exc.value, expected=exc.expected) from None


def _g_range_argument(value: tuple[float, float] | Sequence[float], file: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        raise MeasurementError("invalid --g-range", file=file, value=value, expected=G_RANGE_HELP)
    return low, high


def _qualify_column_names(frames: list[pd.DataFrame], tables: list[PulseTable]) -> list[pd.DataFrame]:
    """Devices named after their column position ("column C") whose ramps (same cycle and phase) are in
    several files are different devices (two chips measured the same way): prefix them with their file's
    name so they stay apart. A set file and a reset file of the same columns still pair up."""
    seen: dict[tuple[str, int, str], int] = {}
    repeated: set[str] = set()
    for k, frame in enumerate(frames):
        auto = frame[frame["device"].str.startswith("column ")]
        for device, cycle, phase in (
            auto[["device", "cycle", "phase"]].drop_duplicates().itertuples(index=False)
        ):
            if seen.setdefault((device, cycle, phase), k) != k:
                repeated.add(device)
    if not repeated:
        return frames
    out = []
    for frame, table in zip(frames, tables, strict=True):
        stem = Path(table.source).stem
        renamed = frame["device"].map(lambda d, s=stem: f"{s} {d}" if d in repeated else d)
        out.append(frame.assign(device=renamed))
    return out


def _phase_argument(phase: str | None, file: str) -> tuple[str | None, tuple[str, ...] | None]:
    """One phase, or two (``"up,down"``) that successive ramps of a wide column take in turn."""
    if phase is None:
        return None, None
    words = str(phase).split(",")
    canonical = [phase_of_value(w) for w in words]
    if any(c is None for c in canonical):
        raise MeasurementError(
            "unknown --phase (phase= in Python)",
            file=file,
            value=phase,
            expected=PHASE_VALUES_HELP + "; or two of them, comma-separated, for ramps in turn",
        )
    if len(canonical) == 1:
        return canonical[0], None
    if len(canonical) != 2 or canonical[0] == canonical[1]:
        raise MeasurementError(
            "--phase names ramps in turn as two different phases",
            file=file,
            value=phase,
            expected="e.g. --phase up,down or --phase depression,potentiation",
        )
    return None, tuple(c for c in canonical if c is not None)
