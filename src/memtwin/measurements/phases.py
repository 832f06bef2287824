"""The words labs use for the two programming phases, in cells, headers and file names.

Why a module of its own: the tidy reader reads phase *values*, the wide reader guesses a phase from
column headers and file names, the up/down reader finds its two columns by them; all must agree on
the vocabulary.
"""

from __future__ import annotations

import re

from memtwin.measurements.table import DEPRESSION, POTENTIATION

# Whole cell values (case-insensitive) accepted in a phase column.
_VALUE = {
    **dict.fromkeys(
        ("potentiation", "pot", "p", "set", "ltp", "up", "+", "increase", "inc", "positive", "pos"),
        POTENTIATION,
    ),
    **dict.fromkeys(
        ("depression", "dep", "d", "reset", "ltd", "down", "-", "decrease", "dec", "negative", "neg"),
        DEPRESSION,
    ),
}
# Words that mark a phase inside a longer name ("G_set3", "device4-RESET.csv"); single letters are
# too ambiguous there.
_WORD = {
    **dict.fromkeys(("potentiation", "pot", "set", "ltp", "up"), POTENTIATION),
    **dict.fromkeys(("depression", "dep", "reset", "ltd", "down"), DEPRESSION),
}
_WORDS = re.compile(r"[a-z]+")

PHASE_VALUES_HELP = "potentiation/depression (or set/reset, ltp/ltd, p/d, pot/dep, up/down)"


def phase_of_value(value: object) -> str | None:
    """Canonical phase of a cell value, or ``None`` if it is not a phase word."""
    return _VALUE.get(str(value).strip().lower())


def phases_in_name(name: str) -> set[str]:
    """Phases named by the words of a header, sheet or file name (empty set if none, both if mixed)."""
    return {_WORD[w] for w in _WORDS.findall(name.lower()) if w in _WORD}
