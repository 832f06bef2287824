"""Conductance drift after programming: small models behind one interface.

A drift model answers one question: *given the conductances a crossbar holds right after programming,
what does it hold t seconds later?* Every model is a frozen dataclass whose fields are its parameters,
built from a plain dict (``{"kind": ..., **params}``, the form a device TOML stores) by
:func:`build_drift`, and written back by :meth:`DriftModel.to_dict`.

Common contract (tested for every kind):

- ``apply(g_S, t_s, generator, g_max_S)`` returns a new tensor of the same shape, dtype and device;
  ``t_s == 0`` returns the input values unchanged; all randomness comes from ``generator`` (which, as
  torch requires, lives on the tensor's device).
- Each call draws exactly one standard-normal variate per element (or none, for deterministic models),
  so the same generator seed at two times gives the *same* per-device draws: a coherent trajectory of
  each device over time, not independent re-samples.
- ``expected_relative_change`` and ``expected_relative_std`` are the model's mean and spread of
  ``G(t)/G(0) - 1``, deterministic and without the clamp to non-negative conductance that ``apply``
  applies (the clamp only matters when the spread is comparable to the conductance itself).

Times are measured from the end of programming. Models that use log time use ``log(1 + t/t0)`` rather
than ``log(t/t0)``: it is defined for every ``t >= 0``, is 0 at ``t = 0`` (no jump from the programmed
state) and equals ``log(t/t0)`` to within ``t0/t`` once ``t >> t0``.

Kinds: ``none``, ``power_law``, ``log_time``, ``hfs2-retention``, ``reram-wan2022``,
``reram-wan2022-aihwkit``. See each class for its equations, sources and assumptions.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import torch

from memtwin.errors import ConfigError

__all__ = [
    "AIHWKIT_DEFAULT_G_MAX_S",
    "DRIFT_KINDS",
    "WAN2022_FIT_G_MAX_S",
    "WAN2022_SIGMA_COEFFS_uS",
    "WAN2022_TIMES_S",
    "DriftModel",
    "HfS2RetentionDrift",
    "LogTimeDrift",
    "NoDrift",
    "PowerLawDrift",
    "ReRamWan2022AihwkitDrift",
    "ReRamWan2022Drift",
    "build_drift",
    "normalize_drift_spec",
    "wan2022_programming_sigma_S",
    "wan2022_sigma_S",
]

# --------------------------------------------------------------------------------------------------
# Published coefficients of the Wan et al. (2022) ReRAM statistics, as fitted in IBM AIHWKIT.
#
# Source: W. Wan et al., "A compute-in-memory chip based on resistive random-access memory", Nature 608,
# 504-512 (2022), Extended Data Fig. 3(d) (standard deviation of the conductance change versus initial
# conductance at several times after write-verify programming); fitted with 4th-order polynomials by
# IBM AIHWKIT, ``aihwkit/inference/noise/reram.py``, class ``ReRamWan2022NoiseModel`` (MIT licence;
# unchanged from v1.0 to the snapshot read for this port, commit 4545f11 of github.com/IBM/aihwkit).
# Only the numbers are taken over. The fit gives, at each time point, the standard deviation (no mean
# shift) of G(t) - G_target in microsiemens as sum_i c_i x**i with x = G_target / g_max, for a device
# whose g_max is 40 uS (AIHWKIT's own comment). Coefficients here are in ascending powers of x.
# --------------------------------------------------------------------------------------------------
WAN2022_TIMES_S: tuple[float, ...] = (1.0, 86_400.0, 172_800.0)
WAN2022_SIGMA_COEFFS_uS: tuple[tuple[float, ...], ...] = (
    (0.348, 16.030, -43.853, 45.393, -16.815),  # 1 s (AIHWKIT also uses this one as programming noise)
    (0.701, 22.086, -50.773, 47.095, -16.458),  # 1 day
    (0.782, 20.274, -43.507, 37.062, -11.934),  # 2 days
)
WAN2022_FIT_G_MAX_S = 40e-6
"""g_max of the device the Wan2022 polynomials were fitted for (40 uS)."""
AIHWKIT_DEFAULT_G_MAX_S = 25e-6
"""AIHWKIT's default g_max (``SinglePairConductanceConverter``), where it applies the polynomials
without rescaling them from 40 uS."""

_BEYOND = ("hold", "extrapolate")


# ------------------------------------------------------------------------------ parameter checking


def _real(
    *, gt: float | None = None, ge: float | None = None, lt: float | None = None
) -> Callable[[str, object], float]:
    """A check for a finite real parameter, with optional bounds; accepts ints (TOML ``1`` for ``1.0``)."""

    def check(key: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"drift.{key} = {value!r}: must be a number")
        v = float(value)
        if not math.isfinite(v):
            raise ConfigError(f"drift.{key} = {value!r}: must be finite")
        if gt is not None and not v > gt:
            raise ConfigError(f"drift.{key} = {value!r}: must be > {gt}")
        if ge is not None and not v >= ge:
            raise ConfigError(f"drift.{key} = {value!r}: must be >= {ge}")
        if lt is not None and not v < lt:
            raise ConfigError(f"drift.{key} = {value!r}: must be < {lt}")
        return v

    return check


def _choice(*options: str) -> Callable[[str, object], str]:
    def check(key: str, value: object) -> str:
        if value not in options:
            raise ConfigError(f"drift.{key} = {value!r}: must be one of {', '.join(map(repr, options))}")
        return str(value)

    return check


def _flag(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"drift.{key} = {value!r}: must be true or false")
    return value


def _param(default: Any, check: Callable[[str, object], Any], doc: str) -> Any:
    """A dataclass field carrying its validator and a one-line description (shown in error messages)."""
    return field(default=default, metadata={"check": check, "doc": doc})


def _check_time(t_s: float) -> float:
    if isinstance(t_s, bool) or not isinstance(t_s, int | float):
        raise ConfigError(f"time after programming t_s = {t_s!r}: must be a number of seconds")
    t = float(t_s)
    if not (math.isfinite(t) and t >= 0):
        raise ConfigError(f"time after programming t_s = {t_s!r}: must be finite and >= 0 s")
    return t


def _check_positive(name: str, value: float) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ConfigError(f"{name} = {value!r}: must be positive and finite (siemens)")
    return v


def _standard_normal(like: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return torch.randn(like.shape, generator=generator, dtype=like.dtype, device=like.device)


# ------------------------------------------------------------------------------------- interface


@dataclass(frozen=True)
class DriftModel(ABC):
    """Base of all drift models. Subclasses declare ``kind`` and their parameters as fields made with
    :func:`_param`; validation and ``to_dict`` then come for free."""

    kind: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            check = f.metadata.get("check")
            if check is not None:
                object.__setattr__(self, f.name, check(f.name, getattr(self, f.name)))

    # -- serialization -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, object]:
        """``{"kind": ..., **parameters}`` with every parameter written out (defaults included), so a
        stored device states exactly which drift it was simulated with."""
        out: dict[str, object] = {"kind": self.kind}
        for f in fields(self):
            out[f.name] = getattr(self, f.name)
        return out

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    # -- simulation --------------------------------------------------------------------------------
    def apply(
        self,
        g_S: torch.Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        *,
        g_min_S: float = 0.0,
        g_target_S: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Conductances ``t_s`` seconds after programming.

        ``g_S``: conductances right after programming (programming noise included). ``g_max_S`` /
        ``g_min_S``: the conductances that the largest |weight| and weight zero map to (in a depressing
        mode ``g_min_S > g_max_S``: weight zero is the top of the range); only models defined on a
        normalized conductance scale (Wan2022) use them. ``g_target_S``: the intended
        conductances, for models whose published form draws around the target rather than the
        programmed value (AIHWKIT's Wan2022); others ignore it.
        """
        t = _check_time(t_s)
        if not torch.is_floating_point(g_S):
            raise ConfigError(f"g_S must be a floating-point tensor, got dtype {g_S.dtype}")
        g_max = _check_positive("g_max_S", g_max_S)
        g_min = float(g_min_S)
        if not (math.isfinite(g_min) and g_min >= 0 and g_min != g_max):
            raise ConfigError(
                f"g_min_S = {g_min_S!r}: must be finite, >= 0 and differ from g_max_S = {g_max}"
            )
        if g_target_S is not None and g_target_S.shape != g_S.shape:
            raise ConfigError(
                f"g_target_S has shape {tuple(g_target_S.shape)} but g_S has {tuple(g_S.shape)}"
            )
        if t == 0.0:
            return g_S.clone()
        return self._apply(g_S, t, generator, g_max, g_min, g_target_S)

    @abstractmethod
    def _apply(
        self,
        g_S: torch.Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        g_min_S: float,
        g_target_S: torch.Tensor | None,
    ) -> torch.Tensor: ...

    def expected_relative_change(
        self, g_S: torch.Tensor, t_s: float, g_max_S: float | None = None, *, g_min_S: float = 0.0
    ) -> torch.Tensor:
        """Mean of ``G(t)/G(0) - 1`` for each element of ``g_S`` (deterministic)."""
        t = _check_time(t_s)
        return self._mean_rel(g_S, t, g_max_S, g_min_S)

    def expected_relative_std(
        self, g_S: torch.Tensor, t_s: float, g_max_S: float | None = None, *, g_min_S: float = 0.0
    ) -> torch.Tensor:
        """Standard deviation of ``G(t)/G(0)`` for each element of ``g_S`` (deterministic)."""
        t = _check_time(t_s)
        return self._std_rel(g_S, t, g_max_S, g_min_S)

    @abstractmethod
    def _mean_rel(
        self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float
    ) -> torch.Tensor: ...

    @abstractmethod
    def _std_rel(
        self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float
    ) -> torch.Tensor: ...


