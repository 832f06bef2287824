"""The one tidy, validated table every reader produces: one row per conductance read, SI units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from memtwin.errors import MeasurementError

POTENTIATION = "potentiation"
DEPRESSION = "depression"
PHASES = (POTENTIATION, DEPRESSION)

REQUIRED_COLUMNS = ("device", "cycle", "phase", "pulse", "conductance_S")
OPTIONAL_COLUMNS = (
    "pulse_amplitude_V",
    "pulse_width_s",
    "read_voltage_V",
    "read_current_A",
    "pulse_current_A",
    "time_s",
)
_MAX_INDEX = 2**31 - 1


@dataclass(frozen=True)
class PulseTable:
    """Validated pulse-train measurements of one or more devices.

    ``frame`` columns: ``device`` (str), ``cycle`` (int, one potentiation + one depression ramp),
    ``phase`` (``potentiation``/``depression``), ``pulse`` (int, 1-based within the ramp),
    ``conductance_S`` (> 0), and any of :data:`OPTIONAL_COLUMNS` (``pulse_amplitude_V`` and
    ``pulse_current_A`` are magnitudes). Rows are sorted by device, cycle, phase (potentiation first), pulse.

    A table may hold a single cycle (a reader loads what the file has); characterization needs
    several, see :meth:`check_for_characterization`.

    ``layout`` says, one line per file read, which layout and column roles the reader found, e.g.
    ``run.xlsx (sheet 'S1'): signed pulse voltage; column A pulse voltage, column B read voltage
    (constant -0.1 V), columns C-AR: 42 devices (read current, A)``; empty for tables built in memory.
    """

    frame: pd.DataFrame
    source: str = "<memory>"
    layout: str = ""

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        source: str | Path = "<memory>",
        *,
        rows: Sequence[int] | np.ndarray | None = None,
        layout: str = "",
    ) -> PulseTable:
        """Validate ``frame`` (canonical column names, SI units) and return a table.

        ``rows`` gives, for each row of ``frame``, the row number in the source file, so errors
        point where the user can look; without it errors give the 0-based record index.
        """
        src = str(source)
        where = np.arange(len(frame)) if rows is None else np.asarray(rows, dtype=np.int64)
        if len(where) != len(frame):
            raise ValueError(f"rows has {len(where)} entries for a frame of {len(frame)} rows")
        df = _canonical_columns(frame, src)
        cells = _Cells(df, src, where)
        df["device"] = df["device"].astype(str)
        bad_phase = ~df["phase"].isin(PHASES).to_numpy()
        if bad_phase.any():
            raise cells.error("unknown phase", bad_phase, "phase", "'potentiation' or 'depression'")
        for col in ("cycle", "pulse"):
            df[col] = _whole_numbers(cells, col)
        for col in ("conductance_S", *[c for c in OPTIONAL_COLUMNS if c in df.columns]):
            df[col] = _finite_numbers(cells, col)
        _check_unique(cells)
        order = df["phase"].map({POTENTIATION: 0, DEPRESSION: 1})
        df = (
            df.assign(_order=order)
            .sort_values(["device", "cycle", "_order", "pulse"], kind="stable")
            .drop(columns="_order")
            .reset_index(drop=True)
        )
        return cls(frame=df, source=src, layout=layout)

    @property
    def devices(self) -> list[str]:
        return list(dict.fromkeys(self.frame["device"]))

    def for_device(self, device: str) -> PulseTable:
        if device not in self.devices:
            raise MeasurementError(
                "no such device",
                file=self.source,
                column="device",
                value=device,
                expected=f"one of {', '.join(self.devices)}",
            )
        sub = self.frame[self.frame["device"] == device].reset_index(drop=True)
        return PulseTable(frame=sub, source=self.source, layout=self.layout)

    def phases(self) -> list[str]:
        present = set(self.frame["phase"])
        return [p for p in PHASES if p in present]

    def matrix(self, phase: str, column: str = "conductance_S") -> np.ndarray:
        """``(cycles, pulses)`` array of one phase of a single device; NaN where a ramp is shorter."""
        if len(self.devices) != 1:
            raise MeasurementError(
                "matrix() needs a single device; use for_device()",
                file=self.source,
                value=self.devices,
            )
        sub = self.frame[self.frame["phase"] == phase]
        if sub.empty:
            return np.empty((0, 0))
        wide = sub.pivot(index="cycle", columns="pulse", values=column)
        return wide.to_numpy(dtype=float)

    def check_for_characterization(self, min_cycles: int = 2) -> PulseTable:
        """Raise unless every device has ≥ ``min_cycles`` ramps in each phase it has; return self.

        Readers accept a single cycle (a file may hold just one); a cycle-to-cycle σ needs two.
        """
        require_cycles(self, min_cycles)
        return self

    def to_csv(self, path: str | Path) -> None:
        self.frame.to_csv(path, index=False)


@dataclass(frozen=True)
class _Cells:
    """The frame being validated, with each row's place in the source file, to point errors at."""

    df: pd.DataFrame
    source: str
    where: np.ndarray

    def error(self, message: str, mask: np.ndarray, col: str, expected: str) -> MeasurementError:
        """An error at the first row where ``mask`` is true, naming its value in ``col``."""
        i = int(np.argmax(mask))
        value = self.df[col].iloc[i]
        return MeasurementError(
            message,
            file=self.source,
            row=int(self.where[i]),
            column=col,
            value=value.item() if isinstance(value, np.generic) else value,
            expected=expected,
        )


