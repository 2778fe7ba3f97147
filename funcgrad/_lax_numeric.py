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
    """1 / sqrt(x), elementwise (`jax.lax.rsqrt`); derivative -x^(-3/2) / 2.

    Examples
    --------
    >>> from funcgrad import lax
    >>> float(lax.rsqrt(4.0))
    0.5
    """
    return 1.0 / fnp.sqrt(x)


def integer_pow(x, y: int):
    """x ** y for a Python int y (`jax.lax.integer_pow`); derivative y x^(y-1), exact at x = 0.

    Examples
    --------
    >>> import funcgrad as fg
    >>> from funcgrad import lax
    >>> float(fg.grad(lambda x: lax.integer_pow(x, 3))(2.0))
    12.0
    """
    return fnp.power(x, int(y))


def round(x, rounding_method=0):  # noqa: A001 - JAX's name
    """Rounds half away from zero (JAX's default), or to even with rounding_method=1."""
    if int(rounding_method) == 1:
        return fnp.round(x)
    return fnp.sign(x) * fnp.floor(fnp.abs(x) + 0.5)


def select(pred, on_true, on_false):
    """on_true where pred, else on_false, elementwise (`jax.lax.select`; NumPy's `where`).

    The branch not taken gets a zero cotangent, exactly (the rule selects, it does not multiply).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.select(np.array([True, False]), np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array([1., 4.])
    """
    return fnp.where(pred, on_true, on_false)


def clamp(min, x, max):  # noqa: A002 - JAX's argument names
    """x limited to [min, max] (`jax.lax.clamp`, argument order min, x, max).

    Built on `clip`: at a bound the gradient is split in half, as `maximum`/`minimum` do at a tie.

    Examples
    --------
    >>> from funcgrad import lax
    >>> float(lax.clamp(0.0, 3.0, 1.0))
    1.0
    """
    return fnp.clip(x, min, max)


def convert_element_type(x, new_dtype):
    """x as dtype `new_dtype` (`jax.lax.convert_element_type`).

    Between floating dtypes the cotangent is converted back; to an integer or boolean dtype the
    result has no derivative.

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.convert_element_type(np.array([1.5, 2.5]), np.float32).dtype
    dtype('float32')
    """
    return fnp.astype(x, np.dtype(new_dtype))


def reshape(x, new_sizes, dimensions=None):
    """x with shape `new_sizes`, after transposing it by `dimensions` if given (`jax.lax.reshape`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.reshape(np.arange(6.0), (2, 3)).shape
    (2, 3)
    """
    if dimensions is not None:
        x = fnp.transpose(x, tuple(dimensions))
    return fnp.reshape(x, tuple(new_sizes))


