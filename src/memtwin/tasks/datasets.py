"""The paper's datasets (MNIST, CIFAR-10) and scikit-learn's 8×8 digits, as in-memory tensors.

Why tensors and not a ``Dataset``/``DataLoader``: the whole of MNIST is 47 MB as uint8 (188 MB as float32)
and CIFAR-10 0.6 GB as float32, so keeping everything in one tensor and batching by slicing a seeded index
permutation is an order of magnitude faster on a CPU than per-sample Python objects and worker processes,
and it makes a training run's random stream exactly reproducible.

Where the files are looked for (first hit wins):

1. the ``data_dir`` argument (``--data-dir`` on the command line),
2. the environment variable ``MEMTWIN_DATA_DIR``,
3. ``~/.cache/memtwin/data`` (:data:`DEFAULT_DATA_DIR`).

Inside that directory:

* **MNIST** – the four original IDX files, gzipped or not (``train-images-idx3-ubyte[.gz]``,
  ``train-labels-idx1-ubyte[.gz]``, ``t10k-images-idx3-ubyte[.gz]``, ``t10k-labels-idx1-ubyte[.gz]``) in
  ``DIR/``, ``DIR/mnist/``, ``DIR/MNIST/raw/`` (torchvision's layout) or ``DIR/MNIST/``.
* **CIFAR-10** – the "python version" batches (``data_batch_1`` … ``data_batch_5``, ``test_batch``) in
  ``DIR/cifar-10-batches-py/`` or ``DIR/`` itself.
* **digits** – nothing: scikit-learn ships it, which makes it the offline default for quick runs and CI.

Nothing is ever downloaded unless ``download=True`` is passed (see :mod:`memtwin.tasks.download`).
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from memtwin.errors import DataError
from memtwin.tasks.augment import CIFAR10_NORMALIZATION, MNIST_NORMALIZATION, Normalization, channel_stats
from memtwin.tasks.idx import read_idx

__all__ = [
    "CIFAR10_CLASSES",
    "DEFAULT_DATA_DIR",
    "ENV_DATA_DIR",
    "MNIST_FILES",
    "TASKS",
    "TaskData",
    "find_cifar10_dir",
    "find_mnist_files",
    "load_cifar10",
    "load_digits",
    "load_mnist",
    "load_task",
    "resolve_data_dir",
    "stratified_indices",
    "subset_task",
    "task_names",
]

ENV_DATA_DIR = "MEMTWIN_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.cache/memtwin/data")

#: Role → base file name of the four MNIST IDX files (each may also end in ``.gz``).
MNIST_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_MNIST_SUBDIRS = (".", "mnist", "MNIST/raw", "MNIST")

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST = "test_batch"

SubsetMode = Literal["first", "stratified"]


# --------------------------------------------------------------------------------------------------------
# The container
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskData:
    """A classification dataset held entirely in memory.

    ``train_x``/``test_x`` are float32 ``(N, C, H, W)`` tensors already normalized with ``normalization``;
    ``train_y``/``test_y`` are int64 class indices. ``source`` says where the data came from (a folder or
    ``sklearn``) so that results can record it.
    """

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    num_classes: int
    input_shape: tuple[int, ...]
    normalization: Normalization
    source: str = ""

    def __post_init__(self) -> None:
        for split, x, y in (("train", self.train_x, self.train_y), ("test", self.test_x, self.test_y)):
            if x.shape[0] != y.shape[0]:
                raise DataError(f"{self.name} {split}: {x.shape[0]} inputs but {y.shape[0]} labels")
            if tuple(x.shape[1:]) != tuple(self.input_shape):
                raise DataError(
                    f"{self.name} {split}: inputs of shape {tuple(x.shape[1:])}, expected {self.input_shape}"
                )

    @property
    def n_train(self) -> int:
        return int(self.train_x.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.test_x.shape[0])

    def to(self, device: torch.device | str) -> TaskData:
        """The same data on ``device`` (a no-op copy-free return when already there)."""
        return replace(
            self,
            train_x=self.train_x.to(device),
            train_y=self.train_y.to(device),
            test_x=self.test_x.to(device),
            test_y=self.test_y.to(device),
        )

    def class_counts(self, split: Literal["train", "test"] = "train") -> list[int]:
        """Number of examples per class in ``split``."""
        y = self.train_y if split == "train" else self.test_y
        return [int(c) for c in torch.bincount(y.cpu(), minlength=self.num_classes)]

    def describe(self) -> dict[str, Any]:
        """Plain-data summary for a run's resolved config / results."""
        return {
            "name": self.name,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "num_classes": self.num_classes,
            "input_shape": list(self.input_shape),
            "normalization": self.normalization.to_dict(),
            "source": self.source,
        }


