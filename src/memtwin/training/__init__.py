"""Digital and hardware-aware training, checkpoints and accuracy evaluation.

``train`` accepts any ``nn.Module``: hardware-aware training is ``train(analog_model, data,
default_hwat_config(task))`` after loading the digital weights with ``load_model_weights``.
"""

from memtwin.training.checkpoint import (
    CHECKPOINT_NAME,
    latest_checkpoint,
    load_checkpoint,
    load_model_weights,
    save_checkpoint,
)
from memtwin.training.config import TrainConfig, default_hwat_config, default_train_config
from memtwin.training.loop import (
    EpochRecord,
    TrainResult,
    make_optimizer,
    make_scheduler,
    train,
)
from memtwin.training.metrics import evaluate_accuracies, evaluate_accuracy, model_device, model_torch_device
from memtwin.training.torch_device import resolve_device, resolve_torch_device

__all__ = [
    "CHECKPOINT_NAME",
    "EpochRecord",
    "TrainConfig",
    "TrainResult",
    "default_hwat_config",
    "default_train_config",
    "evaluate_accuracies",
    "evaluate_accuracy",
    "latest_checkpoint",
    "load_checkpoint",
    "load_model_weights",
    "make_optimizer",
    "make_scheduler",
    "model_device",
    "model_torch_device",
    "resolve_device",
    "resolve_torch_device",
    "save_checkpoint",
    "train",
]
