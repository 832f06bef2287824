"""Helpers of the export tests: small hand-made devices whose AIHWKIT values the tests compute by hand,
and a loader that runs an exported module's text (without aihwkit: it imports aihwkit only inside
rpu_config)."""

from __future__ import annotations

from typing import Any

from memtwin.devices import DeviceModel, ModeLevels, Variability


def load_module(text: str) -> dict[str, Any]:
    """The namespace of the exported module ``text``."""
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(text, "<exported>", "exec"), namespace)
    return namespace


def linear_device() -> DeviceModel:
    """Potentiation 10 → 20 µS in 5 steps of 2 µS (σ 0.5 µS); depression 20 → 12 µS in 5 steps of 1.6 µS
    (σ 0.4 µS); 20 % step spread, 10 % bound spread, no drift."""
    return DeviceModel(
        name="hand-linear",
        potentiation=ModeLevels.linear(10e-6, 2e-6, 6, 0.5e-6),
        depression=ModeLevels.linear(20e-6, -1.6e-6, 6, 0.4e-6),
        variability=Variability(d2d_update=0.2, d2d_bounds=0.1),
        citation="hand-made for the export tests",
    )


def curved_device() -> DeviceModel:
    """Levels 1, 2, 4, 7 µS up (steps 1, 2, 3 µS) and 7, 6, 4, 1 µS down (steps 1, 2, 3 µS): mean step
    2 µS both ways, strongly non-linear."""
    return DeviceModel(
        name="hand-curved",
        potentiation=ModeLevels((1e-6, 2e-6, 4e-6, 7e-6), (0.1e-6,) * 4),
        depression=ModeLevels((7e-6, 6e-6, 4e-6, 1e-6), (0.1e-6,) * 4),
        variability=Variability(d2d_update=0.3, d2d_bounds=0.3),
    )
