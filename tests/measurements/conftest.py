"""Small helpers for writing fixture files into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """``write(name, text)`` → path of a new file in tmp_path (leading indentation removed)."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        lines = [line.strip() for line in text.strip("\n").splitlines()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return _write
