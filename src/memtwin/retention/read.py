"""Retention files (CSV or XLSX) → :class:`~memtwin.retention.series.RetentionData`, SI inside.

Three layouts, told apart by their columns (headers are read by :func:`memtwin.measurements.units.parse_header`,
so ``t [ms]``, ``time_s``, ``G (uS)``, ``I (nA) @ 0.1 V``, ``R (kOhm)`` all work):

- **tidy**: a time column, one conductance/current/resistance column and a state column (``state``,
  ``level``, ``target``, ``device``, ``cell``...): one series per distinct state;
- **wide**: a time column then one value column per programmed state (blank cells are reads that were
  not taken); each column is a state named after its label;
- **two columns**: time and value, one state named after the file (a headerless file is read this way,
  with ``--time-unit`` and ``--quantity``/``--unit`` saying what the numbers are).

A numpy-style header written as a comment (``# time (s),G (S)``) right above headerless data is used as
the header (:func:`memtwin.measurements.grid.make_grid`). Times are taken as given, **measured from
programming** (t = 0 is the end of the programming pulse).

:mod:`~memtwin.retention.sheet` gives each column its role (time, state, read voltage, reads);
:mod:`~memtwin.retention.cells` turns the cells into series (``G = |I / V_read|``, ``G = 1 / R``; every
bad cell raises :class:`~memtwin.errors.MeasurementError` naming the file, the spreadsheet row, the
column and the value; a state with fewer than :data:`MIN_TIMES` distinct read times is refused); this
module reads the files and names the states.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from memtwin.errors import ConfigError, MeasurementError, MeasurementWarning
from memtwin.measurements.grid import read_grid
from memtwin.measurements.units import parse_header
from memtwin.retention.cells import MIN_TIMES, file_notes, file_series
from memtwin.retention.options import QUANTITIES, TIME_UNITS, RetentionOptions
from memtwin.retention.series import RetentionData, RetentionSeries
from memtwin.retention.sheet import sheet_roles

__all__ = ["MIN_TIMES", "QUANTITIES", "TIME_UNITS", "RetentionOptions", "read_retention"]


def read_retention(
    paths: str | Path | Sequence[str | Path], options: RetentionOptions | None = None
) -> RetentionData:
    """Read retention files into one :class:`RetentionData` (states of every file together).

    State names: the state column's values (tidy), the value columns' labels (wide) or the file's stem
    (two columns). Names that two files share get the file's stem in front (``stem/name``).
    """
    opts = options or RetentionOptions()
    path_list = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not path_list:
        raise ConfigError("no retention files given")
    found: list[RetentionSeries] = []
    notes: list[str] = []
    ignored: list[str] = []
    for path in path_list:
        series, file_warnings, file_ignored = _read_file(path, opts)
        found += series
        notes += file_warnings
        ignored += [f"{path}: {c}" for c in file_ignored]
    found = _unique_names(_short_file_names(found))
    if opts.states is not None:
        known = {s.name for s in found}
        missing = [s for s in opts.states if s not in known]
        if missing:
            raise ConfigError(
                f"states = {', '.join(map(repr, missing))}: no such state; the files hold "
                f"{', '.join(map(repr, sorted(known)))}"
            )
        found = [s for s in found if s.name in opts.states]
    for note in notes:
        warnings.warn(note, MeasurementWarning, stacklevel=2)
    return RetentionData(
        series=tuple(found),
        files=tuple(str(p) for p in path_list),
        warnings=tuple(notes),
        ignored_columns=tuple(ignored),
    )


# ----------------------------------------------------------------------------------------- one file


def _read_file(path: Path, opts: RetentionOptions) -> tuple[list[RetentionSeries], list[str], list[str]]:
    file = str(path)
    grid = read_grid(path, file, opts.sheet).drop_blank_rows()
    if len(grid.header) < 2:
        raise MeasurementError(
            "the file has a single column",
            file=file,
            value=grid.header[0] if grid.header else None,
            expected="a time column and at least one column of reads (values before and after a bake "
            "are two reads, not a time series)",
        )
    roles = sheet_roles(grid, [parse_header(h, file=file) for h in grid.header], opts)
    series = file_series(grid, roles, opts, path.stem)
    return series, file_notes(series, roles.values, file), roles.ignored


# -------------------------------------------------------------------------------------------- names


def _short_file_names(series: list[RetentionSeries]) -> list[RetentionSeries]:
    """States named after their files (one state per file) without the part all the names share:
    ``dev_state_102_retention``, ``dev_state_103_retention`` → ``102``, ``103``."""
    stems = [Path(s.file).stem for s in series]
    if len(series) < 2 or any(s.name != stem for s, stem in zip(series, stems, strict=True)):
        return series
    if len(set(stems)) < len(stems):
        return series
    cut = re.compile(r"[-_. ]")
    prefix = os.path.commonprefix(stems)
    suffix = os.path.commonprefix([t[::-1] for t in stems])[::-1]
    # Cut only at separators, so that "state_10" and "state_11" keep their whole numbers.
    while prefix and not cut.fullmatch(prefix[-1]):
        prefix = prefix[:-1]
    while suffix and not cut.fullmatch(suffix[0]):
        suffix = suffix[1:]
    short = [t[len(prefix) : len(t) - len(suffix)] for t in stems]
    if not all(short) or len(set(short)) < len(short):
        return series
    return [replace(s, name=n) for s, n in zip(series, short, strict=True)]


def _unique_names(series: list[RetentionSeries]) -> list[RetentionSeries]:
    names = [s.name for s in series]
    if len(set(names)) == len(names):
        return series
    dup = {n for n in names if names.count(n) > 1}

    def prefixed(s: RetentionSeries) -> str:
        path = Path(s.file)
        return f"{path.parent.name}/{s.name}" if s.name == path.stem else f"{path.stem}/{s.name}"

    renamed = [replace(s, name=prefixed(s)) if s.name in dup else s for s in series]
    final = [s.name for s in renamed]
    if len(set(final)) < len(final):
        twice = sorted({n for n in final if final.count(n) > 1})
        raise ConfigError(f"state(s) {', '.join(map(repr, twice))} appear twice; was a file given twice?")
    return renamed
