"""Optional download of MNIST and CIFAR-10 from their official sources, with md5 checks.

Only ever called when the user passes ``download=True``; the tests exercise it with ``file://`` URLs.
Every file is fetched to a temporary name, its md5 compared with the published one, and only then renamed
into place, so an interrupted or tampered download never looks like data.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from memtwin.errors import DataError

__all__ = [
    "CIFAR10_MD5",
    "CIFAR10_URL",
    "MNIST_MD5",
    "MNIST_MIRRORS",
    "download_cifar10",
    "download_mnist",
    "fetch_file",
    "md5sum",
]

#: Mirrors tried in order (the first is the one torchvision uses; LeCun's site is often rate-limited).
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
#: Published md5 of each gzipped MNIST file.
MNIST_MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"


def md5sum(path: Path, chunk: int = 1 << 20) -> str:
    """Hex md5 of a file, read in chunks."""
    h = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def fetch_file(urls: Sequence[str], dest: Path, md5: str, *, timeout: float = 60.0) -> Path:
    """Download the first of ``urls`` that answers and matches ``md5`` to ``dest``.

    An existing ``dest`` with the right md5 is kept. Raises :class:`DataError` listing every attempt.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_file() and md5sum(dest) == md5:
        return dest
    errors: list[str] = []
    for url in urls:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                shutil.copyfileobj(resp, out)
            got = md5sum(tmp)
            if got != md5:
                errors.append(f"{url}: md5 {got} does not match the published {md5}")
                continue
            os.replace(tmp, dest)
            return dest
        except (urllib.error.URLError, OSError, ValueError) as exc:
            errors.append(f"{url}: {exc}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DataError(f"could not download {dest.name}: " + "; ".join(errors))


def download_mnist(root: Path, mirrors: Sequence[str] = MNIST_MIRRORS) -> Path:
    """Fetch the four MNIST files into ``root/mnist/`` and return that folder."""
    folder = root / "mnist"
    for name, md5 in MNIST_MD5.items():
        fetch_file([m + name for m in mirrors], folder / name, md5)
    return folder


def _safe_extract(archive: Path, target: Path) -> None:
    """Extract a tarball, refusing members that would land outside ``target`` or are links/devices."""
    root = target.resolve()
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        for m in members:
            dest = (root / m.name).resolve()
            if not (m.isfile() or m.isdir()) or (dest != root and root not in dest.parents):
                raise DataError(f"{archive}: refusing to extract suspicious member {m.name!r}")
        tar.extractall(root, members=members, filter="data")


def download_cifar10(root: Path, url: str = CIFAR10_URL, md5: str = CIFAR10_MD5) -> Path:
    """Fetch the official CIFAR-10 python tarball, check its md5, unpack it into ``root/cifar-10-batches-py``."""
    archive = fetch_file([url], root / "cifar-10-python.tar.gz", md5)
    _safe_extract(archive, root)
    folder = root / "cifar-10-batches-py"
    if not folder.is_dir():
        raise DataError(f"{archive}: did not contain cifar-10-batches-py/")
    return folder
