"""Making arrays: from data (array/asarray, which accept tracers and lists holding tracers),
from shapes (zeros, ones, eye...: plain NumPy arrays, constants to every transform), filled or
spaced from values (full, full_like, linspace, logspace, geomspace, arange: traced when their
values are), and the shape queries shape/ndim/size."""
from __future__ import annotations

from typing import Literal

import numpy as np
from numpy import empty, eye, identity, ones, tri, zeros  # noqa: F401  (constants only)

from funcgrad.core.tracer import Tracer, concretize
from funcgrad._typing import Array
from funcgrad.errors import where
from funcgrad.primitives import elementwise as ew
from funcgrad.primitives.elementwise import astype_p
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.primitives.shape import broadcast_to, moveaxis, reshape, stack


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


def asarray(a, dtype=None) -> Array:
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


def zeros_like(a, dtype=None, order="K", subok=True, shape=None):
    """Zeros with a's shape and dtype: a plain array (a constant, with no derivative)."""
    return np.zeros(*_like(a, dtype, shape))


def ones_like(a, dtype=None, order="K", subok=True, shape=None):
    """Ones with a's shape and dtype: a plain array (a constant, with no derivative)."""
    return np.ones(*_like(a, dtype, shape))


def empty_like(a, dtype=None, order="K", subok=True, shape=None):
    """An uninitialised array with a's shape and dtype (a constant)."""
    return np.empty(*_like(a, dtype, shape))


def _filled(shape, fill_value, dtype):
    """fill_value broadcast to `shape`: traced when fill_value is (differentiable in it)."""
    fill_value = asarray(fill_value)
    dtype = dtype_of(fill_value) if dtype is None else np.dtype(dtype)
    if dtype != dtype_of(fill_value):
        fill_value = astype_p.bind(fill_value, dtype=dtype)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return broadcast_to(fill_value, shape)


def full(shape, fill_value, dtype=None, order: Literal["C", "F"] = "C", *, like=None):
    """An array of `shape` filled with `fill_value`, as `numpy.full`; differentiable in the fill.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda x: fnp.sum(fnp.full((2, 3), x)))(1.0)
    np.float64(6.0)
    """
    if not isinstance(fill_value, Tracer):
        return np.full(shape, fill_value, dtype, order)
    return _filled(shape, fill_value, dtype)


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None):
    """An array shaped like `a` filled with `fill_value`; differentiable in the fill only."""
    shape, dtype = _like(a, dtype, shape)
    if not isinstance(fill_value, Tracer):
        return np.full(shape, fill_value, dtype)
    return _filled(shape, fill_value, dtype)


# -- evenly spaced values ------------------------------------------------------------------------

def _fractions(num, endpoint):
    """The fractions k / div (k = 0 .. num - 1) of the way from start to stop, and div."""
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = num - 1 if endpoint else num
    return (np.arange(num, dtype=np.float64) / div if div > 0 else np.zeros(num)), div


def _spaced(start, stop, num, endpoint, axis, exact_ends=True):
    """start + (stop - start) * k / div for k < num, along a new axis `axis`, with the end points
    exact (as NumPy makes them): differentiable in start (1 - t) and stop (t)."""
    start, stop = asarray(start), asarray(stop)
    fractions, div = _fractions(num, endpoint)
    ends = tuple(np.broadcast_shapes(tuple(shape_of(start)), tuple(shape_of(stop))))
    common = np.result_type(dtype_of(start), dtype_of(stop), 1.0)
    t = fractions.astype(common).reshape((-1,) + (1,) * len(ends))
    delta = stop - start
    out = start + delta * t if div > 0 else start + 0.0 * delta * t
    if exact_ends and endpoint and int(num) > 1:  # the last sample is stop itself
        last = (np.arange(int(num)) == int(num) - 1).reshape(t.shape)
        out = ew.where(last, stop, out)
    out = broadcast_to(out, (int(num),) + ends)
    return moveaxis(out, 0, axis) if ends else out, delta, div


def _cast(out, dtype, integer_floor=True):
    if dtype is None:
        return out
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer) and integer_floor:
        out = ew.floor(out)  # NumPy rounds towards -inf for an integer dtype
    return astype_p.bind(out, dtype=dtype) if dtype != dtype_of(out) else out


