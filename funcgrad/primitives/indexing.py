"""Indexing: x[index] and its transpose, the accumulating scatter `index_add`; sort and argsort.

Indices are static parameters: slices, ints, None, Ellipsis, integer arrays and boolean masks
(a mask becomes the integer arrays of its nonzero positions). A traced index (from argmax, say)
is used by its concrete value; indices have no derivative. Repeated integer indices read a value
several times, so their cotangents are summed (index_add accumulates, as numpy.add.at).
"""
from __future__ import annotations

import math

import numpy as np

from funcgrad.core.primitive import Primitive
from funcgrad.core.tracer import Tracer, concretize
from funcgrad.primitives import shape as _shape
from funcgrad.backends.arrays import numpy_for
from funcgrad.primitives._util import by_evaluation, dtype_of, shape_of


def canonical_index(index):
    """A tuple of plain index items: tracers made concrete, lists made integer or boolean arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    for item in index:
        if isinstance(item, Tracer):
            item = np.asarray(concretize(item))
        elif isinstance(item, list):
            item = np.asarray([concretize(i) for i in item])
        if isinstance(item, np.ndarray) and item.dtype.kind == "f":
            raise IndexError(f"arrays used as indices must be of integer or boolean type, not "
                             f"{item.dtype}; convert them with .astype(int)")
        if isinstance(item, np.ndarray) and item.dtype == np.bool_ and item.ndim:
            items.extend(np.nonzero(item))  # a mask selects its nonzero positions
            continue
        items.append(item)
    return tuple(items)


def occurrences(shape, index):
    """(positions, rank) when `index` names an entry of an array of `shape` more than once, else
    None: the flat position of each indexed entry and how many times the same entry was named
    before it (0 for the first time), both shaped like the indexed result."""
    if not any(isinstance(item, np.ndarray) and item.ndim and item.dtype != np.bool_
               for item in index):
        return None  # slices, integers and masks never name an entry twice
    positions = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)[index]
    flat = positions.ravel()
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    first = np.ones(flat.size, dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    if first.all():
        return None
    start = np.maximum.accumulate(np.where(first, np.arange(flat.size), 0))
    rank = np.empty(flat.size, dtype=np.int64)
    rank[order] = np.arange(flat.size) - start
    return positions, rank.reshape(positions.shape)


_FULL = slice(None)


def take_axis(index):
    """The axis k when `index` is k full slices then one integer array (x[:, :, idx]), else None.

    On an array of two or more dimensions numpy.take(x, idx, axis=k) gives the same values as
    x[index], C-contiguous and several times faster: NumPy's fancy indexing builds such a result
    with the indexed axis first and returns a transposed view of it (for k > 0, which every
    gather under vmap is), which later reshapes must copy, element by element."""
    last = len(index) - 1
    if last < 0 or type(index[last]) is not np.ndarray:
        return None
    for item in index[:last]:
        if type(item) is not slice or item != _FULL:
            return None
    return last


def _getitem_impl(x, index):
    axis = take_axis(index)
    if axis is not None and type(x) is np.ndarray and x.ndim > 1:
        return np.take(x, index[axis], axis=axis)
    return x[index]


def _index_add_impl(x, index, updates):
    # x.copy(), or an assignment: np.array(x, copy=True) copies a broadcast x (vmap's unbatched
    # zeros) element by element, 50-100x slower
    dtype = np.result_type(x, updates)
    if type(x) is np.ndarray and x.dtype == dtype:
        out = x.copy()
    else:
        out = np.empty(np.shape(x), dtype)
        out[...] = x
    for item in index:
        if type(item) is np.ndarray:
            np.add.at(out, index, updates)  # integer arrays may repeat a position: accumulate
            return out
    view = out[index]  # a basic index (ints, slices, None, ...) is a view without repeats
    if type(view) is np.ndarray:
        np.add(view, updates, out=view)  # not out[index] += ...: that writes the view back again
    else:  # ints only: one element
        out[index] = view + updates
    return out


getitem_p = Primitive(
    "getitem", _getitem_impl, shape=by_evaluation(_getitem_impl),
    vjp=[lambda g, ans, x, index: index_add_p.bind(zeros_like_value(x), g, index=index)],
    jvp=[lambda t, ans, x, index: getitem_p.bind(t, index=index)],
    family="indexing",
    reads=())  # x for its shape and dtype only


def _index_add_impl_kw(x, updates, index):
    return _index_add_impl(x, index, updates)


index_add_p = Primitive(
    "index_add", _index_add_impl_kw, shape=by_evaluation(_index_add_impl_kw),
    vjp=[lambda g, ans, x, updates, index: g,
         lambda g, ans, x, updates, index: _unbroadcast_index(getitem_p.bind(g, index=index), updates)],
    jvp=[lambda t, ans, x, updates, index: t,
         lambda t, ans, x, updates, index: index_add_p.bind(zeros_like_value(ans), t, index=index)],
    family="indexing",
    doc="x with `updates` added at `index`, repeated indices accumulating (numpy.add.at).",
    reads=())  # updates for its shape only


def _unbroadcast_index(g, updates):
    from funcgrad.primitives._util import unbroadcast
    return unbroadcast(g, updates)


def zeros_like_value(x):
    """Plain zeros with x's shape and dtype (a constant: it carries no derivative)."""
    return numpy_for(x).zeros(shape_of(x), dtype=dtype_of(x))  # in x's library (Dask...)


