"""The CPU fake-quantizer of hardware-aware training gives PyTorch's own fake-quantize kernels' numbers, bit
for bit: forward (round half to even, clamp at ±codes, no −0, NaN read as −codes) and masked gradient."""

from __future__ import annotations

import pytest
import torch

from memtwin.crossbar.converters import quantize_fused


def _native(x: torch.Tensor, step: torch.Tensor, codes: int, axis: int | None) -> torch.Tensor:
    step = step.detach().to(torch.float32).clamp(min=1e-30)
    if axis is None:
        return torch.fake_quantize_per_tensor_affine(
            x, step.reshape(()), torch.zeros((), dtype=torch.int32), -codes, codes
        )
    zeros = torch.zeros(step.numel(), dtype=torch.int32)
    return torch.fake_quantize_per_channel_affine(x, step.reshape(-1), zeros, axis, -codes, codes)


def _bits(t: torch.Tensor) -> torch.Tensor:
    return t.detach().contiguous().view(torch.int32)


def _same(x: torch.Tensor, step: torch.Tensor, codes: int, axis: int | None, grad: torch.Tensor) -> None:
    a, b = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    ya, yb = _native(a, step, codes, axis), quantize_fused(b, step, codes, axis)
    ya.backward(grad)
    yb.backward(grad)
    assert torch.equal(_bits(ya), _bits(yb))
    assert a.grad is not None and b.grad is not None and torch.equal(_bits(a.grad), _bits(b.grad))


@pytest.mark.parametrize("codes", [1, 7, 127, 2047])
def test_per_tensor_matches_the_native_kernel_bit_for_bit(codes: int) -> None:
    g = torch.Generator().manual_seed(codes)
    for trial in range(20):
        step = torch.rand((), generator=g) * 10 ** torch.randint(-8, 3, (), generator=g).float()
        if trial == 0:
            step = torch.tensor(0.0)  # a zero range: floored at 1e-30
        x = torch.randn(2000, generator=g) * step * codes * 1.3  # some beyond full scale
        k = torch.randint(-codes - 3, codes + 3, (500,), generator=g).float()
        x[:500] = (k + 0.5) * step.clamp(min=1e-30)  # exact ties: round half to even
        x[500:511] = torch.tensor(
            [0.0, -0.0, 1e-45, -1e-45, 3e38, -3e38, 1e-30, -1e-30, float("nan"), float("inf"), -float("inf")]
        )
        grad = torch.randn(2000, generator=g)
        _same(x, step, codes, None, grad)


def test_per_channel_matches_the_native_kernel_bit_for_bit() -> None:
    g = torch.Generator().manual_seed(5)
    for codes in (7, 127):
        x = torch.randn(4, 5, 300, generator=g)
        steps = torch.rand(5, generator=g) * 0.1
        steps[0] = 0.0
        x[:, 1, :100] = (torch.randint(-codes - 3, codes + 3, (4, 100), generator=g).float() + 0.5) * steps[1]
        x[:, 2, :5] = torch.tensor([0.0, -0.0, -1e-9, float("nan"), 1e-9])
        _same(x, steps, codes, 1, torch.randn(4, 5, 300, generator=g))


def test_all_codes_in_range_takes_the_short_path_with_the_same_numbers() -> None:
    """The ADC in training: every code inside the range (the clamp and the mask are skipped)."""
    g = torch.Generator().manual_seed(9)
    step = torch.tensor(0.01)
    x = (torch.rand(5000, generator=g) * 2 - 1) * step * 127 * 0.999
    x[:4] = torch.tensor([0.0, -0.0, -1e-30, 1e-30])
    _same(x, step, 127, None, torch.randn(5000, generator=g))
