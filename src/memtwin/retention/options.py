"""What a retention file's headers may leave unsaid (:class:`RetentionOptions`), checked up front."""

from __future__ import annotations

import math
from dataclasses import dataclass

from memtwin.errors import ConfigError
from memtwin.measurements.units import DIMENSION, RESPONSES, parse_unit

__all__ = ["QUANTITIES", "TIME_UNITS", "RetentionOptions"]

#: What a value column may hold (``--quantity``); each becomes a conductance.
QUANTITIES = RESPONSES
#: ``--time-unit`` choices and their factor to seconds.
TIME_UNITS: dict[str, float] = {
    "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "min": 60.0, "h": 3600.0, "d": 86400.0,
}  # fmt: skip
#: The quantity a unit's dimension measures: ``S`` → conductance, ``A`` → current, ``Ohm`` → resistance.
_DIM_QUANTITY = {DIMENSION[q]: q for q in QUANTITIES}


@dataclass(frozen=True)
class RetentionOptions:
    """How to read retention files whose headers do not say everything.

    ``quantity`` (conductance, current, resistance): what value columns without a unit hold, in SI
    (S, A, Ohm); with several kinds of value column it picks which to use. ``unit`` (e.g. ``uS``, ``nA``,
    ``kOhm``): the unit of value columns whose header has none (it implies the quantity).
    ``time_unit`` (:data:`TIME_UNITS`): the unit of a time column whose header has none. A unit written
    in a header always wins over these. ``read_voltage_V``: the read voltage of currents whose file does
    not state it. ``columns``: the value columns to use (header text, label, spreadsheet letter, 1-based
    number or range, as :mod:`memtwin.measurements.columns` reads them); ``time_column`` likewise for the
    time column. ``states``: keep only these states. ``sheet``: the workbook sheet (name or 0-based
    index; default the first).
    """

    quantity: str | None = None
    unit: str | None = None
    time_unit: str | None = None
    read_voltage_V: float | None = None
    columns: tuple[str, ...] | None = None
    time_column: str | None = None
    states: tuple[str, ...] | None = None
    sheet: str | int | None = None

    def __post_init__(self) -> None:
        if self.quantity is not None and self.quantity not in QUANTITIES:
            raise ConfigError(f"quantity = {self.quantity!r}: must be one of {', '.join(QUANTITIES)}")
        if self.unit is not None:
            implied = self.unit_quantity_scale[0]
            if self.quantity is not None and implied != self.quantity:
                raise ConfigError(
                    f"unit = {self.unit!r} measures a {implied} but quantity = {self.quantity!r}"
                )
        if self.time_unit is not None and self.time_unit not in TIME_UNITS:
            raise ConfigError(f"time_unit = {self.time_unit!r}: must be one of {', '.join(TIME_UNITS)}")
        v = self.read_voltage_V
        if v is not None and (isinstance(v, bool) or not math.isfinite(v) or v == 0):
            raise ConfigError(f"read_voltage_V = {v!r}: must be a finite, non-zero voltage")
        for key in ("columns", "states"):
            value = getattr(self, key)
            if value is not None:
                object.__setattr__(self, key, tuple(str(v) for v in value))

    @property
    def unit_quantity_scale(self) -> tuple[str, float]:
        """``(quantity, factor to SI)`` of ``unit``."""
        assert self.unit is not None
        parsed = parse_unit(self.unit)
        if parsed is None or parsed[0] not in _DIM_QUANTITY:
            raise ConfigError(
                f"unit = {self.unit!r}: not a unit of conductance (S, mS, uS, nS), current (A, mA, uA, "
                "nA, pA) or resistance (Ohm, kOhm, MOhm)"
            )
        return _DIM_QUANTITY[parsed[0]], parsed[1]
