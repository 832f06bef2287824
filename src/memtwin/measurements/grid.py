"""A file's table of cells, with the row numbers a spreadsheet shows, whatever the container.

Why: layouts (tidy, wide, signed pulse voltage, up/down) are about how cells are arranged, not about
whether they came from a CSV or an XLSX sheet. Reading either into one :class:`Grid` lets every
layout reader work on both and report errors as ``row 7, column 'G (uS)'`` the way the user's
editor shows the file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from memtwin.errors import MeasurementError
from memtwin.measurements.units import parse_header

Cell = str | float | None

#: Cell texts that mean "no value" (exported NaNs, Excel's #N/A).
BLANK_TOKENS = frozenset({"", "nan", "na", "n/a", "#n/a", "null", "none", "-nan"})
_LONGEST_BLANK = max(len(t) for t in BLANK_TOKENS)
_MAX_INT = 2**31 - 1


@dataclass(frozen=True)
class Grid:
    """Header and column-major cells of one table; ``rows[i]`` is data row i's spreadsheet row."""

    file: str
    header: list[str]
    columns: list[list[Cell]]
    rows: np.ndarray
    header_row: int | None = None
    decimal_comma: bool = False
    sheet: str | None = None  # named in errors when the workbook has several
    container: str = "csv"  # or "xlsx"
    #: each column's 0-based position in the file (empty columns are dropped, so it may differ from j)
    positions: tuple[int, ...] = ()
    #: the sheet's name whether or not the workbook has others (for the layout line)
    sheet_name: str | None = None
    #: what reading the container changed ("header from the comment line at row 3")
    notes: tuple[str, ...] = ()
    _cache: dict[int | str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def headerless(self) -> bool:
        """True when the file has no header row (columns are then recognised by content)."""
        return self.header_row is None

    def position(self, j: int) -> int:
        """Column ``j``'s 0-based position in the file (as the spreadsheet letter counts it)."""
        return self.positions[j] if self.positions else j

    def ref(self, j: int) -> str:
        """How the user finds column ``j``: its letter in a workbook, its 1-based number in a text file."""
        pos = self.position(j)
        return column_letter(pos) if self.container == "xlsx" else str(pos + 1)

    def error(self, message: str, i: int | None, j: int | None, expected: str) -> MeasurementError:
        """A :class:`MeasurementError` pointing at data row ``i`` (index) of column ``j``."""
        value: object = None
        if i is not None and j is not None:
            cell = self.columns[j][i]
            value = "" if cell is None else cell
        return MeasurementError(
            f"{message} (sheet {self.sheet!r})" if self.sheet else message,
            file=self.file,
            row=int(self.rows[i]) if i is not None else self.header_row,
            column=self.header[j] if j is not None else None,
            value=value,
            expected=expected,
        )

    def header_error(self, message: str, expected: str, *, listed: bool = True) -> MeasurementError:
        """A :class:`MeasurementError` about the roles of the columns, at the header row (``listed``:
        naming every header, so the user sees what was there)."""
        value = ", ".join(self.header) if listed else None
        return MeasurementError(message, file=self.file, row=self.header_row, value=value, expected=expected)

    def column_error(self, j: int, message: str, expected: str, value: object = None) -> MeasurementError:
        """A :class:`MeasurementError` about what column ``j`` as a whole holds."""
        return MeasurementError(
            message, file=self.file, column=self.header[j], value=value, expected=expected
        )

    def twice_error(self, quantity: str, first: int, second: int) -> MeasurementError:
        """Columns ``first`` and ``second`` both hold ``quantity``: an error at the second one."""
        return MeasurementError(
            f"two columns hold the {quantity.replace('_', ' ')}: "
            f"{self.header[first]!r} and {self.header[second]!r}",
            file=self.file,
            row=self.header_row,
            column=self.header[second],
            expected="one column per quantity",
        )

    def numbers(self, j: int, expected: str = "a number") -> np.ndarray:
        """Column ``j`` as floats, NaN where blank; text that is not a number raises."""
        if j in self._cache:
            return self._cache[j]
        cells = self.columns[j]
        if self.decimal_comma:
            cells = [c.replace(",", ".") if isinstance(c, str) else c for c in cells]
        try:
            out = np.array(cells, dtype=float)
        except (ValueError, TypeError, OverflowError):
            out = np.empty(len(cells))
            for i, cell in enumerate(cells):
                try:
                    out[i] = np.nan if cell is None else float(cell)
                except (ValueError, TypeError, OverflowError):
                    raise self.error("not a number", i, j, expected) from None
        self._cache[j] = out
        return out

    def require(
        self, j: int, values: np.ndarray, idx: np.ndarray | None = None, expected: str = "a number"
    ) -> None:
        """Raise at the first blank or non-finite cell of ``values`` (column ``j`` at rows ``idx``)."""
        bad = ~np.isfinite(values)
        if bad.any():
            k = int(np.argmax(bad))
            i = k if idx is None else int(idx[k])
            reason = "missing value" if self.columns[j][i] is None else "not a finite number"
            raise self.error(
                reason + (" on a row that has a read" if idx is not None else ""), i, j, expected
            )

    def integers(self, j: int, expected: str) -> np.ndarray:
        """Column ``j`` as whole numbers ≥ 0 (cycle and pulse numbers); blanks raise."""
        values = self.numbers(j, expected)
        bad = ~np.isfinite(values) | (values < 0) | (values > _MAX_INT) | (values != np.round(values))
        if bad.any():
            i = int(np.argmax(bad))
            raise self.error(
                "missing value" if self.columns[j][i] is None else "not a whole number", i, j, expected
            )
        return values.astype(np.int64)

    def texts(self, j: int) -> list[str | None]:
        """Column ``j`` as text (numbers written without a spurious ``.0``)."""
        return [None if c is None else c if isinstance(c, str) else _number_text(c) for c in self.columns[j]]

    def take(self, keep: np.ndarray) -> Grid:
        """Only the data rows where ``keep`` is true (row numbers keep pointing at the file)."""
        idx = np.flatnonzero(keep)
        return replace(
            self,
            columns=[[col[i] for i in idx] for col in self.columns],
            rows=self.rows[idx],
            _cache={},
        )

    def drop_blank_rows(self) -> Grid:
        """Without rows that hold nothing at all (spacer lines between blocks)."""
        keep = np.asarray(self.filled().any(axis=1))
        return self if keep.all() else self.take(keep)

    def filled(self) -> np.ndarray:
        """``(rows, columns)`` boolean: which cells hold something."""
        if "filled" not in self._cache:
            out = np.zeros((self.n_rows, len(self.columns)), dtype=bool)
            for j, col in enumerate(self.columns):
                out[:, j] = [c is not None for c in col]
            self._cache["filled"] = out
        return self._cache["filled"]


def read_grid(path: Path, file: str, sheet: str | int | None = None) -> Grid:
    """Read a CSV/text file or an XLSX workbook (by content, not only extension) into a grid."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise MeasurementError(
            f"cannot open the file ({exc.strerror or exc})", file=file, expected="a readable file"
        ) from None
    if head == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, file, sheet)
    if path.suffix.lower() in (".xls", ".ods", ".numbers"):
        raise MeasurementError(
            f"{path.suffix} workbooks are not supported",
            file=file,
            expected="an .xlsx workbook or a CSV file",
        )
    if sheet is not None:
        raise MeasurementError(
            "--sheet (sheet= in Python) applies only to .xlsx workbooks",
            file=file,
            value=sheet,
            expected="no --sheet for a text (CSV) file",
        )
    return read_csv(path, file)


def read_csv(path: Path, file: str) -> Grid:
    """Comma, semicolon or tab separated text; ``;``/tab files may use decimal commas."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MeasurementError(
            f"cannot read the file ({exc.strerror or exc})", file=file, expected="a readable file"
        ) from None
    text = _decode(data, file)
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), "")
    counts = {d: first.count(d) for d in ("\t", ";")}
    delimiter = max(counts, key=lambda d: counts[d]) if max(counts.values()) > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records = [(reader.line_num, _clean_texts(row)) for row in reader]
    except csv.Error as exc:
        raise MeasurementError(
            f"not a readable CSV file ({exc})", file=file, expected="comma-separated text"
        ) from None
    return make_grid(records, file, decimal_comma=delimiter != ",")


