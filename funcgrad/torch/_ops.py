"""Operations on tensors with PyTorch's names and signatures (`dim`, `keepdim`...).

Each is one primitive (or a few) applied through `apply`, with the graph node named as PyTorch
names it. They serve both as module functions (`torch.sum(x)`) and as methods (`x.sum()`).
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from funcgrad.primitives import contraction, elementwise as ew, nn as nnp, reductions as red
from funcgrad.primitives import shape as shp
from funcgrad.primitives.indexing import getitem_p
from funcgrad.primitives._util import dtype_of as _dtype_of, normalize_axis
from funcgrad.errors import where as _user_line
from funcgrad.torch import _device, _dtype, _meta, grad_mode
from funcgrad.torch import _kernel_dtypes
from funcgrad.torch.errors import check_dim, matmul_shape_error
from funcgrad.torch._composite import composite
from funcgrad.core.tracer import Tracer
from funcgrad.torch.tensor import Tensor, apply

_I64 = np.dtype(np.int64)
_SUM_ALL = {"axis": None, "keepdims": False}


def as_tensor_arg(x):
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def _axes(dim, ndim):
    if dim is None:
        return None
    for d in ((dim,) if isinstance(dim, (int, np.integer)) else dim):
        check_dim(int(d), ndim)
    return normalize_axis(dim, ndim)


def _sizes(args):
    """view(2, 3), view((2, 3)) and view([2, 3]) all mean the shape (2, 3)."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return tuple(int(s) for s in args[0])
    return tuple(int(s) for s in args)


# -- reductions ---------------------------------------------------------------------------------

def sum(input, dim=None, keepdim=False, dtype=None):  # noqa: A001 - PyTorch's name
    if dim is None and dtype is None and not keepdim and isinstance(input, Tensor) \
            and input._data.dtype.kind in "fc":  # x.sum() of a float tensor, the common case
        return apply(red.sum_p, (input,), _SUM_ALL, "SumBackward0")
    x = as_tensor_arg(input)
    if x._data.dtype.kind in "biu" and dtype is None:
        x = to(x, _dtype.int64)
    elif dtype is not None:
        x = to(x, dtype)
    axes = _axes(dim, x.ndim)
    name = "SumBackward0" if axes is None else "SumBackward1"
    return apply(red.sum_p, (x,), {"axis": axes, "keepdims": bool(keepdim)}, name)


def mean(input, dim=None, keepdim=False, dtype=None):
    x = input if dtype is None else to(input, dtype)
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_dtype.to_torch(x._data.dtype).name.capitalize()}")
    axes = _axes(dim, x.ndim)
    name = "MeanBackward0" if axes is None else "MeanBackward1"
    return apply(nnp.mean, (x,), {"axis": axes, "keepdims": bool(keepdim)}, name)


class _ReturnType(tuple):
    """A named pair, printed as PyTorch prints torch.return_types.<name>: (values, indices) for
    max, sort, topk..., (min, max) for aminmax."""

    _name = "max"
    _fields = ("values", "indices")

    def __new__(cls, *items):
        return super().__new__(cls, items)

    def __repr__(self):
        body = ",\n".join(f"{field}={item!r}" for field, item in zip(self._fields, self))
        return f"torch.return_types.{self._name}(\n{body})"


def _return_type(name, fields=("values", "indices")):
    """The type of torch.return_types.<name>, its items readable by field name."""
    namespace = {"_name": name, "_fields": fields}
    namespace.update({field: property(operator.itemgetter(i)) for i, field in enumerate(fields)})
    return type(name, (_ReturnType,), namespace)


_MaxReturn, _MinReturn = _return_type("max"), _return_type("min")


def _extremum(primitive, arg, name, input, dim, keepdim, other=None):
    if other is not None or isinstance(dim, Tensor):
        other = dim if other is None else other
        pair = ew.maximum if primitive is red.max_p else ew.minimum
        return apply(pair, (input, other), {})
    if dim is None:
        return apply(primitive, (input,), {"axis": None, "keepdims": False}, name + "1")
    indices = arg(input, dim, keepdim)
    if input.ndim == 0 or isinstance(input._data, Tracer):
        axis = normalize_axis(dim, input.ndim)
        values = apply(primitive, (input,), {"axis": axis, "keepdims": bool(keepdim)}, name + "0")
    else:  # the gradient goes to the one element picked (the first at a tie), as in PyTorch
        axis = dim % input.ndim
        picked = np.asarray(indices._data if keepdim else np.expand_dims(indices._data, axis))
        grids = list(np.indices(picked.shape, sparse=True))
        grids[axis] = picked
        values = apply(getitem_p, (input,), {"index": tuple(grids)}, name + "0")
        if not keepdim:
            values = reshape(values, tuple(np.delete(np.array(values.shape), axis)), name=name + "0")
    return (_MaxReturn if primitive is red.max_p else _MinReturn)(values, indices)


