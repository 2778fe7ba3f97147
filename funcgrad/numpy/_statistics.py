"""Statistics of NumPy's main namespace, built from primitives: the NaN-ignoring reductions,
ptp, median/quantile/percentile (through a sort), partition, cov and corrcoef.

Conventions (docs/conventions.md, "Statistics"): a NaN entry ignored by a nan* function gets a
zero gradient; quantiles interpolate between two sorted entries and the gradient follows the
stable sort, so at ties it goes to the tied entries in their original order.
"""
from __future__ import annotations

import warnings

import numpy as np

from funcgrad.core.tracer import Tracer, concretize
from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, normalize_axis, shape_of
from funcgrad.primitives.contraction import matmul
from funcgrad.primitives.indexing import (add_along_axis_p, argsort, getitem, index_add_p, sort,
                                          take_along_axis)
from funcgrad.primitives.reductions import (
    all as _all, any as _any, argmax, argmin, cumprod, cumsum, max as _max, min as _min, prod,
    sum as _sum)
from funcgrad.primitives.shape import broadcast_to, concatenate, reshape, transpose
from funcgrad.numpy._composites import abs_squared, average, clip, mean, safe_root


def _array(x):
    return x if isinstance(x, Tracer) else np.asarray(x)


def _float(a):
    return a if np.issubdtype(dtype_of(a), np.inexact) else ew.astype(a, np.float64)


def _missing(a):
    """Where `a` is NaN (traced, so vmap batches it; a mask has no derivative)."""
    return ew.isnan(a) if np.issubdtype(dtype_of(a), np.inexact) else np.zeros(shape_of(a), bool)


def _fill(a, value):
    """`a` with its NaNs replaced by `value`; the replaced entries get a zero gradient."""
    if not np.issubdtype(dtype_of(a), np.inexact):
        return a  # integers and booleans hold no NaN (and cannot hold an infinite fill)
    return ew.where(_missing(a), np.asarray(value, dtype_of(a)), a)


def _present(a, axis, keepdims):
    """How many entries along `axis` are not NaN."""
    return _sum(ew.astype(ew.logical_not(_missing(a)), np.float64), axis=axis, keepdims=keepdims)


def _divide_or_nan(total, count):
    """total / count, NaN (with a zero gradient) where count <= 0."""
    empty = ew.less_equal(count, 0)
    return ew.where(empty, np.nan, total / ew.where(empty, 1.0, count))


# -- reductions ignoring NaN -------------------------------------------------------------------

def nansum(a, axis=None, dtype=None, keepdims=False):
    """Sum treating NaN as 0, as `numpy.nansum`; NaN entries get a zero gradient."""
    return _sum(_fill(_array(a), 0), axis=axis, dtype=dtype, keepdims=keepdims)


def nanprod(a, axis=None, dtype=None, keepdims=False):
    """Product treating NaN as 1, as `numpy.nanprod`."""
    return prod(_fill(_array(a), 1), axis=axis, dtype=dtype, keepdims=keepdims)


def nancumsum(a, axis=None, dtype=None):
    return cumsum(_fill(_array(a), 0), axis=axis, dtype=dtype)


def nancumprod(a, axis=None, dtype=None):
    return cumprod(_fill(_array(a), 1), axis=axis, dtype=dtype)


def nanmean(a, axis=None, dtype=None, keepdims=False):
    """Mean of the non-NaN entries, as `numpy.nanmean` (NaN for an all-NaN slice)."""
    a = _float(_array(a))
    out = _divide_or_nan(nansum(a, axis=axis, keepdims=keepdims), _present(a, axis, keepdims))
    return out if dtype is None else ew.astype(out, dtype)


