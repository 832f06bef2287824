"""Response cells (conductance, resistance or read current) → conductance in siemens.

Why here and not in the table: only at the cell can an error name the value the user typed
(``-3.2`` in ``G (uS)``, ``0`` in ``I (nA)``) rather than the converted number.

Which quantity a response column holds: its header's unit or name (``I (uA)``, ``G``, ``R_kOhm``)
wins; else ``--quantity``; else unitless values with ``--g-range`` are normalized traces; else, when a
read voltage is at hand, read currents; else a guess from the magnitudes. Assumptions warn.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from memtwin.errors import MeasurementError, MeasurementWarning
from memtwin.measurements.checks import caller_stacklevel
from memtwin.measurements.grid import Grid
from memtwin.measurements.reading import G_RANGE_HELP, Report, Request
from memtwin.measurements.units import CONDUCTANCE, CURRENT, RESISTANCE, RESPONSES, ColumnSpec

#: Unitless trace values (normalized data) that ``--g-range`` maps onto conductances.
NORMALIZED = "normalized"

READ_VOLTAGE_HELP = (
    "a read-voltage column (e.g. 'V_read (V)'), a header like 'I (uA) @ -0.1 V' or "
    "--read-voltage V (read_voltage_V= in Python)"
)
_SI = {CONDUCTANCE: "S", CURRENT: "A", RESISTANCE: "Ohm"}
_WHAT = {CONDUCTANCE: "conductance", CURRENT: "read current", RESISTANCE: "resistance"}
_PLURAL = {CONDUCTANCE: "conductances", CURRENT: "read currents", RESISTANCE: "resistances"}
_RESISTANCE_ABOVE = 1e3  # unitless values mostly above this are ohms: no device conducts kilosiemens
_OVERRIDE = (
    "pass --quantity current --read-voltage V for read currents, --quantity resistance for ohms, "
    "--quantity conductance for siemens, or --g-range GMIN,GMAX for normalized values"
)


def describe(spec: ColumnSpec, adjective: str = "") -> str:
    """``"a conductance in uS"`` (or ``"a positive, finite conductance in uS"``): what the cells hold."""
    if spec.quantity == NORMALIZED:
        return "a finite number (unitless)"
    what = _WHAT.get(spec.quantity or "", "conductance")
    unit = spec.unit or _SI.get(spec.quantity or "", "S")
    return f"a {adjective} {what} in {unit}" if adjective else f"a {what} in {unit}"


def kind(spec: ColumnSpec) -> str:
    """``read current, uA``: the quantity and unit of a response column, for the layout line."""
    if spec.quantity == NORMALIZED:
        return "unitless"
    unit = spec.unit or (_SI.get(spec.quantity or "", "S") + (", assumed" if spec.assumed else ""))
    return f"{_WHAT.get(spec.quantity or '', 'conductance')}, {unit}"


def resolve_responses(
    grid: Grid,
    cols: list[int],
    specs: list[ColumnSpec],
    req: Request,
    report: Report,
    rv_col: int | None = None,
) -> None:
    """Set the quantity of each response column ``cols`` in ``specs`` (see the module notes).

    ``rv_col``: the file's read-voltage column, if it has one. Raises for a header contradicting
    ``--quantity`` and for a ``--read-voltage`` that would do nothing.
    """
    read_voltage_from = report.columns([rv_col]) if rv_col is not None else None
    for j in cols:
        spec = specs[j]
        if spec.quantity in RESPONSES and req.quantity not in (None, spec.quantity):
            raise MeasurementError(
                f"the header says this column holds {_PLURAL[spec.quantity or '']}, "
                f"but --quantity says {req.quantity}",
                file=grid.file,
                column=grid.header[j],
                value=req.quantity,
                expected=f"--quantity {spec.quantity} or no --quantity (a header's unit or name wins)",
            )
    if req.g_range is not None:
        _normalized(grid, cols, specs, req)
        return
    unitless = [j for j in cols if specs[j].quantity is None]
    if unitless:
        quantity = req.quantity or _assumed(grid, unitless, specs, req, report, read_voltage_from)
        for j in unitless:
            specs[j] = replace(specs[j], quantity=quantity, assumed=req.quantity is None)
    if req.read_voltage_V is not None:
        _check_read_voltage(grid, cols, specs, req, read_voltage_from)


def _normalized(grid: Grid, cols: list[int], specs: list[ColumnSpec], req: Request) -> None:
    """``--g-range``: unitless columns (or bare ``G``) hold normalized values; anything else is an error."""
    if req.quantity in (CURRENT, RESISTANCE) or req.read_voltage_V is not None:
        raise MeasurementError(
            "--g-range maps unitless values onto conductances; it does not combine with "
            + ("--read-voltage" if req.read_voltage_V is not None else f"--quantity {req.quantity}"),
            file=grid.file,
            value=req.g_range,
            expected="--g-range alone for normalized values, or --quantity/--read-voltage without it",
        )
    for j in cols:
        spec = specs[j]
        if spec.unit is not None or spec.quantity not in (None, CONDUCTANCE):
            raise MeasurementError(
                "--g-range is for values without a unit, but this header says what they are",
                file=grid.file,
                column=grid.header[j],
                value=req.g_range,
                expected="no --g-range for values with a unit (they are converted by it)",
            )
        specs[j] = replace(spec, quantity=NORMALIZED, scale=1.0)


def _assumed(
    grid: Grid,
    cols: list[int],
    specs: list[ColumnSpec],
    req: Request,
    report: Report,
    read_voltage_from: str | None,
) -> str:
    """The quantity of unitless columns when no header or ``--quantity`` says it; warns what it assumed."""
    source = (
        read_voltage_from
        or ("--read-voltage" if req.read_voltage_V is not None else None)
        or next(("the header's '@ V'" for j in cols if specs[j].read_voltage_V is not None), None)
    )
    if source is not None:
        _warn(
            f"{grid.file}: no unit in the headers: values taken as read currents in A, since {source} "
            "gives a read voltage; pass --quantity conductance (or resistance) if they are not currents"
        )
        return CURRENT
    values = _finite_values(grid, cols)
    if np.any(values <= 0):
        return CONDUCTANCE  # normalized data: the conversion raises, naming --g-range
    if len(values) and np.median(values) > _RESISTANCE_ABOVE:
        quantity, why = RESISTANCE, f"mostly above {_RESISTANCE_ABOVE:g}, too large for siemens"
    else:
        quantity, why = CONDUCTANCE, "no read voltage was given"
    _warn(
        f"{grid.file}: no unit in the headers: values taken as {_PLURAL[quantity]} in {_SI[quantity]} "
        f"({why}); {_OVERRIDE}"
    )
    return quantity


def _check_read_voltage(
    grid: Grid, cols: list[int], specs: list[ColumnSpec], req: Request, read_voltage_from: str | None
) -> None:
    """A ``--read-voltage`` must be used: some column holds currents and nothing else gives the voltage."""
    currents = [j for j in cols if specs[j].quantity == CURRENT]
    if not currents:
        held = {specs[j].quantity for j in cols}
        what = " and ".join(_PLURAL.get(q or "", "values") for q in sorted(held, key=str))
        how = "--quantity" if req.quantity is not None else "the headers"
        raise MeasurementError(
            f"--read-voltage (read_voltage_V= in Python) is given, but the values are {what} ({how} "
            "say so): a read voltage would change nothing",
            file=grid.file,
            value=req.read_voltage_V,
            expected="no --read-voltage, or --quantity current for read currents in unitless columns",
        )
    if read_voltage_from is not None:
        raise MeasurementError(
            f"--read-voltage (read_voltage_V= in Python) is given, but {read_voltage_from} holds the read voltage",
            file=grid.file,
            value=req.read_voltage_V,
            expected="one read voltage: drop --read-voltage to use the file's column",
        )
    for j in currents:
        header_v = specs[j].read_voltage_V
        if header_v is not None and not np.isclose(header_v, req.read_voltage_V or 0.0):
            raise MeasurementError(
                f"--read-voltage {req.read_voltage_V:g} V contradicts the header's {header_v:g} V",
                file=grid.file,
                column=grid.header[j],
                value=req.read_voltage_V,
                expected="no --read-voltage (the header gives it) or the same voltage",
            )


def _finite_values(grid: Grid, cols: list[int]) -> np.ndarray:
    parts = []
    for j in cols:
        values = grid.numbers(j, "a number (a conductance, read current or resistance)")
        parts.append(values[np.isfinite(values)])
    return np.concatenate(parts) if parts else np.empty(0)


def stated_read_voltage(req: Request, spec: ColumnSpec, n: int) -> np.ndarray | None:
    """The read voltage of ``n`` reads that ``--read-voltage`` or else the header's ``@ V`` gives
    (``None``: neither does; a read-voltage column of the file is the reader's business)."""
    given = req.read_voltage_V if req.read_voltage_V is not None else spec.read_voltage_V
    return None if given is None else np.full(n, float(given))


def conductance(
    grid: Grid,
    j: int,
    spec: ColumnSpec,
    idx: np.ndarray,
    read_voltage: np.ndarray | None = None,
    rv_column: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Conductance (S) of data rows ``idx`` of response column ``j``, and the current (A) if it was one.

    ``read_voltage`` (V, aligned with ``idx``) is needed for currents: G = |I / V|. ``rv_column``
    is the grid column it came from, so a zero read voltage is reported at its cell. Normalized
    columns return their raw values (the reader maps them onto ``--g-range``).
    """
    raw = grid.numbers(j, describe(spec))[idx]
    si = raw * spec.scale
    current: np.ndarray | None = None
    if spec.quantity == NORMALIZED:
        bad = ~np.isfinite(raw)
        if bad.any():
            raise grid.error("not a finite number", int(idx[int(np.argmax(bad))]), j, "a finite number")
        return raw.astype(float), None
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if spec.quantity == CURRENT:
            _need_read_voltage(grid, j, read_voltage, idx, rv_column)
            assert read_voltage is not None
            current = si
            g = np.abs(si / read_voltage)
        elif spec.quantity == RESISTANCE:
            g = 1.0 / si
        else:
            g = si
    bad = ~(np.isfinite(g) & (g > 0))
    if bad.any():
        k = int(np.argmax(bad))
        raise grid.error(_reason(spec, raw[k]), int(idx[k]), j, _expected(spec, raw[k]))
    return g, current


def _need_read_voltage(
    grid: Grid, j: int, read_voltage: np.ndarray | None, idx: np.ndarray, rv_column: int | None
) -> None:
    if read_voltage is None:
        raise MeasurementError(
            "this column holds read currents, but no read voltage is given",
            file=grid.file,
            column=grid.header[j],
            expected=READ_VOLTAGE_HELP,
        )
    zero = read_voltage == 0
    if zero.any():
        k = int(np.argmax(zero))
        if rv_column is not None:
            raise grid.error(
                "a zero read voltage gives no conductance", int(idx[k]), rv_column, "a non-zero read voltage"
            )
        raise MeasurementError(
            "the read voltage is zero", file=grid.file, value=0.0, expected="a non-zero read voltage"
        )


def _reason(spec: ColumnSpec, raw: float) -> str:
    if not np.isfinite(raw):
        return "not a finite number"
    if spec.quantity == CURRENT:
        return "a zero read current gives no conductance" if raw == 0 else "conductance out of range"
    if spec.unit is None and raw <= 0:
        return f"{raw:g} in a column without a unit: normalized data has no conductance scale"
    if spec.quantity == RESISTANCE:
        return "resistance must be positive" if raw <= 0 else "resistance out of range"
    return "conductance must be positive" if raw <= 0 else "conductance out of range"


def _expected(spec: ColumnSpec, raw: float) -> str:
    if spec.unit is None and spec.quantity != CURRENT and np.isfinite(raw) and raw <= 0:
        return (
            f"{G_RANGE_HELP} to map each device's trace onto a conductance range, or a unit in the "
            "header, or --quantity current --read-voltage V for signed read currents"
        )
    return describe(spec, "positive, finite")


def _warn(message: str) -> None:
    warnings.warn(message, MeasurementWarning, stacklevel=caller_stacklevel())
