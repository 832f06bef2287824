"""Column headers → which quantity a column holds and the factor that brings it to SI.

Labs write the same column a dozen ways (``G (uS)``, ``G [µS]``, ``conductance_S``, ``G/mS``,
``R (kOhm)``). Everything inside memtwin is SI, so the conversion happens once, here, at the edge.

A header is ``label`` plus an optional unit, written ``label (unit)``, ``label [unit]``,
``label / unit`` or, when the label is a known name, ``label_unit`` / ``label unit``
(``conductance_S``, ``t_ms``). A read voltage may ride along in a current header:
``I (uA) @ -0.1 V`` or ``I (uA) Vread=0.1V``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from memtwin.errors import MeasurementError

# Quantities a column can hold.
CONDUCTANCE = "conductance"
CURRENT = "current"
RESISTANCE = "resistance"
VOLTAGE = "voltage"  # a voltage whose role (read or pulse) the layout decides
READ_VOLTAGE = "read_voltage"
PULSE_AMPLITUDE = "pulse_amplitude"
PULSE_WIDTH = "pulse_width"
PULSE_CURRENT = "pulse_current"  # the current through the device during a programming pulse
TIME = "time"
CYCLE = "cycle"
PHASE = "phase"
PULSE = "pulse"
DEVICE = "device"

#: Quantities whose values are a device's response (one of them gives the conductance).
RESPONSES = (CONDUCTANCE, CURRENT, RESISTANCE)
#: Quantities that belong to one read of one device: only the tidy layout (a row per read) holds them.
TIDY_ONLY = (CYCLE, PHASE, DEVICE, PULSE_CURRENT)

# Physical dimensions; "1" is a count, "text" a label.
SIEMENS, AMPERE, OHM, VOLT, SECOND, COUNT, TEXT = "S", "A", "Ohm", "V", "s", "1", "text"

DIMENSION = {
    CONDUCTANCE: SIEMENS,
    CURRENT: AMPERE,
    RESISTANCE: OHM,
    VOLTAGE: VOLT,
    READ_VOLTAGE: VOLT,
    PULSE_AMPLITUDE: VOLT,
    PULSE_WIDTH: SECOND,
    PULSE_CURRENT: AMPERE,
    TIME: SECOND,
    CYCLE: COUNT,
    PULSE: COUNT,
    PHASE: TEXT,
    DEVICE: TEXT,
}

#: The :class:`~memtwin.measurements.table.PulseTable` column each quantity ends up in.
CANONICAL = {
    CONDUCTANCE: "conductance_S",
    CURRENT: "read_current_A",
    READ_VOLTAGE: "read_voltage_V",
    PULSE_AMPLITUDE: "pulse_amplitude_V",
    PULSE_WIDTH: "pulse_width_s",
    PULSE_CURRENT: "pulse_current_A",
    TIME: "time_s",
    CYCLE: "cycle",
    PHASE: "phase",
    PULSE: "pulse",
    DEVICE: "device",
}

_ALIASES: dict[str, tuple[str, ...]] = {
    CONDUCTANCE: ("g", "cond", "conductance", "g read", "read g", "read conductance", "gread"),
    CURRENT: ("i", "current", "read current", "i read", "iread", "current read", "ir", "i r"),
    RESISTANCE: ("r", "res", "resistance", "read resistance", "r read", "rread"),
    READ_VOLTAGE: ("v read", "vread", "read voltage", "vr", "v r", "read v", "voltage read"),
    PULSE_AMPLITUDE: (
        "v pulse", "vpulse", "pulse voltage", "pulse amplitude", "amplitude", "vp", "v p", "pulse v",
        "v prog", "vprog", "programming voltage", "write voltage", "v write", "vwrite", "pulse height",
        "voltage pulse", "pulse amp",
    ),
    PULSE_CURRENT: (
        "pulse current", "i pulse", "ipulse", "write current", "i write", "iwrite", "programming current",
        "prog current", "i prog", "iprog", "current pulse",
    ),
    VOLTAGE: ("v", "voltage", "u"),
    PULSE_WIDTH: (
        "width", "pulse width", "pw", "t pulse", "tpulse", "pulse duration", "duration", "tw", "t w",
        "pulse length",
    ),
    TIME: ("t", "time", "timestamp", "time stamp", "elapsed", "elapsed time"),
    CYCLE: ("cycle", "cycles", "cyc", "ramp", "sweep"),
    PHASE: ("phase", "mode", "direction", "dir", "type", "polarity", "pulse type", "operation", "op"),
    PULSE: ("pulse", "pulses", "n", "#", "step", "pulse count", "n pulse", "npulse", "index", "idx", "no", "nr"),
    DEVICE: ("device", "dev", "cell", "sample", "dut", "device name", "memristor"),
}  # fmt: skip
_ALIAS = {alias: quantity for quantity, aliases in _ALIASES.items() for alias in aliases}
# "Pulse number", "cycle #", "device id" mean the same column as "pulse", "cycle", "device".
_NUMBER_SUFFIXES = {"#", "no", "nr", "number", "num", "index", "idx", "id"}

_PREFIX = {
    "": 1.0, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "K": 1e3, "M": 1e6,
    "G": 1e9,
}  # fmt: skip
_WORD_PREFIX = {
    "": 1.0, "femto": 1e-15, "pico": 1e-12, "nano": 1e-9, "micro": 1e-6, "milli": 1e-3, "kilo": 1e3,
    "mega": 1e6, "giga": 1e9,
}  # fmt: skip
_SYMBOL = {
    "S": SIEMENS, "mho": SIEMENS, "\u2127": SIEMENS, "A": AMPERE, "V": VOLT, "s": SECOND, "sec": SECOND,
    "Ohm": OHM, "ohm": OHM, "Ohms": OHM, "ohms": OHM, "\u03a9": OHM,
}  # fmt: skip
_WORD = {
    "siemens": SIEMENS, "mho": SIEMENS, "mhos": SIEMENS, "amp": AMPERE, "amps": AMPERE,
    "ampere": AMPERE, "amperes": AMPERE, "volt": VOLT, "volts": VOLT, "ohm": OHM, "ohms": OHM,
    "second": SECOND, "seconds": SECOND, "sec": SECOND, "secs": SECOND,
}  # fmt: skip
_FIXED = {
    "min": (SECOND, 60.0), "h": (SECOND, 3600.0), "hr": (SECOND, 3600.0), "#": (COUNT, 1.0),
    "-": (COUNT, 1.0), "1": (COUNT, 1.0), "count": (COUNT, 1.0), "counts": (COUNT, 1.0),
}  # fmt: skip

UNITS_HELP = (
    "a unit of conductance (S, mS, uS, µS, nS), current (A, mA, uA, nA, pA), resistance "
    "(Ohm, kOhm, MOhm, Ω, kΩ), voltage (V, mV) or time (s, ms, us, ns), e.g. 'G (uS)'"
)

_BRACKETED = re.compile(r"^(?P<label>.*?)\s*[(\[{](?P<unit>[^()\[\]{}]*)[)\]}]\s*$")
_SLASHED = re.compile(r"^(?P<label>.*\S)\s*/\s*(?P<unit>[^/\s]+)$")
_SUFFIXED = re.compile(r"^(?P<label>.*[^\s_])[\s_]+(?P<unit>[^\s_]+)$")
_READ_AT = re.compile(
    r"(?:@|\bv_?read\s*=|\bvr\s*=)\s*(?P<v>[+\-−]?(?:\d+\.?\d*|\.\d+)(?:[eE][+\-]?\d+)?)\s*(?P<u>mV|V)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[a-z]+|\d+|#")


@dataclass(frozen=True)
class ColumnSpec:
    """What one header says: the quantity, its unit and the factor to SI.

    ``quantity`` is ``None`` for a label memtwin does not know (a device name, ``cycle 3``); the
    unit may still say what it holds (``D1 (uS)`` is a conductance). ``bad_unit`` keeps a unit that
    could not be read for a column the layout may ignore; :meth:`check` raises for it.
    """

    header: str
    label: str
    quantity: str | None
    unit: str | None
    scale: float = 1.0
    read_voltage_V: float | None = None
    bad_unit: str | None = None
    assumed: bool = False  # the quantity was guessed (no unit, name or --quantity said it)

    @property
    def dimension(self) -> str | None:
        return DIMENSION.get(self.quantity) if self.quantity else None

    @property
    def tokens(self) -> list[str]:
        """Lower-case words and numbers of the label (``"G_set3"`` → ``["g", "set", "3"]``)."""
        return _TOKEN.findall(_fold(self.label).lower())

    def check(self, file: str | None) -> ColumnSpec:
        """Raise the unknown-unit error this header deferred; return self otherwise."""
        if self.bad_unit is not None:
            raise _unknown_unit(self.bad_unit, self.header, file)
        return self


def label_words(label: str) -> str:
    """A label's lower-case words without a trailing number suffix (``"Pulse #"`` → ``"pulse"``)."""
    tokens = _TOKEN.findall(_fold(label).lower())
    if len(tokens) > 1 and tokens[-1] in _NUMBER_SUFFIXES:
        tokens = tokens[:-1]
    return " ".join(tokens)


