"""The interface of every drift model, and what models are written with.

:mod:`memtwin.devices.drift` states the contract and holds the models and their registry; this module
holds :class:`DriftModel` (validation, serialization, the checks of :meth:`DriftModel.apply`), the
:class:`ConductanceRange` a model is evaluated on, and the helpers a model's fields and draws use.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import torch

from memtwin import validation
from memtwin.errors import ConfigError

#: What a model may do after its last characterized time.
BEYOND = ("hold", "extrapolate")


# ------------------------------------------------------------------------------ parameter checking


def _real(
    *, gt: float | None = None, ge: float | None = None, lt: float | None = None
) -> Callable[[str, object], float]:
    """A check for a finite real parameter, with optional bounds; accepts ints (TOML ``1`` for ``1.0``)."""

    def check(key: str, value: object) -> float:
        return validation.number(f"drift.{key}", value, gt=gt, ge=ge, lt=lt)

    return check


def _choice(*options: str) -> Callable[[str, object], str]:
    def check(key: str, value: object) -> str:
        return validation.choice(f"drift.{key}", value, options)

    return check


def _flag(key: str, value: object) -> bool:
    return validation.flag(f"drift.{key}", value)


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
class ConductanceRange:
    """Where the conductances a model drifts sit: ``g_max_S`` and ``g_min_S`` are the conductances the
    largest |weight| and weight zero map to (in a depressing mode ``g_min_S > g_max_S``; ``g_max_S`` is
    None where a caller gave none), ``g_target_S`` the intended conductances where known."""

    g_max_S: float | None
    g_min_S: float = 0.0
    g_target_S: torch.Tensor | None = None


@dataclass(frozen=True)
class DriftModel(ABC):
    """Base of all drift models. Subclasses declare ``kind`` and their parameters as fields made with
    :func:`_param`; validation and ``to_dict`` then come for free. They implement ``_apply``,
    ``_mean_rel`` and ``_std_rel`` on already checked arguments."""

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
        return self._apply(g_S, t, generator, ConductanceRange(g_max, g_min, g_target_S))

    def expected_relative_change(
        self, g_S: torch.Tensor, t_s: float, g_max_S: float | None = None, *, g_min_S: float = 0.0
    ) -> torch.Tensor:
        """Mean of ``G(t)/G(0) - 1`` for each element of ``g_S`` (deterministic)."""
        return self._mean_rel(g_S, _check_time(t_s), ConductanceRange(g_max_S, g_min_S))

    def expected_relative_std(
        self, g_S: torch.Tensor, t_s: float, g_max_S: float | None = None, *, g_min_S: float = 0.0
    ) -> torch.Tensor:
        """Standard deviation of ``G(t)/G(0)`` for each element of ``g_S`` (deterministic)."""
        return self._std_rel(g_S, _check_time(t_s), ConductanceRange(g_max_S, g_min_S))

    @abstractmethod
    def _apply(
        self, g_S: torch.Tensor, t_s: float, generator: torch.Generator, at: ConductanceRange
    ) -> torch.Tensor:
        """``apply`` at ``t_s > 0``, with ``at.g_max_S`` given."""

    @abstractmethod
    def _mean_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor: ...

    @abstractmethod
    def _std_rel(self, g_S: torch.Tensor, t_s: float, at: ConductanceRange) -> torch.Tensor: ...