def read_xlsx(path: Path, file: str, sheet: str | int | None) -> Grid:
    """One sheet of a workbook (openpyxl, read-only: large sheets stream)."""
    import openpyxl  # deferred: only XLSX users pay for the import

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError) as exc:
        raise MeasurementError(
            f"not a readable .xlsx workbook ({exc})", file=file, expected="an .xlsx file"
        ) from None
    except Exception as exc:  # openpyxl raises many kinds on corrupt files; the user needs one answer
        raise MeasurementError(
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
            file=file,
            expected="an .xlsx file",
        ) from None
    try:
        names = book.sheetnames
        name = _sheet_name(names, sheet, file)
        ws = book[name]
        try:
            ws.reset_dimensions()  # trust the cells, not the size the writer stored
            records = [
                (r, [_clean(v) for v in values])
                for r, values in enumerate(ws.iter_rows(min_row=1, min_col=1, values_only=True), start=1)
            ]
        except Exception as exc:  # corrupt sheet XML
            raise MeasurementError(
                f"cannot read sheet {name!r} ({type(exc).__name__}: {exc})",
                file=file,
                expected="an .xlsx file",
            ) from None
    finally:
        book.close()
    return make_grid(records, file, sheet=name if len(names) > 1 else None, container="xlsx", sheet_name=name)