def alias_of(label: str) -> str | None:
    """The quantity a bare label names (``"Pulse #"`` → ``pulse``), or ``None``."""
    return _ALIAS.get(label_words(label))


def parse_unit(text: str, expected: str | None = None) -> tuple[str, float] | None:
    """``(dimension, factor to SI)`` of a unit string, or ``None`` if it is not a unit.

    Case matters (``mS`` vs ``ms``, ``uS`` vs ``us``) unless the column's name says which
    dimension to ``expected``: then ``G (us)`` still means microsiemens.
    """
    unit = _fold(text).replace(" ", "")
    if unit in _FIXED:
        return _FIXED[unit]
    strict = _candidates(unit, case_sensitive=True)
    if expected is not None:
        fits = [c for c in strict if c[0] == expected]
        if fits:
            return fits[0]
        loose = {c for c in _candidates(unit, case_sensitive=False) if c[0] == expected}
        if len(loose) == 1:
            return loose.pop()
    if strict:
        return strict[0]
    loose = set(_candidates(unit, case_sensitive=False))
    return loose.pop() if len(loose) == 1 else None


def parse_header(header: str, *, file: str | None = None) -> ColumnSpec:
    """Read one column header; raise :class:`MeasurementError` for a known name with a bad unit."""
    original = str(header).strip()
    text = original
    read_v: float | None = None
    at = _READ_AT.search(text)
    if at:
        read_v = float(at["v"].replace("−", "-")) * (1e-3 if at["u"].lower() == "mv" else 1.0)
        text = (text[: at.start()] + text[at.end() :]).strip()

    bracket = _BRACKETED.match(text)
    if bracket and bracket["unit"].strip() and not bracket["unit"].strip().isdigit():
        label, unit = bracket["label"].strip(), bracket["unit"].strip()
        spec = _resolve(original, label, unit, read_v, file, strict=True)
        assert spec is not None  # strict resolution raises or returns
        return spec
    if bracket and not bracket["unit"].strip():
        text = bracket["label"].strip()
    for pattern in (_SLASHED, _SUFFIXED):
        match = pattern.match(text)
        if match:
            spec = _resolve(original, match["label"].strip(), match["unit"], read_v, file, strict=False)
            if spec is not None:
                return spec
    return ColumnSpec(original, text, alias_of(text), None, read_voltage_V=read_v)


