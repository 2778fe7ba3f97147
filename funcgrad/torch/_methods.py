"""Tensor methods and properties with PyTorch's names, installed on `Tensor` from `_ops`."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from funcgrad.torch import _binning, _complex, _dtype, _indexing, _math, _ops, _shape_ops, linalg
from funcgrad.torch._device import CPU, META
from funcgrad.torch._meta import is_meta
from funcgrad.torch.graph import node_class
from funcgrad.torch.tensor import Tensor


class Size(tuple):
    """A tensor's shape: a tuple that prints as torch.Size([2, 3])."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
        return int(math.prod(self))

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))  # torch.Size + torch.Size is a torch.Size


def _size(self, dim=None):
    shape = Size(np.shape(self._data))
    return shape if dim is None else shape[dim]


def _numpy(self, force=False):
    if is_meta(self._data):
        return self.__array__()  # raises PyTorch's error
    if self._requires_grad and not force:
        return self.__array__()  # raises PyTorch's error
    return np.asarray(self._data)


def _inplace_method(op):
    def method(self, *args, **kwargs):
        return self._inplace(lambda t, *a: op(t, *a, **kwargs), *args)
    method.__name__ = op.__name__ + "_"
    return method


_SHAPE_NODE_NAMES = {"t": "TBackward1", "transpose": "TransposeBackward1",
                     "unsqueeze": "UnsqueezeBackward1"}


def _reshaped_view(base, name, old_shape, args, new_shape):
    """A view's recipe (parent, op, params, version) followed by the in-place t_/transpose_/
    squeeze_/unsqueeze_ that changed its shape: one ViewFunction, so that a later change of the
    parent reaches it and a change of it reaches the parent."""
    from funcgrad.primitives import shape as shp
    from funcgrad.torch._views import ViewFunction
    parent, first, params, version = base
    if first is None:  # made under no_grad: only remembered to refuse later uses
        return base
    if name in ("t", "transpose"):
        n = len(old_shape)
        a, b = (1, 0) if name == "t" else (args[0] % n, args[1] % n)
        axes = list(range(n))
        axes[a], axes[b] = axes[b], axes[a]
        axes = tuple(axes)

        def second(x):
            return shp.transpose_p.bind(x, axes=axes)
    else:
        def second(x):
            return shp.reshape_p.bind(x, shape=new_shape)
    if isinstance(first, ViewFunction):
        fn, view = first.fn, first.view
    else:
        fn, view = first.bind, first.impl
    combined = ViewFunction(
        "AsStridedBackward0", lambda x, **p: second(fn(x, **p)),
        lambda array, **p: (np.transpose(view(array, **p), axes) if name in ("t", "transpose")
                            else view(array, **p).reshape(new_shape)))
    return (parent, combined, params, version)


def _reshaping_inplace(op, name):
    """x.t_(), x.unsqueeze_(d)...: x itself takes the view's shape (and, while recording, its
    node: TBackward1...); the memory is the same, the version goes up, as in PyTorch."""
    def method(self, *args):
        from funcgrad.torch import grad_mode
        from funcgrad.torch.errors import leaf_inplace_error
        recording = grad_mode._state.enabled and self._requires_grad
        if recording and self._grad_fn is None:
            raise RuntimeError(leaf_inplace_error(self))
        old_shape = tuple(self.shape)
        new = op(self, *args)
        self._data = new._data
        if self._base is not None:
            self._base = _reshaped_view(self._base, name, old_shape, args, tuple(self.shape))
        if recording:
            node = new._grad_fn
            if name == "squeeze":  # PyTorch's in-place squeeze nodes: all axes 3, one axis 4
                node.__class__ = node_class("SqueezeBackward4" if args else "SqueezeBackward3")
            else:
                node.__class__ = node_class(_SHAPE_NODE_NAMES[name])
            self._grad_fn = node
        self._counter[0] += 1
        return self
    method.__name__ = name + "_"
    return method


