"""The exported module run in AIHWKIT itself: rpu_config() builds a configuration whose fields equal the
exported numbers, and an AnalogLinear built from it runs. Skipped where aihwkit does not import (CI);
run it with the AIHWKIT environment (docs: ../shared/peers/aihwkit.md)."""

from __future__ import annotations

from typing import Any

import pytest
from export_helpers import curved_device, linear_device, load_module

from memtwin.devices import DeviceModel, preset
from memtwin.export import aihwkit_module

pytest.importorskip("aihwkit")
import torch  # noqa: E402  (after the skip: only where aihwkit imports)
from aihwkit.nn import AnalogLinear  # noqa: E402

DEVICES = {"hand-linear": linear_device, "hand-curved": curved_device,
           "hfs2": lambda: preset("hfs2-xhameni2025")}  # fmt: skip


def _assert_fields(target: object, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        got = getattr(target, name)
        assert (list(got) if isinstance(value, list) else got) == value, name


@pytest.mark.parametrize("name", sorted(DEVICES))
def test_pulsed_config_holds_the_exported_numbers_and_runs(name: str) -> None:
    device: DeviceModel = DEVICES[name]()
    namespace = load_module(aihwkit_module(device))
    config = namespace["rpu_config"]()
    assert type(config).__name__ == "SingleRPUConfig"
    assert type(config.device).__name__ == namespace["DEVICE_CLASS"]
    _assert_fields(config.device, namespace["DEVICE_FIELDS"])
    _assert_fields(config.forward, namespace["FORWARD_FIELDS"])
    _assert_fields(config.mapping, namespace["MAPPING_FIELDS"])
    layer = AnalogLinear(8, 4, bias=False, rpu_config=config)
    weights = torch.linspace(-0.5, 0.5, 32).reshape(4, 8)
    layer.set_weights(weights)
    assert layer(torch.ones(2, 8)).shape == (2, 4)
    tile = next(iter(layer.analog_tiles()))
    hidden = tile.get_hidden_parameters()
    # Each device's step and bounds are drawn around the exported ones (AIHWKIT's populate()).
    assert hidden["dwmin_up"].mean() == pytest.approx(namespace["DEVICE_FIELDS"]["dw_min"], rel=0.5)


@pytest.mark.parametrize("name", sorted(DEVICES))
def test_inference_config_holds_the_exported_numbers_and_runs(name: str) -> None:
    device: DeviceModel = DEVICES[name]()
    namespace = load_module(aihwkit_module(device, kind="inference"))
    config = namespace["rpu_config"]()
    assert type(config).__name__ == "InferenceRPUConfig"
    assert type(config.noise_model).__name__ == namespace["NOISE_MODEL_CLASS"]
    _assert_fields(config.noise_model, {k: v for k, v in namespace["NOISE_MODEL_FIELDS"].items()
                                        if k != "g_max"})  # fmt: skip
    assert config.noise_model.g_max == namespace["NOISE_MODEL_FIELDS"]["g_max"]
    assert type(config.drift_compensation).__name__ == "GlobalDriftCompensation"
    _assert_fields(config.forward, namespace["FORWARD_FIELDS"])
    layer = AnalogLinear(8, 4, bias=False, rpu_config=config)
    layer.set_weights(torch.linspace(-0.5, 0.5, 32).reshape(4, 8))
    layer.eval()
    layer.drift_analog_weights(86400.0)  # one of the three times AIHWKIT's Wan2022 model knows
    assert torch.isfinite(layer(torch.ones(2, 8))).all()
