"""The training loop shared by digital training and hardware-aware training (HWAT).

Design choices, and why:

* **Any ``nn.Module``.** HWAT passes an analog model whose training-mode forward is noisy but
  differentiable; the loop therefore only calls ``model(x)``, ``model.train()/eval()``, ``parameters()``
  and ``state_dict()``. A model may return ``(B, C)`` logits or stacked Monte-Carlo logits ``(R, B, C)``;
  the loss then averages over the R repetitions.
* **Whole dataset in memory, batches by index permutation.** One seeded CPU ``torch.Generator`` draws each
  epoch's permutation and every augmentation parameter; the global torch RNG (used by dropout or an analog
  model's noise) is seeded inside a forked RNG scope, so training is reproducible and leaves the caller's
  RNG untouched.
* **Exact resume.** After every epoch the model, optimizer, scheduler, both RNG states and the history are
  written atomically to ``checkpoint_dir/last.pt``. A run killed at any point and restarted with
  ``resume=True`` continues from the last finished epoch and ends with bit-identical weights to an
  uninterrupted run (same torch device and thread count).
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from memtwin.errors import ConfigError, MemtwinError, MemtwinWarning
from memtwin.tasks.augment import Augmentation, default_augmentation
from memtwin.tasks.datasets import TaskData
from memtwin.training.checkpoint import (
    CHECKPOINT_NAME,
    HISTORY_NAME,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
    write_json_atomic,
)
from memtwin.training.config import TrainConfig
from memtwin.training.metrics import evaluate_accuracies
from memtwin.training.progress import progress_bar
from memtwin.training.torch_device import (
    deprecated_device_keyword,
    resolve_device,
    resolve_torch_device,
)

__all__ = [
    "EpochRecord",
    "TrainResult",
    "make_optimizer",
    "make_scheduler",
    "resolve_device",
    "resolve_torch_device",
    "train",
]

_FORMAT = 1


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch did. Accuracies are fractions 0–1; ``train_*`` are running values over the epoch's
    (augmented, possibly noisy) forward passes, ``test_accuracy`` is measured after the epoch in eval mode
    (mean over repetitions for a stacked-output model)."""

    epoch: int
    train_loss: float
    train_accuracy: float
    test_accuracy: float
    lr: float
    seconds: float
    train_seconds: float

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass
class TrainResult:
    """Outcome of :func:`train`: the full history (including epochs done before a resume)."""

    history: list[EpochRecord]
    config: TrainConfig
    torch_device: str
    checkpoint: Path | None = None
    resumed_from_epoch: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def test_accuracy(self) -> float:
        """Test accuracy after the last epoch (NaN when no epoch ran)."""
        return self.history[-1].test_accuracy if self.history else math.nan

    @property
    def device(self) -> str:
        """Deprecated name of :attr:`torch_device` ("device" means a device model in memtwin)."""
        warnings.warn(
            "TrainResult.device is deprecated; use TrainResult.torch_device", DeprecationWarning, stacklevel=2
        )
        return self.torch_device


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer named in ``config`` over all trainable parameters."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ConfigError("the model has no trainable parameters")
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            params,
            lr=config.lr,
            momentum=config.momentum,
            nesterov=config.nesterov and config.momentum > 0,
            weight_decay=config.weight_decay,
        )
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)


def make_scheduler(
    optimizer: torch.optim.Optimizer, config: TrainConfig
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Per-epoch learning-rate schedule (``None`` for ``constant``)."""
    if config.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, config.epochs))
    if config.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=config.step_size, gamma=config.gamma)
    return None


def _loss_and_hits(
    out: torch.Tensor, y: torch.Tensor, label_smoothing: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy (averaged over repetitions for ``(R, B, C)``) and the number of correct predictions
    (averaged over repetitions)."""
    if out.dim() == 3:
        r = out.shape[0]
        loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.repeat(r), label_smoothing=label_smoothing)
        hits = (out.argmax(dim=-1) == y).sum() / r
        return loss, hits
    if out.dim() != 2:
        raise ValueError(f"model output of shape {tuple(out.shape)}; expected (B, C) or (R, B, C)")
    loss = F.cross_entropy(out, y, label_smoothing=label_smoothing)
    return loss, (out.argmax(dim=-1) == y).sum()


def _data_signature(data: TaskData) -> dict[str, Any]:
    return {"name": data.name, "n_train": data.n_train, "n_test": data.n_test}


