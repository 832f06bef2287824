"""Readers for lab pulse-train files; each returns a validated :class:`PulseTable` in SI units."""

from memtwin.measurements.table import DEPRESSION, PHASES, POTENTIATION, PulseTable

__all__ = ["DEPRESSION", "PHASES", "POTENTIATION", "PulseTable"]
