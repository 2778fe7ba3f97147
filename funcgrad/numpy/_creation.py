"""Making arrays: from data (array/asarray, which accept tracers and lists holding tracers),
from shapes (zeros, ones, eye...: plain NumPy arrays, constants to every transform), and the
shape queries shape/ndim/size."""
from __future__ import annotations

import numpy as np
from numpy import (arange, empty, eye, full, identity, linspace, logspace, ones,  # noqa: F401
                   tri, zeros)

from funcgrad.core.tracer import Tracer
from funcgrad.errors import where
from funcgrad.primitives.elementwise import astype_p
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.primitives.shape import reshape, stack


def _holds_tracer(obj) -> bool:
    if isinstance(obj, Tracer):
        return True
    if isinstance(obj, (list, tuple)):
        return any(_holds_tracer(item) for item in obj)
    return False


def _from_nested(obj):
    """A traced array from a (nested) list or tuple holding tracers, by stacking."""
    if isinstance(obj, (list, tuple)):
        if not obj:
            return np.zeros((0,))
        return stack([_from_nested(item) for item in obj], axis=0)
    return obj


def array(object, dtype=None, copy=True, ndmin=0):  # noqa: A002 - NumPy's name
    """An array from data, as `numpy.array`; tracers (or lists holding them) stay traced.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda x: fnp.sum(fnp.array([x, 2.0 * x, 1.0]) ** 2))(1.0)
    np.float64(10.0)
    """
    if not _holds_tracer(object):
        return np.array(object, dtype=dtype, copy=copy, ndmin=ndmin)
    out = _from_nested(object)
    if dtype is not None and np.dtype(dtype) != dtype_of(out):
        out = astype_p.bind(out, dtype=np.dtype(dtype))
    if len(shape_of(out)) < ndmin:
        out = reshape(out, (1,) * (ndmin - len(shape_of(out))) + tuple(shape_of(out)))
    return out


def asarray(a, dtype=None):
    """`a` as an array without copying, as `numpy.asarray`; tracers are returned as they are."""
    if isinstance(a, Tracer):
        return a if dtype is None or np.dtype(dtype) == a.dtype else astype_p.bind(a, dtype=np.dtype(dtype))
    if _holds_tracer(a):
        return array(a, dtype=dtype)
    out = np.asarray(a, dtype=dtype)
    if out.dtype == object:  # as JAX: nothing in an object array has a derivative
        raise TypeError(f"funcgrad.numpy.asarray: {type(a).__name__} {a!r:.60} is not array data"
                        f"{where()} (NumPy would make an object array, which funcgrad has no use for); "
                        "pass numbers, arrays, or (nested) lists of them.")
    return out


def _like(a, dtype, shape):
    shape = shape_of(a) if shape is None else shape
    return shape, dtype_of(a) if dtype is None else dtype


def zeros_like(a, dtype=None, shape=None):
    """Zeros with a's shape and dtype: a plain array (a constant, with no derivative)."""
    return np.zeros(*_like(a, dtype, shape))


def ones_like(a, dtype=None, shape=None):
    return np.ones(*_like(a, dtype, shape))


def empty_like(a, dtype=None, shape=None):
    return np.empty(*_like(a, dtype, shape))


def full_like(a, fill_value, dtype=None, shape=None):
    shape, dtype = _like(a, dtype, shape)
    if isinstance(fill_value, Tracer):
        from funcgrad.primitives.shape import broadcast_to
        return broadcast_to(astype_p.bind(fill_value, dtype=np.dtype(dtype)), shape)
    return np.full(shape, fill_value, dtype)


def shape(a) -> tuple:
    return tuple(shape_of(a))


def ndim(a) -> int:
    return len(shape_of(a))


def size(a, axis=None) -> int:
    s = shape_of(a)
    return int(np.prod(s, dtype=np.int64)) if axis is None else int(s[axis])
