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

Kinds: ``none``, ``power_law``, ``log_time``, ``hfs2-retention`` (here), ``reram-wan2022`` and
``reram-wan2022-aihwkit`` (:mod:`memtwin.devices.drift_wan2022`, with the published Wan et al. (2022)
polynomials). See each class for its equations, sources and assumptions. The interface they share is
:class:`~memtwin.devices.drift_base.DriftModel`; a new model is a subclass registered in ``_REGISTRY``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import torch

from memtwin.devices.drift_base import (
    BEYOND,
    ConductanceRange,
    DriftModel,
    _choice,
    _param,
    _real,
    _standard_normal,
)
from memtwin.devices.drift_wan2022 import (
    AIHWKIT_DEFAULT_G_MAX_S,
    WAN2022_FIT_G_MAX_S,
    WAN2022_TIMES_S,
    ReRamWan2022AihwkitDrift,
    ReRamWan2022Drift,
    WAN2022_SIGMA_COEFFS_uS,
    wan2022_programming_sigma_S,
    wan2022_sigma_S,
)
from memtwin.errors import ConfigError

__all__ = [
    "AIHWKIT_DEFAULT_G_MAX_S",
    "DRIFT_KINDS",
    "WAN2022_FIT_G_MAX_S",
    "WAN2022_SIGMA_COEFFS_uS",
    "WAN2022_TIMES_S",
    "ConductanceRange",
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


# ---------------------------------------------------------------------------------------- models


@dataclass(frozen=True)
class NoDrift(DriftModel):
    """Conductances stay where they were programmed."""

    kind: ClassVar[str] = "none"

    def _apply(
        self, g_S: torch.Tensor, t_s: float, generator: torch.Generator, at: ConductanceRange
    ) -> torch.Tensor:
        return g_S.clone()

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        return torch.zeros_like(g_S)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
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
        self, g_S: torch.Tensor, t_s: float, generator: torch.Generator, at: ConductanceRange
    ) -> torch.Tensor:
        lt = self._log(t_s)
        if self.nu_std > 0:
            nu = self.nu + self.nu_std * _standard_normal(g_S, generator)
            return g_S * torch.exp(-nu * lt)
        return g_S * math.exp(-self.nu * lt)

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        lt = self._log(t_s)
        value = math.exp(-self.nu * lt + 0.5 * (self.nu_std * lt) ** 2) - 1.0
        return torch.full_like(g_S, value)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
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
        self, g_S: torch.Tensor, t_s: float, generator: torch.Generator, at: ConductanceRange
    ) -> torch.Tensor:
        d = self._decades(t_s)
        z = _standard_normal(g_S, generator)
        return (g_S * (1.0 + self.mean_per_decade * d + self.std_per_decade * d * z)).clamp_(min=0.0)

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        return torch.full_like(g_S, self.mean_per_decade * self._decades(t_s))

    def _std_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
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
    beyond: str = _param("extrapolate", _choice(*BEYOND), "behaviour after span_s")

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
        self, g_S: torch.Tensor, t_s: float, generator: torch.Generator, at: ConductanceRange
    ) -> torch.Tensor:
        phi = self._phi(t_s)
        k = self.bound_sigmas
        z = _standard_normal(g_S, generator).clamp_(-k, k)
        return (g_S * (1.0 + phi * (self.mean_change + self.sigma_at_span * z))).clamp_(min=0.0)

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        return torch.full_like(g_S, self._phi(t_s) * self.mean_change)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        value = self._phi(t_s) * self.sigma_at_span * math.sqrt(_clipped_normal_variance(self.bound_sigmas))
        return torch.full_like(g_S, value)


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