def _canonical_columns(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The required and optional columns of ``frame`` (a missing device column: one ``device``)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if "device" in missing:
        frame = frame.assign(device="device")
        missing.remove("device")
    if missing:
        raise MeasurementError(
            f"missing required column(s) {', '.join(missing)}",
            file=source,
            expected=f"columns {', '.join(REQUIRED_COLUMNS)}",
        )
    if len(frame) == 0:
        raise MeasurementError("no measurements", file=source, expected="at least one row")
    keep = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in frame.columns]
    return frame[keep].reset_index(drop=True)


def _whole_numbers(cells: _Cells, col: str) -> np.ndarray:
    """Cycle or pulse numbers as integers; anything but a whole number >= 0 raises."""
    values = pd.to_numeric(cells.df[col], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0) | (values > _MAX_INDEX)
    if bad.any():
        raise cells.error("not a whole number", bad, col, "a whole number >= 0")
    return values.astype(np.int64)


def _finite_numbers(cells: _Cells, col: str) -> np.ndarray:
    """A column of finite numbers (conductances also positive)."""
    values = pd.to_numeric(cells.df[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if col == "conductance_S":
        bad |= ~(values > 0)
    if bad.any():
        what = "a positive, finite conductance" if col == "conductance_S" else "a finite number"
        raise cells.error("invalid value", bad, col, what)
    return values


def _check_unique(cells: _Cells) -> None:
    """One read per device, cycle, phase and pulse; a repeat names the row of the first."""
    df, key = cells.df, ["device", "cycle", "phase", "pulse"]
    dup = df.duplicated(subset=key).to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        same = (df[key] == df[key].iloc[i]).all(axis=1).to_numpy()
        first = int(cells.where[int(np.argmax(same))])
        raise cells.error(
            f"the same device/cycle/phase/pulse was already read at row {first}",
            dup,
            "pulse",
            "one read per device, cycle, phase and pulse",
        )


def require_cycles(table: PulseTable, n: int = 2, phases: Sequence[str] | None = None) -> None:
    """Raise :class:`MeasurementError` unless each device has ≥ ``n`` cycles of each phase.

    ``phases``: the phases that must be present (default: those the table has).
    """
    counts = table.frame.groupby(["device", "phase"])["cycle"].nunique()
    for device in table.devices:
        for phase in phases if phases is not None else table.phases():
            have = int(counts.get((device, phase), 0))
            if have < n:
                who = f"device {device!r}" if len(table.devices) > 1 else "the table"
                raise MeasurementError(
                    f"{who} has {have} {phase} cycle(s); a cycle-to-cycle sigma needs at least {n}",
                    file=table.source,
                    column="cycle",
                    value=have,
                    expected=f"at least {n} {phase} ramps per device",
                )
