"""Response cells (conductance, resistance or read current) → conductance in siemens.

Why here and not in the table: only at the cell can an error name the value the user typed
(``-3.2`` in ``G (uS)``, ``0`` in ``I (nA)``) rather than the converted number.
"""

from __future__ import annotations

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements.grid import Grid
from memtwin.measurements.units import CURRENT, RESISTANCE, ColumnSpec

READ_VOLTAGE_HELP = (
    "a read-voltage column (e.g. 'V_read (V)'), a header like 'I (uA) @ -0.1 V' or read_voltage_V="
)


def describe(spec: ColumnSpec) -> str:
    """``"a conductance in uS"`` — what a response column's cells should hold."""
    what = {CURRENT: "a read current", RESISTANCE: "a resistance"}.get(spec.quantity or "", "a conductance")
    unit = spec.unit or {CURRENT: "A", RESISTANCE: "Ohm"}.get(spec.quantity or "", "S")
    return f"{what} in {unit}"


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
    is the grid column it came from, so a zero read voltage is reported at its cell.
    """
    raw = grid.numbers(j, describe(spec))[idx]
    si = raw * spec.scale
    current: np.ndarray | None = None
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if spec.quantity == CURRENT:
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
                        "a zero read voltage gives no conductance",
                        int(idx[k]),
                        rv_column,
                        "a non-zero read voltage",
                    )
                raise MeasurementError(
                    "the read voltage is zero", file=grid.file, value=0.0, expected="a non-zero read voltage"
                )
            current = si
            g = np.abs(si / read_voltage)
        elif spec.quantity == RESISTANCE:
            g = 1.0 / si
        else:
            g = si
    bad = ~(np.isfinite(g) & (g > 0))
    if bad.any():
        k = int(np.argmax(bad))
        if not np.isfinite(raw[k]):
            reason = "not a finite number"
        elif spec.quantity == CURRENT:
            reason = "a zero read current gives no conductance" if raw[k] == 0 else "conductance out of range"
        elif spec.quantity == RESISTANCE:
            reason = "resistance must be positive" if raw[k] <= 0 else "resistance out of range"
        else:
            reason = "conductance must be positive" if raw[k] <= 0 else "conductance out of range"
        raise grid.error(reason, int(idx[k]), j, f"positive, finite {describe(spec)}")
    return g, current
