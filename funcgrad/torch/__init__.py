"""funcgrad.torch: PyTorch's stateful autograd API, as a shell over funcgrad's core.

    import funcgrad.torch as torch

Tensors carry `.grad`, `grad_fn` and `requires_grad`; every derivative comes from the rules of
funcgrad's primitive registry. Nothing in funcgrad imports this package.
"""
from funcgrad.torch._dtype import (bool, cdouble, cfloat, complex64, complex128, double,  # noqa: F401,A004
                                   dtype, float, float16, float32, float64, half, int, int8,
                                   int16, int32, int64, long, short, uint8)
from funcgrad.torch.tensor import Tensor  # noqa: F401
from funcgrad.torch._methods import Size  # noqa: F401
from funcgrad.torch._ops import (abs, absolute, acos, add, all, any, argmax, argmin, asin,  # noqa: F401,A004
                                 atan, atan2, arctan2, bmm, cat, ceil, clamp, clip, clone, concat,
                                 cos, cosh, div, divide, dot, eq, exp, expm1, flatten, floor, ge, gt, le,
                                 log, log1p, log_softmax, logsumexp, lt, matmul, max,
                                 maximum, mean, min, minimum, mm, mul, multiply, mv, ne, neg,
                                 negative, norm, outer, permute, pow, reciprocal, relu, reshape,
                                 round, rsqrt, sigmoid, sign, sin, sinh, softmax, sqrt, square,
                                 squeeze, stack, std, sub, subtract, sum, swapaxes, t, tan, tanh,
                                 transpose, true_divide, trunc, unsqueeze, var, where)
from funcgrad.torch._indexing import chunk, gather, masked_fill, narrow, split, unbind  # noqa: F401
from funcgrad.torch._creation import (arange, as_tensor, empty, empty_like, eye,  # noqa: F401
                                      from_numpy, full, full_like, is_tensor, linspace, numel,
                                      ones, ones_like, tensor, zeros, zeros_like)
from funcgrad.torch.random import (Generator, bernoulli, default_generator, initial_seed,  # noqa: F401
                                   manual_seed, normal, rand, rand_like, randint, randint_like,
                                   randn, randn_like, randperm, seed)
from funcgrad.torch.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                      no_grad, set_grad_enabled)
from funcgrad.torch import autograd, func  # noqa: F401
from funcgrad.torch import nn, optim  # noqa: F401
from funcgrad.torch.serialization import load, save  # noqa: F401

__version__ = "2.13.0+funcgrad"


def is_floating_point(input):
    return input.is_floating_point()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, **_):
    from funcgrad.torch import _repr
    for name, value in (("PRECISION", precision), ("THRESHOLD", threshold),
                        ("EDGEITEMS", edgeitems), ("LINEWIDTH", linewidth)):
        if value is not None:
            setattr(_repr, name, value)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    import numpy as np
    return np.allclose(input.detach().numpy(), other.detach().numpy(), rtol, atol, equal_nan)


def equal(input, other):
    import numpy as np
    return np.array_equal(input.detach().numpy(), other.detach().numpy())


class device:  # noqa: N801 - PyTorch's name
    def __init__(self, kind="cpu"):
        self.type = kind

    def __repr__(self):
        return f"device(type='{self.type}')"


class cuda:  # noqa: N801
    @staticmethod
    def is_available():
        return False
