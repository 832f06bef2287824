"""Fixtures for the crossbar tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from xb_helpers import make_device

from memtwin.devices.model import DeviceModel, Variability


@pytest.fixture
def device_factory() -> Callable[..., DeviceModel]:
    return make_device


@pytest.fixture
def ideal_device() -> DeviceModel:
    """Many levels, no noise, no device-to-device spread: only weight quantization remains."""
    return make_device(levels=1024, sigma_S=0.0)


@pytest.fixture
def noisy_device() -> DeviceModel:
    """HfS2-like: 16 levels, sigma 0.29 step, 30 % update and bound spread."""
    return make_device(levels=16, step_S=81e-6, sigma_S=23.7e-6, variability=Variability(0.3, 0.3))