def nanvar(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Variance of the non-NaN entries, as `numpy.nanvar`."""
    a = _float(_array(a))
    centred = _fill(a, 0) - ew.where(_missing(a), 0.0, nanmean(a, axis=axis, keepdims=True))
    count = _present(a, axis, keepdims) - ddof
    out = _sum(abs_squared(centred), axis=axis, keepdims=keepdims)
    out = _divide_or_nan(out, count)
    return out if dtype is None else ew.astype(out, dtype)


def nanstd(a, axis=None, dtype=None, ddof=0, keepdims=False):
    return safe_root(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def _nan_extremum(reduce, fill, a, axis, keepdims):
    a = _array(a)
    if not np.issubdtype(dtype_of(a), np.inexact):
        return reduce(a, axis=axis, keepdims=keepdims)  # no NaN: the plain extremum, its dtype
    empty = _all(_missing(a), axis=axis, keepdims=keepdims)
    return ew.where(empty, np.nan, reduce(_fill(a, fill), axis=axis, keepdims=keepdims))


def nanmax(a, axis=None, out=None, keepdims=False):
    """Maximum ignoring NaN, as `numpy.nanmax` (NaN for an all-NaN slice); ties share the gradient."""
    return _nan_extremum(_max, -np.inf, a, axis, keepdims)


def nanmin(a, axis=None, out=None, keepdims=False):
    """Minimum ignoring NaN, as `numpy.nanmin` (NaN for an all-NaN slice); ties share the gradient."""
    return _nan_extremum(_min, np.inf, a, axis, keepdims)


def nanargmax(a, axis=None, keepdims=False):
    return argmax(_fill(_array(a), -np.inf), axis=axis, keepdims=keepdims)


def nanargmin(a, axis=None, keepdims=False):
    return argmin(_fill(_array(a), np.inf), axis=axis, keepdims=keepdims)


def ptp(a, axis=None, keepdims=False):
    """Range (maximum - minimum), as `numpy.ptp`."""
    a = _array(a)
    return _max(a, axis=axis, keepdims=keepdims) - _min(a, axis=axis, keepdims=keepdims)


# -- order statistics --------------------------------------------------------------------------

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _to_last(a, axis):
    """`a` with the reduced axes moved to the end and flattened into one, and the kept shape."""
    a = _array(a)
    if axis is None:
        return reshape(a, (-1,)), (), tuple(range(len(shape_of(a))))
    axes = normalize_axis(axis, len(shape_of(a)))
    kept = [k for k in range(len(shape_of(a))) if k not in axes]
    moved = transpose(a, kept + list(axes))
    kept_shape = tuple(shape_of(a)[k] for k in kept)
    return reshape(moved, kept_shape + (-1,)), kept_shape, axes


def _quantile(a, q, axis, method, keepdims, ignore_nan):
    if method not in _METHODS:
        raise ValueError(f"quantile: method must be one of {_METHODS}, not {method!r}")
    a = _float(_array(a))
    ndim = len(shape_of(a))
    flat, kept_shape, axes = _to_last(a, axis)
    qs = np.asarray(concretize(q), dtype=float)
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError("quantiles must be in the range [0, 1]")
    ordered = sort(flat, axis=-1)  # NaN last; the gradient follows the permutation
    n = shape_of(flat)[-1]
    # the NaN-ignoring versions read how many entries each slice has (so vmap cannot batch them)
    count = np.sum(~np.isnan(np.asarray(concretize(flat))), axis=-1) if ignore_nan \
        else np.full(kept_shape, n)
    q_shape = qs.shape
    q_full = reshape(q if isinstance(q, Tracer) else qs, q_shape + (1,) * len(kept_shape))
    position = q_full * np.maximum(count - 1, 0).astype(float)
    concrete = qs.reshape(q_shape + (1,) * len(kept_shape)) * np.maximum(count - 1, 0)
    lower = np.floor(concrete).astype(int)
    upper = np.minimum(lower + 1, np.maximum(count - 1, 0))
    fraction = position - lower
    if method == "lower":
        fraction = np.zeros(concrete.shape)
    elif method == "higher":
        fraction = (concrete > lower).astype(float)
    elif method == "midpoint":
        fraction = np.where(concrete > lower, 0.5, 0.0)
    elif method == "nearest":
        fraction = (np.around(concrete) > lower).astype(float)
    out_shape = np.broadcast_shapes(concrete.shape, kept_shape)
    values = broadcast_to(ordered, out_shape + (n,))

    def pick(index):
        index = np.broadcast_to(index, out_shape)[..., None]
        return getitem(take_along_axis(values, index, -1), (Ellipsis, 0))

    low, high = pick(lower), pick(upper)
    out = low + (high - low) * fraction
    if np.any(count == 0):
        out = ew.where(np.broadcast_to(count == 0, out_shape), np.nan, out)
    if not ignore_nan:  # a NaN anywhere in a slice makes its quantiles NaN, as in NumPy
        out = ew.where(_any(_missing(flat), axis=-1), np.nan, out)
    if keepdims:
        full = [1 if k in axes else s for k, s in enumerate(shape_of(a))] if ndim else []
        out = reshape(out, q_shape + tuple(full))
    return out


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
             *, weights=None, interpolation=None):
    """The q-th quantiles along `axis`, as `numpy.quantile` (methods linear, lower, higher,
    midpoint, nearest); differentiable in `a` (through the sort) and in `q`.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda x: fnp.quantile(x, 0.25))(np.array([4.0, 1.0, 3.0]))
    array([0. , 0.5, 0.5])
    """
    if weights is not None:
        raise NotImplementedError("quantile: weights are not supported")
    return _quantile(a, q, axis, interpolation or method, keepdims, ignore_nan=False)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
               *, weights=None, interpolation=None):
    """The q-th percentiles along `axis`, as `numpy.percentile` (quantile at q / 100)."""
    return quantile(a, _array(q) / 100.0, axis, method=method, keepdims=keepdims, weights=weights,
                    interpolation=interpolation)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median along `axis`, as `numpy.median`. With an even count it averages the two middle
    entries; at ties the gradient goes to the tied entries in their original order."""
    return _quantile(a, 0.5, axis, "linear", keepdims, ignore_nan=False)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
                *, weights=None, interpolation=None):
    """quantile over the non-NaN entries, as `numpy.nanquantile` (NaN for an all-NaN slice)."""
    if weights is not None:
        raise NotImplementedError("nanquantile: weights are not supported")
    return _quantile(a, q, axis, interpolation or method, keepdims, ignore_nan=True)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None, interpolation=None):
    return nanquantile(a, _array(q) / 100.0, axis, method=method, keepdims=keepdims,
                       weights=weights, interpolation=interpolation)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _quantile(a, 0.5, axis, "linear", keepdims, ignore_nan=True)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """NumPy's argpartition of the concrete values (an integer array: no derivative)."""
    return np.argpartition(np.asarray(concretize(a)), kth, axis=axis)


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """A partitioned copy, as `numpy.partition`: the entries gathered by NumPy's argpartition,
    so the gradient follows that permutation."""
    a = _array(a)
    if axis is None:
        a, axis = reshape(a, (-1,)), -1
    return take_along_axis(a, argpartition(a, kth, axis=axis), axis=axis)


