"""Training loop: accuracy on digits, exact resume after a kill, checkpoints, stacked (R, B, C) models."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from memtwin.errors import ConfigError, MemtwinError, MemtwinWarning
from memtwin.tasks.augment import Compose, RandomAffine, RandomHorizontalFlip
from memtwin.tasks.datasets import TaskData, load_digits, subset_task
from memtwin.tasks.networks import build_network, cifar_resnet
from memtwin.training import (
    CHECKPOINT_NAME,
    EpochRecord,
    TrainConfig,
    default_train_config,
    evaluate_accuracies,
    evaluate_accuracy,
    load_checkpoint,
    load_model_weights,
    train,
)


@pytest.fixture(scope="module")
def digits() -> TaskData:
    return load_digits()


def _tiny_resnet(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return cifar_resnet(channels=(4, 8), fc=(8 * 2 * 2, 16), in_channels=1, image_size=8)


def test_digits_reaches_90_percent_in_seconds(digits: TaskData) -> None:
    model = build_network("digits", seed=0)
    t0 = time.perf_counter()
    result = train(model, digits, default_train_config("digits"), progress=False)
    elapsed = time.perf_counter() - t0
    assert result.test_accuracy > 0.90
    assert elapsed < 60  # ~0.5 s on an idle core; generous for a loaded CI machine
    assert len(result.history) == 30 and result.checkpoint is None
    first, last = result.history[0], result.history[-1]
    assert last.train_loss < first.train_loss
    assert 0 <= last.train_accuracy <= 1 and last.seconds >= last.train_seconds > 0
    assert evaluate_accuracy(model, digits.test_x, digits.test_y) == pytest.approx(result.test_accuracy)


class _Killed(Exception):
    pass


def test_killed_run_resumes_to_identical_weights(digits: TaskData, tmp_path: Path) -> None:
    data = subset_task(digits, 300, 100, seed=0)
    cfg = TrainConfig(epochs=4, batch_size=32, lr=0.05, schedule="cosine", augment=True, seed=11)
    aug = Compose((RandomHorizontalFlip(0.5), RandomAffine(degrees=10, zoom=(1.0, 1.1), translate=0.1)))

    reference = _tiny_resnet()
    full = train(
        reference, data, cfg, tmp_path / "full", torch_device="cpu", progress=False, augmentation=aug
    )

    def kill_after_two(rec: EpochRecord) -> None:
        if rec.epoch == 2:
            raise _Killed

    interrupted = _tiny_resnet()
    with pytest.raises(_Killed):
        train(
            interrupted, data, cfg, tmp_path / "run", "cpu", False, augmentation=aug, callback=kill_after_two
        )
    assert load_checkpoint(tmp_path / "run" / CHECKPOINT_NAME)["epoch"] == 2

    torch.manual_seed(999)  # a different global RNG state must not matter
    resumed_model = _tiny_resnet(seed=5)  # different initial weights: the checkpoint replaces them
    resumed = train(resumed_model, data, cfg, tmp_path / "run", "cpu", False, resume=True, augmentation=aug)
    assert resumed.resumed_from_epoch == 2
    ref_state, new_state = reference.state_dict(), resumed_model.state_dict()
    assert ref_state.keys() == new_state.keys()
    for k in ref_state:
        assert torch.equal(ref_state[k], new_state[k]), k  # bit-identical, BN running stats included
    strip = [(r.epoch, r.train_loss, r.train_accuracy, r.test_accuracy, r.lr) for r in full.history]
    assert strip == [
        (r.epoch, r.train_loss, r.train_accuracy, r.test_accuracy, r.lr) for r in resumed.history
    ]

    # Resuming a finished run trains nothing and keeps the final weights.
    again_model = _tiny_resnet(seed=7)
    again = train(again_model, data, cfg, tmp_path / "run", "cpu", False, resume=True, augmentation=aug)
    assert again.resumed_from_epoch == 4 and len(again.history) == 4
    assert all(
        torch.equal(a, b) for a, b in zip(again_model.state_dict().values(), ref_state.values(), strict=True)
    )


def test_resume_refuses_a_changed_config(digits: TaskData, tmp_path: Path) -> None:
    data = subset_task(digits, 100, 50)
    cfg = TrainConfig(epochs=1, batch_size=50)
    train(build_network("digits", seed=0), data, cfg, tmp_path, "cpu", False)
    with pytest.raises(ConfigError, match="lr"):
        train(build_network("digits", seed=0), data, cfg.replace(lr=0.2), tmp_path, "cpu", False, resume=True)
    other = subset_task(digits, 90, 50)
    with pytest.raises(ConfigError, match="trained on"):
        train(build_network("digits", seed=0), other, cfg, tmp_path, "cpu", False, resume=True)


def test_checkpoint_files_are_complete_and_atomic(digits: TaskData, tmp_path: Path) -> None:
    data = subset_task(digits, 200, 50)
    cfg = TrainConfig(
        epochs=2, batch_size=64, optimizer="adam", lr=1e-3, schedule="step", step_size=1, gamma=0.5
    )
    model = build_network("digits", seed=0)
    result = train(model, data, cfg, tmp_path, "cpu", False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.json", "last.pt"]  # no temporary leftovers
    state = load_checkpoint(tmp_path / "last.pt")
    assert {"model", "optimizer", "scheduler", "generator", "torch_rng", "history", "config", "epoch"} <= set(
        state
    )
    assert state["config"] == cfg.to_dict()
    hist = json.loads((tmp_path / "history.json").read_text())
    assert [h["epoch"] for h in hist["history"]] == [1, 2]
    assert [r.lr for r in result.history] == [1e-3, 5e-4]
    fresh = load_model_weights(build_network("digits", seed=1), tmp_path / "last.pt")
    assert all(
        torch.equal(a, b)
        for a, b in zip(fresh.state_dict().values(), model.state_dict().values(), strict=True)
    )


def test_training_leaves_global_rng_alone(digits: TaskData) -> None:
    data = subset_task(digits, 100, 50)
    torch.manual_seed(1)
    before = torch.get_rng_state()
    train(build_network("digits", seed=0), data, TrainConfig(epochs=1), torch_device="cpu", progress=False)
    assert torch.equal(before, torch.get_rng_state())


class _Stacked(nn.Module):
    """Mimics an analog model programmed R times: returns (R, B, C), noisy in train mode."""

    def __init__(self, base: nn.Module, reps: int) -> None:
        super().__init__()
        self.base, self.reps = base, reps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x)
        noise = (
            0.01 * torch.randn(self.reps, *out.shape) if self.training else torch.zeros(self.reps, *out.shape)
        )
        if not self.training:
            noise[1] += 1e3 * torch.nn.functional.one_hot(
                torch.zeros(out.shape[0], dtype=torch.long), out.shape[1]
            )
        return out.unsqueeze(0) + noise


def test_stacked_outputs_give_per_repetition_accuracy(digits: TaskData) -> None:
    data = subset_task(digits, 300, 100)
    model = _Stacked(build_network("digits", seed=0), reps=3)
    result = train(model, data, TrainConfig(epochs=5, batch_size=32), torch_device="cpu", progress=False)
    acc = evaluate_accuracy(model, data.test_x, data.test_y, batch_size=33)
    assert isinstance(acc, torch.Tensor) and acc.shape == (3,)
    assert acc[1] == pytest.approx(float((data.test_y == 0).float().mean()))  # repetition 1 always says "0"
    assert acc[0] == acc[2] and acc[0] > 0.8
    assert result.test_accuracy == pytest.approx(float(acc.mean()))
    plain = evaluate_accuracy(model.base, data.test_x, data.test_y)
    assert isinstance(plain, float) and plain == pytest.approx(float(acc[0]))
    assert evaluate_accuracies(model.base, data.test_x, data.test_y).shape == (1,)


class _NeedsProgramming(nn.Module):
    """Mimics an unprogrammed analog model: trainable, but eval mode is refused with a MemtwinError."""

    def __init__(self) -> None:
        super().__init__()
        self.base = build_network("digits", seed=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            raise MemtwinError("not programmed")
        return self.base(x)


def test_per_epoch_evaluation_modes(digits: TaskData) -> None:
    data = subset_task(digits, 100, 50)
    cfg = TrainConfig(epochs=2, batch_size=50)
    with pytest.warns(MemtwinWarning, match="not programmed"):
        auto = train(_NeedsProgramming(), data, cfg, torch_device="cpu", progress=False)
    assert all(math.isnan(r.test_accuracy) for r in auto.history)
    with pytest.raises(MemtwinError):
        train(_NeedsProgramming(), data, cfg, torch_device="cpu", progress=False, evaluate=True)
    off = train(build_network("digits"), data, cfg, torch_device="cpu", progress=False, evaluate=False)
    assert math.isnan(off.test_accuracy)
    own = train(
        build_network("digits"), data, cfg, torch_device="cpu", progress=False, evaluate=lambda m, d: 0.25
    )
    assert [r.test_accuracy for r in own.history] == [0.25, 0.25]


def test_evaluate_restores_mode_and_validates(digits: TaskData) -> None:
    model = build_network("digits").train()
    evaluate_accuracy(model, digits.test_x[:10], digits.test_y[:10])
    assert model.training
    with pytest.raises(ValueError, match="empty"):
        evaluate_accuracy(model, digits.test_x[:0], digits.test_y[:0])


def test_progress_bar_runs_and_prints_no_line_per_epoch(
    digits: TaskData, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = subset_task(digits, 100, 50)
    args = (build_network("digits", seed=0), data, TrainConfig(epochs=3, batch_size=50))
    train(*args, torch_device="cpu", progress=True, checkpoint_dir=tmp_path)
    out = capsys.readouterr().out
    assert "train digits" in out and "3/3" in out  # one bar for the stage
    assert "epoch   1:" not in out and "epoch   2:" not in out  # not one line per epoch
    train(*args, torch_device="cpu", progress=True, checkpoint_dir=tmp_path, resume=True)
    assert "train digits" not in capsys.readouterr().out  # finished: no bar for work already done


def test_config_validation_and_round_trip() -> None:
    cfg = default_train_config("mnist")
    assert cfg.epochs == 30
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="optimizer"):
        TrainConfig(optimizer="rmsprop")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="unknown training option"):
        TrainConfig.from_dict({"epochs": 3, "learning_rate": 0.1})
    with pytest.raises(ConfigError):
        default_train_config("imagenet")


def test_the_old_device_keyword_still_works_with_a_warning(digits: TaskData) -> None:
    # "device" means a DeviceModel in memtwin; the torch device is "torch_device" (device= for one release).
    data = subset_task(digits, 100, 50)
    cfg = TrainConfig(epochs=1)
    new = train(build_network("digits", seed=0), data, cfg, torch_device="cpu", progress=False)
    with pytest.warns(DeprecationWarning, match="torch_device"):
        old = train(build_network("digits", seed=0), data, cfg, device="cpu", progress=False)
    assert [r.train_loss for r in old.history] == [r.train_loss for r in new.history]
    assert new.torch_device == "cpu"
    with pytest.warns(DeprecationWarning, match="torch_device"):
        assert old.device == "cpu"
    with pytest.raises(TypeError, match="torch_device"):
        train(build_network("digits"), data, cfg, torch_device="cpu", device="cpu", progress=False)
    model = build_network("digits", seed=0)
    with pytest.warns(DeprecationWarning, match="torch_device"):
        by_old = evaluate_accuracies(model, data.test_x, data.test_y, device=torch.device("cpu"))
    assert torch.equal(
        by_old, evaluate_accuracies(model, data.test_x, data.test_y, torch_device=torch.device("cpu"))
    )
