"""Elementwise converter kernels of the folded (programmed, calibrated) forward.

The folded forward of an analog layer is one matmul/conv per row tile plus three elementwise steps:
DAC codes ``clamp(round(x/step))``, ADC codes ``clamp(round(partial))`` and the digital multiply-add
``acc + codes·gain (+ bias)``. On a CPU these steps are memory-bound: in eager PyTorch each one is a
separate pass over an activation-sized tensor (DAC: 3 passes, ADC: 3–4 per row tile), which on
convolutions with few input channels costs as much as the convolution itself.

Two implementations with identical results:

* **eager** (default): in-place chains, so each step allocates at most one tensor;
* **fused** (opt-in, :func:`set_fused_kernels` or ``MEMTWIN_FUSED_KERNELS=1``): the same expressions
  compiled by ``torch.compile`` (Inductor) into one pass each. The first call per tensor rank and device
  compiles (tens of seconds on a small CPU; cached on disk by Inductor afterwards), so it pays off for
  long evaluations (many batches, times, repetitions), not for tests. If compilation fails (no C++
  compiler, unsupported platform), memtwin warns once and falls back to eager.

Fused kernels are used only when autograd is off (``torch.no_grad``/``torch.inference_mode``); with
autograd on, the eager chains run.
"""

from __future__ import annotations

import os
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

_state: dict[str, Any] = {
    "enabled": os.environ.get("MEMTWIN_FUSED_KERNELS", "0") not in ("", "0", "false", "False"),
    "failed": False,
    "compiled": {},
}


def set_fused_kernels(enabled: bool) -> None:
    """Use ``torch.compile``-fused converter kernels in inference (see module docstring)."""
    _state["enabled"] = bool(enabled)
    _state["failed"] = False


def fused_kernels_enabled() -> bool:
    return bool(_state["enabled"]) and not _state["failed"]


# -- reference expressions (also what gets compiled) ------------------------------------------------
def _dac(x: Tensor, inv_step: Tensor, codes: float) -> Tensor:
    return torch.clamp(torch.round(x * inv_step), -codes, codes)


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
class _LastDac:
    """The last DAC conversion, reused when the next analog layer converts the very same tensor with the
    same step (e.g. a residual block's input feeds the upper conv and the 1×1 shortcut conv: their DACs
    calibrate to the same range on the same data, so the codes are identical). The source is held by weak
    reference and its in-place version counter is checked, so a modified or new tensor never matches."""

    source: Any = None
    version = -1
    shape: tuple[int, ...] = ()
    inv_step: Tensor | None = None
    codes = 0
    result: Tensor | None = None


def _cached_dac(x: Tensor, source: Tensor, inv_step: Tensor, codes: int) -> Tensor | None:
    c = _LastDac
    if (
        c.result is None
        or c.shape != tuple(x.shape)
        or c.source is None
        or c.source() is not source
        or c.version != source._version
        or c.codes != codes
        or c.inv_step is None
        or c.inv_step.shape != inv_step.shape
        or not torch.equal(c.inv_step, inv_step)
    ):
        return None
    return c.result


def dac_codes(x: Tensor, inv_step: Tensor, codes: int, source: Tensor | None = None) -> Tensor:
    """DAC codes of ``x`` (R, N) with per-repetition ``inv_step`` (R, 1): clamp(round(x/step)).

    ``source``: the layer input ``x`` is a view of; with autograd off, a repeated conversion of the same
    source with the same steps returns the previous result (see :class:`_LastDac`).
    """
    cacheable = source is not None and not torch.is_grad_enabled()
    if cacheable:
        assert source is not None
        hit = _cached_dac(x, source, inv_step, codes)
        if hit is not None:
            return hit
    out = _try_fused("dac", _dac, x, inv_step, float(codes))
    if out is None:
        out = torch.mul(x, inv_step).round_().clamp_(-codes, codes)
    if cacheable:
        assert source is not None
        _LastDac.source = weakref.ref(source)
        _LastDac.version = source._version
        _LastDac.shape = tuple(x.shape)
        _LastDac.inv_step = inv_step.clone()
        _LastDac.codes = codes
        _LastDac.result = out
    return out


def clear_dac_cache() -> None:
    """Drop the reference to the last DAC result (frees its memory)."""
    _LastDac.source = None
    _LastDac.result = None
    _LastDac.inv_step = None


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