def max(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    return _extremum(red.max_p, argmax, "MaxBackward", input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    return _extremum(red.min_p, argmin, "MinBackward", input, dim, keepdim, other)


def argmax(input, dim=None, keepdim=False):
    return _arg_extremum(red.argmax_p, input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _arg_extremum(red.argmin_p, input, dim, keepdim)


def _arg_extremum(primitive, input, dim, keepdim):
    if dim is None:  # (an index into the flattened tensor; keepdim does not apply)
        return apply(primitive, (input,), {"axis": None, "keepdims": False})
    axis = _axes(dim, input.ndim)[0] if input.ndim else None
    return apply(primitive, (input,), {"axis": axis, "keepdims": bool(keepdim)})


def _count(shape, axes):
    return int(math.prod([shape[a] for a in (range(len(shape)) if axes is None else axes)]))


def _variance(x, axes, ddof, keepdims):
    centred = x - nnp.mean(x, axis=axes, keepdims=True)
    total = red.sum_p.bind(centred * centred, axis=axes, keepdims=keepdims)
    return total / (_count(np.shape(x), axes) - ddof)


def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    ddof = (1 if unbiased else 0) if correction is None else correction
    axes = _axes(dim, input.ndim)
    return composite("VarBackward0", lambda x: _variance(x, axes, ddof, bool(keepdim)), input)


def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    ddof = (1 if unbiased else 0) if correction is None else correction
    axes = _axes(dim, input.ndim)
    return composite("StdBackward0",
                     lambda x: ew.sqrt(_variance(x, axes, ddof, bool(keepdim))), input)


def _safe_sqrt(s):
    """sqrt with a zero gradient at 0 (PyTorch's norm at the origin) instead of 0 * inf."""
    at_zero = ew.equal(s, 0)
    return ew.where(at_zero, 0.0 * s, ew.sqrt(ew.where(at_zero, 1.0 + 0.0 * s, s)))


def norm(input, p: float | str = 2, dim=None, keepdim=False):
    axes = _axes(dim, input.ndim)
    keep = bool(keepdim)
    if p == "nuc":
        from funcgrad.torch import linalg
        return linalg.matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim,
                                  keepdim=keep)
    if isinstance(p, str) and p != "fro":
        raise RuntimeError(f"norm: p must be a number, 'fro' or 'nuc', not {p!r}")
    if p == 2 or p == "fro":
        fn = lambda x: _safe_sqrt(red.sum_p.bind(x * x, axis=axes, keepdims=keep))  # noqa: E731
    elif p == 1:
        fn = lambda x: red.sum_p.bind(ew.absolute(x), axis=axes, keepdims=keep)  # noqa: E731
    elif p == np.inf or p == -np.inf:  # the largest (smallest) |x|; ties share the gradient
        extremum = red.max_p if p > 0 else red.min_p
        fn = lambda x: extremum.bind(ew.absolute(x), axis=axes, keepdims=keep)  # noqa: E731
    elif p == 0:  # the count of nonzero entries (no gradient)
        fn = lambda x: red.sum_p.bind(ew.astype(ew.not_equal(x, 0), _dtype_of(x)) + 0.0 * x,  # noqa: E731
                                      axis=axes, keepdims=keep)
    else:
        def fn(x):
            # |x|^p with PyTorch's zero gradient at x == 0 (p |x|^(p-1) is inf there for p < 1)
            size = ew.absolute(x)
            zero = ew.equal(size, 0)
            powered = ew.where(zero, np.inf if p < 0 else 0.0, ew.where(zero, 1.0, size) ** p)
            return red.sum_p.bind(powered, axis=axes, keepdims=keep) ** (1.0 / p)
    return composite("LinalgVectorNormBackward0", fn, input)


def _logsumexp(x, axis, keepdim):
    shift = ew.stop_gradient(red.max_p.bind(x, axis=axis, keepdims=True))
    shift = ew.where(ew.isfinite(shift), shift, 0.0)  # a row of -inf is -inf, not -inf - -inf
    out = ew.log(red.sum_p.bind(ew.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdim else shp.reshape(out, red.reduced_shape(np.shape(x), axis, False))


def logsumexp(input, dim, keepdim=False):
    axes = _axes(dim, input.ndim)
    return composite("LogsumexpBackward0", lambda x: _logsumexp(x, axes, bool(keepdim)), input)


def all(input, dim=None):  # noqa: A001
    return Tensor._make(np.asarray(np.all(np.asarray(input._data), axis=dim)))


def any(input, dim=None):  # noqa: A001
    return Tensor._make(np.asarray(np.any(np.asarray(input._data), axis=dim)))


# -- elementwise ----------------------------------------------------------------------------------

def _unary(primitive, name=None):
    def op(input):
        return apply(primitive, (input,), {}, name)
    op.__name__ = primitive.name
    return op


exp, log, sqrt, sin, cos, tan = (_unary(p) for p in (ew.exp, ew.log, ew.sqrt, ew.sin, ew.cos, ew.tan))
tanh, abs, neg, log1p, expm1 = (_unary(p) for p in (ew.tanh, ew.absolute, ew.negative, ew.log1p,  # noqa: A001
                                                   ew.expm1))
sinh, cosh, reciprocal = _unary(ew.sinh), _unary(ew.cosh), _unary(ew.reciprocal)
asin, acos, atan = _unary(ew.arcsin), _unary(ew.arccos), _unary(ew.arctan)
arcsin, arccos, arctan = asin, acos, atan
sigmoid, relu = _unary(nnp.sigmoid), _unary(nnp.relu)
negative, absolute = neg, abs
floor, ceil, round, trunc = (_unary(p) for p in (ew.floor, ew.ceil, ew.round_p,  # noqa: A001
                                                ew.trunc))


def sign(input, _name=None):
    """torch.sign: -1, 0 or 1, and 0 for NaN (PyTorch's; NumPy's sign of NaN is NaN)."""
    out = apply(ew.sign, (input,), {}, _name)
    data = out._data
    if type(data) is np.ndarray and data.dtype.kind == "f" and np.isnan(data).any():
        out._data = np.where(np.isnan(data), data.dtype.type(0), data)  # a fresh array: no history
    return out


def square(input):
    return pow(input, 2)


def rsqrt(input):
    return apply(ew.power, (input, -0.5), {}, "RsqrtBackward0")


def pow(input, exponent):  # noqa: A001
    if isinstance(input, Tensor) and isinstance(exponent, Tensor):
        name = "PowBackward1"
    elif isinstance(input, Tensor):
        name = "PowBackward0"
        if type(exponent) is int and exponent == 3 and input._data.dtype.kind in "fc":
            # x * x * x, as PyTorch's kernel computes a cube (NumPy's power is ~100x slower)
            from funcgrad.torch._composite import composite
            return composite(name, _cube, input)
    else:
        name = "PowBackward2"
    return apply(ew.power, (input, exponent), {}, name)


def _cube(x):
    return x * x * x


def add(input, other, *, alpha=1):
    return apply(ew.add, (input, other if alpha == 1 else other * alpha), {})


def sub(input, other, *, alpha=1):
    return apply(ew.subtract, (input, other if alpha == 1 else other * alpha), {})


def mul(input, other):
    return apply(ew.multiply, (input, other), {})


def div(input, other, *, rounding_mode=None):
    if rounding_mode == "floor":
        return apply(ew.floor_divide, (input, other), {})
    out = apply(ew.divide, (input, other), {})
    return trunc(out) if rounding_mode == "trunc" else out


subtract, multiply, divide, true_divide = sub, mul, div, div


def clamp(input, min=None, max=None):  # noqa: A001
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    kind = input._data.dtype.kind
    if kind in "biu" and (isinstance(min, float) or isinstance(max, float)):
        input = to(input, _dtype.to_torch(_dtype.default_float()))  # a float bound: float
    elif kind == "b" and (type(min) is int or type(max) is int):
        input = to(input, _dtype.int64)
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        out = input if min is None else apply(ew.maximum, (input, lo), {})
        return out if max is None else apply(ew.minimum, (out, hi), {})
    return apply(nnp.clamp, (input,), {"low": float(lo), "high": float(hi)})


clip = clamp


def where(condition, input, other):
    return apply(ew.where, (_plain(condition), input, other), {})


def atan2(input, other):
    return apply(ew.arctan2, (input, other), {})


arctan2 = atan2


def maximum(input, other):
    return apply(ew.maximum, (input, other), {})


def minimum(input, other):
    return apply(ew.minimum, (input, other), {})


def _plain(x):
    return x._data if isinstance(x, Tensor) else x


def eq(input, other):
    return apply(ew.equal, (input, other), {})


def ne(input, other):
    return apply(ew.not_equal, (input, other), {})


def gt(input, other):
    return apply(ew.greater, (input, other), {})


def ge(input, other):
    return apply(ew.greater_equal, (input, other), {})


def lt(input, other):
    return apply(ew.less, (input, other), {})


def le(input, other):
    return apply(ew.less_equal, (input, other), {})


def _implicit_dim(ndim, name):
    import warnings
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, dtype=None, _stacklevel=3):
    x = input if dtype is None else to(input, dtype)
    dim = _implicit_dim(x.ndim, "softmax") if dim is None else dim
    axis = check_dim(int(dim), x.ndim)
    return composite("SoftmaxBackward0", lambda v: ew.exp(nnp.log_softmax(v, axis=axis)), x)


def log_softmax(input, dim=None, dtype=None, _stacklevel=3):
    x = input if dtype is None else to(input, dtype)
    dim = _implicit_dim(x.ndim, "log_softmax") if dim is None else dim
    return apply(nnp.log_softmax, (x,), {"axis": check_dim(int(dim), x.ndim)})


# -- linear algebra -------------------------------------------------------------------------------

_MATMUL_NAMES = {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0"}


def _matmul_name(left, right):
    """The node PyTorch shows for left @ right (of these ranks): vector @ matrix is a squeezed
    mm, batched products end in an unsafe view of bmm/mm."""
    name = _MATMUL_NAMES.get((left, right))
    if name is not None:
        return name
    if (left, right) == (1, 2):
        return "SqueezeBackward4"
    if left == 2 and right >= 3:
        return "CloneBackward0"
    return "UnsafeViewBackward0"


def matmul(input, other):
    left = np.ndim(input._data) if isinstance(input, Tensor) else 2
    right = np.ndim(other._data) if isinstance(other, Tensor) else 2
    if left and right and np.shape(input._data)[-1] != np.shape(other._data)[-2 if right > 1 else -1]:
        _matmul_error(np.shape(input._data), np.shape(other._data))
    if isinstance(input, Tensor) and isinstance(other, Tensor) \
            and input._data.dtype != other._data.dtype:
        _kernel_dtypes.check_matmul(input, other)  # PyTorch's products refuse mixed dtypes
    return apply(contraction.matmul, (input, other), {}, _matmul_name(left, right))


def _matmul_error(a, b):
    if len(a) == 1 and len(b) == 1:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a[0]}] and src [{b[0]}] "
                           "to have the same number of elements, but got "
                           f"{a[0]} and {b[0]} elements respectively")
    left = (int(math.prod(a[:-1])), a[-1]) if len(a) > 1 else (1, a[0])
    right = tuple(b[-2:]) if len(b) > 1 else (b[0], 1)
    raise RuntimeError(matmul_shape_error(left, right, (tuple(a), tuple(b))))


def mm(input, mat2):
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"self must be a matrix\n[funcgrad] mm got shapes {tuple(input.shape)} "
                           f"and {tuple(mat2.shape)}; use matmul for batches or vectors")
    return matmul(input, mat2)