# -- covariance --------------------------------------------------------------------------------

def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    """Covariance matrix of the rows (variables) of `m`, as `numpy.cov`, with frequency and
    analytic weights."""
    x = _array(m)
    if len(shape_of(x)) > 2:
        raise ValueError("cov: m has more than 2 dimensions")
    x = reshape(x, (1, -1)) if len(shape_of(x)) < 2 else x
    if not rowvar and shape_of(x)[0] != 1:
        x = transpose(x)
    if y is not None:
        y = _array(y)
        y = reshape(y, (1, -1)) if len(shape_of(y)) < 2 else y
        if not rowvar and shape_of(y)[0] != 1:
            y = transpose(y)
        x = concatenate([x, y], axis=0)
    x = _float(x) if dtype is None else ew.astype(x, dtype)
    ddof = (0 if bias else 1) if ddof is None else ddof
    weights = None
    if fweights is not None:
        weights = _array(fweights)
    if aweights is not None:
        weights = _array(aweights) if weights is None else weights * _array(aweights)
    if weights is None:
        centred = x - mean(x, axis=1, keepdims=True)
        factor = shape_of(x)[1] - ddof
        scaled = centred
    else:
        total = _sum(weights)
        centred = x - reshape(average(x, axis=1, weights=weights), (-1, 1))
        if ddof == 0:
            factor = total
        elif aweights is None:
            factor = total - ddof
        else:
            factor = total - ddof * _sum(weights * _array(aweights)) / total
        scaled = centred * weights
    if not isinstance(factor, Tracer) and np.all(np.asarray(factor) <= 0):
        # numpy.cov's rule: no degree of freedom left divides by 0 (NaN), not by a negative count
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        factor = 0.0
    product = matmul(centred, transpose(ew.conj(scaled)))
    out = product / factor
    return reshape(out, ()) if shape_of(out) == (1, 1) else out


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients, as `numpy.corrcoef` (clipped to [-1, 1] like NumPy)."""
    c = cov(x, y, rowvar, dtype=dtype)
    if not shape_of(c):
        return c / c
    spread = ew.sqrt(ew.real(getitem(c, (np.arange(shape_of(c)[0]),) * 2)))
    c = c / reshape(spread, (-1, 1)) / reshape(spread, (1, -1))
    if np.iscomplexobj(np.empty(0, dtype_of(c))):
        return clip(ew.real(c), -1, 1) + 1j * clip(ew.imag(c), -1, 1)
    return clip(c, -1, 1)


__all__ = [
    "argpartition", "corrcoef", "cov", "median", "nanargmax", "nanargmin", "nancumprod",
    "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod",
    "nanquantile", "nanstd", "nansum", "nanvar", "partition", "percentile", "ptp", "quantile"]


# -- positions and counts (integer results: no derivative, except bincount's weights) ---------

def searchsorted(a, v, side="left", sorter=None):
    """Insertion points of v in the sorted a, as `numpy.searchsorted` (integers, no derivative).

    One stable sort of a and v together: an entry of v lands after the entries of a below it
    (and, for side="right", equal to it), so the cost is O((n + m) log(n + m)) and vmap batches it.
    """
    a, v = _array(a), _array(v)
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', not {side!r}")
    if sorter is not None:
        a = getitem(a, (np.asarray(concretize(sorter)),))
    n, points = shape_of(a)[0], reshape(v, (-1,))
    m = shape_of(points)[0]
    common = np.result_type(dtype_of(a), dtype_of(points))
    a, points = ew.astype(a, common), ew.astype(points, common)
    merged = concatenate([a, points] if side == "right" else [points, a])  # ties: first come first
    order = argsort(merged)
    from_a = ew.less(order, n) if side == "right" else ew.greater_equal(order, m)
    before = cumsum(ew.astype(from_a, np.intp))
    # before[j] belongs to entry order[j] of merged: scatter it back to entry order
    by_entry = add_along_axis_p.bind(before, order, axis=0, shape=(n + m,))
    found = getitem(by_entry, (slice(n, None),) if side == "right" else (slice(0, m),))
    return reshape(found, tuple(shape_of(v)))


def digitize(x, bins, right=False):
    """The bin of each x, as `numpy.digitize` (integer results)."""
    return np.digitize(np.asarray(concretize(x)), np.asarray(concretize(bins)), right=right)


def bincount(x, weights=None, minlength=0):
    """Counts (or summed weights) of each non-negative integer in x, as `numpy.bincount`;
    differentiable in the weights."""
    index = np.asarray(concretize(x))
    if weights is None:
        return np.bincount(index, minlength=minlength)
    size = max(int(index.max()) + 1 if index.size else 0, minlength)
    weights = _float(_array(weights))
    return index_add_p.bind(np.zeros(size, dtype_of(weights)), weights, index=(index,))


def nonzero(a):
    return np.nonzero(np.asarray(concretize(a)))


def flatnonzero(a):
    return np.flatnonzero(np.asarray(concretize(a)))


def argwhere(a):
    return np.argwhere(np.asarray(concretize(a)))


def lexsort(keys, axis=-1):
    return np.lexsort(tuple(np.asarray(concretize(k)) for k in keys), axis=axis)


__all__ += ["argwhere", "bincount", "digitize", "flatnonzero", "lexsort", "nonzero", "searchsorted"]


# -- unique values, sets and histograms: positions are found on the concrete values, the values
# themselves are gathered from the input (so they carry its derivative) ----------------------

def _gather_flat(a, index):
    return getitem(reshape(_array(a), (-1,)), (np.asarray(index, dtype=np.intp),))


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):  # noqa: A002 - NumPy's keyword
    """Sorted unique values, as `numpy.unique`; each value is gathered from its first occurrence."""
    ar = _array(ar)
    found = np.unique(np.asarray(concretize(ar)), return_index=True, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis, equal_nan=equal_nan)
    if axis is None:
        values = _gather_flat(ar, found[1])
    else:
        axis_ = normalize_axis(axis, len(shape_of(ar)))[0]
        values = getitem(ar, (slice(None),) * axis_ + (found[1],))
    extra = [found[1]] if return_index else []
    extra += list(found[2:])
    return (values, *extra) if extra else values


class UniqueAllResult(tuple):
    """(values, indices, inverse_indices, counts), as NumPy 2's unique_all."""
    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])
    inverse_indices = property(lambda self: self[2])
    counts = property(lambda self: self[3])


