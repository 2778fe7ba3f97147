"""JAX's `lax` operations that are not control flow, written with funcgrad.numpy.

Names and signatures are JAX's (`lax.add`, `lax.dynamic_slice(x, start_indices, slice_sizes)`,
`lax.broadcast_in_dim(x, shape, broadcast_dimensions)`...), so code written against `jax.lax`
runs; re-exported by funcgrad.lax. Unlike JAX's, the elementwise ones promote mixed dtypes as
NumPy does instead of refusing them, and the start indices of the dynamic slices are read as
Python ints (traced ones work under grad and jit; under vmap they must be the same for every
example).
"""
from __future__ import annotations

import builtins

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.core.tracer import concretize
from funcgrad.scipy import special as _special

add, sub, mul, div, neg = fnp.add, fnp.subtract, fnp.multiply, fnp.divide, fnp.negative
abs, sign, exp, log, log1p, expm1 = fnp.abs, fnp.sign, fnp.exp, fnp.log, fnp.log1p, fnp.expm1  # noqa: A001
sin, cos, tan, tanh, sinh, cosh = fnp.sin, fnp.cos, fnp.tan, fnp.tanh, fnp.sinh, fnp.cosh
asin, acos, atan, atan2 = fnp.arcsin, fnp.arccos, fnp.arctan, fnp.arctan2
sqrt, cbrt, pow, square = fnp.sqrt, fnp.cbrt, fnp.power, fnp.square  # noqa: A001
max, min, floor, ceil = fnp.maximum, fnp.minimum, fnp.floor, fnp.ceil  # noqa: A001
rem = fnp.fmod
eq, ne, lt, le, gt, ge = (fnp.equal, fnp.not_equal, fnp.less, fnp.less_equal, fnp.greater,
                          fnp.greater_equal)
is_finite, real, imag, conj = fnp.isfinite, fnp.real, fnp.imag, fnp.conj
erf, erf_inv, lgamma, digamma, logistic = (_special.erf, _special.erfinv, _special.gammaln,
                                           _special.digamma, _special.expit)


def rsqrt(x):
    return 1.0 / fnp.sqrt(x)


def integer_pow(x, y: int):
    return fnp.power(x, int(y))


def round(x, rounding_method=0):  # noqa: A001 - JAX's name
    """Rounds half away from zero (JAX's default), or to even with rounding_method=1."""
    if int(rounding_method) == 1:
        return fnp.round(x)
    return fnp.sign(x) * fnp.floor(fnp.abs(x) + 0.5)


def select(pred, on_true, on_false):
    return fnp.where(pred, on_true, on_false)


def clamp(min, x, max):  # noqa: A002 - JAX's argument names
    return fnp.clip(x, min, max)


def convert_element_type(x, new_dtype):
    return fnp.astype(x, np.dtype(new_dtype))


def reshape(x, new_sizes, dimensions=None):
    if dimensions is not None:
        x = fnp.transpose(x, tuple(dimensions))
    return fnp.reshape(x, tuple(new_sizes))


def transpose(x, permutation):
    return fnp.transpose(x, tuple(permutation))


def broadcast(x, sizes):
    """x with new leading axes of the given sizes."""
    return fnp.broadcast_to(x, tuple(sizes) + tuple(fnp.shape(x)))


def broadcast_in_dim(x, shape, broadcast_dimensions):
    """x broadcast to `shape`, its axis i becoming axis broadcast_dimensions[i]."""
    shape = tuple(shape)
    expanded = [1] * len(shape)
    for axis, size in zip(broadcast_dimensions, fnp.shape(x)):
        expanded[axis] = size
    return fnp.broadcast_to(fnp.reshape(x, tuple(expanded)), shape)


def squeeze(x, dimensions):
    return fnp.squeeze(x, axis=tuple(dimensions))


def expand_dims(x, dimensions):
    return fnp.expand_dims(x, tuple(dimensions))


def concatenate(operands, dimension):
    return fnp.concatenate(list(operands), axis=dimension)


def slice(x, start_indices, limit_indices, strides=None):  # noqa: A001 - JAX's name
    strides = strides or (1,) * len(start_indices)
    return x[tuple(builtins.slice(a, b, s) for a, b, s in zip(start_indices, limit_indices, strides))]


def slice_in_dim(x, start_index, limit_index, stride=1, axis=0):
    index = [builtins.slice(None)] * fnp.ndim(x)
    index[axis] = builtins.slice(start_index, limit_index, stride)
    return x[tuple(index)]


