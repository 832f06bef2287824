"""IR drop along the crossbar wires: an exact nodal solver (small arrays) and a fast model (any size).

Geometry of one tile (M rows × N physical columns, conductances ``g[i, k]``):

* word line i is driven by its DAC at the column-0 end: driver → r → cell (i, 0) → r → cell (i, 1) … →
  cell (i, N−1), open at the far end;
* bit line k is held at virtual ground by its sense amplifier below the last row: cell (0, k) → r → …
  → cell (M−1, k) → r → amplifier, open at the top;
* every wire segment (between neighbouring cells and to the driver/amplifier) has resistance r (Ω);
  a device connects word-line node (i, k) to bit-line node (i, k).
* A weight's differential pair occupies adjacent bit lines (G⁺ at 2j, G⁻ at 2j+1), so a word line
  carries 2·cols devices; the tile's output j is I_{2j} − I_{2j+1}.

With ohmic devices the network is **linear**, so the IR-drop-affected output is exactly
``I = V @ T`` with an input-independent transfer matrix T (M × N). The slow part is computing T, not
applying it; both models below produce an effective conductance matrix that replaces G in the matmul.
This is why the simulation can fold IR drop into the programmed weights at no per-input cost; it would no
longer hold for devices with a non-linear I–V (not modelled).

**Exact solver** (:func:`solve_exact`, :func:`transfer_exact`): Kirchhoff's current law at all 2·M·N
nodes, a sparse linear system solved with SciPy's sparse LU in float64. For tests and small arrays.

**Fast model** (:func:`ir_drop_factors`): to first order in r, the cell currents are the ideal
ones, c_ik = V_i·g_ik, and the voltage lost by cell (i, k) relative to its input is

    α_ik = r·Σ_k' g_ik'·(min(k, k') + 1)          (word line: segments shared with cells k' on row i)
    β_ik = r·Σ_i' g_i'k·(M − max(i, i'))          (bit line: segments shared with cells i' on column k)

(the β term is, by reciprocity, the share of input i's current that the raised virtual ground of column
k takes back). The plain first-order model ``g·(1 − α − β)`` overshoots as soon as α + β is not small
(a far cell's own current is already reduced, so it loads the line less). We resum each line's drop as a
geometric series, ``g_eff = g / ((1 + α)·(1 + β))``: exact for a single cell (g/(1 + 2rg)), first-order
correct, and it never goes negative. Both sums are cumulative sums: O(M·N), cheap enough to rerun after
every drift step and on every hardware-aware-training batch.

Measured error against the exact solver (tests/crossbar/test_xb_irdrop.py: G⁻ at the zero state g0, G⁺
= g0 + a half-normal weight; differential outputs; max error over 100 random inputs in [−1, 1] as % of the
ideal output's range; "att." = largest attenuation 1 − g_eff/g; "drop" = how far the exact output is
from the ideal one):

    rows×pairs  r·g_max   g0/g_max  att.   drop    fast model   plain first order
    16×16       3e-4      0.08      0.05    1.8 %   0.01 %       0.06 %
    16×16       1e-3      0.08      0.14    5.5 %   0.08 %       0.65 %
    32×32       3e-4      0.08      0.17    6.6 %   0.10 %       0.94 %
    64×32       3e-4      0.08      0.27   10.4 %   0.28 %       2.8 %
    32×32       1e-3      0.08      0.43   16.9 %   0.71 %       8.2 %
    64×32       1e-3      0.08      0.60   22.9 %   1.5 %       21 %
    32×32       4.5e-4    0.67      0.49   22.5 %   1.5 %       16 %

The last row is the paper periphery (512 × 512-pair tiles, 0.35 Ω, top level scaled to 5 µS) with the
HfS₂ preset (weight 0 at 67 % of the top conductance), scaled down to 32 × 32 pairs at equal r·g·N². So
the fast model is within ~1.5 % of the output range up to attenuations of ~0.5–0.6, and well below 1 %
in the r·G ≪ 1 regime (attenuation ≲ 0.3).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch
from torch import Tensor

from memtwin.errors import ConfigError


# ----------------------------------------------------------------------------------------------------
# exact nodal analysis
# ----------------------------------------------------------------------------------------------------
def _system(g: np.ndarray, r_ohm: float) -> sp.csc_matrix:
    """Nodal conductance matrix; unknowns: word-line nodes a (M·N) then bit-line nodes b (M·N)."""
    m, n = g.shape
    gw = 1.0 / r_ohm
    na = m * n
    ia = np.arange(na).reshape(m, n)
    ib = ia + na
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def add(r: np.ndarray, c: np.ndarray, v: np.ndarray | float) -> None:
        rows.append(np.ravel(r))
        cols.append(np.ravel(c))
        vals.append(np.broadcast_to(np.asarray(v, dtype=np.float64), r.shape).ravel())

    gf = g.astype(np.float64)
    # word-line node (i, k): segment to the left (driver for k = 0), to the right (if k < N−1), device
    diag_a = gw + gf + np.where(np.arange(n) < n - 1, gw, 0.0)[None, :]
    add(ia, ia, diag_a)
    add(ia[:, 1:], ia[:, :-1], -gw)
    add(ia[:, :-1], ia[:, 1:], -gw)
    add(ia, ib, -gf)
    # bit-line node (i, k): segment below (amplifier for i = M−1), above (if i > 0), device
    diag_b = gw + gf + np.where(np.arange(m) > 0, gw, 0.0)[:, None]
    add(ib, ib, diag_b)
    add(ib[1:, :], ib[:-1, :], -gw)
    add(ib[:-1, :], ib[1:, :], -gw)
    add(ib, ia, -gf)
    data = np.concatenate(vals)
    return sp.csc_matrix((data, (np.concatenate(rows), np.concatenate(cols))), shape=(2 * na, 2 * na))


def _check(g: np.ndarray, r_ohm: float) -> None:
    if g.ndim != 2 or min(g.shape) < 1:
        raise ConfigError(f"conductances must be a non-empty (rows, columns) matrix, got shape {g.shape}")
    if not (r_ohm > 0 and np.isfinite(r_ohm)):
        raise ConfigError(f"wire resistance must be > 0 Ω for the nodal solver, got {r_ohm!r}")
    if np.any(g < 0) or not np.all(np.isfinite(g)):
        raise ConfigError("conductances must be finite and >= 0 S")


def solve_exact(g_S: Tensor | np.ndarray, v_V: Tensor | np.ndarray, r_ohm: float) -> Tensor:
    """Currents (A) into the sense amplifiers of a crossbar with wire resistance ``r_ohm`` per segment.

    ``g_S``: (M, N) conductances, rows = word lines, columns = bit lines. ``v_V``: (M,) or (B, M) word-line
    drive voltages. Returns (N,) or (B, N), float64. Exact up to the sparse LU's round-off.
    """
    g = np.asarray(torch.as_tensor(g_S).detach().cpu().double().numpy())
    v = np.asarray(torch.as_tensor(v_V).detach().cpu().double().numpy())
    _check(g, r_ohm)
    m, n = g.shape
    squeeze = v.ndim == 1
    v2 = v[None, :] if squeeze else v
    if v2.shape[-1] != m:
        raise ConfigError(f"{m} word lines but voltages of shape {v.shape}")
    lu = spla.splu(_system(g, r_ohm))
    rhs = np.zeros((2 * m * n, v2.shape[0]))
    rhs[np.arange(m) * n, :] = v2.T / r_ohm  # driver segment feeds node (i, 0)
    x = lu.solve(rhs)
    b_last = x[m * n + (m - 1) * n : m * n + m * n, :]  # bit-line nodes of the last row
    currents = (b_last / r_ohm).T
    out = torch.from_numpy(np.ascontiguousarray(currents))
    return out[0] if squeeze else out


def transfer_exact(g_S: Tensor | np.ndarray, r_ohm: float) -> Tensor:
    """Exact transfer matrix T (M, N), float64: output currents = V @ T."""
    m = int(np.asarray(torch.as_tensor(g_S).shape)[0])
    return solve_exact(g_S, torch.eye(m, dtype=torch.float64), r_ohm)


# ----------------------------------------------------------------------------------------------------
# fast model
# ----------------------------------------------------------------------------------------------------
def line_drop_terms(g_S: Tensor, r_ohm: float) -> tuple[Tensor, Tensor]:
    """First-order relative voltage losses (α word line, β bit line) of every cell; shapes (..., M, N).

    Every step is one operation of the formulas in the module docstring, on the temporaries in place
    (operands commuted at most, which IEEE arithmetic rounds identically): hardware-aware training runs
    this on every batch.
    """
    m, n = g_S.shape[-2], g_S.shape[-1]
    k1 = torch.arange(1, n + 1, dtype=g_S.dtype, device=g_S.device)  # k + 1
    s0 = torch.cumsum(g_S, dim=-1)
    s1 = torch.cumsum(g_S * k1, dim=-1)
    last = s0[..., -1:].clone()
    # α = r·(s1 + (k + 1)·(s0[N−1] − s0))
    alpha = torch.sub(last, s0, out=s0).mul_(k1).add_(s1).mul_(r_ohm)
    w = torch.arange(m, 0, -1, dtype=g_S.dtype, device=g_S.device)[:, None]  # M − i
    below = torch.flip(torch.flip(g_S * w, dims=[-2]).cumsum_(dim=-2), dims=[-2])  # Σ_{i' >= i}
    above = torch.cumsum(g_S, dim=-2).sub_(g_S)  # Σ_{i' < i}
    # β = r·(below + (M − i)·above)
    beta = above.mul_(w).add_(below).mul_(r_ohm)
    return alpha, beta


def ir_drop_factors(g_S: Tensor, r_ohm: float) -> Tensor:
    """Attenuation of every device by IR drop, 1/((1 + α)(1 + β)); multiply g by it."""
    alpha, beta = line_drop_terms(g_S, r_ohm)
    return alpha.add_(1.0).mul_(beta.add_(1.0)).reciprocal_()


def pair_ir_drop_factors(g_plus_S: Tensor, g_minus_S: Tensor, r_ohm: float) -> tuple[Tensor, Tensor]:
    """IR-drop factors of a tile of differential pairs on adjacent bit lines.

    ``g_plus_S``, ``g_minus_S``: (..., rows, cols) of one tile. Returns the factors for G⁺ and G⁻.
    """
    shape = g_plus_S.shape
    inter = interleave_pairs(g_plus_S, g_minus_S)
    f = ir_drop_factors(inter, r_ohm).view(*shape, 2)
    return f[..., 0], f[..., 1]


def interleave_pairs(g_plus_S: Tensor, g_minus_S: Tensor) -> Tensor:
    """(..., rows, cols) G⁺ and G⁻ as one (..., rows, 2·cols) tile, G⁺ of column j on bit line 2j and G⁻
    on 2j + 1 (``torch.stack(..., dim=-1)``, written by two strided copies, which is faster on a CPU)."""
    shape = torch.broadcast_shapes(g_plus_S.shape, g_minus_S.shape)
    dtype = torch.promote_types(g_plus_S.dtype, g_minus_S.dtype)
    inter = torch.empty((*shape, 2), dtype=dtype, device=g_plus_S.device)
    inter[..., 0] = g_plus_S
    inter[..., 1] = g_minus_S
    return inter.view(*shape[:-1], 2 * shape[-1])


def tiled_pair_ir_drop_factors(
    g_plus_S: Tensor,
    g_minus_S: Tensor,
    row_slices: Sequence[slice],
    col_slices: Sequence[slice],
    r_ohm: float,
) -> tuple[Tensor, Tensor]:
    """IR-drop factors for a matrix stored as (..., outputs, inputs) split into tiles.

    Each tile is an independent array: its block of inputs drives its own word lines and its block of
    outputs has its own sense amplifiers, placed in the corner of the physical tile next to the drivers and
    amplifiers (unused cells of a partly filled tile carry no current and are ignored).
    """
    f_plus = torch.empty_like(g_plus_S)
    f_minus = torch.empty_like(g_minus_S)
    for rs in row_slices:
        for cs in col_slices:
            gp = g_plus_S[..., cs, rs].transpose(-1, -2)
            gm = g_minus_S[..., cs, rs].transpose(-1, -2)
            fp, fm = pair_ir_drop_factors(gp, gm, r_ohm)
            f_plus[..., cs, rs] = fp.transpose(-1, -2)
            f_minus[..., cs, rs] = fm.transpose(-1, -2)
    return f_plus, f_minus
