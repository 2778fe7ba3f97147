"""Weight initialisers with jax.nn.initializers' names: each returns `init(key, shape, dtype)`.

    import funcgrad.random as fr
    from funcgrad.nn import initializers
    w = initializers.glorot_normal()(fr.key(0), (784, 128))

Variance scaling follows JAX: fan_in is the size of the input axis (in_axis, default -2), fan_out
of the output axis (out_axis, default -1), times the receptive field (the other axes);
"truncated_normal" draws are truncated at 2 standard deviations and rescaled to keep the variance.
"""
from __future__ import annotations

import math

import numpy as np

import funcgrad.numpy as fnp
from funcgrad import random as _random

_F64 = np.float64
# the standard deviation of a standard normal truncated to (-2, 2)
_TRUNCATED_STDDEV = 0.87962566103423978


def zeros(key, shape, dtype=_F64):
    """All zeros (the key is unused)."""
    return np.zeros(tuple(shape), dtype)


def ones(key, shape, dtype=_F64):
    """All ones (the key is unused)."""
    return np.ones(tuple(shape), dtype)


def constant(value, dtype=_F64):
    """An initialiser filling with `value`."""
    def init(key, shape, dtype=dtype):
        return np.full(tuple(shape), value, dtype)
    return init


def normal(stddev=1e-2, dtype=_F64):
    """Normal draws with standard deviation `stddev`."""
    def init(key, shape, dtype=dtype):
        return _random.normal(key, tuple(shape), dtype) * np.asarray(stddev, dtype)
    return init


def uniform(scale=1e-2, dtype=_F64):
    """Uniform draws on [0, scale)."""
    def init(key, shape, dtype=dtype):
        return _random.uniform(key, tuple(shape), dtype, 0.0, scale)
    return init


def truncated_normal(stddev=1e-2, dtype=_F64, lower=-2.0, upper=2.0):
    """Normal draws truncated to (lower, upper) standard deviations, times stddev."""
    def init(key, shape, dtype=dtype):
        return _random.truncated_normal(key, lower, upper, tuple(shape), dtype) * stddev
    return init


def _fans(shape, in_axis, out_axis):
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    in_axis, out_axis = in_axis % len(shape), out_axis % len(shape)
    receptive = math.prod(s for i, s in enumerate(shape) if i not in (in_axis, out_axis))
    return float(shape[in_axis] * receptive), float(shape[out_axis] * receptive)


def variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, dtype=_F64):
    """Draws with variance scale / fan, fan being fan_in, fan_out or their mean (mode "fan_in",
    "fan_out", "fan_avg"); distribution "truncated_normal", "normal" or "uniform"."""
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"variance_scaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', "
                         f"got {mode!r}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError("variance_scaling: distribution must be 'truncated_normal', 'normal' or "
                         f"'uniform', got {distribution!r}")

    def init(key, shape, dtype=dtype):
        shape = tuple(shape)
        fan_in, fan_out = _fans(shape, in_axis, out_axis)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = scale / fan
        if distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_STDDEV
            return _random.truncated_normal(key, -2.0, 2.0, shape, dtype) * stddev
        if distribution == "normal":
            return _random.normal(key, shape, dtype) * math.sqrt(variance)
        bound = math.sqrt(3.0 * variance)
        return _random.uniform(key, shape, dtype, -bound, bound)
    return init


def glorot_normal(in_axis=-2, out_axis=-1, dtype=_F64):
    """Variance 2 / (fan_in + fan_out), truncated normal (Xavier)."""
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, dtype)


def glorot_uniform(in_axis=-2, out_axis=-1, dtype=_F64):
    """Variance 2 / (fan_in + fan_out), uniform (Xavier)."""
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, dtype)


def he_normal(in_axis=-2, out_axis=-1, dtype=_F64):
    """Variance 2 / fan_in, truncated normal (Kaiming)."""
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, dtype)


def he_uniform(in_axis=-2, out_axis=-1, dtype=_F64):
    """Variance 2 / fan_in, uniform (Kaiming)."""
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, dtype)


def lecun_normal(in_axis=-2, out_axis=-1, dtype=_F64):
    """Variance 1 / fan_in, truncated normal."""
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, dtype)


def lecun_uniform(in_axis=-2, out_axis=-1, dtype=_F64):
    """Variance 1 / fan_in, uniform."""
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, dtype)


xavier_normal, xavier_uniform = glorot_normal, glorot_uniform
kaiming_normal, kaiming_uniform = he_normal, he_uniform


def orthogonal(scale=1.0, column_axis=-1, dtype=_F64):
    """A (scaled) matrix with orthonormal rows or columns, from the QR of a normal matrix; for
    more than two axes the others are folded into the rows."""
    def init(key, shape, dtype=dtype):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"orthogonal: needs at least 2 axes, got shape {shape}")
        cols = shape[column_axis]
        rows = math.prod(shape) // cols
        big, small = max(rows, cols), min(rows, cols)
        z = np.asarray(_random.normal(key, (big, small), dtype))
        q, r = np.linalg.qr(z)
        q = q * np.sign(np.diag(r))
        q = q.T if rows < cols else q
        out = np.moveaxis(q.reshape(tuple(s for i, s in enumerate(shape)
                                          if i != column_axis % len(shape)) + (cols,)),
                          -1, column_axis)
        return (scale * out).astype(dtype)
    return init


def delta_orthogonal(scale=1.0, column_axis=-1, dtype=_F64):
    """A convolution kernel (3 to 5 axes) that is orthogonal at its spatial centre, zero
    elsewhere."""
    def init(key, shape, dtype=dtype):
        shape = tuple(shape)
        if len(shape) not in (3, 4, 5) or shape[-2] > shape[-1]:
            raise ValueError(f"delta_orthogonal: needs a 3-5 axis shape with in <= out channels, "
                             f"got {shape}")
        centre = orthogonal(scale, column_axis, dtype)(key, shape[-2:], dtype)
        out = np.zeros(shape, dtype)
        out[tuple(s // 2 for s in shape[:-2])] = centre
        return out
    return init


del fnp

__all__ = ["zeros", "ones", "constant", "normal", "uniform", "truncated_normal",
           "variance_scaling", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
           "lecun_normal", "lecun_uniform", "xavier_normal", "xavier_uniform", "kaiming_normal",
           "kaiming_uniform", "orthogonal", "delta_orthogonal"]
