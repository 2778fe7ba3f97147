"""The rest of NumPy's main namespace, on traced values: applying functions along axes
(apply_along_axis, apply_over_axes, vectorize), bin edges, set differences, dtype and memory
queries, printing, and the in-place writers, which refuse traced values with the fix to use.

Each either computes with funcgrad's operations (so it is differentiable where its values are) or
reads only shapes, dtypes or integer values (no derivative to lose).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from funcgrad.core.tracer import Tracer, concrete_value, concretize
from funcgrad.errors import where
from funcgrad.primitives._util import dtype_of, normalize_axis, shape_of
from funcgrad.primitives.indexing import getitem
from funcgrad.primitives.shape import broadcast_to, expand_dims, moveaxis, ravel, reshape, stack
from funcgrad.numpy._arraylike import holds_tracer
from funcgrad.numpy._creation import asarray, linspace


def _any_traced(args, kwargs=None) -> bool:
    return any(holds_tracer(a) for a in args) or any(holds_tracer(v) for v in (kwargs or {}).values())


# -- functions applied along axes ----------------------------------------------------------------

def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """func1d applied to every 1-d slice of `arr` along `axis`, as `numpy.apply_along_axis`: the
    results are stacked where the axis was (differentiable through func1d)."""
    if not isinstance(arr, Tracer):
        return np.apply_along_axis(func1d, axis, arr, *args, **kwargs)
    ndim = len(shape_of(arr))
    axis = normalize_axis(axis, ndim)[0]
    moved = moveaxis(arr, axis, -1)
    outer = tuple(shape_of(moved)[:-1])
    results = [asarray(func1d(getitem(moved, index), *args, **kwargs)) for index in np.ndindex(*outer)]
    if not results:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    inner = tuple(shape_of(results[0]))
    out = reshape(stack(results, axis=0), outer + inner)
    # the function's own axes take the place of `axis`, as in NumPy
    return moveaxis(out, tuple(range(len(outer), len(outer) + len(inner))),
                    tuple(range(axis, axis + len(inner)))) if inner else out


def apply_over_axes(func, a, axes):
    """func(a, axis) applied for each axis in turn, keeping dimensions, as `numpy.apply_over_axes`."""
    if not isinstance(a, Tracer):
        return np.apply_over_axes(func, a, axes)
    ndim = len(shape_of(a))
    for axis in np.atleast_1d(axes):
        axis = int(axis) + ndim if axis < 0 else int(axis)
        result = asarray(func(a, axis))
        if len(shape_of(result)) == ndim - 1:
            result = expand_dims(result, axis)
        elif len(shape_of(result)) != ndim:
            raise ValueError("function is not returning an array of the correct shape")
        a = result
    return a


# (NumPy's stubs pin vectorize.__module__ to "numpy": any subclass defined elsewhere differs)
class vectorize(np.vectorize):  # pyright: ignore[reportIncompatibleVariableOverride]
    """NumPy's vectorize; on traced arguments the function is called on each element (so it is
    differentiable through pyfunc) and the results are stacked. `signature=` is not supported on
    traced values (use funcgrad.vmap)."""

    def __call__(self, *args, **kwargs):
        if not _any_traced(args, kwargs):
            return super().__call__(*args, **kwargs)
        if self.signature is not None:
            raise NotImplementedError(
                f"vectorize(signature=...) on traced values{where()}: use funcgrad.vmap instead")
        excluded = set(self.excluded)
        names = sorted(k for k in kwargs if k not in excluded)
        positions = [i for i in range(len(args)) if i not in excluded]
        values = [asarray(args[i]) for i in positions] + [asarray(kwargs[k]) for k in names]
        shape = np.broadcast_shapes(*[tuple(shape_of(v)) for v in values])
        flat = [ravel(broadcast_to(v, shape)) for v in values]
        outputs = []
        for k in range(int(np.prod(shape, dtype=np.int64))):
            call_args, call_kwargs = list(args), dict(kwargs)
            for i, v in zip(positions + names, flat):
                element = getitem(v, (k,))
                if isinstance(i, int):
                    call_args[i] = element
                else:
                    call_kwargs[i] = element
            outputs.append(self.pyfunc(*call_args, **call_kwargs))
        if not outputs:
            raise ValueError("vectorize: cannot call on size 0 traced inputs")
        if isinstance(outputs[0], tuple):
            return tuple(reshape(stack([asarray(o[j]) for o in outputs]), shape)
                         for j in range(len(outputs[0])))
        out = reshape(stack([asarray(o) for o in outputs]), shape)
        return out if self.otypes is None or not self.otypes else \
            out.astype(np.dtype(self.otypes[0]))


# -- values from arrays --------------------------------------------------------------------------

def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002 - NumPy's keyword
    """Bin edges as `numpy.histogram_bin_edges`: for a number of bins (or a rule name such as
    'auto', whose count is read from the values), linspace(min, max, n + 1), differentiable in
    the data's extremes (or in `range`)."""
    if not _any_traced((a, bins, range)):
        return np.histogram_bin_edges(a, bins, range, weights)
    if holds_tracer(bins) or not isinstance(bins, (int, np.integer, str)):
        return asarray(bins)  # explicit edges are returned as they are
    from funcgrad.primitives.reductions import max as _max, min as _min
    a = ravel(asarray(a))
    if isinstance(bins, str):
        count = len(np.histogram_bin_edges(np.asarray(concretize(a)), bins, _static(range))) - 1
    else:
        count = int(bins)
    low, high = (_min(a), _max(a)) if range is None else (asarray(range[0]), asarray(range[1]))
    if float(concretize(low)) == float(concretize(high)):  # NumPy widens an empty range
        low, high = low - 0.5, high + 0.5
    return linspace(low, high, count + 1)