def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    _kernel_dtypes.check_bmm(input, mat2)
    return apply(contraction.matmul, (input, mat2), {}, "BmmBackward0")


def dot(input, other):
    return matmul(input, other)


mv = dot


def outer(input, vec2):
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)


# -- shapes ---------------------------------------------------------------------------------------

def reshape(input, *shape, name="ViewBackward0"):
    shape = asked = _sizes(shape)
    size = input.numel()
    if -1 in shape:
        known = int(math.prod([s for s in shape if s != -1]))
        shape = tuple(size // known if s == -1 and known else s for s in shape)
    if int(math.prod(shape)) != size:
        raise RuntimeError(f"shape '{list(asked)}' is invalid for input of size {size}\n"
                           f"[funcgrad] the tensor has shape {tuple(input.shape)}{_user_line()}; the new "
                           "shape must have the same number of elements (use -1 for one axis).")
    return apply(shp.reshape_p, (input,), {"shape": shape}, name, view_of=input)


def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return to(input, shape[0])
    return reshape(input, *shape)


def permute(input, *dims):
    dims = _sizes(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
            f"equal to len(dims) = {len(dims)}")
    dims = tuple(check_dim(d, input.ndim) for d in dims)
    return apply(shp.transpose_p, (input,), {"axes": dims}, "PermuteBackward0", view_of=input)


def transpose(input, dim0, dim1):
    axes = list(range(input.ndim))
    dim0, dim1 = check_dim(dim0, input.ndim), check_dim(dim1, input.ndim)
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return apply(shp.transpose_p, (input,), {"axes": tuple(axes)}, "TransposeBackward0",
                 view_of=input)


swapaxes = transpose


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    if input.ndim < 2:
        return input
    return apply(shp.transpose_p, (input,), {"axes": (1, 0)}, "TBackward0", view_of=input)


def unsqueeze(input, dim):
    shape = list(input.shape)
    shape.insert(check_dim(dim, input.ndim + 1), 1)
    return reshape(input, shape, name="UnsqueezeBackward0")


def squeeze(input, dim=None):
    if dim is None:
        shape = [s for s in input.shape if s != 1]
        name = "SqueezeBackward0"
    else:
        dims = {check_dim(d, input.ndim) for d in ((dim,) if isinstance(dim, int) else dim)}
        shape = [s for i, s in enumerate(input.shape) if not (i in dims and s == 1)]
        name = "SqueezeBackward1"
    return reshape(input, shape, name=name)


def flatten(input, start_dim=0, end_dim=-1):
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = start_dim % input.ndim, end_dim % input.ndim
    if start == end:
        return input  # nothing to merge: the tensor itself, as PyTorch
    shape = input.shape[:start] + (-1,) + input.shape[end + 1:]
    return reshape(input, shape)


def expand(input, *sizes):
    sizes = _sizes(sizes)
    lead = len(sizes) - input.ndim
    shape = tuple(input.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    for i, (have, want) in enumerate(zip(input.shape, shape[lead:])):
        if have != want and have != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({have}) "
                f"at non-singleton dimension {i + lead}.  Target sizes: {list(sizes)}.  Tensor "
                f"sizes: {list(input.shape)}")
    out = apply(shp.broadcast_to_p, (input,), {"shape": shape}, "ExpandBackward0",
                view_of=input)
    data = input._data
    if shape == tuple(input.shape) and isinstance(data, np.ndarray) and data.flags.writeable:
        out._data = data.view()  # nothing repeated: writable, as PyTorch's (NumPy's is not)
    return out


def cat(tensors, dim=0):
    tensors = [as_tensor_arg(x) for x in tensors]
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dim = dim % builtins.max(tensors[0].ndim, 1)
    first = tuple(tensors[0].shape)
    for number, t in enumerate(tensors[1:], 1):
        shape = tuple(t.shape)
        if len(shape) == len(first) and shape[:dim] + shape[dim + 1:] != first[:dim] + first[dim + 1:]:
            axis = next(i for i, (a, b) in enumerate(zip(first, shape)) if a != b and i != dim)
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {dim}. Expected size "
                f"{first[axis]} but got size {shape[axis]} for tensor number {number} in the list.")
    return apply(shp.concatenate_p, tuple(tensors), {"axis": dim}, "CatBackward0")