def _starts(x, start_indices, sizes):
    """Start indices as ints, counted from the end when negative, then clamped so the slice
    fits (JAX's rules)."""
    starts = []
    for s, n, k in zip(start_indices, fnp.shape(x), sizes):
        s = int(concretize(s))
        s = s + n if s < 0 else s
        starts.append(builtins.min(builtins.max(s, 0), n - k))
    return starts


def dynamic_slice(x, start_indices, slice_sizes):
    sizes = tuple(int(k) for k in slice_sizes)
    starts = _starts(x, start_indices, sizes)
    return x[tuple(builtins.slice(s, s + k) for s, k in zip(starts, sizes))]


def dynamic_update_slice(x, update, start_indices):
    sizes = tuple(fnp.shape(update))
    starts = _starts(x, start_indices, sizes)
    index = tuple(builtins.slice(s, s + k) for s, k in zip(starts, sizes))
    return fnp.at(x)[index].set(update)


def dynamic_slice_in_dim(x, start_index, slice_size, axis=0):
    starts = [0] * fnp.ndim(x)
    starts[axis] = start_index
    sizes = list(fnp.shape(x))
    sizes[axis] = slice_size
    return dynamic_slice(x, starts, sizes)


def dynamic_index_in_dim(x, index, axis=0, keepdims=True):
    out = dynamic_slice_in_dim(x, index, 1, axis)
    return out if keepdims else fnp.squeeze(out, axis=axis)


def dynamic_update_slice_in_dim(x, update, start_index, axis):
    starts = [0] * fnp.ndim(x)
    starts[axis] = start_index
    return dynamic_update_slice(x, update, starts)


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    out = fnp.dot(lhs, rhs)
    return out if preferred_element_type is None else fnp.astype(out, preferred_element_type)


def rev(x, dimensions):
    return fnp.flip(x, axis=tuple(dimensions))


def pad(x, padding_value, padding_config):
    """Edge padding (low, high) per axis; interior padding and negative padding are not
    supported."""
    config = [tuple(int(v) for v in c) for c in padding_config]
    if any(c[2] != 0 or c[0] < 0 or c[1] < 0 for c in config):
        raise NotImplementedError("lax.pad: only non-negative edge padding (interior 0) is "
                                  "supported in funcgrad.")
    return fnp.pad(x, [(lo, hi) for lo, hi, _ in config], constant_values=padding_value)


def iota(dtype, size):
    return np.arange(int(size), dtype=np.dtype(dtype))


def full(shape, fill_value, dtype=None):
    return fnp.full(tuple(shape), fill_value, dtype=dtype)


def cumsum(x, axis=0, reverse=False):
    if reverse:
        return fnp.flip(fnp.cumsum(fnp.flip(x, axis=axis), axis=axis), axis=axis)
    return fnp.cumsum(x, axis=axis)


def cumprod(x, axis=0, reverse=False):
    if reverse:
        return fnp.flip(fnp.cumprod(fnp.flip(x, axis=axis), axis=axis), axis=axis)
    return fnp.cumprod(x, axis=axis)


def argmax(x, axis, index_dtype=np.int64):
    return fnp.astype(fnp.argmax(x, axis=axis), np.dtype(index_dtype))


def argmin(x, axis, index_dtype=np.int64):
    return fnp.astype(fnp.argmin(x, axis=axis), np.dtype(index_dtype))


__all__ = [
    "add", "sub", "mul", "div", "neg", "abs", "sign", "exp", "log", "log1p", "expm1", "sin",
    "cos", "tan", "tanh", "sinh", "cosh", "asin", "acos", "atan", "atan2", "sqrt", "rsqrt",
    "cbrt", "pow", "integer_pow", "square", "max", "min", "floor", "ceil", "round", "rem", "eq",
    "ne", "lt", "le", "gt", "ge", "is_finite", "real", "imag", "conj", "erf", "erf_inv",
    "lgamma", "digamma", "logistic", "select", "clamp", "convert_element_type", "reshape",
    "transpose", "broadcast", "broadcast_in_dim", "squeeze", "expand_dims", "concatenate",
    "slice", "slice_in_dim", "dynamic_slice", "dynamic_update_slice", "dynamic_slice_in_dim",
    "dynamic_index_in_dim", "dynamic_update_slice_in_dim", "dot", "rev", "pad", "iota", "full",
    "cumsum", "cumprod", "argmax", "argmin"]
