"""Reader and writer for the IDX format of the MNIST files.

IDX is tiny and fully specified, so it is parsed here rather than pulled in through a dataset library:
two zero bytes, a type code, the number of dimensions, one big-endian uint32 per dimension, then the
row-major data in big-endian byte order. Every structural check raises :class:`~memtwin.errors.DataError`
naming the file, because a truncated download is the usual failure and the user needs to know which of the
four files to fetch again.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from memtwin.errors import DataError

__all__ = ["IDX_TYPES", "decode_idx", "read_idx", "write_idx"]

#: IDX type code → big-endian numpy dtype.
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF = {dt.newbyteorder("="): code for code, dt in IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path: Path) -> bytes:
    """Read the file, transparently un-gzipping it (detected by content, not by the extension)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read IDX file ({exc})") from exc
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt or truncated gzip stream ({exc}); download the file again") from exc


def decode_idx(buf: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode an uncompressed IDX byte string into a native-endian numpy array.

    ``name`` only labels error messages. The total length must match the header exactly: a short file is a
    truncated download, and trailing bytes mean the header is not what the writer meant.
    """
    if len(buf) < 4:
        raise DataError(f"{name}: not an IDX file: only {len(buf)} bytes, the header alone needs 4")
    if buf[0] != 0 or buf[1] != 0:
        raise DataError(
            f"{name}: not an IDX file: magic number 0x{buf[:4].hex()} does not start with two zero bytes"
        )
    code, ndim = buf[2], buf[3]
    if code not in IDX_TYPES:
        raise DataError(f"{name}: unknown IDX data type code 0x{code:02x} (magic 0x{buf[:4].hex()})")
    if ndim == 0:
        raise DataError(f"{name}: IDX header declares zero dimensions")
    header = 4 + 4 * ndim
    if len(buf) < header:
        raise DataError(f"{name}: truncated IDX header: {len(buf)} bytes, {ndim} dimensions need {header}")
    dims = [int.from_bytes(buf[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    dtype = IDX_TYPES[code]
    expected = header + math.prod(dims) * dtype.itemsize
    if len(buf) != expected:
        kind = "truncated" if len(buf) < expected else "has trailing bytes"
        raise DataError(
            f"{name}: IDX file {kind}: dimensions {dims} of {dtype.name} need {expected} bytes, found {len(buf)}"
        )
    arr = np.frombuffer(buf, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzipped or not, into a native-endian numpy array."""
    path = Path(path)
    return decode_idx(_read_bytes(path), str(path))


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool | None = None) -> Path:
    """Write ``array`` as IDX (gzipped when ``compress`` or the name ends in ``.gz``).

    Used by the tests and handy for exporting small custom datasets in the MNIST layout.
    """
    path = Path(path)
    native = np.asarray(array)
    key = native.dtype.newbyteorder("=")
    if key not in _CODE_OF:
        raise ValueError(f"dtype {native.dtype} has no IDX type code")
    code = _CODE_OF[key]
    head = bytes([0, 0, code, native.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in native.shape)
    body = np.ascontiguousarray(native, dtype=IDX_TYPES[code]).tobytes()
    data = head + body
    if compress is None:
        compress = path.suffix == ".gz"
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path
