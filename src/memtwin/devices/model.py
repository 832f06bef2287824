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

import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import tomli_w

from memtwin.errors import ConfigError

if TYPE_CHECKING:
    from memtwin.devices.drift import DriftModel

MODES = ("potentiation", "depression")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModeLevels:
    """Levels of one programming mode, in pulse order: ``g_levels_S[n]`` is the mean conductance
    after n pulses from the start of the linear range (n = 0 is weight 0)."""

    g_levels_S: tuple[float, ...]
    sigma_S: tuple[float, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "g_levels_S", tuple(float(g) for g in self.g_levels_S))
        object.__setattr__(self, "sigma_S", tuple(float(s) for s in self.sigma_S))
        if len(self.g_levels_S) < 2:
            raise ConfigError(
                f"g_levels_S = {list(self.g_levels_S)!r}: a programming mode needs at least 2 levels, "
                f"got {len(self.g_levels_S)}"
            )
        if len(self.sigma_S) != len(self.g_levels_S):
            raise ConfigError(
                f"sigma_S has {len(self.sigma_S)} values but g_levels_S has {len(self.g_levels_S)} levels"
            )
        for i, g in enumerate(self.g_levels_S):
            if not (math.isfinite(g) and g > 0):
                raise ConfigError(f"g_levels_S[{i}] = {g!r}: conductance must be positive and finite (S)")
        for i, s in enumerate(self.sigma_S):
            if not (math.isfinite(s) and s >= 0):
                raise ConfigError(f"sigma_S[{i}] = {s!r}: sigma must be >= 0 and finite (S)")
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
        if levels < 2:
            raise ConfigError(f"levels = {levels!r}: must be >= 2")
        return cls(
            g_levels_S=tuple(g_start_S + n * step_S for n in range(levels)),
            sigma_S=(sigma_S,) * levels,
        )

    def to_dict(self) -> dict[str, object]:
        return {"g_levels_S": list(self.g_levels_S), "sigma_S": list(self.sigma_S)}

    @classmethod
    def from_dict(cls, data: object, where: str = "mode") -> ModeLevels:
        table = _table(data, where)
        _check_keys(table, ("g_levels_S", "sigma_S"), where)
        for key in ("g_levels_S", "sigma_S"):
            if key not in table:
                raise ConfigError(f"{where}: missing key {key!r}")
        g = _float_list(table["g_levels_S"], f"{where}.g_levels_S")
        s = _float_list(table["sigma_S"], f"{where}.sigma_S")
        with _prefixed(where):
            return cls(g_levels_S=g, sigma_S=s)


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
            object.__setattr__(self, name, values)
            for i, v in enumerate(values):
                if not math.isfinite(v):
                    raise ConfigError(f"{name}[{i}] = {v!r}: must be finite")
        for name in ("widths_s", "width_range_s"):
            for i, v in enumerate(getattr(self, name)):
                if v <= 0:
                    raise ConfigError(f"{name}[{i}] = {v!r}: pulse widths must be > 0 s")
        for name in ("amplitude_range_V", "width_range_s"):
            r = getattr(self, name)
            if r and (len(r) != 2 or r[0] > r[1]):
                raise ConfigError(f"{name} = {list(r)!r}: must be [min, max]")
        if self.max_voltage_V is not None:
            v = float(self.max_voltage_V)
            if not (math.isfinite(v) and v > 0):
                raise ConfigError(f"max_voltage_V = {self.max_voltage_V!r}: must be > 0 and finite (V)")
            object.__setattr__(self, "max_voltage_V", v)
        for name in ("energy_per_cycle_J", "energy_per_cycle_std_J"):
            e = getattr(self, name)
            if e is not None:
                e = float(e)
                if not (math.isfinite(e) and e >= 0):
                    raise ConfigError(f"{name} = {getattr(self, name)!r}: must be >= 0 and finite (J)")
                object.__setattr__(self, name, e)
        if self.pulses_per_cycle is not None and (
            isinstance(self.pulses_per_cycle, bool)
            or not isinstance(self.pulses_per_cycle, int)
            or self.pulses_per_cycle < 1
        ):
            raise ConfigError(f"pulses_per_cycle = {self.pulses_per_cycle!r}: must be an integer >= 1")


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
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ConfigError(f"{f.name} = {v!r}: must be a number")
            object.__setattr__(self, f.name, float(v))
        for name in ("d2d_update", "d2d_bounds", "d2d_offset", "read_noise_rel"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ConfigError(f"{name} = {v!r}: must be >= 0 and finite")
        for name in ("stuck_at_min_rate", "stuck_at_max_rate"):
            v = getattr(self, name)
            if not (0 <= v <= 1):
                raise ConfigError(f"{name} = {v!r}: must be within [0, 1]")
        if self.stuck_at_min_rate + self.stuck_at_max_rate > 1:
            raise ConfigError(
                f"stuck_at_min_rate + stuck_at_max_rate = "
                f"{self.stuck_at_min_rate + self.stuck_at_max_rate!r}: must not exceed 1"
            )


@dataclass(frozen=True)
class DeviceModel:
    """A memristor technology as the crossbar simulation sees it.

    ``drift`` names a drift model (see :mod:`memtwin.devices.drift`) with its parameters, e.g.
    ``{"kind": "none"}``, ``{"kind": "power_law", "nu": 0.005}``. It is validated on construction and
    stored with every parameter explicit, so a saved device says exactly which drift it used.
    """

    name: str
    potentiation: ModeLevels
    depression: ModeLevels
    variability: Variability = field(default_factory=Variability)
    drift: dict[str, object] = field(default_factory=lambda: {"kind": "none"})
    pulse_scheme: PulseScheme = field(default_factory=PulseScheme)
    citation: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError(f"name = {self.name!r}: a device needs a non-empty name")
        for mode in MODES:
            if not isinstance(getattr(self, mode), ModeLevels):
                raise ConfigError(f"{mode} must be a ModeLevels, got {type(getattr(self, mode)).__name__}")
        if not isinstance(self.variability, Variability):
            raise ConfigError(f"variability must be a Variability, got {type(self.variability).__name__}")
        if not isinstance(self.pulse_scheme, PulseScheme):
            raise ConfigError(f"pulse_scheme must be a PulseScheme, got {type(self.pulse_scheme).__name__}")
        for key in ("citation", "notes"):
            if not isinstance(getattr(self, key), str):
                raise ConfigError(f"{key} = {getattr(self, key)!r}: must be a string")
        # Imported here: drift models need torch, which the rest of this module does not.
        from memtwin.devices.drift import normalize_drift_spec

        object.__setattr__(self, "drift", normalize_drift_spec(self.drift))

    def __hash__(self) -> int:
        # The drift spec is a dict (the TOML table it comes from); its values are scalars.
        drift = tuple(sorted(self.drift.items()))
        parts = (self.name, self.potentiation, self.depression, self.variability, drift, self.pulse_scheme)
        return hash((*parts, self.citation, self.notes))

    def mode(self, name: str) -> ModeLevels:
        if name not in MODES:
            raise ConfigError(f"unknown programming mode {name!r}; expected one of {', '.join(MODES)}")
        return self.potentiation if name == "potentiation" else self.depression

    def drift_model(self) -> DriftModel:
        """The :class:`~memtwin.devices.drift.DriftModel` this device's ``drift`` spec describes."""
        from memtwin.devices.drift import build_drift

        return build_drift(self.drift)

    # ----------------------------------------------------------------------------- summary figures
    def key_figures(self) -> dict[str, object]:
        """The figures a device table shows (levels, bits, sigma/bin width, spread, ON/OFF, voltage,
        energy). ``bins`` counts the signed weights of a differential pair programmed in one mode with
        the other device at the start of the range: 2L - 1."""
        out: dict[str, object] = {"name": self.name}
        all_levels: list[float] = []
        for mode in MODES:
            m = self.mode(mode)
            bins = 2 * m.levels - 1
            out[mode] = {
                "levels": m.levels,
                "bins": bins,
                "bits": math.log2(bins),
                "bin_width_S": m.mean_step_S,
                "sigma_mean_S": m.sigma_mean_S,
                "sigma_over_bin_width": m.sigma_mean_S / m.mean_step_S,
            }
            all_levels.extend(m.g_levels_S)
        out["on_off_ratio"] = max(all_levels) / min(all_levels)
        out["d2d_update"] = self.variability.d2d_update
        out["d2d_bounds"] = self.variability.d2d_bounds
        out["max_voltage_V"] = self.pulse_scheme.max_voltage_V
        out["energy_per_cycle_J"] = self.pulse_scheme.energy_per_cycle_J
        out["drift"] = self.drift["kind"]
        return out

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
        out["drift"] = dict(self.drift)
        scheme: dict[str, object] = {}
        for f in fields(PulseScheme):
            value = getattr(self.pulse_scheme, f.name)
            if value is None or value == ():
                continue
            scheme[f.name] = list(value) if isinstance(value, tuple) else value
        out["pulse_scheme"] = scheme
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DeviceModel:
        """Build and validate a device from :meth:`to_dict`'s layout. Errors name the key and value."""
        table = _table(data, "device")
        _check_keys(table, _TOP_KEYS, "device", hint=_MODE_HINT)
        version = table.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ConfigError(f"format_version = {version!r}: this memtwin reads version {FORMAT_VERSION}")
        for key in ("name", *MODES):
            if key not in table:
                raise ConfigError(f"device: missing key {key!r}")
        modes = {m: ModeLevels.from_dict(table[m], m) for m in MODES}
        variability = _build_section(Variability, table.get("variability", {}), "variability")
        pulse_scheme = _build_section(PulseScheme, table.get("pulse_scheme", {}), "pulse_scheme")
        drift = table.get("drift", {"kind": "none"})
        if not isinstance(drift, Mapping):
            raise ConfigError(f"drift = {drift!r}: must be a table with a 'kind' key")
        for key in ("name", "citation", "notes"):
            if key in table and not isinstance(table[key], str):
                raise ConfigError(f"{key} = {table[key]!r}: must be a string")
        return cls(
            name=str(table["name"]),
            potentiation=modes["potentiation"],
            depression=modes["depression"],
            variability=variability,
            drift=dict(drift),
            pulse_scheme=pulse_scheme,
            citation=str(table.get("citation", "")),
            notes=str(table.get("notes", "")),
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

    # ------------------------------------------------------------------------- from measurements
    @classmethod
    def from_characterization(
        cls,
        source: object,
        *,
        name: str | None = None,
        device: str | None = None,
        levels_from: Literal["fit", "means"] = "fit",
        fit_origin: Literal["auto", "pulse_number", "range_start"] = "auto",
        variability: Variability | None = None,
        drift: Mapping[str, object] | str | None = None,
        pulse_scheme: PulseScheme | None = None,
        citation: str = "",
        notes: str = "",
    ) -> DeviceModel:
        """A device model from a characterization (a ``Characterization`` object, its dict, or the path
        of its ``characterization.json``).

        ``levels_from``:
          - ``"fit"`` (default): level n = intercept + slope * pulse of the linear fit. The paper maps
            weights "on the linear fit" of Fig. 2(e), and the fit averages out the measurement noise of
            single level means (each is a mean over the cycles, so its error is sigma/sqrt(cycles)).
          - ``"means"``: the measured mean of each level; keeps real non-linearity inside the range.
        ``fit_origin``: what the fit's x is. ``"pulse_number"``: the pulse number of the ramp (memtwin's
        characterization: 1-based pulse number, so level n sits at x = first_pulse + n);
        ``"range_start"``: n itself. ``"auto"``: the memtwin schema implies ``pulse_number``; otherwise
        the origin whose level 0 is closer to the measured mean of level 0.
        Per-level sigmas come from ``level_sigmas_S`` (else ``sigma_mean_S`` for every level).
        ``variability`` defaults to the paper's baseline (30 % on update and bounds); ``drift`` to
        ``none`` (a characterization holds no retention data).
        """
        data = _characterization_dict(source, device)
        if levels_from not in ("fit", "means"):
            raise ConfigError(f"levels_from = {levels_from!r}: must be 'fit' or 'means'")
        if fit_origin not in ("auto", "pulse_number", "range_start"):
            raise ConfigError(f"fit_origin = {fit_origin!r}: must be 'auto', 'pulse_number' or 'range_start'")
        memtwin_schema = str(data.get("schema", "")).startswith("memtwin.characterization/")
        modes: dict[str, ModeLevels] = {}
        how: list[str] = []
        for mode in MODES:
            levels, origin = _levels_from_phase(data, mode, levels_from, fit_origin, memtwin_schema)
            modes[mode] = levels
            how.append(f"{mode}: {origin}")
        energy = data.get("energy_per_cycle_J")
        e_mean = e_std = None
        if isinstance(energy, Mapping):
            e_mean = _opt_float(energy.get("mean"), "characterization.energy_per_cycle_J.mean")
            e_std = _opt_float(energy.get("std"), "characterization.energy_per_cycle_J.std")
        elif energy is not None:
            e_mean = _opt_float(energy, "characterization.energy_per_cycle_J")
        if pulse_scheme is None:
            v_max = _opt_float(
                data.get("max_programming_voltage_V"), "characterization.max_programming_voltage_V"
            )
            with _prefixed("characterization"):
                pulse_scheme = PulseScheme(
                    max_voltage_V=v_max, energy_per_cycle_J=e_mean, energy_per_cycle_std_J=e_std
                )
        auto_notes = (
            f"Built from a characterization (levels_from={levels_from!r}; {'; '.join(how)}). "
            f"Variability and drift are not measured by a characterization: "
            f"{'given by the caller' if variability is not None else 'paper baseline 30 % d2d'}, "
            f"drift {'given by the caller' if drift is not None else 'none'}."
        )
        return cls(
            name=name or str(data.get("device") or data.get("name") or "characterized-device"),
            potentiation=modes["potentiation"],
            depression=modes["depression"],
            variability=variability if variability is not None else Variability(),
            drift=dict(drift) if isinstance(drift, Mapping) else {"kind": drift or "none"},
            pulse_scheme=pulse_scheme,
            citation=citation,
            notes=(notes + "\n" if notes else "") + auto_notes,
        )


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
)
_MODE_HINT = f"programming modes are {' and '.join(MODES)}"


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


def _check_keys(table: Mapping[str, object], valid: Sequence[str], where: str, hint: str = "") -> None:
    unknown = [k for k in table if k not in valid]
    if unknown:
        extra = f" ({hint})" if hint else ""
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; valid keys: {', '.join(valid)}{extra}"
        )