def _check_compatible(
    state: dict[str, Any], config: TrainConfig, signature: dict[str, Any], path: Path
) -> None:
    """Refuse to resume a checkpoint made with another recipe or dataset: the result would be neither run."""
    if state.get("format") != _FORMAT:
        raise ConfigError(f"{path}: checkpoint format {state.get('format')!r}, this memtwin writes {_FORMAT}")
    saved = state.get("config", {})
    now = config.to_dict()
    diff = sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))
    if diff:
        details = ", ".join(f"{k}: {saved.get(k)!r} -> {now.get(k)!r}" for k in diff)
        raise ConfigError(f"cannot resume {path}: the training config changed ({details})")
    if state.get("data") != signature:
        raise ConfigError(f"cannot resume {path}: it was trained on {state.get('data')}, not {signature}")


class _Progress:
    """Thin wrapper over a rich progress display that does nothing when disabled."""

    def __init__(self, enabled: bool, total_epochs: int, description: str) -> None:
        self.enabled = enabled
        self._stack = contextlib.ExitStack()
        if not enabled:
            return
        from rich.progress import TextColumn

        self.bar = progress_bar(TextColumn("{task.fields[info]}"))
        self.epochs = self.bar.add_task(description, total=total_epochs, info="")
        self.batches = self.bar.add_task("batches", total=1, info="")

    def __enter__(self) -> _Progress:
        if self.enabled:
            self._stack.enter_context(self.bar)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:  # one finished line per stage stays on screen, not its batch bar
            self.bar.update(self.batches, visible=False)
        self._stack.close()

    def start_epoch(self, epoch: int, n_batches: int, done_epochs: int) -> None:
        if self.enabled:
            self.bar.update(self.epochs, completed=done_epochs, info=f"epoch {epoch}")
            self.bar.reset(self.batches, total=n_batches)

    def batch(self, loss: float | None = None) -> None:
        if self.enabled:
            self.bar.update(self.batches, advance=1, info="" if loss is None else f"loss {loss:.4f}")

    def end_epoch(self, rec: EpochRecord) -> None:
        # One bar per stage, not a line per epoch: every epoch is in history.json and the report.
        if self.enabled:
            test = "n/a" if math.isnan(rec.test_accuracy) else f"{100 * rec.test_accuracy:.2f} %"
            self.bar.update(
                self.epochs,
                advance=1,
                info=f"loss {rec.train_loss:.4f}, train {100 * rec.train_accuracy:.2f} %, test {test}",
            )

    def note(self, text: str) -> None:
        if self.enabled:
            self.bar.console.print(text)


def _test_accuracy(
    model: nn.Module,
    data: TaskData,
    config: TrainConfig,
    how: bool | Literal["auto"] | Callable[[nn.Module, TaskData], float],
) -> tuple[float, bool | Literal["auto"] | Callable[[nn.Module, TaskData], float]]:
    """The epoch's test accuracy and how to measure it from now on (``"auto"`` may turn into ``False``)."""
    if how is False:
        return math.nan, how
    if callable(how):
        return float(how(model, data)), how
    try:
        accs = evaluate_accuracies(model, data.test_x, data.test_y, batch_size=config.eval_batch_size)
    except MemtwinError as exc:
        if how is True:
            raise
        warnings.warn(
            f"per-epoch test accuracy disabled for this run: the model cannot be evaluated in eval mode ({exc})",
            MemtwinWarning,
            stacklevel=3,
        )
        return math.nan, False
    return float(accs.mean()), how


