"""How a layer's crossbar matrix is cut into tiles.

A layer's weights form a crossbar matrix (outputs, rows). A matrix larger than the periphery's
``tile_rows`` × ``tile_cols`` is split into the fewest tiles of near-equal size (:func:`balanced_slices`):
row tiles (:class:`RowTile`, each digitized by its own ADC and accumulated digitally) times column slices.
The layer decides what a row tile holds (a linear layer: input features; a convolution: whole input
channels, so a kernel's k·k rows stay together).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowTile:
    """A block of crossbar rows: ``inputs`` indexes the layer input (features or channels), ``rows``
    the flattened matrix's rows."""

    inputs: slice
    rows: slice


@dataclass(frozen=True)
class TileGrid:
    """The row tiles and column slices of one layer's crossbar matrix."""

    row_tiles: tuple[RowTile, ...]
    col_slices: tuple[slice, ...]

    @property
    def row_blocks(self) -> list[slice]:
        """Each row tile's rows of the flattened matrix, in order."""
        return [tile.rows for tile in self.row_tiles]

    @property
    def tile_shapes(self) -> tuple[tuple[int, int], ...]:
        """(rows, columns) of every tile, row tile by row tile."""
        return tuple(
            (t.rows.stop - t.rows.start, c.stop - c.start) for t in self.row_tiles for c in self.col_slices
        )


def balanced_slices(n: int, max_size: int | None) -> list[slice]:
    """Split ``range(n)`` into the fewest contiguous pieces of at most ``max_size``, sizes differing ≤ 1."""
    if max_size is None or n <= max_size:
        return [slice(0, n)]
    pieces = -(-n // max_size)
    base, extra = divmod(n, pieces)
    out = []
    start = 0
    for i in range(pieces):
        size = base + (1 if i < extra else 0)
        out.append(slice(start, start + size))
        start += size
    return out
