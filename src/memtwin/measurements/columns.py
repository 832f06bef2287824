"""Which columns the user means: ``--columns C:F,H`` / ``--device AA`` / ``3-6`` / a header name.

Why a module of its own: labs point at columns the way their spreadsheet shows them (letters), the
way a text editor counts them (1-based numbers) or by the header they typed. One parser gives every
layout the same rules and the same errors:

- a letter or letters (``C``, ``AA``) is that spreadsheet column, a number (``3``) the 1-based column;
- ``C:F``, ``C-F``, ``3:6``, ``3-6`` are inclusive ranges; items are separated by commas;
- any other text is a header name (any case, with or without its unit: ``D1`` finds ``D1 (uS)``);
- text that is both a header and a letter or number of another column (a column headed ``B``) is an
  error naming both readings.

Positions count the file's columns, blank ones included, so ``C`` is the third column even where
the first is empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from memtwin.errors import MeasurementError
from memtwin.measurements.grid import Grid, column_letter

__all__ = ["ColumnRef", "column_letter", "column_position", "parse_column_spec", "resolve_columns"]

_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")
_NUMBER = re.compile(r"^\d+$")
_UNIT = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_RANGE = re.compile(r"^(?P<a>[A-Za-z]{1,3}|\d+)\s*[:\-]\s*(?P<b>[A-Za-z]{1,3}|\d+)$")
SPEC_HELP = (
    "spreadsheet letters (C, AA), 1-based numbers (3), ranges (C:F, 3-6) or header names, comma-separated"
)


@dataclass(frozen=True)
class ColumnRef:
    """One item of a column spec: the text as written and the 0-based file positions it can mean."""

    text: str
    positions: tuple[int, ...] = ()
    is_range: bool = False


def column_position(text: str) -> int | None:
    """0-based position of a letter (``C`` → 2) or 1-based number (``3`` → 2) reference, else ``None``."""
    t = text.strip()
    if _NUMBER.match(t):
        return int(t) - 1
    if _LETTERS.match(t):
        n = 0
        for ch in t.upper():
            n = n * 26 + ord(ch) - ord("A") + 1
        return n - 1
    return None


def parse_column_spec(spec: str | Sequence[str | int], *, flag: str = "--columns") -> tuple[ColumnRef, ...]:
    """Parse ``"C:F,H"``, ``"3-6"``, ``["D1", "D2"]``... (see the module notes) into references.

    Raises :class:`MeasurementError` naming ``flag`` for an empty item, a reversed range or column 0.
    Python ints in a sequence are 1-based like the numbers in the text.
    """
    items = spec.split(",") if isinstance(spec, str) else [str(s) for s in spec]
    refs: list[ColumnRef] = []
    for raw in items:
        text = raw.strip()
        if not text:
            raise MeasurementError(f"an empty item in {flag}", value=spec, expected=SPEC_HELP)
        refs.append(_parse_item(text, flag))
    if not refs:
        raise MeasurementError(f"{flag} names no column", value=spec, expected=SPEC_HELP)
    return tuple(refs)


def _parse_item(text: str, flag: str) -> ColumnRef:
    span = _RANGE.match(text)
    if span and _NUMBER.match(span["a"]) is not None and _NUMBER.match(span["b"]) is not None:
        return _range(text, span["a"], span["b"], flag)
    if span and _LETTERS.match(span["a"]) and _LETTERS.match(span["b"]):
        return _range(text, span["a"], span["b"], flag)
    pos = column_position(text)
    if pos is not None and pos < 0:
        raise MeasurementError(
            f"column 0 in {flag}", value=text, expected="1-based column numbers (1 is the first column)"
        )
    return ColumnRef(text, () if pos is None else (pos,))


def _range(text: str, a: str, b: str, flag: str) -> ColumnRef:
    first, last = column_position(a), column_position(b)
    assert first is not None and last is not None
    if first < 0:
        raise MeasurementError(
            f"column 0 in {flag}", value=text, expected="1-based column numbers (1 is the first column)"
        )
    if last < first:
        raise MeasurementError(
            f"a reversed range in {flag}", value=text, expected=f"the first column first, e.g. {b}:{a}"
        )
    return ColumnRef(text, tuple(range(first, last + 1)), is_range=True)


def resolve_columns(grid: Grid, refs: Sequence[ColumnRef], *, flag: str = "--columns") -> list[int]:
    """Grid column indices the references name, in the order given (duplicates dropped)."""
    out: list[int] = []
    for ref in refs:
        for j in _resolve(grid, ref, flag):
            if j not in out:
                out.append(j)
    return out


def _resolve(grid: Grid, ref: ColumnRef, flag: str) -> list[int]:
    if not ref.is_range:
        named = by_name(grid, ref.text)
        if len(named) > 1:
            raise MeasurementError(
                f"{flag}: several columns are named {ref.text!r}",
                file=grid.file,
                value=ref.text,
                expected="a column letter or number instead of the name",
            )
        if named and ref.positions and named != _at_positions(grid, ref.positions):
            raise _ambiguous(grid, ref, named[0], flag)
        if named:
            return named
    if not ref.positions:
        raise MeasurementError(
            f"{flag}: no column named {ref.text!r}",
            file=grid.file,
            value=ref.text,
            expected=f"{SPEC_HELP}; this file has {available(grid)}",
        )
    found: list[int] = []
    where = {grid.position(j): j for j in range(len(grid.header))}
    for pos in ref.positions:
        if pos in where:
            found.append(where[pos])
        elif not ref.is_range:
            last = max(where) if where else -1
            reason = "is empty" if pos < last else "is not in the file"
            raise MeasurementError(
                f"{flag}: column {_show(grid, pos)} {reason}",
                file=grid.file,
                value=ref.text,
                expected=f"one of {available(grid)}",
            )
    if not found:
        raise MeasurementError(
            f"{flag}: the range {ref.text} holds no column with values",
            file=grid.file,
            value=ref.text,
            expected=f"one of {available(grid)}",
        )
    return found


def _at_positions(grid: Grid, positions: tuple[int, ...]) -> list[int]:
    return [j for j in range(len(grid.header)) if grid.position(j) in positions]


def _ambiguous(grid: Grid, ref: ColumnRef, named: int, flag: str) -> MeasurementError:
    pos = ref.positions[0]
    return MeasurementError(
        f"{flag}: {ref.text!r} is both the header of column {grid.ref(named)} and column {_show(grid, pos)}",
        file=grid.file,
        value=ref.text,
        expected=f"the full header {grid.header[named]!r} for that column, or the number {pos + 1} for the other",
    )


def by_name(grid: Grid, text: str) -> list[int]:
    """Columns whose header, or header without its unit, is ``text`` (any case)."""
    wanted = text.strip().lower()
    out = []
    for j, header in enumerate(grid.header):
        if grid.headerless:
            continue  # "column 3" names are ours, not the user's; positions find them
        label = _UNIT.sub("", header)
        if wanted in (header.strip().lower(), label.strip().lower()):
            out.append(j)
    return out


def available(grid: Grid) -> str:
    """``columns A-F (1-6)``: what a user may name in this grid."""
    if not grid.header:
        return "no columns"
    first, last = grid.position(0), grid.position(len(grid.header) - 1)
    return (
        f"columns {column_letter(first)}-{column_letter(last)} ({first + 1}-{last + 1})"
        if last > first
        else f"column {column_letter(first)} ({first + 1})"
    )


def _show(grid: Grid, pos: int) -> str:
    return column_letter(pos) if grid.container == "xlsx" else str(pos + 1)
