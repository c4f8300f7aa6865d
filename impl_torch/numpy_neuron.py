"""Project 1 of the guide: one sigmoid neuron in plain numpy, gradients by hand.

    a = sigmoid(x @ w + b),   L = mean((a - y)^2)
    dL/da = 2 (a - y) / N,    da/dz = a (1 - a)
    dL/dw = x^T (dL/da * da/dz),   dL/db = sum(dL/da * da/dz)
"""
import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp of a non-positive number only, so no overflow for large |z|
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


class NumpyNeuron:
    def __init__(self, n_inputs: int, seed: int | None = None):
        rng = np.random.default_rng(seed)
        self.w = rng.standard_normal(n_inputs) * np.sqrt(1.0 / n_inputs)
        self.b = 0.0

    def forward(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(x @ self.w + self.b)

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean((self.forward(x) - y) ** 2))

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
        a = self.forward(x)
        dz = 2.0 * (a - y) / len(y) * a * (1.0 - a)
        return x.T @ dz, float(dz.sum())

    def fit(self, x: np.ndarray, y: np.ndarray, lr: float = 1.0, epochs: int = 1000) -> list[float]:
        """Full-batch gradient descent; returns the loss after each epoch."""
        losses = []
        for _ in range(epochs):
            dw, db = self.gradients(x, y)
            self.w = self.w - lr * dw
            self.b = self.b - lr * db
            losses.append(self.loss(x, y))
        return losses
