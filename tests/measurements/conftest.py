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


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """``write_xlsx(name, rows, sheets=None)`` → a workbook whose first (or named) sheet holds ``rows``.

    ``sheets``: extra ``{name: rows}`` sheets, written after the first one (named ``"Sheet"``).
    """
    import openpyxl

    def _write(
        name: str, rows: list[list[object]], sheets: dict[str, list[list[object]]] | None = None
    ) -> Path:
        book = openpyxl.Workbook()
        ws = book.active
        assert ws is not None
        for row in rows:
            ws.append(row)
        for title, extra in (sheets or {}).items():
            sheet = book.create_sheet(title)
            for row in extra:
                sheet.append(row)
        path = tmp_path / name
        book.save(path)
        return path

    return _write


@pytest.fixture
def write_rows(tmp_path: Path) -> Callable[..., Path]:
    """``write_rows(name, rows, sep=",")``: rows of numbers/text as a text file (floats keep every digit)."""

    def _write(name: str, rows: list[list[object]], sep: str = ",") -> Path:
        path = tmp_path / name
        text = "\n".join(sep.join(_cell(c) for c in row) for row in rows) + "\n"
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def _cell(value: object) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)