# --------------------------------------------------------------------------------------------------------
# Locating files
# --------------------------------------------------------------------------------------------------------


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: the argument, else ``$MEMTWIN_DATA_DIR``, else ``~/.cache/memtwin/data``."""
    if data_dir is not None and str(data_dir) != "":
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return DEFAULT_DATA_DIR.expanduser()


def _mnist_candidates(folder: Path, base: str) -> list[Path]:
    # The usual name, and the dotted variant some redistributions use (train-images.idx3-ubyte).
    dotted = base.replace("-idx", ".idx")
    return [folder / f"{n}{ext}" for n in (base, dotted) for ext in (".gz", "")]


def find_mnist_files(data_dir: Path) -> dict[str, Path] | None:
    """The four MNIST files in the first folder under ``data_dir`` that holds all of them, else ``None``.

    Raises :class:`DataError` when a folder holds only some of the four, since that is a half-finished copy
    the user should hear about rather than a silent fall-through.
    """
    for sub in _MNIST_SUBDIRS:
        folder = (data_dir / sub) if sub != "." else data_dir
        if not folder.is_dir():
            continue
        found: dict[str, Path] = {}
        for role, base in MNIST_FILES.items():
            hit = next((p for p in _mnist_candidates(folder, base) if p.is_file()), None)
            if hit is not None:
                found[role] = hit
        if len(found) == len(MNIST_FILES):
            return found
        if found:
            missing = [MNIST_FILES[r] + "[.gz]" for r in MNIST_FILES if r not in found]
            raise DataError(f"MNIST in {folder} is incomplete: missing {', '.join(missing)}")
    return None


def find_cifar10_dir(data_dir: Path) -> Path | None:
    """The folder holding the CIFAR-10 python batches (``DIR/cifar-10-batches-py`` or ``DIR``), else ``None``."""
    for folder in (data_dir / "cifar-10-batches-py", data_dir):
        if (folder / _CIFAR_TEST).is_file() or (folder / _CIFAR_TRAIN[0]).is_file():
            return folder
    return None


def _missing_message(what: str, data_dir: Path, layout: str) -> str:
    return (
        f"{what} not found in data directory {data_dir}. {layout} "
        f"Choose the directory with data_dir= (--data-dir) or the {ENV_DATA_DIR} environment variable "
        f"(default {DEFAULT_DATA_DIR}), or pass download=True to fetch the official files (needs internet)."
    )


# --------------------------------------------------------------------------------------------------------
# MNIST
# --------------------------------------------------------------------------------------------------------


def _check_mnist_pair(images: np.ndarray, labels: np.ndarray, img_path: Path, lbl_path: Path) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise DataError(
            f"{img_path}: expected uint8 images of shape (N, 28, 28), got {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DataError(f"{lbl_path}: expected a 1-D uint8 label vector, got {labels.dtype} {labels.shape}")
    if labels.shape[0] != images.shape[0]:
        raise DataError(
            f"{lbl_path}: {labels.shape[0]} labels but {img_path.name} holds {images.shape[0]} images"
        )
    if labels.size and int(labels.max()) > 9:
        raise DataError(f"{lbl_path}: label {int(labels.max())} out of range 0-9")


def load_mnist(data_dir: str | os.PathLike[str] | None = None, *, download: bool = False) -> TaskData:
    """MNIST (60 000 train / 10 000 test, 1×28×28) normalized with the usual mean 0.1307 / std 0.3081."""
    root = resolve_data_dir(data_dir)
    files = find_mnist_files(root)
    if files is None and download:
        from memtwin.tasks.download import download_mnist

        download_mnist(root)
        files = find_mnist_files(root)
    if files is None:
        names = ", ".join(f"{b}[.gz]" for b in MNIST_FILES.values())
        raise DataError(
            _missing_message(
                "MNIST",
                root,
                f"Put the four IDX files ({names}) in {root}, {root / 'mnist'} or {root / 'MNIST' / 'raw'}.",
            )
        )
    arrays = {role: read_idx(path) for role, path in files.items()}
    for split in ("train", "test"):
        _check_mnist_pair(
            arrays[f"{split}_images"],
            arrays[f"{split}_labels"],
            files[f"{split}_images"],
            files[f"{split}_labels"],
        )
    norm = MNIST_NORMALIZATION

    def images(a: np.ndarray) -> torch.Tensor:
        return norm.apply(torch.from_numpy(a).unsqueeze(1))

    return TaskData(
        name="mnist",
        train_x=images(arrays["train_images"]),
        train_y=torch.from_numpy(arrays["train_labels"]).long(),
        test_x=images(arrays["test_images"]),
        test_y=torch.from_numpy(arrays["test_labels"]).long(),
        num_classes=10,
        input_shape=(1, 28, 28),
        normalization=norm,
        source=str(files["train_images"].parent),
    )


# --------------------------------------------------------------------------------------------------------
# CIFAR-10
# --------------------------------------------------------------------------------------------------------


class _BatchUnpickler(pickle.Unpickler):
    """Unpickler that only rebuilds numpy arrays: a CIFAR batch needs nothing else, and refusing every other
    global keeps a tampered file in a shared data folder from running code."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        # Protocol 5 pickles of arrays (numpy >= 1.16).
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        # Python 3 writing protocol 2 stores a bytes object as _codecs.encode(str, "latin1").
        ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")
        return super().find_class(module, name)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 3, 32, 32)`` uint8 (RGB planes) and labels ``(N,)`` of one python-version batch."""
    try:
        raw = path.read_bytes()
        obj = _BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError) as exc:
        raise DataError(f"{path}: not a readable CIFAR-10 batch ({exc})") from exc
    if not isinstance(obj, dict):
        raise DataError(f"{path}: expected a dict with 'data' and 'labels', got {type(obj).__name__}")
    d = {(k.decode() if isinstance(k, bytes) else k): v for k, v in obj.items()}
    if "data" not in d or "labels" not in d:
        raise DataError(f"{path}: batch lacks 'data' or 'labels' (keys: {sorted(map(str, d))})")
    data = np.asarray(d["data"])
    labels = np.asarray(d["labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DataError(f"{path}: 'data' must be N×3072 uint8, got {data.dtype} {data.shape}")
    if labels.shape != (data.shape[0],):
        raise DataError(f"{path}: {labels.shape[0] if labels.ndim else 0} labels for {data.shape[0]} images")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError(f"{path}: labels out of range 0-9")
    # Each row is 1024 red, then 1024 green, then 1024 blue values, each plane row-major 32×32.
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(data_dir: str | os.PathLike[str] | None = None, *, download: bool = False) -> TaskData:
    """CIFAR-10 (50 000 train / 10 000 test, RGB 3×32×32), normalized with the standard channel statistics."""
    root = resolve_data_dir(data_dir)
    folder = find_cifar10_dir(root)
    if folder is None and download:
        from memtwin.tasks.download import download_cifar10

        download_cifar10(root)
        folder = find_cifar10_dir(root)
    if folder is None:
        raise DataError(
            _missing_message(
                "CIFAR-10",
                root,
                f"Put the python-version batches ({', '.join(_CIFAR_TRAIN)}, {_CIFAR_TEST}) in "
                f"{root / 'cifar-10-batches-py'}.",
            )
        )
    missing = [n for n in (*_CIFAR_TRAIN, _CIFAR_TEST) if not (folder / n).is_file()]
    if missing:
        raise DataError(f"CIFAR-10 in {folder} is incomplete: missing {', '.join(missing)}")
    train = [_read_cifar_batch(folder / n) for n in _CIFAR_TRAIN]
    test_images, test_labels = _read_cifar_batch(folder / _CIFAR_TEST)
    norm = CIFAR10_NORMALIZATION
    return TaskData(
        name="cifar10",
        train_x=norm.apply(torch.from_numpy(np.concatenate([t[0] for t in train]))),
        train_y=torch.from_numpy(np.concatenate([t[1] for t in train])),
        test_x=norm.apply(torch.from_numpy(test_images)),
        test_y=torch.from_numpy(test_labels),
        num_classes=10,
        input_shape=(3, 32, 32),
        normalization=norm,
        source=str(folder),
    )


# --------------------------------------------------------------------------------------------------------
# scikit-learn digits
# --------------------------------------------------------------------------------------------------------


def load_digits(*, test_fraction: float = 0.25, seed: int = 0) -> TaskData:
    """scikit-learn's bundled 8×8 digits (1797 images, 0–16 grey levels) with a seeded stratified split.

    The split takes ``round(test_fraction · 1797)`` test images with the same class proportions as the
    whole set (largest-remainder allocation, members drawn from a generator seeded with ``seed``), so it is
    identical on every machine. Normalization uses the training split's mean/std.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    images = torch.as_tensor(np.asarray(bunch.images), dtype=torch.float32).unsqueeze(1)  # (N, 1, 8, 8)
    labels = torch.as_tensor(np.asarray(bunch.target), dtype=torch.int64)
    n_test = round(test_fraction * labels.numel())
    gen = torch.Generator().manual_seed(seed)
    test_idx = stratified_indices(labels, n_test, gen)
    is_test = torch.zeros(labels.numel(), dtype=torch.bool)
    is_test[test_idx] = True
    train_raw, test_raw = images[~is_test], images[is_test]
    stats = channel_stats(train_raw, scale=16.0)
    return TaskData(
        name="digits",
        train_x=stats.apply(train_raw),
        train_y=labels[~is_test],
        test_x=stats.apply(test_raw),
        test_y=labels[is_test],
        num_classes=10,
        input_shape=(1, 8, 8),
        normalization=stats,
        source="sklearn.datasets.load_digits",
    )


