"""What an analog model is built from: :class:`AnalogConfig` (device, periphery, mapping, training).

One frozen value replaces the parameter list (device, periphery, mode, weight scaling, clip σ, training
seed, HWAT noise scale) that :func:`memtwin.crossbar.convert`, :class:`~memtwin.crossbar.AnalogModel` and
every analog layer take. It is checked once, when it is built; errors name the key and the value.

* ``device``: the :class:`~memtwin.devices.model.DeviceModel` the crossbars are built of;
* ``periphery``: the :class:`~memtwin.crossbar.periphery.Periphery` (converters, tiles, wires, …);
* ``mapping`` (:class:`MappingConfig`): how weights become pulse counts — programming ``mode``, weight
  scale per "column" or per "layer", optional clipping at ``weight_clip_sigma`` standard deviations
  (:mod:`memtwin.crossbar.mapping`);
* ``training`` (:class:`HwatConfig`): hardware-aware training — the seed of its noise streams and how
  many times wider than the device's own its device spreads are (programming for inference always uses
  the device's own).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from memtwin.crossbar.mapping import check_clip_sigma, check_weight_scaling
from memtwin.crossbar.periphery import Periphery
from memtwin.crossbar.seeding import check_seed
from memtwin.devices.model import DeviceModel
from memtwin.errors import ConfigError
from memtwin.validation import number


@dataclass(frozen=True)
class MappingConfig:
    """How weights map onto a differential pair of devices (see :mod:`memtwin.crossbar.mapping`)."""

    mode: str = "potentiation"
    weight_scaling: str = "column"
    weight_clip_sigma: float | None = None

    def __post_init__(self) -> None:
        check_weight_scaling(self.weight_scaling)
        object.__setattr__(self, "weight_clip_sigma", check_clip_sigma(self.weight_clip_sigma))


@dataclass(frozen=True)
class HwatConfig:
    """Hardware-aware training: the seed of its noise streams and the width of its device spreads
    relative to the device's own."""

    training_seed: int = 0
    hwat_noise_scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "training_seed", check_seed(self.training_seed))
        scale = number("hwat_noise_scale", self.hwat_noise_scale, ge=0)
        object.__setattr__(self, "hwat_noise_scale", scale)


@dataclass(frozen=True)
class AnalogConfig:
    """Everything an analog layer is built from (see the module docstring)."""

    device: DeviceModel
    periphery: Periphery = field(default_factory=Periphery.ideal)
    mapping: MappingConfig = field(default_factory=MappingConfig)
    training: HwatConfig = field(default_factory=HwatConfig)

    def __post_init__(self) -> None:
        if not isinstance(self.device, DeviceModel):
            raise ConfigError(
                f"device must be a DeviceModel (e.g. memtwin.devices.preset(...)), got {self.device!r}"
            )
        if not isinstance(self.periphery, Periphery):
            raise ConfigError(f"periphery must be a Periphery, got {type(self.periphery).__name__}")
        for name, kind in (("mapping", MappingConfig), ("training", HwatConfig)):
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(f"{name} must be a {kind.__name__}, got {getattr(self, name)!r}")
        self.device.mode(self.mapping.mode)  # raises ConfigError for an unknown mode

    @classmethod
    def of(
        cls,
        device: DeviceModel,
        periphery: Periphery | None = None,
        mode: str = "potentiation",
        weight_scaling: str = "column",
        *,
        weight_clip_sigma: float | None = None,
        training_seed: int = 0,
        hwat_noise_scale: float = 1.0,
    ) -> AnalogConfig:
        """The config from the flat parameters of the original ``convert`` (``periphery=None``: ideal)."""
        return cls(
            device,
            Periphery.ideal() if periphery is None else periphery,
            MappingConfig(mode, weight_scaling, weight_clip_sigma),
            HwatConfig(training_seed, hwat_noise_scale),
        )