def _resize(self, *sizes):
    """x.resize_(shape): x's elements in order, cut or extended with zeros (PyTorch leaves the
    new ones uninitialised); refused for a tensor that requires grad, as in PyTorch."""
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes
    flat = np.ascontiguousarray(self._data).reshape(-1)
    out = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=flat.dtype)
    n = min(out.size, flat.size)
    out[:n] = flat[:n]
    self._data = out.reshape(shape)
    self._counter[0] += 1
    return self


def _fill(self, value):
    if is_meta(self._data):  # nothing to write
        self._counter[0] += 1
        return self
    return self._inplace(lambda t, v: _ops.as_tensor_arg(v).to(t.dtype).expand(t.shape)
                         if isinstance(v, Tensor) else
                         Tensor._make(np.full(t.shape, v, dtype=t._data.dtype)), value)


def _copy(self, src):
    return self._inplace(lambda t, s: _ops.to(_ops.as_tensor_arg(s), t.dtype).expand(t.shape)
                         if _ops.as_tensor_arg(s).shape != t.shape
                         else _ops.to(_ops.as_tensor_arg(s), t.dtype) * 1, src)


def _zero(self):
    if is_meta(self._data):
        self._counter[0] += 1
        return self
    return self._inplace(lambda t: Tensor._make(np.zeros(t.shape, dtype=t._data.dtype)))


def _type_cast(dtype):
    return lambda self: _ops.to(self, dtype)


