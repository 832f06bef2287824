"""IDX parser: headers built by hand (big-endian), gzip detection, and precise errors on corrupt files."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from memtwin.errors import DataError
from memtwin.tasks.idx import decode_idx, read_idx, write_idx


def _idx_bytes(code: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload


def test_uint8_images_hand_built(tmp_path: Path) -> None:
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "imgs-idx3-ubyte"
    path.write_bytes(_idx_bytes(0x08, (2, 3, 4), data.tobytes()))
    out = read_idx(path)
    assert out.dtype == np.uint8
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, data)


def test_dimensions_and_values_are_big_endian(tmp_path: Path) -> None:
    # 258 = 0x00000102: read little-endian it would be 0x02010000.
    values = [1, 258, -2, 70000]
    path = tmp_path / "ints.idx"
    path.write_bytes(_idx_bytes(0x0C, (4,), struct.pack(">4i", *values)))
    out = read_idx(path)
    assert out.dtype == np.int32
    assert out.tolist() == values
    big = tmp_path / "big.idx"
    big.write_bytes(_idx_bytes(0x08, (258, 1), bytes(258)))
    assert read_idx(big).shape == (258, 1)


def test_gzip_detected_by_content_not_name(tmp_path: Path) -> None:
    raw = _idx_bytes(0x08, (3,), bytes([7, 8, 9]))
    (tmp_path / "a.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "a-no-suffix").write_bytes(gzip.compress(raw))
    assert read_idx(tmp_path / "a.gz").tolist() == [7, 8, 9]
    assert read_idx(tmp_path / "a-no-suffix").tolist() == [7, 8, 9]


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["x.idx", "x.idx.gz"])
def test_write_read_round_trip(tmp_path: Path, dtype: type, name: str) -> None:
    arr = (np.arange(60).reshape(3, 4, 5) - 20).astype(dtype)
    out = read_idx(write_idx(tmp_path / name, arr))
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize(
    ("blob", "needle"),
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "magic"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "type code"),
        (b"\x00\x00", "header"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x01", "truncated IDX header"),
        (_idx_bytes(0x08, (2, 5), bytes(9)), "truncated"),
        (_idx_bytes(0x08, (2, 5), bytes(11)), "trailing"),
        (_idx_bytes(0x0C, (2,), bytes(7)), "truncated"),
    ],
)
def test_corrupt_files_raise_data_error_naming_the_file(tmp_path: Path, blob: bytes, needle: str) -> None:
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(blob)
    with pytest.raises(DataError, match=needle) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_gzip_names_the_file(tmp_path: Path) -> None:
    good = gzip.compress(_idx_bytes(0x08, (1000,), bytes(range(256)) * 3 + bytes(232)))
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="gzip") as info:
        read_idx(path)
    assert "train-labels-idx1-ubyte.gz" in str(info.value)


def test_decode_uses_name_in_errors() -> None:
    with pytest.raises(DataError, match="my-buffer"):
        decode_idx(b"\x05\x00\x08\x01", "my-buffer")