def linspace(start, stop, num=50, endpoint=True, retstep: bool = False, dtype=None, axis=0, *,
             device=None):
    """`num` evenly spaced samples from start to stop, as `numpy.linspace`; differentiable in
    start and stop (in every mode and order), which may be arrays.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda b: fnp.sum(fnp.linspace(0.0, b, 5)))(2.0)
    np.float64(2.5)
    """
    if not (isinstance(start, Tracer) or isinstance(stop, Tracer)):
        return np.linspace(start, stop, num, endpoint, retstep=retstep, dtype=dtype, axis=axis)
    start, stop = asarray(start), asarray(stop)
    common = np.result_type(dtype_of(start), dtype_of(stop), 1.0)  # integers compute in float64
    start, stop = asarray(start, dtype=common), asarray(stop, dtype=common)
    out, delta, div = _spaced(start, stop, num, endpoint, axis)
    out = _cast(out, dtype)
    if retstep:
        return out, (delta / div if div > 0 else delta * np.nan)
    return out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """base ** linspace(start, stop, num), as `numpy.logspace`; differentiable in start, stop
    and base."""
    if not any(isinstance(v, Tracer) for v in (start, stop, base)):
        return np.logspace(start, stop, num, endpoint, base, dtype, axis)
    spacing = linspace if isinstance(start, Tracer) or isinstance(stop, Tracer) else np.linspace
    exponents = spacing(start, stop, num, endpoint, axis=axis)
    base = asarray(base)
    if shape_of(base):  # an array of bases gets the samples' axis, as in NumPy
        from funcgrad.primitives.shape import expand_dims
        base = expand_dims(base, axis)
    return _cast(ew.power(base, exponents), dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Samples spaced evenly on a log scale from start to stop (non-zero, of one sign elementwise),
    as `numpy.geomspace`; differentiable in start and stop, with the end points exact."""
    if not (isinstance(start, Tracer) or isinstance(stop, Tracer)):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
    start, stop = asarray(start), asarray(stop)
    if np.iscomplexobj(np.empty(0, dtype_of(start))) or np.iscomplexobj(np.empty(0, dtype_of(stop))):
        raise NotImplementedError("geomspace: complex start or stop is not supported on traced values")
    low, high = np.asarray(concretize(start)), np.asarray(concretize(stop))
    if np.any(low == 0) or np.any(high == 0):
        raise ValueError("Geometric sequence cannot include zero")
    if np.any(np.sign(low) != np.sign(high)):
        raise ValueError("geomspace: start and stop must have the same sign (real traced values)")
    sign = np.sign(low).astype(np.float64)
    logs, _, _ = _spaced(ew.log(start * sign), ew.log(stop * sign), num, endpoint, 0,
                         exact_ends=False)
    out = sign * ew.exp(logs)
    count = int(num)
    if count:  # the end points exactly, as NumPy
        position = np.arange(count).reshape((-1,) + (1,) * len(shape_of(logs)[1:]))
        out = ew.where(position == 0, start + 0.0 * out, out)
        if endpoint and count > 1:
            out = ew.where(position == count - 1, stop + 0.0 * out, out)
    out = moveaxis(out, 0, axis) if shape_of(out)[1:] else out
    return _cast(out, dtype, integer_floor=False)


def arange(start, stop=None, step=None, dtype=None, *, device=None, like=None):
    """Evenly spaced values in [start, stop), as `numpy.arange`. Traced bounds are accepted: the
    length is read from their values (it is piecewise constant), and the values start + k * step
    are differentiable in start and step (stop sets only the length).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda s: fnp.sum(fnp.arange(s, 4.0)))(0.5)
    np.float64(4.0)
    """
    traced = [v for v in (start, stop, step) if isinstance(v, Tracer)]
    if not traced:
        if stop is None and step is None:
            return np.arange(start, dtype=dtype)
        return np.arange(start, stop, 1 if step is None else step, dtype=dtype)
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    first, last, stride = (np.asarray(concretize(v)) for v in (start, stop, step))
    if any(np.shape(v) for v in (first, last, stride)):
        raise ValueError("arange: start, stop and step must be scalars")
    if stride == 0:
        raise ZeroDivisionError("arange: step must not be zero")
    result = np.result_type(first, last, stride) if dtype is None else np.dtype(dtype)
    count = max(int(np.ceil((last - first) / stride)), 0)
    start, step = asarray(start), asarray(step)
    out = start + np.arange(count, dtype=np.result_type(result, np.float64)
                            if np.issubdtype(result, np.inexact) else result) * step
    return _cast(out, result, integer_floor=False)


def shape(a) -> tuple:
    """The shape of `a` (a tracer's, a list's or an array's) as a tuple."""
    return tuple(shape_of(a))


def ndim(a) -> int:
    """The number of dimensions of `a`."""
    return len(shape_of(a))


def size(a, axis=None) -> int:
    """The number of elements of `a` (along `axis` if given)."""
    s = shape_of(a)
    return int(np.prod(s, dtype=np.int64)) if axis is None else int(s[axis])
