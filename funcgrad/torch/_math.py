"""More of PyTorch's pointwise ops and reductions (`erf`, `lerp`, `prod`, `cumsum`, `sort`...).

Each is one registry primitive applied through `apply`, or a `composite` of funcgrad.numpy
functions recorded as one node with PyTorch's name: no derivative is written here.
"""
from __future__ import annotations

import builtins

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.core.primitive import registry
from funcgrad.core.tracer import concrete_value
from funcgrad.primitives import elementwise as ew, reductions as red
from funcgrad.core.tracer import Tracer
from funcgrad.primitives.indexing import argsort_p, getitem_p, take_along_axis_p
from funcgrad.primitives._util import dtype_of as _dtype_of
from funcgrad.torch import _dtype
from funcgrad.torch._composite import composite
from funcgrad.torch._ops import _axes, _return_type, as_tensor_arg, mean, reshape, sign, std, var
from funcgrad.torch.tensor import Tensor, apply

_I64 = np.dtype(np.int64)


def _values(t):
    """The concrete NumPy value of a tensor (under torch.func too), for indices and masks."""
    return np.asarray(concrete_value(t._data)) if isinstance(t, Tensor) else np.asarray(t)


def _unary(primitive_name, node):
    primitive = registry[primitive_name]

    def op(input):
        return apply(primitive, (input,), {}, node)
    op.__name__ = primitive_name
    return op


def _binary(primitive_name, node, with_tensor=None):
    primitive = registry[primitive_name]
    with_tensor = with_tensor or node  # PyTorch's name when `other` is a tensor too

    def op(input, other):
        return apply(primitive, (input, other), {}, with_tensor if isinstance(other, Tensor) else node)
    op.__name__ = primitive_name
    return op


# -- pointwise ------------------------------------------------------------------------------------

log2, log10, exp2 = _unary("log2", "Log2Backward0"), _unary("log10", "Log10Backward0"), \
    _unary("exp2", "Exp2Backward0")
asinh, acosh, atanh = (_unary(n, f"A{n[3:]}Backward0") for n in ("arcsinh", "arccosh", "arctanh"))
arcsinh, arccosh, arctanh = asinh, acosh, atanh
erf, erfc, erfinv = (_unary(n, n.capitalize() + "Backward0") for n in ("erf", "erfc", "erfinv"))
remainder = _binary("remainder", "RemainderBackward0", "RemainderBackward1")
fmod = _binary("fmod", "FmodBackward0", "FmodBackward1")
hypot = _binary("hypot", "HypotBackward0")
logaddexp = _binary("logaddexp", "LogaddexpBackward0")


def floor_divide(input, other):
    return apply(ew.floor_divide, (input, other), {})


def sgn(input):
    if input.is_complex():
        return apply(ew.sign, (input,), {}, "SgnBackward0")
    return sign(input, "SgnBackward0")


def frac(input):
    return composite("FracBackward0", lambda x: x - ew.trunc(x), input)


def positive(input):
    return input


def deg2rad(input):
    return composite("Deg2RadBackward0", lambda x: x * (np.pi / 180), input)


def rad2deg(input):
    return composite("Rad2DegBackward0", lambda x: x * (180 / np.pi), input)


def x_times_log(x, y, log):
    """x log(y) for xlogy/xlog1py (log = log or log1p): 0 where x == 0 unless y is NaN, and
    PyTorch's slopes, d/dx = log(y) (also at x == 0) and d/dy = x log'(y)."""
    logged = log(y)
    # only where x == 0 is an infinite or invalid log(y) replaced (by 0, with no derivative)
    replaced = ew.equal(x, 0) & ~ew.isnan(y) & ~ew.isfinite(ew.stop_gradient(logged))
    return x * ew.where(replaced, 0.0 * y, log(ew.where(replaced, ew.stop_gradient(y) * 0 + 1, y)))


def xlogy(input, other):
    return composite("XlogyBackward0", lambda x, y: x_times_log(x, y, ew.log),
                     as_tensor_arg(input), other)