def _batches(n: int, batch_size: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each batch; a trailing batch of one example is dropped (batch norm needs two)."""
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        if stop - start == 1 and n > 1:
            return
        yield start, stop


def _n_batches(n: int, batch_size: int) -> int:
    return sum(1 for _ in _batches(n, batch_size))


@dataclass
class _Run:
    """The state one call of :func:`train` carries from epoch to epoch (and into its checkpoints)."""

    model: nn.Module
    data: TaskData  # on the torch device
    config: TrainConfig
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    generator: torch.Generator
    torch_device: torch.device
    cuda_devices: list[int]
    augmentation: Augmentation | None
    evaluate: bool | Literal["auto"] | Callable[[nn.Module, TaskData], float]
    signature: dict[str, Any]
    described: dict[str, Any]
    history: list[EpochRecord] = field(default_factory=list)


def _restore(run: _Run, path: Path) -> int:
    """Load a checkpoint into the run (weights, optimizer, schedule, both RNGs, history); returns the
    number of epochs it had finished."""
    state = load_checkpoint(path, map_location="cpu")
    _check_compatible(state, run.config, run.signature, path)
    run.model.load_state_dict(state["model"])
    run.optimizer.load_state_dict(state["optimizer"])
    if run.scheduler is not None and state.get("scheduler") is not None:
        run.scheduler.load_state_dict(state["scheduler"])
    run.generator.set_state(state["generator"])
    torch.set_rng_state(state["torch_rng"])
    if run.cuda_devices and state.get("cuda_rng") is not None:
        torch.cuda.set_rng_state(state["cuda_rng"], device=run.cuda_devices[0])
    run.history = [EpochRecord(**r) for r in state["history"]]
    return int(state["epoch"])


def _train_epoch(run: _Run, epoch: int, bar: _Progress) -> tuple[float, float]:
    """One pass over the training set in a seeded random order; returns mean loss and accuracy."""
    model, data, config, dev = run.model, run.data, run.config, run.torch_device
    n = data.n_train
    model.train()
    perm = torch.randperm(n, generator=run.generator).to(dev)
    loss_sum = torch.zeros((), dtype=torch.float64, device=dev)
    hit_sum = torch.zeros((), dtype=torch.float64, device=dev)
    seen = 0
    bar.start_epoch(epoch + 1, _n_batches(n, config.batch_size), epoch)
    for i, (lo, hi) in enumerate(_batches(n, config.batch_size)):
        idx = perm[lo:hi]
        xb, yb = data.train_x[idx], data.train_y[idx]
        if run.augmentation is not None:
            xb = run.augmentation(xb, run.generator)
        run.optimizer.zero_grad(set_to_none=True)
        loss, hits = _loss_and_hits(model(xb), yb, config.label_smoothing)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {float(loss)} in epoch {epoch + 1}, batch {i + 1}")
        loss.backward()
        if config.max_grad_norm > 0:
            nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        run.optimizer.step()
        loss_sum += loss.detach() * (hi - lo)
        hit_sum += hits.detach()
        seen += hi - lo
        bar.batch(float(loss.detach()) if bar.enabled and i % 20 == 0 else None)
    return float(loss_sum) / max(seen, 1), float(hit_sum) / max(seen, 1)


def _epoch(run: _Run, epoch: int, bar: _Progress) -> EpochRecord:
    """Train one epoch, step the schedule, measure the test accuracy."""
    t0 = time.perf_counter()
    lr = float(run.optimizer.param_groups[0]["lr"])
    train_loss, train_accuracy = _train_epoch(run, epoch, bar)
    if run.scheduler is not None:
        run.scheduler.step()
    train_seconds = time.perf_counter() - t0
    test_acc, run.evaluate = _test_accuracy(run.model, run.data, run.config, run.evaluate)
    return EpochRecord(
        epoch=epoch + 1,
        train_loss=train_loss,
        train_accuracy=train_accuracy,
        test_accuracy=test_acc,
        lr=lr,
        seconds=time.perf_counter() - t0,
        train_seconds=train_seconds,
    )


def _save(run: _Run, epochs_done: int, ckpt_dir: Path) -> None:
    """Write ``last.pt`` (everything an exact resume needs) and ``history.json``, atomically."""
    history = [r.to_dict() for r in run.history]
    state = {
        "format": _FORMAT,
        "epoch": epochs_done,
        "config": run.config.to_dict(),
        "data": run.signature,
        "model": run.model.state_dict(),
        "optimizer": run.optimizer.state_dict(),
        "scheduler": run.scheduler.state_dict() if run.scheduler is not None else None,
        "generator": run.generator.get_state(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state(run.cuda_devices[0]) if run.cuda_devices else None,
        "history": history,
    }
    save_checkpoint(ckpt_dir / CHECKPOINT_NAME, state)
    write_json_atomic(
        ckpt_dir / HISTORY_NAME, {"config": run.config.to_dict(), "data": run.described, "history": history}
    )


def _epochs(
    run: _Run,
    start_epoch: int,
    ckpt_dir: Path | None,
    bar: _Progress,
    callback: Callable[[EpochRecord], None] | None,
) -> None:
    """The remaining epochs, each checkpointed (when ``ckpt_dir`` is given) before the callback sees it."""
    for epoch in range(start_epoch, run.config.epochs):
        run.history.append(_epoch(run, epoch, bar))
        if ckpt_dir is not None:
            _save(run, epoch + 1, ckpt_dir)
        bar.end_epoch(run.history[-1])
        if callback is not None:
            callback(run.history[-1])


def _start(
    model: nn.Module,
    data: TaskData,
    config: TrainConfig,
    dev: torch.device,
    augmentation: Augmentation | None,
    evaluate: bool | Literal["auto"] | Callable[[nn.Module, TaskData], float],
) -> _Run:
    """The model on its torch device, its optimizer, schedule and seeded generator, before any epoch."""
    model.to(dev)
    if config.augment and augmentation is None:
        augmentation = default_augmentation(data.name)
    optimizer = make_optimizer(model, config)
    return _Run(
        model=model,
        data=data,
        config=config,
        optimizer=optimizer,
        scheduler=make_scheduler(optimizer, config),
        generator=torch.Generator().manual_seed(config.seed),
        torch_device=dev,
        cuda_devices=[dev.index if dev.index is not None else torch.cuda.current_device()]
        if dev.type == "cuda"
        else [],
        augmentation=augmentation if config.augment else None,
        evaluate=evaluate,
        signature=_data_signature(data),
        described=data.describe(),
    )


def train(
    model: nn.Module,
    data: TaskData,
    config: TrainConfig | None = None,
    checkpoint_dir: Path | None = None,
    torch_device: str | torch.device = "auto",
    progress: bool = True,
    *,
    resume: bool = False,
    augmentation: Augmentation | None = None,
    callback: Callable[[EpochRecord], None] | None = None,
    evaluate: bool | Literal["auto"] | Callable[[nn.Module, TaskData], float] = "auto",
    device: str | torch.device | None = None,
    label: str | None = None,
) -> TrainResult:
    """Train ``model`` on ``data`` in place and return the per-epoch history.

    Args:
        model: any ``nn.Module`` returning ``(B, C)`` or ``(R, B, C)`` logits (digital or analog/HWAT).
        data: the task's tensors; moved to ``torch_device`` once, batches are sliced from them.
        config: the recipe; ``None`` means ``TrainConfig()``.
        checkpoint_dir: where ``last.pt`` and ``history.json`` are written after every epoch (atomically);
            ``None`` disables checkpointing.
        torch_device: ``"auto"`` (CUDA if available), ``"cpu"``, ``"cuda:0"``, …; the model is moved there.
        progress: show a rich progress bar and one line per epoch; ``False`` is silent.
        resume: continue from ``checkpoint_dir/last.pt`` when it exists (same config and data required);
            without one the run starts fresh. A finished run resumed just reloads its final weights.
        augmentation: training-time transform ``(x, generator) -> x``; by default, when ``config.augment``
            is set, the task's own (:func:`memtwin.tasks.augment.default_augmentation`).
        callback: called with each epoch's record after its checkpoint is written.
        evaluate: how each epoch's ``test_accuracy`` is measured. ``True``: eval mode over the test set
            (mean over repetitions for ``(R, B, C)`` outputs); ``False``: not measured (NaN); a callable
            ``(model, data) -> accuracy``: your own measure; ``"auto"`` (default): like ``True``, but a
            model that refuses eval mode with a :class:`~memtwin.errors.MemtwinError` (an analog model
            that is not programmed yet, during HWAT) gets a warning and NaN instead of ending the run.
        device: deprecated name of ``torch_device``.
        label: what the progress bar calls this training (default ``train <task>``).
    """
    config = config or TrainConfig()
    dev = resolve_torch_device(deprecated_device_keyword(torch_device, device, "auto", "train"))
    run = _start(model, data, config, dev, augmentation, evaluate)
    ckpt_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    t_start = time.perf_counter()
    with torch.random.fork_rng(devices=run.cuda_devices):
        torch.manual_seed(config.seed)
        last = latest_checkpoint(ckpt_dir) if (resume and ckpt_dir is not None) else None
        start_epoch = _restore(run, last) if last is not None else 0
        run.data = data.to(dev)
        # A finished run resumed just reloads its weights: no bar for work that is already done.
        show = progress and start_epoch < config.epochs
        with _Progress(show, config.epochs, label or f"train {data.name}") as bar:
            if start_epoch:
                bar.note(f"resumed after epoch {start_epoch} from {last}")
            _epochs(run, start_epoch, ckpt_dir, bar, callback)
    return TrainResult(
        history=run.history,
        config=config,
        torch_device=str(dev),
        checkpoint=(ckpt_dir / CHECKPOINT_NAME) if ckpt_dir is not None and run.history else None,
        resumed_from_epoch=start_epoch,
        seconds=time.perf_counter() - t_start,
        extra={"data": data.describe()},
    )
