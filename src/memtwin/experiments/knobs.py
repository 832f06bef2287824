"""Every knob of the device model and the periphery that an analysis can turn, each defined once.

A :class:`Knob` has one public name, a label and a unit, and says how to read it from a device and a
periphery, how to set it (``None``: it has no value, it can only be switched off), what "off" means, and
whether this device/periphery has any of it. The config overrides (``d2d``), ``sweep --parameter``, the
tolerance search, the ablation and the comparison all look their knobs up here (:func:`knob`):

* names: ``d2d`` (update and bounds spread together, the paper's DTOD of Fig. 5(b)), ``d2d_update``,
  ``d2d_bounds``, ``d2d_offset``, ``read_noise_rel``, ``sigma_scale`` (every level's cycle-to-cycle
  sigma times the value), ``levels`` (that many levels along the device's own level curve),
  ``linear_levels`` (that many levels evenly spaced over the same range), every
  :class:`~memtwin.crossbar.periphery.Periphery` field (``adc_bits``, ``wire_resistance_ohm`` …), ``write``
  (the write model by name: ``open-loop``, ``verify``, ``exact``), and
  ``nonlinearity``, ``stuck_at``, ``drift``, which can only be switched off;
* old names (``device.d2d``, ``periphery.adc_bits``, tolerance's ``sigma``, …) still work, with a
  :class:`DeprecationWarning` naming the new one;
* the *effects* — the non-idealities of the paper's Fig. 6(d) that the ablation switches off one at a
  time and the comparison lists (``c2c_noise``, ``d2d_variation``, ``finite_levels``, ``dac`` …) — are
  knobs too: :data:`EFFECTS` maps each effect to the knob that controls it.

Extension point: a new knob is one :class:`Knob` in :data:`KNOBS` (and, if the ablation should switch
it off, its effect in :data:`EFFECTS`).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from memtwin.crossbar.periphery import WRITES, Periphery
from memtwin.devices import DeviceModel, ModeLevels
from memtwin.devices.drift import build_drift
from memtwin.devices.literature import NONIDEALITIES as REPORTED_NONIDEALITIES
from memtwin.devices.transforms import (
    linearize,
    per_mode,
    resample_evenly,
    resample_on_curve,
    scale_sigma,
    with_d2d,
    without_d2d,
)
from memtwin.errors import ConfigError

__all__ = [
    "CONTINUOUS_LEVELS",
    "EFFECTS",
    "KNOBS",
    "Knob",
    "Search",
    "apply_parameter",
    "asymmetric",
    "drift_kind",
    "effect_knobs",
    "knob",
    "nonlinearity",
    "parameter_names",
    "present_effects",
    "sigma_ratio",
]

Pair = tuple[DeviceModel, Periphery]
#: Levels standing in for a continuous conductance when "finite levels" is switched off (10 bits).
CONTINUOUS_LEVELS = 1024
#: Relative deviation below which a level table counts as linear / two tables as mirror images.
SHAPE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Search:
    """How the tolerance analysis searches a knob: its coarse grid, whether the loss grows with the
    value (``increasing``) and whether only whole values exist; ``display`` turns a searched value into
    the reported one, with its own ``label`` and ``unit`` (e.g. sigma scale → sigma / bin width)."""

    grid: tuple[float, ...]
    increasing: bool
    integer: bool = False
    label: str = ""
    unit: str = ""
    display: Callable[[DeviceModel, float], float] = lambda device, value: value


@dataclass(frozen=True)
class Knob:
    """One knob (module docstring). ``read`` gives its value in a device and periphery; ``set`` the pair
    with it set to a value (``None``: no value to set); ``off`` the pair with it switched off (``None``:
    it cannot be); ``present`` whether the pair has any of it. ``effect``/``effect_label``: the
    non-ideality it controls (ablation items, compare's table); ``core``: ablated even when absent.
    ``set`` and ``off`` change only this knob's own fields, so that switching several off gives the same
    result in any order."""

    name: str
    label: str
    unit: str
    read: Callable[[DeviceModel, Periphery], Any]
    set: Callable[[DeviceModel, Periphery, Any], Pair] | None
    off: Callable[[DeviceModel, Periphery], Pair] | None = None
    present: Callable[[DeviceModel, Periphery], bool] | None = None
    effect: str | None = None
    effect_label: str = ""
    core: bool = False
    aliases: tuple[str, ...] = ()
    search: Search | None = None

    def apply(self, device: DeviceModel, periphery: Periphery, value: float | str) -> Pair:
        """``device`` and ``periphery`` with this knob set to ``value`` (a number; a name for a knob with
        named settings such as ``write``)."""
        if self.set is None:
            raise ConfigError(f"{self.name} has no value to set; it can only be switched off")
        return self.set(device, periphery, value)

    def is_present(self, device: DeviceModel, periphery: Periphery) -> bool:
        if self.present is not None:
            return bool(self.present(device, periphery))
        return bool(self.read(device, periphery))


# -------------------------------------------------------------------------- device measurements
def _mode_nonlinearity(levels: ModeLevels) -> float:
    """Largest deviation of a level from the straight line between the end levels, relative to the range."""
    lin = linearize(levels).g_levels_S
    span = abs(levels.g_levels_S[-1] - levels.g_levels_S[0])
    return max(abs(a - b) for a, b in zip(levels.g_levels_S, lin, strict=True)) / span


def nonlinearity(device: DeviceModel) -> float:
    """The larger relative deviation of the two modes' level curves from straight lines."""
    return max(_mode_nonlinearity(device.potentiation), _mode_nonlinearity(device.depression))


def asymmetric(device: DeviceModel) -> bool:
    """Whether depression is not the mirror image of potentiation (different level count, step or shape)."""
    pot, dep = device.potentiation, device.depression
    if pot.levels != dep.levels:
        return True
    d_pot = [g - pot.g_levels_S[0] for g in pot.g_levels_S]
    d_dep = [dep.g_levels_S[0] - g for g in dep.g_levels_S]
    scale = max(abs(d_pot[-1]), abs(d_dep[-1]))
    return max(abs(a - b) for a, b in zip(d_pot, d_dep, strict=True)) > SHAPE_TOLERANCE * scale


def sigma_ratio(device: DeviceModel) -> float:
    """The device's mean sigma / bin width over both modes."""
    modes = (device.potentiation, device.depression)
    return sum(m.sigma_mean_S / m.mean_step_S for m in modes) / 2


def drift_kind(device: DeviceModel) -> str:
    """The name of the device's drift model (``none`` for no drift)."""
    drift: Any = device.drift
    kind = drift.get("kind") if isinstance(drift, dict) else getattr(drift, "kind", None)
    return str(kind)


def _fewest_levels(device: DeviceModel, periphery: Periphery) -> float:
    return float(min(device.potentiation.levels, device.depression.levels))


# --------------------------------------------------------------------------------- device knobs
def _variability(field: str) -> Callable[[DeviceModel, Periphery, float], Pair]:
    def apply(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
        return replace(device, variability=replace(device.variability, **{field: value})), periphery

    return apply


def _zero_variability(*fields: str) -> Callable[[DeviceModel, Periphery], Pair]:
    def off(device: DeviceModel, periphery: Periphery) -> Pair:
        zeros = dict.fromkeys(fields, 0.0)
        return replace(device, variability=replace(device.variability, **zeros)), periphery

    return off


def _read_variability(field: str) -> Callable[[DeviceModel, Periphery], float]:
    return lambda device, periphery: float(getattr(device.variability, field))


def _variability_knob(field: str, label: str, **more: Any) -> Knob:
    """A knob that is one field of the device's :class:`~memtwin.devices.model.Variability`."""
    return Knob(
        field, label, "relative std", _read_variability(field), _variability(field), aliases=(f"device.{field}",),
        **more,
    )  # fmt: skip


def _set_d2d(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
    return with_d2d(device, value), periphery


def _set_sigma_scale(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
    return scale_sigma(device, value), periphery


def _set_levels(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
    return resample_on_curve(device, int(round(value))), periphery


def _set_linear_levels(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
    return resample_evenly(device, int(round(value))), periphery


def _continuous_levels(device: DeviceModel, periphery: Periphery) -> Pair:
    def fn(m: ModeLevels) -> ModeLevels:
        return m if m.levels >= CONTINUOUS_LEVELS else resample_on_curve(m, CONTINUOUS_LEVELS)

    return per_mode(device, fn), periphery


def _no_drift(device: DeviceModel, periphery: Periphery) -> Pair:
    return replace(device, drift=build_drift("none")), periphery


def _device_knobs() -> tuple[Knob, ...]:
    d2d_fields = ("d2d_update", "d2d_bounds", "d2d_offset")
    spread = Knob(
        "d2d", "device-to-device variation", "relative std", _read_variability("d2d_update"), _set_d2d,
        off=lambda d, p: (without_d2d(d), p),
        present=lambda d, p: max(getattr(d.variability, f) for f in d2d_fields) > 0,
        effect="d2d_variation", effect_label="device-to-device variation", core=True, aliases=("device.d2d",),
        search=Search((0.0, 0.15, 0.3, 0.45, 0.6, 0.8, 1.0), increasing=True),
    )  # fmt: skip
    sigma = Knob(
        "sigma_scale", "cycle-to-cycle sigma", "× the device's own", lambda d, p: 1.0, _set_sigma_scale,
        off=lambda d, p: _set_sigma_scale(d, p, 0.0),
        present=lambda d, p: any(s > 0 for m in (d.potentiation, d.depression) for s in m.sigma_S),
        effect="c2c_noise", effect_label="cycle-to-cycle noise", core=True,
        aliases=("device.sigma_scale", "sigma"),
        search=Search(
            (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0), increasing=True, label="cycle-to-cycle sigma / bin width",
            unit="sigma / bin width", display=lambda d, v: v * sigma_ratio(d),
        ),
    )  # fmt: skip
    levels = Knob(
        "levels", "levels per device", "levels", _fewest_levels, _set_levels, off=_continuous_levels,
        present=lambda d, p: _fewest_levels(d, p) < CONTINUOUS_LEVELS,
        effect="finite_levels", effect_label="finite levels", core=True,
        search=Search((2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 64.0), increasing=False, integer=True),
    )  # fmt: skip
    return (
        spread,
        _variability_knob("d2d_update", "device-to-device spread of the step"),
        _variability_knob("d2d_bounds", "device-to-device spread of the bounds"),
        _variability_knob("d2d_offset", "device-to-device spread of the zero state"),
        _variability_knob("read_noise_rel", "read noise", off=_zero_variability("read_noise_rel"),
                          effect="read_noise", effect_label="read noise"),
        sigma,
        levels,
        Knob("linear_levels", "levels per device, evenly spaced", "levels", _fewest_levels, _set_linear_levels,
             aliases=("device.levels",)),
        Knob("nonlinearity", "non-linearity of the level curve", "of the range", lambda d, p: nonlinearity(d),
             None, off=lambda d, p: (linearize(d), p),
             present=lambda d, p: nonlinearity(d) > SHAPE_TOLERANCE, effect="nonlinearity",
             effect_label="non-linear levels"),
        Knob("stuck_at", "stuck-at faults", "fraction of devices",
             lambda d, p: d.variability.stuck_at_min_rate + d.variability.stuck_at_max_rate, None,
             off=_zero_variability("stuck_at_min_rate", "stuck_at_max_rate"), effect="stuck_at",
             effect_label="stuck-at faults"),
        Knob("drift", "drift model", "", lambda d, p: drift_kind(d), None, off=_no_drift,
             present=lambda d, p: drift_kind(d) != "none", effect="drift", effect_label="drift", core=True),
    )  # fmt: skip


# ------------------------------------------------------------------------------ periphery knobs
#: Periphery fields that hold whole numbers (a swept value is rounded).
_INTEGER_FIELDS = ("dac_bits", "adc_bits", "tile_rows", "tile_cols")
#: Periphery fields that are non-idealities: their effect, its label, their "off" value, core or not.
_PERIPHERY_EFFECTS: dict[str, tuple[str, str, Any, bool]] = {
    "dac_bits": ("dac", "DAC", None, True),
    "adc_bits": ("adc", "ADC", None, True),
    "wire_resistance_ohm": ("ir_drop", "IR drop", 0.0, True),
    "output_noise_rel": ("output_noise", "output noise", 0.0, False),
}


def _periphery_setter(name: str) -> Callable[[DeviceModel, Periphery, float], Pair]:
    def apply(device: DeviceModel, periphery: Periphery, value: float) -> Pair:
        current = getattr(periphery, name)
        if isinstance(current, bool):  # on/off settings take 0 / 1
            if value not in (0, 1):
                raise ConfigError(f"{name} is on/off: sweep it over 0 and 1, got {value!r}")
            switched: dict[str, Any] = {name: bool(value)}
            return device, replace(periphery, **switched)
        integer = isinstance(current, int) or name in _INTEGER_FIELDS
        cast: Any = int(round(value)) if integer else value
        return device, replace(periphery, **{name: cast})

    return apply


def _periphery_knob(name: str) -> Knob:
    def read(device: DeviceModel, periphery: Periphery) -> Any:
        return getattr(periphery, name)

    if name not in _PERIPHERY_EFFECTS:
        return Knob(
            name, name.replace("_", " "), "", read, _periphery_setter(name), aliases=(f"periphery.{name}",)
        )
    effect, label, off_value, core = _PERIPHERY_EFFECTS[name]

    def off(device: DeviceModel, periphery: Periphery) -> Pair:
        return device, replace(periphery, **{name: off_value})

    def present(device: DeviceModel, periphery: Periphery) -> bool:
        value = getattr(periphery, name)
        return value is not None if off_value is None else value > 0

    return Knob(
        name, name.replace("_", " "), "", read, _periphery_setter(name), off=off, present=present,
        effect=effect, effect_label=label, core=core, aliases=(f"periphery.{name}",),
    )  # fmt: skip


def _set_write(device: DeviceModel, periphery: Periphery, value: float | str) -> Pair:
    """A write model by name; 0 / 1 as the older ``program_verify`` switch took them (open loop / verify)."""
    if isinstance(value, str):
        if value not in WRITES:
            raise ConfigError(f"write must be one of {', '.join(WRITES)}, got {value!r}")
        return device, replace(periphery, write=value)
    if value not in (0, 1):
        raise ConfigError(f"write takes {', '.join(WRITES)} (or 0 / 1 for open-loop / verify), got {value!r}")
    return device, replace(periphery, write="verify" if value else "open-loop")


def _write_knob() -> Knob:
    return Knob(
        "write", "write model", "", lambda device, periphery: periphery.write, _set_write,
        aliases=("periphery.write", "program_verify", "periphery.program_verify"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------- the catalogue
#: Periphery fields that are not knobs of their own (``write`` is one, with named settings).
_NOT_PERIPHERY_KNOBS = ("write", "program_verify")
KNOBS: dict[str, Knob] = {
    k.name: k
    for k in (
        *_device_knobs(),
        *(
            _periphery_knob(f.name)
            for f in dataclasses.fields(Periphery)
            if f.name not in _NOT_PERIPHERY_KNOBS
        ),
        _write_knob(),
    )
}
_ALIASES: dict[str, str] = {alias: k.name for k in KNOBS.values() for alias in k.aliases}
#: The effects (non-idealities) the ablation switches off, in its order, and their knobs: the names of
#: the paper's Fig. 6(d) that the literature table uses (less ``asymmetry``, which no knob switches off:
#: it is the two modes' shapes), then output noise.
EFFECTS: dict[str, str] = {
    effect: name
    for effect in (*(n for n in REPORTED_NONIDEALITIES if n != "asymmetry"), "output_noise")
    for name, k in KNOBS.items()
    if k.effect == effect
}


def knob(name: str) -> Knob:
    """The knob called ``name`` (an old name works, with a :class:`DeprecationWarning` naming the new
    one); a :class:`ConfigError` lists the known names otherwise."""
    if name in KNOBS:
        return KNOBS[name]
    if name in _ALIASES:
        new = _ALIASES[name]
        warnings.warn(
            f"{name!r} is deprecated; the knob is now called {new!r}", DeprecationWarning, stacklevel=2
        )
        return KNOBS[new]
    raise ConfigError(f"no knob called {name!r}; known: {', '.join(parameter_names())}")


def parameter_names() -> list[str]:
    """The knobs that take a value (what a sweep or a tolerance search can vary)."""
    return [name for name, k in KNOBS.items() if k.set is not None]


def apply_parameter(device: DeviceModel, periphery: Periphery, parameter: str, value: float | str) -> Pair:
    """The device and periphery with ``parameter`` set to ``value``."""
    found = knob(parameter)
    if found.set is None:
        raise ConfigError(f"{parameter!r} cannot be set to a value; known: {', '.join(parameter_names())}")
    return found.set(device, periphery, value)


def effect_knobs() -> list[Knob]:
    """The knobs of every effect, in :data:`EFFECTS` order."""
    return [KNOBS[name] for name in EFFECTS.values()]


def present_effects(device: DeviceModel, periphery: Periphery) -> dict[str, bool]:
    """For every effect, whether it is present (non-zero) in this device and periphery, plus
    ``asymmetry`` (potentiation and depression tables that are not mirror images)."""
    out = {k.effect or k.name: k.is_present(device, periphery) for k in effect_knobs()}
    out["asymmetry"] = asymmetric(device)
    return out
