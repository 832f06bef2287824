"""Weight → pulse-count mapping on a differential pair, and back from conductances to weights.

Model (paper Sec. IV; design notes §1.3, §5):

* A weight matrix is handled as a 2-D crossbar matrix ``w`` of shape (outputs, inputs): one crossbar
  column (bit line) per output, one row (word line) per input. A convolution's kernel is flattened to
  (out_channels, in_channels·kh·kw).
* **Weight scale.** Per output column (default) or per layer, the largest |w| maps to the top level
  L−1 of the mode's linear range. Per-column scaling uses every column's full conductance range, so
  small-weight columns are not programmed with a handful of levels; the scale is applied digitally
  after the ADC (it is one multiply per output, like AIHWKIT's column-wise output scales). Optionally
  (``clip_sigma``) the scale is lowered to ``clip_sigma`` standard deviations of the weights, so rare
  outliers do not waste levels; larger weights are then clipped to the top level. Hardware-aware
  training uses the same function, so it trains with the clipping it will be programmed with.
* **Pulse count.** ``n = round(|w| / scale · (L−1))`` clipped to [0, L−1] (open-loop programming:
  the paper writes each weight with a fixed number of pulses).
* **Differential pair.** Weight 0 is the start of the linear range (level 0) on both devices. The
  device that receives the n pulses is chosen so that G⁺ − G⁻ carries the sign of the weight: in
  potentiation mode the levels rise, so a positive weight potentiates G⁺ (G⁻ stays at level 0); in
  depression mode the levels fall, so a positive weight depresses G⁻ (G⁺ stays at level 0), and a
  negative weight the reverse. With this labelling the effective weight is, in both modes,
  ``w_eff = (G⁺ − G⁻) · scale / |g_{L−1} − g_0|``.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from memtwin.errors import ConfigError

WeightScaling = Literal["column", "layer"]
WEIGHT_SCALINGS: tuple[str, ...] = ("column", "layer")


def check_weight_scaling(scaling: str) -> str:
    if scaling not in WEIGHT_SCALINGS:
        raise ConfigError(f"unknown weight_scaling {scaling!r}; expected one of {', '.join(WEIGHT_SCALINGS)}")
    return scaling


def check_clip_sigma(clip_sigma: float | None) -> float | None:
    if clip_sigma is None:
        return None
    value = float(clip_sigma)
    if not value > 0:
        raise ConfigError(f"weight_clip_sigma must be > 0 (or None for no clipping), got {clip_sigma!r}")
    return value


def weight_scale(w: Tensor, scaling: str = "column", clip_sigma: float | None = None) -> Tensor:
    """Per-output weight scale (shape ``(outputs,)``): the |w| that maps to the top level.

    ``w``: (outputs, inputs). An all-zero column (or layer) gets scale 1: its weights all map to 0
    pulses whatever the scale, and a positive scale keeps every later division finite.
    """
    check_weight_scaling(scaling)
    a = w.detach().abs()
    if scaling == "column":
        top = a.amax(dim=1)
        spread = w.detach().std(dim=1, correction=0) if clip_sigma is not None else None
    else:
        top = a.amax().expand(w.shape[0])
        spread = w.detach().std(correction=0).expand(w.shape[0]) if clip_sigma is not None else None
    if clip_sigma is not None and spread is not None:
        clipped = torch.minimum(top, clip_sigma * spread)
        top = torch.where(spread > 0, clipped, top)
    return torch.where(top > 0, top, torch.ones_like(top)).contiguous()


def pulse_counts(w: Tensor, scale: Tensor, levels: int) -> Tensor:
    """Number of programming pulses per weight, ``round(|w|/scale·(L−1))`` in [0, L−1] (int64)."""
    x = (w.detach().abs() / scale[:, None]).clamp(max=1.0) * (levels - 1)
    return torch.round(x).to(torch.int64)


def pulse_counts_ste(w: Tensor, scale: Tensor, levels: int) -> Tensor:
    """Differentiable pulse counts for hardware-aware training (float, integer-valued).

    Rounding uses a straight-through gradient; clipping at the top level passes no gradient (a weight
    beyond the clip cannot change what is programmed). ``scale`` is treated as a constant.
    """
    x = (w.abs() / scale.detach()[:, None]).clamp(max=1.0) * (levels - 1)
    return x + (torch.round(x) - x).detach()


def split_differential(n: Tensor, w: Tensor, levels_increase: bool) -> tuple[Tensor, Tensor]:
    """Pulse counts for (G⁺, G⁻): the pulsed device is G⁺ for w > 0 in a rising (potentiation) table
    and G⁻ for w > 0 in a falling (depression) table; the other device stays at level 0."""
    zero = torch.zeros((), dtype=n.dtype, device=n.device)
    pos = w > 0
    neg = w < 0
    if levels_increase:
        return torch.where(pos, n, zero), torch.where(neg, n, zero)
    return torch.where(neg, n, zero), torch.where(pos, n, zero)


def pulse_targets(
    w: Tensor,
    levels: int,
    increasing: bool,
    scaling: str = "column",
    clip_sigma: float | None = None,
    *,
    continuous: bool = False,
) -> tuple[Tensor, Tensor]:
    """The weight scale (outputs,) and the pulse counts of every (G⁺, G⁻) pair, (2, outputs, inputs)
    int64: what programming writes, and what hardware-aware training samples, for the weights ``w``.
    ``continuous``: the unrounded counts ``min(|w|/scale, 1)·(L−1)`` in ``w``'s dtype (the exact write)."""
    scale = weight_scale(w, scaling, clip_sigma)
    if continuous:
        n = (w.detach().abs() / scale[:, None]).clamp(max=1.0) * (levels - 1)
    else:
        n = pulse_counts(w, scale, levels)
    n_plus, n_minus = split_differential(n, w, increasing)
    return scale, torch.stack((n_plus, n_minus))


def effective_weight(g_plus_S: Tensor, g_minus_S: Tensor, scale: Tensor, top_delta_S: float) -> Tensor:
    """Weights represented by a pair of conductances: ``(G⁺ − G⁻)·scale/|g_{L−1} − g_0|``.

    ``scale`` has shape (outputs,); the conductances (..., outputs, inputs).
    """
    return (g_plus_S - g_minus_S) * (scale / top_delta_S)[:, None]
