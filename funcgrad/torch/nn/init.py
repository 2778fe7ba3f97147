"""torch.nn.init: filling parameters in place (under no_grad) with PyTorch's schemes."""
from __future__ import annotations

import math

import numpy as np

from funcgrad.torch._meta import is_meta
from funcgrad.torch.random import default_generator


def _no_values_on_meta(init):
    """A meta tensor has no values to fill: the initialisation leaves it as it is (and draws
    no random numbers), as PyTorch's does."""
    def fill(tensor, *args, **kwargs):
        if is_meta(tensor._data):
            return tensor
        return init(tensor, *args, **kwargs)
    fill.__name__ = fill.__qualname__ = init.__name__
    fill.__doc__ = init.__doc__
    fill.__wrapped__ = init
    return fill


def _fill(tensor, values):
    np.copyto(tensor._data, np.asarray(values), casting="unsafe")
    tensor._counter[0] += 1
    return tensor


def _rng(generator):
    return (generator or default_generator).rng


def calculate_gain(nonlinearity, param=None):
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid", "conv_transpose2d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = int(math.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


@_no_values_on_meta
def uniform_(tensor, a=0.0, b=1.0, generator=None):
    return _fill(tensor, _rng(generator).uniform(a, b, tuple(tensor.shape)))


@_no_values_on_meta
def normal_(tensor, mean=0.0, std=1.0, generator=None):
    return _fill(tensor, _rng(generator).normal(mean, std, tuple(tensor.shape)))


@_no_values_on_meta
def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    values = _rng(generator).normal(mean, std, tuple(tensor.shape))
    bad = (values < a) | (values > b)
    while bad.any():
        values[bad] = _rng(generator).normal(mean, std, int(bad.sum()))
        bad = (values < a) | (values > b)
    return _fill(tensor, values)


@_no_values_on_meta
def constant_(tensor, val):
    return _fill(tensor, np.full(tuple(tensor.shape), val))


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


@_no_values_on_meta
def eye_(tensor):
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a: float = 0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


@_no_values_on_meta
def orthogonal_(tensor, gain=1.0, generator=None):
    rows, cols = tensor.shape[0], int(math.prod(tensor.shape[1:]))
    flat = _rng(generator).standard_normal((rows, cols))
    q, r = np.linalg.qr(flat.T if rows < cols else flat)
    q = q * np.sign(np.diag(r))
    return _fill(tensor, gain * (q.T if rows < cols else q).reshape(tensor.shape))


@_no_values_on_meta
def dirac_(tensor, groups=1):
    """Identity convolution kernels: out channel i passes input channel i through (per group)."""
    out_per_group = tensor.shape[0] // groups
    values = np.zeros(tuple(tensor.shape))
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for i in range(min(out_per_group, tensor.shape[1])):
            values[(g * out_per_group + i, i) + centre] = 1
    return _fill(tensor, values)


@_no_values_on_meta
def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Normal(0, std) entries with a `sparsity` fraction of each column set to zero."""
    rows, cols = tensor.shape
    values = _rng(generator).normal(0, std, (rows, cols))
    zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):
        values[_rng(generator).permutation(rows)[:zeros], c] = 0
    return _fill(tensor, values)
