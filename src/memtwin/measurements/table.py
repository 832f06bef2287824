"""The one tidy, validated table every reader produces: one row per conductance read, SI units."""

from __future__ import annotations

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
    "time_s",
)


@dataclass(frozen=True)
class PulseTable:
    """Validated pulse-train measurements of one or more devices.

    ``frame`` columns: ``device`` (str), ``cycle`` (int, one potentiation + one depression ramp),
    ``phase`` (``potentiation``/``depression``), ``pulse`` (int, 1-based within the ramp),
    ``conductance_S`` (> 0), and any of :data:`OPTIONAL_COLUMNS`. Rows are sorted by
    device, cycle, phase (potentiation first), pulse.
    """

    frame: pd.DataFrame
    source: str = "<memory>"

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str | Path = "<memory>") -> PulseTable:
        """Validate ``frame`` (canonical column names, SI units) and return a table."""
        src = str(source)
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if "device" in missing:
            frame = frame.assign(device="device")
            missing.remove("device")
        if missing:
            raise MeasurementError(
                f"missing required column(s) {', '.join(missing)}",
                file=src,
                expected=f"columns {', '.join(REQUIRED_COLUMNS)}",
            )
        if len(frame) == 0:
            raise MeasurementError("no measurements", file=src, expected="at least one row")
        keep = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in frame.columns]
        df = frame[keep].copy()
        df["device"] = df["device"].astype(str)
        bad_phase = ~df["phase"].isin(PHASES)
        if bad_phase.any():
            i = int(np.argmax(bad_phase.to_numpy()))
            raise MeasurementError(
                "unknown phase", file=src, row=i, column="phase", value=df["phase"].iloc[i],
                expected="'potentiation' or 'depression'",
            )
        for col in ("cycle", "pulse"):
            values = pd.to_numeric(df[col], errors="coerce")
            bad = values.isna() | (values != np.round(values))
            if bad.any():
                i = int(np.argmax(bad.to_numpy()))
                raise MeasurementError(
                    "not an integer", file=src, row=i, column=col, value=df[col].iloc[i],
                    expected="a whole number",
                )
            df[col] = values.astype(np.int64)
        for col in ("conductance_S", *[c for c in OPTIONAL_COLUMNS if c in df.columns]):
            values = pd.to_numeric(df[col], errors="coerce")
            bad = ~np.isfinite(values.to_numpy(dtype=float))
            if col == "conductance_S":
                bad = bad | (values.to_numpy(dtype=float) <= 0)
            if bad.any():
                i = int(np.argmax(bad))
                what = "a positive, finite conductance" if col == "conductance_S" else "a finite number"
                raise MeasurementError(
                    "invalid value", file=src, row=i, column=col, value=df[col].iloc[i], expected=what
                )
            df[col] = values.astype(float)
        dup = df.duplicated(subset=["device", "cycle", "phase", "pulse"])
        if dup.any():
            i = int(np.argmax(dup.to_numpy()))
            raise MeasurementError(
                "the same device/cycle/phase/pulse appears twice", file=src, row=i, column="pulse",
                value=int(df["pulse"].iloc[i]), expected="one read per pulse",
            )
        order = df["phase"].map({POTENTIATION: 0, DEPRESSION: 1})
        df = (
            df.assign(_order=order)
            .sort_values(["device", "cycle", "_order", "pulse"], kind="stable")
            .drop(columns="_order")
            .reset_index(drop=True)
        )
        return cls(frame=df, source=src)

    @property
    def devices(self) -> list[str]:
        return list(dict.fromkeys(self.frame["device"]))

    def for_device(self, device: str) -> PulseTable:
        if device not in self.devices:
            raise MeasurementError(
                "no such device", file=self.source, column="device", value=device,
                expected=f"one of {', '.join(self.devices)}",
            )
        sub = self.frame[self.frame["device"] == device].reset_index(drop=True)
        return PulseTable(frame=sub, source=self.source)

    def phases(self) -> list[str]:
        present = set(self.frame["phase"])
        return [p for p in PHASES if p in present]

    def matrix(self, phase: str, column: str = "conductance_S") -> np.ndarray:
        """``(cycles, pulses)`` array of one phase of a single device; NaN where a ramp is shorter."""
        if len(self.devices) != 1:
            raise MeasurementError(
                "matrix() needs a single device; use for_device()", file=self.source,
                value=self.devices,
            )
        sub = self.frame[self.frame["phase"] == phase]
        if sub.empty:
            return np.empty((0, 0))
        wide = sub.pivot(index="cycle", columns="pulse", values=column)
        return wide.to_numpy(dtype=float)

    def to_csv(self, path: str | Path) -> None:
        self.frame.to_csv(path, index=False)
