"""Batch-norm statistics re-estimated after hardware-aware training."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from memtwin.crossbar import convert
from memtwin.crossbar.periphery import Periphery
from memtwin.devices.model import DeviceModel, ModeLevels, Variability
from memtwin.tasks.datasets import load_task
from memtwin.training.batchnorm import reestimate_batchnorm


@pytest.fixture(scope="module")
def digits():  # type: ignore[no-untyped-def]
    return load_task("digits", subset=300)


def _net(batchnorm: bool) -> nn.Module:
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Flatten(), nn.Linear(64, 16)]
    if batchnorm:
        layers.append(nn.BatchNorm1d(16))
    layers += [nn.ReLU(), nn.Linear(16, 10)]
    return nn.Sequential(*layers)


def _analog(batchnorm: bool, noise_scale: float = 1.5):  # type: ignore[no-untyped-def]
    pot = ModeLevels.linear(100e-6, 80e-6, 16, 8e-6)
    dep = ModeLevels.linear(100e-6 + 15 * 80e-6, -80e-6, 16, 8e-6)
    device = DeviceModel(name="bn-test", potentiation=pot, depression=dep, variability=Variability(0.3, 0.3))
    return convert(
        _net(batchnorm), device, Periphery.ideal(), mode="potentiation", hwat_noise_scale=noise_scale
    )


def test_statistics_are_the_plain_average_of_the_batches_at_nominal_spreads(digits) -> None:  # type: ignore[no-untyped-def]
    analog = _analog(batchnorm=True)
    bn = next(m for m in analog.modules() if isinstance(m, nn.BatchNorm1d))
    bn.running_mean.fill_(100.0)  # stale statistics must not leak into the new ones
    analog.eval()
    seen_inputs: list[torch.Tensor] = []
    scales: list[float] = []
    bn.register_forward_hook(lambda m, i, o: seen_inputs.append(i[0].detach().clone()))
    layer = next(layer for _, layer in analog.analog_layers())
    layer.register_forward_hook(lambda m, i, o: scales.append(m.hwat_noise_scale))

    assert reestimate_batchnorm(analog, digits, seed=3, batches=3, batch_size=64)

    assert len(seen_inputs) == 3
    # cumulative average (momentum None): the mean of the batch means, and of the unbiased batch variances
    torch.testing.assert_close(bn.running_mean, torch.stack([x.mean(0) for x in seen_inputs]).mean(0))
    torch.testing.assert_close(bn.running_var, torch.stack([x.var(0) for x in seen_inputs]).mean(0))
    assert set(scales[:3]) == {1.0}  # the device's own spreads, not the training's 1.5×
    assert layer.hwat_noise_scale == 1.5 and bn.momentum == 0.1  # restored
    assert not analog.training  # left in the mode it was in
    # device draws are fresh per batch: the same images twice give different activations
    first = seen_inputs[0]
    assert not torch.allclose(first.mean(0), seen_inputs[1].mean(0))


def test_same_seed_same_statistics_and_no_batchnorm_is_untouched(digits) -> None:  # type: ignore[no-untyped-def]
    a, b = _analog(batchnorm=True), _analog(batchnorm=True)
    reestimate_batchnorm(a, digits, seed=1, batches=2, batch_size=32)
    reestimate_batchnorm(b, digits, seed=1, batches=2, batch_size=32)
    bn_a = next(m for m in a.modules() if isinstance(m, nn.BatchNorm1d))
    bn_b = next(m for m in b.modules() if isinstance(m, nn.BatchNorm1d))
    torch.testing.assert_close(bn_a.running_var, bn_b.running_var)

    plain = _analog(batchnorm=False)
    before = {k: v.clone() for k, v in plain.state_dict().items()}
    assert not reestimate_batchnorm(plain, digits, seed=1)
    after = plain.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
