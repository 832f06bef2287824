"""Tables of a run's accuracy rows (``results.json['analog']``), shared by the report's sections:
conditions told apart by device, mode and variant, pivots against time or a swept value, and the long
table of every row with each repetition."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from memtwin.report import fmt
from memtwin.report.doc import Figure, Section, Table

__all__ = [
    "GROUP_KEYS",
    "ROW_KEYS",
    "VARIANT_LEGEND",
    "VARIANT_NAMES",
    "accuracy_cell",
    "extra_keys",
    "figure_section",
    "group_keys",
    "group_label",
    "list_of",
    "long_table",
    "pivot",
    "repetitions_of",
    "text_of",
]

VARIANT_NAMES = {"baseline": "baseline", "hwat_gdc": "HWAT + GDC"}
VARIANT_LEGEND = (
    "baseline: the digitally trained weights programmed as they are, no drift compensation; "
    "HWAT + GDC: after hardware-aware training, with global drift compensation. "
    "Loss = digital − analog accuracy in percentage points (pt); mean ± std over repetitions."
)
#: Keys of an analog row the accuracy tables show in their own columns.
ROW_KEYS = frozenset(
    {"mode", "variant", "time_s", "accuracy_mean", "accuracy_std", "repetitions", "accuracies"}
)
GROUP_KEYS = ("device", "mode", "variant")


def list_of(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list | tuple) else []


def text_of(x: Any) -> str:
    return "" if x is None else str(x)


def figure_section(sid: str, title: str, figures: Sequence[Figure]) -> Section | None:
    return Section(sid, title, list(figures)) if figures else None


def group_label(row: Mapping[str, Any], keys: Sequence[str]) -> str:
    parts = []
    for k in keys:
        v = row.get(k)
        if k == "variant":
            parts.append(VARIANT_NAMES.get(str(v), str(v)))
        elif k == "time_s":
            parts.append(fmt.duration(v))
        else:
            parts.append(text_of(v))
    return " · ".join(p for p in parts if p)


def group_keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The keys that tell conditions apart: device (only in multi-device rows), mode, variant."""
    return [k for k in GROUP_KEYS if any(k in r for r in rows)]


def extra_keys(rows: Sequence[Mapping[str, Any]], known: Iterable[str]) -> list[str]:
    skip = set(known)
    keys: dict[str, None] = {}
    for r in rows:
        for k in r:
            if k not in skip:
                keys.setdefault(k)
    return list(keys)


def pivot(
    rows: Sequence[Mapping[str, Any]],
    row_key: str,
    col_keys: Sequence[str],
    cell: Callable[[Mapping[str, Any]], str],
    row_label: Callable[[Any], str],
    first_header: str,
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None:
    """Rows by ``row_key``, one column per distinct ``col_keys`` combination; None when two rows
    would share a cell (then only the long table is shown: it never hides a row)."""
    cols: dict[tuple[str, ...], str] = {}
    grid: dict[tuple[Any, tuple[str, ...]], Mapping[str, Any]] = {}
    row_values: dict[Any, None] = {}
    for r in rows:
        ck = tuple(text_of(r.get(k)) for k in col_keys)
        cols.setdefault(ck, group_label(r, col_keys))
        rv = r.get(row_key)
        if (rv, ck) in grid:
            return None
        grid[(rv, ck)] = r
        row_values.setdefault(rv)
    try:
        ordered = sorted(row_values, key=lambda v: (fmt.number(v) is None, fmt.number(v) or 0.0, str(v)))
    except TypeError:  # pragma: no cover - mixed keys
        ordered = list(row_values)
    header = (first_header, *cols.values())
    body = tuple(
        (row_label(rv), *(cell(grid[(rv, ck)]) if (rv, ck) in grid else fmt.DASH for ck in cols))
        for rv in ordered
    )
    return header, body


def accuracy_cell(digital: Any) -> Callable[[Mapping[str, Any]], str]:
    def cell(r: Mapping[str, Any]) -> str:
        text = fmt.mean_std_percent(r.get("accuracy_mean"), r.get("accuracy_std"))
        loss = fmt.loss_points(digital, r.get("accuracy_mean"))
        return text if loss == fmt.DASH else f"{text}\nloss {loss} pt"

    return cell


def repetitions_of(r: Mapping[str, Any]) -> str:
    accs = [fmt.number(a) for a in list_of(r.get("accuracies"))]
    shown = [f"{100 * a:.2f}" for a in accs if a is not None]
    return ", ".join(shown) if shown else fmt.DASH


def long_table(
    rows: Sequence[Mapping[str, Any]],
    digital: Any,
    lead: Sequence[str],
    caption: str,
    lead_labels: Sequence[str] = (),
) -> Table:
    """One line per row with every field, the per-repetition accuracies and unknown keys included."""
    groups = group_keys(rows)
    extra = extra_keys(rows, {*ROW_KEYS, *groups, *lead, "parameter"})
    header = (
        *(lead_labels or [fmt.label(k) for k in lead]),
        *groups,
        "time after programming",
        "accuracy (mean ± std)",
        "loss vs digital (pt)",
        "n",
        "each repetition (%)",
        *(fmt.label(k) for k in extra),
    )
    body = tuple(
        (
            *(fmt.value(k, r.get(k)) for k in lead),
            *(
                VARIANT_NAMES.get(text_of(r.get(k)), text_of(r.get(k)))
                if k == "variant"
                else text_of(r.get(k))
                for k in groups
            ),
            fmt.duration(r.get("time_s")),
            fmt.mean_std_percent(r.get("accuracy_mean"), r.get("accuracy_std")),
            fmt.loss_points(digital, r.get("accuracy_mean")),
            fmt.value("repetitions", r.get("repetitions")),
            repetitions_of(r),
            *(fmt.value(k, r.get(k)) for k in extra),
        )
        for r in rows
    )
    n_left = len(lead) + len(groups)
    align = ("l",) * n_left + ("r",) * (len(header) - n_left)
    return Table(header=header, rows=body, caption=caption, align=align)
