"""Section 13 of the guide: data augmentation, numpy functions on images (spec/s13_regularization.toml, aug.*)."""
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from aifund.kit.check import require
from aifund.kit.strategies import GUIDE_SHAPES, seeds

spec = pytest.mark.spec
Z_ONE_IN_A_MILLION = NormalDist().inv_cdf(1 - 1e-6 / 4)    # two statistics, two-sided


# ------------------------------------------------------------------ augmentation (numpy)
images = st.sampled_from([(5, 5), (4, 7), (3, 6, 6), (1, 5, 8)])
guide_images = st.sampled_from([GUIDE_SHAPES["images"][0][1:], GUIDE_SHAPES["images"][0][2:]])   # (1, 28, 28), (28, 28)


def image(shape, seed):
    return np.random.default_rng(seed).uniform(0, 1, shape).astype(np.float32)


@spec("aug.flips")
@given(shape=images, seed=seeds, guide=guide_images)
def test_flips(impl, shape, seed, guide):
    for shape in (shape, guide):
        flips(impl, shape, seed)


def flips(impl, shape, seed):
    __tracebackhide__ = True
    img = image(shape, seed)
    keep = img.copy()
    h, v = impl.hflip(img), impl.vflip(img)
    require(np.array_equal(h, img[..., :, ::-1]), "hflip should reverse the width (last) axis")
    require(np.array_equal(v, img[..., ::-1, :]), "vflip should reverse the height axis")
    require(np.array_equal(impl.hflip(h), img) and np.array_equal(impl.vflip(v), img), "flipping twice should give the image back")
    require(np.array_equal(img, keep), "a flip changed its input array")


@spec("aug.random_crop")
@given(shape=images, seed=seeds, padding=st.sampled_from([0, 1, 3]), guide=guide_images)
@example(shape=(5, 5), seed=0, padding=0, guide=(28, 28)).via(
    "variants: padding 0 and size = H = W (the image itself) | an (H, W) image")
@example(shape=(3, 6, 6), seed=1, padding=3, guide=(1, 28, 28)).via("variants: padding > 0 | a (C, H, W) image")
def test_random_crop(impl, shape, seed, padding, guide):
    for shape in (shape, guide):
        random_crop(impl, shape, seed, padding)


def random_crop(impl, shape, seed, padding):
    __tracebackhide__ = True
    img = image(shape, seed)
    h, w = shape[-2:]
    size = min(h, w)
    padded = np.pad(img, [(0, 0)] * (img.ndim - 2) + [(padding, padding)] * 2)
    windows = {(t, l) for t in range(h + 2 * padding - size + 1) for l in range(w + 2 * padding - size + 1)}
    seen = set()
    for k in range(30):
        crop = impl.random_crop(img, size, padding, np.random.default_rng(seed + k))
        require(isinstance(crop, np.ndarray) and crop.shape == shape[:-2] + (size, size),
                f"random_crop(img of {shape}, size={size}, padding={padding}) returned shape {getattr(crop, 'shape', None)}")
        match = [(t, l) for t, l in windows if np.array_equal(crop, padded[..., t:t + size, l:l + size])]
        require(bool(match), "random_crop returned something that is not a window of the zero-padded image")
        seen.update(match)
    if len(windows) > 1:
        require(len(seen) > 1, f"30 different rng states gave the same window: the crop position should be random "
                               f"(over {len(windows)} possible windows with padding {padding})")


@spec("aug.gaussian_noise")
@given(std=st.sampled_from([0.01, 0.1, 0.5]), seed=seeds)
def test_gaussian_noise(impl, std, seed):
    img = np.full((3, 200, 200), 0.5, np.float32)
    noise = impl.gaussian_noise(img, std, np.random.default_rng(seed)).astype(np.float64) - 0.5
    n = noise.size
    require(abs(noise.mean()) <= Z_ONE_IN_A_MILLION * std / np.sqrt(n),
            f"gaussian_noise(img, {std}) shifted the mean by {noise.mean():.3g}; the noise has mean 0")
    require(abs(noise.std() / std - 1) <= Z_ONE_IN_A_MILLION * np.sqrt(0.5 / n) + 1e-6,
            f"gaussian_noise(img, {std}) has standard deviation {noise.std():.5g}, expected {std}")
    same = impl.gaussian_noise(img, 0.0, np.random.default_rng(seed))
    require(np.allclose(same, img), "gaussian_noise with std 0 should return the image")


@spec("aug.brightness_contrast")
@given(shape=images, seed=seeds, delta=st.sampled_from([-0.3, 0.0, 0.25]), factor=st.sampled_from([0.5, 1.0, 1.8]), guide=guide_images)
def test_brightness_contrast(impl, shape, seed, delta, factor, guide):
    for shape in (shape, guide):
        brightness_contrast(impl, shape, seed, delta, factor)


def brightness_contrast(impl, shape, seed, delta, factor):
    __tracebackhide__ = True
    img = image(shape, seed)
    b = impl.adjust_brightness(img, delta)
    require(np.allclose(b, np.clip(img.astype(np.float64) + delta, 0, 1), atol=1e-6),
            f"adjust_brightness(img, {delta}) should be clip(img + delta, 0, 1)")
    c = impl.adjust_contrast(img, factor)
    mean = img.astype(np.float64).mean()
    require(np.allclose(c, np.clip((img - mean) * factor + mean, 0, 1), atol=1e-6),
            f"adjust_contrast(img, {factor}) should be clip((img - mean) * factor + mean, 0, 1), mean over the whole image")
    for name, out in (("adjust_brightness", b), ("adjust_contrast", c)):
        require(out.shape == img.shape and out.min() >= 0 and out.max() <= 1, f"{name} left [0, 1] or changed the shape")
    require(np.allclose(impl.adjust_brightness(img, 0.0), img) and np.allclose(impl.adjust_contrast(img, 1.0), img, atol=1e-6),
            "brightness delta 0 and contrast factor 1 should leave the image unchanged")


@spec("aug.rotate")
@given(side=st.sampled_from([4, 5, 8]), channels=st.sampled_from([None, 3]), seed=seeds,
       angle=st.sampled_from([17.0, 45.0, 130.0]), guide=guide_images)
@example(side=5, channels=None, seed=0, angle=17.0, guide=(28, 28)).via("variant: an (H, W) image")
@example(side=4, channels=3, seed=1, angle=130.0, guide=(1, 28, 28)).via("variant: a (C, H, W) image")
def test_rotate(impl, side, channels, seed, angle, guide):
    for shape in ((side, side) if channels is None else (channels, side, side), guide):
        rotate(impl, shape, seed, angle)


def rotate(impl, shape, seed, angle):
    __tracebackhide__ = True
    img = image(shape, seed)
    for degrees, expected in ((0, img), (360, img), (90, np.rot90(img, 1, axes=(-2, -1))),
                              (-90, np.rot90(img, -1, axes=(-2, -1))), (180, np.rot90(img, 2, axes=(-2, -1)))):
        got = impl.rotate(img, degrees)
        require(got.shape == img.shape and np.allclose(got, expected, atol=1e-6),
                f"rotate(img, {degrees}) should equal " + ("the image" if degrees in (0, 360) else
                                                           f"numpy.rot90 (counter-clockwise) by {degrees}"))
    other = impl.rotate(img, angle)
    values = set(np.round(img.ravel(), 6)) | {0.0}
    require(other.shape == img.shape and set(np.round(other.ravel(), 6)) <= values,
            f"rotate(img, {angle}) should keep the shape and only move pixels (nearest neighbour) or leave zeros")
