"""How a training step's weight update becomes programming pulses.

SGD asks every weight for Δw = −lr · Σₛ dₛ xₛ (xₛ the layer's input of example s, dₛ the error at its
output). In pulse units, with ``step`` what one pulse is worth in each output's column, that is
−lr · Σₛ d'ₛ xₛ with d' = d / step.

**Stochastic pulse trains** (AIHWKIT's analog SGD, Gokmen & Vlasov 2016): for each example, each row i
fires in each of BL slots with probability p_i = C_x·|x_i| and each column j with q_j = C_d·|d'_j|, with
C_x·C_d = lr / BL. A device receives a pulse where its row and its column fire in the same slot, so the
expected count is BL·p_i·q_j = lr·|x_i d'_j|: the update in expectation. The sign of the pulse is that of
−x_i·d_j. With **update management** C_x and C_d are set per example so that the largest row and column
probabilities are equal, and BL is cut to the least number of slots that keeps them ≤ 1 (at most
``desired_bl``): ceil(lr·max|x|·max|d'|). A batch's pulses are counted per device over its examples.

**Deterministic pulse counts**: round(Δw / step) pulses per device and batch, at most ``desired_bl``; an
update smaller than half a step sends no pulse.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def stochastic_counts(
    x: Tensor,
    d_pulses: Tensor,
    lr: float,
    desired_bl: int,
    update_management: bool,
    generator: torch.Generator,
) -> tuple[Tensor, Tensor]:
    """Pulses raising and lowering each weight (outputs, rows) from inputs ``x`` (examples, rows) and
    errors in pulse units ``d_pulses`` (examples, outputs); see the module docstring."""
    x_max = x.abs().amax(dim=1)
    d_max = d_pulses.abs().amax(dim=1)
    live = (x_max > 0) & (d_max > 0)
    shape = (d_pulses.shape[1], x.shape[1])
    if not bool(live.any()):
        zero = torch.zeros(shape, dtype=torch.int64, device=x.device)
        return zero, zero.clone()
    x, d_pulses, x_max, d_max = x[live], d_pulses[live], x_max[live], d_max[live]
    bl = desired_bl
    if update_management:
        bl = max(1, min(desired_bl, math.ceil(float((lr * x_max * d_max).max()))))
        ratio = (d_max / x_max).sqrt().unsqueeze(1)
        c_x = math.sqrt(lr / bl) * ratio
        c_d = math.sqrt(lr / bl) / ratio
    else:
        c_x = c_d = torch.full((x.shape[0], 1), math.sqrt(lr / bl), dtype=x.dtype, device=x.device)
    rows = _fire(x, c_x, bl, generator)  # (examples·BL, rows), signed
    cols = _fire(-d_pulses, c_d, bl, generator)  # (examples·BL, outputs), signed: descent
    both = torch.nonzero(rows.abs().amax(1) * cols.abs().amax(1)).squeeze(1)  # slots with a coincidence
    rows, cols = rows[both], cols[both]
    net = cols.T @ rows  # raising minus lowering
    total = cols.abs().T @ rows.abs()
    inc = torch.round((total + net) / 2).to(torch.int64)
    dec = torch.round((total - net) / 2).to(torch.int64)
    return inc, dec


def _fire(values: Tensor, scale: Tensor, bl: int, generator: torch.Generator) -> Tensor:
    """±1 where a line fires in a slot (probability scale·|value|, capped at 1), else 0; (examples·BL, lines)."""
    p = (scale * values.abs()).clamp(max=1.0)
    u = torch.rand(
        (values.shape[0], bl, values.shape[1]), generator=generator, dtype=values.dtype, device=values.device
    )
    fired = (u < p.unsqueeze(1)).to(values.dtype) * torch.sign(values).unsqueeze(1)
    return fired.reshape(-1, values.shape[1])


def deterministic_counts(update_pulses: Tensor, desired_bl: int) -> tuple[Tensor, Tensor]:
    """Pulses raising and lowering each weight for a desired update in pulse units (outputs, rows)."""
    n = torch.round(update_pulses).clamp(-desired_bl, desired_bl).to(torch.int64)
    return n.clamp(min=0), (-n).clamp(min=0)