def _static(value) -> Any:  # a NumPy value, for NumPy's own function
    return None if value is None else np.asarray(concretize(value))


def setdiff1d(ar1, ar2, assume_unique=False):
    """The unique values of ar1 that are not in ar2 (sorted), as `numpy.setdiff1d`."""
    if not _any_traced((ar1, ar2)):
        return np.setdiff1d(ar1, ar2, assume_unique)
    from funcgrad.numpy._statistics import unique
    values = ravel(asarray(ar1)) if assume_unique else unique(ar1)
    keep = ~np.isin(np.asarray(concretize(values)), np.asarray(concretize(asarray(ar2))))
    return getitem(values, (np.nonzero(keep)[0],))


def common_type(*arrays):
    """The inexact scalar type common to the arrays' dtypes, as `numpy.common_type`."""
    return np.common_type(*[np.empty(0, dtype_of(a)) for a in arrays])


def may_share_memory(a, b, /, max_work=None):
    """False for a traced value (it owns no memory: it is immutable), else NumPy's answer."""
    if isinstance(a, Tracer) or isinstance(b, Tracer):
        return False
    # (NumPy takes its own default max_work=None; its stubs do not)
    return np.may_share_memory(a, b, max_work)  # pyright: ignore[reportArgumentType]


def shares_memory(a, b, /, max_work=None):
    """False for a traced value (it owns no memory: it is immutable), else NumPy's answer."""
    if isinstance(a, Tracer) or isinstance(b, Tracer):
        return False
    return np.shares_memory(a, b, max_work)  # pyright: ignore[reportArgumentType]  (idem)


def isfortran(a):
    """Whether `a` is Fortran-ordered and not C-ordered (never, for a traced value)."""
    return False if isinstance(a, Tracer) else np.isfortran(a)


def _at_least_1d(a):
    """NumPy's layout functions return at least one dimension (a 0-d array becomes shape (1,))."""
    return reshape(a, (1,)) if not shape_of(a) else a


def ascontiguousarray(a, dtype=None, *, like=None):
    """`a` as a C-ordered array (a traced value is returned as it is)."""
    return _at_least_1d(asarray(a, dtype)) if holds_tracer(a) else np.ascontiguousarray(a, dtype)


