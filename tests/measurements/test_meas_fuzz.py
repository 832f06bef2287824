"""Fuzz: whatever the file holds, ``load`` returns a table or raises MeasurementError, nothing else."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memtwin.errors import MeasurementError
from memtwin.measurements import FORMATS, PulseTable, load, load_many

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADERS = [
    "cycle", "phase", "pulse", "device", "conductance_S", "G (uS)", "G [µS]", "I (mA)", "I (uA) @ -0.1 V",
    "R (kOhm)", "V_read (mV)", "V_pulse (V)", "V", "width (ns)", "t [ms]", "time_s", "up", "down", "LTP (uS)",
    "LTD (uS)", "cycle 1", "cycle 2 (uS)", "set 3", "reset 3", "D1 (uS)", "D2", "", "G (uF)", "Temp (°C)", "#",
    "pulse (V)", "x", "1", "2", "cycle 1", "I3",
]  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(["", "nan", "NaN", "inf", "-inf", "0", "-0", "1e400", "-1", "1.5", "1,5", "#N/A", "p", "d",
                     "set", "reset", "potentiation", "sideways", "ten", "1e-4", "100", "-0.7", "0.7", "3", "\"", "µ"]),
    st.integers(-5, 300).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
)  # fmt: skip
CSV_CHARS = '0123456789,,,;.-+e\n\n\n \t"#pdsetrG()uSIVcylhan'
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "format": st.sampled_from([*FORMATS]),
        "phase": st.sampled_from(["set", "reset", "potentiation", "bogus"]),
        "device": st.sampled_from(["D1", "device", "x"]),
        "read_voltage_V": st.sampled_from([0.1, -0.2, 0.0]),
        "pulses_per_cycle": st.integers(1, 4),
        "quantity": st.sampled_from(["conductance", "current", "resistance", "charge"]),
        "g_range": st.sampled_from([(1e-6, 1e-4), (1e-4, 1e-6), (0.0, 1.0), (1e-6,)]),
        "columns": st.sampled_from(["C", "C:F", "3-6", "B,D", "A", "0", "F:C", "D1", "ZZ", "2,3", ""]),
        "sheet": st.sampled_from([0, "1", "Sheet"]),
    },
)
# Two phases in turn only make sense with --pulses-per-cycle; the fuzz tries them with and without.
OPTIONS = OPTIONS.flatmap(
    lambda o: st.sampled_from([o, {**o, "phase": "up,down"}, {**o, "phase": "down,up,down"}])
)


def _load_quietly(path: Path, options: dict[str, object]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            table = load(path, **options)  # type: ignore[arg-type]
        except MeasurementError:
            return
    assert isinstance(table, PulseTable)
    assert (table.frame["conductance_S"] > 0).all()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=st.binary(max_size=400), name=st.sampled_from(["f.csv", "f_set.txt", "f.xlsx", "f"]))
def test_arbitrary_bytes(folder: Path, data: bytes, name: str) -> None:
    path = folder / name
    path.write_bytes(data)
    _load_quietly(path, {})


@FUZZ
@given(text=st.one_of(st.text(max_size=300), st.text(alphabet=CSV_CHARS, max_size=300)), options=OPTIONS)
def test_arbitrary_text(folder: Path, text: str, options: dict[str, object]) -> None:
    path = folder / "text_set.csv"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _load_quietly(path, options)


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6),
    body=st.lists(st.lists(CELLS, min_size=0, max_size=7), min_size=0, max_size=8),
    sep=st.sampled_from([",", ";", "\t"]),
    options=OPTIONS,
)
def test_plausible_csv_with_garbage_cells(
    folder: Path, header: list[str], body: list[list[str]], sep: str, options: dict[str, object]
) -> None:
    path = folder / "plausible_reset.csv"
    lines = [sep.join(header), *(sep.join(row) for row in body)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    _load_quietly(path, options)


@settings(max_examples=40, deadline=None)
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5),
    body=st.lists(
        st.lists(
            st.one_of(st.none(), st.floats(-2, 2), st.integers(-3, 3), st.sampled_from(["x", "", "1"])),
            max_size=5,
        ),
        max_size=8,
    ),
    options=OPTIONS,
)
def test_plausible_xlsx_with_garbage_cells(
    folder: Path, header: list[str], body: list[list[object]], options: dict[str, object]
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(header)
    for row in body:
        ws.append(row)
    path = folder / "plausible.xlsx"
    book.save(path)
    _load_quietly(path, options)


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.text(max_size=80), min_size=1, max_size=3))
def test_load_many_on_garbage(folder: Path, texts: list[str]) -> None:
    paths = []
    for k, text in enumerate(texts):
        path = folder / f"many_{k}_set.csv"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        paths.append(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(MeasurementError):
            load_many(paths)


# Valid files of every layout, with a few cells replaced by garbage: reaches the checks deep inside.
TEMPLATES = {
    "tidy_set.csv": [
        ["device", "cycle", "phase", "pulse", "G (uS)", "V_pulse (V)", "V_read (V)"],
        *[["A", str(c), ph, str(p), str(100 + 10 * p), "0.7", "-0.1"] for c in (1, 2) for ph in ("p", "d") for p in (1, 2, 3)],
    ],
    "wide_set.csv": [["pulse", "V_pulse (V)", "cycle 1 (uS)", "cycle 2 (uS)", "I3 (uA)"], *[[str(p), "0.7", str(10 * p), str(11 * p), str(p)] for p in (1, 2, 3)]],
    "signed.csv": [["V_pulse (V)", "V_read (V)", "D1 (uS)", "D2 (S)"], *[[v, "0.1", str(g), "1e-4"] for v, g in [("1", 10), ("1", 20), ("-1", 15), ("-1", 5)] * 2]],
    "updown.csv": [["pulse", "LTP (uS)", "LTD (uS)"], *[[str(p), str(10 * p), str(40 - 10 * p)] for p in (1, 2, 3, 4)]],
    # headerless: pulse voltage, constant read voltage, read currents of three devices
    "bare_signed.csv": [[v, "-0.2", str(-i), str(-2 * i), str(-3 * i)] for v, i in [("1", 1e-6), ("1", 2e-6), ("-1.2", 1.5e-6), ("-1.2", 0.5e-6)] * 2],
    # headerless up/down of normalized values (AIHWKIT's gong_et_al.csv)
    "bare_updown.csv": [[str(u), str(d)] for u, d in [(-0.8, 0.7), (-0.2, 0.3), (0.4, -0.5), (1.1, -1.3)]],
    # headerless wide with an index, a constant and two ramps; a phase in the name
    "bare_wide_set.csv": [[str(k), "0.1", str(1e-6 * k), str(1.1e-6 * k)] for k in (1, 2, 3, 4)],
    # a '#' comment header and a units line under a header
    "commented.csv": [["# pulse_v", "meas_v", "i_0"], *[[v, "-0.1", str(-i)] for v, i in [("2", 1e-6), ("2", 2e-6), ("-2", 1.5e-6)]]],
    "two_headers_set.csv": [["--", "1 V"], ["pulse number", "Resistance (Ohm)"], *[[str(p), str(1e5 * p)] for p in (1, 2, 3, 4)]],
}  # fmt: skip


@FUZZ
@given(
    name=st.sampled_from(sorted(TEMPLATES)),
    edits=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 8), CELLS), min_size=1, max_size=3),
    options=OPTIONS,
)
def test_valid_files_with_a_few_garbage_cells(
    folder: Path, name: str, edits: list[tuple[int, int, str]], options: dict[str, object]
) -> None:
    rows = [list(r) for r in TEMPLATES[name]]
    for r, c, cell in edits:
        row = rows[r % len(rows)]
        if c < len(row):
            row[c] = cell
        else:
            row.append(cell)
    path = folder / name
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8", errors="surrogatepass")
    _load_quietly(path, options)


@settings(max_examples=40, deadline=None)
@given(
    body=st.lists(
        st.lists(
            st.one_of(
                st.none(),
                st.sampled_from([1.0, -1.0, 2.5, -3.0, 0.1, -0.2, 0.5, 0.0, 1000.0]),
                st.floats(-2, 2),
                st.floats(1e-12, 1e-3),
                st.integers(0, 5),
            ),
            min_size=1,
            max_size=6,
        ),
        min_size=1,
        max_size=10,
    ),
    options=OPTIONS,
)
def test_headerless_xlsx(folder: Path, body: list[list[object]], options: dict[str, object]) -> None:
    """Sheets without a header row: every column judged by content."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for row in body:
        ws.append(row)
    path = folder / "bare.xlsx"
    book.save(path)
    _load_quietly(path, options)
