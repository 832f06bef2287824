"""IR drop: exact nodal solver against hand-solved circuits, fast model against the exact solver."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from xb_helpers import gen, make_device

from memtwin.crossbar import Periphery, convert
from memtwin.crossbar.irdrop import (
    ir_drop_factors,
    line_drop_terms,
    solve_exact,
    transfer_exact,
)
from memtwin.errors import ConfigError


def test_exact_single_cell_matches_hand_solution() -> None:
    """Driver -r- cell G -r- ground: I = V G / (1 + 2 r G)."""
    g, r, v = 1e-3, 50.0, 0.2
    current = solve_exact(torch.tensor([[g]], dtype=torch.float64), torch.tensor([v], dtype=torch.float64), r)
    assert current.item() == pytest.approx(v * g / (1 + 2 * r * g), rel=1e-12)


def test_exact_one_row_two_columns_ladder() -> None:
    """One word line feeding two cells: a ladder solved by series/parallel reduction."""
    g0, g1, r, v = 2e-3, 1e-3, 20.0, 1.0
    y0 = g0 / (1 + r * g0)  # cell 0 in series with its bit-line segment
    y1 = g1 / (1 + r * g1)
    yp = 1 / (r + 1 / y1)  # word-line segment to cell 1, then cell 1 branch
    a0 = v * (1 / r) / (1 / r + y0 + yp)  # voltage of word-line node 0
    expected = torch.tensor([a0 * y0, a0 * yp], dtype=torch.float64)
    got = solve_exact(
        torch.tensor([[g0, g1]], dtype=torch.float64), torch.tensor([v], dtype=torch.float64), r
    )
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=0)


def test_exact_two_rows_one_column_bit_line() -> None:
    """Two rows on one bit line: each row is a Thevenin source V_i behind r + 1/G_i into bit-line node
    b_i; nodes b0 -r- b1 -r- ground. Solved with Cramer's rule."""
    g0, g1, r = 1e-3, 3e-3, 30.0
    v0, v1 = 0.7, -0.4
    s0 = 1 / (r + 1 / g0)
    s1 = 1 / (r + 1 / g1)
    gw = 1 / r
    # KCL: (s0 + gw) b0 - gw b1 = s0 v0 ; -gw b0 + (s1 + 2 gw) b1 = s1 v1
    a11, a12, a21, a22 = s0 + gw, -gw, -gw, s1 + 2 * gw
    det = a11 * a22 - a12 * a21
    b1 = (a11 * s1 * v1 - a21 * s0 * v0) / det
    got = solve_exact(
        torch.tensor([[g0], [g1]], dtype=torch.float64), torch.tensor([v0, v1], dtype=torch.float64), r
    )
    assert got.item() == pytest.approx(b1 * gw, rel=1e-12)


def test_exact_solver_is_linear_and_conserves_current() -> None:
    g = torch.rand(6, 5, generator=gen(1), dtype=torch.float64) * 1e-3
    v = torch.rand(3, 6, generator=gen(2), dtype=torch.float64)
    r = 5.0
    t = transfer_exact(g, r)
    torch.testing.assert_close(solve_exact(g, v, r), v @ t)
    ideal = v @ g
    assert torch.all(solve_exact(g, v, r).abs() <= ideal.abs() + 1e-15)  # drops only lose signal


def test_exact_solver_rejects_bad_input() -> None:
    with pytest.raises(ConfigError):
        solve_exact(torch.ones(2, 2), torch.ones(2), 0.0)
    with pytest.raises(ConfigError):
        solve_exact(-torch.ones(2, 2), torch.ones(2), 1.0)


def test_fast_model_first_order_terms_single_cell() -> None:
    g = torch.tensor([[1e-3]], dtype=torch.float64)
    alpha, beta = line_drop_terms(g, 10.0)
    assert alpha.item() == pytest.approx(1e-2)
    assert beta.item() == pytest.approx(1e-2)


def _pair_tile(rows: int, pairs: int, seed: int, g0: float = 0.08) -> torch.Tensor:
    """G+ from a half-normal weight distribution on top of the zero state g0, G- at the zero state,
    interleaved on the word lines as on the chip (units: fraction of g_max)."""
    g = torch.empty(rows, 2 * pairs, dtype=torch.float64)
    w = torch.randn(rows, pairs, generator=gen(seed), dtype=torch.float64).abs() * 0.3
    g[:, 0::2] = g0 + (1 - g0) * w.clamp(max=1.0)
    g[:, 1::2] = g0
    return g