class UniqueCountsResult(tuple):
    values = property(lambda self: self[0])
    counts = property(lambda self: self[1])


class UniqueInverseResult(tuple):
    values = property(lambda self: self[0])
    inverse_indices = property(lambda self: self[1])


def unique_values(x):
    return unique(x)


def unique_counts(x):
    return UniqueCountsResult(unique(x, return_counts=True))


def unique_inverse(x):
    values, inverse = unique(x, return_inverse=True)
    return UniqueInverseResult((values, np.reshape(inverse, shape_of(x))))


def unique_all(x):
    values, index, inverse, counts = unique(x, return_index=True, return_inverse=True,
                                            return_counts=True)
    return UniqueAllResult((values, index, np.reshape(inverse, shape_of(x)), counts))


def union1d(ar1, ar2):
    """Sorted unique values of both inputs, as `numpy.union1d`."""
    return unique(concatenate([reshape(_array(ar1), (-1,)), reshape(_array(ar2), (-1,))]))


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False):
    """Sorted values in both inputs (gathered from ar1), as `numpy.intersect1d`."""
    _, first, second = np.intersect1d(np.asarray(concretize(ar1)), np.asarray(concretize(ar2)),
                                      assume_unique=assume_unique, return_indices=True)
    values = _gather_flat(ar1, first)
    return (values, first, second) if return_indices else values


