"""softmax, log_softmax, logsumexp, one_hot and standardize with jax.nn's signatures."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.errors import where as _where
from funcgrad.primitives._util import shape_of
from funcgrad.primitives.elementwise import stop_gradient


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """log(sum(b * exp(a))) along `axis`, computed stably (the maximum is taken out first).
    `where` masks out entries (as JAX's)."""
    a = fnp.asarray(a)
    if where is not None:
        a = fnp.where(where, a, -np.inf)
    if b is not None:
        a = a + fnp.log(fnp.abs(fnp.asarray(b)))
    peak = stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    peak = fnp.where(fnp.isfinite(peak), peak, 0.0)
    shifted = fnp.exp(a - peak)
    if b is not None:
        shifted = shifted * fnp.sign(fnp.asarray(b))
    total = fnp.sum(shifted, axis=axis, keepdims=True)
    sign = fnp.sign(total)
    empty = total == 0  # every entry -inf (or masked out): -inf, with no log(0) warning
    out = fnp.where(empty, -np.inf, fnp.log(fnp.where(empty, 1.0, fnp.abs(total)))) + peak
    if not keepdims:
        out = fnp.squeeze(out, axis=axis) if axis is not None else fnp.reshape(out, ())
        sign = fnp.squeeze(sign, axis=axis) if axis is not None else fnp.reshape(sign, ())
    if return_sign:
        return out, sign
    if b is not None and np.any(np.asarray(_concrete(sign)) < 0):
        return fnp.where(sign < 0, np.nan, out)
    return out


def _concrete(x):
    from funcgrad.core.tracer import concrete_value
    return concrete_value(x)


def softmax(x, axis=-1, where=None):
    """exp(x) / sum(exp(x)) along `axis`, stably; `where` masks entries out (they get 0)."""
    x = fnp.asarray(x)
    if where is not None:
        x = fnp.where(where, x, -np.inf)
    peak = stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    e = fnp.exp(x - fnp.where(fnp.isfinite(peak), peak, 0.0))
    return e / fnp.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1, where=None):
    """x - logsumexp(x) along `axis`, stably."""
    x = fnp.asarray(x)
    if where is not None:
        x = fnp.where(where, x, -np.inf)
    peak = stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    shifted = x - fnp.where(fnp.isfinite(peak), peak, 0.0)
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True))


def one_hot(x, num_classes, dtype=np.float64, axis=-1):
    """One-hot encoding of the integers x: 1 at each x's class along a new axis of length
    num_classes (0 everywhere for an out-of-range class, as JAX's)."""
    x = fnp.asarray(x)
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"funcgrad.nn.one_hot: x must hold integers (class indices), got dtype "
                        f"{x.dtype}{_where()}.")
    classes = np.arange(int(num_classes))
    ndim = len(shape_of(x)) + 1
    axis = axis % ndim
    shape = [1] * ndim
    shape[axis] = int(num_classes)
    return (fnp.expand_dims(x, axis) == classes.reshape(shape)).astype(dtype)


def _mean(x, axis, where):
    """The mean over `axis` (kept), of the entries where `where` is true when it is given."""
    if where is None:
        return fnp.mean(x, axis=axis, keepdims=True)
    where = fnp.broadcast_to(where, fnp.shape(x))
    total = fnp.sum(fnp.where(where, x, 0.0), axis=axis, keepdims=True)
    return total / fnp.sum(where, axis=axis, keepdims=True)


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None):
    """(x - mean) / sqrt(variance + epsilon) along `axis` (mean and variance computed when not
    given, over the entries where `where` is true if it is given, as jax.nn.standardize)."""
    x = fnp.asarray(x)
    if mean is None:
        mean = _mean(x, axis, where)
    if variance is None:
        centred = x - mean
        variance = _mean(centred * centred, axis, where)
    return (x - mean) / fnp.sqrt(variance + epsilon)