def getitem(x, index):
    return getitem_p.bind(x, index=canonical_index(index))


# -- batching: the batch axis goes first, as a leading full slice ----------------------------

def _is_advanced(item):
    return isinstance(item, (np.ndarray, int, np.integer)) and not isinstance(item, bool)


def batched_position(index):
    """Where a leading batch axis ends up in x[(slice(None),) + index]: after the advanced-index
    dimensions when NumPy moves those to the front (advanced items not side by side), else first."""
    if not any(isinstance(i, np.ndarray) for i in index):
        return 0
    positions = [p for p, i in enumerate(index) if _is_advanced(i)]
    if positions == list(range(positions[0], positions[-1] + 1)):
        return 0
    return len(np.broadcast_shapes(*[np.shape(i) for i in index if _is_advanced(i)]))


def _getitem_batch(values, dims, index):
    x, d = values[0], dims[0]
    axis = take_axis(index)
    if axis is not None:
        shape = shape_of(x)
        example = tuple(shape[:d]) + tuple(shape[d + 1:])
        picked = int(np.size(index[axis]))
        if picked >= example[axis] and int(np.prod(example[axis + 1:])) <= _SMALL_ROW:
            # a gather of small rows, each read at least once on average: with the batch axis
            # last, each picked row carries the whole batch with it (one copy per row, not one
            # per row and example), and the result keeps the batch last
            x = _shape.moveaxis(x, d, -1)
            return getitem_p.bind(x, index=index), len(shape) - 2 + np.ndim(index[axis])
    x = _shape.moveaxis(x, d, 0)
    return getitem_p.bind(x, index=(slice(None),) + index), batched_position(index)


_SMALL_ROW = 16  # elements per picked row below which the batch rides along (see above)


getitem_p.batch = _getitem_batch


def _index_add_batch(values, dims, index):
    (x, updates), (dx, du) = values, dims
    size = shape_of(x)[dx] if dx is not None else shape_of(updates)[du]
    if dx is None:
        x = _shape.broadcast_to(_shape.reshape(x, (1,) + tuple(shape_of(x))),
                                (size,) + tuple(shape_of(x)))
    else:
        x = _shape.moveaxis(x, dx, 0)
    region = np.empty(tuple(shape_of(x))[1:], dtype=bool)[index].shape
    at = batched_position(index)
    if du is None:
        updates = _shape.broadcast_to(updates, region)
        updates = _shape.reshape(updates, region[:at] + (1,) + region[at:])
    else:
        updates = _shape.moveaxis(updates, du, 0)
        rest = tuple(shape_of(updates))[1:]
        updates = _shape.reshape(updates, (size,) + (1,) * (len(region) - len(rest)) + rest)
        updates = _shape.moveaxis(_shape.broadcast_to(updates, (size,) + region), 0, at)
    return index_add_p.bind(x, updates, index=(slice(None),) + index), 0


