"""Indexing: x[index] and its transpose, the accumulating scatter `index_add`.

Indices are static parameters: slices, ints, None, Ellipsis, integer arrays and boolean masks.
A traced index (from argmax, say) is used by its concrete value; indices have no derivative.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive
from funcgrad.core.tracer import Tracer, concrete_value
from funcgrad.primitives._util import by_evaluation, shape_of


def canonical_index(index):
    """A tuple of plain index items: tracers made concrete, lists made integer or boolean arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    for item in index:
        if isinstance(item, Tracer):
            item = np.asarray(concrete_value(item))
        elif isinstance(item, list):
            item = np.asarray([concrete_value(i) for i in item])
        if isinstance(item, np.ndarray) and item.dtype.kind == "f":
            raise IndexError(f"arrays used as indices must be of integer or boolean type, not {item.dtype}")
        items.append(item)
    return tuple(items)


def _getitem_impl(x, index):
    return x[index]


def _index_add_impl(x, index, updates):
    out = np.array(x, copy=True, dtype=np.result_type(x, updates))
    np.add.at(out, index, updates)
    return out


getitem_p = Primitive(
    "getitem", _getitem_impl, shape=by_evaluation(_getitem_impl),
    vjp=[lambda g, ans, x, index: index_add_p.bind(zeros_like_value(x), g, index=index)],
    jvp=[lambda t, ans, x, index: getitem_p.bind(t, index=index)],
    family="indexing")


def _index_add_impl_kw(x, updates, index):
    return _index_add_impl(x, index, updates)


index_add_p = Primitive(
    "index_add", _index_add_impl_kw, shape=by_evaluation(_index_add_impl_kw),
    vjp=[lambda g, ans, x, updates, index: g,
         lambda g, ans, x, updates, index: _unbroadcast_index(getitem_p.bind(g, index=index), updates)],
    jvp=[lambda t, ans, x, updates, index: t,
         lambda t, ans, x, updates, index: index_add_p.bind(zeros_like_value(ans), t, index=index)],
    family="indexing",
    doc="x with `updates` added at `index`, repeated indices accumulating (numpy.add.at).")


def _unbroadcast_index(g, updates):
    from funcgrad.primitives._util import unbroadcast
    return unbroadcast(g, updates)


def zeros_like_value(x):
    """Plain zeros with x's shape and dtype (a constant: it carries no derivative)."""
    return np.zeros(shape_of(x), dtype=getattr(x, "dtype", np.float64))


def getitem(x, index):
    return getitem_p.bind(x, index=canonical_index(index))
