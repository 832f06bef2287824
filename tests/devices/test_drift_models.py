"""Drift models: the common contract, sample statistics against the analytic model, and the Wan2022
coefficients against values computed by hand from the published polynomials."""

from __future__ import annotations

import math

import pytest
import torch

from memtwin.devices.drift import (
    DRIFT_KINDS,
    DriftModel,
    HfS2RetentionDrift,
    build_drift,
    wan2022_programming_sigma_S,
    wan2022_sigma_S,
)
from memtwin.errors import ConfigError

G_MAX = 2e-3
DAY = 86_400.0

# Hand evaluation of the published polynomials (ascending powers of x, uS, 40 uS device).
P1S = (0.348, 16.030, -43.853, 45.393, -16.815)
P1D = (0.701, 22.086, -50.773, 47.095, -16.458)
P2D = (0.782, 20.274, -43.507, 37.062, -11.934)


def poly(c: tuple[float, ...], x: float) -> float:
    return c[0] + c[1] * x + c[2] * x**2 + c[3] * x**3 + c[4] * x**4


def _gen(seed: int = 1234) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


SPECS: list[dict[str, object]] = [
    {"kind": "none"},
    {"kind": "power_law", "nu": 0.05, "nu_std": 0.02, "t0_s": 10.0},
    {"kind": "log_time", "mean_per_decade": -0.02, "std_per_decade": 0.01},
    {"kind": "hfs2-retention"},
    {"kind": "hfs2-retention", "mean_change": -0.01, "beyond": "hold"},
    {"kind": "reram-wan2022"},
    {"kind": "reram-wan2022", "spread": "total", "beyond": "extrapolate"},
    {"kind": "reram-wan2022-aihwkit"},
]


def test_every_kind_is_covered() -> None:
    assert {s["kind"] for s in SPECS} == set(DRIFT_KINDS)


# ----------------------------------------------------------------------------------- contract


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: str(s["kind"]))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_contract_shape_dtype_identity_and_seed(spec: dict[str, object], dtype: torch.dtype) -> None:
    model = build_drift(spec)
    g = torch.linspace(0.2, 1.0, 24, dtype=dtype).reshape(4, 6) * G_MAX
    same = model.apply(g, 0.0, _gen(), G_MAX)
    assert torch.equal(same, g) and same is not g
    out = model.apply(g, DAY, _gen(7), G_MAX)
    assert out.shape == g.shape and out.dtype == dtype and out.device == g.device
    assert torch.equal(out, model.apply(g, DAY, _gen(7), G_MAX))
    assert torch.all(out >= 0)
    assert build_drift(model.to_dict()) == model


def test_same_seed_gives_a_coherent_trajectory() -> None:
    model = build_drift({"kind": "log_time", "mean_per_decade": -0.02, "std_per_decade": 0.01})
    g = torch.full((1000,), 1e-3, dtype=torch.float64)
    z = []
    for t in (10.0, 1e4, 1e7):
        d = math.log10(1 + t)
        r = model.apply(g, t, _gen(3), G_MAX) / g - 1
        z.append((r + 0.02 * d) / (0.01 * d))
    torch.testing.assert_close(z[0], z[1])
    torch.testing.assert_close(z[0], z[2])


def test_time_and_inputs_are_validated() -> None:
    model = build_drift("log_time")
    g = torch.ones(3) * 1e-3
    for bad in (-1.0, math.inf, math.nan):
        with pytest.raises(ConfigError, match="t_s"):
            model.apply(g, bad, _gen(), G_MAX)
    with pytest.raises(ConfigError, match="g_max_S"):
        model.apply(g, 1.0, _gen(), 0.0)
    with pytest.raises(ConfigError, match="floating-point"):
        model.apply(torch.ones(3, dtype=torch.int64), 1.0, _gen(), G_MAX)