def install():
    # the class is given PyTorch's methods here, at import (deliberately dynamic: checkers see
    # them through Tracer's declared __getattr__, so the class is Any while they are installed)
    T: Any = Tensor
    T.shape = property(_size)
    T.size = _size
    T.dtype = property(lambda self: _dtype.to_torch(self._data.dtype))
    T.device = property(lambda self: META if is_meta(self._data) else CPU)
    T.get_device = lambda self: -1
    T.is_cuda = False
    T.ndim = property(lambda self: np.ndim(self._data))
    T.dim = lambda self: np.ndim(self._data)
    T.ndimension = T.dim
    T.numel = lambda self: int(np.size(self._data))
    T.nelement = T.numel
    T.__len__ = lambda self: _len(self)
    T.numpy = _numpy
    T.is_floating_point = lambda self: self._data.dtype.kind == "f"
    T.element_size = lambda self: self._data.dtype.itemsize
    T.contiguous = _contiguous
    T.is_contiguous = _is_contiguous
    T.cpu = lambda self: _ops.to(self, "cpu")
    T.type_as = lambda self, other: _ops.to(self, other.dtype)
    T.float = _type_cast(_dtype.float32)
    T.double = _type_cast(_dtype.float64)
    T.half = _type_cast(_dtype.float16)
    T.long = _type_cast(_dtype.int64)
    T.int = _type_cast(_dtype.int32)
    T.bool = _type_cast(_dtype.bool)
    for name in ["sum", "mean", "max", "min", "argmax", "argmin", "var", "std", "norm", "all",
                 "any", "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "abs", "neg", "log1p",
                 "expm1", "sinh", "cosh", "reciprocal", "sigmoid", "relu", "sign", "floor", "ceil",
                 "round", "trunc", "square", "rsqrt", "pow", "add", "sub", "mul", "div", "clamp",
                 "clip", "maximum", "minimum", "eq", "ne", "gt", "ge", "lt", "le", "softmax",
                 "log_softmax", "matmul", "mm", "bmm", "dot", "mv", "outer", "reshape", "view",
                 "permute", "transpose", "t", "unsqueeze", "squeeze", "flatten", "expand", "clone",
                 "to", "logsumexp", "asin", "acos", "atan", "swapaxes"]:
        setattr(T, name, getattr(_ops, name))
    T.T = property(lambda self: _ops.permute(self, tuple(range(self.ndim))[::-1]))
    T.mT = property(lambda self: _ops.transpose(self, -2, -1))
    T.view_as = lambda self, other: _ops.reshape(self, other.shape)
    T.ravel = lambda self: _ops.reshape(self, -1)  # a view when it can be, as PyTorch
    T.reshape_as = T.view_as
    T.expand_as = lambda self, other: _ops.expand(self, other.shape)
    T.negative, T.absolute, T.multiply, T.subtract, T.divide = (
        T.neg, T.abs, T.mul, T.sub, T.div)
    for name in ["add", "sub", "mul", "div", "clamp", "pow", "exp", "log", "sqrt", "abs", "neg",
                 "sigmoid", "tanh", "relu", "clip"]:
        setattr(T, name + "_", _inplace_method(getattr(_ops, name)))
    for name in ["t", "transpose", "unsqueeze", "squeeze"]:
        setattr(T, name + "_", _reshaping_inplace(getattr(_ops, name), name))
    T.swapdims_ = T.swapaxes_ = T.transpose_
    T.resize_ = _resize
    T.resize_as_ = lambda self, other: _resize(self, tuple(other.shape))
    T.fill_ = _fill
    T.zero_ = _zero
    T.copy_ = _copy
    # operators straight to `apply` (the Tracer defaults would work, through one more dispatch)
    for name, prim in (("add", _ops.ew.add), ("sub", _ops.ew.subtract), ("mul", _ops.ew.multiply),
                       ("truediv", _ops.ew.divide)):
        setattr(T, f"__{name}__", _binary(prim))
    T.__radd__ = _binary(_ops.ew.add)  # commutative: the tensor stays first, as in PyTorch
    T.__rmul__ = _binary(_ops.ew.multiply)
    T.__neg__ = lambda self: _ops.apply(_ops.ew.negative, (self,), {})
    # operators with PyTorch's node names
    T.__matmul__ = lambda self, other: _ops.matmul(self, other)
    T.__rmatmul__ = lambda self, other: _ops.matmul(_ops.as_tensor_arg(other), self)
    T.__pow__ = lambda self, other: _ops.pow(self, other)
    T.__rpow__ = lambda self, other: _ops.pow(other, self)
    T.__getitem__ = _indexing.getitem
    T.gather = _indexing.gather
    T.narrow, T.split, T.chunk, T.unbind = (_indexing.narrow, _indexing.split, _indexing.chunk,
                                            _indexing.unbind)
    T.masked_fill = _indexing.masked_fill
    T.__rsub__ = lambda self, other: _ops.apply(_ops.ew.subtract, (other, self), {}, "RsubBackward1")
    T.__rtruediv__ = lambda self, other: _ops.reciprocal(self) * other
    T.__ipow__ = lambda self, other: self._inplace(_ops.pow, other)
    T.__abs__ = lambda self: _ops.abs(self)
    T.__bool__ = lambda self: _truth(self)
    T.__float__ = _float
    T.__int__ = lambda self: int(_scalar(self, python=True))
    T.__complex__ = _to_complex
    T.__index__ = lambda self: int(_scalar(self))
    T.item = lambda self: _scalar(self).item()
    T.tolist = lambda self: np.asarray(_concrete(self)).tolist()
    T.new_tensor = lambda self, data, dtype=None, requires_grad=False: _new(data, dtype or self.dtype,
                                                                           requires_grad)
    T.new_zeros = lambda self, *size, dtype=None: Tensor._make(
        np.zeros(_ops._sizes(size), _dtype.to_numpy(dtype) or self._data.dtype))
    T.new_ones = lambda self, *size, dtype=None: Tensor._make(
        np.ones(_ops._sizes(size), _dtype.to_numpy(dtype) or self._data.dtype))

    _install_more(T)


_MATH_METHODS = (
    "log2 log10 exp2 asinh acosh atanh arcsinh arccosh arctanh erf erfc erfinv remainder fmod "
    "floor_divide hypot logaddexp sgn frac deg2rad rad2deg xlogy logit nan_to_num lerp addcmul "
    "addcdiv clamp_min clamp_max isnan isinf isfinite isclose logical_and logical_or logical_xor "
    "logical_not bitwise_not prod amax amin cumsum cumprod logcumsumexp nansum nanmean "
    "count_nonzero sort argsort msort topk kthvalue median mode cummax cummin unique nonzero "
    "argwhere masked_select positive isreal").split()
