"""Programming cost against hand-computed cases."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from torch import nn

from memtwin.crossbar.periphery import Periphery
from memtwin.devices import PulseScheme, preset
from memtwin.errors import ConfigError
from memtwin.experiments.cost import energy_per_pulse_J, load_weights, network_cost
from memtwin.tasks.networks import build_network


def two_by_two() -> nn.Linear:
    layer = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -0.4], [0.2, 0.0]]))
    return layer


def test_two_by_two_linear_by_hand() -> None:
    # HfS2: 16 levels -> L-1 = 15. Per-column (output) scale: row 0 max |w| = 1 -> 15 and round(6.0) = 6
    # pulses; row 1 max 0.2 -> 15 and 0. Total 36 pulses. Energy per pulse 23.74 nJ / 40 pulses.
    device = preset("hfs2-xhameni2025")
    cost = network_cost(two_by_two(), device, Periphery.paper())
    assert (cost.weights, cost.devices, cost.tiles) == (4, 8, 1)
    assert cost.pulses == {"potentiation": 36, "depression": 36}
    assert cost.energy_per_pulse_J == pytest.approx(23.74e-9 / 40)
    assert cost.energy_J("potentiation") == pytest.approx(36 * 23.74e-9 / 40)
    assert cost.max_voltage_V == 0.995
    d = cost.to_dict()
    assert d["layers"][0]["matrix_shape"] == [2, 2] and d["energy_J"]["depression"] == pytest.approx(
        2.1366e-8
    )


def test_level_count_of_each_mode_sets_its_pulses() -> None:
    # 4 potentiation levels (L-1 = 3) and 8 depression levels (L-1 = 7): 3 + round(1.2)=1 + 3 + 0 = 7
    # and 7 + round(2.8)=3 + 7 + 0 = 17.
    device = preset("hfs2-xhameni2025")
    from memtwin.devices.transforms import resample_on_curve

    device = replace(
        device,
        potentiation=resample_on_curve(device.potentiation, 4),
        depression=resample_on_curve(device.depression, 8),
    )
    cost = network_cost(two_by_two(), device, Periphery.ideal())
    assert cost.pulses == {"potentiation": 7, "depression": 17}


def test_fine_step_device_writes_several_pulses_per_level() -> None:
    # The same 16 levels, 3 pulses apart on a fine-step device: 3 x the 36 levels of the hand case.
    device = preset("hfs2-xhameni2025")
    device = replace(device, potentiation=replace(device.potentiation, pulses_per_level=3))
    cost = network_cost(two_by_two(), device, Periphery.paper())
    assert cost.pulses == {"potentiation": 108, "depression": 36}


def test_energy_is_unknown_without_a_published_scheme() -> None:
    assert energy_per_pulse_J(preset("ideal")) is None
    cost = network_cost(two_by_two(), preset("ideal"))
    assert cost.energy_J("potentiation") is None and cost.max_voltage_V is None
    device = replace(preset("ideal"), pulse_scheme=PulseScheme(energy_per_cycle_J=1e-9))  # no pulse count
    assert energy_per_pulse_J(device) is None


def test_mnist_network_counts_and_tiles() -> None:
    # 784-500-10: 392 500 + 5 000 weights. 512x512 tiles: 784 rows -> 2 row tiles x 1 column tile, and
    # 500 rows -> 1 tile: 3 tiles; 794 000 devices.
    cost = network_cost(build_network("mnist", seed=0), preset("hfs2-xhameni2025"), Periphery.paper())
    assert (cost.weights, cost.devices, cost.tiles) == (397_000, 794_000, 3)
    assert 0 < cost.pulses["potentiation"] <= 15 * cost.weights


def test_checkpoint_loading(tmp_path: Path) -> None:
    net = nn.Sequential(two_by_two())
    torch.save({"model": net.state_dict()}, tmp_path / "last.pt")
    fresh = nn.Sequential(nn.Linear(2, 2, bias=False))
    assert load_weights(fresh, tmp_path) == tmp_path / "last.pt"
    assert network_cost(fresh, preset("hfs2-xhameni2025")).pulses["potentiation"] == 36
    with pytest.raises(ConfigError, match="does not exist"):
        load_weights(fresh, tmp_path / "missing.pt")