# ---------------------------------------------------------------------------------------- models


@dataclass(frozen=True)
class NoDrift(DriftModel):
    """Conductances stay where they were programmed."""

    kind: ClassVar[str] = "none"

    def _apply(
        self,
        g_S: torch.Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        g_min_S: float,
        g_target_S: torch.Tensor | None,
    ) -> torch.Tensor:
        return g_S.clone()

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        return torch.zeros_like(g_S)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        return torch.zeros_like(g_S)


@dataclass(frozen=True)
class PowerLawDrift(DriftModel):
    """Generic PCM-style drift, ``G(t) = G0 * (1 + t/t0)**(-nu)`` with ``nu ~ N(nu, nu_std)`` per device.

    The PCM literature writes ``(t/t0)**(-nu)`` for ``t >= t0``; the ``1 + t/t0`` form extends it to every
    ``t >= 0`` (see the module notes). The exponent is drawn per element from one standard normal, so a
    device keeps its exponent across times for a fixed seed. Negative draws (conductance rising slowly)
    are kept: clipping them would bias the mean away from the analytic value. Defaults are illustrative
    PCM-order values, not a measured device.
    """

    kind: ClassVar[str] = "power_law"
    nu: float = _param(0.05, _real(), "mean drift exponent")
    nu_std: float = _param(0.0, _real(ge=0.0), "device-to-device spread of the exponent")
    t0_s: float = _param(1.0, _real(gt=0.0), "time scale of the onset of drift, s")

    def _log(self, t_s: float) -> float:
        return math.log1p(t_s / self.t0_s)

    def _apply(
        self,
        g_S: torch.Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        g_min_S: float,
        g_target_S: torch.Tensor | None,
    ) -> torch.Tensor:
        lt = self._log(t_s)
        if self.nu_std > 0:
            nu = self.nu + self.nu_std * _standard_normal(g_S, generator)
            return g_S * torch.exp(-nu * lt)
        return g_S * math.exp(-self.nu * lt)

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        lt = self._log(t_s)
        value = math.exp(-self.nu * lt + 0.5 * (self.nu_std * lt) ** 2) - 1.0
        return torch.full_like(g_S, value)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        # log G(t)/G0 ~ N(-nu L, (nu_std L)^2): a log-normal ratio.
        lt = self._log(t_s)
        s2 = (self.nu_std * lt) ** 2
        value = math.exp(-self.nu * lt + 0.5 * s2) * math.sqrt(math.expm1(s2))
        return torch.full_like(g_S, value)


