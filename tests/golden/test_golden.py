"""Golden results: every analysis gives the numbers it gave before a restructuring (tests/golden/cases.py).

A change that is meant to move a number regenerates the files (``python tests/golden/cases.py NAME``)
and says why in its commit.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from tests.golden.cases import CASES, HERE, run_case


def _same(new: Any, old: Any, where: str = "") -> None:
    if isinstance(old, dict):
        assert isinstance(new, dict) and set(new) == set(old), f"{where}: keys {sorted(new)} != {sorted(old)}"
        for k in old:
            _same(new[k], old[k], f"{where}.{k}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), f"{where}: length differs"
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            _same(a, b, f"{where}[{i}]")
    elif isinstance(old, float) and not isinstance(old, bool):
        assert isinstance(new, int | float), f"{where}: {new!r} is not a number"
        assert math.isclose(new, old, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {new!r} != {old!r}"
    else:
        assert new == old, f"{where}: {new!r} != {old!r}"


@pytest.mark.filterwarnings("ignore:'device.d2d' is deprecated:DeprecationWarning")
@pytest.mark.parametrize("name", list(CASES))
def test_numbers_are_the_golden_ones(name: str) -> None:
    golden = json.loads((HERE / f"{name}.json").read_text())
    _same(run_case(name), golden, name)
