"""Export a memtwin device as a Python module that builds its IBM AIHWKIT configuration.

:func:`aihwkit_module` returns the source of a small module that defines ``rpu_config()``; the module
imports only aihwkit (inside ``rpu_config``, so it can be read without aihwkit installed), and memtwin
never imports aihwkit. Two kinds:

* ``pulsed`` (default): ``SingleRPUConfig(device=ConstantStepDevice | PiecewiseStepDevice)``, the
  pulsed-device tile on which AIHWKIT models a device's step, its spreads and bounds
  (:mod:`memtwin.export.aihwkit_pulsed`);
* ``inference``: ``InferenceRPUConfig`` with a noise model for the device's drift
  (:mod:`memtwin.export.aihwkit_noise`) and global drift compensation.

Both take the periphery's converters, IR drop and tile size (:mod:`memtwin.export.aihwkit_periphery`;
``Periphery.paper()`` unless given). The module's comment block names the device, its source, every
value with its derivation and what AIHWKIT cannot represent; its ``*_FIELDS`` dicts hold the exact
numbers ``rpu_config`` sets.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from memtwin import __version__
from memtwin.crossbar.periphery import Periphery
from memtwin.devices import DeviceModel
from memtwin.export.aihwkit_noise import noise_model
from memtwin.export.aihwkit_periphery import forward_fields, mapping_fields, periphery_limits
from memtwin.export.aihwkit_pulsed import PulsedExport, WeightScale, pulsed_device
from memtwin.export.settings import Setting, literal
from memtwin.siformat import si
from memtwin.validation import choice

if TYPE_CHECKING:
    from memtwin.export.aihwkit_noise import NoiseModelExport

KINDS: tuple[str, ...] = ("pulsed", "inference")
WIDTH = 100


def aihwkit_module(device: DeviceModel, periphery: Periphery | None = None, kind: str = "pulsed") -> str:
    """Source of a Python module whose ``rpu_config()`` builds ``device``'s AIHWKIT configuration of
    ``kind`` (``pulsed`` or ``inference``) with ``periphery``'s converters (default
    ``Periphery.paper()``)."""
    choice("kind", kind, KINDS)
    if not isinstance(device, DeviceModel):
        raise TypeError(f"device must be a DeviceModel, got {type(device).__name__}")
    periphery = Periphery.paper() if periphery is None else periphery
    scale = WeightScale.of(device)
    forward = forward_fields(periphery, scale.g_hi_S)
    mapping = mapping_fields(periphery)
    if kind == "pulsed":
        pulsed = pulsed_device(device)
        body = _pulsed_body(pulsed, forward, mapping)
        header = _header(device, periphery, kind, f"SingleRPUConfig with a {pulsed.class_name}")
        header += _pulsed_comments(pulsed, forward, mapping, periphery)
    else:
        noise = noise_model(device)
        body = _inference_body(noise, periphery.drift_compensation, forward, mapping)
        header = _header(device, periphery, kind, f"InferenceRPUConfig with a {noise.class_name}")
        header += _inference_comments(scale, noise, periphery, forward, mapping)
    return "\n".join(header) + "\n" + body


# ------------------------------------------------------------------------------------ comments
def _header(device: DeviceModel, periphery: Periphery, kind: str, what: str) -> list[str]:
    source = device.citation or (device.measured.source if device.measured else "") or "not given"
    lines = [
        f"AIHWKIT configuration of the memristor '{device.name}', exported by memtwin {__version__}",
        f"(kind '{kind}'): {what}.",
        f"Source of the device: {source}",
        f"Periphery: {_periphery_summary(periphery)}.",
        "This module needs only aihwkit: rpu_config() builds the configuration; the *_FIELDS dicts hold",
        "the exact values it sets.",
    ]
    return _comment(lines)


def _periphery_summary(periphery: Periphery) -> str:
    bits = [f"{periphery.dac_bits or '∞'}-bit DAC", f"{periphery.adc_bits or '∞'}-bit ADC"]
    tiles = f"{periphery.tile_rows or '∞'} × {periphery.tile_cols or '∞'} tiles"
    wires = f"{periphery.wire_resistance_ohm:g} Ω wire segments" if periphery.ir_drop else "ideal wires"
    return ", ".join([*bits, tiles, wires, f"write '{periphery.write}'"])


def _mapping_lines(scale: WeightScale) -> list[str]:
    return [
        "Conductance -> normalized weight: a weight is a differential pair, the device not carrying it at",
        "the bottom of the range, seen as one AIHWKIT device over the pair's range:",
        f"  w = (G+ - G-) / span,  span = G_hi - G_lo = {si(scale.g_hi_S, 'S')} - {si(scale.g_lo_S, 'S')}"
        f" = {si(scale.span_S, 'S')}",
        "(G_lo, G_hi: lowest and highest level of either mode), so w_min = -1, w_max = +1 and one level",
        "of mean step Δ moves w by Δ / span. Up pulse = potentiation (Δp), down pulse = depression (Δd).",
    ]


def _pulsed_comments(
    pulsed: PulsedExport, forward: tuple[Setting, ...], mapping: tuple[Setting, ...], periphery: Periphery
) -> list[str]:
    lines = ["", *_mapping_lines(pulsed.scale), "", f"{pulsed.class_name}: {pulsed.why_class}.", ""]
    lines += ["Values and how they were derived:"]
    lines += _derivations("device", pulsed.fields) + _derivations("forward", forward)
    lines += _derivations("mapping", mapping)
    lines += ["", "Not represented in AIHWKIT:"]
    items = (*pulsed.not_represented, _write_note("pulsed", periphery.write), *periphery_limits(periphery))
    lines += [f"- {item}" for item in items]
    return _comment(lines)


def _write_note(kind: str, write: str) -> str:
    """How AIHWKIT writes weights onto the tile, against memtwin's write model ``write``."""
    ours = "" if write == "exact" else f"; memtwin's periphery here writes '{write}'"
    if kind == "pulsed":
        return (
            "the write: on a pulsed tile set_weights / convert_to_analog copy every weight exactly, clipped "
            "at that device's own bounds: no quantization to dw_min steps, no write noise, no step spread "
            f"(memtwin's write 'exact'{ours}); set_weights(..., realistic=True) programs by pulsed updates"
        )
    return (
        "the write: an inference tile holds every weight exactly until program_analog_weights applies the "
        f"noise model's programming noise{ours}"
    )