_SHAPE_METHODS = (
    "flip fliplr flipud roll rot90 repeat tile repeat_interleave movedim moveaxis broadcast_to "
    "unflatten diff tril triu diagonal diag diag_embed trace index_select take take_along_dim as_strided "
    "scatter scatter_add index_add index_fill index_copy masked_scatter").split()
_LINALG_METHODS = "det inverse logdet slogdet kron cross addmm addmv baddbmm addbmm".split()
_INPLACE = (
    "masked_fill scatter scatter_add index_add index_fill index_copy masked_scatter clamp_min "
    "clamp_max floor ceil round trunc reciprocal sin cos tan log1p expm1 tril triu lerp addcmul "
    "addcdiv remainder fmod sign square rsqrt floor_divide log2 log10 erf frac atan2 hypot "
    "nan_to_num logit cumsum cumprod sgn arctan2 asin acos atan sinh cosh "
    "asinh acosh atanh exp2 xlogy deg2rad rad2deg").split()
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _install_more(T):
    for name in _MATH_METHODS:
        setattr(T, name, getattr(_math, name))
    for name in _SHAPE_METHODS:
        setattr(T, name, getattr(_shape_ops, name))
    for name in _LINALG_METHODS:
        setattr(T, name, getattr(linalg, name))
    T.repeat = lambda self, *sizes: _shape_ops.repeat(self, *sizes)
    T.cross = lambda self, other, dim=None: linalg.cross(self, other, -1 if dim is None else dim)
    T.where = lambda self, condition, y: _ops.where(condition, self, y)
    T.arctan2 = T.atan2 = lambda self, other: _ops.atan2(self, other)
    T.arcsin, T.arccos, T.arctan = T.asin, T.acos, T.atan
    ops = {name: getattr(T, name) for name in _INPLACE}
    ops["masked_fill"] = _indexing.masked_fill
    for name, op in ops.items():
        setattr(T, name + "_", _inplace_method(op))
    for name in ("uniform_", "normal_", "random_", "bernoulli_", "exponential_", "geometric_",
                 "log_normal_", "cauchy_"):
        setattr(T, name, _random_fill(name[:-1]))
    T.fill_diagonal_ = _fill_diagonal
    T.is_complex = lambda self: self._data.dtype.kind == "c"
    T.is_sparse = False
    T.is_quantized = False
    T.is_meta = property(lambda self: is_meta(self._data))
    T.layout = "torch.strided"
    T.short, T.byte, T.char = (_type_cast(d) for d in (_dtype.int16, _dtype.uint8, _dtype.int8))
    T.cfloat, T.cdouble = _type_cast(_dtype.complex64), _type_cast(_dtype.complex128)
    T.type = _type
    T.stride = _stride
    T.storage_offset = lambda self: 0
    T.data_ptr = lambda self: 0 if is_meta(self._data) else \
        int(np.asarray(self._data).__array_interface__["data"][0])
    T.cuda = lambda self, *a, **k: self
    T.pin_memory = lambda self: self
    T.__contains__ = lambda self, item: bool(np.any(np.asarray(_concrete(self)) == (
        np.asarray(_concrete(item)) if isinstance(item, Tensor) else item)))
    T.new_full = lambda self, size, fill_value, *, dtype=None, requires_grad=False, **_: _new(
        np.full(tuple(size), fill_value), dtype or self.dtype, requires_grad)
    T.new_empty = lambda self, *size, dtype=None, requires_grad=False, **_: _new(
        np.zeros(_ops._sizes(size)), dtype or self.dtype, requires_grad)
    T.equal = lambda self, other: bool(np.array_equal(_concrete(self), _concrete(other)))
    T.allclose = lambda self, other, rtol=1e-05, atol=1e-08, equal_nan=False: bool(
        np.allclose(_concrete(self), _concrete(other), rtol, atol, equal_nan))
    T.sum_to_size = lambda self, *size: _sum_to_size(self, _ops._sizes(size))
    T.apply_ = lambda self, fn: self._inplace(lambda t: Tensor._make(
        np.vectorize(fn, otypes=[t._data.dtype])(np.asarray(t._data))))
    T.map_ = lambda self, other, fn: self._inplace(lambda t, o: Tensor._make(
        np.vectorize(fn, otypes=[t._data.dtype])(np.asarray(t._data), np.asarray(o._data))), other)
    T.__pos__ = lambda self: self
    for name in ("and", "or", "xor"):  # bitwise on integers, logical on booleans, as PyTorch
        primitive = _math.registry[f"bitwise_{name}"]
        setattr(T, f"__{name}__", _binary(primitive))
        setattr(T, f"__r{name}__", _binary(primitive, reflected=True))
        setattr(T, f"bitwise_{name}", _binary(primitive))
        setattr(T, f"__i{name}__", lambda self, other, p=primitive: self._inplace(
            lambda t, o: _ops.apply(p, (t, o), {}), other))
    T.__invert__ = lambda self: _math.bitwise_not(self)
    T.bincount, T.histc = _binning.bincount, _binning.histc
    T.unfold = _shape_ops.unfold
    T.__iter__ = _iterate
    T.quantile, T.nanquantile = _binning.quantile, _binning.nanquantile
    T.real = property(_complex.real)
    T.imag = property(_complex.imag)
    T.conj, T.angle, T.conj_physical, T.resolve_conj = (_complex.conj, _complex.angle, _complex.conj,
                                                        lambda self: self)
    T.multinomial = lambda self, *a, **k: _random().multinomial(self, *a, **k)
    T.round = _round
    T.round_ = _inplace_method(_round)
    T.__lshift__ = lambda self, other: _ops.apply(_math.registry["left_shift"], (self, other), {})
    T.__rshift__ = lambda self, other: _ops.apply(_math.registry["right_shift"], (self, other), {})


