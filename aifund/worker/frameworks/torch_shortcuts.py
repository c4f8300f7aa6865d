"""The worker's watch for library shortcuts in a PyTorch implementation (torch.sigmoid, torch.nn.Linear,
torch.optim.Adam...), installed before the implementation is imported. It only notes what it saw; whether a
shortcut is allowed is decided in the kit's process (aifund/kit/shortcuts.py), never here.

Three of torch's own hooks: a torch function mode (every call of a torch function, a Tensor method or
torch.nn.functional, whichever spelling; nested calls inside one are not seen, so F.cross_entropy is one
use, not its log_softmax inside), the global forward pre-hook of torch.nn modules, and the global step
pre-hook of torch.optim optimizers.
"""
from __future__ import annotations

import contextlib

# the name a course allows or forbids -> the framework's function names it covers (torch's __name__, in-place
# variants and the functional, Tensor-method and torch.* spellings alike)
SHORTCUTS = {
    "sigmoid": ("sigmoid", "sigmoid_", "logsigmoid", "special_expit", "expit", "log_sigmoid_forward"),
    "tanh": ("tanh", "tanh_"),
    "relu": ("relu", "relu_", "relu6", "hardtanh", "hardtanh_", "threshold", "threshold_"),
    "leaky_relu": ("leaky_relu", "leaky_relu_", "rrelu", "prelu"),
    "gelu": ("gelu", "silu", "elu", "selu", "celu", "mish"),
    "softmax": ("softmax", "log_softmax", "softmin", "_softmax", "_log_softmax", "special_softmax",
                "special_log_softmax", "scaled_dot_product_attention", "_scaled_dot_product_attention_math"),
    "linear": ("linear", "bilinear"),
    "conv2d": ("conv1d", "conv2d", "conv3d", "convolution", "_convolution", "conv_transpose1d", "conv_transpose2d"),
    "max_pool2d": ("max_pool1d", "max_pool2d", "max_pool3d", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d",
                   "adaptive_max_pool2d", "adaptive_avg_pool2d"),
    "cross_entropy": ("cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"),
    "mse_loss": ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"),
    "dropout": ("dropout", "dropout_", "dropout1d", "dropout2d", "dropout3d", "feature_dropout", "alpha_dropout"),
    "batch_norm": ("batch_norm", "native_batch_norm", "layer_norm", "group_norm", "instance_norm"),
    "quantize": ("quantize_per_tensor", "quantize_per_channel", "quantize_per_tensor_dynamic", "dequantize",
                 "fake_quantize_per_tensor_affine", "fake_quantize_per_channel_affine"),
    "optimizer": (),     # any optimizer of torch.optim taking a step (torch's own optimizer step hook)
}
FUNCTION_NAMES = {function: name for name, functions in SHORTCUTS.items() for function in functions}
# torch.nn module classes (by name, as torch.nn spells them) -> the shortcut their forward is
MODULE_CLASSES = {
    "Sigmoid": "sigmoid", "LogSigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "ReLU6": "relu",
    "LeakyReLU": "leaky_relu", "PReLU": "leaky_relu", "GELU": "gelu", "SiLU": "gelu", "ELU": "gelu",
    "Softmax": "softmax", "LogSoftmax": "softmax", "Linear": "linear", "Bilinear": "linear", "LazyLinear": "linear",
    "Conv1d": "conv2d", "Conv2d": "conv2d", "Conv3d": "conv2d", "MaxPool1d": "max_pool2d", "MaxPool2d": "max_pool2d",
    "AvgPool2d": "max_pool2d", "AdaptiveAvgPool2d": "max_pool2d", "CrossEntropyLoss": "cross_entropy",
    "NLLLoss": "cross_entropy", "BCELoss": "cross_entropy", "BCEWithLogitsLoss": "cross_entropy",
    "MSELoss": "mse_loss", "L1Loss": "mse_loss", "Dropout": "dropout", "Dropout1d": "dropout", "Dropout2d": "dropout",
    "BatchNorm1d": "batch_norm", "BatchNorm2d": "batch_norm", "BatchNorm3d": "batch_norm", "LayerNorm": "batch_norm",
}
CALLS_KEPT = 8                # spellings kept per shortcut and test (torch.sigmoid, Tensor.sigmoid, ...)
# how a function's home is written in a report (torch's internal modules as a student spells them)
HOMES = {"torch": "torch", None: "Tensor", "torch._tensor": "Tensor", "torch.nn.functional": "torch.nn.functional",
         "torch._C._nn": "torch.nn.functional", "torch._ops.aten": "torch.ops.aten", "torch._C._VariableFunctions": "torch"}


class ShortcutWatch:
    def __init__(self):
        self.used: dict[str, list[str]] = {}    # since the last take()
        self.active = True                      # False while the worker runs a call of the kit's own

    @contextlib.contextmanager
    def paused(self):
        self.active = False
        try:
            yield
        finally:
            self.active = True

    def _note(self, name: str, call: str):
        calls = self.used.setdefault(name, [])
        if call not in calls and len(calls) < CALLS_KEPT:
            calls.append(call)

    def install(self, torch):
        from torch.optim.optimizer import register_optimizer_step_pre_hook
        from torch.overrides import TorchFunctionMode

        note, names, homes, watch = self._note, FUNCTION_NAMES, HOMES, self

        class Watch(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                # torch.ops.aten.sigmoid.default is named "sigmoid.default": its packet's name is "sigmoid"
                base = str(getattr(func, "__name__", "")).split(".")[0]
                name = names.get(base)
                if name is not None and watch.active:
                    module = getattr(func, "__module__", None)
                    note(name, f"{homes.get(module, module)}.{base}")
                return func(*args, **(kwargs or {}))

        def module_hook(module, args):
            # a subclass of torch's own class (class Linear(nn.Linear): ...) is still torch's layer
            for cls in type(module).__mro__:
                name = MODULE_CLASSES.get(cls.__name__)
                if name is not None and cls.__module__.startswith("torch.nn."):
                    note(name, f"torch.nn.{cls.__name__}")
                    return

        def step_hook(optimizer, args, kwargs):
            for cls in type(optimizer).__mro__:
                if cls.__module__.startswith("torch.optim") and cls.__name__ != "Optimizer":
                    note("optimizer", f"torch.optim.{cls.__name__}")
                    return

        self.mode = Watch()
        self.mode.__enter__()       # for the life of the worker: never left
        import sys
        import threading

        def enter_in_thread(frame, event, arg):
            """A torch function mode is per thread: a thread the implementation starts enters its own on its
            first call, then stops being profiled."""
            sys.setprofile(None)
            Watch().__enter__()
        threading.setprofile(enter_in_thread)
        self.handles = (torch.nn.modules.module.register_module_forward_pre_hook(module_hook),
                        register_optimizer_step_pre_hook(step_hook))

    def take(self) -> dict:
        """What was noted since the last take, and forget it."""
        used, self.used = self.used, {}
        return used
