"""Which layout a grid is in, from its headers (and, for one ambiguity, the pulse voltage's signs).

Rules, first match wins:
1. a phase, cycle, device or time column → ``tidy``;
2. exactly one up and one down column (``up, down``; ``LTP, LTD``...) → ``updown``;
3. a pulse-voltage column (by header, or a column without a telling header whose values are a
   pulse-voltage pattern, :mod:`~memtwin.measurements.roles`) whose values take both signs → ``xlsx``
   (the signed-pulse layout);
4. an XLSX sheet with a named pulse-voltage column → ``xlsx`` (a one-phase sheet);
5. otherwise → ``wide``.

Without a header row, columns are judged by content (:mod:`~memtwin.measurements.roles`): a
pulse-voltage pattern → ``xlsx``; else exactly two data columns (besides an index or constant
columns) → ``updown`` (column 1 up, column 2 down, as AIHWKIT's ``gong_et_al.csv``) unless the file
or sheet name names a single phase (``bare_reset.csv``: two ramps of one phase) → else ``wide``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements.columns import resolve_columns
from memtwin.measurements.grid import Grid
from memtwin.measurements.phases import phases_in_name
from memtwin.measurements.reading import Request
from memtwin.measurements.roles import PULSE_VOLTAGE, column_roles
from memtwin.measurements.signed import voltage_columns
from memtwin.measurements.units import CYCLE, DEVICE, PHASE, TIME, parse_header
from memtwin.measurements.updown import updown_columns

FORMATS = ("tidy", "wide", "xlsx", "updown")


def detect_format(grid: Grid, req: Request | None = None) -> str:
    """One of :data:`FORMATS` for ``grid`` (see the module notes); ``req.columns`` names data columns."""
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    if {s.quantity for s in specs} & {PHASE, CYCLE, DEVICE, TIME}:
        return "tidy"
    if updown_columns(specs) is not None:
        return "updown"
    if req is not None and req.phases is not None:
        return "wide"  # only wide columns hold ramps of phases in turn
    chosen = resolve_columns(grid, req.columns) if req is not None and req.columns else None
    roles = column_roles(grid, specs, chosen or (), pulse_voltage=True)
    if grid.headerless:
        if any(r.kind == PULSE_VOLTAGE for r in roles.values()):
            return "xlsx"
        data = chosen if chosen is not None else [j for j in range(len(specs)) if j not in roles]
        return "updown" if len(data) == 2 and not _one_phase_named(grid) else "wide"
    pulse, _ = voltage_columns(specs, roles)  # a pulse voltage named in --columns: the reader says so
    if pulse is not None:
        try:
            values = grid.numbers(pulse)
        except MeasurementError:
            values = np.array([np.nan])
        if np.nanmin(values, initial=np.inf) < 0 < np.nanmax(values, initial=-np.inf):
            return "xlsx"
        if grid.container == "xlsx" and specs[pulse].quantity is not None:
            return "xlsx"
    return "wide"


def _one_phase_named(grid: Grid) -> bool:
    """Whether the sheet or file name names exactly one phase (then its columns are ramps of it)."""
    return any(len(phases_in_name(name)) == 1 for name in (grid.sheet or "", Path(grid.file).stem))