def _inference_comments(
    scale: WeightScale,
    noise: NoiseModelExport,
    periphery: Periphery,
    forward: tuple[Setting, ...],
    mapping: tuple[Setting, ...],
) -> list[str]:
    lines = ["", *_mapping_lines(scale)[:3]]
    lines += ["AIHWKIT's conductance converter maps the largest |w| to g_max on one device of a pair, 0 S on"]
    lines += ["the other; a σ exported here is σ / span · g_max.", "", "Values and how they were derived:"]
    lines += _derivations("noise_model", noise.fields) + _derivations("forward", forward)
    lines += _derivations("mapping", mapping)
    compensation = "GlobalDriftCompensation()" if periphery.drift_compensation else "None"
    lines += [f"  drift_compensation = {compensation}: periphery.drift_compensation"]
    lines += ["", "Not represented in AIHWKIT:"]
    inference_limits = (
        "the device's levels (2L - 1 bins): an inference tile stores weights continuously",
        "device-to-device spread of step and bounds: it exists only on pulsed devices (--kind pulsed)",
    )
    items = (
        *inference_limits,
        *noise.not_represented,
        _write_note("inference", periphery.write),
        *periphery_limits(periphery),
    )
    lines += [f"- {item}" for item in items]
    return _comment(lines)


def _derivations(owner: str, settings: tuple[Setting, ...]) -> list[str]:
    return [f"  {owner}.{s.name} = {_short(s)}: {s.why}" for s in settings]


