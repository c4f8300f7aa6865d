"""The frameworks an implementation may be written in, as the trusted side names them: the Tensor types whose
claims it reads, how messages and reproductions speak of a Tensor, and where the framework's reference lives.
It imports no framework and decides no verdict; the worker's adapters are aifund/worker/frameworks/."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT = "tinygrad"


@dataclass(frozen=True)
class Framework:
    name: str
    tensor_types: tuple          # the worker's type claims that count as a Tensor of this framework
    tensor_words: str            # how a message names one ("a tinygrad Tensor")
    reproduction: tuple          # the lines a reproduction starts with, after "import numpy as np"
    print_out: str               # how a reproduction prints its result
    reference_package: str       # the reference implementation, as an installed package
    requirement: str             # what a grading machine installs for it (pip requirement)


FRAMEWORKS = {
    "tinygrad": Framework("tinygrad", ("tinygrad.tensor.Tensor",), "a tinygrad Tensor",
                          ("from tinygrad import Tensor",), "print(out.numpy())", "aifund.reference",
                          "tinygrad==0.14.0"),
    "torch": Framework("torch", ("torch.Tensor", "torch.nn.parameter.Parameter"), "a torch.Tensor",
                       ("import torch",
                        "def Tensor(a):  # as the kit makes its inputs: floating-point leaves require a gradient",
                        "    t = torch.as_tensor(a)",
                        "    return t.requires_grad_(True) if t.is_floating_point() else t"),
                       "print(out.detach().numpy())", "aifund.reference_torch", "torch==2.13.0"),
}
NAMES = tuple(FRAMEWORKS)


def get(name: str | None) -> Framework:
    return FRAMEWORKS[name or DEFAULT]
