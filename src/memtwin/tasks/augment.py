"""Batched data augmentation and normalization in plain torch.

The paper trains its CIFAR-10 network on images "augmented with random horizontal flips, rotations,
normalization, resizes, and crops" (Fig. 4). torchvision is not available here, and per-image Python
transforms inside a DataLoader would dominate a CPU epoch anyway, so every transform works on a whole batch
tensor ``(B, C, H, W)`` at once: flips are a ``torch.where``, rotations/zooms/crops a single
``affine_grid`` + ``grid_sample`` per batch, pad-and-crop one gather.

Every random parameter is drawn from the ``torch.Generator`` the caller passes (on the CPU, then moved to the
batch's device), so a seeded training run sees the same augmented images on any device and a resumed run
continues the same stream.

Geometric conventions: a positive rotation angle turns the image content counter-clockwise as displayed
(rows downwards), like ``torch.rot90(x, 1, dims=(-2, -1))``; translations are in pixels, positive = content
moves right/down; areas uncovered by a transform are filled with 0, which for normalized inputs is the
dataset's mean colour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import torch
import torch.nn.functional as F

__all__ = [
    "CIFAR10_NORMALIZATION",
    "MNIST_NORMALIZATION",
    "Augmentation",
    "Compose",
    "Normalization",
    "RandomAffine",
    "RandomHorizontalFlip",
    "RandomPadCrop",
    "RandomResizedCrop",
    "RandomRotation",
    "affine",
    "cifar10_augmentation",
    "channel_stats",
    "default_augmentation",
    "hflip",
    "normalize",
    "random_affine",
    "random_hflip",
    "random_pad_crop",
    "random_resized_crop",
    "random_rotation",
    "rotate",
]


# --------------------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normalization:
    """Per-channel affine normalization: ``stored = (raw / scale - mean) / std``.

    ``scale`` is the raw value that maps to 1.0 (255 for 8-bit images, 16 for the scikit-learn digits).
    It is kept with the data so that a report can say exactly what the network saw and so that images can be
    mapped back for display (:meth:`invert`).
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]
    scale: float = 255.0

    def __post_init__(self) -> None:
        if len(self.mean) != len(self.std):
            raise ValueError(f"mean has {len(self.mean)} channels but std has {len(self.std)}")
        if any(s <= 0 for s in self.std) or self.scale <= 0:
            raise ValueError("std and scale must be positive")

    def apply(self, raw: torch.Tensor) -> torch.Tensor:
        """Normalize raw pixel values ``(N, C, H, W)`` (any numeric dtype) into a new float32 tensor."""
        x = raw.to(torch.float32)
        if x.data_ptr() == raw.data_ptr():
            x = x.clone()
        x.div_(self.scale)
        return normalize(x, self.mean, self.std, inplace=True)

    def invert(self, x: torch.Tensor) -> torch.Tensor:
        """Map normalized values back to ``[0, 1]`` intensities (not raw units) for display."""
        shape = (1, len(self.mean)) + (1,) * (x.dim() - 2)
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(shape)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(shape)
        return x * std + mean

    def to_dict(self) -> dict[str, list[float] | float]:
        """Plain-data form for results files."""
        return {"mean": list(self.mean), "std": list(self.std), "scale": self.scale}


#: The usual MNIST training-set statistics (pixel values scaled to [0, 1]).
MNIST_NORMALIZATION = Normalization(mean=(0.1307,), std=(0.3081,))
#: CIFAR-10 training-set channel statistics (RGB, pixel values scaled to [0, 1]).
CIFAR10_NORMALIZATION = Normalization(mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616))


def normalize(
    x: torch.Tensor, mean: Sequence[float], std: Sequence[float], *, inplace: bool = False
) -> torch.Tensor:
    """Subtract the per-channel ``mean`` and divide by ``std`` along dimension 1 of ``(N, C, ...)``."""
    if x.dim() < 2 or x.shape[1] != len(mean) or len(mean) != len(std):
        raise ValueError(f"input of shape {tuple(x.shape)} does not match {len(mean)} channel statistics")
    shape = (1, len(mean)) + (1,) * (x.dim() - 2)
    m = torch.tensor(tuple(mean), dtype=x.dtype, device=x.device).view(shape)
    s = torch.tensor(tuple(std), dtype=x.dtype, device=x.device).view(shape)
    if inplace:
        return x.sub_(m).div_(s)
    return (x - m) / s


def channel_stats(x: torch.Tensor, scale: float = 1.0) -> Normalization:
    """Per-channel mean and (population) std of ``x / scale`` over every axis but dimension 1.

    Computed in float64 so that the 150 M values of CIFAR-10 do not lose precision.
    """
    if x.dim() < 2:
        raise ValueError("channel_stats needs a (N, C, ...) tensor")
    flat = x.transpose(0, 1).reshape(x.shape[1], -1).to(torch.float64) / scale
    mean = flat.mean(dim=1)
    std = flat.std(dim=1, unbiased=False)
    return Normalization(
        mean=tuple(float(v) for v in mean), std=tuple(float(v) for v in std), scale=float(scale)
    )


