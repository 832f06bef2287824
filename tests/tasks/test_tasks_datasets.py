"""Dataset loading: directory resolution, MNIST/CIFAR layouts on tiny files, digits split, subsets, errors."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from memtwin.errors import DataError
from memtwin.tasks.augment import CIFAR10_NORMALIZATION, MNIST_NORMALIZATION
from memtwin.tasks.datasets import (
    DEFAULT_DATA_DIR,
    ENV_DATA_DIR,
    load_cifar10,
    load_digits,
    load_mnist,
    load_task,
    resolve_data_dir,
    stratified_indices,
    subset_task,
)
from memtwin.tasks.idx import write_idx

REPO = Path(__file__).resolve().parents[2]
MNIST_TRAIN_HIST = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_HIST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ---------------------------------------------------------------------------------------------- helpers


def _write_mnist(
    folder: Path, n_train: int = 20, n_test: int = 10, gz: bool = True
) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    tr_x = rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8)
    te_x = rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8)
    tr_y = (np.arange(n_train) % 10).astype(np.uint8)
    te_y = (np.arange(n_test) % 10).astype(np.uint8)
    ext = ".gz" if gz else ""
    write_idx(folder / f"train-images-idx3-ubyte{ext}", tr_x)
    write_idx(folder / f"train-labels-idx1-ubyte{ext}", tr_y)
    write_idx(folder / f"t10k-images-idx3-ubyte{ext}", te_x)
    write_idx(folder / f"t10k-labels-idx1-ubyte{ext}", te_y)
    return tr_x, tr_y, te_x, te_y


def _cifar_batch(n: int, start_label: int, str_keys: bool = False) -> dict:
    rng = np.random.default_rng(start_label)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [(start_label + i) % 10 for i in range(n)]
    if str_keys:
        return {"data": data, "labels": labels}
    return {b"batch_label": b"test", b"data": data, b"labels": labels}


def _write_cifar(folder: Path, n: int = 4, str_keys: bool = False, protocol: int = 2) -> dict[str, dict]:
    folder.mkdir(parents=True, exist_ok=True)
    batches = {}
    for i, name in enumerate([*(f"data_batch_{k}" for k in range(1, 6)), "test_batch"]):
        batch = _cifar_batch(n, i, str_keys)
        with (folder / name).open("wb") as f:
            pickle.dump(batch, f, protocol=protocol)
        batches[name] = batch
    return batches


# ------------------------------------------------------------------------------------ data dir resolution


def test_data_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_DATA_DIR, raising=False)
    assert resolve_data_dir() == DEFAULT_DATA_DIR.expanduser()
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"


def test_env_dir_is_used_by_loaders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_mnist(tmp_path / "mnist")
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path))
    assert load_mnist().n_train == 20


# ------------------------------------------------------------------------------------------------ MNIST


@pytest.mark.parametrize("sub", [".", "mnist", "MNIST/raw"])
@pytest.mark.parametrize("gz", [True, False])
def test_mnist_layouts(tmp_path: Path, sub: str, gz: bool) -> None:
    tr_x, tr_y, te_x, te_y = _write_mnist(tmp_path / sub, gz=gz)
    data = load_mnist(tmp_path)
    assert data.name == "mnist" and data.num_classes == 10 and data.input_shape == (1, 28, 28)
    assert data.train_x.shape == (20, 1, 28, 28) and data.train_x.dtype == torch.float32
    assert data.test_x.shape == (10, 1, 28, 28)
    assert data.train_y.dtype == torch.int64
    assert data.train_y.tolist() == tr_y.tolist() and data.test_y.tolist() == te_y.tolist()
    # Normalization: (v / 255 - 0.1307) / 0.3081, pixel for pixel.
    expected = (torch.from_numpy(te_x).float() / 255 - 0.1307) / 0.3081
    torch.testing.assert_close(data.test_x[:, 0], expected)
    assert data.normalization == MNIST_NORMALIZATION


def test_mnist_incomplete_folder_says_what_is_missing(tmp_path: Path) -> None:
    _write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)


def test_mnist_label_count_mismatch(tmp_path: Path) -> None:
    _write_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(19, dtype=np.uint8))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz"):
        load_mnist(tmp_path)


def test_mnist_corrupt_file_is_named(tmp_path: Path) -> None:
    _write_mnist(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz"):
        load_mnist(tmp_path)


@pytest.mark.parametrize("loader", [load_mnist, load_cifar10])
def test_missing_dataset_says_where_and_how(tmp_path: Path, loader) -> None:
    with pytest.raises(DataError) as info:
        loader(tmp_path / "nowhere")
    msg = str(info.value)
    assert str(tmp_path / "nowhere") in msg
    assert "download=True" in msg and ENV_DATA_DIR in msg


def _real_mnist_dir() -> Path | None:
    candidates = [
        os.environ.get("MEMTWIN_TEST_MNIST_DIR"),
        REPO.parent / "shared" / "data",
        REPO / "shared" / "data",
    ]
    for c in candidates:
        if c and (Path(c) / "mnist" / "train-labels-idx1-ubyte.gz").is_file():
            return Path(c)
    return None


def test_real_mnist_label_histograms() -> None:
    root = _real_mnist_dir()
    if root is None:
        pytest.skip(
            "real MNIST not found (../shared/data/mnist or $MEMTWIN_TEST_MNIST_DIR); nothing to check"
        )
    data = load_mnist(root)
    assert data.n_train == 60000 and data.n_test == 10000
    assert data.class_counts("train") == MNIST_TRAIN_HIST
    assert data.class_counts("test") == MNIST_TEST_HIST
    # The standard statistics really are MNIST's: normalized training pixels have mean ~0, std ~1.
    assert abs(float(data.train_x.mean())) < 1e-3
    assert abs(float(data.train_x.std()) - 1.0) < 1e-3


# --------------------------------------------------------------------------------------------- CIFAR-10


@pytest.mark.parametrize(
    ("inside", "str_keys", "protocol"),
    [(True, False, 2), (False, False, 2), (True, True, 4), (True, False, 5)],
)
def test_cifar_tiny_pickles(tmp_path: Path, inside: bool, str_keys: bool, protocol: int) -> None:
    folder = tmp_path / "cifar-10-batches-py" if inside else tmp_path
    batches = _write_cifar(folder, n=4, str_keys=str_keys, protocol=protocol)
    data = load_cifar10(tmp_path)
    assert data.train_x.shape == (20, 3, 32, 32) and data.test_x.shape == (4, 3, 32, 32)
    assert data.input_shape == (3, 32, 32)
    key = "labels" if str_keys else b"labels"
    expected = sum((batches[f"data_batch_{k}"][key] for k in range(1, 6)), [])
    assert data.train_y.tolist() == expected
    assert data.test_y.tolist() == batches["test_batch"][key]
    # Row layout: 1024 red, 1024 green, 1024 blue, each 32x32 row-major.
    raw = batches["test_batch"]["data" if str_keys else b"data"][1]
    back = CIFAR10_NORMALIZATION.invert(data.test_x[1:2])[0] * 255
    np.testing.assert_allclose(back[0, 0, 1].item(), raw[1], atol=1e-3)  # red, row 0, column 1
    np.testing.assert_allclose(back[1, 2, 0].item(), raw[1024 + 2 * 32], atol=1e-3)  # green, row 2, col 0
    np.testing.assert_allclose(back[2, 31, 31].item(), raw[3071], atol=1e-3)  # blue, last pixel


def test_cifar_channel_order_is_rgb(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(folder, n=2)
    red = np.zeros((1, 3072), np.uint8)
    red[0, :1024] = 255
    with (folder / "test_batch").open("wb") as f:
        pickle.dump({b"data": red, b"labels": [3]}, f, protocol=2)
    data = load_cifar10(tmp_path)
    means = data.test_x[0].mean(dim=(1, 2))
    assert means[0] > 0 > means[1] and means[2] < 0
    assert data.test_y.tolist() == [3]


def test_cifar_rejects_wrong_shape_and_code(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(folder, n=2)
    with (folder / "data_batch_3").open("wb") as f:
        pickle.dump({b"data": np.zeros((2, 3000), np.uint8), b"labels": [0, 1]}, f)
    with pytest.raises(DataError, match="data_batch_3"):
        load_cifar10(tmp_path)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with (folder / "data_batch_3").open("wb") as f:
        pickle.dump({b"data": Evil(), b"labels": [0]}, f)
    with pytest.raises(DataError, match="not allowed"):
        load_cifar10(tmp_path)


def test_cifar_incomplete(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(folder, n=2)
    (folder / "data_batch_5").unlink()
    with pytest.raises(DataError, match="data_batch_5"):
        load_cifar10(tmp_path)


# ----------------------------------------------------------------------------------------------- digits


def test_digits_split_is_deterministic_and_stratified() -> None:
    a, b = load_digits(seed=3), load_digits(seed=3)
    assert torch.equal(a.test_x, b.test_x) and torch.equal(a.train_y, b.train_y)
    assert a.n_train + a.n_test == 1797 and a.n_test == round(0.25 * 1797)
    assert a.input_shape == (1, 8, 8)
    total = np.array(a.class_counts("train")) + np.array(a.class_counts("test"))
    share = total * a.n_test / 1797
    assert np.all(np.abs(np.array(a.class_counts("test")) - share) < 1.0)
    c = load_digits(seed=4)
    assert not torch.equal(a.test_y, c.test_y) or not torch.equal(a.test_x, c.test_x)
    # Normalized with the training split's own statistics.
    assert abs(float(a.train_x.mean())) < 1e-5 and abs(float(a.train_x.std(unbiased=False)) - 1) < 1e-5


def test_digits_train_and_test_are_disjoint() -> None:
    d = load_digits()
    flat_train = {tuple(r) for r in d.train_x.flatten(1).tolist()}
    overlap = sum(tuple(r) in flat_train for r in d.test_x.flatten(1).tolist())
    assert overlap <= 5  # the digits set itself holds a few exact duplicate images


# ---------------------------------------------------------------------------------------------- subsets


def test_stratified_indices_largest_remainder() -> None:
    labels = torch.tensor([0] * 50 + [1] * 30 + [2] * 20)
    idx = stratified_indices(labels, 15, torch.Generator().manual_seed(0))
    # shares 7.5 / 4.5 / 3.0 -> floors 7/4/3, one left for the larger remainder (class 0 wins the tie).
    assert torch.bincount(labels[idx]).tolist() == [8, 4, 3]
    assert torch.equal(idx, torch.sort(idx).values) and idx.unique().numel() == 15
    again = stratified_indices(labels, 15, torch.Generator().manual_seed(0))
    assert torch.equal(idx, again)
    assert stratified_indices(labels, 500, torch.Generator()).numel() == 100


def test_subset_modes(tmp_path: Path) -> None:
    d = load_digits()
    first = subset_task(d, 100, 50, mode="first")
    assert torch.equal(first.train_x, d.train_x[:100]) and first.n_test == 50
    strat = subset_task(d, 100, None, mode="stratified", seed=1)
    assert strat.n_test == d.n_test
    counts = strat.class_counts()
    assert sum(counts) == 100 and min(counts) >= 9
    with pytest.raises(ValueError, match="mode"):
        subset_task(d, 10, mode="random")  # type: ignore[arg-type]


def test_load_task_by_name_with_subset(tmp_path: Path) -> None:
    _write_mnist(tmp_path / "MNIST" / "raw", n_train=40, n_test=20)
    d = load_task("MNIST", tmp_path, subset=10, test_subset=5)
    assert (d.n_train, d.n_test) == (10, 5)
    assert d.class_counts() == [1] * 10
    assert load_task("digits", subset=30).n_train == 30
    with pytest.raises(DataError, match="unknown task"):
        load_task("imagenet")
