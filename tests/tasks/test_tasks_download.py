"""Download helpers, exercised offline through file:// URLs (the tests never touch the network)."""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from memtwin.errors import DataError
from memtwin.tasks.datasets import load_cifar10, load_mnist
from memtwin.tasks.download import download_cifar10, download_mnist, fetch_file, md5sum
from memtwin.tasks.idx import write_idx


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_fetch_checks_md5_and_leaves_nothing_on_mismatch(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello memristors")
    dest = tmp_path / "out" / "file.bin"
    with pytest.raises(DataError, match="md5"):
        fetch_file([src.as_uri()], dest, "0" * 32)
    assert not dest.exists() and list(dest.parent.iterdir()) == []
    missing = (tmp_path / "missing.bin").as_uri()
    assert fetch_file([missing, src.as_uri()], dest, _md5(src.read_bytes())) == dest  # second mirror works
    assert md5sum(dest) == _md5(b"hello memristors")


def test_download_mnist_from_a_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    arrays = {
        "train-images-idx3-ubyte.gz": np.zeros((3, 28, 28), np.uint8),
        "train-labels-idx1-ubyte.gz": np.array([0, 1, 2], np.uint8),
        "t10k-images-idx3-ubyte.gz": np.zeros((2, 28, 28), np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.array([3, 4], np.uint8),
    }
    md5s = {}
    for name, arr in arrays.items():
        write_idx(mirror / name, arr)
        md5s[name] = md5sum(mirror / name)
    monkeypatch.setattr("memtwin.tasks.download.MNIST_MD5", md5s)
    root = tmp_path / "data"
    assert download_mnist(root, mirrors=[mirror.as_uri() + "/"]) == root / "mnist"
    assert load_mnist(root).test_y.tolist() == [3, 4]


def _tarball(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_download_cifar10_unpacks_checked_tarball(tmp_path: Path) -> None:
    batch = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 2]}, protocol=2)
    names = [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]
    blob = _tarball({f"cifar-10-batches-py/{n}": batch for n in names})
    src = tmp_path / "cifar.tar.gz"
    src.write_bytes(blob)
    root = tmp_path / "data"
    download_cifar10(root, url=src.as_uri(), md5=_md5(blob))
    assert load_cifar10(root).train_y.tolist() == [1, 2] * 5


def test_tarball_escaping_the_target_is_refused(tmp_path: Path) -> None:
    blob = _tarball({"../evil.txt": b"x"})
    src = tmp_path / "evil.tar.gz"
    src.write_bytes(blob)
    root = tmp_path / "data"
    with pytest.raises(DataError, match="suspicious"):
        download_cifar10(root, url=src.as_uri(), md5=_md5(blob))
    assert not (tmp_path / "evil.txt").exists()
