"""The progress bar of long steps (training epochs, an analysis' jobs): one look everywhere."""

from __future__ import annotations

from typing import Any

__all__ = ["progress_bar"]


def progress_bar(*extra: Any, console: Any = None) -> Any:
    """A rich ``Progress``: description, bar, done of total, elapsed and remaining time, then ``extra``
    columns; on ``console`` (default: rich's, on stdout)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        *extra,
    )
    return Progress(*columns, console=console)