def logit(input, eps=None):
    def fn(x):
        if eps is not None:
            return ew.log(fnp.clip(x, eps, 1 - eps) / (1 - fnp.clip(x, eps, 1 - eps)))
        # log x - log(1 - x): slope 1/x + 1/(1 - x), inf at 0 and 1 as PyTorch's; outside
        # [0, 1] PyTorch's gradient is NaN, as the value is (not log's finite slope there)
        outside = ew.logical_or(ew.less(x, 0), ew.greater(x, 1))
        return (ew.log(x) - ew.log1p(-x)) * ew.where(outside, np.nan, 1.0)
    return composite("LogitBackward0", fn, input)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    info = np.finfo(input._data.dtype) if input._data.dtype.kind == "f" else None
    if info is None:
        return input
    high = info.max if posinf is None else posinf
    low = info.min if neginf is None else neginf

    def fn(x):
        x = ew.where(ew.isnan(x), nan, x)
        return ew.where(ew.isinf(x), ew.where(x > 0, high, low), x)
    return composite("NanToNumBackward0", fn, input)


def lerp(input, end, weight):
    name = "LerpBackward1" if isinstance(weight, Tensor) else "LerpBackward0"
    return composite(name, lambda a, b, w: a + w * (b - a), input, end, weight)


def addcmul(input, tensor1, tensor2, *, value=1):
    return composite("AddcmulBackward0", lambda x, a, b: x + value * a * b, input, tensor1, tensor2)


def addcdiv(input, tensor1, tensor2, *, value=1):
    return composite("AddcdivBackward0", lambda x, a, b: x + value * a / b, input, tensor1, tensor2)


def clamp_min(input, min):  # noqa: A002 - PyTorch's name
    from funcgrad.torch._ops import clamp
    out = clamp(input, min=min)
    return _renamed(out, "ClampMinBackward0")


def clamp_max(input, max):  # noqa: A002
    from funcgrad.torch._ops import clamp
    return _renamed(clamp(input, max=max), "ClampMaxBackward0")


def _renamed(t, name):
    from funcgrad.torch.graph import node_class
    if t._grad_fn is not None:
        t._grad_fn.__class__ = node_class(name)
    return t


def _predicate(primitive):
    def op(input, *others):
        return apply(primitive, (input,) + others, {})
    op.__name__ = primitive.name
    return op


isnan, isinf, isfinite = _predicate(ew.isnan), _predicate(ew.isinf), _predicate(ew.isfinite)
logical_and, logical_or, logical_xor, logical_not = (
    _predicate(registry[n]) for n in ("logical_and", "logical_or", "logical_xor", "logical_not"))


def bitwise_not(input):
    return apply(registry["invert"], (input,), {})


def _bitwise(name):
    primitive = registry[name]

    def op(input, other):
        return apply(primitive, (input, other), {})
    op.__name__ = name
    return op


bitwise_and, bitwise_or, bitwise_xor = (_bitwise(n) for n in ("bitwise_and", "bitwise_or",
                                                              "bitwise_xor"))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._make(np.isclose(_values(input), _values(other), rtol, atol, equal_nan))


def isreal(input):
    return Tensor._make(np.isreal(_values(input)))


def is_nonzero(input):
    return builtins.bool(_values(input).reshape(()))


# -- reductions -----------------------------------------------------------------------------------

def prod(input, dim=None, keepdim=False, *, dtype=None):
    x = input if dtype is None else input.to(dtype)
    if x._data.dtype.kind in "biu" and dtype is None:
        x = x.to(_dtype.int64)
    axes = _axes(dim, x.ndim)
    name = "ProdBackward0" if axes is None else "ProdBackward1"
    return apply(red.prod_p, (x,), {"axis": axes, "keepdims": builtins.bool(keepdim)}, name)


def _amax(primitive, name):
    def op(input, dim=(), keepdim=False):
        axes = None if dim == () or dim == [] or dim is None else _axes(dim, input.ndim)
        return apply(primitive, (input,), {"axis": axes, "keepdims": builtins.bool(keepdim)}, name)
    return op


