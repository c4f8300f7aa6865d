"""Section 13 of the guide: data augmentation on numpy images of shape (H, W) or (C, H, W), values in [0, 1]."""
import math

import numpy as np


def hflip(img: np.ndarray) -> np.ndarray:
    return img[..., :, ::-1].copy()


def vflip(img: np.ndarray) -> np.ndarray:
    return img[..., ::-1, :].copy()


def random_crop(img: np.ndarray, size: int, padding: int, rng: np.random.Generator) -> np.ndarray:
    """Zero-pad the last two axes by ``padding``, then cut a size x size window at a random place."""
    pad = [(0, 0)] * (img.ndim - 2) + [(padding, padding), (padding, padding)]
    padded = np.pad(img, pad)
    h, w = padded.shape[-2:]
    if size > h or size > w:
        raise ValueError(f"crop size {size} exceeds the padded image {h}x{w}")
    top, left = rng.integers(0, h - size + 1), rng.integers(0, w - size + 1)
    return padded[..., top:top + size, left:left + size].copy()


def gaussian_noise(img: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    """Add N(0, std^2) noise to every pixel (no clipping, so the noise keeps its mean and spread)."""
    return (img + rng.normal(0.0, std, img.shape)).astype(img.dtype)


def adjust_brightness(img: np.ndarray, delta: float) -> np.ndarray:
    return np.clip(img + delta, 0.0, 1.0).astype(img.dtype)


def adjust_contrast(img: np.ndarray, factor: float) -> np.ndarray:
    """(img - mean) * factor + mean, clipped to [0, 1]; the mean is over the whole image (all channels)."""
    mean = img.mean()
    return np.clip((img - mean) * factor + mean, 0.0, 1.0).astype(img.dtype)


def rotate(img: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate counter-clockwise (as numpy.rot90) about the image centre; nearest neighbour; zeros where nothing maps."""
    h, w = img.shape[-2:]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    theta = math.radians(degrees % 360)
    cos, sin = round(math.cos(theta), 12), round(math.sin(theta), 12)
    rows, cols = np.indices((h, w), dtype=np.float64)
    # Inverse map: for each output pixel, the source pixel it comes from.
    src_r = cy + (rows - cy) * cos + (cols - cx) * sin
    src_c = cx - (rows - cy) * sin + (cols - cx) * cos
    src_r, src_c = np.rint(src_r).astype(int), np.rint(src_c).astype(int)
    inside = (src_r >= 0) & (src_r < h) & (src_c >= 0) & (src_c < w)
    out = np.zeros_like(img)
    out[..., inside] = img[..., src_r[inside], src_c[inside]]
    return out