concat = concatenate = cat


def stack(tensors, dim=0):
    tensors = [as_tensor_arg(x) for x in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = np.shape(tensors[0]._data)
    for i, t in enumerate(tensors[1:], 1):
        if np.shape(t._data) != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0].shape)} at entry 0 and {list(t.shape)} at "
                               f"entry {i}")
    dim = dim % (len(first) + 1)
    datas = [t._data for t in tensors]
    dtype = getattr(datas[0], "dtype", None)
    if builtins.all(type(d) is np.ndarray and d.dtype == dtype for d in datas) and not (
            grad_mode._state.enabled and builtins.any(t._requires_grad for t in tensors)):
        # nothing to record (a DataLoader's batch): NumPy's stack, not one expand_dims each
        return Tensor._make(np.stack(datas, dim))
    return composite("StackBackward0", lambda *xs: shp.stack(xs, dim), *tensors)


def clone(input):
    return apply(nnp.copy, (input,), {}, "CloneBackward0")


def to(input, *args, dtype=None, device=None, **kwargs):
    for a in args:
        if isinstance(a, _dtype.dtype) or (isinstance(a, type) and a in (float, int, bool)):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, _device.device)):
            device = a
    if device is not None and _meta.device_type(device) == "meta" \
            and not _meta.is_meta(input._data):
        input = Tensor._make(_meta.MetaArray(input.shape, input._data.dtype))  # (no history)
    elif device is not None and _meta.is_meta(input._data) \
            and _meta.device_type(device) != "meta":
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    if dtype is None:
        return input
    target = _dtype.to_numpy(dtype)
    if target == input._data.dtype:
        return input
    return apply(ew.astype_p, (input,), {"dtype": target}, "ToCopyBackward0")
