"""Files bundled with memtwin.

``hfs2_example.csv``: the SYNTHETIC example device (tidy CSV, canonical columns, SI units), written by
``python -m memtwin.synthetic --out src/memtwin/data/hfs2_example.csv``. It matches the statistics the
paper publishes for its HfOxSy/HfS₂ memristor; it is not measured data (see :mod:`memtwin.synthetic`).
"""

from __future__ import annotations

from pathlib import Path

EXAMPLE_CSV_NAME = "hfs2_example.csv"


def example_csv_path() -> Path:
    """Path of the bundled synthetic example device's CSV."""
    return Path(__file__).with_name(EXAMPLE_CSV_NAME)
