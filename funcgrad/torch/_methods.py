"""Tensor methods and properties with PyTorch's names, installed on `Tensor` from `_ops`."""
from __future__ import annotations

import math

import numpy as np

from funcgrad.torch import _dtype, _indexing, _ops
from funcgrad.torch.tensor import Tensor


class Size(tuple):
    """A tensor's shape: a tuple that prints as torch.Size([2, 3])."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
        return int(math.prod(self))


def _size(self, dim=None):
    shape = Size(np.shape(self._data))
    return shape if dim is None else shape[dim]


def _numpy(self, force=False):
    if self._requires_grad and not force:
        return self.__array__()  # raises PyTorch's error
    return np.asarray(self._data)


def _inplace_method(op):
    def method(self, *args, **kwargs):
        return self._inplace(lambda t, *a: op(t, *a, **kwargs), *args)
    method.__name__ = op.__name__ + "_"
    return method


def _fill(self, value):
    return self._inplace(lambda t, v: _ops.as_tensor_arg(v).to(t.dtype).expand(t.shape)
                         if isinstance(v, Tensor) else
                         Tensor._make(np.full(t.shape, v, dtype=t._data.dtype)), value)


def _copy(self, src):
    return self._inplace(lambda t, s: _ops.to(_ops.as_tensor_arg(s), t.dtype).expand(t.shape)
                         if _ops.as_tensor_arg(s).shape != t.shape
                         else _ops.to(_ops.as_tensor_arg(s), t.dtype) * 1, src)


def _zero(self):
    return self._inplace(lambda t: Tensor._make(np.zeros(t.shape, dtype=t._data.dtype)))


def _type_cast(dtype):
    return lambda self: _ops.to(self, dtype)


def install():
    T = Tensor
    T.shape = property(_size)
    T.size = _size
    T.dtype = property(lambda self: _dtype.to_torch(self._data.dtype))
    T.device = property(lambda self: "cpu")
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
    T.contiguous = lambda self, *a, **k: self
    T.is_contiguous = lambda self, *a, **k: True
    T.cpu = lambda self: self
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
    T.reshape_as = T.view_as
    T.expand_as = lambda self, other: _ops.expand(self, other.shape)
    T.negative, T.absolute, T.multiply, T.subtract, T.divide = (
        T.neg, T.abs, T.mul, T.sub, T.div)
    for name in ["add", "sub", "mul", "div", "clamp", "pow", "exp", "log", "sqrt", "abs", "neg",
                 "sigmoid", "tanh", "relu", "t", "unsqueeze", "squeeze", "clip"]:
        setattr(T, name + "_", _inplace_method(getattr(_ops, name)))
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
    T.__float__ = lambda self: float(_scalar(self))
    T.__int__ = lambda self: int(_scalar(self))
    T.__index__ = lambda self: int(_scalar(self))
    T.item = lambda self: _scalar(self).item()
    T.tolist = lambda self: np.asarray(_concrete(self)).tolist()
    T.new_tensor = lambda self, data, dtype=None, requires_grad=False: _new(data, dtype or self.dtype,
                                                                           requires_grad)
    T.new_zeros = lambda self, *size, dtype=None: Tensor._make(
        np.zeros(_ops._sizes(size), _dtype.to_numpy(dtype) or self._data.dtype))
    T.new_ones = lambda self, *size, dtype=None: Tensor._make(
        np.ones(_ops._sizes(size), _dtype.to_numpy(dtype) or self._data.dtype))


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


def _scalar(t):
    data = np.asarray(_concrete(t))
    if data.size != 1:
        raise RuntimeError(f"a Tensor with {data.size} elements cannot be converted to Scalar")
    return data.reshape(())


def _truth(t):
    data = np.asarray(_concrete(t))
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