index_add_p.batch = _index_add_batch


# -- gathering along one axis, and sort (whose derivative is a gather by the sorting order) ------

def along_axis_index(indices, axis, shape):
    """The advanced index that picks `indices` along `axis` of an array of `shape`
    (numpy.take_along_axis as a plain index tuple)."""
    indices = np.asarray(indices)
    ndim = len(shape)
    index = []
    for k in range(ndim):
        if k == axis:
            index.append(indices)
        else:
            index.append(np.arange(shape[k]).reshape((1,) * k + (-1,) + (1,) * (ndim - k - 1)))
    return tuple(index)


def _take_along_impl(x, indices, axis):
    return np.take_along_axis(x, indices, axis)


def _add_along_impl(updates, indices, axis, shape):
    out = np.zeros(shape, dtype=np.result_type(updates))
    flat = _flat_along_index(updates, indices, axis, shape)
    if flat is not None:  # one flat index: ufunc.at's fast path, the same adds in the same order
        np.add.at(out.reshape(-1), flat, updates.reshape(-1))
        return out
    np.add.at(out, along_axis_index(indices, axis, shape), updates)
    return out


def _flat_along_index(updates, indices, axis, shape):
    """The positions in out.reshape(-1) that along_axis_index(indices, axis, shape) picks, in
    C order, when updates and indices are NumPy arrays of one shape matching `shape` off
    `axis` and every index is in range; else None (the index tuple then raises or broadcasts)."""
    if not (type(updates) is np.ndarray and type(indices) is np.ndarray
            and indices.dtype.kind in "iu" and updates.shape == indices.shape
            and indices.ndim == len(shape) and indices.size):
        return None
    shape = tuple(shape)
    if indices.shape[:axis] != shape[:axis] or indices.shape[axis + 1:] != shape[axis + 1:]:
        return None
    n = shape[axis]
    if indices.min() < -n or indices.max() >= n:
        return None
    lead, trail = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
    along = indices.reshape(lead, -1, trail).astype(np.intp, copy=False)
    if along.min() < 0:
        along = np.where(along < 0, along + n, along)
    flat = along * trail + (np.arange(lead, dtype=np.intp) * (n * trail))[:, None, None]
    if trail > 1:
        flat = flat + np.arange(trail, dtype=np.intp)
    return flat.reshape(-1)


def _along_batch(primitive, shaped):
    def rule(values, dims, axis, **params):
        (x, indices), (dx, di) = values, dims
        size = shape_of(x)[dx] if dx is not None else shape_of(indices)[di]
        x, indices = [_shape.moveaxis(v, d, 0) if d is not None else
                      _shape.broadcast_to(_shape.reshape(v, (1,) + tuple(shape_of(v))),
                                          (size,) + tuple(shape_of(v)))
                      for v, d in ((x, dx), (indices, di))]
        if shaped:
            params = {"shape": (size,) + tuple(params["shape"])}
        return primitive.bind(x, indices, axis=axis + 1, **params), 0
    return rule


take_along_axis_p = Primitive(
    "take_along_axis", _take_along_impl, shape=by_evaluation(_take_along_impl),
    vjp=[lambda g, ans, x, indices, axis:
         add_along_axis_p.bind(g, indices, axis=axis, shape=tuple(shape_of(x))), None],
    jvp=[lambda t, ans, x, indices, axis: take_along_axis_p.bind(t, indices, axis=axis), None],
    family="indexing", doc="numpy.take_along_axis, with the indices as a (non-differentiable) input.",
    reads=(1,))  # the indices; x for its shape only
take_along_axis_p.batch = _along_batch(take_along_axis_p, shaped=False)