def asfortranarray(a, dtype=None, *, like=None):
    """`a` as a Fortran-ordered array (a traced value is returned as it is: layout is not traced)."""
    return _at_least_1d(asarray(a, dtype)) if holds_tracer(a) else np.asfortranarray(a, dtype)


def require(a, dtype=None, requirements=None, *, like=None):
    """`a` meeting the layout requirements (a traced value has no layout: only dtype applies)."""
    return asarray(a, dtype) if holds_tracer(a) else np.require(a, dtype, requirements)


# -- printing: the concrete values -------------------------------------------------------------

def array2string(a, *args, **kwargs):
    """The text of `a`'s values, as `numpy.array2string` (a traced value prints its value)."""
    return np.array2string(np.asarray(concrete_value(a)), *args, **kwargs)


def array_repr(arr, *args, **kwargs):
    """repr of `arr`'s values, as `numpy.array_repr`."""
    return np.array_repr(np.asarray(concrete_value(arr)), *args, **kwargs)


def array_str(a, *args, **kwargs):
    """str of `a`'s values, as `numpy.array_str`."""
    return np.array_str(np.asarray(concrete_value(a)), *args, **kwargs)


# -- integer-valued functions: computed from the values (they have no derivative) ----------------

def _integer_values(name):
    numpy_function = getattr(np, name)

    def function(*args, **kwargs):
        args = [_static_integers(a, name) for a in args]
        kwargs = {k: _static_integers(v, name) for k, v in kwargs.items()}
        return numpy_function(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"`numpy.{name}` on integer or boolean values (traced ones are read by "
                        "value: they carry no derivative).")
    return function


def _static_integers(value, name):
    if not holds_tracer(value):
        return value
    value = asarray(value)
    if np.issubdtype(dtype_of(value), np.inexact):
        raise TypeError(f"{name}: a floating traced value was passed{where()}; {name} takes integer "
                        "or boolean arrays (its result has no derivative)")
    return np.asarray(concretize(value))


packbits, unpackbits = _integer_values("packbits"), _integer_values("unpackbits")
ravel_multi_index, unravel_index = _integer_values("ravel_multi_index"), _integer_values("unravel_index")


def isnat(x, /):
    """Whether each datetime/timedelta value is NaT, as `numpy.isnat` (not defined for numbers)."""
    if isinstance(x, Tracer):
        raise TypeError(f"ufunc 'isnat' is only defined for np.datetime64 and np.timedelta64, "
                        f"not for a traced {dtype_of(x)} value{where()}")
    return np.isnat(x)


# -- writers into arrays: a traced value is immutable --------------------------------------------

def _writer(name, fix):
    numpy_function = getattr(np, name)

    def function(*args, **kwargs):
        if _any_traced(args, kwargs):
            raise TypeError(f"numpy.{name} writes into an array in place, which cannot be done with "
                            f"traced values{where()} (a write into a plain array would drop the "
                            f"derivative, and traced values are immutable). Instead: {fix}.")
        return numpy_function(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`numpy.{name}` on plain arrays; on traced values use: {fix}."
    return function


copyto = _writer("copyto", "dst = fnp.where(mask, src, dst) or a new array")
place = _writer("place", "arr = fnp.where(mask, values, arr)")
put = _writer("put", "a = a.at[indices].set(values) (on the flattened array: a.ravel().at[...])")
putmask = _writer("putmask", "a = fnp.where(mask, values, a)")
fill_diagonal = _writer("fill_diagonal", "a = a.at[fnp.diag_indices_from(a)].set(value)")


__all__ = ["apply_along_axis", "apply_over_axes", "array2string", "array_repr", "array_str",
           "ascontiguousarray", "asfortranarray", "common_type", "copyto", "fill_diagonal",
           "histogram_bin_edges", "isfortran", "isnat", "may_share_memory", "packbits", "place",
           "put", "putmask", "ravel_multi_index", "require", "setdiff1d", "shares_memory",
           "unpackbits", "unravel_index", "vectorize"]