def _float(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} = {value!r}: must be a number")
    return float(value)


def _opt_float(value: object, where: str) -> float | None:
    return None if value is None else _float(value, where)


def _float_list(value: object, where: str) -> tuple[float, ...]:
    if not isinstance(value, list | tuple):
        raise ConfigError(f"{where} = {value!r}: must be a list of numbers")
    return tuple(_float(v, f"{where}[{i}]") for i, v in enumerate(value))


_SECTION_TYPES: dict[str, str] = {
    "pulses_per_cycle": "int",
    "amplitudes_V": "list",
    "widths_s": "list",
    "amplitude_range_V": "list",
    "width_range_s": "list",
}


def _build_section(cls: Any, data: object, where: str) -> Any:
    """Variability / PulseScheme from a TOML table: checks keys and types, then the class validates."""
    table = _table(data, where)
    names = [f.name for f in fields(cls)]
    _check_keys(table, names, where)
    kwargs: dict[str, object] = {}
    for key, value in table.items():
        kind = _SECTION_TYPES.get(key, "float")
        if kind == "list":
            kwargs[key] = _float_list(value, f"{where}.{key}")
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{where}.{key} = {value!r}: must be an integer")
            kwargs[key] = value
        else:
            kwargs[key] = _float(value, f"{where}.{key}")
    with _prefixed(where):
        return cls(**kwargs)


