"""Hardware cost of a network on a device: devices, tiles, programming pulses, energy and voltage.

Pure (no training, no data): the counts follow from the network's weights, the device's level tables
and pulse scheme, and the periphery's tile size, through the same functions the crossbar engine uses,
so they describe exactly what a simulation programs:

* **devices**: two per weight (a differential G⁺/G⁻ pair); biases and batch norm stay digital;
* **tiles**: from :meth:`memtwin.crossbar.AnalogModel.summary` (the engine's own tiling of each layer);
* **pulses**: open-loop programming writes weight w as level ``n = round(|w| / scale · (L − 1))`` on
  one device of its pair (:func:`memtwin.crossbar.mapping.pulse_counts`, per-column scale by default),
  which takes ``n · pulses_per_level`` pulses (more than one pulse per level on fine-step devices);
  the other device stays at level 0. The total is Σ n over all weights, per programming mode (the modes
  may have different level counts). Bringing every device to level 0 first (a reset to the start of the
  linear range) is not counted: how that is done is not part of the device model;
* **energy**: pulses × the device's mean energy per pulse, ``energy_per_cycle_J / pulses_per_cycle``
  (``None`` when the device does not publish both). It is a mean over the pulses of a full cycle: with
  rising pulse amplitudes the first pulses of a ramp cost less than the last, so a network dominated by
  small weights costs somewhat less than this estimate;
* **max voltage**: the pulse scheme's largest amplitude.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from memtwin.crossbar import convert
from memtwin.crossbar.mapping import pulse_counts, weight_scale
from memtwin.crossbar.periphery import Periphery
from memtwin.devices import MODES, DeviceModel
from memtwin.errors import ConfigError
from memtwin.training.checkpoint import CHECKPOINT_NAME, load_model_weights

__all__ = ["LayerCost", "NetworkCost", "energy_per_pulse_J", "load_weights", "network_cost"]


@dataclass(frozen=True)
class LayerCost:
    """One analog layer: crossbar matrix (rows = inputs, columns = outputs), counts, pulses per mode."""

    name: str
    kind: str
    matrix_shape: tuple[int, int]
    weights: int
    devices: int
    tiles: int
    pulses: dict[str, int]


@dataclass(frozen=True)
class NetworkCost:
    """The cost of programming a network onto crossbars of one device (module docstring)."""

    device: str
    layers: tuple[LayerCost, ...]
    tile_shape: tuple[int | None, int | None]
    energy_per_pulse_J: float | None
    max_voltage_V: float | None
    weight_source: str
    pulses: dict[str, int] = field(default_factory=dict)

    @property
    def weights(self) -> int:
        return sum(layer.weights for layer in self.layers)

    @property
    def devices(self) -> int:
        return sum(layer.devices for layer in self.layers)

    @property
    def tiles(self) -> int:
        return sum(layer.tiles for layer in self.layers)

    def energy_J(self, mode: str) -> float | None:
        """Programming energy of the whole network in ``mode`` (None when the energy per pulse is unknown)."""
        if self.energy_per_pulse_J is None:
            return None
        return self.pulses[mode] * self.energy_per_pulse_J

    def to_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "weight_source": self.weight_source,
            "weights": self.weights,
            "devices": self.devices,
            "tiles": self.tiles,
            "tile_shape": list(self.tile_shape),
            "analog_layers": len(self.layers),
            "pulses": dict(self.pulses),
            "energy_per_pulse_J": self.energy_per_pulse_J,
            "energy_J": {m: self.energy_J(m) for m in self.pulses},
            "max_voltage_V": self.max_voltage_V,
            "layers": [
                {
                    "name": layer.name,
                    "kind": layer.kind,
                    "matrix_shape": list(layer.matrix_shape),
                    "weights": layer.weights,
                    "devices": layer.devices,
                    "tiles": layer.tiles,
                    "pulses": dict(layer.pulses),
                }
                for layer in self.layers
            ],
        }


def energy_per_pulse_J(device: DeviceModel) -> float | None:
    """Mean programming energy of one pulse: energy per full cycle / pulses per cycle (None if unknown)."""
    scheme = device.pulse_scheme
    if scheme.energy_per_cycle_J is None or scheme.pulses_per_cycle is None:
        return None
    return scheme.energy_per_cycle_J / scheme.pulses_per_cycle


def network_cost(
    model: nn.Module,
    device: DeviceModel,
    periphery: Periphery | None = None,
    *,
    modes: Sequence[str] = MODES,
    weight_scaling: str = "column",
    weight_clip_sigma: float | None = None,
    weight_source: str = "given weights",
) -> NetworkCost:
    """Devices, tiles, pulses, energy and voltage to program ``model``'s current weights onto ``device``
    with ``periphery``'s tiles (default: the paper's periphery). ``weight_scaling`` and
    ``weight_clip_sigma`` as in :func:`memtwin.crossbar.convert`."""
    periphery = periphery if periphery is not None else Periphery.paper()
    for mode in modes:
        device.mode(mode)
    if not modes:
        raise ConfigError("network_cost needs at least one programming mode")
    analog = convert(
        model,
        device,
        periphery,
        mode=modes[0],
        weight_scaling=weight_scaling,
        weight_clip_sigma=weight_clip_sigma,
    )
    summaries = {s.name: s for s in analog.summary().layers}
    layers: list[LayerCost] = []
    for name, layer in analog.analog_layers():
        w = layer.weight.detach().reshape(layer.weight.shape[0], -1)
        scale = weight_scale(w, weight_scaling, weight_clip_sigma)
        pulses = {
            mode: int(pulse_counts(w, scale, device.mode(mode).levels).sum())
            * device.mode(mode).pulses_per_level
            for mode in modes
        }
        s = summaries[name]
        layers.append(
            LayerCost(
                name=name,
                kind=s.kind,
                matrix_shape=s.matrix_shape,
                weights=w.numel(),
                devices=s.devices,
                tiles=s.tiles[0] * s.tiles[1],
                pulses=pulses,
            )
        )
    if not layers:
        raise ConfigError("the network has no Linear or Conv2d layer to put on crossbars")
    return NetworkCost(
        device=device.name,
        layers=tuple(layers),
        tile_shape=(periphery.tile_rows, periphery.tile_cols),
        energy_per_pulse_J=energy_per_pulse_J(device),
        max_voltage_V=device.pulse_scheme.max_voltage_V,
        weight_source=weight_source,
        pulses={mode: sum(layer.pulses[mode] for layer in layers) for mode in modes},
    )


def load_weights(model: nn.Module, path: str | Path) -> Path:
    """Load trained weights into ``model`` from a training checkpoint (``last.pt``), a bare state-dict
    file, or a run folder (its ``checkpoints/digital/last.pt``). Returns the file read."""
    source = Path(path)
    if source.is_dir():
        candidate = source / "checkpoints" / "digital" / CHECKPOINT_NAME
        if not candidate.is_file():
            candidate = source / CHECKPOINT_NAME
        if not candidate.is_file():
            raise ConfigError(
                f"{source} holds no checkpoint (looked for checkpoints/digital/{CHECKPOINT_NAME})"
            )
        source = candidate
    if not source.is_file():
        raise ConfigError(f"checkpoint {source} does not exist")
    try:
        load_model_weights(model, source)
    except RuntimeError as exc:
        raise ConfigError(f"{source} does not fit this task's network: {exc}") from exc
    return source
