"""The device model: what a crossbar simulation needs to know about one memristor technology.

All values are SI (siemens, volts, seconds, joules). A device has two programming modes; in each, a
weight is written open-loop as a number of pulses n = 0..L-1 along the mode's linear range, and
level n has a measured mean conductance and a cycle-to-cycle programming sigma.

A device is stored as TOML (:meth:`DeviceModel.to_toml` / :meth:`DeviceModel.from_toml`) with one table
per part; units are in the key names, every float round-trips exactly, and unknown keys are errors (a
typo must never be silently ignored)::

    format_version = 1
    name = "my-device"
    citation = "..."
    notes = "..."

    [potentiation]            # levels in pulse order; level 0 is weight 0
    g_levels_S = [5e-4, 5.8e-4, ...]
    sigma_S = [2.4e-5, 2.4e-5, ...]

    [depression]
    g_levels_S = [...]
    sigma_S = [...]

    [variability]             # relative standard deviations and fault rates
    d2d_update = 0.3
    d2d_bounds = 0.3

    [drift]                   # see memtwin.devices.drift
    kind = "hfs2-retention"

    [pulse_scheme]            # optional facts for cost and comparison
    max_voltage_V = 0.995
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import tomli_w

from memtwin.devices.drift import DriftModel, build_drift
from memtwin.errors import ConfigError
from memtwin.validation import check_keys, fail, integer, number, numbers, text

MODES = ("potentiation", "depression")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModeLevels:
    """Levels of one programming mode, in pulse order: ``g_levels_S[n]`` is the mean conductance
    after ``n · pulses_per_level`` pulses from the start of the linear range (n = 0 is weight 0).

    ``pulses_per_level`` is 1 when every pulse is a distinguishable level (the paper's device) and more
    for a fine-step device whose neighbouring pulses overlap (see
    :mod:`memtwin.characterization.levels`): a weight is then written as ``pulses_per_level × level``
    pulses. The crossbar works in levels; only the pulse count (cost, energy) depends on it."""

    g_levels_S: tuple[float, ...]
    sigma_S: tuple[float, ...]
    pulses_per_level: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "g_levels_S", tuple(float(g) for g in self.g_levels_S))
        object.__setattr__(self, "sigma_S", tuple(float(s) for s in self.sigma_S))
        object.__setattr__(self, "pulses_per_level", integer("pulses_per_level", self.pulses_per_level, ge=1))
        if len(self.g_levels_S) < 2:
            fail(
                "g_levels_S",
                list(self.g_levels_S),
                f"a programming mode needs at least 2 levels, got {len(self.g_levels_S)}",
            )
        if len(self.sigma_S) != len(self.g_levels_S):
            raise ConfigError(
                f"sigma_S has {len(self.sigma_S)} values but g_levels_S has {len(self.g_levels_S)} levels"
            )
        numbers("g_levels_S", self.g_levels_S, gt=0, note="conductance, S")
        numbers("sigma_S", self.sigma_S, ge=0, note="S")
        steps = [b - a for a, b in zip(self.g_levels_S, self.g_levels_S[1:], strict=False)]
        if not (all(s > 0 for s in steps) or all(s < 0 for s in steps)):
            raise ConfigError("g_levels_S: level conductances must change monotonically with pulse number")

    @property
    def levels(self) -> int:
        return len(self.g_levels_S)

    @property
    def g_start_S(self) -> float:
        return self.g_levels_S[0]

    @property
    def mean_step_S(self) -> float:
        """Mean |conductance change| per pulse over the range (the bin width)."""
        return abs(self.g_levels_S[-1] - self.g_levels_S[0]) / (self.levels - 1)

    @property
    def sigma_mean_S(self) -> float:
        return sum(self.sigma_S) / len(self.sigma_S)

    @classmethod
    def linear(cls, g_start_S: float, step_S: float, levels: int, sigma_S: float) -> ModeLevels:
        """Evenly spaced levels (``step_S`` negative for a depressing mode) with one sigma for all."""
        integer("levels", levels, ge=2)
        return cls(
            g_levels_S=tuple(g_start_S + n * step_S for n in range(levels)),
            sigma_S=(sigma_S,) * levels,
        )

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"g_levels_S": list(self.g_levels_S), "sigma_S": list(self.sigma_S)}
        if self.pulses_per_level != 1:  # devices written before the key existed stay byte-identical
            out["pulses_per_level"] = self.pulses_per_level
        return out

    @classmethod
    def from_dict(cls, data: object, where: str = "mode") -> ModeLevels:
        table = _table(data, where)
        check_keys(where, table, ("g_levels_S", "sigma_S", "pulses_per_level"))
        for key in ("g_levels_S", "sigma_S"):
            if key not in table:
                raise ConfigError(f"{where}: missing key {key!r}")
        g = numbers(f"{where}.g_levels_S", table["g_levels_S"])
        s = numbers(f"{where}.sigma_S", table["sigma_S"])
        p = table.get("pulses_per_level", 1)
        with _prefixed(where):
            return cls(g_levels_S=g, sigma_S=s, pulses_per_level=p)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PulseScheme:
    """How the device is programmed; optional facts used for cost and comparison.

    ``amplitudes_V``/``widths_s`` list the pulses of one train in order where they are known;
    ``amplitude_range_V``/``width_range_s`` give (min, max) where only the range is published.
    ``energy_per_cycle_J`` is the programming energy of one full potentiation + depression cycle of
    ``pulses_per_cycle`` pulses, with its cycle-to-cycle standard deviation.
    """

    max_voltage_V: float | None = None
    energy_per_cycle_J: float | None = None
    pulses_per_cycle: int | None = None
    amplitudes_V: tuple[float, ...] = ()
    widths_s: tuple[float, ...] = ()
    energy_per_cycle_std_J: float | None = None
    amplitude_range_V: tuple[float, ...] = ()
    width_range_s: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        for name in ("amplitudes_V", "widths_s", "amplitude_range_V", "width_range_s"):
            values = tuple(float(v) for v in getattr(self, name))
            if name.startswith("width"):
                numbers(name, values, gt=0, note="pulse width, s")
            else:
                numbers(name, values)
            object.__setattr__(self, name, values)
        for name in ("amplitude_range_V", "width_range_s"):
            r = getattr(self, name)
            if r and (len(r) != 2 or r[0] > r[1]):
                fail(name, list(r), "must be [min, max]")
        if self.max_voltage_V is not None:
            object.__setattr__(
                self, "max_voltage_V", number("max_voltage_V", self.max_voltage_V, gt=0, note="V")
            )
        for name in ("energy_per_cycle_J", "energy_per_cycle_std_J"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, number(name, getattr(self, name), ge=0, note="J"))
        if self.pulses_per_cycle is not None:
            integer("pulses_per_cycle", self.pulses_per_cycle, ge=1)


@dataclass(frozen=True)
class Variability:
    """Device-to-device spread (relative standard deviations) and stuck-at faults.

    ``d2d_update``: per-device spread of the conductance step, step * (1 + delta), delta ~ N(0, d2d_update)
    and kept positive. ``d2d_bounds``: per-device spread of the maximum reachable state (a device may
    saturate below the nominal top level). ``d2d_offset``: a separate per-device relative offset of the
    zero state (default 0; not part of the paper's model).
    """

    d2d_update: float = 0.3
    d2d_bounds: float = 0.3
    d2d_offset: float = 0.0
    read_noise_rel: float = 0.0
    stuck_at_min_rate: float = 0.0
    stuck_at_max_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("d2d_update", "d2d_bounds", "d2d_offset", "read_noise_rel"):
            object.__setattr__(self, name, number(name, getattr(self, name), ge=0))
        for name in ("stuck_at_min_rate", "stuck_at_max_rate"):
            object.__setattr__(self, name, number(name, getattr(self, name), ge=0, le=1))
        stuck = self.stuck_at_min_rate + self.stuck_at_max_rate
        if stuck > 1:
            fail("stuck_at_min_rate + stuck_at_max_rate", stuck, "must not exceed 1")


@dataclass(frozen=True)
class Measured:
    """What the measurements behind a device say that its levels do not: kept with the model so that
    every command reports the device's figures as its characterization computed them.

    ``on_off_ratio``, ``g_min_S``, ``g_max_S``: over the whole measured ramps (the levels only span the
    linear range). ``sigma_source``: ``cycle_to_cycle`` or ``fit_residuals`` (one cycle per phase).
    ``d2d_devices``: how many devices the device-to-device spread was measured over (0: none; the
    ``[variability]`` values are then assumed), with the measured relative spreads of the step and of
    the reachable range.
    """

    source: str = ""
    cycles: int = 0
    on_off_ratio: float | None = None
    g_min_S: float | None = None
    g_max_S: float | None = None
    sigma_source: str = "cycle_to_cycle"
    d2d_devices: int = 0
    d2d_slope_rel_std: float | None = None
    d2d_range_rel_std: float | None = None

    def __post_init__(self) -> None:
        for name in ("source", "sigma_source"):
            text(name, getattr(self, name))
        for name in ("cycles", "d2d_devices"):
            integer(name, getattr(self, name), ge=0)
        for name in ("on_off_ratio", "g_min_S", "g_max_S", "d2d_slope_rel_std", "d2d_range_rel_std"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, number(name, getattr(self, name), ge=0))


@dataclass(frozen=True)
class DeviceModel:
    """A memristor technology as the crossbar simulation sees it.

    ``drift`` is a :class:`~memtwin.devices.drift.DriftModel` (every parameter explicit, so a saved
    device says exactly which drift it used). It may be given as a model, a kind name or its spec table
    (``{"kind": "power_law", "nu": 0.005}``, the TOML form); it is built and validated on construction.
    """

    name: str
    potentiation: ModeLevels
    depression: ModeLevels
    variability: Variability = field(default_factory=Variability)
    drift: DriftModel = field(default_factory=lambda: build_drift("none"))
    pulse_scheme: PulseScheme = field(default_factory=PulseScheme)
    citation: str = ""
    notes: str = ""
    measured: Measured | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            fail("name", self.name, "a device needs a non-empty name")
        for key, kind in _PARTS.items():
            part = getattr(self, key)
            if not isinstance(part, kind) and not (key == "measured" and part is None):
                raise ConfigError(f"{key} must be a {kind.__name__}, got {type(part).__name__}")
        text("citation", self.citation)
        text("notes", self.notes)
        object.__setattr__(self, "drift", build_drift(self.drift))

    def mode(self, name: str) -> ModeLevels:
        if name not in MODES:
            raise ConfigError(f"unknown programming mode {name!r}; expected one of {', '.join(MODES)}")
        return self.potentiation if name == "potentiation" else self.depression

    # ----------------------------------------------------------------------------- summary figures
    def key_figures(self) -> dict[str, object]:
        """The figures a device table shows (levels, bins, bits, sigma/bin width, spread, ON/OFF, voltage,
        energy), defined as the characterization defines them (one definition for every command).

        Per mode, ``bins = 2L - 1``: the signed weights of a differential pair programmed in that mode
        with the other device at the start of the range. ``bins`` of the device: ``Lp + Ld - 1``,
        positive weights written by potentiation and negative ones by depression (the paper's 31 from
        16 + 16 levels). ``on_off_ratio``: the measured one over the whole ramps when the device comes
        from measurements (``measured``), else over its levels."""
        out: dict[str, object] = {"name": self.name}
        all_levels: list[float] = []
        for mode in MODES:
            m = self.mode(mode)
            bins = 2 * m.levels - 1
            out[mode] = {
                "levels": m.levels,
                "pulses_per_level": m.pulses_per_level,
                "bins": bins,
                "bits": math.log2(bins),
                "bin_width_S": m.mean_step_S,
                "sigma_mean_S": m.sigma_mean_S,
                "sigma_over_bin_width": m.sigma_mean_S / m.mean_step_S,
            }
            all_levels.extend(m.g_levels_S)
        bins = self.potentiation.levels + self.depression.levels - 1
        out["bins"] = bins
        out["bits"] = math.log2(bins)
        measured_on_off = None if self.measured is None else self.measured.on_off_ratio
        out["on_off_ratio"] = (
            measured_on_off if measured_on_off is not None else max(all_levels) / min(all_levels)
        )
        out["d2d_update"] = self.variability.d2d_update
        out["d2d_bounds"] = self.variability.d2d_bounds
        out["d2d_measured_over"] = (
            self.measured.d2d_devices if self.measured is not None and self._uses_measured_d2d() else 0
        )
        out["max_voltage_V"] = self.pulse_scheme.max_voltage_V
        out["energy_per_cycle_J"] = self.pulse_scheme.energy_per_cycle_J
        out["drift"] = self.drift.kind
        return out

    def _uses_measured_d2d(self) -> bool:
        """Whether ``variability`` holds the spread measured over several devices (not an assumption)."""
        m = self.measured
        return (
            m is not None
            and m.d2d_devices > 1
            and self.variability.d2d_update == m.d2d_slope_rel_std
            and self.variability.d2d_bounds == m.d2d_range_rel_std
        )

    # ------------------------------------------------------------------------------ serialization
    def to_dict(self) -> dict[str, object]:
        """Plain nested dict in the TOML layout (module docstring); ``None`` values are left out."""
        out: dict[str, object] = {"format_version": FORMAT_VERSION, "name": self.name}
        if self.citation:
            out["citation"] = self.citation
        if self.notes:
            out["notes"] = self.notes
        out["potentiation"] = self.potentiation.to_dict()
        out["depression"] = self.depression.to_dict()
        out["variability"] = {f.name: getattr(self.variability, f.name) for f in fields(Variability)}
        out["drift"] = self.drift.to_dict()
        scheme: dict[str, object] = {}
        for f in fields(PulseScheme):
            value = getattr(self.pulse_scheme, f.name)
            if value is None or value == ():
                continue
            scheme[f.name] = list(value) if isinstance(value, tuple) else value
        out["pulse_scheme"] = scheme
        if self.measured is not None:
            out["measured"] = {
                f.name: getattr(self.measured, f.name)
                for f in fields(Measured)
                if getattr(self.measured, f.name) is not None
            }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DeviceModel:
        """Build and validate a device from :meth:`to_dict`'s layout. Errors name the key and value."""
        table = _table(data, "device")
        check_keys("device", table, _TOP_KEYS, hint=_MODE_HINT)
        version = table.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ConfigError(f"format_version = {version!r}: this memtwin reads version {FORMAT_VERSION}")
        for key in ("name", *MODES):
            if key not in table:
                raise ConfigError(f"device: missing key {key!r}")
        modes = {m: ModeLevels.from_dict(table[m], m) for m in MODES}
        variability = _build_section(Variability, table.get("variability", {}), "variability")
        pulse_scheme = _build_section(PulseScheme, table.get("pulse_scheme", {}), "pulse_scheme")
        measured = (
            None if "measured" not in table else _build_section(Measured, table["measured"], "measured")
        )
        drift = table.get("drift", {"kind": "none"})
        if not isinstance(drift, Mapping):
            raise ConfigError(f"drift = {drift!r}: must be a table with a 'kind' key")
        return cls(
            name=text("name", table["name"]),
            potentiation=modes["potentiation"],
            depression=modes["depression"],
            variability=variability,
            drift=build_drift(drift),
            pulse_scheme=pulse_scheme,
            citation=text("citation", table.get("citation", "")),
            notes=text("notes", table.get("notes", "")),
            measured=measured,
        )

    def to_toml_str(self) -> str:
        return "# memtwin device model; SI units (S, V, s, J)\n" + tomli_w.dumps(self.to_dict())

    @classmethod
    def from_toml_str(cls, text: str, source: str = "<string>") -> DeviceModel:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
        try:
            return cls.from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from exc

    def to_toml(self, path: str | Path) -> Path:
        """Write the device as TOML (floats exactly as stored); returns the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_toml_str(), encoding="utf-8")
        return target

    @classmethod
    def from_toml(cls, path: str | Path) -> DeviceModel:
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read device file: {exc.strerror or exc}") from exc
        return cls.from_toml_str(text, source=str(source))

    #: A device model from a characterization (``DeviceModel.from_characterization(source, ...)``):
    #: :func:`memtwin.devices.from_characterization.device_from_characterization`, which attaches itself
    #: here so that this module, which it builds on, need not import it.
    from_characterization: ClassVar[Callable[..., DeviceModel]]


# ---------------------------------------------------------------------------------- helpers

_TOP_KEYS = (
    "format_version",
    "name",
    "citation",
    "notes",
    "potentiation",
    "depression",
    "variability",
    "drift",
    "pulse_scheme",
    "measured",
)
_MODE_HINT = f"programming modes are {' and '.join(MODES)}"
#: The parts of a device and their types (``measured`` may be None).
_PARTS: dict[str, type] = {
    "potentiation": ModeLevels,
    "depression": ModeLevels,
    "variability": Variability,
    "pulse_scheme": PulseScheme,
    "measured": Measured,
}


class _prefixed:
    """Re-raise a ConfigError from a nested constructor with the section it came from."""

    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, ConfigError):
            raise ConfigError(f"{self.where}.{exc}") from exc


def _table(data: object, where: str) -> Mapping[str, object]:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} = {data!r}: expected a table")
    return data


#: Keys of the TOML sections whose values are lists of numbers.
_LIST_KEYS = ("amplitudes_V", "widths_s", "amplitude_range_V", "width_range_s")


def _build_section(cls: Any, data: object, where: str) -> Any:
    """Variability / PulseScheme / Measured from a TOML table: the keys checked here, the values by the
    class, with errors named after the section."""
    table = _table(data, where)
    check_keys(where, table, [f.name for f in fields(cls)])
    with _prefixed(where):
        return cls(**{key: numbers(key, v) if key in _LIST_KEYS else v for key, v in table.items()})