def setxor1d(ar1, ar2, assume_unique=False):
    """Sorted values in exactly one input, as `numpy.setxor1d`."""
    both = concatenate([reshape(_array(ar1), (-1,)), reshape(_array(ar2), (-1,))])
    concrete = np.asarray(concretize(both))
    wanted = np.setxor1d(np.asarray(concretize(ar1)), np.asarray(concretize(ar2)), assume_unique)
    first = {}
    for i, v in enumerate(concrete.tolist()):
        first.setdefault(v, i)
    return _gather_flat(both, [first[v] for v in wanted.tolist()])


def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    return np.isin(np.asarray(concretize(element)), np.asarray(concretize(test_elements)),
                   assume_unique=assume_unique, invert=invert, kind=kind)


def in1d(ar1, ar2, assume_unique=False, invert=False, *, kind=None):
    """`isin` of the flattened `ar1`, as NumPy's `in1d` (deprecated in NumPy 2.0, removed in 2.4;
    kept so that code written for those versions runs)."""
    return isin(element=_flat_values(ar1), test_elements=ar2, assume_unique=assume_unique,
                invert=invert, kind=kind)


def _flat_values(a):
    return np.ravel(np.asarray(concretize(a)))


def sort_complex(a):
    """Sorted by real part, then imaginary part, as `numpy.sort_complex` (complex output)."""
    a = _array(a)
    values = np.asarray(concretize(a))
    order = np.lexsort((np.imag(values), np.real(values)), axis=-1)
    out = take_along_axis(a, order, axis=-1)
    return out if np.iscomplexobj(values) else ew.astype(out, np.result_type(values.dtype, np.complex64))


def histogram(a, bins=10, range=None, density=None, weights=None):  # noqa: A002 - NumPy's keyword
    """Counts (or summed weights) per bin, as `numpy.histogram`; differentiable in the weights.
    Where a value falls has no derivative."""
    values = np.asarray(concretize(a))
    counts, edges = np.histogram(values, bins, range=range)
    if weights is None and not density:
        return counts, edges
    if weights is None:
        weights = np.ones(values.shape)
    weights = _float(_array(weights))
    inside = (values >= edges[0]) & (values <= edges[-1])
    slot = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    picked = getitem(reshape(weights, (-1,)), (np.flatnonzero(inside),))
    totals = index_add_p.bind(np.zeros(len(edges) - 1, dtype_of(weights)), picked,
                              index=(slot.ravel()[inside.ravel()],))
    if density:
        totals = totals / _sum(totals) / np.diff(edges)
    return totals, edges


def histogram2d(x, y, bins=10, range=None, density=None, weights=None):  # noqa: A002
    if isinstance(weights, Tracer):
        raise NotImplementedError("histogram2d: traced weights are not supported; use histogram")
    return np.histogram2d(np.asarray(concretize(x)), np.asarray(concretize(y)), bins, range,
                          density, weights)


def histogramdd(sample, bins=10, range=None, density=None, weights=None):  # noqa: A002
    if isinstance(weights, Tracer):
        raise NotImplementedError("histogramdd: traced weights are not supported; use histogram")
    return np.histogramdd(np.asarray(concretize(sample)), bins, range, density, weights)


__all__ += ["histogram", "histogram2d", "histogramdd", "intersect1d", "isin", "in1d", "setxor1d",
            "sort_complex", "union1d", "unique", "unique_all", "unique_counts", "unique_inverse",
            "unique_values"]
