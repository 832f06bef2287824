"""The paper's networks: weight counts by hand, output shapes, and only convertible layer types."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from memtwin.errors import ConfigError
from memtwin.tasks.networks import (
    ResidualBlock,
    build_network,
    cifar_resnet,
    count_devices,
    count_weights,
    mlp,
    network_summary,
)

ALLOWED = (
    nn.Linear,
    nn.Conv2d,
    nn.BatchNorm2d,
    nn.ReLU,
    nn.MaxPool2d,
    nn.Flatten,
    nn.Sequential,
    ResidualBlock,
)


def test_mnist_mlp_weights_and_shape() -> None:
    net = mlp(784, 500, 10)
    assert count_weights(net) == 784 * 500 + 500 * 10 == 397_000
    assert count_devices(net) == 794_000
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 500), (500, 10)]
    assert sum(isinstance(m, nn.ReLU) for m in net.modules()) == 1  # hidden only, logits stay linear


def test_cifar_net_weight_count_by_hand() -> None:
    net = cifar_resnet()
    conv = (
        (3 * 16 * 9 + 16 * 16 * 9 + 3 * 16)  # block 1: conv3x3 3->16, conv3x3 16->16, conv1x1 3->16
        + (16 * 32 * 9 + 32 * 32 * 9 + 16 * 32)  # block 2
        + (32 * 64 * 9 + 64 * 64 * 9 + 32 * 64)  # block 3
    )
    fc = 1024 * 128 + 128 * 64 + 64 * 10
    assert conv == 74_464 and fc == 139_904
    assert count_weights(net) == conv + fc == 214_368
    assert count_devices(net) == 428_736
    assert "214,368 weights" in network_summary(net)


def test_cifar_net_structure_and_shape() -> None:
    net = cifar_resnet()
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    for m in net.modules():
        assert isinstance(m, ALLOWED), type(m)
    blocks = [m for m in net.modules() if isinstance(m, ResidualBlock)]
    assert len(blocks) == 3
    up = blocks[0].upper
    assert [type(m) for m in up] == [nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.Conv2d, nn.ReLU]
    assert blocks[0].lower.kernel_size == (1, 1)
    assert sum(isinstance(m, nn.Linear) for m in net.modules()) == 3


def test_residual_block_sums_branches_then_pools() -> None:
    block = ResidualBlock(2, 4).eval()
    x = torch.randn(1, 2, 6, 6)
    manual = nn.functional.max_pool2d(block.upper(x) + block.lower(x), 2)
    torch.testing.assert_close(block(x), manual)


def test_small_variants_and_errors() -> None:
    net = cifar_resnet(channels=(4, 8), fc=(8 * 2 * 2, 16), in_channels=1, image_size=8)
    assert net(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    with pytest.raises(ConfigError, match="flattened size 1024"):
        cifar_resnet(fc=(512, 64))
    with pytest.raises(ConfigError):
        mlp(784)


def test_build_network_registry_is_seeded() -> None:
    a, b = build_network("mnist", seed=1), build_network("MNIST", seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    c = build_network("mnist", seed=2)
    assert not torch.equal(next(a.parameters()), next(c.parameters()))
    state = torch.get_rng_state()
    build_network("cifar10", seed=0)
    assert torch.equal(state, torch.get_rng_state())  # the caller's RNG is left alone
    assert count_weights(build_network("digits")) == 64 * 128 + 128 * 10
    with pytest.raises(ConfigError, match="no network"):
        build_network("imagenet")
