"""The configuration checks: canonical values back, errors naming the key, the value and the rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from memtwin.errors import ConfigError
from memtwin.validation import check_keys, choice, fail, flag, integer, number, numbers, text


def _message(check, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_number_returns_a_float_and_accepts_ints_and_numpy_reals() -> None:
    assert number("a", 3) == 3.0 and isinstance(number("a", 3), float)
    assert number("a", np.float32(0.5)) == 0.5
    assert number("a", 0.0, ge=0) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "value", "expect"),
    [
        ({"ge": 0}, -0.1, "variability.d2d_update = -0.1: must be >= 0 and finite"),
        ({"ge": 0}, math.inf, "variability.d2d_update = inf: must be >= 0 and finite"),
        ({"gt": 0.0}, 0, "variability.d2d_update = 0: must be > 0.0 and finite"),
        ({"le": 1}, 2.0, "variability.d2d_update = 2.0: must be <= 1 and finite"),
        ({"ge": 0, "le": 1}, 1.5, "variability.d2d_update = 1.5: must be within [0, 1]"),
        ({"gt": 0, "le": 100}, 0, "variability.d2d_update = 0: must be within (0, 100]"),
        ({"gt": 0.0, "lt": 1.0}, 1.0, "variability.d2d_update = 1.0: must be within (0.0, 1.0)"),
        ({}, math.nan, "variability.d2d_update = nan: must be finite"),
        ({"gt": 0, "note": "V"}, -1.0, "variability.d2d_update = -1.0: must be > 0 and finite (V)"),
        ({}, True, "variability.d2d_update = True: must be a number"),
        ({}, "0.3", "variability.d2d_update = '0.3': must be a number"),
    ],
)
def test_number_errors_name_key_value_and_rule(kwargs: dict, value: object, expect: str) -> None:
    assert _message(number, "variability.d2d_update", value, **kwargs) == expect


def test_bounds_are_inclusive_or_exclusive_as_named() -> None:
    assert number("x", 1.0, ge=1.0, le=1.0) == 1.0
    with pytest.raises(ConfigError):
        number("x", 1.0, gt=1.0)
    with pytest.raises(ConfigError):
        number("x", 1.0, lt=1.0)


def test_integer() -> None:
    assert integer("n", 3, ge=1) == 3 and integer("n", np.int64(7)) == 7
    assert _message(integer, "pulses_per_level", 0, ge=1) == "pulses_per_level = 0: must be an integer >= 1"
    assert _message(integer, "n", 2.0, ge=1) == "n = 2.0: must be an integer >= 1"
    assert _message(integer, "n", True) == "n = True: must be an integer"
    msg = _message(integer, "adc_bits", 30, ge=2, le=24, note="or None for an ideal converter")
    assert msg == "adc_bits = 30: must be an integer within [2, 24] (or None for an ideal converter)"


def test_numbers_checks_each_element_by_index() -> None:
    assert numbers("g", [1, 2.5], gt=0) == (1.0, 2.5)
    assert numbers("g", ()) == ()
    assert _message(numbers, "g", [1.0, -2.0], gt=0) == "g[1] = -2.0: must be > 0 and finite"
    assert _message(numbers, "g", 1.0) == "g = 1.0: must be a list of numbers"


def test_choice_flag_text() -> None:
    assert choice("beyond", "hold", ("hold", "extrapolate")) == "hold"
    msg = _message(choice, "drift.beyond", "forever", ("hold", "extrapolate"))
    assert msg == "drift.beyond = 'forever': must be one of 'hold', 'extrapolate'"
    assert flag("f", False) is False
    assert _message(flag, "f", "yes") == "f = 'yes': must be true or false"
    assert text("s", "") == ""
    assert _message(text, "s", 3) == "s = 3: must be a string"


def test_fail_and_check_keys() -> None:
    assert _message(fail, "k", [1], "must be [min, max]") == "k = [1]: must be [min, max]"
    check_keys("variability", ["d2d_update"], ("d2d_update", "d2d_bounds"))
    msg = _message(check_keys, "variability", ["d2d_updte"], ("d2d_update", "d2d_bounds"), hint="see docs")
    assert msg == "variability: unknown key(s) 'd2d_updte'; valid keys: d2d_update, d2d_bounds (see docs)"