def _characterization_dict(source: object, device: str | None) -> Mapping[str, Any]:
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read characterization: {exc.strerror or exc}") from exc
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON: {exc}") from exc
    elif isinstance(source, Mapping):
        data = source
    elif hasattr(source, "to_dict"):
        data = source.to_dict()
    else:
        raise ConfigError(
            f"cannot build a device from {type(source).__name__}: pass a characterization object, "
            "its dict, or the path of its JSON"
        )
    if not isinstance(data, Mapping):
        raise ConfigError(f"characterization: expected an object, got {type(data).__name__}")
    if "devices" in data and isinstance(data["devices"], Mapping):  # a set of several devices
        devices = data["devices"]
        if device is None and len(devices) == 1:
            device = next(iter(devices))
        if device not in devices:
            raise ConfigError(
                f"characterization holds devices {', '.join(map(repr, devices))}; pick one with device="
            )
        data = devices[device]
        if not isinstance(data, Mapping):
            raise ConfigError(f"characterization.devices[{device!r}]: expected an object")
    return data


def _levels_from_phase(
    data: Mapping[str, Any], mode: str, levels_from: str, fit_origin: str, memtwin_schema: bool
) -> tuple[ModeLevels, str]:
    where = f"characterization.{mode}"
    phase = data.get(mode)
    if not isinstance(phase, Mapping):
        raise ConfigError(f"{where}: missing (expected an object with the phase's figures)")

    def need(key: str) -> object:
        if key not in phase or phase[key] is None:
            raise ConfigError(f"{where}: missing key {key!r}")
        return phase[key]

    levels_raw = need("levels")
    if isinstance(levels_raw, bool) or not isinstance(levels_raw, int) or levels_raw < 2:
        raise ConfigError(f"{where}.levels = {levels_raw!r}: must be an integer >= 2")
    n_levels = int(levels_raw)
    means = None
    if phase.get("level_means_S") is not None:
        means = _float_list(phase["level_means_S"], f"{where}.level_means_S")
        if len(means) != n_levels:
            raise ConfigError(f"{where}.level_means_S has {len(means)} values but levels = {n_levels}")

    if levels_from == "means":
        if means is None:
            raise ConfigError(f"{where}: levels_from='means' needs 'level_means_S'")
        g = means
        origin = "measured level means"
    else:
        slope = _float(need("slope_S_per_pulse"), f"{where}.slope_S_per_pulse")
        intercept = _float(need("intercept_S"), f"{where}.intercept_S")
        rng = phase.get("linear_range")
        first = None
        if rng is not None:
            if not (isinstance(rng, list | tuple) and len(rng) == 2):
                raise ConfigError(f"{where}.linear_range = {rng!r}: must be [first_pulse, last_pulse]")
            first = _float(rng[0], f"{where}.linear_range[0]")
        candidates = {"range_start": 0.0}
        if first is not None:
            candidates["pulse_number"] = first
        chosen = fit_origin
        if fit_origin == "auto":
            if memtwin_schema and first is not None:
                chosen = "pulse_number"
            elif first is None or first == 0:
                chosen = "range_start"
            elif means is not None:
                chosen = min(candidates, key=lambda k: abs(intercept + slope * candidates[k] - means[0]))
            else:
                raise ConfigError(
                    f"{where}: cannot tell whether the fit's x is the pulse number or the position in "
                    "the range (no level_means_S to compare with); pass fit_origin="
                )
        elif fit_origin == "pulse_number" and first is None:
            raise ConfigError(f"{where}: fit_origin='pulse_number' needs 'linear_range'")
        x0 = candidates[chosen]
        g = tuple(intercept + slope * (x0 + n) for n in range(n_levels))
        origin = (
            f"linear fit, x = {'pulse number' if chosen == 'pulse_number' else 'pulses from range start'}"
        )

    if phase.get("level_sigmas_S") is not None:
        sig = _float_list(phase["level_sigmas_S"], f"{where}.level_sigmas_S")
        if len(sig) != n_levels:
            raise ConfigError(f"{where}.level_sigmas_S has {len(sig)} values but levels = {n_levels}")
    else:
        s = _float(need("sigma_mean_S"), f"{where}.sigma_mean_S")
        sig = (s,) * n_levels
        origin += ", sigma_mean_S for every level"
    with _prefixed(where):
        return ModeLevels(g_levels_S=g, sigma_S=sig), origin