@dataclass(frozen=True)
class LogTimeDrift(DriftModel):
    """Relative mean and spread both linear in log time:
    ``G(t) = G0 * (1 + mean_per_decade * L + std_per_decade * L * z)``, ``L = log10(1 + t/t0)``.

    This is the usual empirical description of ReRAM relaxation (e.g. AIHWKIT's CMO-ReRAM model fits mean
    and spread linear in log t) in relative form, so it applies to any conductance scale and any time.
    ``z`` is one standard normal per element; results are clamped at 0 S. Defaults are illustrative.
    """

    kind: ClassVar[str] = "log_time"
    mean_per_decade: float = _param(-0.01, _real(), "relative mean change per decade of time")
    std_per_decade: float = _param(0.005, _real(ge=0.0), "relative spread per decade of time")
    t0_s: float = _param(1.0, _real(gt=0.0), "time scale of the onset of drift, s")

    def _decades(self, t_s: float) -> float:
        return math.log10(1.0 + t_s / self.t0_s)

    def _apply(
        self,
        g_S: torch.Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        g_min_S: float,
        g_target_S: torch.Tensor | None,
    ) -> torch.Tensor:
        d = self._decades(t_s)
        z = _standard_normal(g_S, generator)
        return (g_S * (1.0 + self.mean_per_decade * d + self.std_per_decade * d * z)).clamp_(min=0.0)

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        return torch.full_like(g_S, self.mean_per_decade * self._decades(t_s))

    def _std_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        return torch.full_like(g_S, self.std_per_decade * self._decades(t_s))


