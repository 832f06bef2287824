"""Batched augmentation: analytic cases (identity, exact 90° turns, shifts) and seeded reproducibility."""

from __future__ import annotations

import pytest
import torch

from memtwin.tasks.augment import (
    CIFAR10_NORMALIZATION,
    Compose,
    Normalization,
    RandomPadCrop,
    affine,
    channel_stats,
    cifar10_augmentation,
    default_augmentation,
    hflip,
    normalize,
    random_affine,
    random_hflip,
    random_pad_crop,
    random_resized_crop,
    random_rotation,
    rotate,
)


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def images() -> torch.Tensor:
    return torch.randn(4, 3, 8, 8, generator=_gen(123))


def test_flip_twice_is_identity(images: torch.Tensor) -> None:
    assert torch.equal(hflip(hflip(images)), images)
    assert torch.equal(hflip(images)[..., 0], images[..., -1])
    assert torch.equal(random_hflip(images, _gen(), p=1.0), hflip(images))
    assert torch.equal(random_hflip(images, _gen(), p=0.0), images)


def test_random_flip_flips_a_seeded_subset() -> None:
    x = torch.arange(64 * 2, dtype=torch.float32).view(64, 1, 1, 2)
    out = random_hflip(x, _gen(5))
    flipped = out[:, 0, 0, 0] > out[:, 0, 0, 1]
    assert 10 < int(flipped.sum()) < 54  # about half
    assert torch.equal(out, random_hflip(x, _gen(5)))


def test_rotation_by_zero_is_identity(images: torch.Tensor) -> None:
    torch.testing.assert_close(rotate(images, 0.0), images)
    torch.testing.assert_close(random_rotation(images, _gen(), degrees=0.0), images)


def test_rotation_by_90_moves_a_known_pixel() -> None:
    x = torch.zeros(1, 1, 5, 5)
    x[0, 0, 0, 4] = 1.0  # top-right corner
    ccw = rotate(x, 90.0)
    assert ccw[0, 0, 0, 0] == pytest.approx(1.0, abs=1e-5)  # counter-clockwise: to the top-left
    assert float(ccw.sum()) == pytest.approx(1.0, abs=1e-5)
    cw = rotate(x, -90.0)
    assert cw[0, 0, 4, 4] == pytest.approx(1.0, abs=1e-5)  # clockwise: to the bottom-right


def test_rotation_by_90_is_rot90_everywhere(images: torch.Tensor) -> None:
    torch.testing.assert_close(rotate(images, 90.0), torch.rot90(images, 1, dims=(-2, -1)))
    torch.testing.assert_close(
        rotate(images, 270.0), torch.rot90(images, -1, dims=(-2, -1)), atol=1e-5, rtol=0
    )
    rect = torch.randn(2, 1, 6, 10, generator=_gen(1))
    torch.testing.assert_close(rotate(rect, 180.0), rect.flip(-1).flip(-2), atol=1e-5, rtol=0)


def test_per_image_angles(images: torch.Tensor) -> None:
    out = rotate(images[:2], torch.tensor([0.0, 90.0]))
    torch.testing.assert_close(out[0], images[0])
    torch.testing.assert_close(out[1], torch.rot90(images[1], 1, dims=(-2, -1)))


def test_integer_translation_shifts_pixels(images: torch.Tensor) -> None:
    out = affine(images, translate=(2.0, 1.0))  # content moves 2 right, 1 down
    torch.testing.assert_close(out[..., 1:, 2:], images[..., :-1, :-2])
    assert torch.all(out[..., :1, :] == 0) and torch.all(out[..., :, :2] == 0)


def test_zoom_two_magnifies_about_the_centre() -> None:
    # On a horizontal ramp x = column index, bilinear sampling is exact: output column j (centre at
    # j + 0.5 - W/2 from the image centre) reads the input at half that distance.
    w = 8
    ramp = torch.arange(w, dtype=torch.float32).expand(1, 1, w, w)
    out = affine(ramp, zoom=2.0)
    expected = (torch.arange(w) + 0.5 - w / 2) / 2 + w / 2 - 0.5
    torch.testing.assert_close(out[0, 0, 3], expected.float())


def test_pad_crop_is_an_integer_shift(images: torch.Tensor) -> None:
    assert torch.equal(random_pad_crop(images, _gen(), padding=0), images)
    out = random_pad_crop(images, _gen(7), padding=2)
    assert out.shape == images.shape
    for o, x in zip(out, images, strict=True):
        padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
        assert any(torch.equal(o, padded[:, dy : dy + 8, dx : dx + 8]) for dy in range(5) for dx in range(5))


def test_resized_crop_full_box_is_identity(images: torch.Tensor) -> None:
    out = random_resized_crop(images, _gen(), scale=(1.0, 1.0), ratio=(1.0, 1.0))
    torch.testing.assert_close(out, images)
    small = random_resized_crop(images, _gen(), scale=(0.25, 0.25), ratio=(1.0, 1.0))
    assert small.shape == images.shape and not torch.allclose(small, images)


def test_seeded_reproducibility(images: torch.Tensor) -> None:
    aug = cifar10_augmentation()
    a, b = aug(images, _gen(9)), aug(images, _gen(9))
    assert torch.equal(a, b)
    assert not torch.equal(a, aug(images, _gen(10)))
    g = _gen(3)
    first = random_affine(images, g, degrees=20, zoom=(0.9, 1.1), translate=0.1)
    second = random_affine(images, g, degrees=20, zoom=(0.9, 1.1), translate=0.1)
    assert not torch.equal(first, second)  # the generator advances


def test_compose_and_defaults(images: torch.Tensor) -> None:
    pipe = Compose((RandomPadCrop(0),))
    assert torch.equal(pipe(images, _gen()), images)
    assert default_augmentation("CIFAR-10") is not None
    assert default_augmentation("mnist") is None and default_augmentation("digits") is None


def test_normalization_from_its_own_stats() -> None:
    x = torch.rand(50, 3, 6, 6, generator=_gen(2)) * torch.tensor([1.0, 3.0, 0.5]).view(1, 3, 1, 1) + 2.0
    stats = channel_stats(x)
    z = normalize(x, stats.mean, stats.std)
    torch.testing.assert_close(z.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(z.std(dim=(0, 2, 3), unbiased=False), torch.ones(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(stats.invert(stats.apply(x)), x, atol=1e-5, rtol=1e-5)


def test_cifar_normalization_constants() -> None:
    mean_img = torch.tensor(CIFAR10_NORMALIZATION.mean).view(1, 3, 1, 1).expand(1, 3, 2, 2) * 255
    torch.testing.assert_close(
        CIFAR10_NORMALIZATION.apply(mean_img), torch.zeros(1, 3, 2, 2), atol=1e-6, rtol=0
    )
    one_std = (torch.tensor(CIFAR10_NORMALIZATION.mean) + torch.tensor(CIFAR10_NORMALIZATION.std)) * 255
    out = CIFAR10_NORMALIZATION.apply(one_std.view(1, 3, 1, 1))
    torch.testing.assert_close(out.flatten(), torch.ones(3))
    with pytest.raises(ValueError):
        Normalization(mean=(0.5,), std=(0.0,))
