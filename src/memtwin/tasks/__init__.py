"""Datasets, the paper's networks and batched augmentation.

Extension points: add a dataset loader to :data:`memtwin.tasks.datasets.TASKS`, a network factory to
:data:`memtwin.tasks.networks.NETWORKS` and (optionally) a training recipe in
:mod:`memtwin.training.config`; the name then works everywhere a task name is accepted.
"""

from memtwin.tasks.augment import (
    CIFAR10_NORMALIZATION,
    MNIST_NORMALIZATION,
    Augmentation,
    Compose,
    Normalization,
    cifar10_augmentation,
    default_augmentation,
)
from memtwin.tasks.datasets import (
    DEFAULT_DATA_DIR,
    ENV_DATA_DIR,
    TaskData,
    load_cifar10,
    load_digits,
    load_mnist,
    load_task,
    resolve_data_dir,
    stratified_indices,
    subset_task,
    task_names,
)
from memtwin.tasks.idx import read_idx, write_idx
from memtwin.tasks.networks import (
    ResidualBlock,
    build_network,
    cifar_resnet,
    count_devices,
    count_weights,
    mlp,
    network_summary,
)

__all__ = [
    "CIFAR10_NORMALIZATION",
    "DEFAULT_DATA_DIR",
    "ENV_DATA_DIR",
    "MNIST_NORMALIZATION",
    "Augmentation",
    "Compose",
    "Normalization",
    "ResidualBlock",
    "TaskData",
    "build_network",
    "cifar10_augmentation",
    "cifar_resnet",
    "count_devices",
    "count_weights",
    "default_augmentation",
    "load_cifar10",
    "load_digits",
    "load_mnist",
    "load_task",
    "mlp",
    "network_summary",
    "read_idx",
    "resolve_data_dir",
    "stratified_indices",
    "subset_task",
    "task_names",
    "write_idx",
]