def _resolve(
    header: str, label: str, unit: str, read_v: float | None, file: str | None, *, strict: bool
) -> ColumnSpec | None:
    """Combine label and unit. ``strict`` (brackets): the unit must be one; otherwise a failed
    split just means the text was not ``label_unit`` (``cycle_3``) and ``None`` is returned."""
    named = alias_of(label)
    named_dim = DIMENSION.get(named) if named else None
    physical = named_dim not in (None, COUNT, TEXT)
    parsed = parse_unit(unit, expected=named_dim if physical else None)
    if parsed is None:
        if not strict:
            return None
        if named is None:  # maybe a column the layout ignores; complain only if it is used
            return ColumnSpec(header, label, None, unit, read_voltage_V=read_v, bad_unit=unit)
        raise _unknown_unit(unit, header, file)
    dim, scale = parsed
    if not strict and (dim == COUNT or named is None or DIMENSION[named] != dim):
        return None
    quantity = _quantity(label, named, dim)
    if quantity is None and named is not None:
        raise MeasurementError(
            f"the unit {unit!r} measures {_DIM_WORD[dim]}, but {label!r} names "
            f"{_DIM_WORD.get(DIMENSION[named], named)}",
            file=file,
            column=header,
            value=unit,
            expected=UNITS_HELP,
        )
    return ColumnSpec(header, label, quantity, unit, scale, read_v)


