"""``convert(model, config)`` and the :class:`AnalogModel` it returns.

``convert`` deep-copies any torch model and replaces every ``nn.Linear`` and ``nn.Conv2d`` (exact types,
so e.g. attention's internal projections, which are used through their weights directly, are left alone)
by an analog layer with the same weights; batch norm, pooling, activations, residual additions stay
digital. The copy is wrapped in an :class:`AnalogModel`, whose ``state_dict`` keeps the original key
layout under ``model.`` (:meth:`AnalogModel.digital_state_dict` strips it).

**Monte-Carlo repetitions.** ``program(seed, repetitions=R)`` programs R independent chips. In eval mode
the forward takes a normal batch (B, …) and returns (R, B, …); with R = 1 it returns (B, …), exactly as the
digital module would. (``AnalogModel.repetition_chunk`` can split the R repetitions into several passes —
by default on a CPU with large batches, where that measured faster; the numbers are identical.) Inside, the batch is repeated R times along the batch dimension (repetition-major,
(R·B, …)) by the first analog layer on each path, whose DAC writes the R copies while quantizing (no
separate copy of the input); from there every layer — digital ones included — sees one bigger batch, and
analog layers run each repetition's matmul/conv on its own conductances. If the network combines tensors
from before and after the first analog layer (an identity skip around it), the batch sizes disagree; the
model then undoes that forward's side effects and repeats the batch at its input instead, for good.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, overload

import torch
from torch import Tensor, nn

from memtwin.crossbar.config import AnalogConfig
from memtwin.crossbar.converters import repeat_batch
from memtwin.crossbar.drift import DriftLike
from memtwin.crossbar.layers import (
    AnalogConv2d,
    AnalogLayerBase,
    AnalogLinear,
    LayerSummary,
    NotProgrammedError,
    check_repetitions,
)
from memtwin.crossbar.periphery import Periphery
from memtwin.crossbar.seeding import check_seed
from memtwin.devices.model import DeviceModel
from memtwin.errors import ConfigError

#: Smallest batch for which ``repetition_chunk="auto"`` evaluates repetitions one by one on a CPU.
AUTO_CHUNK_MIN_BATCH = 256


@dataclass(frozen=True)
class CrossbarSummary:
    """What an analog model is built of (returned by :meth:`AnalogModel.summary`)."""

    device_name: str
    mode: str
    periphery: Periphery
    repetitions: int
    t_seconds: float
    layers: tuple[LayerSummary, ...]

    @property
    def total_weights(self) -> int:
        return sum(layer.devices // 2 for layer in self.layers)

    @property
    def total_devices(self) -> int:
        return sum(layer.devices for layer in self.layers)

    @property
    def total_tiles(self) -> int:
        return sum(layer.tiles[0] * layer.tiles[1] for layer in self.layers)

    def __str__(self) -> str:
        p = self.periphery
        head = (
            f"analog model on {self.device_name!r} ({self.mode}); DAC {p.dac_bits or 'ideal'} bit, "
            f"ADC {p.adc_bits or 'ideal'} bit, tiles {p.tile_rows or '∞'}×{p.tile_cols or '∞'}, "
            f"wire {p.wire_resistance_ohm:g} Ω; repetitions {self.repetitions}, t = {self.t_seconds:g} s"
        )
        lines = [
            head,
            f"{'layer':<28} {'kind':<7} {'matrix (rows×cols)':>18} {'tiles':>6} {'devices':>9}  G range (µS)",
        ]
        for s in self.layers:
            rows, cols = s.matrix_shape
            att = "" if s.max_ir_attenuation is None else f"  IR att. ≤ {100 * s.max_ir_attenuation:.1f} %"
            lines.append(
                f"{s.name:<28} {s.kind:<7} {f'{rows}×{cols}':>18} {f'{s.tiles[0]}×{s.tiles[1]}':>6} "
                f"{s.devices:>9}  {1e6 * s.g_range_S[0]:.1f}–{1e6 * s.g_range_S[1]:.1f}{att}"
            )
        lines.append(
            f"total: {self.total_weights} weights, {self.total_devices} devices (2 per weight), "
            f"{self.total_tiles} tiles"
        )
        return "\n".join(lines)


def _concat_outputs(outs: list[Any]) -> Any:
    """Concatenate per-chunk outputs (tensors, or tuples/lists/dicts of them) along the repetition dim."""
    first = outs[0]
    if isinstance(first, Tensor):
        return torch.cat(outs)
    if isinstance(first, tuple | list):
        return type(first)(_concat_outputs([o[i] for o in outs]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _concat_outputs([o[k] for o in outs]) for k in first}
    return first


def _map_tensors(out: Any, fn: Any) -> Any:
    if isinstance(out, Tensor):
        return fn(out)
    if isinstance(out, tuple | list):
        return type(out)(_map_tensors(o, fn) for o in out)
    if isinstance(out, dict):
        return {k: _map_tensors(v, fn) for k, v in out.items()}
    return out


class AnalogModel(nn.Module):
    """A network whose Linear/Conv2d layers run on simulated memristor crossbars (see module docstring).

    Attributes: ``model`` (the converted copy), ``config`` (the :class:`AnalogConfig` it was built from;
    ``device``, ``periphery`` and ``mode`` are read from it), ``repetitions`` (0 before programming).
    """

    _digital_template: nn.Module | None

    def __init__(
        self, model: nn.Module, config: AnalogConfig, digital_template: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.model = model
        self.config = config
        # Not a registered submodule: its parameters must not reach optimizers, state_dict or .to().
        object.__setattr__(self, "_digital_template", digital_template)
        self._repetitions = 0
        self._seed: int | None = None
        self._t_s = 0.0
        self._expand_at_input = False
        #: Evaluate the repetitions in chunks of this many; None: all in one vectorized pass; "auto"
        #: (default): one pass, except on a CPU with batches of at least ``AUTO_CHUNK_MIN_BATCH``, where
        #: chunks of 1. Results are identical either way (tested). On a CPU, activations R times a large
        #: batch are fresh memory that page-faults in, which costs more than the vectorization saves
        #: (measured, 2 cores, R = 5: MNIST MLP at B = 10 000 1.60× vs 1.23× digital per repetition,
        #: CIFAR-10 network at B = 1 000 1.38× vs 1.20×).
        self.repetition_chunk: int | str | None = "auto"
        self.train(model.training)

    @property
    def device(self) -> DeviceModel:
        return self.config.device

    @property
    def periphery(self) -> Periphery:
        return self.config.periphery

    @property
    def mode(self) -> str:
        return self.config.mapping.mode

    # -- structure -----------------------------------------------------------------------------------
    def analog_layers(self) -> Iterator[tuple[str, AnalogLayerBase]]:
        """(qualified name, layer) of every analog layer, in module order (their seeding index)."""
        for name, module in self.model.named_modules():
            if isinstance(module, AnalogLayerBase):
                yield name, module

    @property
    def repetitions(self) -> int:
        return self._repetitions

    @property
    def programmed(self) -> bool:
        return self._repetitions > 0

    @property
    def t_seconds(self) -> float:
        return self._t_s

    @property
    def drift_model(self) -> DriftLike | None:
        layers = [layer for _, layer in self.analog_layers()]
        return layers[0].array.drift_model if layers else None

    @drift_model.setter
    def drift_model(self, model: DriftLike | None) -> None:
        """Override the drift model built from ``device.drift`` (e.g. a measured or hypothetical one)."""
        for _, layer in self.analog_layers():
            layer.array.drift_model = model

    # -- chip life cycle -----------------------------------------------------------------------------
    def program(self, seed: int, repetitions: int = 1) -> AnalogModel:
        """Program ``repetitions`` independent chips from the current weights (seeded; see
        :mod:`memtwin.crossbar.seeding`). Resets drift to t = 0 and the converter calibration."""
        seed = check_seed(seed)
        check_repetitions(repetitions)
        for _, layer in self.analog_layers():
            layer.program(seed, repetitions)
        self._repetitions = repetitions
        self._seed = seed
        self._t_s = 0.0
        return self

    def load_programmed(
        self, chips: list[tuple[Tensor, Tensor]], seed: int, first_repetition: int = 0
    ) -> AnalogModel:
        """Take chips trained in place as programmed: per analog layer (conductances (R, 2, outputs,
        rows), weight scale per output). Drift and compensation then apply as after programming."""
        layers = [layer for _, layer in self.analog_layers()]
        if len(chips) != len(layers):
            raise ConfigError(f"{len(chips)} trained layers given for {len(layers)} analog layers")
        for layer, (g, w_scale) in zip(layers, chips, strict=True):
            layer.load_programmed(g, w_scale, seed, first_repetition)
        self._repetitions = int(chips[0][0].shape[0])
        self._seed = seed
        self._t_s = 0.0
        return self

    def drift_to(self, t_seconds: float, compensate: bool | None = None) -> AnalogModel:
        """Let the programmed conductances drift to ``t_seconds`` after programming.

        ``compensate``: global drift compensation on/off (None: ``periphery.drift_compensation``).
        The DAC/ADC keep the ranges calibrated so far (a chip is calibrated once, at deployment). If no
        forward has run since ``program``, the first forwards after this call calibrate on the drifted
        chip instead: call ``calibrate(data)`` right after ``program`` to calibrate at t = 0.
        """
        self._require_programmed()
        for _, layer in self.analog_layers():
            layer.drift_to(t_seconds, compensate)
        self._t_s = float(t_seconds)
        return self

    def calibrate(self, data: Tensor | Iterable[Any] | None = None) -> AnalogModel:
        """Recalibrate the DAC/ADC ranges.

        Without ``data``: the next ``periphery.calibration_batches`` eval forwards calibrate. With a batch
        (or an iterable of batches, or of (input, target) pairs): run them now in eval mode without
        gradients and freeze the ranges.
        """
        for _, layer in self.analog_layers():
            layer.reset_calibration()
        if data is None:
            return self
        self._require_programmed()
        batches: Iterable[Any] = [data] if isinstance(data, Tensor) else data
        was_training = self.training
        self.eval()
        with torch.no_grad():
            for batch in batches:
                x = batch[0] if isinstance(batch, tuple | list) else batch
                self(x)
        for _, layer in self.analog_layers():
            layer.finish_calibration()
        self.train(was_training)
        return self

    def seed_training(self, seed: int) -> AnalogModel:
        """Seed the hardware-aware-training noise streams (default seed 0)."""
        seed = check_seed(seed)
        for _, layer in self.analog_layers():
            layer.seed_training(seed)
        return self

    def _require_programmed(self) -> None:
        if not self.programmed:
            raise NotProgrammedError(
                "the analog model has not been programmed: call .program(seed=...) first (or use train() "
                "mode for hardware-aware training)"
            )

    # -- forward -------------------------------------------------------------------------------------
    def forward(self, x: Tensor, *args: Any, **kwargs: Any) -> Any:
        if self.training:
            return self.model(x, *args, **kwargs)
        self._require_programmed()
        reps = self._repetitions
        if reps == 1:
            return self.model(x, *args, **kwargs)
        layers = [layer for _, layer in self.analog_layers()]
        chunk = self._chunk_for(x)
        if chunk is None or chunk >= reps or any(not layer.calibration_done() for layer in layers):
            return self._forward_window(x, args, kwargs, layers, 0, reps)
        outs = [
            self._forward_window(x, args, kwargs, layers, r0, min(reps, r0 + chunk))
            for r0 in range(0, reps, chunk)
        ]
        return _concat_outputs(outs)

    def _chunk_for(self, x: Tensor) -> int | None:
        chunk = self.repetition_chunk
        if chunk == "auto":
            return 1 if x.device.type == "cpu" and x.shape[0] >= AUTO_CHUNK_MIN_BATCH else None
        if chunk is None:
            return None
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise ConfigError(f"repetition_chunk must be a positive integer, None or 'auto', got {chunk!r}")
        return chunk

    def _forward_window(
        self, x: Tensor, args: Any, kwargs: Any, layers: list[AnalogLayerBase], r0: int, r1: int
    ) -> Any:
        """Repetitions r0..r1−1 in one pass; output (r1 − r0, B, …)."""
        active = r1 - r0
        batch = x.shape[0]
        window = None if (r0, r1) == (0, self._repetitions) else (r0, r1)
        for layer in layers:
            layer._rep_window = window
        try:
            out: Any = None
            if not self._expand_at_input or active == 1:
                out = self._forward_expanding_at_first_analog(x, args, kwargs, layers)
            if out is None:
                out = self.model(repeat_batch(x, active), *args, **kwargs)
        finally:
            for layer in layers:
                layer._rep_window = None

        def split(t: Tensor) -> Tensor:
            if active > 1 and t.shape[0] == batch:  # computed before any analog layer: same for all
                return t.unsqueeze(0).expand(active, *t.shape)
            return t.reshape(active, batch, *t.shape[1:])

        return _map_tensors(out, split)

    def _forward_expanding_at_first_analog(
        self, x: Tensor, args: Any, kwargs: Any, layers: list[AnalogLayerBase]
    ) -> Any:
        """Run with the batch repeated by the first analog layer on each path (digital layers before it
        compute once). A network that mixes tensors from before and after that point (e.g. an identity
        skip around the first analog layer) fails on the batch sizes; then the layers' state is restored
        and None is returned, and from then on this model repeats the batch at its input."""
        snapshots = [layer._snapshot() for layer in layers]
        for layer in layers:
            layer._base_batch = x.shape[0]
        try:
            return self.model(x, *args, **kwargs)
        except RuntimeError as exc:
            if isinstance(exc, torch.OutOfMemoryError):
                raise
            for layer, snapshot in zip(layers, snapshots, strict=True):
                layer._restore(snapshot)
            self._expand_at_input = True
            return None
        finally:
            for layer in layers:
                layer._base_batch = None

    # -- weights in and out --------------------------------------------------------------------------
    def digital_state_dict(self) -> dict[str, Tensor]:
        """The state dict in the original (digital) model's key layout: weights, biases, BN statistics."""
        prefix = "model."
        return {k[len(prefix) :]: v for k, v in self.state_dict().items() if k.startswith(prefix)}

    def load_digital_state_dict(self, state_dict: dict[str, Tensor], strict: bool = True) -> Any:
        """Load a digital checkpoint (original key layout). Does not reprogram: call ``program`` after."""
        return self.model.load_state_dict(state_dict, strict=strict)

    def to_digital(self) -> nn.Module:
        """A plain digital copy of the original architecture carrying the current (e.g. HWAT) weights."""
        if self._digital_template is None:
            raise ConfigError(
                "this AnalogModel was built without a digital template; use digital_state_dict()"
            )
        digital = copy.deepcopy(self._digital_template)
        digital.load_state_dict(self.digital_state_dict())
        first = next(iter(self.parameters()), None)
        return digital.to(first.device) if first is not None else digital

    # -- inspection ----------------------------------------------------------------------------------
    def summary(self) -> CrossbarSummary:
        return CrossbarSummary(
            device_name=self.device.name,
            mode=self.mode,
            periphery=self.periphery,
            repetitions=self._repetitions,
            t_seconds=self._t_s,
            layers=tuple(layer.summary(name) for name, layer in self.analog_layers()),
        )

    def extra_repr(self) -> str:
        return f"device={self.device.name!r}, mode={self.mode}, repetitions={self._repetitions}"