def _clipped_normal_variance(k: float) -> float:
    """Variance of ``clip(z, -k, k)`` for a standard normal ``z`` (its mean is 0 by symmetry)."""
    pdf = math.exp(-0.5 * k * k) / math.sqrt(2.0 * math.pi)
    inside = math.erf(k / math.sqrt(2.0))  # P(|z| < k)
    return inside - 2.0 * k * pdf + k * k * (1.0 - inside)


@dataclass(frozen=True)
class HfS2RetentionDrift(DriftModel):
    """The measured retention of the HfOxSy/HfS2 devices: less than 3 % conductance change over the span.

    Source: Xhameni & Lombardo, APL Electron. Devices 1, 036124 (2025), Sec. IV: "< 3 % conductance drift
    across the whole range of conductances programmed in our devices", citing their ref. 17 (Xhameni et
    al., "Forming and compliance-free operation of low-energy, fast-switching HfOxSy/HfS2 memristors",
    Nanoscale Horiz. 10, 616 (2025); its public abstract reports states retained at 85 and 150 degC over
    1e4 s). Neither paper gives the time dependence or the distribution, so this model assumes:

    - span: the paper compares over "the same time span" as the ReRAMWan2022 data, whose last published
      time point is 2 days; default ``span_s`` = 172 800 s.
    - shape: the change grows linearly in log time from 0 at t = 0 to its full size at ``span_s``
      (``phi(t) = log10(1 + t/t0) / log10(1 + span/t0)``), the usual form of ReRAM relaxation.
    - distribution: relative change ``phi(t) * (mean_change + s * clip(z, -k, k))`` with
      ``s = (max_change - |mean_change|) / k``, so every device stays within ``max_change`` over the
      span (the 3 % is read as a bound on all programmed states) and ``k = bound_sigmas`` (3) makes the
      bound a 3-sigma one. The direction of the drift is not published: ``mean_change`` = 0 by default.
    - beyond the span: ``beyond = "extrapolate"`` continues the log-time growth (the bound then no
      longer holds, e.g. about 4.3 % after one year); ``"hold"`` freezes the state reached at the span.
    """

    kind: ClassVar[str] = "hfs2-retention"
    max_change: float = _param(0.03, _real(gt=0.0, lt=1.0), "bound on |relative change| over the span")
    span_s: float = _param(172_800.0, _real(gt=0.0), "time over which the bound holds, s")
    mean_change: float = _param(0.0, _real(), "mean relative change at the end of the span")
    bound_sigmas: float = _param(3.0, _real(gt=0.0), "the bound in standard deviations of the spread")
    t0_s: float = _param(1.0, _real(gt=0.0), "time scale of the onset of drift, s")
    beyond: str = _param("extrapolate", _choice(*_BEYOND), "behaviour after span_s")

    def __post_init__(self) -> None:
        super().__post_init__()
        if abs(self.mean_change) > self.max_change:
            raise ConfigError(
                f"drift.mean_change = {self.mean_change!r}: |mean_change| must not exceed "
                f"max_change = {self.max_change!r}"
            )

    @property
    def sigma_at_span(self) -> float:
        """Standard deviation of the unclipped relative change at the end of the span."""
        return (self.max_change - abs(self.mean_change)) / self.bound_sigmas

    def _phi(self, t_s: float) -> float:
        if self.beyond == "hold":
            t_s = min(t_s, self.span_s)
        return math.log10(1.0 + t_s / self.t0_s) / math.log10(1.0 + self.span_s / self.t0_s)

    def _apply(
        self,
        g_S: torch.Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        g_min_S: float,
        g_target_S: torch.Tensor | None,
    ) -> torch.Tensor:
        phi = self._phi(t_s)
        k = self.bound_sigmas
        z = _standard_normal(g_S, generator).clamp_(-k, k)
        return (g_S * (1.0 + phi * (self.mean_change + self.sigma_at_span * z))).clamp_(min=0.0)

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        return torch.full_like(g_S, self._phi(t_s) * self.mean_change)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        value = self._phi(t_s) * self.sigma_at_span * math.sqrt(_clipped_normal_variance(self.bound_sigmas))
        return torch.full_like(g_S, value)