@pytest.mark.parametrize(
    ("rows", "pairs", "rg", "g0", "bound"),
    [
        (16, 16, 3e-4, 0.08, 0.01),
        (16, 16, 1e-3, 0.08, 0.01),
        (32, 32, 3e-4, 0.08, 0.01),
        (64, 32, 3e-4, 0.08, 0.01),
        (32, 32, 1e-3, 0.08, 0.03),
        (64, 32, 1e-3, 0.08, 0.03),
        # the paper periphery with the HfS2 preset, scaled down: weight 0 at 67 % of g_max and r*g*N^2
        # of a 512 x 512-pair tile at r*g_max = 1.75e-6 (max attenuation ~0.5)
        (32, 32, 1.75e-6 * 256, 0.668, 0.03),
    ],
)
def test_fast_model_matches_exact_solver(rows: int, pairs: int, rg: float, g0: float, bound: float) -> None:
    """Differential outputs of the fast model vs. nodal analysis, error as a fraction of the ideal
    output's range over random inputs in [-1, 1]."""
    g = _pair_tile(rows, pairs, seed=rows + pairs, g0=g0)
    r = rg  # g in units of g_max = 1 S, so r*g_max = rg
    v = torch.rand(100, rows, generator=gen(3), dtype=torch.float64) * 2 - 1
    exact = v @ transfer_exact(g, r)
    fast = v @ (g * ir_drop_factors(g, r))
    ideal = v @ g

    def diff(y: torch.Tensor) -> torch.Tensor:
        return y[:, 0::2] - y[:, 1::2]

    span = (diff(ideal).max() - diff(ideal).min()).item()
    err = (diff(fast) - diff(exact)).abs().max().item() / span
    drop = (diff(ideal) - diff(exact)).abs().max().item() / span
    assert drop > 5 * err  # the effect is real and the model captures most of it
    assert err < bound


def test_layer_ir_drop_matches_exact_solver_per_tile() -> None:
    """End to end: a tiled analog layer with IR drop (ideal converters) against the exact nodal solution of
    each tile built from the layer's programmed conductances (r*g_max = 8e-3, max attenuation ~0.3)."""
    device = make_device(levels=256, g_start_S=10e-6, step_S=1e-6)
    periphery = Periphery(tile_rows=12, tile_cols=5, wire_resistance_ohm=30.0)
    lin = nn.Linear(24, 10)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(10, 24, generator=gen(4)))
    analog = convert(lin, device, periphery).eval().program(seed=0)
    layer = next(layer for _, layer in analog.analog_layers())
    x = torch.rand(50, 24, generator=gen(5)) * 2 - 1
    with torch.no_grad():
        y = analog(x).double()
    g = layer.array.g_current[0].double()  # (2, out, in)
    r = periphery.wire_resistance_for(layer.table().g_max_S)
    out_factor = (layer.array.w_scale / layer.table().top_delta_S).double()
    expected = torch.zeros(50, 10, dtype=torch.float64) + lin.bias.detach().double()
    for tile in layer.grid.row_tiles:
        for cs in layer.grid.col_slices:
            gp = g[0][cs, tile.rows].T
            gm = g[1][cs, tile.rows].T
            inter = torch.stack((gp, gm), dim=-1).reshape(gp.shape[0], -1)
            t = transfer_exact(inter, r)
            part = x[:, tile.inputs].double() @ (t[:, 0::2] - t[:, 1::2])
            expected[:, cs] += part * out_factor[cs]
    ideal = x.double() @ ((g[0] - g[1]).T * out_factor) + lin.bias.detach().double()
    span = (ideal.max() - ideal.min()).item()
    summary = analog.summary().layers[0]
    assert summary.max_ir_attenuation is not None and 0.1 < summary.max_ir_attenuation < 0.5
    assert (ideal - expected).abs().max().item() / span > 0.02  # IR drop is visible
    assert (y - expected).abs().max().item() / span < 0.01


def test_drivers_far_end_loses_more() -> None:
    """Cells far from the drivers and from the sense amplifiers are attenuated most."""
    g = torch.full((8, 8), 1e-3, dtype=torch.float64)
    f = ir_drop_factors(g, 1.0)
    assert f[0, -1] < f[0, 0] and f[0, -1] < f[-1, -1]
    assert f[-1, 0] == f.max()
