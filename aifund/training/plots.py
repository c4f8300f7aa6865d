"""Pictures of a training run: loss and accuracy curves, and a CNN's first-layer filters."""
from __future__ import annotations

import pathlib

import numpy as np


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")   # files only, no display needed
    import matplotlib.pyplot as plt
    return plt


def save_curves(history: dict, path: str | pathlib.Path, title: str = "") -> None:
    """Training loss and test accuracy per epoch, side by side."""
    plt = _pyplot()
    epochs = [e["epoch"] for e in history["epochs"]]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.4))
    ax_loss.plot(epochs, [e["train_loss"] for e in history["epochs"]], marker="o")
    ax_loss.set(xlabel="epoch", ylabel="training loss (cross-entropy)", yscale="log")
    acc = [100 * e["test_accuracy"] for e in history["epochs"]]
    ax_acc.plot(epochs, acc, marker="o", color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def save_filters(weights: np.ndarray, path: str | pathlib.Path, title: str = "first-layer filters") -> None:
    """A grid of the (C_out, 1, k, k) kernels, each scaled to its own range (blue negative, red positive)."""
    plt = _pyplot()
    kernels = weights[:, 0]
    cols = 8
    rows = int(np.ceil(len(kernels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 0.9 + 0.4))
    for ax, k in zip(axes.flat, kernels):
        limit = np.abs(k).max() or 1.0
        ax.imshow(k, cmap="bwr", vmin=-limit, vmax=limit)
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