# ---------------------------------------------------------------------------- Wan et al. (2022)


def _wan2022_sigma_uS(x: torch.Tensor, t_s: float, beyond: str) -> torch.Tensor:
    """Total sigma (uS, on the fitted device's scale) of G(t) - G_target at normalized conductance x.

    Between published time points: linear interpolation of sigma in log10(t). Before the first point
    (0 < t < 1 s): the first point's value (the state right after write-verify). After the last point:
    held (``"hold"``) or the last segment continued in log10(t) (``"extrapolate"``, floored at 0).
    """
    times = WAN2022_TIMES_S
    coeffs = WAN2022_SIGMA_COEFFS_uS
    x = x.clamp(0.0, 1.0)  # the polynomials are fitted on [0, 1] and turn negative above ~1.2

    def poly(i: int) -> torch.Tensor:
        c = coeffs[i]
        out = torch.full_like(x, c[-1])
        for ci in reversed(c[:-1]):
            out = out * x + ci
        return out

    if t_s <= times[0]:
        return poly(0)
    last = len(times) - 1
    if t_s >= times[last] and beyond == "hold":
        return poly(last)
    i = next((j for j in range(last) if t_s < times[j + 1]), last - 1)
    u = (math.log10(t_s) - math.log10(times[i])) / (math.log10(times[i + 1]) - math.log10(times[i]))
    s0, s1 = poly(i), poly(i + 1)
    return (s0 + (s1 - s0) * u).clamp_(min=0.0)


