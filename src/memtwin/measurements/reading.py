"""What the user asked of a file (:class:`Request`) and what a reader found in it (:class:`Report`).

Why: every layout reader takes the same options and must say, in one line, which layout and which
column roles it settled on, so a user sees at once when a read voltage was taken for a device or a
pulse index for a ramp. The report also carries each device's raw span when unitless values are
mapped onto ``--g-range``, so :func:`~memtwin.measurements.load_many` can map a device read from
several files over its whole trace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements.columns import ColumnRef
from memtwin.measurements.grid import Grid

#: The values ``quantity=`` / ``--quantity`` accepts.
QUANTITIES = ("conductance", "current", "resistance")
G_RANGE_HELP = (
    "--g-range GMIN,GMAX in S (g_range=(g_min_S, g_max_S) in Python), 0 < GMIN < GMAX, e.g. 1e-6,1e-4"
)
_LISTED = 6  # columns named one by one before "…"


@dataclass(frozen=True)
class Request:
    """The validated options of one ``load`` call (see :func:`memtwin.measurements.load`)."""

    phase: str | None = None
    #: phases that successive ramps take in turn (``--phase up,down``); wide layout only
    phases: tuple[str, ...] | None = None
    device: str | None = None
    read_voltage_V: float | None = None
    pulses_per_cycle: int | None = None
    quantity: str | None = None
    columns: tuple[ColumnRef, ...] | None = None
    g_range: tuple[float, float] | None = None


@dataclass
class Report:
    """What a reader found: the layout's name, the roles of the columns, the spans it mapped."""

    grid: Grid
    layout: str = ""
    parts: list[str] = field(default_factory=list)
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)

    def add(self, text: str) -> None:
        self.parts.append(text)

    def add_unused(self, taken: Iterable[int | None]) -> None:
        """Name, as ``not used``, the columns outside ``taken`` (none: nothing is added)."""
        used = set(taken)
        unused = [j for j in range(len(self.grid.header)) if j not in used]
        if unused:
            self.add(f"{self.columns(unused)} not used")

    def columns(self, js: Sequence[int]) -> str:
        """``column C``, ``column 3 'G (uS)'``, ``columns C-AR``, ``columns 1, 4, 6``."""
        grid = self.grid
        if len(js) == 1:
            quoted = "" if grid.headerless else f" {grid.header[js[0]]!r}"
            return f"column {grid.ref(js[0])}{quoted}"
        positions = [grid.position(j) for j in js]
        if positions == list(range(positions[0], positions[0] + len(js))):
            return f"columns {grid.ref(js[0])}-{grid.ref(js[-1])}"
        listed = ", ".join(grid.ref(j) for j in js[:_LISTED])
        return f"columns {listed}" + (f" … {grid.ref(js[-1])}" if len(js) > _LISTED else "")

    def line(self) -> str:
        """The one-line description stored in :attr:`PulseTable.layout`."""
        grid = self.grid
        name = Path(grid.file).name
        if grid.sheet_name is not None:
            name += f" (sheet {grid.sheet_name!r})"
        words = self.layout + (
            "" if not grid.headerless else " (no header row: columns recognised by content)"
        )
        notes = [*grid.notes, *self.parts]
        return f"{name}: {words}" + (f"; {', '.join(notes)}" if notes else "")


def map_onto_g_range(
    conductance: np.ndarray, devices: Sequence[str], report: Report, g_range: tuple[float, float]
) -> np.ndarray:
    """Map each device's unitless values (min..max of all its reads) linearly onto ``g_range`` (S)."""
    g_min, g_max = g_range
    out = np.empty(len(conductance))
    names = np.asarray(devices)
    for device in dict.fromkeys(devices):
        mine = names == device
        lo, hi = float(conductance[mine].min()), float(conductance[mine].max())
        if not hi > lo:
            raise MeasurementError(
                f"device {device!r} has a constant trace ({lo:g}): it spans nothing to map onto --g-range",
                file=report.grid.file,
                value=lo,
                expected="a trace whose values change, or values in a unit instead of --g-range",
            )
        report.spans[device] = (lo, hi)
        out[mine] = g_min + (conductance[mine] - lo) / (hi - lo) * (g_max - g_min)
    spans = list(report.spans.values())
    if len(spans) == 1:
        what = f"values {spans[0][0]:g}..{spans[0][1]:g} mapped linearly onto {g_min:g}..{g_max:g} S"
    else:
        what = f"each device's values mapped linearly from its span onto {g_min:g}..{g_max:g} S"
    report.add(f"{what} (--g-range)")
    return out