_DIM_WORD = {
    SIEMENS: "a conductance",
    AMPERE: "a current",
    OHM: "a resistance",
    VOLT: "a voltage",
    SECOND: "a time",
    COUNT: "a count",
    TEXT: "a label",
}


def _quantity(label: str, named: str | None, dim: str) -> str | None:
    """The quantity a label with unit dimension ``dim`` holds; ``None`` if they contradict."""
    if named is not None and DIMENSION[named] == dim:
        return named
    words = set(_TOKEN.findall(_fold(label).lower()))
    if named == PULSE and dim in (VOLT, SECOND, AMPERE):  # "pulse (V)", "pulse (ns)", "pulse (uA)"
        return {VOLT: PULSE_AMPLITUDE, SECOND: PULSE_WIDTH, AMPERE: PULSE_CURRENT}[dim]
    if named is not None:
        return None
    if dim == SIEMENS:
        return CONDUCTANCE
    if dim == AMPERE:
        return PULSE_CURRENT if words & {"pulse", "prog", "write", "program", "programming"} else CURRENT
    if dim == OHM:
        return RESISTANCE
    if dim == VOLT:
        if "read" in words:
            return READ_VOLTAGE
        if words & {"pulse", "prog", "write", "amplitude", "program", "programming"}:
            return PULSE_AMPLITUDE
        return VOLTAGE
    if dim == SECOND:
        return PULSE_WIDTH if words & {"width", "pulse", "duration"} else TIME
    return None  # a count on an unknown label: "cycle 3 (#)" stays a plain label


def _candidates(unit: str, *, case_sensitive: bool) -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = []
    fold = (lambda s: s) if case_sensitive else str.lower
    target = fold(unit)
    for symbol, dim in _SYMBOL.items():
        for prefix, factor in _PREFIX.items():
            if fold(prefix + symbol) == target:
                found.append((dim, factor))
    low = unit.lower()
    for word, dim in _WORD.items():
        for prefix, factor in _WORD_PREFIX.items():
            if prefix + word == low:
                found.append((dim, factor))
    return found


def _fold(text: str) -> str:
    """Unify the look-alike characters labs type: micro signs, ohm signs, minus signs."""
    return (
        text.replace("\u00b5", "u").replace("\u03bc", "u").replace("\u2126", "\u03a9").replace("\u2212", "-")
    )


def _unknown_unit(unit: str, header: str, file: str | None) -> MeasurementError:
    return MeasurementError("unknown unit", file=file, column=header, value=unit, expected=UNITS_HELP)


# Words in a ramp header that say which ramp, not what it holds ("cycle 3", "set 1").
CYCLE_WORDS = {"cycle", "cycles", "cyc", "ramp", "sweep", "run", "c", "no", "nr", "#"}
RAMP_WORDS = CYCLE_WORDS | {
    "potentiation",
    "pot",
    "set",
    "ltp",
    "up",
    "depression",
    "dep",
    "reset",
    "ltd",
    "down",
}


def ramp_spec(spec: ColumnSpec, file: str | None) -> ColumnSpec:
    """A ramp/device column: its unit must be readable; ``I3``/``current 3`` mark currents by name."""
    spec.check(file)
    if spec.quantity is None:
        words = [t for t in spec.tokens if not t.isdigit() and t not in RAMP_WORDS]
        named = alias_of(" ".join(words)) if words else None
        if named in RESPONSES:
            return replace(spec, quantity=named)
    return spec
