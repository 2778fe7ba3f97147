"""The less frequent pointwise and matrix functions of `torch` and `Tensor` (copysign, lgamma,
cov, tensor_split, aminmax, ...): funcgrad.numpy composites recorded as one node each, and the
aliases and in-place forms PyTorch provides. Installed on Tensor by `install`."""
from __future__ import annotations

import builtins

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.core.primitive import registry
from funcgrad.torch import _complex, _kernel_dtypes, _math, _ops, _shape_ops, linalg
from funcgrad.torch._composite import composite
from funcgrad.torch._math import _values
from funcgrad.torch.tensor import Tensor, apply


def _numpy_function(fn, node):
    def op(input, *args):
        return composite(node, fn, input, *args)
    op.__name__ = node[:-len("Backward0")].lower()
    return op


copysign = _numpy_function(fnp.copysign, "CopysignBackward0")
fmax = _numpy_function(fnp.fmax, "FmaxBackward0")
fmin = _numpy_function(fnp.fmin, "FminBackward0")
heaviside = _numpy_function(fnp.heaviside, "HeavisideBackward0")
i0 = _numpy_function(fnp.i0, "I0Backward0")
sinc = _numpy_function(fnp.sinc, "SincBackward0")
logaddexp2 = _numpy_function(fnp.logaddexp2, "Logaddexp2Backward0")
ldexp = _numpy_function(lambda x, e: x * fnp.exp2(e), "MulBackward0")
def float_power(input, exponent):
    base = _ops.as_tensor_arg(input).double()
    return _ops.pow(base, exponent.double() if isinstance(exponent, Tensor) else exponent)
_inner = _numpy_function(fnp.inner, "InnerBackward0")


def inner(input, other):
    _kernel_dtypes.check_same_inputs(input, other)  # PyTorch's kernel refuses mixed dtypes
    return _inner(input, other)
diagflat = _numpy_function(lambda x, offset=0: fnp.diagflat(x, offset), "DiagflatBackward0")
ger = _ops.outer


def lgamma(input):
    return apply(registry["gammaln"], (input,), {}, "LgammaBackward0")


def digamma(input):
    return apply(registry["digamma"], (input,), {}, "DigammaBackward0")


def polygamma(n, input):
    return apply(registry["polygamma"], (input,), {"n": int(n)}, "PolygammaBackward0")


def _predicate(fn):
    def op(input, *args):
        return Tensor._make(np.asarray(fn(_values(input), *[_values(a) for a in args])))
    return op


signbit, isneginf, isposinf = _predicate(np.signbit), _predicate(np.isneginf), \
    _predicate(np.isposinf)
nextafter = _predicate(np.nextafter)
gcd, lcm = _predicate(np.gcd), _predicate(np.lcm)


def dist(input, other, p=2):
    return linalg.vector_norm(input - other, p)


def cov(input, *, correction=1, fweights=None, aweights=None):
    return composite("CovBackward0", lambda x: fnp.cov(x, ddof=correction), input)


def corrcoef(input):
    return composite("CorrcoefBackward0", lambda x: fnp.corrcoef(x), input)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    return beta * input + alpha * _ops.outer(vec1, vec2)


_AminmaxReturn = _ops._return_type("aminmax", ("min", "max"))


def aminmax(input, *, dim=None, keepdim=False):
    from funcgrad.torch._math import amax, amin
    if dim is None:
        return _AminmaxReturn(amin(input), amax(input))
    return _AminmaxReturn(amin(input, dim, keepdim), amax(input, dim, keepdim))


