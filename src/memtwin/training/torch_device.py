"""Which torch device (CPU, a CUDA GPU) computations run on.

In memtwin "device" means a memristor :class:`~memtwin.devices.DeviceModel`; the processor a tensor lives
on is a *torch device*, and every argument naming one is called ``torch_device``. The old ``device=``
keywords still work for one release, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

__all__ = ["deprecated_device_keyword", "resolve_device", "resolve_torch_device"]


def resolve_torch_device(torch_device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if isinstance(torch_device, torch.device):
        return torch_device
    if torch_device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(torch_device)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Deprecated name of :func:`resolve_torch_device`."""
    warnings.warn(
        "memtwin.training.resolve_device is deprecated; use resolve_torch_device",
        DeprecationWarning,
        stacklevel=2,
    )
    return resolve_torch_device(device)


def deprecated_device_keyword(torch_device: Any, device: Any, default: Any, where: str) -> Any:
    """The torch device of a call that may still use the old ``device=`` keyword (a warning says so);
    both at once is an error. ``default`` is ``torch_device``'s own default."""
    if device is None:
        return torch_device
    if torch_device != default:
        raise TypeError(f"{where}: pass torch_device= only (device= is its deprecated name)")
    warnings.warn(
        f"{where}(device=...) is deprecated; use torch_device=... (in memtwin a device is a DeviceModel)",
        DeprecationWarning,
        stacklevel=3,
    )
    return device