@overload
def convert(model: nn.Module, config: AnalogConfig, *, exclude: Collection[str] = ()) -> AnalogModel: ...


@overload
def convert(
    model: nn.Module,
    config: DeviceModel,
    periphery: Periphery | None = None,
    mode: str = "potentiation",
    weight_scaling: str = "column",
    *,
    weight_clip_sigma: float | None = None,
    exclude: Collection[str] = (),
    training_seed: int = 0,
    hwat_noise_scale: float = 1.0,
) -> AnalogModel: ...


def convert(
    model: nn.Module,
    config: AnalogConfig | DeviceModel,
    periphery: Periphery | None = None,
    mode: str | None = None,
    weight_scaling: str | None = None,
    *,
    weight_clip_sigma: float | None = None,
    exclude: Collection[str] = (),
    training_seed: int | None = None,
    hwat_noise_scale: float | None = None,
) -> AnalogModel:
    """An analog copy of ``model``: every ``nn.Linear``/``nn.Conv2d`` (except qualified names in
    ``exclude``) becomes an analog layer built from ``config`` (:class:`AnalogConfig`). The original
    ``model`` is not modified.

    The flat form ``convert(model, device, periphery=None, mode="potentiation", weight_scaling="column",
    *, weight_clip_sigma=None, training_seed=0, hwat_noise_scale=1.0)`` builds the config with
    :meth:`AnalogConfig.of`: ``periphery=None`` means an ideal periphery (:meth:`Periphery.ideal`; use
    :meth:`Periphery.paper` for the paper's); ``weight_scaling``: "column" (per output) or "layer";
    ``weight_clip_sigma``: clip weights at that many standard deviations when mapping (None: the largest
    |w| maps to the top level); ``training_seed`` seeds the hardware-aware-training noise;
    ``hwat_noise_scale`` widens (or narrows) every device spread that hardware-aware training sees,
    relative to the device's own (programming for inference always uses the device's own).
    """
    if not isinstance(model, nn.Module):
        raise ConfigError(f"convert needs a torch.nn.Module, got {type(model).__name__}")
    flat = {"periphery": periphery, "mode": mode, "weight_scaling": weight_scaling,
            "weight_clip_sigma": weight_clip_sigma, "training_seed": training_seed,
            "hwat_noise_scale": hwat_noise_scale}  # fmt: skip
    given: dict[str, Any] = {key: value for key, value in flat.items() if value is not None}
    if not isinstance(config, AnalogConfig):
        config = AnalogConfig.of(config, **given)
    elif given:
        raise ConfigError(
            f"convert takes an AnalogConfig or the flat parameters, not both: {', '.join(given)}"
        )
    names = {name for name, _ in model.named_modules()}
    unknown = sorted(set(exclude) - names)
    if unknown:
        raise ConfigError(f"exclude names unknown module(s): {', '.join(unknown)}")
    template = copy.deepcopy(model)
    converted = copy.deepcopy(model)
    if type(converted) in (nn.Linear, nn.Conv2d):
        converted = nn.Sequential(converted)
    _replace_layers(converted, config, set(exclude))
    return AnalogModel(converted, config, digital_template=template)


def _replace_layers(root: nn.Module, config: AnalogConfig, excluded: set[str]) -> None:
    """Replace every ``nn.Linear``/``nn.Conv2d`` (exact types) below ``root`` by its analog layer,
    numbered in module order (the order of ``AnalogModel.analog_layers``: the layer index that keys the
    layer's random streams)."""
    index = 0

    def replace(parent: nn.Module, prefix: str) -> None:
        nonlocal index
        for child_name, child in parent.named_children():
            qual = f"{prefix}.{child_name}" if prefix else child_name
            new: nn.Module | None = None
            if qual in excluded:
                continue
            if type(child) is nn.Linear:
                new = AnalogLinear.from_digital(child, config, index)
            elif type(child) is nn.Conv2d:
                new = AnalogConv2d.from_digital(child, config, index)
            else:
                replace(child, qual)
                continue
            setattr(parent, child_name, new)
            index += 1

    replace(root, "")