def wan2022_sigma_S(
    g_S: torch.Tensor,
    t_s: float,
    g_max_S: float,
    *,
    g_min_S: float = 0.0,
    g_ref_S: float = WAN2022_FIT_G_MAX_S,
    beyond: str = "hold",
) -> torch.Tensor:
    """Standard deviation (S) of ``G(t) - G_target`` in the Wan et al. (2022) statistics, at ``t_s``.

    The fitted device's conductance range [0, 40 uS] is mapped onto the given range: the polynomial is
    evaluated at ``x = (G - g_min) / (g_max - g_min)`` and its value in uS is scaled by
    ``|g_max - g_min| / g_ref``. ``g_min_S`` is the weight-zero conductance and ``g_max_S`` that of the
    largest |weight|, so x is the normalized weight magnitude as on AIHWKIT's [0, g_max] scale; in a
    depressing mode (weight zero at the top of the range) ``g_min_S > g_max_S`` and the same formula
    holds. ``g_ref_S = 40 uS`` (default) is the physical rescaling;
    ``g_ref_S = 25 uS`` reproduces AIHWKIT 1.x at its default g_max (which does not rescale).
    At ``t_s <= 1 s`` this is the write-verify programming noise (see
    :func:`wan2022_programming_sigma_S`).
    """
    t = _check_time(t_s)
    g_max = _check_positive("g_max_S", g_max_S)
    g_ref = _check_positive("g_ref_S", g_ref_S)
    if beyond not in _BEYOND:
        raise ConfigError(f"beyond = {beyond!r}: must be one of {', '.join(map(repr, _BEYOND))}")
    span = g_max - float(g_min_S)
    if not (math.isfinite(span) and span != 0):
        raise ConfigError(f"g_min_S = {g_min_S!r}: must differ from g_max_S = {g_max_S!r}")
    x = (g_S - g_min_S) / span
    return _wan2022_sigma_uS(x, t, beyond) * (1e-6 * abs(span) / g_ref)


def wan2022_programming_sigma_S(
    g_S: torch.Tensor,
    g_max_S: float,
    *,
    g_min_S: float = 0.0,
    g_ref_S: float = WAN2022_FIT_G_MAX_S,
) -> torch.Tensor:
    """Write-verify programming noise (S) of the Wan et al. (2022) device: the 1 s polynomial, which
    AIHWKIT's ReRamWan2022NoiseModel also uses as its programming noise. Same scaling as
    :func:`wan2022_sigma_S`."""
    return wan2022_sigma_S(g_S, 1.0, g_max_S, g_min_S=g_min_S, g_ref_S=g_ref_S)


@dataclass(frozen=True)
class _Wan2022Base(DriftModel):
    g_ref_S: float = _param(WAN2022_FIT_G_MAX_S, _real(gt=0.0), "g_max the polynomials are scaled from")
    noise_scale: float = _param(1.0, _real(ge=0.0), "extra factor on the spread")
    beyond: str = _param("hold", _choice(*_BEYOND), "behaviour after the last time point (2 days)")

    def _sigma_total_S(
        self, g_ref_point: torch.Tensor, t_s: float, g_max_S: float, g_min_S: float
    ) -> torch.Tensor:
        return self.noise_scale * wan2022_sigma_S(
            g_ref_point, t_s, g_max_S, g_min_S=g_min_S, g_ref_S=self.g_ref_S, beyond=self.beyond
        )

    def _sigma_S(self, g_ref_point: torch.Tensor, t_s: float, g_max_S: float, g_min_S: float) -> torch.Tensor:
        return self._sigma_total_S(g_ref_point, t_s, g_max_S, g_min_S)

    @staticmethod
    def _need_g_max(g_max_S: float | None) -> float:
        if g_max_S is None:
            raise ConfigError("the Wan2022 drift statistics depend on g_max_S; pass it")
        return _check_positive("g_max_S", g_max_S)

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        # The published fit has no mean shift: only the spread grows.
        return torch.zeros_like(g_S)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        if t_s == 0.0:
            return torch.zeros_like(g_S)
        return self._sigma_S(g_S, t_s, self._need_g_max(g_max_S), g_min_S) / g_S


