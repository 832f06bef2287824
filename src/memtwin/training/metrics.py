"""Test accuracy of a model, including models that return several Monte-Carlo repetitions at once.

Analog models (``memtwin.crossbar``) programmed with R independent repetitions return logits of shape
``(R, B, classes)`` instead of ``(B, classes)``: one forward pass evaluates all R programmed chips. The
functions here accept both, so the same evaluation code serves digital and analog networks.
"""

from __future__ import annotations

import torch
from torch import nn

from memtwin.training.torch_device import deprecated_device_keyword

__all__ = ["evaluate_accuracies", "evaluate_accuracy", "model_device", "model_torch_device"]


def model_torch_device(model: nn.Module) -> torch.device:
    """Torch device of the model's first parameter or buffer (CPU for a parameter-free model)."""
    for t in (*model.parameters(), *model.buffers()):
        return t.device
    return torch.device("cpu")


#: The former name of :func:`model_torch_device`.
model_device = model_torch_device


@torch.no_grad()
def _count_correct(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int, torch_device: torch.device | None
) -> tuple[torch.Tensor, bool]:
    """Correct predictions per repetition ``(R,)`` and whether the model returned stacked outputs."""
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{x.shape[0]} inputs but {y.shape[0]} labels")
    if x.shape[0] == 0:
        raise ValueError("cannot evaluate accuracy on an empty set")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    dev = torch_device if torch_device is not None else model_torch_device(model)
    was_training = model.training
    model.eval()
    correct: torch.Tensor | None = None
    stacked = False
    try:
        for start in range(0, x.shape[0], batch_size):
            xb = x[start : start + batch_size].to(dev, non_blocking=True)
            yb = y[start : start + batch_size].to(dev, non_blocking=True)
            out = model(xb)
            if out.dim() == 2:
                out = out.unsqueeze(0)
            elif out.dim() == 3:
                stacked = True
            else:
                raise ValueError(f"model output of shape {tuple(out.shape)}; expected (B, C) or (R, B, C)")
            hits = (out.argmax(dim=-1) == yb).sum(dim=-1)
            if correct is not None and correct.shape != hits.shape:
                raise ValueError("the number of repetitions changed between batches")
            correct = hits if correct is None else correct + hits
    finally:
        model.train(was_training)
    assert correct is not None
    return correct, stacked


def evaluate_accuracies(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int = 1000,
    torch_device: torch.device | None = None,
    *,
    device: torch.device | None = None,
) -> torch.Tensor:
    """Accuracy (fraction 0–1) per repetition as a float64 CPU tensor ``(R,)``; ``R = 1`` for a plain model.

    The model runs in eval mode (restored afterwards) without gradients, on ``torch_device`` or its own
    torch device. ``device`` is the deprecated name of ``torch_device``.
    """
    torch_device = deprecated_device_keyword(torch_device, device, None, "evaluate_accuracies")
    correct, _ = _count_correct(model, x, y, batch_size, torch_device)
    return correct.to("cpu", torch.float64) / x.shape[0]


def evaluate_accuracy(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int = 1000,
    torch_device: torch.device | None = None,
    *,
    device: torch.device | None = None,
) -> float | torch.Tensor:
    """Test accuracy as a fraction 0–1.

    Returns a ``float`` when the model returns ``(B, classes)``. When it returns stacked Monte-Carlo outputs
    ``(R, B, classes)`` — an analog model programmed with R repetitions — it returns a float64 CPU tensor
    of the R accuracies (take ``.mean()``/``.std()`` for the summary). Use :func:`evaluate_accuracies` for a
    return type that does not depend on the model. ``device`` is the deprecated name of ``torch_device``.
    """
    torch_device = deprecated_device_keyword(torch_device, device, None, "evaluate_accuracy")
    correct, stacked = _count_correct(model, x, y, batch_size, torch_device)
    acc = correct.to("cpu", torch.float64) / x.shape[0]
    return acc if stacked else float(acc[0])
