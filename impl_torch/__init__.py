"""The reference implementation of the PyTorch contract (docs/contract-torch.md, generated from spec/contract.toml)
in PyTorch: the same names, shapes and settled ambiguities as impl/, with torch.Tensors.

Installed as ``aifund.reference_torch``; it is code under test like any submission: the kit runs it in the worker
and never imports it into the process that decides verdicts. The numpy names (augmentations, quantisation,
EarlyStopping, NumpyNeuron) are the same files as impl/'s (tests/meta/test_reference_torch.py keeps them equal)."""
from .activations import gelu, leaky_relu, relu, sigmoid, softmax, tanh
from .augment import adjust_brightness, adjust_contrast, gaussian_noise, hflip, random_crop, rotate, vflip
from .cnn import SimpleCNN, conv2d, conv_output_size, max_pool2d
from .early_stopping import EarlyStopping
from .layers import MLP, Linear, parameter_count
from .losses import binary_cross_entropy, categorical_cross_entropy, mse
from .neuron import Neuron
from .numpy_neuron import NumpyNeuron
from .optim import SGD, Adam, Momentum, cosine_annealing, l2_penalty, step_decay, warmup_cosine
from .quantize import dequantize, quantize
from .regularization import batch_norm, dropout
from .weights import load_weights, save_weights

__all__ = [
    "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "softmax",
    "Neuron", "Linear", "parameter_count", "MLP",
    "mse", "binary_cross_entropy", "categorical_cross_entropy",
    "SGD", "Momentum", "Adam", "l2_penalty", "step_decay", "cosine_annealing", "warmup_cosine",
    "EarlyStopping",
    "conv_output_size", "conv2d", "max_pool2d", "SimpleCNN",
    "dropout", "batch_norm",
    "hflip", "vflip", "random_crop", "gaussian_noise", "adjust_brightness", "adjust_contrast", "rotate",
    "quantize", "dequantize", "save_weights", "load_weights", "NumpyNeuron",
]