@dataclass(frozen=True)
class ReRamWan2022Drift(_Wan2022Base):
    """ReRAM drift of Wan et al. (2022) applied physically: rescaled to the simulated device's own range.

    ``G(t) = G_prog + sigma(t, G) * z``, zero mean (the published fit has no mean shift), with sigma from
    the AIHWKIT fit of Wan et al. (see the module's coefficient notes) evaluated on the 40 uS device's
    normalized scale (``g_ref_S`` = 40 uS, :func:`wan2022_sigma_S`), so the relative spread is the one
    the fitted device showed, whatever the simulated device's conductance range.

    ``spread``: the polynomials describe the *total* deviation from the target at time t, which already
    contains Wan's write-verify programming noise (the 1 s curve). memtwin draws a device's programming
    noise separately (its measured per-level sigma), so by default (``"increment"``) only the relaxation
    after programming is added: variance ``sigma(t)**2 - sigma(1 s)**2`` (never negative on [0, 1]).
    Then a device whose programming noise is Wan's own (the ``reram-wan2022`` preset) reproduces
    sigma(t) exactly, and nothing changes before 1 s. ``"total"`` adds the full sigma(t) on top of the
    programmed state instead (a more pessimistic reading).

    Times: linear interpolation of sigma in log10(t) between 1 s, 1 day and 2 days; after 2 days hold
    (default) or extrapolate the last segment in log10(t). Results are clamped at 0 S.
    """

    kind: ClassVar[str] = "reram-wan2022"
    spread: str = _param("increment", _choice("increment", "total"), "what the spread adds to")

    def _sigma_S(self, g_ref_point: torch.Tensor, t_s: float, g_max_S: float, g_min_S: float) -> torch.Tensor:
        total = self._sigma_total_S(g_ref_point, t_s, g_max_S, g_min_S)
        if self.spread == "total":
            return total
        prog = self._sigma_total_S(g_ref_point, WAN2022_TIMES_S[0], g_max_S, g_min_S)
        return (total.square() - prog.square()).clamp_(min=0.0).sqrt_()

    def _apply(
        self,
        g_S: torch.Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        g_min_S: float,
        g_target_S: torch.Tensor | None,
    ) -> torch.Tensor:
        where = g_S if g_target_S is None else g_target_S
        sigma = self._sigma_S(where, t_s, g_max_S, g_min_S)
        return (g_S + sigma * _standard_normal(g_S, generator)).clamp_(min=0.0)