@pytest.mark.parametrize(
    ("spec", "expect"),
    [
        ({"kind": "pcm"}, "drift.kind = 'pcm' is not a known drift model; known: none"),
        ({"nu": 0.1}, "missing its 'kind'"),
        ({"kind": "power_law", "mu": 0.1}, "unknown key(s) 'mu'"),
        ({"kind": "power_law", "nu_std": -0.1}, "drift.nu_std = -0.1: must be >= 0.0"),
        ({"kind": "log_time", "t0_s": 0}, "drift.t0_s = 0: must be > 0.0"),
        ({"kind": "hfs2-retention", "beyond": "forever"}, "drift.beyond = 'forever'"),
        ({"kind": "hfs2-retention", "mean_change": 0.05}, "must not exceed max_change"),
        ({"kind": "reram-wan2022", "spread": "half"}, "drift.spread = 'half'"),
        ({"kind": "reram-wan2022-aihwkit", "strict_times": "yes"}, "drift.strict_times = 'yes'"),
        ({"kind": "log_time", "std_per_decade": True}, "must be a number"),
    ],
)
def test_bad_specs(spec: dict[str, object], expect: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_drift(spec)
    assert expect in str(info.value)


# ------------------------------------------------------------------------- sample statistics

N = 200_000


def _check_stats(model: DriftModel, g0: float, t: float, g_max: float = G_MAX, g_min: float = 0.0) -> None:
    g = torch.full((N,), g0, dtype=torch.float64)
    r = model.apply(g, t, _gen(99), g_max, g_min_S=g_min) / g - 1
    mean = r.mean().item()
    std = r.std().item()
    m4 = ((r - mean) ** 4).mean().item()
    exp_mean = model.expected_relative_change(g[:1], t, g_max, g_min_S=g_min).item()
    exp_std = model.expected_relative_std(g[:1], t, g_max, g_min_S=g_min).item()
    se_mean = std / math.sqrt(N)
    se_std = math.sqrt(max(m4 - std**4, 0.0) / (4 * N * std**2)) if std > 0 else 0.0
    assert abs(mean - exp_mean) <= 5 * se_mean + 1e-12, (mean, exp_mean, se_mean)
    assert abs(std - exp_std) <= 5 * se_std + 1e-12, (std, exp_std, se_std)


@pytest.mark.parametrize("t", [1.0, 1e3, 3e7])
def test_power_law_statistics(t: float) -> None:
    _check_stats(build_drift({"kind": "power_law", "nu": 0.05, "nu_std": 0.02, "t0_s": 10.0}), 1e-3, t)


def test_power_law_deterministic_value() -> None:
    model = build_drift({"kind": "power_law", "nu": 0.1, "t0_s": 20.0})
    g = torch.tensor([1e-3], dtype=torch.float64)
    out = model.apply(g, 2000.0, _gen(), G_MAX)
    assert math.isclose(out.item(), 1e-3 * (1 + 100.0) ** -0.1, rel_tol=1e-12)


@pytest.mark.parametrize("t", [1.0, 3600.0, 1e8])
def test_log_time_statistics(t: float) -> None:
    model = build_drift({"kind": "log_time", "mean_per_decade": -0.02, "std_per_decade": 0.01})
    _check_stats(model, 1e-3, t)
    d = math.log10(1 + t)
    g = torch.tensor([1e-3])
    assert math.isclose(model.expected_relative_change(g, t).item(), -0.02 * d, rel_tol=1e-6)
    assert math.isclose(model.expected_relative_std(g, t).item(), 0.01 * d, rel_tol=1e-6)


@pytest.mark.parametrize("t", [60.0, DAY, 172_800.0, 3e7])
@pytest.mark.parametrize("mean_change", [0.0, -0.01])
def test_hfs2_retention_statistics(t: float, mean_change: float) -> None:
    _check_stats(build_drift({"kind": "hfs2-retention", "mean_change": mean_change}), 2.5e-3, t)


@pytest.mark.parametrize("mean_change", [0.0, -0.02, 0.01])
def test_hfs2_retention_stays_within_3_percent_over_the_span(mean_change: float) -> None:
    model = HfS2RetentionDrift(mean_change=mean_change)
    g = torch.linspace(2.4e-3, 3.7e-3, N, dtype=torch.float64)
    for t in (1.0, 3600.0, DAY, model.span_s):
        r = model.apply(g, t, _gen(5), G_MAX) / g - 1
        assert r.abs().max().item() <= 0.03 * (1 + 1e-12)
    # the bound is reached at the end of the span (3-sigma clip hit by ~0.3 % of the devices)
    r = model.apply(g, model.span_s, _gen(5), G_MAX) / g - 1
    assert r.abs().max().item() > 0.0299
    held = HfS2RetentionDrift(mean_change=mean_change, beyond="hold")
    r = held.apply(g, 3.15e7, _gen(5), G_MAX) / g - 1
    assert r.abs().max().item() <= 0.03 * (1 + 1e-12)
    r = model.apply(g, 3.15e7, _gen(5), G_MAX) / g - 1  # extrapolated: log-time growth continues
    assert 0.04 < r.abs().max().item() < 0.045


# ------------------------------------------------------------------------------------ Wan 2022


def test_wan2022_sigma_matches_hand_computed_polynomials() -> None:
    g_max = 40e-6  # the fitted device: sigma in uS is the polynomial itself
    for x in (0.0, 0.25, 0.5, 1.0):
        g = torch.tensor([x * g_max], dtype=torch.float64)
        for t, c in ((1.0, P1S), (DAY, P1D), (2 * DAY, P2D)):
            assert math.isclose(wan2022_sigma_S(g, t, g_max).item(), poly(c, x) * 1e-6, rel_tol=1e-12)
        assert math.isclose(wan2022_programming_sigma_S(g, g_max).item(), poly(P1S, x) * 1e-6, rel_tol=1e-12)
    one = torch.tensor([g_max], dtype=torch.float64)
    # between points: linear in log10(t); sqrt(1 s * 1 day) is halfway between 1 s and 1 day
    mid = wan2022_sigma_S(one, math.sqrt(DAY), g_max).item()
    assert math.isclose(mid, 0.5 * (poly(P1S, 1) + poly(P1D, 1)) * 1e-6, rel_tol=1e-12)
    # before the first point: the 1 s value; beyond the last: held, or the last segment continued
    assert math.isclose(wan2022_sigma_S(one, 0.01, g_max).item(), poly(P1S, 1) * 1e-6, rel_tol=1e-12)
    assert math.isclose(wan2022_sigma_S(one, 3e7, g_max).item(), poly(P2D, 1) * 1e-6, rel_tol=1e-12)
    ext = wan2022_sigma_S(one, 4 * DAY, g_max, beyond="extrapolate").item()  # two segments further out
    assert math.isclose(ext, (poly(P1D, 1) + 2 * (poly(P2D, 1) - poly(P1D, 1))) * 1e-6, rel_tol=1e-12)


def test_wan2022_scaling_to_other_ranges() -> None:
    g = torch.tensor([1e-3], dtype=torch.float64)
    physical = wan2022_sigma_S(g, DAY, G_MAX).item()
    assert math.isclose(physical, poly(P1D, 0.5) * 1e-6 * G_MAX / 40e-6, rel_tol=1e-12)
    aihwkit = wan2022_sigma_S(g, DAY, G_MAX, g_ref_S=25e-6).item()
    assert math.isclose(aihwkit / physical, 40 / 25, rel_tol=1e-12)
    # weight-zero offset: x = (G - g_min) / (g_max - g_min), scale (g_max - g_min) / g_ref
    shifted = wan2022_sigma_S(torch.tensor([3e-3]), DAY, 4e-3, g_min_S=2e-3).item()
    assert math.isclose(shifted, poly(P1D, 0.5) * 1e-6 * 2e-3 / 40e-6, rel_tol=1e-5)


@pytest.mark.parametrize("t", [10.0, DAY, math.sqrt(DAY * 2 * DAY), 2 * DAY, 3e7])
@pytest.mark.parametrize("spec", SPECS[5:], ids=lambda s: f"{s['kind']}-{s.get('spread', '')}")
def test_wan2022_statistics(spec: dict[str, object], t: float) -> None:
    _check_stats(build_drift(spec), 1.2e-3, t)


def test_wan2022_increment_reproduces_the_published_total_spread() -> None:
    """Programming noise (1 s polynomial) followed by the 'increment' drift gives sigma(t) exactly."""
    g_max = 40e-6
    x = 0.5
    target = torch.full((N,), x * g_max, dtype=torch.float64)
    prog = target + wan2022_programming_sigma_S(target, g_max) * torch.randn(
        N, generator=_gen(1), dtype=torch.float64
    )
    model = build_drift("reram-wan2022")
    out = model.apply(prog, DAY, _gen(2), g_max, g_target_S=target)
    dev = out - target
    se = poly(P1D, x) * 1e-6 / math.sqrt(2 * N)
    assert abs(dev.std().item() - poly(P1D, x) * 1e-6) < 5 * se
    assert torch.equal(model.apply(prog, 0.5, _gen(2), g_max), prog)  # nothing happens before 1 s


def test_wan2022_aihwkit_draws_around_the_target() -> None:
    model = build_drift("reram-wan2022-aihwkit")
    target = torch.full((10,), 1e-3, dtype=torch.float64)
    a = model.apply(target * 1.1, DAY, _gen(4), G_MAX, g_target_S=target)
    b = model.apply(target * 0.9, DAY, _gen(4), G_MAX, g_target_S=target)
    assert torch.equal(a, b)  # the programmed value is forgotten, as in AIHWKIT
    z = torch.randn(10, generator=_gen(4), dtype=torch.float64)
    sigma = poly(P1D, 0.5) * 1e-6 * G_MAX / 25e-6
    torch.testing.assert_close(a, (target + sigma * z).clamp(min=0.0))
    # ~31 % relative spread at mid range after 1 day: the paper's "up to 30 %"
    assert math.isclose(
        model.expected_relative_std(target[:1], DAY, G_MAX).item(), sigma / 1e-3, rel_tol=1e-12
    )


def test_wan2022_aihwkit_strict_times() -> None:
    model = build_drift({"kind": "reram-wan2022-aihwkit", "strict_times": True})
    g = torch.full((4,), 1e-3)
    for t in (1.0, DAY, 2 * DAY):
        model.apply(g, t, _gen(), G_MAX)
    with pytest.raises(ConfigError, match="strict_times"):
        model.apply(g, 3600.0, _gen(), G_MAX)


def test_wan2022_needs_g_max_for_its_spread() -> None:
    with pytest.raises(ConfigError, match="g_max_S"):
        build_drift("reram-wan2022").expected_relative_std(torch.ones(1), DAY)


def test_wan2022_in_a_depressing_mode() -> None:
    """Weight zero at the top of the range (g_min_S > g_max_S): x is the weight magnitude all the same."""
    g_zero, g_full = 3.6e-3, 2.4e-3
    g = torch.tensor([3.0e-3], dtype=torch.float64)  # half-way: x = 0.5
    sigma = wan2022_sigma_S(g, DAY, g_full, g_min_S=g_zero).item()
    assert math.isclose(sigma, poly(P1D, 0.5) * 1e-6 * 1.2e-3 / 40e-6, rel_tol=1e-9)
    model = build_drift("reram-wan2022-aihwkit")
    near_zero = torch.full((N,), 3.59e-3, dtype=torch.float64)
    out = model.apply(near_zero, DAY, _gen(8), g_full, g_min_S=g_zero)
    assert out.max().item() <= g_zero  # no weight crosses zero
    up = model.apply(torch.full((N,), 2.41e-3, dtype=torch.float64), DAY, _gen(8), 2.4e-3, g_min_S=1e-3)
    assert up.min().item() >= 1e-3
    with pytest.raises(ConfigError, match="g_min_S"):
        model.apply(g, DAY, _gen(), 1e-3, g_min_S=1e-3)
