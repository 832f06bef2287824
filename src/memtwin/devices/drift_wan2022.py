"""The ReRAM drift statistics of Wan et al. (2022): the published noise polynomials, as functions, and
the two drift models built on them (``reram-wan2022``, ``reram-wan2022-aihwkit``).

Contract and the other models: :mod:`memtwin.devices.drift`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch

from memtwin.devices.drift_base import (
    BEYOND,
    ConductanceRange,
    DriftModel,
    _check_positive,
    _check_time,
    _choice,
    _flag,
    _param,
    _real,
    _standard_normal,
)
from memtwin.errors import ConfigError

__all__ = [
    "AIHWKIT_DEFAULT_G_MAX_S",
    "WAN2022_FIT_G_MAX_S",
    "WAN2022_SIGMA_COEFFS_uS",
    "WAN2022_TIMES_S",
    "ReRamWan2022AihwkitDrift",
    "ReRamWan2022Drift",
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
    if beyond not in BEYOND:
        raise ConfigError(f"beyond = {beyond!r}: must be one of {', '.join(map(repr, BEYOND))}")
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
    beyond: str = _param("hold", _choice(*BEYOND), "behaviour after the last time point (2 days)")

    def _sigma_total_S(self, where: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        g_max = self._need_g_max(at.g_max_S)
        return self.noise_scale * wan2022_sigma_S(
            where, t_s, g_max, g_min_S=at.g_min_S, g_ref_S=self.g_ref_S, beyond=self.beyond
        )

    def _sigma_S(self, where: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        return self._sigma_total_S(where, t_s, at)

    def _spread_draw(
        self, g_S: torch.Tensor, t_s: float, generator: torch.Generator, at: ConductanceRange
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Where the spread is evaluated (the targets where given) and one draw of it."""
        where = g_S if at.g_target_S is None else at.g_target_S
        return where, self._sigma_S(where, t_s, at) * _standard_normal(g_S, generator)

    @staticmethod
    def _need_g_max(g_max_S: float | None) -> float:
        if g_max_S is None:
            raise ConfigError("the Wan2022 drift statistics depend on g_max_S; pass it")
        return _check_positive("g_max_S", g_max_S)

    def _mean_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        # The published fit has no mean shift: only the spread grows.
        return torch.zeros_like(g_S)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        if t_s == 0.0:
            return torch.zeros_like(g_S)
        return self._sigma_S(g_S, t_s, at) / g_S


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

    def _sigma_S(self, where: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        total = self._sigma_total_S(where, t_s, at)
        if self.spread == "total":
            return total
        prog = self._sigma_total_S(where, WAN2022_TIMES_S[0], at)
        return (total.square() - prog.square()).clamp_(min=0.0).sqrt_()

    def _apply(
        self, g_S: torch.Tensor, t_s: float, generator: torch.Generator, at: ConductanceRange
    ) -> torch.Tensor:
        _, spread = self._spread_draw(g_S, t_s, generator, at)
        return (g_S + spread).clamp_(min=0.0)


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
        self, g_S: torch.Tensor, t_s: float, generator: torch.Generator, at: ConductanceRange
    ) -> torch.Tensor:
        self._check_strict(t_s)
        where, spread = self._spread_draw(g_S, t_s, generator, at)
        out = where + spread
        if at.g_min_S < self._need_g_max(at.g_max_S):
            return out.clamp_(min=at.g_min_S)
        return out.clamp_(min=0.0, max=at.g_min_S)

    def _std_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor:
        self._check_strict(t_s)
        return super()._std_rel(g_S, t_s, at)