@dataclass(frozen=True)
class ReRamWan2022AihwkitDrift(_Wan2022Base):
    """ReRAM drift of Wan et al. (2022) as IBM AIHWKIT 1.x's ``ReRamWan2022NoiseModel`` applies it.

    Differences from :class:`ReRamWan2022Drift`, all reproducing AIHWKIT's published behaviour:

    - scale: AIHWKIT's polynomials were fitted for a 40 uS device, but with its default
      ``g_max`` = 25 uS they are applied in uS without rescaling, so the spread relative to the range is
      40/25 = 1.6 times the fitted device's. ``g_ref_S`` = 25 uS here reproduces that (set it to
      AIHWKIT's ``g_max`` if a simulation used another one).
    - the state at time t is a fresh draw around the *target*: ``G(t) = G_target + sigma(t) * z``, the
      programming noise being forgotten. Pass ``g_target_S`` to get exactly that; without it the
      programmed conductances stand in for the targets.
    - results are clamped at the weight-zero conductance ``g_min_S`` (AIHWKIT clamps at 0 on its
      [0, g_max] scale): no weight changes sign through drift.
    - times: AIHWKIT accepts only 1 s, 1 day and 2 days. ``strict_times = true`` rejects other times the
      same way; by default they are interpolated/held as in :class:`ReRamWan2022Drift` (which agrees with
      AIHWKIT at the three published times).

    This is what the HfS2 paper used as its worst-case drift (Sec. IV: "up to 30 %").
    """

    kind: ClassVar[str] = "reram-wan2022-aihwkit"
    g_ref_S: float = _param(
        AIHWKIT_DEFAULT_G_MAX_S, _real(gt=0.0), "AIHWKIT's g_max (the scale it applies the uS fit at)"
    )
    strict_times: bool = _param(False, _flag, "reject times other than AIHWKIT's three")

    def _check_strict(self, t_s: float) -> None:
        if self.strict_times and t_s != 0.0 and t_s not in WAN2022_TIMES_S:
            raise ConfigError(
                f"t_s = {t_s!r}: with strict_times, the AIHWKIT Wan2022 model is defined only at "
                f"{', '.join(f'{t:g}' for t in WAN2022_TIMES_S)} s"
            )

    def _apply(
        self,
        g_S: torch.Tensor,
        t_s: float,
        generator: torch.Generator,
        g_max_S: float,
        g_min_S: float,
        g_target_S: torch.Tensor | None,
    ) -> torch.Tensor:
        self._check_strict(t_s)
        where = g_S if g_target_S is None else g_target_S
        sigma = self._sigma_S(where, t_s, g_max_S, g_min_S)
        out = where + sigma * _standard_normal(g_S, generator)
        if g_min_S < g_max_S:
            return out.clamp_(min=g_min_S)
        return out.clamp_(min=0.0, max=g_min_S)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, g_max_S: float | None, g_min_S: float) -> torch.Tensor:
        self._check_strict(t_s)
        return super()._std_rel(g_S, t_s, g_max_S, g_min_S)


# ------------------------------------------------------------------------------------- registry

_REGISTRY: dict[str, type[DriftModel]] = {
    cls.kind: cls
    for cls in (
        NoDrift,
        PowerLawDrift,
        LogTimeDrift,
        HfS2RetentionDrift,
        ReRamWan2022Drift,
        ReRamWan2022AihwkitDrift,
    )
}
DRIFT_KINDS: tuple[str, ...] = tuple(_REGISTRY)


def build_drift(spec: Mapping[str, object] | DriftModel | str) -> DriftModel:
    """A drift model from its dict form ``{"kind": ..., **params}`` (or just a kind name).

    Unknown kinds and unknown or invalid parameters raise :class:`ConfigError` naming the key, the value
    and what is allowed.
    """
    if isinstance(spec, DriftModel):
        return spec
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, Mapping):
        raise ConfigError(f"drift must be a table with a 'kind' key, got {spec!r}")
    if "kind" not in spec:
        raise ConfigError(f"drift is missing its 'kind' key; known kinds: {', '.join(DRIFT_KINDS)}")
    kind = spec["kind"]
    cls = _REGISTRY.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ConfigError(
            f"drift.kind = {kind!r} is not a known drift model; known: {', '.join(DRIFT_KINDS)}"
        )
    params = {k: v for k, v in spec.items() if k != "kind"}
    valid = cls.parameter_names()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(map(repr, unknown))} for drift.kind = {kind!r}; "
            f"valid keys: {', '.join(('kind', *valid))}"
        )
    return cls(**params)


def normalize_drift_spec(spec: Mapping[str, object] | DriftModel | str) -> dict[str, object]:
    """Validate a drift spec and write it out with every parameter explicit."""
    return build_drift(spec).to_dict()