add_along_axis_p = Primitive(
    "add_along_axis", _add_along_impl,
    shape=lambda updates, indices, axis, shape: type(updates)(shape, updates.dtype),
    vjp=[lambda g, ans, updates, indices, axis, shape: take_along_axis_p.bind(g, indices, axis=axis),
         None],
    jvp=[lambda t, ans, updates, indices, axis, shape:
         add_along_axis_p.bind(t, indices, axis=axis, shape=shape), None],
    family="indexing",
    doc="Zeros of `shape` with `updates` added along `axis` at `indices` (repeats accumulate): "
        "the transpose of take_along_axis.")
add_along_axis_p.batch = _along_batch(add_along_axis_p, shaped=True)


def _sort_vjp(g, ans, x, axis):
    # sorted[j] = x[order[j]]: each input receives the cotangent of the slot it was sorted into
    order = argsort_p.bind(x, axis=axis)
    return add_along_axis_p.bind(g, order, axis=axis, shape=tuple(shape_of(x)))


def _sort_jvp(t, ans, x, axis):
    return take_along_axis_p.bind(t, argsort_p.bind(x, axis=axis), axis=axis)


def _axis_batch(primitive):
    def rule(values, dims, axis):
        return primitive.bind(_shape.moveaxis(values[0], dims[0], 0), axis=axis + 1), 0
    return rule


sort_p = Primitive(
    "sort", lambda x, axis: np.sort(x, axis=axis, kind="stable"),
    shape=lambda x, axis: x, vjp=[_sort_vjp], jvp=[_sort_jvp], family="indexing",
    doc="Sorted copy along `axis`; at ties each input follows its slot in the stable order.")
sort_p.batch = _axis_batch(sort_p)

argsort_p = Primitive(
    "argsort", lambda x, axis: np.argsort(x, axis=axis, kind="stable"),
    shape=lambda x, axis: type(x)(x.shape, np.intp), vjp=None, jvp=None, family="indexing",
    doc="The stable sorting order along `axis` (no derivative).")
argsort_p.batch = _axis_batch(argsort_p)


def _one_axis(a, axis):
    ndim = len(shape_of(a))
    if not -ndim <= axis < max(ndim, 1):
        raise np.exceptions.AxisError(f"axis {axis} is out of bounds for an array of dimension {ndim}")
    return int(axis) % max(ndim, 1)


def sort(a, axis=-1, kind=None, order=None):
    """A sorted copy, as `numpy.sort` (always stable); the gradient follows the permutation.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda x: fnp.sort(x)[0])(np.array([3.0, 1.0, 2.0]))  # the minimum's slot
    array([0., 1., 0.])
    """
    if axis is None:
        a, axis = _shape.reshape(a, (-1,)), 0
    return sort_p.bind(a, axis=_one_axis(a, axis))


def argsort(a, axis=-1, kind=None, order=None):
    """Indices that sort `a` along `axis` (stable), as `numpy.argsort`."""
    if axis is None:
        a, axis = _shape.reshape(a, (-1,)), 0
    return argsort_p.bind(a, axis=_one_axis(a, axis))


def take_along_axis(arr, indices, axis):
    """Pick values along `axis` at `indices` (as returned by argsort), as `numpy.take_along_axis`."""
    if axis is None:
        arr, axis = _shape.reshape(arr, (-1,)), 0
    return take_along_axis_p.bind(arr, indices, axis=_one_axis(arr, axis))


def take(a, indices, axis=None):
    """Elements at `indices` along `axis` (of the flattened array for None), as `numpy.take`."""
    if dtype_of(indices) == np.bool_:  # numpy.take reads booleans as the integers 0 and 1
        from funcgrad.primitives.elementwise import astype
        indices = astype(indices, np.intp) if isinstance(indices, Tracer) else \
            np.asarray(indices, np.intp)
    if axis is None:
        a, axis = _shape.reshape(a, (-1,)), 0
    return getitem(a, (slice(None),) * _one_axis(a, axis) + (indices,))