def _round(self, *, decimals=0):
    if not decimals:
        return _ops.round(self)
    return _ops.apply(_ops.ew.round_p, (self,), {"decimals": int(decimals)}, "RoundBackward1")


def _is_contiguous(self, memory_format=None):
    """Whether the elements lie in row-major order without gaps (NumPy's flag on the data)."""
    data = self._data
    return data.flags.c_contiguous if isinstance(data, np.ndarray) else True


def _contiguous(self, memory_format=None):
    if _is_contiguous(self):
        return self
    out = _ops.apply(_ops.nnp.copy, (self,), {}, "CloneBackward0")
    if isinstance(out._data, np.ndarray):  # a row-major copy (NumPy's copy keeps the layout)
        out._data = np.ascontiguousarray(out._data)
    return out


def _iterate(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(_indexing.unbind(self, 0))


def _random():
    from funcgrad.torch import random
    return random


def _type(self, dtype=None, non_blocking=False, **_):
    from funcgrad.torch._legacy import is_legacy_type
    if is_legacy_type(dtype):  # x.type(torch.LongTensor)
        dtype = dtype.dtype
    if dtype is None:
        return f"torch.{_TYPE_NAMES[_dtype.to_torch(self._data.dtype).name]}Tensor"
    if isinstance(dtype, str):
        wanted = dtype.rsplit(".", 1)[-1][:-len("Tensor")]
        dtype = next(_dtype.to_torch(n) for n, t in _TYPE_NAMES.items() if t == wanted)
    return _ops.to(self, dtype)


def _stride(self, dim=None):
    data = self._data
    if isinstance(data, np.ndarray):
        strides = tuple(s // data.itemsize for s in data.strides)
    else:
        shape, strides, step = np.shape(data), [], 1
        for n in reversed(shape):
            strides.insert(0, step)
            step *= max(n, 1)
        strides = tuple(strides)
    return strides if dim is None else strides[dim]


def _sum_to_size(t, size):
    lead = t.ndim - len(size)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(size) if n == 1
                                      and t.shape[lead + i] != 1)
    return _ops.reshape(_ops.sum(t, axes, keepdim=True), size) if axes else t


def _random_fill(kind):
    def fill(self, *args, generator=None, **kwargs):
        from funcgrad.torch.random import default_generator
        rng = (generator or default_generator).rng
        shape, dtype = tuple(self.shape), self._data.dtype
        if kind == "uniform":
            low, high = (list(args) + [0.0, 1.0][len(args):])[:2]
            values = rng.uniform(kwargs.get("from", low), kwargs.get("to", high), shape)
        elif kind == "normal":
            mean, std = (list(args) + [0.0, 1.0][len(args):])[:2]
            values = rng.normal(kwargs.get("mean", mean), kwargs.get("std", std), shape)
        elif kind == "random":
            low, high = (0, args[0]) if len(args) == 1 else (args + (0, 2 ** 24))[:2]
            values = rng.integers(low, high, shape)
        elif kind == "bernoulli":
            p = args[0] if args else kwargs.get("p", 0.5)
            p = np.asarray(p._data) if isinstance(p, Tensor) else p
            values = rng.random(shape) < p
        elif kind == "exponential":
            values = rng.exponential(1.0 / (args[0] if args else kwargs.get("lambd", 1.0)), shape)
        elif kind == "geometric":
            values = rng.geometric(args[0] if args else kwargs["p"], shape)
        elif kind == "log_normal":
            mean, std = (list(args) + [1.0, 2.0][len(args):])[:2]
            values = rng.lognormal(mean, std, shape)
        else:  # cauchy
            median, sigma = (list(args) + [0.0, 1.0][len(args):])[:2]
            values = median + sigma * rng.standard_cauchy(shape)
        return self._inplace(lambda t: Tensor._make(np.asarray(values, dtype)))
    fill.__name__ = kind + "_"
    return fill


def _fill_diagonal(self, fill_value, wrap=False):
    def filled(t):
        data = np.array(_concrete(t), copy=True)
        np.fill_diagonal(data, fill_value, wrap=wrap)
        mask = np.zeros(data.shape, bool)
        np.fill_diagonal(mask, True, wrap=wrap)
        return _ops.where(Tensor._make(mask), Tensor._make(data), t)
    return self._inplace(filled)


def _binary(primitive, reflected=False):
    apply = _ops.apply
    if reflected:
        def op(self, other):
            return apply(primitive, (other, self), {})
    else:
        def op(self, other):
            return apply(primitive, (self, other), {})
    return op


def _concrete(t):
    from funcgrad.core.tracer import concrete_value
    return concrete_value(t._data)


def _scalar(t, python=False):
    data = _meta_scalar(t) if is_meta(t._data) else np.asarray(_concrete(t))
    if data.size != 1:
        if python:  # float(t), int(t), complex(t)
            raise ValueError("only one element tensors can be converted to Python scalars")
        raise RuntimeError(f"a Tensor with {data.size} elements cannot be converted to Scalar")
    return data.reshape(())


def _float(t):
    t._owner.check_conversion(t, "float()")  # warns, as PyTorch, if t requires grad
    return float(_scalar(t, python=True))


def _to_complex(t):
    t._owner.check_conversion(t, "complex()")
    return complex(_scalar(t, python=True))


def _meta_scalar(t):
    """A meta tensor has no value: PyTorch refuses, once its number of elements allows one."""
    if t._data.size == 1:
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")
    return t._data


def _truth(t):
    data = _meta_scalar(t) if is_meta(t._data) else np.asarray(_concrete(t))
    if data.size != 1:
        raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
    return bool(data.reshape(()))


def _len(t):
    if np.ndim(t._data) == 0:
        raise TypeError("len() of a 0-d tensor")
    return np.shape(t._data)[0]


def _new(data, dtype, requires_grad):
    from funcgrad.torch._creation import tensor
    return tensor(data, dtype=dtype, requires_grad=requires_grad)


install()

from funcgrad.torch import _extra_methods  # noqa: E402

_extra_methods.install(Tensor, _inplace_method)

from funcgrad.torch import _more_functions  # noqa: E402

_more_functions.install(Tensor)