def transpose(x, permutation):
    """x with its axes permuted by `permutation` (`jax.lax.transpose`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.transpose(np.zeros((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
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
    """x without its size-1 axes `dimensions` (`jax.lax.squeeze`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.squeeze(np.zeros((1, 3, 1)), (0, 2)).shape
    (3,)
    """
    return fnp.squeeze(x, axis=tuple(dimensions))


def expand_dims(x, dimensions):
    """x with new size-1 axes at positions `dimensions` (`jax.lax.expand_dims`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.expand_dims(np.zeros(3), (0,)).shape
    (1, 3)
    """
    return fnp.expand_dims(x, tuple(dimensions))


def concatenate(operands, dimension):
    """The operands joined along axis `dimension` (`jax.lax.concatenate`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.concatenate([np.ones(2), np.zeros(1)], 0)
    array([1., 1., 0.])
    """
    return fnp.concatenate(list(operands), axis=dimension)


def slice(x, start_indices, limit_indices, strides=None):  # noqa: A001 - JAX's name
    """x[start:limit:stride] along every axis (`jax.lax.slice`); static bounds.

    The cotangent is scattered back into zeros of x's shape.

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.slice(np.arange(10.0), (2,), (8,), (3,))
    array([2., 5.])
    """
    strides = strides or (1,) * len(start_indices)
    return x[tuple(builtins.slice(a, b, s) for a, b, s in zip(start_indices, limit_indices, strides))]


def slice_in_dim(x, start_index, limit_index, stride=1, axis=0):
    """x[start_index:limit_index:stride] along one axis (`jax.lax.slice_in_dim`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.slice_in_dim(np.arange(6.0).reshape(2, 3), 1, 3, axis=1)
    array([[1., 2.],
           [4., 5.]])
    """
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
    """The block of sizes `slice_sizes` starting at `start_indices` (`jax.lax.dynamic_slice`).

    Start indices may be traced (they are read as ints) and are clamped so the block fits, as in
    JAX; negative ones count from the end. Differentiable in x only.

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.dynamic_slice(np.arange(10.0), (8,), (3,))  # clamped to start at 7
    array([7., 8., 9.])
    """
    sizes = tuple(int(k) for k in slice_sizes)
    starts = _starts(x, start_indices, sizes)
    return x[tuple(builtins.slice(s, s + k) for s, k in zip(starts, sizes))]


def dynamic_update_slice(x, update, start_indices):
    """x with the block at `start_indices` replaced by `update` (`jax.lax.dynamic_update_slice`).

    Start indices are clamped as in `dynamic_slice`. The overwritten entries of x get a zero
    cotangent; `update` gets the cotangent of the block.

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.dynamic_update_slice(np.zeros(4), np.ones(2), (1,))
    array([0., 1., 1., 0.])
    """
    sizes = tuple(fnp.shape(update))
    starts = _starts(x, start_indices, sizes)
    index = tuple(builtins.slice(s, s + k) for s, k in zip(starts, sizes))
    return fnp.at(x)[index].set(update)


def dynamic_slice_in_dim(x, start_index, slice_size, axis=0):
    """`dynamic_slice` along one axis: `slice_size` entries from `start_index` (`jax.lax.dynamic_slice_in_dim`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.dynamic_slice_in_dim(np.arange(5.0), 1, 2)
    array([1., 2.])
    """
    starts = [0] * fnp.ndim(x)
    starts[axis] = start_index
    sizes = list(fnp.shape(x))
    sizes[axis] = slice_size
    return dynamic_slice(x, starts, sizes)


def dynamic_index_in_dim(x, index, axis=0, keepdims=True):
    """Entry `index` along `axis`, keeping that axis as size 1 unless keepdims=False (`jax.lax.dynamic_index_in_dim`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.dynamic_index_in_dim(np.arange(5.0), 3, keepdims=False)
    array(3.)
    """
    out = dynamic_slice_in_dim(x, index, 1, axis)
    return out if keepdims else fnp.squeeze(out, axis=axis)


def dynamic_update_slice_in_dim(x, update, start_index, axis):
    """`dynamic_update_slice` along one axis, at `start_index` (`jax.lax.dynamic_update_slice_in_dim`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.dynamic_update_slice_in_dim(np.zeros(4), np.ones(1), 2, 0)
    array([0., 0., 1., 0.])
    """
    starts = [0] * fnp.ndim(x)
    starts[axis] = start_index
    return dynamic_update_slice(x, update, starts)


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """NumPy's `dot` of lhs and rhs (`jax.lax.dot`); `precision` is accepted and ignored.

    The result is cast to `preferred_element_type` when given.

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> float(lax.dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    out = fnp.dot(lhs, rhs)
    return out if preferred_element_type is None else fnp.astype(out, preferred_element_type)


def rev(x, dimensions):
    """x reversed along the axes `dimensions` (`jax.lax.rev`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.rev(np.arange(3.0), (0,))
    array([2., 1., 0.])
    """
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
    """0, 1, ..., size - 1 as dtype `dtype` (`jax.lax.iota`): a constant.

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.iota(np.int32, 3)
    array([0, 1, 2], dtype=int32)
    """
    return np.arange(int(size), dtype=np.dtype(dtype))


def full(shape, fill_value, dtype=None):
    """An array of shape `shape` filled with `fill_value` (`jax.lax.full`).

    Differentiable in `fill_value`: its cotangent is the sum over the array.

    Examples
    --------
    >>> import funcgrad as fg
    >>> from funcgrad import lax
    >>> float(fg.grad(lambda v: lax.full((2, 3), v).sum())(1.0))
    6.0
    """
    return fnp.full(tuple(shape), fill_value, dtype=dtype)


def cumsum(x, axis=0, reverse=False):
    """Cumulative sum along `axis`, from the end when reverse=True (`jax.lax.cumsum`).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.cumsum(np.array([1.0, 2.0, 3.0]), reverse=True)
    array([6., 5., 3.])
    """
    if reverse:
        return fnp.flip(fnp.cumsum(fnp.flip(x, axis=axis), axis=axis), axis=axis)
    return fnp.cumsum(x, axis=axis)


def cumprod(x, axis=0, reverse=False):
    """Cumulative product along `axis`, from the end when reverse=True (`jax.lax.cumprod`).

    The derivative is exact at zeros (no division by x; see Singular points).

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> lax.cumprod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    if reverse:
        return fnp.flip(fnp.cumprod(fnp.flip(x, axis=axis), axis=axis), axis=axis)
    return fnp.cumprod(x, axis=axis)


def argmax(x, axis, index_dtype=np.int64):
    """The index of the largest entry along `axis`, as `index_dtype` (`jax.lax.argmax`).

    An integer result: it has no derivative.

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> int(lax.argmax(np.array([1.0, 3.0, 2.0]), 0))
    1
    """
    return fnp.astype(fnp.argmax(x, axis=axis), np.dtype(index_dtype))


def argmin(x, axis, index_dtype=np.int64):
    """The index of the smallest entry along `axis`, as `index_dtype` (`jax.lax.argmin`).

    An integer result: it has no derivative.

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import lax
    >>> int(lax.argmin(np.array([1.0, 3.0, 0.5]), 0))
    2
    """
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