def _sheet_name(names: list[str], sheet: str | int | None, file: str) -> str:
    """The sheet ``sheet`` picks: a name (exact, then any case) or a 0-based index, also as text ("1")."""
    if sheet is None:
        return names[0]
    if isinstance(sheet, str):
        if sheet in names:
            return sheet
        folded = [n for n in names if n.strip().lower() == sheet.strip().lower()]
        if len(folded) == 1:
            return folded[0]
        if sheet.strip().isdigit():
            sheet = int(sheet.strip())
    if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
        return names[sheet]
    listed = ", ".join(names)
    raise MeasurementError(
        "no such sheet",
        file=file,
        value=sheet,
        expected=f"--sheet with a sheet name ({listed}) or a 0-based index 0-{len(names) - 1}",
    )


def make_grid(
    records: Iterable[tuple[int, list[Cell]]],
    file: str,
    *,
    decimal_comma: bool = False,
    sheet: str | None = None,
    container: str = "csv",
    sheet_name: str | None = None,
) -> Grid:
    """Build a grid from ``(row number, cleaned cells)`` records.

    The header is the first non-blank record not starting with ``#``, unless it is data (all numbers,
    other than a run 0, 1, 2... / 1, 2, 3... of cycle numbers). A file without a header row may carry
    it as the comment line just above the data (``# pulse_v,i_0,i_1``, as numpy.savetxt writes it).
    Trailing blank rows are dropped; so is a first data row of only zeros in a file without a header
    (a placeholder no instrument reads).
    """
    top = _split_header(list(records), file)
    width = max(len(top.header_cells), *(len(cells) for _, cells in top.body))
    padded = [cells + [None] * (width - len(cells)) for _, cells in top.body]
    columns: list[list[Cell]] = [list(col) for col in zip(*padded, strict=True)]
    name = (lambda j: f"column {column_letter(j)}") if container == "xlsx" else (lambda j: f"column {j + 1}")
    if top.headerless:
        header = [name(j) for j in range(width)]
    else:
        header = [
            ("" if c is None else c if isinstance(c, str) else _number_text(c)) for c in top.header_cells
        ]
        header += [""] * (width - len(header))
    named = [not top.headerless and bool(header[j]) for j in range(width)]
    keep = [j for j in range(width) if named[j] or any(c is not None for c in columns[j])]
    if keep and not header[keep[0]] and len(columns[keep[0]]) > 1 and _is_index(columns[keep[0]]):
        keep = keep[1:]  # an unnamed running index (pandas' to_csv default) is not data
    return Grid(
        file=file,
        header=[header[j] or name(j) for j in keep],
        columns=[columns[j] for j in keep],
        rows=np.array([r for r, _ in top.body], dtype=np.int64),
        header_row=None if top.headerless else top.header_row,
        decimal_comma=decimal_comma,
        sheet=sheet,
        container=container,
        positions=tuple(keep),
        sheet_name=sheet_name,
        notes=tuple(top.notes),
    )


@dataclass
class _Top:
    """Where the header is (if any) and the data records below it."""

    header_row: int
    header_cells: list[Cell]
    body: list[tuple[int, list[Cell]]]
    headerless: bool
    notes: list[str]


def _split_header(cleaned: list[tuple[int, list[Cell]]], file: str) -> _Top:
    """The header record (a data row, a ``#`` comment line or two text rows) and the data records."""
    start = 0
    while start < len(cleaned) and _skippable(cleaned[start][1]):
        start += 1
    if start == len(cleaned):
        raise MeasurementError(
            "the file is empty", file=file, expected="a header row and rows of measurements"
        )
    header_row, header_cells = cleaned[start]
    given = [c for c in header_cells if c is not None]
    numeric = all(_is_number(c) for c in given)  # blank cells beside numbers: still data
    top = _Top(header_row, header_cells, cleaned[start + 1 :], numeric and not _is_index(given), [])
    if top.headerless:
        top.body = cleaned[start:]
        commented = _commented_header(cleaned[start - 1] if start else None, header_cells)
        if commented is not None:
            top.header_row, top.header_cells = cleaned[start - 1][0], commented
            top.headerless = False
            top.notes.append(f"header from the comment line at row {top.header_row}")
    while top.body and all(c is None for c in top.body[-1][1]):
        top.body.pop()
    if not top.headerless and len(top.body) > 1 and _all_text(top.body[0][1]):
        top.header_cells = _merge_header(top.header_cells, top.body[0][1])
        top.notes.append(f"header from rows {top.header_row}-{top.body[0][0]}")
        top.body = top.body[1:]
    if top.headerless and len(top.body) > 2 and _all_zero(top.body[0][1]):
        top.notes.append(f"row {top.body[0][0]} (all zeros) skipped as a placeholder")
        top.body = top.body[1:]
    if not top.body:
        raise MeasurementError(
            "the file has a header but no data below it",
            file=file,
            row=top.header_row,
            expected="at least one row of measurements below the header",
        )
    return top