def nanmedian(input, dim=None, keepdim=False):
    data = _values(input)
    if dim is None:
        kept = data[~np.isnan(data)].reshape(-1)
        order = np.argsort(kept, kind="stable")
        position = np.flatnonzero(~np.isnan(data.reshape(-1)))[order[(kept.size - 1) // 2]]
        return _math.picked_sharing_ties(input, int(position), "NanmedianBackward0")
    dim = dim % builtins.max(input.ndim, 1)
    moved = np.moveaxis(data, dim, -1)
    positions = np.zeros(moved.shape[:-1] + (1,), np.int64)
    for pos in np.ndindex(moved.shape[:-1]):
        row = moved[pos]
        finite = np.flatnonzero(~np.isnan(row))
        order = finite[np.argsort(row[finite], kind="stable")]
        positions[pos] = order[(order.size - 1) // 2] if order.size else 0
    picked = np.moveaxis(positions, -1, dim)
    return _math._pick_one(input, picked, dim, keepdim, "NanmedianBackward1", _math._MEDIAN)


def tensor_split(input, indices_or_sections, dim=0):
    size = input.shape[dim]
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        sizes = [size // n + (1 if i < size % n else 0) for i in range(n)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [size]
        sizes = [builtins.max(min(b, size) - min(a, size), 0) for a, b in zip(bounds, bounds[1:])]
    starts = np.cumsum([0] + sizes[:-1]).tolist()
    return tuple(input.narrow(dim, s, n) for s, n in zip(starts, sizes))


def hsplit(input, sections):
    return tensor_split(input, sections, 1 if input.ndim > 1 else 0)


def vsplit(input, sections):
    return tensor_split(input, sections, 0)


def dsplit(input, sections):
    return tensor_split(input, sections, 2)


def select(input, dim, index):
    return input[(slice(None),) * (dim % input.ndim) + (index,)]


def index_put(input, indices, values, accumulate=False):
    if accumulate:
        zeros = np.zeros(input.shape, input._data.dtype)
        index = tuple(_values(i) for i in indices)
        values = _ops.as_tensor_arg(values).to(input.dtype)
        return input + composite("IndexPutBackward0", lambda v: registry["index_add"].bind(
            zeros, fnp.broadcast_to(v, zeros[index].shape), index=index), values)
    from funcgrad.torch._indexing import index_put as put
    return put(input, tuple(indices), values)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if reduce == "sum" and include_self:
        return _math._renamed(_shape_ops.scatter_add(input, dim, index, src),
                              "ScatterReduceBackward0")
    dim = dim % input.ndim
    positions = _values(index)
    grids = list(np.indices(positions.shape, sparse=True))
    grids[dim] = positions
    grids = tuple(np.broadcast_arrays(*grids))
    source = np.asarray(_values(src))[tuple(slice(0, n) for n in positions.shape)]
    out = np.array(_values(input), copy=True)
    ufunc = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}.get(reduce)
    if reduce == "mean":
        total = np.array(out if include_self else np.zeros_like(out))
        count = np.ones_like(out) if include_self else np.zeros_like(out)
        np.add.at(total, grids, source)
        np.add.at(count, grids, 1)
        touched = np.zeros(out.shape, bool)
        touched[grids] = True
        out = np.where(touched, total / np.maximum(count, 1), out).astype(out.dtype)
        if np.issubdtype(out.dtype, np.integer):
            out = np.floor_divide(total, np.maximum(count, 1)).astype(out.dtype)
    else:
        if not include_self:
            out[grids] = source
        ufunc.at(out, grids, source)
    return Tensor._make(out)


def renorm(input, p, dim, maxnorm):
    dims = tuple(d for d in range(input.ndim) if d != dim % input.ndim)
    norms = linalg.vector_norm(input, p, dims, keepdim=True)
    scale = _ops.where(norms > maxnorm, maxnorm / (norms + 1e-7), norms * 0 + 1)
    return input * scale


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    data = _values(input).reshape(-1) if dim is None else _values(input)
    starts = np.concatenate([[True], data[1:] != data[:-1]]) if data.size else np.zeros(0, bool)
    values = data[starts]
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make((np.cumsum(starts) - 1).reshape(tuple(input.shape))))
    if return_counts:
        out.append(Tensor._make(np.diff(np.append(np.flatnonzero(starts), data.size))))
    return out[0] if len(out) == 1 else tuple(out)


def _random():
    from funcgrad.torch import random
    return random


def _nn_functional():
    from funcgrad.torch.nn import functional
    return functional


def _svd(input, some):
    """torch.svd's convention: U, S, V (not V^H), reduced unless some=False."""
    from funcgrad.torch import return_types
    u, s, vh = linalg.svd(input, full_matrices=not some)
    return return_types.svd(u, s, _complex.conj(vh.mT))


_ALIASES = {
    "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le", "not_equal": "ne",
    "swapdims": "transpose", "fix": "trunc", "true_divide": "div", "pinverse": None,
}
_INPLACE = (
    "absolute arccos arccosh arcsin arcsinh arctan arctanh bitwise_and bitwise_or bitwise_xor "
    "bitwise_not eq ne ge gt le lt logical_and logical_or logical_xor logical_not divide "
    "multiply subtract negative true_divide erfc erfinv copysign fix heaviside digamma lgamma "
    "i0 addmm baddbmm addbmm addmv addr greater greater_equal less less_equal "
    "not_equal sinc ldexp float_power renorm index_put exp2 logaddexp").split()


def install(T, inplace_method):
    for name in ("copysign fmax fmin heaviside i0 sinc logaddexp2 ldexp float_power inner "
                 "diagflat ger lgamma digamma signbit isneginf isposinf nextafter gcd lcm dist "
                 "cov corrcoef addr aminmax nanmedian tensor_split hsplit vsplit dsplit select "
                 "index_put scatter_reduce renorm unique_consecutive").split():
        setattr(T, name, globals()[name])
    T.polygamma = lambda self, n: polygamma(n, self)
    for alias, target in _ALIASES.items():
        if target is not None:
            setattr(T, alias, getattr(T, target))
    T.pinverse = lambda self, rcond=1e-15: linalg.pinv(self, rtol=rcond)
    T.matrix_power = lambda self, n: linalg.matrix_power(self, n)
    T.cholesky = lambda self, upper=False: linalg.cholesky(self, upper=upper)
    T.mH = T.H = property(lambda self: _complex.conj(self.mT if self.ndim > 1 else self))
    T.adjoint = lambda self: _complex.conj(self.mT)
    T.split_with_sizes = lambda self, split_sizes, dim=0: self.split(list(split_sizes), dim)
    T.is_cpu = True
    T.is_signed = lambda self: self._data.dtype.kind in "ifc"
    T.itemsize = property(lambda self: self._data.dtype.itemsize)
    T.nbytes = property(lambda self: self._data.dtype.itemsize * self.numel())
    T.is_nonzero = _math.is_nonzero
    T.is_same_size = lambda self, other: tuple(self.shape) == tuple(other.shape)
    T.is_inference = lambda self: False
    T.is_conj = T.is_neg = lambda self: False
    T.resolve_neg = lambda self: self
    T.output_nr = property(lambda self: 0)
    T.name = None
    T.bernoulli = lambda self, p=None, *, generator=None: _random().bernoulli(
        self, p, generator=generator)
    T.svd = lambda self, some=True, compute_uv=True: _svd(self, some)
    T.qr = lambda self, some=True: linalg.qr(self, "reduced" if some else "complete")
    T.vdot = lambda self, other: _ops.dot(_complex.conj(self), other)
    T.new = lambda self, *size: Tensor._make(np.zeros(_ops._sizes(size), self._data.dtype)) \
        if size and isinstance(size[0], (int, np.integer)) else _ops.as_tensor_arg(size[0] if size else [])
    T.narrow_copy = lambda self, dim, start, length: _ops.clone(self.narrow(dim, start, length))
    T.hardshrink = lambda self, lambd=0.5: _nn_functional().hardshrink(self, lambd)
    T.prelu = lambda self, weight: _nn_functional().prelu(self, weight)
    T.scatter_reduce_ = lambda self, dim, index, src, reduce, *, include_self=True: self._inplace(
        lambda t: scatter_reduce(t, dim, index, src, reduce, include_self=include_self))
    for name in _INPLACE:
        setattr(T, name + "_", inplace_method(getattr(T, name)))