# --------------------------------------------------------------------------------------------------------
# Subsets and the task registry
# --------------------------------------------------------------------------------------------------------


def stratified_indices(labels: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """Sorted indices of ``n`` examples with the class proportions of ``labels``.

    Each class gets ``n · share`` rounded by the largest-remainder rule (ties to the lower class index), so
    the per-class counts are deterministic; which members are taken is drawn from ``generator``.
    """
    labels = labels.cpu()
    total = labels.numel()
    if n >= total:
        return torch.arange(total)
    if n < 0:
        raise ValueError(f"subset size must be non-negative, got {n}")
    classes, counts = torch.unique(labels, return_counts=True)
    quota = counts.to(torch.float64) * n / total
    take = torch.floor(quota).to(torch.int64)
    short = n - int(take.sum())
    order = torch.argsort(-(quota - take), stable=True)
    take[order[:short]] += 1
    picked = []
    for cls, k in zip(classes.tolist(), take.tolist(), strict=True):
        members = torch.nonzero(labels == cls).flatten()
        picked.append(members[torch.randperm(members.numel(), generator=generator)[:k]])
    return torch.sort(torch.cat(picked)).values


def _select(
    labels: torch.Tensor, n: int | None, mode: SubsetMode, gen: torch.Generator
) -> torch.Tensor | None:
    if n is None or n >= labels.numel():
        return None
    if mode == "first":
        return torch.arange(n)
    if mode == "stratified":
        return stratified_indices(labels, n, gen)
    raise ValueError(f"subset mode must be 'first' or 'stratified', got {mode!r}")


def subset_task(
    data: TaskData,
    n_train: int | None = None,
    n_test: int | None = None,
    *,
    mode: SubsetMode = "stratified",
    seed: int = 0,
) -> TaskData:
    """A smaller copy of ``data``: the first ``n`` examples, or a seeded stratified sample of ``n``.

    ``None`` keeps a split whole. Quick runs and CI use this to train on a few thousand real images.
    """
    gen = torch.Generator().manual_seed(seed)
    tr = _select(data.train_y, n_train, mode, gen)
    te = _select(data.test_y, n_test, mode, gen)
    out = data
    if tr is not None:
        out = replace(out, train_x=out.train_x[tr].clone(), train_y=out.train_y[tr].clone())
    if te is not None:
        out = replace(out, test_x=out.test_x[te].clone(), test_y=out.test_y[te].clone())
    return out


def _canonical(name: str) -> str:
    key = name.lower().replace("-", "").replace("_", "")
    aliases = {"cifar": "cifar10", "sklearndigits": "digits"}
    return aliases.get(key, key)


#: Task name → loader(data_dir, download, seed).
TASKS: dict[str, Callable[[Path | None, bool, int], TaskData]] = {
    "mnist": lambda d, dl, s: load_mnist(d, download=dl),
    "cifar10": lambda d, dl, s: load_cifar10(d, download=dl),
    "digits": lambda d, dl, s: load_digits(seed=s),
}


def task_names() -> list[str]:
    """Names accepted by :func:`load_task`."""
    return sorted(TASKS)


def load_task(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    subset: int | None = None,
    test_subset: int | None = None,
    subset_mode: SubsetMode = "stratified",
    seed: int = 0,
    download: bool = False,
) -> TaskData:
    """Load a task by name (``mnist``, ``cifar10``, ``digits``), optionally reduced to a subset.

    ``subset``/``test_subset`` cap the train/test sizes (see :func:`subset_task`); ``seed`` drives the
    stratified sampling and the digits split.
    """
    key = _canonical(name)
    if key not in TASKS:
        raise DataError(f"unknown task {name!r}; choose one of {', '.join(task_names())}")
    root = Path(data_dir) if data_dir is not None else None
    data = TASKS[key](root, download, seed)
    return subset_task(data, subset, test_subset, mode=subset_mode, seed=seed)