def _short(setting: Setting) -> str:
    value = setting.value
    if isinstance(value, tuple):
        return f"[{len(value)} values]"
    return f"{value:.6g}" if isinstance(value, float) else repr(value)


def _comment(lines: list[str]) -> list[str]:
    """``# ``-prefixed lines, long ones wrapped (continuations indented under their text)."""
    out: list[str] = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        wrapped = textwrap.wrap(line, WIDTH - 2, subsequent_indent=indent) or [""]
        out += [f"# {w}".rstrip() for w in wrapped]
    return out


# ---------------------------------------------------------------------------------------- code
def _fields_dict(name: str, settings: tuple[Setting, ...]) -> str:
    lines = [f"{name} = {{"] + [f"    {s.name!r}: {literal(s.value)}," for s in settings] + ["}"]
    return "\n".join(lines)


def _module(docstring: str, constants: list[str], imports: list[str], build: list[str], returns: str) -> str:
    body = [f'"""{docstring}"""', "", *constants, "", ""]
    body += ["def rpu_config():", f'    """{returns}"""', *[f"    {i}" for i in imports], ""]
    body += [*[f"    {b}" for b in build], "    return config", "", ""]
    body += [_SET_FIELDS]
    return "\n".join(body)


_SET_FIELDS = '''def _set_fields(target, values):
    """Set each field on ``target``; a name it does not have is an error, not a new attribute."""
    for name, value in values.items():
        if not hasattr(target, name):
            raise AttributeError(f"{type(target).__name__} has no field {name!r}")
        setattr(target, name, value)
'''


def _pulsed_body(pulsed: PulsedExport, forward: tuple[Setting, ...], mapping: tuple[Setting, ...]) -> str:
    constants = [
        "KIND = 'pulsed'",
        f"DEVICE_CLASS = {pulsed.class_name!r}",
        _fields_dict("DEVICE_FIELDS", pulsed.fields),
        _fields_dict("FORWARD_FIELDS", forward),
        _fields_dict("MAPPING_FIELDS", mapping),
    ]
    imports = [f"from aihwkit.simulator.configs import {pulsed.class_name}, SingleRPUConfig"]
    build = [
        f"config = SingleRPUConfig(device={pulsed.class_name}(**DEVICE_FIELDS))",
        *_set_forward_and_mapping(),
    ]
    return _module(
        "AIHWKIT pulsed-device configuration exported by memtwin (see the comments above).",
        constants,
        imports,
        build,
        "The AIHWKIT ``SingleRPUConfig`` of this device (a pulsed-device tile).",
    )


def _inference_body(
    noise: NoiseModelExport, compensate: bool, forward: tuple[Setting, ...], mapping: tuple[Setting, ...]
) -> str:
    constants = [
        "KIND = 'inference'",
        f"NOISE_MODEL_CLASS = {noise.class_name!r}",
        _fields_dict("NOISE_MODEL_FIELDS", noise.fields),
        f"DRIFT_COMPENSATION = {compensate!r}",
        _fields_dict("FORWARD_FIELDS", forward),
        _fields_dict("MAPPING_FIELDS", mapping),
    ]
    imports = [
        f"from aihwkit.inference import GlobalDriftCompensation, {noise.class_name}",
        "from aihwkit.simulator.configs import InferenceRPUConfig",
    ]
    build = [
        "config = InferenceRPUConfig()",
        *_set_forward_and_mapping(),
        f"config.noise_model = {noise.class_name}(**NOISE_MODEL_FIELDS)",
        "config.drift_compensation = GlobalDriftCompensation() if DRIFT_COMPENSATION else None",
    ]
    return _module(
        "AIHWKIT inference configuration exported by memtwin (see the comments above).",
        constants,
        imports,
        build,
        "The AIHWKIT ``InferenceRPUConfig`` of this device.",
    )


def _set_forward_and_mapping() -> list[str]:
    return ["_set_fields(config.forward, FORWARD_FIELDS)", "_set_fields(config.mapping, MAPPING_FIELDS)"]
