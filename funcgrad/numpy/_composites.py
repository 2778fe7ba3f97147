"""Functions of funcgrad.numpy built from primitives (their derivatives follow from those)."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, normalize_axis, shape_of
from funcgrad.primitives.reductions import max as _max, sum as _sum
from funcgrad.primitives.shape import reshape


def _count(a, axis):
    shape = shape_of(a)
    axes = range(len(shape)) if axis is None else normalize_axis(axis, len(shape))
    return int(np.prod([shape[i] for i in axes], dtype=np.int64))


def mean(a, axis=None, dtype=None, keepdims=False):
    """Arithmetic mean over the given axes, as `numpy.mean`."""
    total = _sum(a, axis=axis, keepdims=keepdims)
    if dtype is None and not np.issubdtype(dtype_of(a), np.inexact):
        total = ew.astype_p.bind(total, dtype=np.dtype(np.float64))
    out = total / _count(a, axis)
    return out if dtype is None else ew.astype_p.bind(out, dtype=np.dtype(dtype))


def var(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Variance, as `numpy.var`."""
    centred = a - mean(a, axis=axis, keepdims=True)
    return _sum(centred * centred, axis=axis, keepdims=keepdims) / (_count(a, axis) - ddof)


def std(a, axis=None, dtype=None, ddof=0, keepdims=False):
    return ew.sqrt(var(a, axis=axis, ddof=ddof, keepdims=keepdims))


def logsumexp(a, axis=None, keepdims=False):
    """log(sum(exp(a))), computed stably; a row of -inf gives -inf with a zero gradient."""
    shift = ew.stop_gradient(_max(a, axis=axis, keepdims=True))
    shift = ew.where(ew.isfinite(shift), shift, 0.0)
    out = ew.log(_sum(ew.exp(a - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else _squeeze_axes(out, axis)


def _squeeze_axes(x, axis):
    shape = shape_of(x)
    axes = range(len(shape)) if axis is None else normalize_axis(axis, len(shape))
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


def softmax(x, axis=-1):
    unnormalized = ew.exp(x - ew.stop_gradient(_max(x, axis=axis, keepdims=True)))
    return unnormalized / _sum(unnormalized, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    shifted = x - ew.stop_gradient(_max(x, axis=axis, keepdims=True))
    return shifted - ew.log(_sum(ew.exp(shifted), axis=axis, keepdims=True))


def sigmoid(x):
    """1 / (1 + exp(-x)), without overflow for large |x|."""
    return 0.5 * ew.tanh(0.5 * x) + 0.5


expit = sigmoid


def clip(a, a_min=None, a_max=None):
    """Limit values to [a_min, a_max]; at a bound the gradient is split as in maximum/minimum."""
    if a_min is not None:
        a = ew.maximum(a, a_min)
    if a_max is not None:
        a = ew.minimum(a, a_max)
    return a


def dot(a, b):
    from funcgrad.primitives.contraction import matmul
    if len(shape_of(a)) == 0 or len(shape_of(b)) == 0:
        return a * b
    if len(shape_of(b)) > 2:
        raise NotImplementedError("dot with a >2-d second argument: use tensordot or einsum")
    return matmul(a, b)
