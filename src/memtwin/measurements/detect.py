"""Which layout a grid is in, from its headers (and, for one ambiguity, the pulse voltage's signs).

Rules, first match wins:
1. a phase, cycle, device or time column → ``tidy``;
2. exactly one up and one down column (``up, down``; ``LTP, LTD``...) → ``updown``;
3. a pulse-voltage column whose values take both signs → ``xlsx`` (the signed-pulse layout);
4. an XLSX sheet with a named pulse-voltage column → ``xlsx`` (a one-phase sheet);
5. otherwise → ``wide``.
"""

from __future__ import annotations

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements.grid import Grid
from memtwin.measurements.signed import voltage_columns
from memtwin.measurements.units import CYCLE, DEVICE, PHASE, TIME, parse_header
from memtwin.measurements.updown import updown_columns

FORMATS = ("tidy", "wide", "xlsx", "updown")


def detect_format(grid: Grid) -> str:
    """One of :data:`FORMATS` for ``grid`` (see the module notes)."""
    specs = [parse_header(h, file=grid.file) for h in grid.header]
    if {s.quantity for s in specs} & {PHASE, CYCLE, DEVICE, TIME}:
        return "tidy"
    if updown_columns(specs) is not None:
        return "updown"
    pulse, _ = voltage_columns(specs)
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