amax, amin = _amax(red.max_p, "AmaxBackward0"), _amax(red.min_p, "AminBackward0")


def _cumulative(primitive, name):
    def op(input, dim, *, dtype=None):
        x = input if dtype is None else input.to(dtype)
        if x._data.dtype.kind in "biu" and dtype is None:
            x = x.to(_dtype.int64)
        if x.ndim == 0:
            return apply(ew.multiply, (x, 1), {}, name)
        return apply(primitive, (x,), {"axis": int(dim) % x.ndim}, name)
    return op


cumsum = _cumulative(red.cumsum_p, "CumsumBackward0")
cumprod = _cumulative(red.cumprod_p, "CumprodBackward0")


def logcumsumexp(input, dim):
    axis = int(dim) % builtins.max(input.ndim, 1)

    def fn(x):
        shift = ew.stop_gradient(red.max_p.bind(x, axis=(axis,), keepdims=True))
        return ew.log(red.cumsum_p.bind(ew.exp(x - shift), axis=axis)) + shift
    return composite("LogcumsumexpBackward0", fn, input)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    axes = _axes(dim, input.ndim)
    def fn(x):
        if _dtype_of(x).kind in "fc":  # integers hold no NaN (and keep their dtype, as PyTorch)
            x = ew.where(ew.isnan(x), 0.0, x)
        return red.sum_p.bind(x, axis=axes, keepdims=builtins.bool(keepdim))
    return composite("NansumBackward0", fn, input)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    kept = Tensor._make((~np.isnan(_values(input))).astype(input._data.dtype))
    return nansum(input, dim, keepdim) / kept.sum(dim, keepdim=keepdim) if dim is not None \
        else nansum(input) / kept.sum()


def count_nonzero(input, dim=None):
    return Tensor._make(np.asarray(np.count_nonzero(_values(input), axis=dim), _I64))