def column_letter(position: int) -> str:
    """Spreadsheet letter of a 0-based column position: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n = position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _commented_header(record: tuple[int, list[Cell]] | None, first: list[Cell]) -> list[Cell] | None:
    """The names of a ``# a,b,c`` comment line right above the data, if it has one per data column."""
    if record is None:
        return None
    cells = list(record[1])
    while cells and cells[-1] is None:
        cells.pop()
    if not cells or not isinstance(cells[0], str):
        return None
    cells[0] = cells[0].lstrip("#").strip() or None
    width = len(first) - next((k for k, c in enumerate(reversed(first)) if c is not None), 0)
    if len(cells) != width or any(c is None for c in cells) or not any(_names_a_quantity(c) for c in cells):
        return None
    return cells


def _names_a_quantity(cell: Cell) -> bool:
    """Whether a comment's field reads as a column header (``pulse_v``, ``current (A)``), not prose."""
    if not isinstance(cell, str) or _is_number(cell):
        return False
    try:
        return parse_header(cell).quantity is not None
    except MeasurementError:
        return False


def _all_text(cells: list[Cell]) -> bool:
    """A second header line (units, or names under group titles): text only, no numbers."""
    given = [c for c in cells if c is not None]
    return bool(given) and all(isinstance(c, str) and not _is_number(c) for c in given)


def _merge_header(first: list[Cell], second: list[Cell]) -> list[Cell]:
    """``1 V`` over ``Resistance (Ohm)`` → ``1 V Resistance (Ohm)``; placeholders like ``--`` drop out."""
    width = max(len(first), len(second))
    merged: list[Cell] = []
    for j in range(width):
        parts = [c for c in (_at(first, j), _at(second, j)) if c is not None]
        words = [p if isinstance(p, str) else _number_text(p) for p in parts]
        text = " ".join(w for w in words if any(ch.isalnum() for ch in w))
        merged.append(text or None)
    return merged


def _at(cells: list[Cell], j: int) -> Cell:
    return cells[j] if j < len(cells) else None


def _all_zero(cells: list[Cell]) -> bool:
    values = [c for c in cells if c is not None]
    return bool(values) and all(_is_number(c) and float(str(c).replace(",", ".")) == 0 for c in values)


def _decode(data: bytes, file: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise MeasurementError(
            "this is not a text file", file=file, expected="a CSV text file or an .xlsx workbook"
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _clean_texts(cells: list[str]) -> list[Cell]:
    """:func:`_clean` for a CSV row, inlined: this runs for every cell of every file."""
    return [
        None if not (t := c.strip()) or (len(t) <= _LONGEST_BLANK and t.lower() in BLANK_TOKENS) else t
        for c in cells
    ]


def _clean(cell: object) -> Cell:
    """Blank-ish cells → None, numbers → float, everything else → stripped text."""
    if isinstance(cell, str):  # the hot path: every CSV cell
        text = cell.strip()
        if len(text) > _LONGEST_BLANK:
            return text
        return None if text.lower() in BLANK_TOKENS else text
    if cell is None:
        return None
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int | float):
        return float(cell)
    return _clean(str(cell))


def _skippable(cells: list[Cell]) -> bool:
    first = next((c for c in cells if c is not None), None)
    return first is None or (isinstance(first, str) and first.startswith("#"))


def _is_number(cell: Cell) -> bool:
    if isinstance(cell, float):
        return True
    try:
        float(str(cell).replace(",", "."))
    except ValueError:
        return False
    return True


def _is_index(cells: Sequence[Cell]) -> bool:
    """0, 1, 2, ... or 1, 2, 3, ...: a running index or a row of cycle numbers."""
    try:
        values = np.array(cells, dtype=float)
    except (ValueError, TypeError, OverflowError):
        return False
    return len(values) > 0 and values[0] in (0.0, 1.0) and bool(np.all(np.diff(values) == 1))


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)