# --------------------------------------------------------------------------------------------------------
# Deterministic transforms
# --------------------------------------------------------------------------------------------------------


def hflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror every image left-right."""
    return x.flip(-1)


def affine(
    x: torch.Tensor,
    angle_deg: torch.Tensor | float = 0.0,
    zoom: torch.Tensor | float = 1.0,
    translate: torch.Tensor | tuple[float, float] = (0.0, 0.0),
    *,
    mode: str = "bilinear",
) -> torch.Tensor:
    """Rotate, zoom and translate each image of ``(B, C, H, W)`` with one ``grid_sample``.

    The forward map in pixel coordinates about the image centre is ``p_out = zoom · R(angle) · p_in + t``;
    the sampling grid is its inverse. ``angle_deg`` and ``zoom`` are scalars or ``(B,)`` tensors,
    ``translate`` a pair or a ``(B, 2)`` tensor of (dx, dy) pixels. Aspect-ratio correction makes rotations
    rigid on non-square images too.
    """
    if x.dim() != 4:
        raise ValueError(f"affine expects (B, C, H, W), got shape {tuple(x.shape)}")
    b, _, h, w = x.shape
    f64, dev = torch.float64, x.device
    angle = torch.as_tensor(angle_deg, dtype=f64, device=dev).expand(b) * (math.pi / 180.0)
    z = torch.as_tensor(zoom, dtype=f64, device=dev).expand(b)
    t = torch.as_tensor(translate, dtype=f64, device=dev).expand(b, 2)
    cos, sin = torch.cos(angle) / z, torch.sin(angle) / z
    # With rows pointing down, a counter-clockwise turn is F = [[c, s], [-s, c]]; the inverse map in pixel
    # coordinates about the centre is p_in = M (p_out - t) with M = F^-1 / zoom = [[c, -s], [s, c]] / zoom.
    m00, m01, m10, m11 = cos, -sin, sin, cos
    # affine_grid works in normalized coordinates u = x / (w/2), v = y / (h/2): theta = D^-1 M D, offset
    # -D^-1 M t, with D = diag(w/2, h/2).
    theta = torch.empty(b, 2, 3, dtype=f64, device=dev)
    theta[:, 0, 0] = m00
    theta[:, 0, 1] = m01 * h / w
    theta[:, 1, 0] = m10 * w / h
    theta[:, 1, 1] = m11
    theta[:, 0, 2] = -(m00 * t[:, 0] + m01 * t[:, 1]) / (w / 2)
    theta[:, 1, 2] = -(m10 * t[:, 0] + m11 * t[:, 1]) / (h / 2)
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)


def rotate(x: torch.Tensor, degrees: torch.Tensor | float) -> torch.Tensor:
    """Rotate every image counter-clockwise (as displayed) by ``degrees`` (scalar or per image)."""
    return affine(x, angle_deg=degrees)


# --------------------------------------------------------------------------------------------------------
# Random transforms (functions)
# --------------------------------------------------------------------------------------------------------


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    """``n`` draws from U(low, high) on the CPU in float64 (device-independent random stream)."""
    return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)


def random_hflip(x: torch.Tensor, generator: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Mirror each image left-right with probability ``p``."""
    mask = (torch.rand(x.shape[0], generator=generator) < p).to(x.device)
    return torch.where(mask.view(-1, *([1] * (x.dim() - 1))), x.flip(-1), x)


def random_rotation(x: torch.Tensor, generator: torch.Generator, degrees: float = 15.0) -> torch.Tensor:
    """Rotate each image by an angle drawn uniformly from ``[-degrees, degrees]``."""
    angles = _uniform(x.shape[0], -degrees, degrees, generator)
    return affine(x, angle_deg=angles.to(x.device))


def random_affine(
    x: torch.Tensor,
    generator: torch.Generator,
    degrees: float = 0.0,
    zoom: tuple[float, float] = (1.0, 1.0),
    translate: float = 0.0,
) -> torch.Tensor:
    """Random rotation, zoom ("resize") and shift ("crop") of each image in a single resampling.

    ``translate`` is the largest shift as a fraction of the image width/height. Composing the three into one
    ``grid_sample`` avoids blurring the image three times and costs a third of the time.
    """
    b, _, h, w = x.shape
    angle = _uniform(b, -degrees, degrees, generator)
    z = _uniform(b, zoom[0], zoom[1], generator)
    tx = _uniform(b, -translate, translate, generator) * w
    ty = _uniform(b, -translate, translate, generator) * h
    t = torch.stack([tx, ty], dim=1)
    return affine(x, angle_deg=angle.to(x.device), zoom=z.to(x.device), translate=t.to(x.device))


