"""Device transforms: hand-checked results, and exactly the results of the analyses' own copies."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace

import pytest

from memtwin.devices import DeviceModel, ModeLevels, Variability, list_presets, preset
from memtwin.devices.transforms import (
    linearize,
    resample_evenly,
    resample_on_curve,
    scale_sigma,
    with_d2d,
    without_d2d,
)
from memtwin.errors import ConfigError

CURVED = ModeLevels((1e-3, 2e-3, 4e-3), (1e-5, 3e-5, 5e-5))


def _device() -> DeviceModel:
    dep = ModeLevels((4e-3, 3e-3, 1e-3), (2e-5, 2e-5, 4e-5))
    return DeviceModel(
        "curved", CURVED, dep, variability=Variability(d2d_update=0.2, d2d_bounds=0.1, d2d_offset=0.05)
    )


def _close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= 1e-15 for x, y in zip(a, b, strict=True))


# ------------------------------------------------------------------------------- hand-checked values


def test_resample_on_curve_follows_the_levels_piecewise() -> None:
    out = resample_on_curve(CURVED, 5)
    assert _close(out.g_levels_S, (1e-3, 1.5e-3, 2e-3, 3e-3, 4e-3))
    assert _close(out.sigma_S, (1e-5, 2e-5, 3e-5, 4e-5, 5e-5))
    assert resample_on_curve(CURVED, 3) == CURVED


def test_resample_evenly_spaces_levels_and_interpolates_sigma() -> None:
    out = resample_evenly(CURVED, 5)
    assert _close(out.g_levels_S, (1e-3, 1.75e-3, 2.5e-3, 3.25e-3, 4e-3))
    assert _close(out.sigma_S, (1e-5, 2e-5, 3e-5, 4e-5, 5e-5))
    assert resample_evenly(CURVED, 2.0).levels == 2  # a whole float is a count


def test_linearize_keeps_end_points_and_sigmas() -> None:
    out = linearize(CURVED)
    assert _close(out.g_levels_S, (1e-3, 2.5e-3, 4e-3)) and out.sigma_S == CURVED.sigma_S


def test_scale_sigma() -> None:
    assert _close(scale_sigma(CURVED, 2).sigma_S, (2e-5, 6e-5, 1e-4))
    assert scale_sigma(CURVED, 0.0).sigma_S == (0.0, 0.0, 0.0)
    assert scale_sigma(CURVED, 2).g_levels_S == CURVED.g_levels_S


def test_device_transforms_change_both_modes_and_nothing_else() -> None:
    device = _device()
    out = scale_sigma(device, 0.5)
    assert out.potentiation == scale_sigma(device.potentiation, 0.5)
    assert out.depression == scale_sigma(device.depression, 0.5)
    assert replace(out, potentiation=device.potentiation, depression=device.depression) == device
    assert resample_on_curve(device, 4).depression == resample_on_curve(device.depression, 4)


def test_d2d() -> None:
    device = _device()
    v = with_d2d(device, 0.4).variability
    assert (v.d2d_update, v.d2d_bounds, v.d2d_offset) == (0.4, 0.4, 0.05)
    v = without_d2d(device).variability
    assert (v.d2d_update, v.d2d_bounds, v.d2d_offset) == (0.0, 0.0, 0.0)
    assert without_d2d(device).potentiation == device.potentiation


@pytest.mark.parametrize(
    ("call", "expect"),
    [
        (lambda: resample_on_curve(CURVED, 1), "levels = 1: must be a whole number >= 2"),
        (lambda: resample_evenly(CURVED, 2.5), "levels = 2.5"),
        (lambda: resample_on_curve(CURVED, True), "levels = True"),
        (lambda: scale_sigma(CURVED, -1.0), "sigma_scale = -1.0: must be >= 0"),
        (lambda: with_d2d(_device(), -0.1), "d2d = -0.1: must be >= 0 and finite"),
    ],
)
def test_bad_arguments_name_the_value(call: Callable[[], object], expect: str) -> None:
    with pytest.raises(ConfigError) as info:
        call()
    assert expect in str(info.value)


# ------------------------------------------------------------ identical to the analyses' own copies

ARGS: dict[str, tuple[object, ...]] = {
    "resample_on_curve": (2, 5, 16, 1024),
    "resample_evenly": (2, 5, 16, 16.0),
    "linearize": (None,),
    "scale_sigma": (0.0, 0.5, 2, 3.0),
    "with_d2d": (0, 0.15, 1.0),
    "without_d2d": (None,),
}
NEW: dict[str, Callable[[DeviceModel, object], DeviceModel]] = {
    "resample_on_curve": lambda d, n: resample_on_curve(d, n),  # type: ignore[arg-type]
    "resample_evenly": lambda d, n: resample_evenly(d, n),  # type: ignore[arg-type]
    "linearize": lambda d, _: linearize(d),
    "scale_sigma": lambda d, f: scale_sigma(d, f),  # type: ignore[arg-type]
    "with_d2d": lambda d, v: with_d2d(d, v),  # type: ignore[arg-type]
    "without_d2d": lambda d, _: without_d2d(d),
}
#: sha256 over every preset and argument above of ``to_toml_str()``, recorded with the functions the
#: analyses used before the transforms moved here (experiments.ablate.resample_on_curve / linearize /
#: _strip_d2d, experiments.sweep.resample_levels / scale_sigma, experiments.devices.with_d2d).
BEFORE = {
    "resample_on_curve": "95b70ee2a08c63a959a9bfae63cb10530ecba34ef72298bd0ee1ceee1525089c",
    "resample_evenly": "84dcb3ae3d3071f2212c6b54f8cb7acf14e55c7ef706179dad64e97658f21090",
    "linearize": "4a71fcf5f971ffbffd86e139f18f6e04e17496170270069f63bc69e2d42371c7",
    "scale_sigma": "dba882c04f93cdd6fc1892c9bd63076b18ae4528a25e16b32ad915ddb2183e96",
    "with_d2d": "f1b6cb25812b2e028ffbb4ce66d082c6ca67f3662417de7d23aa258b3a66139d",
    "without_d2d": "e8f21979f33ce4ec38946011638e2ebcd33957f7d72a2a9f6b3691a366989851",
}


@pytest.mark.parametrize("name", list(BEFORE))
def test_every_preset_transforms_as_before(name: str) -> None:
    digest = hashlib.sha256()
    for p in list_presets():
        for arg in ARGS[name]:
            digest.update(NEW[name](preset(p), arg).to_toml_str().encode())
    assert digest.hexdigest() == BEFORE[name]


def test_linearize_and_scale_sigma_keep_the_pulses_per_level() -> None:
    from dataclasses import replace

    from memtwin.devices import preset
    from memtwin.devices.transforms import linearize, resample_on_curve, scale_sigma

    levels = replace(preset("hfs2-xhameni2025").potentiation, pulses_per_level=7)  # a fine-step device
    assert linearize(levels).pulses_per_level == 7
    assert scale_sigma(levels, 0.5).pulses_per_level == 7
    assert scale_sigma(levels, 0.5).sigma_S == tuple(0.5 * s for s in levels.sigma_S)
    assert resample_on_curve(levels, 4).pulses_per_level == 1  # new levels off the measured pulse grid
