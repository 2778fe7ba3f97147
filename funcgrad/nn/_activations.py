"""Activation functions with jax.nn's names, written with funcgrad's operations.

Conventions at kinks follow JAX: relu'(0) = 0, relu6' is 0 at 0 and 6, hard_tanh' is 0 at -1 and
1. Each function works on arrays and on tracers (any transform).
"""
from __future__ import annotations

import math

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.primitives import nn as _nn
from funcgrad.primitives.special import erf as _erf

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def relu(x):
    """max(x, 0), with derivative 0 at 0 (as JAX's)."""
    return _nn.relu(fnp.asarray(x))


def relu6(x):
    """min(max(x, 0), 6); the derivative is 0 at 0 and at 6."""
    x = fnp.asarray(x)
    return fnp.where(x >= 6, 6.0, fnp.where(x > 0, x, 0.0))


def leaky_relu(x, negative_slope=0.01):
    """x for x >= 0, negative_slope * x below."""
    x = fnp.asarray(x)
    return fnp.where(x >= 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha (exp(x) - 1) below."""
    x = fnp.asarray(x)
    return fnp.where(x > 0, x, alpha * fnp.expm1(fnp.where(x > 0, 0.0, x)))


def celu(x, alpha=1.0):
    """x for x > 0, alpha (exp(x / alpha) - 1) below."""
    x = fnp.asarray(x)
    return fnp.where(x > 0, x, alpha * fnp.expm1(fnp.where(x > 0, 0.0, x) / alpha))


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def gelu(x, approximate=True):
    """x Phi(x); approximate=True (JAX's default) uses the tanh form
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), approximate=False the exact erf form."""
    x = fnp.asarray(x)
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
        return 0.5 * x * (1.0 + fnp.tanh(inner))
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _nn.sigmoid(fnp.asarray(x))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stably."""
    return -softplus(-fnp.asarray(x))


def silu(x):
    """x sigmoid(x)."""
    x = fnp.asarray(x)
    return x * sigmoid(x)


swish = silu


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return relu6(fnp.asarray(x) + 3.0) / 6.0


def hard_silu(x):
    """x hard_sigmoid(x)."""
    x = fnp.asarray(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def softplus(x):
    """log(1 + exp(x)), stably."""
    return _nn.softplus(fnp.asarray(x))


def soft_sign(x):
    """x / (|x| + 1)."""
    x = fnp.asarray(x)
    return x / (fnp.abs(x) + 1.0)


def hard_tanh(x):
    """x clipped to [-1, 1]; the derivative is 0 at -1 and 1."""
    x = fnp.asarray(x)
    return fnp.where(x > 1, 1.0, fnp.where(x < -1, -1.0, x))


def mish(x):
    """x tanh(softplus(x))."""
    x = fnp.asarray(x)
    return x * fnp.tanh(softplus(x))


def squareplus(x, b=4.0):
    """(x + sqrt(x^2 + b)) / 2."""
    x = fnp.asarray(x)
    return 0.5 * (x + fnp.sqrt(x * x + b))


def glu(x, axis=-1):
    """Gated linear unit: the first half of x along `axis` times sigmoid of the second half."""
    x = fnp.asarray(x)
    n = np.shape(x)[axis] if not hasattr(x, "shape") else x.shape[axis]
    if n % 2:
        raise ValueError(f"funcgrad.nn.glu: axis {axis} has odd length {n}; it must split in two.")
    a, b = fnp.split(x, 2, axis=axis)
    return a * sigmoid(b)
