"""Elementwise converter kernels of the folded (programmed, calibrated) forward.

The folded forward of an analog layer is one matmul/conv per row tile plus three elementwise steps:
DAC codes ``clamp(round(x/step))``, ADC codes ``clamp(round(partial))`` and the digital multiply-add
``acc + codes·gain (+ bias)``. On a CPU these steps are memory-bound: in eager PyTorch each one is a
separate pass over an activation-sized tensor (DAC: 3 passes, ADC: 3–4 per row tile), which on
convolutions with few input channels costs as much as the convolution itself.

Two implementations with identical results:

* **eager** (default): in-place chains, so each step allocates at most one tensor;
* **fused** (opt-in, :func:`set_fused_kernels` or ``MEMTWIN_FUSED_KERNELS=1``): the same expressions
  compiled by ``torch.compile`` (Inductor) into one pass each. The first call per tensor rank and torch
  device compiles (tens of seconds on a small CPU; cached on disk by Inductor afterwards), so it pays off
  for long evaluations (many batches, times, repetitions), not for tests. If compilation fails (no C++
  compiler, unsupported platform), memtwin warns once and falls back to eager.

Fused kernels are used only when autograd is off (``torch.no_grad``/``torch.inference_mode``); with
autograd on, the eager chains run.

**Scratch buffers.** With autograd off, the DAC codes and linear layers' partial sums — temporaries that
die inside one layer's forward — go into per-thread scratch buffers that are reused from layer to layer
and call to call (:func:`scratch`). Large fresh allocations are not free on a CPU: above glibc's mmap
threshold every one is new memory whose pages fault in on first touch, which measured 10–20 % of the
analog forward of the MNIST MLP. The buffers keep the largest size seen; :func:`release_scratch` frees
them.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

_state: dict[str, Any] = {
    "enabled": os.environ.get("MEMTWIN_FUSED_KERNELS", "0") not in ("", "0", "false", "False"),
    "failed": False,
    "compiled": {},
}


_scratch = threading.local()


def scratch(slot: str, shape: tuple[int, ...], like: Tensor) -> Tensor | None:
    """A reusable buffer of ``shape`` (dtype/device of ``like``) for a temporary, or None with autograd on
    (autograd may keep temporaries for the backward pass)."""
    if torch.is_grad_enabled():
        return None
    buffers: dict[Any, Tensor] | None = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = {}
        _scratch.buffers = buffers
    key = (slot, like.device, like.dtype, torch.is_inference_mode_enabled())
    n = math.prod(shape)
    buf = buffers.get(key)
    if buf is None or buf.numel() < n:
        buf = torch.empty(n, dtype=like.dtype, device=like.device)
        buffers[key] = buf
    return buf[:n].view(shape)


def release_scratch() -> None:
    """Free this thread's scratch buffers."""
    _scratch.buffers = {}


def set_fused_kernels(enabled: bool) -> None:
    """Use ``torch.compile``-fused converter kernels in inference (see module docstring)."""
    _state["enabled"] = bool(enabled)
    _state["failed"] = False


def fused_kernels_enabled() -> bool:
    return bool(_state["enabled"]) and not _state["failed"]


# -- reference expressions (also what gets compiled) ------------------------------------------------
def _dac(x: Tensor, inv_step: Tensor, codes: float) -> Tensor:
    return torch.clamp(torch.round(x * inv_step), -codes, codes)


def _dac_out(out: Tensor, x: Tensor, inv_step: Tensor, codes: float) -> Tensor:
    return out.copy_(torch.clamp(torch.round(x * inv_step), -codes, codes))


def _adc_first(out: Tensor, part: Tensor, gain: Tensor, bias: Tensor | None, codes: float | None) -> Tensor:
    q = part if codes is None else torch.clamp(torch.round(part), -codes, codes)
    return out.copy_(q * gain if bias is None else q * gain + bias)


def _adc_accumulate(acc: Tensor, part: Tensor, gain: Tensor, codes: float | None) -> Tensor:
    q = part if codes is None else torch.clamp(torch.round(part), -codes, codes)
    return acc.add_(q * gain)


def _compiled(name: str, fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    table: dict[str, Callable[..., Tensor]] = _state["compiled"]
    if name not in table:
        table[name] = torch.compile(fn, dynamic=True, fullgraph=True)
    return table[name]


def _try_fused(name: str, fn: Callable[..., Tensor], *args: Any) -> Tensor | None:
    if not fused_kernels_enabled() or torch.is_grad_enabled():
        return None
    try:
        return _compiled(name, fn)(*args)
    except Exception as exc:  # noqa: BLE001 - any compiler failure means: use eager
        _state["failed"] = True
        warnings.warn(
            f"memtwin: fused converter kernels unavailable ({type(exc).__name__}: {exc}); using eager ops",
            RuntimeWarning,
            stacklevel=3,
        )
        return None


# -- public kernels ---------------------------------------------------------------------------------
def dac_codes(x: Tensor, inv_step: Tensor, codes: int, out: Tensor | None = None) -> Tensor:
    """DAC codes of ``x`` (R, N) or (1, N) with per-repetition ``inv_step`` (R, 1): clamp(round(x/step)),
    shape (R, N); written into ``out`` if given."""
    if out is not None:
        if _try_fused("dac_out", _dac_out, out, x, inv_step, float(codes)) is not None:
            return out
        return torch.mul(x, inv_step, out=out).round_().clamp_(-codes, codes)
    fused = _try_fused("dac", _dac, x, inv_step, float(codes))
    if fused is not None:
        return fused
    return torch.mul(x, inv_step).round_().clamp_(-codes, codes)


def adc_first(part: Tensor, gain: Tensor, bias: Tensor | None, codes: int | None, out: Tensor) -> Tensor:
    """Digitize a row tile's partial output (in ADC codes) and scale it into ``out``: q·gain (+ bias).

    Eager: rounds ``part`` (a fresh matmul output owned by the caller) in place.
    """
    c = None if codes is None else float(codes)
    fused = _try_fused("adc_first", _adc_first, out, part, gain, bias, c)
    if fused is not None:
        return out
    if codes is not None:
        part = part.round_().clamp_(-codes, codes)
    if bias is None:
        return torch.mul(part, gain, out=out)
    return torch.addcmul(bias, part, gain, out=out)


def adc_accumulate(acc: Tensor, part: Tensor, gain: Tensor, codes: int | None) -> Tensor:
    """``acc += q(part)·gain``: digital accumulation of another row tile, in place."""
    c = None if codes is None else float(codes)
    fused = _try_fused("adc_acc", _adc_accumulate, acc, part, gain, c)
    if fused is not None:
        return acc
    if codes is not None:
        part = part.round_().clamp_(-codes, codes)
    return acc.addcmul_(part, gain)
