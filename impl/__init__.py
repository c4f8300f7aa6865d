"""The reference implementation of the contract (shared/contract.md) in tinygrad."""
from impl.activations import gelu, leaky_relu, relu, sigmoid, softmax, tanh
from impl.layers import MLP, Linear, parameter_count
from impl.losses import binary_cross_entropy, categorical_cross_entropy, mse
from impl.neuron import Neuron

__all__ = [
    "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "softmax",
    "Neuron", "Linear", "parameter_count", "MLP",
    "mse", "binary_cross_entropy", "categorical_cross_entropy",
]
