"""One exported setting: the field it sets, its value and how the value was derived.

The exporters compute numbers and say where each came from; the renderers turn them into code and the
comment block of the generated file. Keeping both in one record means a value can never be written
without its derivation, or with a derivation of another value.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A value a generated module can hold as a Python literal.
Literal = float | int | bool | str | tuple[float, ...]


@dataclass(frozen=True)
class Setting:
    """``name = value`` on some configuration object, and ``why`` in one line."""

    name: str
    value: Literal
    why: str


def literal(value: Literal) -> str:
    """Python source of ``value`` that reads back exactly (``repr`` of a float round-trips)."""
    if isinstance(value, tuple):
        return "[" + ", ".join(repr(float(v)) for v in value) + "]"
    if isinstance(value, float):
        return repr(float(value))
    return repr(value)


def fmt(value: float) -> str:
    """A derived number for a comment: 6 significant digits."""
    return f"{value:.6g}"
