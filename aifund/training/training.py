"""Section 11 of the guide, for real: the training loop on a data set, with evaluation and history.

One jitted step (forward, cross-entropy on the logits, backward, optimizer
step) is compiled once per batch shape by tinygrad's TinyJit and replayed
afterwards. Every epoch ends with an evaluation on the test split; the
history records loss, accuracy, learning rate and time per epoch.
"""
from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field

import numpy as np
from tinygrad import Tensor, TinyJit
from tinygrad.helpers import Context

from aifund.reference.augment import random_crop
from aifund.reference.cnn import SimpleCNN
from aifund.training import renderer
from aifund.training.datasets import Dataset
from aifund.reference.layers import MLP
from aifund.reference.optim import Adam, cosine_annealing

MODELS = ("mlp", "cnn")


@dataclass
class Config:
    model: str = "mlp"
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0
    schedule: str = "cosine"     # "cosine" (the guide's cosine annealing, per epoch) or "constant"
    augment: bool = False        # random crops with 2-pixel padding (section 13), images only
    hidden: tuple = (256, 128)   # MLP hidden sizes (the guide's Project 2)
    eval_batch: int = 1000
    eval_every_epoch: bool = True  # False: evaluate once, after the last epoch (what the gates do)


# The training recipe of each model, written once: ./train's defaults, ./edge's training, the accuracy gates
# and the throughput benchmark all start from it (README's accuracy table was measured with it).
RECIPES = {"mlp": Config(model="mlp", epochs=10, batch_size=64, lr=1e-3),
           "cnn": Config(model="cnn", epochs=4, batch_size=64, lr=2e-3)}


def recipe(model: str, **changes) -> Config:
    """The recipe of ``model`` (a copy), with ``changes`` (say epochs=30 for a smaller data set)."""
    from dataclasses import replace
    if model not in RECIPES:
        raise ValueError(f"unknown model {model!r}; known: {', '.join(MODELS)}")
    return replace(RECIPES[model], **changes)


@dataclass
class History:
    config: dict
    epochs: list = field(default_factory=list)   # one dict per epoch
    train_seconds: float = 0.0
    device: str = ""                             # tinygrad's device and renderer, e.g. "CPU:LLVM"

    @property
    def final_accuracy(self) -> float:
        return self.epochs[-1]["test_accuracy"]

    @property
    def best_accuracy(self) -> float:
        return max(e["test_accuracy"] for e in self.epochs if e["test_accuracy"] == e["test_accuracy"])


def build_model(config: Config, data: Dataset):
    if config.model == "mlp":
        return MLP([data.x_train.shape[1], *config.hidden, data.n_classes])
    if config.model == "cnn":
        if data.image_shape != (1, 28, 28):
            raise ValueError(f"SimpleCNN takes 1x28x28 images; {data.name} has {data.image_shape}")
        return SimpleCNN()
    raise ValueError(f"unknown model {config.model!r}; known: {', '.join(MODELS)}")


def model_input(config: Config, data: Dataset, x: np.ndarray) -> np.ndarray:
    return data.images(x) if config.model == "cnn" else x


def predict(model, x: np.ndarray, batch: int = 1000) -> np.ndarray:
    """Class predictions for a numpy batch, evaluated in chunks (inference mode)."""
    out = []
    for i in range(0, len(x), batch):
        out.append(model.logits(Tensor(x[i:i + batch])).argmax(axis=-1).numpy())
    return np.concatenate(out)


def accuracy(model, x: np.ndarray, y: np.ndarray, batch: int = 1000) -> float:
    return float((predict(model, x, batch) == y).mean())


def make_step(model, optimizer):
    """The jitted training step: returns the batch's mean cross-entropy."""
    @TinyJit
    def step(x: Tensor, y: Tensor, lr: Tensor) -> Tensor:
        loss = model.logits(x).sparse_categorical_crossentropy(y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = lr            # a Tensor, so a changing learning rate needs no recompilation
        optimizer.step()
        return loss.realize()
    return step


def _augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.stack([random_crop(img, img.shape[-1], 2, rng) for img in images]).astype(np.float32)


def train(config: Config, data: Dataset, progress=None, log=None) -> tuple[object, History]:
    """Trains a fresh model; ``progress(done, total, loss)`` is called after each step when given. The model's
    kernels are rendered by the fastest renderer that works here (aifund/training/renderer.py)."""
    from tinygrad import Device
    dev = renderer.chosen(config.model)
    with Context(DEV=dev) if dev else contextlib.nullcontext():
        model, history = _train(config, data, progress, log)
    history.device = dev or Device.DEFAULT
    return model, history


def _train(config: Config, data: Dataset, progress, log) -> tuple[object, History]:
    Tensor.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = build_model(config, data)
    optimizer = Adam(model.parameters(), lr=config.lr)
    step = make_step(model, optimizer)
    x_train, y_train = model_input(config, data, data.x_train), data.y_train.astype(np.int32)
    x_test = model_input(config, data, data.x_test)
    steps_per_epoch = len(x_train) // config.batch_size   # the last partial batch is dropped (one jitted shape)
    history = History(config=vars(config).copy())
    start = time.perf_counter()
    for epoch in range(config.epochs):
        lr = config.lr if config.schedule == "constant" else cosine_annealing(config.lr, epoch, config.epochs)
        lr_tensor = Tensor([lr], dtype="float32").realize()
        order = rng.permutation(len(x_train))
        losses = []
        t0 = time.perf_counter()
        with Context(TRAINING=1):
            for i in range(steps_per_epoch):
                idx = order[i * config.batch_size:(i + 1) * config.batch_size]
                xb = _augment(x_train[idx], rng) if config.augment and config.model == "cnn" else x_train[idx]
                loss = step(Tensor(xb), Tensor(y_train[idx]), lr_tensor)
                losses.append(loss)
                if progress:
                    progress(epoch * steps_per_epoch + i + 1, config.epochs * steps_per_epoch, None)
        train_loss = float(np.mean([l.item() for l in losses]))
        seconds = time.perf_counter() - t0
        last = epoch + 1 == config.epochs
        test_acc = (accuracy(model, x_test, data.y_test, config.eval_batch)
                    if config.eval_every_epoch or last else float("nan"))
        history.epochs.append({"epoch": epoch + 1, "lr": lr, "train_loss": train_loss, "test_accuracy": test_acc,
                               "seconds": seconds, "samples_per_second": steps_per_epoch * config.batch_size / seconds})
        if log:
            log(f"epoch {epoch + 1}/{config.epochs}: lr {lr:.2e}, train loss {train_loss:.4f}, "
                f"test accuracy {test_acc:.2%}, {seconds:.1f} s")
        if not math.isfinite(train_loss):
            raise FloatingPointError(f"training diverged at epoch {epoch + 1} (loss {train_loss})")
    history.train_seconds = time.perf_counter() - start
    return model, history