def std_mean(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    if unbiased is not None:
        correction = 1 if unbiased else 0
    return (_renamed(std(input, dim, keepdim=keepdim, correction=correction), "StdMeanBackward0"),
            mean(input, dim, keepdim) if dim is not None else mean(input))


def var_mean(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    if unbiased is not None:
        correction = 1 if unbiased else 0
    return (_renamed(var(input, dim, keepdim=keepdim, correction=correction), "VarMeanBackward0"),
            mean(input, dim, keepdim) if dim is not None else mean(input))


# -- sorting and selecting: the values are the input's entries at the chosen indices ---------------

_SORT, _TOPK, _KTH, _MEDIAN, _CUMMAX, _CUMMIN, _MODE = (
    _return_type(n) for n in ("sort", "topk", "kthvalue", "median", "cummax", "cummin", "mode"))


def take_at(input, indices, dim, name):
    """input's entries at `indices` (a NumPy array) along `dim`: one getitem node."""
    dim = dim % builtins.max(input.ndim, 1)
    if input.ndim == 0:
        return apply(ew.multiply, (input, 1), {}, name)
    grids = list(np.indices(indices.shape, sparse=True))
    grids[dim] = indices
    return apply(getitem_p, (input,), {"index": tuple(grids)}, name)


def _stable_order(data, dim, descending):
    if data.ndim == 0:
        return np.zeros((), _I64)
    if descending:  # stable among ties, as PyTorch's CPU sort
        return np.argsort(_descending_key(data), axis=dim, kind="stable")
    return np.argsort(data, axis=dim, kind="stable")


def _descending_key(data):
    if data.dtype.kind == "b":
        return ~data
    if data.dtype.kind == "u":
        return -data.astype(np.int64)
    return -data


def _traced_order(input, dim, descending):
    """Under a torch.func transform: the sorting order as the registry's argsort of the traced
    value (batchable), not computed from the concrete value."""
    data = input._data
    return argsort_p.bind(-data if descending else data, axis=dim % builtins.max(input.ndim, 1))


def _take_traced(input, order, dim, name):
    axis = dim % builtins.max(input.ndim, 1)
    return composite(name, lambda x: take_along_axis_p.bind(x, order, axis=axis), input)


def _first_k(array, k, dim, ndim):
    return getitem_p.bind(array, index=(slice(None),) * (dim % builtins.max(ndim, 1))
                          + (slice(0, k),))


def sort(input, dim=-1, descending=False, stable=False):
    if isinstance(input._data, Tracer):
        order = _traced_order(input, dim, descending)
        return _SORT(_take_traced(input, order, dim, "SortBackward0"), Tensor._make(order))
    order = _stable_order(_values(input), dim, descending).astype(_I64)
    return _SORT(take_at(input, order, dim, "SortBackward0"), Tensor._make(order))


def argsort(input, dim=-1, descending=False, stable=False):
    if isinstance(input._data, Tracer):
        return Tensor._make(_traced_order(input, dim, descending))
    return Tensor._make(_stable_order(_values(input), dim, descending).astype(_I64))


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    if isinstance(input._data, Tracer):
        order = _first_k(_traced_order(input, dim, largest), int(k), dim, input.ndim)
        return _TOPK(_take_traced(input, order, dim, "TopkBackward0"), Tensor._make(order))
    data = _values(input)
    dim = dim % builtins.max(data.ndim, 1)
    order = _stable_order(data, dim, largest)
    picked = np.take(order, np.arange(int(k)), axis=dim) if data.ndim else order
    picked = picked.astype(_I64)
    return _TOPK(take_at(input, picked, dim, "TopkBackward0"), Tensor._make(picked))


def _traced_pick(input, position, dim, keepdim, name, kind):
    """Under a transform: the entry at `position` of the sorted order along dim."""
    dim = dim % builtins.max(input.ndim, 1)
    order = getitem_p.bind(_traced_order(input, dim, False),
                           index=(slice(None),) * dim + (slice(position, position + 1),))
    values = _take_traced(input, order, dim, name)
    indices = Tensor._make(order)
    if not keepdim:
        shape = tuple(s for i, s in enumerate(values.shape) if i != dim)
        values, indices = reshape(values, shape, name=name), reshape(indices, shape)
    return kind(values, indices)


def kthvalue(input, k, dim=-1, keepdim=False):
    if isinstance(input._data, Tracer):
        return _traced_pick(input, int(k) - 1, dim, keepdim, "KthvalueBackward0", _KTH)
    data = _values(input)
    dim = dim % builtins.max(data.ndim, 1)
    order = _stable_order(data, dim, False)
    picked = np.take(order, [int(k) - 1], axis=dim).astype(_I64)
    return _pick_one(input, picked, dim, keepdim, "KthvalueBackward0", _KTH)


def _pick_one(input, picked, dim, keepdim, name, kind):
    values = take_at(input, picked, dim, name)
    if not keepdim:
        shape = tuple(s for i, s in enumerate(values.shape) if i != dim)
        values = reshape(values, shape, name=name)
        picked = picked.reshape(shape)
    return kind(values, Tensor._make(picked))


def picked_sharing_ties(input, position, name):
    """The entry at flat `position` of input, as a 0-d tensor whose gradient is shared evenly by
    every entry equal to it: PyTorch's median()/nanmedian() without a dim (with one, the entry
    picked takes it all)."""
    flat = _values(input).reshape(-1)
    value = flat[position]
    ties = np.isnan(flat) if np.isnan(value) else flat == value  # (NaNs tie with each other)
    if ties.sum() == 1:
        return reshape(take_at(reshape(input, -1), np.asarray([position]), 0, name), (), name=name)
    weights = (ties / ties.sum()).astype(flat.dtype)

    def fn(x):
        flat_x = fnp.reshape(x, (-1,))
        # the value's gradient (its value is the picked one's); NaNs elsewhere stay out
        spread = fnp.sum(fnp.where(ties, flat_x, 0.0) * weights)
        return ew.stop_gradient(flat_x[position]) + (spread - ew.stop_gradient(spread))
    return composite(name, fn, input)


def median(input, dim=None, keepdim=False):
    if isinstance(input._data, Tracer):
        if dim is None:
            flat = reshape(input, -1)
            return _traced_pick(flat, (flat.shape[0] - 1) // 2, 0, False, "MedianBackward0",
                                _MEDIAN).values
        return _traced_pick(input, (input.shape[dim] - 1) // 2, dim, keepdim, "MedianBackward1",
                            _MEDIAN)
    data = _values(input)
    if dim is None:  # the lower of the two middle values, as PyTorch
        flat = data.reshape(-1)
        missing = np.flatnonzero(np.isnan(flat))
        if missing.size:  # a NaN is the median, as PyTorch's (its gradient goes to that entry)
            return picked_sharing_ties(input, int(missing[0]), "MedianBackward0")
        order = np.argsort(flat, kind="stable")
        return picked_sharing_ties(input, int(order[(flat.size - 1) // 2]), "MedianBackward0")
    dim = dim % builtins.max(data.ndim, 1)
    order = np.argsort(data, axis=dim, kind="stable")
    picked = np.take(order, [(data.shape[dim] - 1) // 2], axis=dim).astype(_I64)
    return _pick_one(input, picked, dim, keepdim, "MedianBackward1", _MEDIAN)


def mode(input, dim=-1, keepdim=False):
    data = _values(input)
    dim = dim % builtins.max(data.ndim, 1)
    moved = np.moveaxis(data, dim, -1)
    best = np.empty(moved.shape[:-1], _I64)
    for pos in np.ndindex(moved.shape[:-1]):
        row = moved[pos]
        values, counts = np.unique(row, return_counts=True)
        value = values[np.argmax(counts)]  # the smallest of the most frequent
        best[pos] = np.nonzero(row == value)[0][-1]
    picked = np.expand_dims(best, dim)
    return _pick_one(input, picked, dim, keepdim, "ModeBackward0", _MODE)


def _cumulative_extremum(better, name, kind):
    def op(input, dim):
        data = _values(input)
        dim = dim % builtins.max(data.ndim, 1)
        moved = np.moveaxis(data, dim, -1)
        index = np.zeros(moved.shape, _I64)
        best = moved[..., :1].copy()
        for i in range(1, moved.shape[-1]):
            take = better(moved[..., i], best[..., 0]) | (moved[..., i] == best[..., 0])
            best[..., 0] = np.where(take, moved[..., i], best[..., 0])
            index[..., i] = np.where(take, i, index[..., i - 1])
        index = np.moveaxis(index, -1, dim)
        return kind(take_at(input, index, dim, name), Tensor._make(index))
    return op


cummax = _cumulative_extremum(np.greater, "CummaxBackward0", _CUMMAX)
cummin = _cumulative_extremum(np.less, "CumminBackward0", _CUMMIN)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    values, inverse, counts = np.unique(_values(input), return_inverse=True,
                                        return_counts=True, axis=dim)
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.reshape(input.shape if dim is None else -1).astype(_I64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(_I64)))
    return out[0] if len(out) == 1 else tuple(out)


def nonzero(input, *, as_tuple=False):
    where = np.nonzero(_values(input))
    if as_tuple:
        return tuple(Tensor._make(w.astype(_I64)) for w in where)
    return Tensor._make(np.stack(where, axis=1).astype(_I64) if where else np.zeros((1, 0), _I64))


def argwhere(input):
    return nonzero(input)


def masked_select(input, mask):
    mask = np.broadcast_to(_values(mask), input.shape)
    return apply(getitem_p, (input,), {"index": tuple(np.nonzero(mask))}, "MaskedSelectBackward0")


def where(condition, input=None, other=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    from funcgrad.torch._ops import where as where3
    return where3(condition, input, other)


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "annotations", "builtins", "np", "fnp", "registry", "concrete_value", "ew", "red",
    "getitem_p", "composite", "apply", "Tensor", "mean", "std", "var", "reshape", "take_at",
    "as_tensor_arg")]