def random_resized_crop(
    x: torch.Tensor,
    generator: torch.Generator,
    scale: tuple[float, float] = (0.8, 1.0),
    ratio: tuple[float, float] = (3 / 4, 4 / 3),
) -> torch.Tensor:
    """Crop a random box of ``scale`` × the image area and aspect ``ratio``, and resize it to full size.

    The box is drawn as area fraction ~ U(scale), log-aspect ~ U(log ratio), clipped to the image, then
    placed uniformly; the bilinear resize is one ``grid_sample`` for the batch.
    """
    b = x.shape[0]
    area = _uniform(b, scale[0], scale[1], generator)
    log_r = _uniform(b, math.log(ratio[0]), math.log(ratio[1]), generator)
    r = torch.exp(log_r)
    cw = torch.sqrt(area * r).clamp(max=1.0)  # box width as a fraction of the image width
    ch = torch.sqrt(area / r).clamp(max=1.0)
    cx = (2 * torch.rand(b, generator=generator, dtype=torch.float64) - 1) * (1 - cw)
    cy = (2 * torch.rand(b, generator=generator, dtype=torch.float64) - 1) * (1 - ch)
    theta = torch.zeros(b, 2, 3, dtype=torch.float64)
    theta[:, 0, 0], theta[:, 0, 2] = cw, cx
    theta[:, 1, 1], theta[:, 1, 2] = ch, cy
    grid = F.affine_grid(theta.to(device=x.device, dtype=x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def random_pad_crop(x: torch.Tensor, generator: torch.Generator, padding: int = 4) -> torch.Tensor:
    """Zero-pad by ``padding`` pixels on every side and crop back to the original size at a random offset.

    Equivalent to an integer shift of up to ``padding`` pixels with zero fill; done as one gather, no
    resampling, so the pixels are unchanged.
    """
    if padding <= 0:
        return x
    b, _, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))
    oy = torch.randint(0, 2 * padding + 1, (b,), generator=generator).to(x.device)
    ox = torch.randint(0, 2 * padding + 1, (b,), generator=generator).to(x.device)
    rows = oy[:, None] + torch.arange(h, device=x.device)  # (B, H)
    cols = ox[:, None] + torch.arange(w, device=x.device)  # (B, W)
    batch = torch.arange(b, device=x.device)[:, None, None]
    out = padded[batch, :, rows[:, :, None], cols[:, None, :]]  # advanced indices first: (B, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous()


# --------------------------------------------------------------------------------------------------------
# Composable transform objects (plain data, so a run can record exactly what it used)
# --------------------------------------------------------------------------------------------------------


class Augmentation(Protocol):
    """Anything that maps a batch ``(B, C, H, W)`` and a generator to an augmented batch."""

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor: ...


@dataclass(frozen=True)
class RandomHorizontalFlip:
    """See :func:`random_hflip`."""

    p: float = 0.5

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return random_hflip(x, generator, self.p)


@dataclass(frozen=True)
class RandomRotation:
    """See :func:`random_rotation`."""

    degrees: float = 15.0

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return random_rotation(x, generator, self.degrees)


@dataclass(frozen=True)
class RandomAffine:
    """See :func:`random_affine`."""

    degrees: float = 0.0
    zoom: tuple[float, float] = (1.0, 1.0)
    translate: float = 0.0

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return random_affine(x, generator, self.degrees, self.zoom, self.translate)


@dataclass(frozen=True)
class RandomResizedCrop:
    """See :func:`random_resized_crop`."""

    scale: tuple[float, float] = (0.8, 1.0)
    ratio: tuple[float, float] = (3 / 4, 4 / 3)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return random_resized_crop(x, generator, self.scale, self.ratio)


@dataclass(frozen=True)
class RandomPadCrop:
    """See :func:`random_pad_crop`."""

    padding: int = 4

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return random_pad_crop(x, generator, self.padding)


@dataclass(frozen=True)
class Compose:
    """Apply ``steps`` in order, all drawing from the same generator."""

    steps: tuple[Augmentation, ...] = field(default_factory=tuple)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        for step in self.steps:
            x = step(x, generator)
        return x


def cifar10_augmentation() -> Compose:
    """The CIFAR-10 training augmentation (paper Fig. 4: flips, rotations, resizes and crops).

    A horizontal flip, then one affine resampling with a rotation of up to ±10°, a zoom of 1–1.2×
    ("resize") and a shift of up to 10 % of the image ("crop"). Normalization is not a step here: the data
    are stored normalized (:class:`Normalization`), so the zero fill of uncovered corners is the mean colour.
    """
    return Compose((RandomHorizontalFlip(0.5), RandomAffine(degrees=10.0, zoom=(1.0, 1.2), translate=0.1)))


def default_augmentation(task_name: str) -> Augmentation | None:
    """The training augmentation of a task, or ``None`` where the paper used none (MNIST, digits)."""
    key = task_name.lower().replace("-", "").replace("_", "")
    if key in {"cifar10", "cifar"}:
        return cifar10_augmentation()
    return None
