"""Per-column gain calibration of a freshly programmed array (``Periphery.column_calibration``).

Right after programming, a fixed calibration input of the layer (:func:`memtwin.crossbar.drift.calibration_input`,
:data:`COLUMN_CALIBRATION_VECTORS` vectors) is applied to each row tile, and every column's
noise-free read is compared with what the target weights would give. The column's attenuation is the
least-squares slope of the read on the target, and the gain undoes it:

    gain = Σ_k y_target,k² / Σ_k y_target,k · y_read,k          (one per tile, repetition and column)

(regressing the read on the target, not the target on the read: random per-cell errors then leave the
gain unbiased instead of shrinking it by 1/(1 + error variance)).

The gain is applied digitally to that tile column's output, after its ADC (the ADC digitizes the
attenuated current with the range it was calibrated on).

Why: IR drop attenuates a cell by how far it sits along its word line and bit line. Most of that loss is
common to a whole column (the column's distance from the word-line drivers), so one gain per tile column
removes most of it. With this device model, that matters more than in the paper's AIHWKIT runs, which
mapped weight 0 to 0 S: here weight 0 sits at the bottom of the linear range, so every cell carries a
common-mode current. The fit also absorbs the column-wide part of random programming errors. Fabricated
compute-in-memory chips calibrate their columns after programming in a similar way.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from memtwin.crossbar.drift import calibration_input

#: Vectors of the calibration read; more than global drift compensation needs, because every column's
#: gain is fitted on its own.
COLUMN_CALIBRATION_VECTORS = 256


def column_gains(
    w_eff_S: Tensor, out_factor: Tensor, w_target: Tensor, x_cal: Tensor, row_blocks: Sequence[slice]
) -> Tensor:
    """Output gain of every (row block, repetition, column), shape (blocks, R, outputs).

    ``w_eff_S``: (R, outputs, rows) effective differential conductances as read (IR drop included);
    ``out_factor``: (outputs,) conductance → weight scale; ``w_target``: (outputs, rows) the weights the
    array should hold; ``x_cal``: (K, rows). A column whose read does not follow its target (the
    correlation is ≤ 0, e.g. an all-zero column) keeps gain 1.
    """
    gains = []
    for rows in row_blocks:
        x = x_cal[:, rows]
        read = torch.matmul(x, w_eff_S[:, :, rows].transpose(-1, -2)) * out_factor  # (R, K, outputs)
        target = torch.matmul(x, w_target[:, rows].T)  # (K, outputs)
        power = (target * target).sum(dim=-2)
        follow = (read * target).sum(dim=-2)
        ok = (follow > 0) & (power > 0)
        gains.append(torch.where(ok, power / torch.where(ok, follow, 1.0), 1.0))
    return torch.stack(gains)


def apply_column_gains(w_eff_S: Tensor, gains: Tensor, row_blocks: Sequence[slice]) -> Tensor:
    """``w_eff_S`` (R, outputs, rows) with each row block's columns scaled by its gains (a new tensor):
    the matrix a converter-free read of the calibrated chip sees. The blocks must tile the rows in order."""
    per_row = torch.cat(
        [gains[b][:, :, None].expand(-1, -1, rows.stop - rows.start) for b, rows in enumerate(row_blocks)],
        dim=-1,
    )
    return w_eff_S * per_row


def fit_column_gains(
    w_eff_S: Tensor,
    w: Tensor,
    scale: Tensor,
    out_factor: Tensor,
    layer_index: int,
    row_blocks: Sequence[slice],
) -> Tensor:
    """:func:`column_gains` of a layer's array: ``w`` (outputs, rows) the weights it should hold, clipped
    at their ``scale`` as mapped; read with the layer's fixed calibration input. Carries no gradient."""
    w = w.detach()
    x_cal = calibration_input(w.shape[1], layer_index, w.device, w.dtype, COLUMN_CALIBRATION_VECTORS)
    target = torch.maximum(torch.minimum(w, scale[:, None]), -scale[:, None])
    return column_gains(w_eff_S.detach(), out_factor, target, x_cal, row_blocks)
