"""What a column without a telling header holds, judged by its values.

Why: sheets without a header row (and columns headed by bare names) still carry a pulse index, the
pulse voltage and the read voltage beside the device columns. Taken as devices they give nonsense (a
constant -0.2 V read voltage read as a device of 0.2 S), so they are recognised by content:

- an index: whole numbers counting up by one (1, 2, 3... or 0, 1, 2..., possibly restarting);
- a constant: one value in every row; the smallest-magnitude constant between 1 mV and 5 V is the
  read voltage, other constants (a pulse width, a pulse count) are not devices either;
- a pulse voltage (only where no header names columns): runs of + and − of moderate magnitude
  (0.05-20 V, never near 0), few distinct magnitudes (at most 32, each used twice on average),
  each sign in runs of two or more on average
  (the sign gives the phase);
- a copy: a column equal to an earlier one or to its magnitude (``I`` then ``|I|``) is not a second
  device.

A column needs at least 3 values to be judged; shorter columns stay data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements.grid import Grid
from memtwin.measurements.reading import Report
from memtwin.measurements.units import RAMP_WORDS, RESPONSES, ColumnSpec, ramp_spec

INDEX = "index"
CONSTANT = "constant"
READ_VOLTAGE = "read voltage"
PULSE_VOLTAGE = "pulse voltage"
COPY = "copy"

_MIN_VALUES = 3
_READ_V = (1e-3, 5.0)  # |V| a constant read voltage may have
_PULSE_V = (0.05, 20.0)  # |V| a pulse voltage may have
_MAX_LEVELS = 32  # distinct pulse amplitudes a scheme may use


@dataclass(frozen=True)
class Role:
    """A non-device column: ``kind`` is one of INDEX, CONSTANT, READ_VOLTAGE, PULSE_VOLTAGE."""

    kind: str
    value: float | None = None  # the value of a constant column
    of: int | None = None  # the column a copy repeats


def content_roles(grid: Grid, candidates: Iterable[int], *, pulse_voltage: bool) -> dict[int, Role]:
    """Roles of the ``candidates`` columns that are not devices; ``pulse_voltage``: look for one too."""
    candidates = list(candidates)
    roles: dict[int, Role] = {}
    for j in candidates:
        values = _values(grid, j)
        if values is None or len(values) < _MIN_VALUES:
            continue
        if np.all(values == values[0]):
            roles[j] = Role(CONSTANT, float(values[0]))
        elif is_index(values, grid.columns[j]):
            roles[j] = Role(INDEX)
        elif pulse_voltage and not _has(roles, PULSE_VOLTAGE) and is_pulse_voltage(values):
            roles[j] = Role(PULSE_VOLTAGE)
    _find_copies(grid, [j for j in candidates if j not in roles], roles)
    low, high = _READ_V
    readable = [j for j, r in roles.items() if r.kind == CONSTANT and low <= abs(r.value or 0) <= high]
    if readable:
        best = min(readable, key=lambda j: abs(roles[j].value or 0))
        roles[best] = Role(READ_VOLTAGE, roles[best].value)
    return roles


def _find_copies(grid: Grid, columns: list[int], roles: dict[int, Role]) -> None:
    """Mark columns equal to an earlier column or its magnitude (grouped by a checksum: files are wide)."""
    seen: dict[float, list[tuple[int, np.ndarray]]] = {}
    for j in columns:
        try:
            values = grid.numbers(j)
        except MeasurementError:
            continue
        if np.count_nonzero(~np.isnan(values)) < _MIN_VALUES:
            continue
        key = float(np.round(np.nansum(np.abs(values)), 12))
        for k, earlier in seen.get(key, []):
            if np.array_equal(values, earlier, equal_nan=True) or np.array_equal(
                values, np.abs(earlier), equal_nan=True
            ):
                roles[j] = Role(COPY, of=k)
                break
        else:
            seen.setdefault(key, []).append((j, values))


def _has(roles: dict[int, Role], kind: str) -> bool:
    return any(r.kind == kind for r in roles.values())


def is_index(values: np.ndarray, cells: Sequence[object]) -> bool:
    """Whole numbers ≥ 0 counting up by one, restarting at the first value; no blanks among them."""
    filled = [c is not None for c in cells]
    last = max((i for i, f in enumerate(filled) if f), default=-1)
    if not all(filled[: last + 1]):
        return False
    if np.any(values != np.round(values)) or values.min() < 0:
        return False
    steps = np.diff(values)
    restart = values[1:] == values[0]
    return bool(np.all((steps == 1) | restart)) and bool(np.any(steps == 1))


def is_pulse_voltage(values: np.ndarray) -> bool:
    """Runs of + and − pulses (see the module notes)."""
    magnitude = np.abs(values)
    if not (np.any(values > 0) and np.any(values < 0)):
        return False
    if magnitude.min() < _PULSE_V[0] or magnitude.max() > _PULSE_V[1]:
        return False
    distinct = len(np.unique(np.round(magnitude, 6)))
    runs = 1 + int(np.count_nonzero(np.diff(np.sign(values))))
    n = len(values)
    few = min(_MAX_LEVELS, max(2, n // 2))  # each magnitude used twice on average, and few in all
    return distinct <= few and runs <= max(2, n // 2)


def _values(grid: Grid, j: int) -> np.ndarray | None:
    """The finite values of column ``j``, or ``None`` if it holds text or infinities (it stays data)."""
    try:
        values = grid.numbers(j)
    except MeasurementError:
        return None
    values = values[~np.isnan(values)]
    return values if np.all(np.isfinite(values)) else None


def role_candidates(grid: Grid, specs: list[ColumnSpec], exclude: Iterable[int] = ()) -> list[int]:
    """Columns whose header says nothing (every column of a headerless grid), minus ``exclude``."""
    skip = set(exclude)
    if grid.headerless:
        return [j for j in range(len(specs)) if j not in skip]
    return [
        j
        for j, s in enumerate(specs)
        if j not in skip and s.quantity is None and s.unit is None and s.read_voltage_V is None
        and not named_response(s) and not names_a_ramp(s)
    ]  # fmt: skip


def names_a_ramp(spec: ColumnSpec) -> bool:
    """``cycle 3``, ``set 1``, ``D7``: a number or a cycle/phase word names a ramp or device, whatever
    its values (a stuck device reads the same every time)."""
    return any(t.isdigit() or t in RAMP_WORDS for t in spec.tokens)


def named_response(spec: ColumnSpec) -> bool:
    """``I3``, ``current 2``, ``G_set``: a label whose words (less numbers, phase and cycle words) name a response."""
    try:
        return ramp_spec(spec, None).quantity in RESPONSES
    except MeasurementError:
        return False


def describe_roles(report: Report, roles: dict[int, Role], used: Iterable[int] = ()) -> None:
    """Add the non-device columns to the layout line: ``column A pulse index (ignored)``..."""
    taken = set(used)
    for j in sorted(roles, key=report.grid.position):
        report.add(f"{report.columns([j])} {_role_text(report, roles[j], j in taken)}")


def _role_text(report: Report, role: Role, used: bool) -> str:
    if role.kind == READ_VOLTAGE and used:
        return f"read voltage (constant {role.value:g} V)"
    if role.kind == INDEX:
        return "pulse index (ignored)"
    if role.kind == COPY and role.of is not None:
        return f"repeats {report.columns([role.of])} or its magnitude (ignored)"
    if role.kind == PULSE_VOLTAGE:
        return "signed like a pulse voltage (ignored)"
    return f"constant {role.value:g} (ignored)"


def column_roles(
    grid: Grid, specs: list[ColumnSpec], exclude: Iterable[int] = (), *, pulse_voltage: bool
) -> dict[int, Role]:
    """:func:`content_roles` of the columns whose header says nothing (:func:`role_candidates`),
    other than ``exclude`` (the columns the user named)."""
    return content_roles(grid, role_candidates(grid, specs, exclude), pulse_voltage=pulse_voltage)


def role_column(roles: dict[int, Role], kind: str, skip: Iterable[int] = ()) -> int | None:
    """The first column whose content role is ``kind`` (outside ``skip``), if any."""
    left_out = set(skip)
    return next((j for j, r in roles.items() if r.kind == kind and j not in left_out), None)


def constant_text(roles: dict[int, Role], j: int | None) -> str:
    """`` (constant -0.1 V)`` when column ``j`` was recognised by its constant value, else nothing."""
    role = roles.get(j) if j is not None else None
    return f" (constant {role.value:g} V)" if role is not None and role.value is not None else ""
