"""Atomic training checkpoints.

A checkpoint is written to a temporary file in the same folder, flushed to disk and then renamed over the
previous one with :func:`os.replace`, so a run killed at any instant leaves either the old or the new
checkpoint, never a torn file. Files are loaded with ``weights_only=True``: a checkpoint holds only tensors
and plain data, and loading never executes code.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch
from torch import nn

from memtwin.atomic import write_bytes_atomic, write_json_atomic
from memtwin.errors import DataError

__all__ = [
    "CHECKPOINT_NAME",
    "HISTORY_NAME",
    "latest_checkpoint",
    "load_checkpoint",
    "load_model_weights",
    "save_checkpoint",
    "write_json_atomic",
]

CHECKPOINT_NAME = "last.pt"
HISTORY_NAME = "history.json"


def save_checkpoint(path: Path, state: dict[str, Any]) -> Path:
    """Serialize ``state`` with ``torch.save`` and write it atomically to ``path``."""
    buf = io.BytesIO()
    torch.save(state, buf)
    return write_bytes_atomic(Path(path), buf.getvalue())


def latest_checkpoint(checkpoint_dir: Path) -> Path | None:
    """The checkpoint a resumed run continues from, or ``None`` when there is none yet."""
    path = Path(checkpoint_dir) / CHECKPOINT_NAME
    return path if path.is_file() else None


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` (tensors and plain data only)."""
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        raise DataError(f"{path}: cannot read checkpoint ({exc})") from exc
    if not isinstance(state, dict):
        raise DataError(f"{path}: not a memtwin checkpoint (found {type(state).__name__})")
    return state


def load_model_weights(model: nn.Module, path: Path, *, strict: bool = True) -> nn.Module:
    """Load the weights of a training checkpoint (``last.pt``) or of a bare ``state_dict`` file into ``model``.

    Used to start hardware-aware training from the digital run's checkpoint.
    """
    state = load_checkpoint(Path(path))
    weights = state.get("model", state)
    model.load_state_dict(weights, strict=strict)
    return model
